// Turn a DescribeImages result into the pipeline's Image, and tag what a build produced.
import { CreateTagsCommand, type EC2Client, type Image as AwsImage } from '@aws-sdk/client-ec2'
import type { RunContext } from '../context.js'
import { snapshotsOf } from '../image/wait.js'
import type { ExecutionReport, Image } from '../types.js'

export interface ImageFacts {
  region: string
  accountId: string
  source: Image['source']
  reused: boolean
  execution?: ExecutionReport
  buildMs?: number
}

export function toImage(aws: AwsImage, facts: ImageFacts): Image {
  return {
    id: aws.ImageId ?? '',
    name: aws.Name ?? '',
    ownerId: aws.OwnerId ?? facts.accountId,
    ...(aws.Description ? { description: aws.Description } : {}),
    ...(aws.CreationDate ? { creationDate: new Date(aws.CreationDate) } : {}),
    snapshots: snapshotsOf(aws),
    ...facts
  }
}

export function awsTags(tags: Record<string, string>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }))
}

/** CreateTags on the AMI and its snapshots with config.tags (nothing to do without tags). */
export async function tagImageAndSnapshots(
  ctx: RunContext,
  ec2: EC2Client,
  image: AwsImage
): Promise<void> {
  const tags = awsTags(ctx.config.tags)
  if (!tags.length || !image.ImageId) return
  const resources = [image.ImageId, ...snapshotsOf(image).map((s) => s.id)]
  const keys = tags.map((t) => t.Key).join(', ')
  await ctx.plan.change(
    {
      phase: 'build',
      text: `Would tag ${image.ImageId} and its snapshots with ${keys}`,
      calls: [
        { action: 'ec2:CreateTags', accountId: image.OwnerId ?? '', region: ctx.config.region }
      ],
      planned: undefined
    },
    async () => {
      await ec2.send(new CreateTagsCommand({ Resources: resources, Tags: tags }))
      ctx.log.info(`Tagged ${resources.join(', ')} with ${keys}`)
    }
  )
}
