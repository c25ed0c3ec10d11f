// The "Nightly rebuilds" section of the inputs: `rebuild`, and the raw ami-name pattern the recipe
// hashes ({{timestamp}} kept as a placeholder, so two nights of one recipe hash the same).
import { InputError } from './input-error.js'
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
 * family (the recipe is looked up among the family's versions). Problems are pushed, not thrown,
 * so they are reported with every other input problem.
 */
export function readRebuild(
  input: (name: string) => string,
  problems: InputError[]
): RebuildConfig {
  const namePattern = input('ami-name') || undefined
  let mode: RebuildMode = 'always'
  try {
    mode = parseEnum('rebuild', input('rebuild'), MODES, 'always')
  } catch (error) {
    if (!(error instanceof InputError)) throw error
    problems.push(error)
  }
  if (mode === 'if-changed') {
    const fail = (message: string): void => {
      problems.push(new InputError('rebuild', `rebuild: ${message}`))
    }
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
