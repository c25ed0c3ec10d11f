// Which versions are still used (instances, launch templates, SSM parameters, Image Builder
// recipes): DescribeImageReferences takes at most 10 image IDs a call, and pages its answer.
import { paginateDescribeImageReferences, type EC2Client } from '@aws-sdk/client-ec2'
import { describeError, errorCode } from '../aws/errors.js'
import type { ImageUse } from './select.js'

export const REFERENCE_BATCH = 10

/**
 * Instance states that count as use. IncludeAllResourceTypes alone counts every state, terminated
 * included (API ResourceTypeOption: state-name defaults to all states); naming the states for
 * ec2:Instance overrides that default and keeps the other resource types.
 */
export const IN_USE_INSTANCE_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped']

/** The permissions DescribeImageReferences needs besides its own (EC2 User Guide, "Identify your resources referencing specified AMIs"). */
export const IMAGE_REFERENCE_PERMISSIONS = [
  'ec2:DescribeImageReferences',
  'ec2:DescribeInstances',
  'ec2:DescribeLaunchTemplates',
  'ec2:DescribeLaunchTemplateVersions',
  'ssm:DescribeParameters',
  'ssm:GetParameters',
  'imagebuilder:ListImageRecipes',
  'imagebuilder:ListContainerRecipes',
  'imagebuilder:GetContainerRecipe'
]

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
      {
        ImageIds: batch,
        IncludeAllResourceTypes: true,
        ResourceTypes: [
          {
            ResourceType: 'ec2:Instance',
            ResourceTypeOptions: [
              { OptionName: 'state-name', OptionValues: IN_USE_INSTANCE_STATES }
            ]
          }
        ]
      }
    )
    try {
      await collect(pages, uses)
    } catch (e) {
      throw withPermissionHint(e)
    }
  }
  return uses
}

async function collect(
  pages: ReturnType<typeof paginateDescribeImageReferences>,
  uses: Map<string, ImageUse[]>
): Promise<void> {
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

/**
 * AWS authorises DescribeImageReferences against the caller's permissions on every resource type
 * it reads, so a denial may name any of them: name them all, so one fix is enough.
 */
function withPermissionHint(e: unknown): unknown {
  if (!/^(UnauthorizedOperation|AccessDenied)/.test(errorCode(e) ?? '')) return e
  return new Error(
    `${describeError(e).split('\n')[0]}. The in-use check (DescribeImageReferences) needs all of ${IMAGE_REFERENCE_PERMISSIONS.join(', ')} ` +
      `(or the AWS managed policy AmazonEC2ImageReferencesAccessPolicy): add the missing ones, see the README's "Prune" IAM policy.`,
    { cause: e }
  )
}
