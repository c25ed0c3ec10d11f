// Which versions are still used (instances, launch templates, SSM parameters, Image Builder
// recipes): DescribeImageReferences takes at most 10 image IDs a call, and pages its answer.
import { paginateDescribeImageReferences, type EC2Client } from '@aws-sdk/client-ec2'
import type { ImageUse } from './select.js'

export const REFERENCE_BATCH = 10

/** Resolves once the caller may send the next request (client-side pacing); optional. */
export type Pace = () => Promise<void>

/** image ID -> resources that reference it; every asked ID is present (empty when unused). */
export async function findImageReferences(
  ec2: EC2Client,
  imageIds: readonly string[],
  pace: Pace = async () => {}
): Promise<Map<string, ImageUse[]>> {
  const uses = new Map<string, ImageUse[]>(imageIds.map((id) => [id, []]))
  for (let start = 0; start < imageIds.length; start += REFERENCE_BATCH) {
    const batch = imageIds.slice(start, start + REFERENCE_BATCH)
    await pace()
    const pages = paginateDescribeImageReferences(
      { client: ec2 },
      { ImageIds: batch, IncludeAllResourceTypes: true }
    )
    for await (const page of pages) {
      for (const reference of page.ImageReferences ?? []) {
        const id = reference.ImageId
        if (!id) continue
        const list = uses.get(id) ?? []
        list.push({
          arn: reference.Arn ?? '(no ARN)',
          resourceType: reference.ResourceType ?? 'unknown'
        })
        uses.set(id, list)
      }
    }
  }
  return uses
}
