// Build the AMI from a running or stopped EC2 instance: CreateImage with tags at creation.
import { CreateImageCommand, type EC2Client, type TagSpecification } from '@aws-sdk/client-ec2'
import { describeError, errorCode, ImageFailedError } from '../aws/errors.js'
import { InputError } from '../config/input-error.js'
import { CancelledError, type RunContext } from '../context.js'
import { expectedBuild } from '../image/durations.js'
import { waitForImage } from '../image/wait.js'
import type { Image } from '../types.js'
import { awsTags, toImage } from './image-record.js'
import { leftBehind } from './left-behind.js'

type InstanceSource = Extract<RunContext['config']['source'], { kind: 'instance' }>

function instanceSource(ctx: RunContext): InstanceSource {
  const { source } = ctx.config
  if (source.kind !== 'instance') throw new Error(`source is ${source.kind}, not instance`)
  return source
}

function requireName(ctx: RunContext): string {
  const name = ctx.config.amiName
  if (!name) throw new InputError('ami-name', 'ami-name: required with instance-id')
  return name
}

/** The CreateImage request (also sent with DryRun=true by the dry run). */
export function createImageRequest(
  ctx: RunContext
): ConstructorParameters<typeof CreateImageCommand>[0] {
  const source = instanceSource(ctx)
  const tags = awsTags(ctx.config.tags)
  const TagSpecifications: TagSpecification[] = tags.length
    ? [
        { ResourceType: 'image', Tags: tags },
        { ResourceType: 'snapshot', Tags: tags }
      ]
    : []
  return {
    InstanceId: source.instanceId,
    Name: requireName(ctx),
    ...(ctx.config.amiDescription ? { Description: ctx.config.amiDescription } : {}),
    NoReboot: source.noReboot,
    ...(TagSpecifications.length ? { TagSpecifications } : {})
  }
}

/** Dry run: EC2 checks permissions (and the request) without creating anything. */
export async function planFromInstance(ctx: RunContext, ec2: EC2Client): Promise<void> {
  const request = createImageRequest(ctx)
  ctx.plan.push({
    phase: 'build',
    text: `Would create AMI "${request.Name}" from ${request.InstanceId} (${request.NoReboot ? 'no reboot' : 'the instance reboots'}), tagged at creation, then wait until available`
  })
  try {
    await ec2.send(new CreateImageCommand({ ...request, DryRun: true }))
    ctx.plan.push({ phase: 'check', text: `CreateImage from ${request.InstanceId}: allowed` })
  } catch (error) {
    if (errorCode(error) === 'DryRunOperation') {
      ctx.plan.push({
        phase: 'check',
        text: `CreateImage from ${request.InstanceId}: would succeed`
      })
    } else {
      ctx.plan.push({
        phase: 'check',
        problem: true,
        text: `CreateImage from ${request.InstanceId} would fail: ${describeError(error)}`
      })
    }
  }
}

export async function buildFromInstance(ctx: RunContext, accountId: string): Promise<Image> {
  const { region } = ctx.config
  const ec2 = ctx.clients.ec2(region)
  const request = createImageRequest(ctx)
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
