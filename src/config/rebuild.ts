// The "Nightly rebuilds" section of the inputs: `rebuild`, and the raw ami-name pattern the recipe
// hashes ({{timestamp}} kept as a placeholder, so two nights of one recipe hash the same).
import type { Inputs } from './problems.js'
import { parseEnum } from './values.js'

export type RebuildMode = 'always' | 'if-changed'

export interface RebuildConfig {
  mode: RebuildMode
  /** `ami-name` as written, `{{timestamp}}` unresolved; undefined when not set. */
  namePattern?: string
}

const MODES: readonly RebuildMode[] = ['always', 'if-changed']

/**
 * Reads `rebuild` and checks the combinations it allows: `if-changed` needs a runbook build and a
 * family (the recipe is looked up among the family's versions). Problems are recorded, not thrown,
 * so they are reported with every other input problem.
 */
export function readRebuild({ input, problems }: Inputs): RebuildConfig {
  const namePattern = input('ami-name') || undefined
  const mode =
    problems.attempt(() => parseEnum('rebuild', input('rebuild'), MODES, 'always')) ?? 'always'
  if (mode === 'if-changed') {
    const fail = (message: string): void => problems.fail('rebuild', message)
    for (const other of ['instance-id', 'ami-id']) {
      if (input(other)) {
        fail(
          `if-changed works only with automation-document (the recipe is the runbook's content and parameters), but ${other} is set. Remove ${other} or set rebuild: always.`
        )
      }
    }
    if (!input('family')) {
      fail(
        `if-changed needs family: the unchanged recipe is looked for among the family's versions. Set family (e.g. web-server) or set rebuild: always.`
      )
    }
  }
  return { mode, ...(namePattern !== undefined && { namePattern }) }
}
