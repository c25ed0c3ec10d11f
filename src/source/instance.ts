// Build the AMI from a running or stopped EC2 instance: CreateImage with tags at creation.
import { CreateImageCommand, type TagSpecification } from '@aws-sdk/client-ec2'
import { ImageFailedError } from '../aws/errors.js'
import type { Source } from '../config.js'
import { CancelledError, type RunContext } from '../context.js'
import { expectedBuild } from '../image/durations.js'
import { waitForImage } from '../image/wait.js'
import type { Image } from '../types.js'
import { awsTags, toImage } from './image-record.js'
import { leftBehind } from './left-behind.js'

export type InstanceSource = Extract<Source, { kind: 'instance' }>

/** The CreateImage request (a dry run probes it with DryRun=true). */
export function createImageRequest(
  ctx: RunContext,
  source: InstanceSource
): ConstructorParameters<typeof CreateImageCommand>[0] {
  const tags = awsTags(ctx.config.tags)
  const TagSpecifications: TagSpecification[] = tags.length
    ? [
        { ResourceType: 'image', Tags: tags },
        { ResourceType: 'snapshot', Tags: tags }
      ]
    : []
  return {
    InstanceId: source.instanceId,
    Name: source.amiName,
    ...(ctx.config.amiDescription ? { Description: ctx.config.amiDescription } : {}),
    NoReboot: source.noReboot,
    ...(TagSpecifications.length ? { TagSpecifications } : {})
  }
}

export async function buildFromInstance(
  ctx: RunContext,
  source: InstanceSource,
  accountId: string
): Promise<Image> {
  const { region } = ctx.config
  const ec2 = ctx.clients.ec2(region)
  const request = createImageRequest(ctx, source)
  const started = ctx.now().getTime()
  if (ctx.signal.aborted) throw new CancelledError()
  const { ImageId } = await ec2.send(new CreateImageCommand(request))
  if (!ImageId) throw new Error(`CreateImage from ${request.InstanceId} returned no image ID`)
  ctx.log.info(`CreateImage from ${request.InstanceId}: ${ImageId} ("${request.Name}")`)
  let available
  try {
    available = await waitForImage(ctx, ec2, ImageId, {
      timeoutMs: ctx.config.timeoutMinutes * 60_000,
      label: `${ImageId} in ${region}`,
      expected: expectedBuild(ctx)
    })
  } catch (error) {
    if (!(error instanceof Error) || error instanceof ImageFailedError) throw error
    // Tagged at creation, so it is in the family; still say where it is and what to do.
    throw leftBehind(ctx, error, {
      amiId: ImageId,
      accountId,
      source: 'instance',
      tagged: true,
      name: request.Name
    })
  }
  return toImage(available, {
    region,
    accountId,
    source: 'instance',
    reused: false,
    buildMs: ctx.now().getTime() - started
  })
}
