// run(): the whole action, one line per phase. Each phase takes a value and returns one.
import { setMaxListeners } from 'node:events'
import * as core from '@actions/core'
import { createClients } from './aws/clients.js'
import { describeError, executionOf } from './aws/errors.js'
import { readConfig } from './config.js'
import { abortableSleep, type RunContext } from './context.js'
import { createPlanner } from './plan.js'
import { distribute } from './distribute.js'
import { prune } from './prune.js'
import { report } from './report/index.js'
import { buildImage } from './source/build.js'
import { PartialFailure, type Result } from './types.js'

export interface RunOptions {
  /** Tests pass their own; the action aborts it on SIGINT/SIGTERM. */
  signal?: AbortSignal
}

export async function run(options: RunOptions = {}): Promise<void> {
  const startedAt = new Date()
  const result: Result = { warnings: [], startedAt, finishedAt: startedAt }
  const cancel = options.signal ? undefined : onCancelSignal()
  let ctx: RunContext | undefined
  try {
    const config = readConfig()
    ctx = createContext(config, options.signal ?? cancel!.signal, result)
    result.image = await core.group('Build', () => buildImage(ctx!))
    result.fleet = await core.group('Distribute', () => distribute(ctx!, result.image!))
    result.prune = await core.group('Prune', () => prune(ctx!, result.image!, result.fleet!))
  } catch (error) {
    result.execution = executionOf(error)
    if (error instanceof PartialFailure) {
      result.fleet ??= error.fleet
      result.prune ??= error.prune
    }
    result.error = describeError(error)
  } finally {
    cancel?.dispose()
  }
  result.finishedAt = new Date()
  if (ctx) await report(ctx, result)
  ctx?.clients.destroy()
  if (result.error) core.setFailed(result.error)
  else if (dryRunProblems(result) > 0) core.setFailed(dryRunVerdict(dryRunProblems(result)))
}

/** Problems a dry run found: the real run would hit them. */
export function dryRunProblems(result: Result): number {
  return result.plan?.filter((p) => p.problem).length ?? 0
}

/**
 * A dry run that found problems fails the step, after writing the plan, so that the check on the
 * pull request turns red: a green check would say the pipeline change is safe to merge.
 */
function dryRunVerdict(problems: number): string {
  return (
    `Dry run: ${problems} problem${problems === 1 ? '' : 's'} the real run would hit; ` +
    'nothing was changed. The plan in the job summary lists them.'
  )
}

function createContext(
  config: ReturnType<typeof readConfig>,
  signal: AbortSignal,
  result: Result
): RunContext {
  const plan = createPlanner(config.dryRun)
  if (config.dryRun) result.plan = plan.items
  return {
    config,
    clients: createClients(config.region),
    log: { info: core.info, warning: core.warning, debug: core.debug },
    sleep: abortableSleep(signal),
    now: () => new Date(),
    signal,
    runId: runIdentity(),
    warnings: result.warnings,
    warn(message) {
      result.warnings.push(message)
      core.warning(message)
    },
    plan
  }
}

/** Stable across retries of one workflow run attempt, unique across runs. */
function runIdentity(): string {
  const { GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT, GITHUB_JOB } = process.env
  return GITHUB_RUN_ID
    ? `${GITHUB_RUN_ID}-${GITHUB_RUN_ATTEMPT ?? '1'}-${GITHUB_JOB ?? ''}`
    : `local-${Date.now()}`
}

/** GitHub cancels with SIGINT, then SIGTERM 7.5 s later: both abort the run. */
export function onCancelSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController()
  // Every concurrent wait (one per copy in flight, up to hundreds) listens on this one signal and
  // removes its listener when done: no leak, so Node's default limit of 10 would only warn falsely.
  setMaxListeners(0, controller.signal)
  const abort = (): void => {
    core.warning('Cancellation received: stopping what this run started.')
    controller.abort()
  }
  process.on('SIGINT', abort)
  process.on('SIGTERM', abort)
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', abort)
      process.off('SIGTERM', abort)
    }
  }
}
