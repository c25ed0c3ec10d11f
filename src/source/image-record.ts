// Turn a DescribeImages result into the pipeline's Image, and tag what a build produced.
import { CreateTagsCommand, type EC2Client, type Image as AwsImage } from '@aws-sdk/client-ec2'
import type { RunContext } from '../context.js'
import { desiredTags, missingTags, stateOf } from '../image/prior-state.js'
import { snapshotsOf } from '../image/wait.js'
import type { ExecutionReport, Image, Provenance } from '../types.js'

export interface ImageFacts {
  region: string
  accountId: string
  source: Image['source']
  reused: boolean
  execution?: ExecutionReport
  buildMs?: number
  provenance?: Provenance
  adopted?: Image['adopted']
}

export function toImage(aws: AwsImage, facts: ImageFacts): Image {
  return {
    id: aws.ImageId ?? '',
    name: aws.Name ?? '',
    ownerId: aws.OwnerId ?? facts.accountId,
    ...(aws.Description ? { description: aws.Description } : {}),
    ...(aws.CreationDate ? { creationDate: new Date(aws.CreationDate) } : {}),
    snapshots: snapshotsOf(aws),
    prior: stateOf(aws),
    ...facts
  }
}

export function awsTags(tags: Record<string, string>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }))
}

/**
 * CreateTags on the AMI and its snapshots with the tags it lacks (config.tags, provenance,
 * deprecate-after). One CreateTags covers the AMI and its snapshots together, so an AMI that
 * already carries every tag (a re-run) is left alone without reading its snapshots.
 */
export async function tagImageAndSnapshots(
  ctx: RunContext,
  ec2: EC2Client,
  image: AwsImage,
  provenance?: Provenance
): Promise<void> {
  const tags = awsTags(missingTags(stateOf(image), desiredTags(ctx.config, provenance)))
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
