// What an AMI already carries, read from the DescribeImages answer the run has anyway, so that a
// re-run against unchanged AWS leaves tags, deprecation and protection alone without extra reads.
import type { Image as AwsImage } from '@aws-sdk/client-ec2'
import type { Config } from '../config.js'
import type { ImageState, Provenance } from '../types.js'

/** Set with the deprecation: the `deprecate-after` value it was computed from. */
export const DEPRECATE_AFTER_TAG = 'ami-share-action:deprecate-after'
export const RECIPE_TAG = 'ami-share-action:recipe'
export const BASE_AMI_TAG = 'ami-share-action:base-ami'
export const RUNBOOK_HASH_TAG = 'ami-share-action:runbook-hash'
export const TEST_TAG = 'ami-share-action:test'

export function stateOf(image: AwsImage): ImageState {
  const tags: Record<string, string> = {}
  for (const t of image.Tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? ''
  return {
    tags,
    ...(image.DeprecationTime ? { deprecationTime: new Date(image.DeprecationTime) } : {}),
    ...(image.DeregistrationProtection ? { protection: image.DeregistrationProtection } : {})
  }
}

/** Recipe, base AMI and runbook hash as tags (empty without provenance). */
export function provenanceTags(provenance: Provenance | undefined): Record<string, string> {
  if (!provenance) return {}
  return {
    [RECIPE_TAG]: provenance.recipe,
    ...(provenance.runbookHash && { [RUNBOOK_HASH_TAG]: provenance.runbookHash }),
    ...(provenance.baseAmi && { [BASE_AMI_TAG]: provenance.baseAmi.id })
  }
}

/** Every tag an AMI of this run should carry: the inputs' tags, provenance, deprecate-after. */
export function desiredTags(
  config: Config,
  provenance: Provenance | undefined
): Record<string, string> {
  return {
    ...config.tags,
    ...provenanceTags(provenance),
    ...(config.deprecateAt && config.deprecateAfter
      ? { [DEPRECATE_AFTER_TAG]: config.deprecateAfter }
      : {})
  }
}

/** The desired tags the AMI lacks or holds with another value. */
export function missingTags(
  prior: ImageState | undefined,
  desired: Record<string, string>
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(desired).filter(([key, value]) => prior?.tags[key] !== value)
  )
}

/**
 * The deprecation already in place is kept when it is at the time asked for (rounded to the
 * minute, as EC2 stores it), or when this action set it for the same `deprecate-after` value: a
 * relative value ("90d") counts from the run that set it, so a re-run does not move it.
 */
export function deprecationInPlace(
  config: Config,
  prior: ImageState | undefined,
  roundedTarget: Date
): boolean {
  const current = prior?.deprecationTime
  if (!current) return false
  if (current.getTime() === roundedTarget.getTime()) return true
  return (
    config.deprecateAfter !== undefined && prior.tags[DEPRECATE_AFTER_TAG] === config.deprecateAfter
  )
}

export function protectionOn(prior: ImageState | undefined): boolean {
  const p = prior?.protection
  return p !== undefined && p !== '' && p !== 'disabled'
}
