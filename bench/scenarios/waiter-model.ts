// Detection latency of three polling schedules, simulated from their documented schedules
// (performance-and-limits.md §1.1, §1.2): the action's (5 s ± 20 % jitter), the JS SDK's
// waitUntilImageAvailable (first check at once, then U(15, min(120, 15·2^(n-1))) s, 120 s
// from the 5th delay on) and `aws ec2 wait image-available` (first check at once, then 15 s).
// Each poll costs a round trip (rttMs) before it sees the state.
import { mean, median, percentile, round, seededRandom } from '../lib/stats.js'

export type Strategy =
  'action (5 s ±20 %)' | 'JS SDK waitUntilImageAvailable' | 'aws ec2 wait image-available'
export const STRATEGIES: Strategy[] = [
  'action (5 s ±20 %)',
  'JS SDK waitUntilImageAvailable',
  'aws ec2 wait image-available'
]

function nextDelayMs(strategy: Strategy, attempt: number, random: () => number): number {
  if (strategy === 'action (5 s ±20 %)') return 5000 * (0.8 + random() * 0.4)
  if (strategy === 'aws ec2 wait image-available') return 15_000
  const min = 15
  const max = 120
  const ceiling = Math.log2(max / min) + 1
  if (attempt > ceiling) return max * 1000
  const upper = Math.min(max, min * 2 ** (attempt - 1))
  return (min + random() * (upper - min)) * 1000
}

/** Latency (ms) from done to the first poll that sees done, and polls spent, for one wait. */
export function simulateWait(
  strategy: Strategy,
  doneAtMs: number,
  random: () => number,
  rttMs = 150
): { latencyMs: number; polls: number } {
  let t = 0
  for (let attempt = 1; ; attempt++) {
    const seenAt = t + rttMs
    if (seenAt >= doneAtMs) return { latencyMs: seenAt - doneAtMs, polls: attempt }
    t = seenAt + nextDelayMs(strategy, attempt, random)
  }
}

export interface ModelRow {
  strategy: Strategy
  readyWindow: string
  meanLatencyS: number
  medianLatencyS: number
  p95LatencyS: number
  requestsPerWaitedMinute: number
}

/** Ready after U(lo, hi) seconds, as §1.5, plus the window of the bench's own waits. */
export function runWaiterModel(trials: number, windows: [number, number][]): ModelRow[] {
  const rows: ModelRow[] = []
  for (const [lo, hi] of windows) {
    for (const strategy of STRATEGIES) {
      const random = seededRandom(20260101)
      const latencies: number[] = []
      let polls = 0
      let waited = 0
      for (let i = 0; i < trials; i++) {
        const done = (lo + random() * (hi - lo)) * 1000
        const r = simulateWait(strategy, done, random)
        latencies.push(r.latencyMs)
        polls += r.polls
        waited += done + r.latencyMs
      }
      rows.push({
        strategy,
        readyWindow: `${lo}–${hi} s`,
        meanLatencyS: round(mean(latencies) / 1000, 1),
        medianLatencyS: round(median(latencies) / 1000, 1),
        p95LatencyS: round(percentile(latencies, 95) / 1000, 1),
        requestsPerWaitedMinute: round(polls / (waited / 60_000), 1)
      })
    }
  }
  return rows
}
