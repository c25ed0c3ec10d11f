// The retirement inputs of pruning (INTERFACE.md "Lifecycle"): how a pruned version goes
// (deregister or disable), when versions this action disabled are deregistered, the last-launch
// window and the Recycle Bin requirement. A section reader: every problem goes to `problems`.
import type { Inputs } from './problems.js'
import { parseDuration, parseEnum } from './values.js'

export type PruneAction = 'deregister' | 'disable'
const PRUNE_ACTIONS: readonly PruneAction[] = ['deregister', 'disable']

export interface RetireConfig {
  action: PruneAction
  /** With `disable`: versions this action disabled longer ago than this are deregistered. */
  deregisterDisabledAfterMs?: number
  /** Keep a version launched (by anyone) within this window (lastLaunchedTime). */
  unusedForMs?: number
  /** Skip a deregistration that no Recycle Bin rule covers (AMI and snapshots, as long). */
  requireRecycleBin: boolean
}

export const RETIRE_INPUTS = [
  'prune-action',
  'prune-deregister-disabled-after',
  'prune-unused-for',
  'prune-require-recycle-bin'
] as const

/**
 * `pruning`: prune-keep is set (else every retirement input that asks for something is an error,
 * reported by the prune reader's own rule for inputs without prune-keep).
 */
export function readRetire(inputs: Inputs, pruning: boolean): RetireConfig {
  const { input, problems } = inputs
  const attempt = <T>(check: () => T): T | undefined => problems.attempt(check)
  const fail = (name: string, message: string): void => problems.fail(name, message)

  const rawAction = input('prune-action')
  const action = attempt(() => parseEnum('prune-action', rawAction, PRUNE_ACTIONS, 'deregister'))
  const rawAfter = input('prune-deregister-disabled-after')
  const deregisterDisabledAfterMs = rawAfter
    ? attempt(() => parseDuration('prune-deregister-disabled-after', rawAfter))
    : undefined
  const rawUnused = input('prune-unused-for')
  const unusedForMs = rawUnused
    ? attempt(() => parseDuration('prune-unused-for', rawUnused))
    : undefined
  const requireRecycleBin = inputs.bool('prune-require-recycle-bin', false)

  if (!pruning) {
    const set = [
      ...(action === 'disable' ? ['prune-action'] : []),
      ...(rawAfter ? ['prune-deregister-disabled-after'] : []),
      ...(rawUnused ? ['prune-unused-for'] : []),
      ...(requireRecycleBin ? ['prune-require-recycle-bin'] : [])
    ]
    for (const name of set) {
      fail(
        name,
        'is set but prune-keep is empty, so nothing would be pruned. Set prune-keep (e.g. 5) or remove it.'
      )
    }
  } else if (rawAfter && action !== undefined && action !== 'disable') {
    fail(
      'prune-deregister-disabled-after',
      'works only with prune-action: disable (it deregisters versions this action disabled). Set prune-action: disable or remove it.'
    )
  }
  return {
    action: action ?? 'deregister',
    ...(deregisterDisabledAfterMs !== undefined && { deregisterDisabledAfterMs }),
    ...(unusedForMs !== undefined && { unusedForMs }),
    requireRecycleBin
  }
}
