// Client-side pacing that mirrors an EC2 token bucket, so a long run of calls flows at the
// refill rate instead of emptying the bucket and leaning on SDK retries (whose retry quota of
// 500 tokens runs out after about 100 throttled attempts, and then errors surface).
// Reservation-based: each call takes a token now and sleeps for its turn, so a frozen clock in
// tests never loops.

export interface PacerOptions {
  /** Tokens available at once (the burst). */
  capacity: number
  /** Tokens added per second. */
  refillPerSecond: number
  now(): number
  sleep(ms: number): Promise<void>
}

export function createPacer(options: PacerOptions): () => Promise<void> {
  let tokens = options.capacity
  let last = options.now()
  return async () => {
    const t = options.now()
    tokens = Math.min(options.capacity, tokens + ((t - last) / 1000) * options.refillPerSecond)
    last = t
    tokens -= 1
    if (tokens >= 0) return
    await options.sleep(Math.ceil((-tokens / options.refillPerSecond) * 1000))
  }
}

/**
 * DeregisterImage: AWS bucket 100, refill 5/s per account and region. Keep a margin below both so
 * other automation sharing the bucket and clock skew do not push us into throttling; 4.75/s is
 * 95 % of the refill.
 */
export const DEREGISTER_PACE = { capacity: 80, refillPerSecond: 4.75 }
/** Non-mutating Describe* calls: bucket 100, refill 20/s. */
export const DESCRIBE_PACE = { capacity: 50, refillPerSecond: 18 }
