// rebuild: if-changed: find the newest available AMI of the family in the build region and adopt
// it when it carries the same recipe; otherwise say what changed, and build.
import { paginateDescribeImages, type EC2Client, type Image as AwsImage } from '@aws-sdk/client-ec2'
import { FAMILY_TAG } from '../config/aws-ids.js'
import type { RunContext } from '../context.js'
import { BASE_AMI_TAG, RECIPE_TAG, RUNBOOK_HASH_TAG, TEST_TAG } from '../image/prior-state.js'
import type { Provenance } from '../types.js'

export interface RebuildDecision {
  adopt?: AwsImage
  decision: NonNullable<Provenance['decision']>
}

/** The newest available version of the family, leaving out any that failed its test. */
export async function newestVersion(ec2: EC2Client, family: string): Promise<AwsImage | undefined> {
  let newest: AwsImage | undefined
  for await (const page of paginateDescribeImages(
    { client: ec2 },
    {
      Owners: ['self'],
      Filters: [
        { Name: `tag:${FAMILY_TAG}`, Values: [family] },
        { Name: 'state', Values: ['available'] }
      ]
    }
  )) {
    for (const image of page.Images ?? []) {
      if (image.Tags?.some((t) => t.Key === TEST_TAG && t.Value === 'failed')) continue
      if (!newest || (image.CreationDate ?? '') > (newest.CreationDate ?? '')) newest = image
    }
  }
  return newest
}

const tagOf = (image: AwsImage, key: string): string | undefined =>
  image.Tags?.find((t) => t.Key === key)?.Value

const short = (hash: string): string => hash.slice(0, 12)

/** Adopt when the newest version has this recipe; else the reason to build. */
export async function decideRebuild(
  ctx: RunContext,
  provenance: Provenance
): Promise<RebuildDecision> {
  const family = ctx.config.family!
  const { region } = ctx.config
  const newest = await newestVersion(ctx.clients.ec2(region), family)
  if (!newest) {
    return {
      decision: {
        adopt: false,
        why: `no available AMI of family ${family} in ${region} yet`
      }
    }
  }
  const since = newest.CreationDate ? new Date(newest.CreationDate) : undefined
  const base = provenance.baseAmi?.id
  if (tagOf(newest, RECIPE_TAG) === provenance.recipe) {
    const reasons = [
      base ? `same base AMI ${base}` : '',
      `same runbook hash ${short(provenance.runbookHash)}`,
      'same parameters, name pattern, description and family'
    ].filter(Boolean)
    return {
      adopt: newest,
      decision: {
        adopt: true,
        why: `${newest.ImageId} ("${newest.Name ?? ''}") has the same recipe: ${reasons.join(', ')}`,
        ...(since && { since })
      }
    }
  }
  return { decision: { adopt: false, why: whatChanged(newest, provenance) } }
}

/** What differs from the newest version, as far as its tags tell. */
function whatChanged(newest: AwsImage, provenance: Provenance): string {
  const id = `${newest.ImageId} ("${newest.Name ?? ''}")`
  if (!tagOf(newest, RECIPE_TAG)) {
    return `the newest version ${id} carries no ${RECIPE_TAG} tag (built before rebuild: if-changed, or by other means)`
  }
  const changes: string[] = []
  const oldBase = tagOf(newest, BASE_AMI_TAG)
  const newBase = provenance.baseAmi?.id
  if (oldBase !== newBase) {
    changes.push(`the base AMI changed from ${oldBase ?? 'none'} to ${newBase ?? 'none'}`)
  }
  const oldHash = tagOf(newest, RUNBOOK_HASH_TAG)
  if (oldHash !== provenance.runbookHash) {
    changes.push(
      `the runbook content changed (hash ${oldHash ? short(oldHash) : 'unknown'} → ${short(provenance.runbookHash)})`
    )
  }
  if (!changes.length) {
    changes.push('the parameters, name pattern, description or family changed')
  }
  return `changed since ${id}: ${changes.join('; ')}`
}
