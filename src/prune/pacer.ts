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
 * DeregisterImage: AWS bucket 100, refill 5/s per account and region. The whole burst is spent
 * (the bucket is full when pruning starts: nothing else in a run deregisters at that rate), then
 * calls flow at 98 % of the refill: 2 % is the margin for clock skew and for other automation
 * taking a token now and then; the SDK's retries absorb a rare throttled call. At 300 versions
 * this is 1.02 × the bucket's own floor ((N − 100) / 5 s), and tends to 1.02 as N grows.
 */
export const DEREGISTER_PACE = { capacity: 100, refillPerSecond: 4.9 }
/** Non-mutating Describe* calls (DescribeImageReferences): bucket 100, refill 20/s, per action. */
export const DESCRIBE_PACE = { capacity: 100, refillPerSecond: 19.6 }
