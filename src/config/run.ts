// How the run itself goes: timeout-minutes, dry-run, and the poll interval that tests and the
// bench shorten through AMI_SHARE_ACTION_POLL_MS. A section reader: problems go to
// `inputs.problems`.
import type { Inputs } from './problems.js'
import { parseInteger } from './values.js'

export const DEFAULT_TIMEOUT_MINUTES = 120
/** Three days: longer than any hosted job (6 h) but room for self-hosted runners. */
export const MAX_TIMEOUT_MINUTES = 4320
export const DEFAULT_POLL_MS = 5000

export interface RunConfig {
  timeoutMinutes: number
  dryRun: boolean
}

export function readRun(inputs: Inputs): RunConfig {
  const { input, problems } = inputs
  const raw = input('timeout-minutes')
  const timeoutMinutes = raw
    ? (problems.attempt(() =>
        parseInteger('timeout-minutes', raw, 1, MAX_TIMEOUT_MINUTES, 'minutes')
      ) ?? DEFAULT_TIMEOUT_MINUTES)
    : DEFAULT_TIMEOUT_MINUTES
  return { timeoutMinutes, dryRun: inputs.bool('dry-run', false) }
}

/** Poll interval for runbook and image waits (ms). */
export function readPollInterval({ problems }: Inputs, env: NodeJS.ProcessEnv): number {
  const raw = env.AMI_SHARE_ACTION_POLL_MS?.trim()
  if (!raw) return DEFAULT_POLL_MS
  return (
    problems.attempt(() =>
      parseInteger('AMI_SHARE_ACTION_POLL_MS', raw, 1, 3_600_000, 'milliseconds')
    ) ?? DEFAULT_POLL_MS
  )
}
