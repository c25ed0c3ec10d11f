// Deprecation, deregistration protection and the SSM parameter for one AMI in one region.
// Each failure names the API call and the permission, because the caller's role is the usual cause.
import {
  EnableImageDeprecationCommand,
  EnableImageDeregistrationProtectionCommand,
  type EC2Client
} from '@aws-sdk/client-ec2'
import { sdk } from '../aws/clients.js'
import { describeError } from '../aws/errors.js'
import type { RunContext } from '../context.js'

export interface LifecycleTarget {
  imageId: string
  region: string
  accountId: string
  ec2: EC2Client
  /** Only AMIs in the build account get the SSM parameter (it lives in the build account). */
  writeSsmParameter: boolean
  /** An adopted AMI owned by another account: its deprecation and protection are not ours to set. */
  notOwned?: boolean
}

export interface LifecycleResult {
  deprecateAt?: Date
  protected?: boolean
  ssmParameter?: string
}

/** True when the run asks for any lifecycle change at all. */
export function wantsLifecycle(ctx: RunContext): boolean {
  const c = ctx.config
  return Boolean(c.deprecateAt || c.deregistrationProtection || c.ssmParameter)
}

export async function applyLifecycle(
  ctx: RunContext,
  target: LifecycleTarget
): Promise<LifecycleResult> {
  const { config } = ctx
  const where = `${target.imageId} in ${target.region} (account ${target.accountId})`
  const result: LifecycleResult = {}
  if (target.notOwned && (config.deprecateAt || config.deregistrationProtection)) {
    ctx.log.info(
      `Deprecation and deregistration protection skipped for ${where}: another account owns it`
    )
  }
  if (config.deprecateAt && !target.notOwned) {
    await attempt(`set the deprecation time of ${where}`, 'ec2:EnableImageDeprecation', () =>
      target.ec2.send(
        new EnableImageDeprecationCommand({
          ImageId: target.imageId,
          DeprecateAt: config.deprecateAt
        })
      )
    )
    result.deprecateAt = config.deprecateAt
  }
  if (config.deregistrationProtection && !target.notOwned) {
    await attempt(
      `turn on deregistration protection for ${where}`,
      'ec2:EnableImageDeregistrationProtection',
      () =>
        target.ec2.send(new EnableImageDeregistrationProtectionCommand({ ImageId: target.imageId }))
    )
    result.protected = true
  }
  if (config.ssmParameter && target.writeSsmParameter) {
    const name = config.ssmParameter
    await attempt(
      `write SSM parameter ${name} = ${target.imageId} in ${target.region}`,
      `ssm:PutParameter on parameter ${name} (and ec2:DescribeImages, which SSM uses to validate the aws:ec2:image data type)`,
      async () => {
        const { PutParameterCommand } = await sdk.ssm()
        return (await ctx.clients.ssm(target.region)).send(
          new PutParameterCommand({
            Name: name,
            Value: target.imageId,
            Type: 'String',
            DataType: 'aws:ec2:image',
            Overwrite: true
          })
        )
      }
    )
    result.ssmParameter = name
  }
  const done = [
    result.deprecateAt ? `deprecated at ${result.deprecateAt.toISOString()}` : '',
    result.protected ? 'deregistration protection on' : '',
    result.ssmParameter ? `SSM parameter ${result.ssmParameter}` : ''
  ].filter(Boolean)
  if (done.length) ctx.log.info(`Lifecycle of ${where}: ${done.join(', ')}`)
  return result
}

async function attempt(
  what: string,
  permission: string,
  call: () => Promise<unknown>
): Promise<void> {
  try {
    await call()
  } catch (e) {
    throw new Error(`Could not ${what}: ${describeError(e)}. This needs ${permission}.`, {
      cause: e
    })
  }
}
