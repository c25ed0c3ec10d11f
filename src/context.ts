// What every phase receives besides its input value: config, clients, clock, log, cancellation.
// Injected so tests run instantly (sleep/now) and dry runs record a plan instead of acting.
import type { Clients } from './aws/clients.js'
import type { Config } from './config.js'
import { CancelledError } from './errors.js'
import type { Planner } from './plan.js'

export { CancelledError }

export interface Log {
  info(message: string): void
  warning(message: string): void
  debug(message: string): void
}

export interface RunContext {
  config: Config
  clients: Clients
  log: Log
  /** Resolves after ms, or rejects with CancelledError early when `signal` aborts. */
  sleep(ms: number): Promise<void>
  now(): Date
  /** Aborted on SIGINT/SIGTERM (job cancelled). */
  signal: AbortSignal
  /** Stable per workflow run attempt; seeds ClientTokens so a retried call cannot duplicate. */
  runId: string
  /** Non-fatal problems, shown as warnings and in the summary. */
  warn(message: string): void
  warnings: string[]
  /** Acts (real run) or records what it would do (dry run): see src/plan.ts. */
  plan: Planner
}

export function abortableSleep(signal: AbortSignal): (ms: number) => Promise<void> {
  return (ms) =>
    new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new CancelledError())
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort)
        resolve()
      }, ms)
      const onAbort = (): void => {
        clearTimeout(timer)
        reject(new CancelledError())
      }
      signal.addEventListener('abort', onAbort, { once: true })
    })
}
