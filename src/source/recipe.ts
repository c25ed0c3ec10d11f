// The recipe of a runbook build: what decides the image's content. Two runs with the same recipe
// build the same image (up to what the runbook itself fetches), so `rebuild: if-changed` may adopt
// the last one instead of building again.
import { createHash } from 'node:crypto'

export interface RecipeInput {
  document: string
  /** DescribeDocument Hash of the version that will run. */
  runbookHash: string
  /** The parameters as given, `resolve:ssm:` values resolved (not the ones ami-name adds). */
  parameters: Record<string, string[]>
  /** ami-name as written: `{{timestamp}}` stays a placeholder. */
  namePattern?: string
  description?: string
  family?: string
}

/** sha256 hex of a canonical JSON (keys sorted) of the recipe. */
export function recipeHash(input: RecipeInput): string {
  const parameters = Object.entries(input.parameters).sort(([a], [b]) => (a < b ? -1 : 1))
  const canonical = JSON.stringify([
    'ami-share-action/recipe/1',
    input.document,
    input.runbookHash,
    parameters,
    input.namePattern ?? '',
    input.description ?? '',
    input.family ?? ''
  ])
  return createHash('sha256').update(canonical).digest('hex')
}
