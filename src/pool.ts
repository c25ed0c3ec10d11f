// The one bounded worker pool: at most `limit` tasks in flight, results in input order.

/** Runs `work` over `items` with at most `limit` in flight; the first error rejects. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>
): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++
      results[index] = await work(items[index], index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown }

/** Like mapLimit, but a task that throws does not stop the others: its error is in its slot. */
export function mapBounded<I, T>(
  items: readonly I[],
  limit: number,
  task: (item: I, index: number) => Promise<T>
): Promise<Settled<T>[]> {
  return mapLimit(items, limit, async (item, index): Promise<Settled<T>> => {
    try {
      return { ok: true, value: await task(item, index) }
    } catch (error) {
      return { ok: false, error }
    }
  })
}
