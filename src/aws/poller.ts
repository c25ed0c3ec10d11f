// Status polling shared by every wait (runbook executions, images, copies; test instances and
// SSM command invocations can use the same): when to ask next, and how often any one client may
// be asked.
//
// Cadence: sparse while the end is far, dense when it is near. "Near" comes from an expected
// window (the family's past durations, see image/durations.ts): one read at the start, then a
// jump to the window's start, then dense reads (1 s) through it, then a gentle backoff when the wait
// runs past it. Without a window the base interval applies (5 s ± 20 %, config.pollIntervalMs).
// Every figure is a multiple of the base interval, so AMI_SHARE_ACTION_POLL_MS scales the whole
// schedule (the bench runs compressed time that way).
//
// Ceiling: status reads of all waits that share one SDK client (one service, account and region)
// pass through one token bucket, CEILING_PER_SECOND with no burst beyond it, so hundreds of
// waits in one account never crowd the bucket the team's other tools share (EC2 Describe*:
// 100 tokens, 20/s).
import type { RunContext } from '../context.js'
import { createPacer } from '../prune/pacer.js'

/** Where the wait is expected to end, in ms since the wait started. */
export interface ExpectedWindow {
  earliestMs: number
  latestMs: number
}

/** Dense interval near the expected end: 0.2 × base = 1 s at the default 5 s (at least). */
export const DENSE_FACTOR = 0.2
/**
 * Reads the window may take: 10 per expected minute of the wait (at least 40), so that with the
 * sparse reads (≤ 2/min) a wait stays under 15 reads per minute; a window wide for its wait
 * (durations that vary a lot) is polled less densely instead.
 */
export const WINDOW_READS_PER_MINUTE = 10
export const WINDOW_READS_MIN = 40
/** Longest sleep while the end is far: 6 × base = 30 s, so an early finish is seen within it. */
export const SPARSE_FACTOR = 6
/** Status reads per second per (service, account, region) at the default base interval. */
export const CEILING_PER_SECOND = 2

/** interval ± 20 %, so parallel waits do not poll in lockstep. */
export function jittered(intervalMs: number, random = Math.random): number {
  return Math.round(intervalMs * (0.8 + random() * 0.4))
}

/**
 * The next sleep (before jitter) after a read at `elapsedMs` into the wait. Pure: the cadence is
 * tested as a schedule, not as timings.
 */
export function nextDelay(
  elapsedMs: number,
  baseMs: number,
  window: ExpectedWindow | undefined
): number {
  if (!window) return baseMs
  const width = window.latestMs - window.earliestMs
  // Minutes counted as 12 base intervals, so that the schedule scales with the base.
  const minutes = window.latestMs / (12 * baseMs)
  const reads = Math.max(WINDOW_READS_MIN, WINDOW_READS_PER_MINUTE * minutes)
  const dense = Math.min(baseMs, Math.max(DENSE_FACTOR * baseMs, width / reads))
  if (elapsedMs < window.earliestMs - dense) {
    // Far: straight to the window's start, but never longer than SPARSE between reads.
    return Math.min(SPARSE_FACTOR * baseMs, window.earliestMs - elapsedMs)
  }
  if (elapsedMs <= window.latestMs) return dense
  // Past the window (slower than ever before): back off from dense to the base interval.
  const overdue = elapsedMs - window.latestMs
  return Math.min(baseMs, dense + overdue / 10)
}

/**
 * A window from past durations: their range, widened by 5 % and by one dense interval on each
 * side (a single past value gives a window of ± that much around it).
 */
export function windowFrom(pastMs: readonly number[], baseMs: number): ExpectedWindow | undefined {
  const values = pastMs.filter((v) => Number.isFinite(v) && v > 0)
  if (values.length === 0) return undefined
  const dense = DENSE_FACTOR * baseMs
  const lo = Math.min(...values)
  const hi = Math.max(...values)
  return { earliestMs: Math.max(0, lo * 0.95 - dense), latestMs: hi * 1.05 + dense }
}

/** One ceiling per client object: clients are memoised per (service, account, region). */
const ceilings = new WeakMap<object, () => Promise<void>>()

function ceilingFor(ctx: RunContext, client: object): () => Promise<void> {
  let take = ceilings.get(client)
  if (!take) {
    // The rate scales with the base interval like the cadence: 2/s at the default 5 s.
    const perSecond = (CEILING_PER_SECOND * 5000) / ctx.config.pollIntervalMs
    take = createPacer({
      capacity: Math.max(1, perSecond),
      refillPerSecond: perSecond,
      // A ceiling of our own, not a mirror of AWS's bucket: it refills from the first read on.
      refillFrom: 'first-call',
      now: () => ctx.now().getTime(),
      sleep: (ms) => ctx.sleep(ms)
    })
    ceilings.set(client, take)
  }
  return take
}

export interface Poller {
  /** Before each status read: waits for the client's rate ceiling. */
  beforeRead(): Promise<void>
  /** After a read that did not end the wait: sleeps until the next one, never past `deadline`. */
  sleep(deadline?: number): Promise<void>
  /** The expected window, once known (undefined without history). */
  readonly window: ExpectedWindow | undefined
}

/**
 * A poller for one wait. `expected` may resolve later (history read in parallel with the first
 * requests); until it does, the base cadence applies.
 */
export function createPoller(
  ctx: RunContext,
  client: object,
  expected?: Promise<ExpectedWindow | undefined>
): Poller {
  const started = ctx.now().getTime()
  const base = ctx.config.pollIntervalMs
  let window: ExpectedWindow | undefined
  let settled = false
  void expected?.then(
    (w) => {
      window = w
      settled = true
    },
    () => (settled = true)
  )
  const ceiling = ceilingFor(ctx, client)
  return {
    beforeRead: () => ceiling(),
    async sleep(deadline) {
      if (expected && !settled) await expected.catch(() => undefined)
      const now = ctx.now().getTime()
      const delay = jittered(nextDelay(now - started, base, window))
      const cap = deadline === undefined ? delay : Math.max(deadline - now, 1)
      await ctx.sleep(Math.max(1, Math.min(delay, cap)))
    },
    get window() {
      return window
    }
  }
}
