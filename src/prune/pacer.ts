// Client-side pacing that mirrors an EC2 token bucket, so a long run of calls flows at the
// refill rate instead of emptying the bucket and leaning on SDK retries (whose retry quota of
// 500 tokens runs out after about 100 throttled attempts, and then errors surface).
// Reservation-based: each call takes a token now and sleeps for its turn, so a frozen clock in
// tests never loops.
//
// Whose clock: AWS's bucket is full until our first call ARRIVES, and only then starts to refill;
// we only see when we SEND it. Crediting refill from the send (as a naive mirror does) gives the
// pacer up to rate × (first call's latency) tokens the bucket never had, and the first calls after
// the burst are then throttled. So a mirror credits no refill while it spends a full burst and
// starts its clock at the first call that finds it empty: with fewer calls in flight than the
// burst, an earlier call has returned by then, so the bucket's clock started before ours and ours
// is never ahead. Sleeps are rounded up and get 1 ms more: Date.now() and the timer clock are both
// whole milliseconds and can disagree by one.

export interface PacerOptions {
  /** Tokens available at once (the burst). */
  capacity: number
  /** Tokens added per second. */
  refillPerSecond: number
  now(): number
  sleep(ms: number): Promise<void>
  /**
   * 'first-shortfall' (default, a mirror of AWS's bucket): refill is credited from the first call
   * that finds the burst spent, and again after the pacer has refilled to capacity.
   * 'first-call': refill from the first call on (a ceiling of our own, not a mirror).
   */
  refillFrom?: 'first-shortfall' | 'first-call'
}

/** Added to every sleep: the two whole-millisecond clocks can disagree by one. */
export const CLOCK_GRAIN_MS = 1

export function createPacer(options: PacerOptions): () => Promise<void> {
  const { capacity, refillPerSecond: rate } = options
  const mirror = (options.refillFrom ?? 'first-shortfall') === 'first-shortfall'
  let tokens = capacity
  // When refill was last credited; undefined while a mirror's bucket is (as far as we know) full.
  let refilledAt: number | undefined = mirror ? undefined : options.now()
  return async () => {
    const t = options.now()
    if (refilledAt !== undefined) {
      tokens = Math.min(capacity, tokens + (Math.max(0, t - refilledAt) / 1000) * rate)
      refilledAt = t
      if (mirror && tokens >= capacity) refilledAt = undefined
    }
    tokens -= 1
    if (tokens >= 0) return
    refilledAt ??= t
    await options.sleep(Math.ceil((-tokens / rate) * 1000) + CLOCK_GRAIN_MS)
  }
}

/**
 * DeregisterImage: AWS bucket 100, refill 5/s per account and region. The whole burst is spent
 * (the bucket is full when pruning starts: nothing else in a run deregisters at that rate), then
 * calls flow at 98 % of the refill: 2 % (one token every 10 s) is left for other automation in
 * the account taking a token now and then. At 300 versions this is 1.02 × the bucket's own floor
 * ((N − 100) / 5 s), plus the burst's own duration; it tends to 1.02 as N grows.
 */
export const DEREGISTER_PACE = { capacity: 100, refillPerSecond: 4.9 }
/** Non-mutating Describe* calls (DescribeImageReferences): bucket 100, refill 20/s, per action. */
export const DESCRIBE_PACE = { capacity: 100, refillPerSecond: 19.6 }
