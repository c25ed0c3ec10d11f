// List every version of the family in one (account, region): server-side filters and pages, so
// the number of DescribeImages calls grows with pages, not with images.
import { paginateDescribeImages, type EC2Client, type Image as Ec2Image } from '@aws-sdk/client-ec2'
import { DISABLED_AT_TAG } from './guards.js'
import { FAMILY_TAG, KEEP_TAG, type Candidate } from './select.js'
import { snapshotsOf } from './storage.js'

/** DescribeImages allows 1000 per page; fewer pages means fewer calls against the bucket. */
export const DESCRIBE_PAGE_SIZE = 1000

export interface Scope {
  accountId: string
  region: string
}

export async function listFamilyImages(
  ec2: EC2Client,
  scope: Scope,
  family: string,
  /** Further tag keys to keep (those Recycle Bin rules select on). */
  tagKeys: ReadonlySet<string> = new Set()
): Promise<Candidate[]> {
  const candidates: Candidate[] = []
  const pages = paginateDescribeImages(
    { client: ec2, pageSize: DESCRIBE_PAGE_SIZE },
    {
      Owners: ['self'],
      Filters: [{ Name: `tag:${FAMILY_TAG}`, Values: [family] }],
      // Deprecated and disabled versions still hold snapshots the owner pays for.
      IncludeDeprecated: true,
      IncludeDisabled: true
    }
  )
  for await (const page of pages) {
    for (const image of page.Images ?? []) {
      if (image.ImageId) candidates.push(toCandidate(image, scope, tagKeys))
    }
  }
  return candidates
}

export function toCandidate(
  image: Ec2Image,
  scope: Scope,
  tagKeys: ReadonlySet<string> = new Set()
): Candidate {
  // Only the tags selection reads: a family of thousands of versions with a dozen tags each
  // would otherwise hold every tag of every version until the report is written.
  const tags: Record<string, string> = {}
  for (const tag of image.Tags ?? []) {
    const key = tag.Key ?? ''
    if (key === FAMILY_TAG || key === KEEP_TAG || key === DISABLED_AT_TAG || tagKeys.has(key))
      tags[key] = tag.Value ?? ''
  }
  const disabledAt = tags[DISABLED_AT_TAG] ? new Date(tags[DISABLED_AT_TAG]) : undefined
  const created = image.CreationDate ? new Date(image.CreationDate) : undefined
  return {
    accountId: scope.accountId,
    region: scope.region,
    imageId: image.ImageId ?? '',
    name: image.Name ?? '',
    ownerId: image.OwnerId,
    state: image.State,
    creationDate: created && !Number.isNaN(created.getTime()) ? created : undefined,
    tags,
    deregistrationProtection: image.DeregistrationProtection,
    snapshots: snapshotsOf(image),
    ...(disabledAt && !Number.isNaN(disabledAt.getTime()) && { retire: { disabledAt } })
  }
}
