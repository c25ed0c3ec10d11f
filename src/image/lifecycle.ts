// Deprecation, deregistration protection and the SSM parameter for one AMI in one region.
// Each failure names the API call and the permission, because the caller's role is the usual cause.
import {
  EnableImageDeprecationCommand,
  EnableImageDeregistrationProtectionCommand,
  type EC2Client
} from '@aws-sdk/client-ec2'
import type { SSMClient } from '@aws-sdk/client-ssm'
import { sdk } from '../aws/clients.js'
import { describeError, errorCode } from '../aws/errors.js'
import type { RunContext } from '../context.js'
import type { Image, PlannedCall } from '../types.js'
import { error, type Finding } from './findings.js'

/** EnableImageDeprecation rounds seconds to the nearest minute: send and report that time. */
export function roundToMinute(date: Date): Date {
  return new Date(Math.round(date.getTime() / 60_000) * 60_000)
}

/** A public AMI's deprecation time is at most two years after its creation date (EnableImageDeprecation). */
export const PUBLIC_DEPRECATION_LIMIT_MS = 2 * 365 * 86_400_000

/**
 * Pre-flight: with share-public, the source must be deprecated within two years of its own
 * CreationDate (an adopted or reused AMI may be old). Copies are created now, which config checks.
 */
export function checkDeprecation(ctx: RunContext, image: Image): Finding[] {
  const { deprecateAt, share } = ctx.config
  if (!deprecateAt || !share.public || !image.creationDate || image.planned) return []
  const latest = image.creationDate.getTime() + PUBLIC_DEPRECATION_LIMIT_MS
  if (roundToMinute(deprecateAt).getTime() <= latest) return []
  return [
    error(
      `deprecate-after: ${roundToMinute(deprecateAt).toISOString()} is more than two years after ${image.id} was created (${image.creationDate.toISOString()}), and AWS allows a public AMI (share-public) to be deprecated at most two years after its creation date, i.e. by ${new Date(latest).toISOString()}. Use a shorter deprecate-after.`
    )
  ]
}

/**
 * Waits between read-backs of an aws:ec2:image parameter: short first (SSM usually validates
 * within a second or two), doubling to ~12.7 s in all before warning.
 */
const PARAMETER_CHECKS_MS = [100, 200, 400, 800, 1600, 3200, 6400]

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
  const call = (action: string): PlannedCall[] => [
    { action, accountId: target.accountId, region: target.region }
  ]
  if (config.deprecateAt && !target.notOwned) {
    const deprecateAt = roundToMinute(config.deprecateAt)
    await ctx.plan.change(
      {
        phase: 'lifecycle',
        text: `Deprecate ${where} at ${deprecateAt.toISOString()}`,
        calls: call('ec2:EnableImageDeprecation'),
        planned: undefined
      },
      () =>
        attempt(`set the deprecation time of ${where}`, 'ec2:EnableImageDeprecation', () =>
          target.ec2.send(
            new EnableImageDeprecationCommand({ ImageId: target.imageId, DeprecateAt: deprecateAt })
          )
        )
    )
    result.deprecateAt = deprecateAt
  }
  if (config.deregistrationProtection && !target.notOwned) {
    await ctx.plan.change(
      {
        phase: 'lifecycle',
        text: `Turn on deregistration protection for ${where}`,
        calls: call('ec2:EnableImageDeregistrationProtection'),
        planned: undefined
      },
      () =>
        attempt(
          `turn on deregistration protection for ${where}`,
          'ec2:EnableImageDeregistrationProtection',
          () =>
            target.ec2.send(
              new EnableImageDeregistrationProtectionCommand({ ImageId: target.imageId })
            )
        )
    )
    result.protected = true
  }
  if (config.ssmParameter && target.writeSsmParameter) {
    if (await publishParameter(ctx, config.ssmParameter, target)) {
      result.ssmParameter = config.ssmParameter
    }
  }
  const done = [
    result.deprecateAt ? `deprecated at ${result.deprecateAt.toISOString()}` : '',
    result.protected ? 'deregistration protection on' : '',
    result.ssmParameter ? `SSM parameter ${result.ssmParameter}` : ''
  ].filter(Boolean)
  if (done.length && !ctx.plan.dryRun) ctx.log.info(`Lifecycle of ${where}: ${done.join(', ')}`)
  return result
}

/**
 * Sets the aws:ec2:image parameter to the AMI ID and reports it set only once SSM holds it:
 * PutParameter answers 200 before SSM validates the value asynchronously, and a rejected value is
 * simply not stored (PutParameter, DataType). A value that is already the AMI ID is left alone.
 */
async function publishParameter(
  ctx: RunContext,
  name: string,
  target: LifecycleTarget
): Promise<boolean> {
  const ssm = await ctx.clients.ssm(target.region)
  const where = `SSM parameter ${name} in ${target.region}`
  const first = await readParameter(ssm, name)
  if (first.value === target.imageId) {
    ctx.log.info(`${where} already holds ${target.imageId}`)
    return true
  }
  return ctx.plan.change(
    {
      phase: 'lifecycle',
      text: `Set ${where} to ${target.imageId}`,
      calls: [{ action: 'ssm:PutParameter', accountId: target.accountId, region: target.region }],
      planned: true
    },
    () => putParameter(ctx, ssm, name, target, first)
  )
}

/** PutParameter, then read it back until SSM holds it (it validates asynchronously). */
async function putParameter(
  ctx: RunContext,
  ssm: SSMClient,
  name: string,
  target: LifecycleTarget,
  first: { value?: string; error?: string }
): Promise<boolean> {
  const where = `SSM parameter ${name} in ${target.region}`
  const { PutParameterCommand } = await sdk.ssm()
  await attempt(
    `write SSM parameter ${name} = ${target.imageId} in ${target.region}`,
    `ssm:PutParameter on parameter ${name} (and ec2:DescribeImages, which SSM uses to validate the aws:ec2:image data type)`,
    () =>
      ssm.send(
        new PutParameterCommand({
          Name: name,
          Value: target.imageId,
          Type: 'String',
          DataType: 'aws:ec2:image',
          Overwrite: true
        })
      )
  )
  let last = first
  for (const delay of [0, ...PARAMETER_CHECKS_MS]) {
    if (delay) await ctx.sleep(delay)
    last = await readParameter(ssm, name)
    if (last.value === target.imageId) return true
    if (last.error) break
  }
  const total = PARAMETER_CHECKS_MS.reduce((a, b) => a + b, 0) / 1000
  ctx.warn(
    last.error
      ? `${where}: PutParameter was accepted, but reading it back failed (${last.error}), so it is not reported as set; the read needs ssm:GetParameter.`
      : `${where}: PutParameter was accepted, but after ${total}s it still holds ${last.value ?? 'no value'}, not ${target.imageId}: SSM validates aws:ec2:image values asynchronously and drops a value it rejects (the AMI must be available to account ${target.accountId} in ${target.region}; ec2:DescribeImages is used for the check). Not reported as set.`
  )
  return false
}

async function readParameter(
  ssm: SSMClient,
  name: string
): Promise<{ value?: string; error?: string }> {
  try {
    const { GetParameterCommand } = await sdk.ssm()
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name }))
    return { value: Parameter?.Value }
  } catch (e) {
    if (errorCode(e) === 'ParameterNotFound') return {}
    return { error: describeError(e).split('\n')[0] }
  }
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
