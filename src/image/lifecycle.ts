// Deprecation and deregistration protection for one AMI in one region (the SSM parameter is the
// promote phase's: src/promote/ssm-parameter.ts).
// Each failure names the API call and the permission, because the caller's role is the usual cause.
import {
  CreateTagsCommand,
  EnableImageDeprecationCommand,
  EnableImageDeregistrationProtectionCommand,
  type EC2Client
} from '@aws-sdk/client-ec2'
import { describeError } from '../aws/errors.js'
import type { RunContext } from '../context.js'
import type { Image, ImageState, PlannedCall } from '../types.js'
import { error, type Finding } from './findings.js'
import { DEPRECATE_AFTER_TAG, deprecationInPlace, protectionOn } from './prior-state.js'

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

export interface LifecycleTarget {
  imageId: string
  region: string
  accountId: string
  ec2: EC2Client
  /** An adopted AMI owned by another account: its deprecation and protection are not ours to set. */
  notOwned?: boolean
  /** What the AMI carried before this run: what is already as asked is left alone. */
  prior?: ImageState
  /** This run already gave it the deprecate-after tag (at creation, or when tagging it). */
  tagged?: boolean
}

export interface LifecycleResult {
  deprecateAt?: Date
  protected?: boolean
}

/** True when the run asks for any lifecycle change at all. */
export function wantsLifecycle(ctx: RunContext): boolean {
  const c = ctx.config
  return Boolean(c.deprecateAt || c.deregistrationProtection)
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
    const asked = roundToMinute(config.deprecateAt)
    if (deprecationInPlace(config, target.prior, asked)) {
      result.deprecateAt = target.prior!.deprecationTime!
    } else {
      await ctx.plan.change(
        {
          phase: 'lifecycle',
          text: `Deprecate ${where} at ${asked.toISOString()}`,
          calls: call('ec2:EnableImageDeprecation'),
          planned: undefined
        },
        async () => {
          await attempt(`set the deprecation time of ${where}`, 'ec2:EnableImageDeprecation', () =>
            target.ec2.send(
              new EnableImageDeprecationCommand({ ImageId: target.imageId, DeprecateAt: asked })
            )
          )
          await recordDeprecateAfter(config.deprecateAfter, target, where)
        }
      )
      result.deprecateAt = asked
    }
  }
  if (config.deregistrationProtection && !target.notOwned && protectionOn(target.prior)) {
    result.protected = true
  } else if (config.deregistrationProtection && !target.notOwned) {
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
  const done = [
    result.deprecateAt ? `deprecated at ${result.deprecateAt.toISOString()}` : '',
    result.protected ? 'deregistration protection on' : ''
  ].filter(Boolean)
  if (done.length && !ctx.plan.dryRun) ctx.log.info(`Lifecycle of ${where}: ${done.join(', ')}`)
  return result
}

/** A reused AMI whose deprecation was just set for a new value records that value. */
async function recordDeprecateAfter(
  value: string | undefined,
  target: LifecycleTarget,
  where: string
): Promise<void> {
  if (!value || target.tagged || target.prior?.tags[DEPRECATE_AFTER_TAG] === value) return
  await attempt(`tag ${where} with ${DEPRECATE_AFTER_TAG}`, 'ec2:CreateTags', () =>
    target.ec2.send(
      new CreateTagsCommand({
        Resources: [target.imageId],
        Tags: [{ Key: DEPRECATE_AFTER_TAG, Value: value }]
      })
    )
  )
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
