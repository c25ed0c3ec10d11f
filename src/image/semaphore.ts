// A counting semaphore with weighted, first-come-first-served acquisition. Copies take one
// permit per snapshot, because AWS limits snapshot copies (not AMI copies) per destination region.

export class Semaphore {
  private available: number
  private readonly queue: { weight: number; resolve: () => void }[] = []

  constructor(readonly capacity: number) {
    this.available = capacity
  }

  /** Permits currently held. */
  get inUse(): number {
    return this.capacity - this.available
  }

  /** Waits until `weight` permits are free (clamped to the capacity so a big AMI cannot deadlock). */
  async acquire(weight: number): Promise<number> {
    const w = Math.min(Math.max(1, weight), this.capacity)
    // FIFO: a waiting big request is not starved by a stream of small ones.
    if (this.queue.length === 0 && this.available >= w) {
      this.available -= w
      return w
    }
    await new Promise<void>((resolve) => this.queue.push({ weight: w, resolve }))
    return w
  }

  release(weight: number): void {
    this.available += weight
    while (this.queue.length > 0 && this.available >= this.queue[0].weight) {
      const next = this.queue.shift()!
      this.available -= next.weight
      next.resolve()
    }
  }

  async use<T>(weight: number, work: () => Promise<T>): Promise<T> {
    const held = await this.acquire(weight)
    try {
      return await work()
    } finally {
      this.release(held)
    }
  }
}
