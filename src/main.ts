// run(): the whole action, one line per phase. Each phase takes a value and returns one.
import { setMaxListeners } from 'node:events'
import * as core from '@actions/core'
import { createClients, type Clients } from './aws/clients.js'
import { describeError, executionOf, imageOf, stampErrors } from './aws/errors.js'
import { readConfig } from './config.js'
import { InputError } from './errors.js'
import { safeLog } from './log.js'
import { abortableSleep, type RunContext } from './context.js'
import { createPlanner } from './plan.js'
import { distribute } from './distribute.js'
import { promote } from './promote/index.js'
import { prune } from './prune.js'
import { report } from './report/index.js'
import { buildImage } from './source/build.js'
import { confirmStillThere } from './source/ownership.js'
import { testImage, testsOf } from './test/index.js'
import { PartialFailure, type Image, type Result } from './types.js'

export interface RunOptions {
  /** Tests pass their own; the action aborts it on SIGINT/SIGTERM. */
  signal?: AbortSignal
}

export async function run(options: RunOptions = {}): Promise<void> {
  const startedAt = new Date()
  const result: Result = { warnings: [], startedAt, finishedAt: startedAt }
  const cancel = options.signal ? undefined : onCancelSignal()
  let ctx: RunContext | undefined
  let phase = 'Inputs'
  try {
    const config = readConfig()
    ctx = createContext(config, options.signal ?? cancel!.signal, result)
    phase = 'Build'
    result.image = await core.group('Build', () => buildImage(ctx!))
    phase = 'Test'
    result.tested = await core.group('Test', () => testImage(ctx!, result.image!))
    phase = 'Distribute'
    result.fleet = await core.group('Distribute', () => distribute(ctx!, result.image!))
    phase = 'Promote'
    result.promoted = await core.group('Promote', () => promote(ctx!, result.image!, result.fleet!))
    phase = 'Prune'
    result.prune = await core.group('Prune', () => prune(ctx!, result.image!, result.fleet!))
    phase = 'Final check'
    await confirmStillThere(ctx, result.image, result.fleet, result.prune)
  } catch (error) {
    result.execution = executionOf(error)
    result.image ??= imageOf(error)
    result.tested ??= testsOf(error)
    if (error instanceof PartialFailure) {
      result.fleet ??= error.fleet
      result.prune ??= error.prune
      result.promoted ??= error.promoted
    }
    result.error = failureMessage(error, phase, result.image)
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
    clients: withErrorContext(createClients(config.region), config.region),
    log: {
      info: (message) => core.info(safeLog(message)),
      warning: core.warning,
      debug: core.debug
    },
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

/** The error, where it happened (phase) and, when an AMI was left half set up, what to do. */
function failureMessage(error: unknown, phase: string, image: Image | undefined): string {
  const message = describeError(error)
  const where = error instanceof InputError || phase === 'Inputs' ? '' : `\nPhase: ${phase}.`
  const leftover = image?.leftover ? `\n${image.leftover}` : ''
  return message + leftover + where
}

/**
 * Every client stamps the errors it throws with call, region and account. The build account is
 * asked of STS lazily, and only when an error needs it (a failed STS call names no account).
 */
function withErrorContext(clients: Clients, buildRegion: string): Clients {
  const build = (): Promise<string | undefined> => clients.buildAccountId()
  return {
    ...clients,
    ec2: (region, account) =>
      stampErrors(
        clients.ec2(region, account),
        region,
        account ? async () => account.accountId : build
      ),
    ssm: async (region, account) =>
      stampErrors(
        await clients.ssm(region, account),
        region,
        account ? async () => account.accountId : build
      ),
    kms: async (region, account) =>
      stampErrors(
        await clients.kms(region, account),
        region,
        account ? async () => account.accountId : build
      ),
    serviceQuotas: async (region, account) =>
      stampErrors(
        await clients.serviceQuotas(region, account),
        region,
        account ? async () => account.accountId : build
      ),
    sts: async (region) => stampErrors(await clients.sts(region), region, async () => undefined),
    buildAccountId: async () => {
      // GetCallerIdentity and AssumeRole go through the build region's STS client.
      stampErrors(await clients.sts(buildRegion), buildRegion, async () => undefined)
      return clients.buildAccountId()
    },
    checkRole: async (account) => {
      stampErrors(await clients.sts(buildRegion), buildRegion, async () => undefined)
      return clients.checkRole(account)
    }
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
