// The "Image" section of the inputs: ami-name, ami-description, family, tags and if-exists, each
// judged against the source (an adopted AMI keeps its name; an instance build needs one).
// A section reader: every problem goes to `inputs.problems`.
import * as aws from './aws-ids.js'
import type { Inputs } from './problems.js'
import type { SourceInput } from './source.js'
import { charCount, parseEnum, parseMap } from './values.js'

export type IfExists = 'fail' | 'reuse' | 'replace'
const IF_EXISTS: readonly IfExists[] = ['fail', 'reuse', 'replace']

export interface ImageConfig {
  /** Resolved name (`{{timestamp}}` replaced); required with instance-id. */
  amiName?: string
  amiDescription?: string
  family?: string
  /** User tags plus `ami-share-action:family` when family is set. */
  tags: Record<string, string>
  ifExists: IfExists
}

/** `source` is undefined when the source inputs had problems (the image checks still run). */
export function readImage(inputs: Inputs, source: SourceInput | undefined, now: Date): ImageConfig {
  const { input, problems } = inputs
  const rawName = input('ami-name')
  let amiName: string | undefined
  if (rawName) {
    if (source?.kind === 'existing') {
      problems.fail(
        'ami-name',
        'is set with ami-id, but an adopted AMI keeps its own name. Remove ami-name.'
      )
    } else {
      amiName = problems.attempt(() => aws.amiName('ami-name', rawName, now))
      if (source?.kind === 'automation' && 'TargetAmiName' in source.parameters) {
        problems.fail(
          'ami-name',
          'is set and automation-parameters also sets TargetAmiName. Set the name in one place.'
        )
      }
    }
  } else if (source?.kind === 'instance') {
    problems.fail(
      'ami-name',
      'is required with instance-id. Set a name such as "web-{{timestamp}}".'
    )
  }
  const amiDescription = input('ami-description') || undefined
  if (amiDescription && charCount(amiDescription) > 255) {
    problems.fail(
      'ami-description',
      `has ${charCount(amiDescription)} characters; EC2 allows at most 255.`
    )
  }
  const rawFamily = input('family')
  const family = rawFamily ? problems.attempt(() => aws.family('family', rawFamily)) : undefined
  const tags = readTags(inputs, family)
  const ifExists =
    problems.attempt(() => parseEnum('if-exists', input('if-exists'), IF_EXISTS, 'fail')) ?? 'fail'
  if (ifExists !== 'fail' && source?.kind === 'existing') {
    problems.fail(
      'if-exists',
      `is "${ifExists}" with ami-id, where nothing is created. Remove if-exists.`
    )
  }
  return {
    ...(amiName !== undefined && { amiName }),
    ...(amiDescription !== undefined && { amiDescription }),
    ...(family !== undefined && { family }),
    tags,
    ifExists
  }
}

function readTags({ input, problems }: Inputs, family: string | undefined): Record<string, string> {
  const map = problems.attempt(() => parseMap('tags', input('tags'), false)) as
    Record<string, string> | undefined
  const user = (map && problems.attempt(() => aws.tags('tags', map))) ?? {}
  const all = { ...user, ...(family !== undefined && { [aws.FAMILY_TAG]: family }) }
  if (Object.keys(all).length > aws.MAX_TAGS) {
    const note = family !== undefined ? ` (counting the ${aws.FAMILY_TAG} tag)` : ''
    problems.fail(
      'tags',
      `has ${Object.keys(all).length} tags${note}; EC2 allows ${aws.MAX_TAGS} per resource. Remove some.`
    )
  }
  return all
}
