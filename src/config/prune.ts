// The "Pruning" section of the inputs: prune-keep (which needs family), prune-older-than,
// prune-skip-in-use, prune-dry-run, and the retirement inputs (retire.ts). Without prune-keep every
// other prune input that asks for something is an error. A section reader: problems go to
// `inputs.problems`.
import type { Inputs } from './problems.js'
import { readRetire, type RetireConfig } from './retire.js'
import { parseDuration, parseInteger } from './values.js'

/** The AMIs-per-region quota: keeping more versions than can exist means nothing. */
export const MAX_PRUNE_KEEP = 50_000

export interface PruneConfig {
  /** The family whose versions are pruned (prune-keep requires family). */
  family: string
  keep: number
  /** Only versions older than this many milliseconds are pruned. */
  olderThanMs?: number
  skipInUse: boolean
  dryRun: boolean
  /** prune-action, prune-deregister-disabled-after, prune-unused-for, prune-require-recycle-bin. */
  retire?: RetireConfig
}

/** `family`: the checked family input (undefined when empty or malformed). */
export function readPrune(inputs: Inputs, family: string | undefined): PruneConfig | undefined {
  const { input, problems } = inputs
  const fail = (name: string, message: string): void => problems.fail(name, message)
  const rawKeep = input('prune-keep')
  const rawOlder = input('prune-older-than')
  const skipInUse = inputs.bool('prune-skip-in-use', true)
  const dryRun = inputs.bool('prune-dry-run', false)
  const olderThanMs = rawOlder
    ? problems.attempt(() => parseDuration('prune-older-than', rawOlder))
    : undefined
  const retire = readRetire(inputs, rawKeep !== '')
  if (!rawKeep) {
    const set = [
      ...(rawOlder ? ['prune-older-than'] : []),
      ...(!skipInUse ? ['prune-skip-in-use'] : []),
      ...(dryRun ? ['prune-dry-run'] : [])
    ]
    for (const name of set) {
      fail(
        name,
        'is set but prune-keep is empty, so nothing would be pruned. Set prune-keep (e.g. 5) or remove it.'
      )
    }
    return undefined
  }
  const keep = problems.attempt(() =>
    parseInteger('prune-keep', rawKeep, 1, MAX_PRUNE_KEEP, 'versions to keep, the new one included')
  )
  // A family that is set but malformed has its own problem already.
  if (family === undefined && !input('family')) {
    fail(
      'prune-keep',
      'is set but family is empty; pruning only touches AMIs of one family. Set family (e.g. web-server).'
    )
  }
  if (keep === undefined || family === undefined) return undefined
  return {
    family,
    keep,
    ...(olderThanMs !== undefined && { olderThanMs }),
    skipInUse,
    dryRun,
    retire
  }
}
