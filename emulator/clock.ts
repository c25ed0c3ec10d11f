// The simulated clock. Simulated time runs 1/timeScale times as fast as real time, so with
// timeScale 0.01 an hour-long build finishes in 36 real seconds. Services never store timers:
// they store timestamps and compute status from now(), so state advances lazily.
import type { Clock } from './types.js'

export interface SimClock extends Clock {
  /** Jump simulated time forward (tests, admin API). */
  advance(simMs: number): void
}

export function createClock(timeScale = 1, realNow: () => number = Date.now): SimClock {
  if (!(timeScale > 0)) throw new Error(`timeScale must be a positive number, got ${timeScale}`)
  const realStart = realNow()
  let offset = 0
  return {
    timeScale,
    now: () => realStart + (realNow() - realStart) / timeScale + offset,
    toReal: (simMs) => simMs * timeScale,
    advance(simMs) {
      if (simMs < 0) throw new Error('The simulated clock cannot go backwards')
      offset += simMs
    }
  }
}
