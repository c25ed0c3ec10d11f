// Image -> Fleet: pre-flight checks, share the source, copy to every (account, region) with each
// copy shared and given its lifecycle as it lands, and the source's lifecycle alongside.
import type { EC2Client, Image as AwsImage } from '@aws-sdk/client-ec2'
import { describeError } from './aws/errors.js'
import type { RunContext } from './context.js'
import { formatDuration } from './duration.js'
import { sourceMember } from './fleet.js'
import { recordDurations } from './image/durations.js'
import { checkEncryption } from './image/encryption.js'
import { error, settleFindings, type Finding } from './image/findings.js'
import {
  checkTargets,
  copyTargets,
  copyToTargets,
  nameConflicts,
  type CopyTarget
} from './image/copy.js'
import { applyLifecycle, checkDeprecation } from './image/lifecycle.js'
import { stateOf } from './image/prior-state.js'
import { mapLimit } from './pool.js'
import {
  checkPublicSharing,
  copyShareSpec,
  isEmptySpec,
  shareImage,
  sourceShareSpec
} from './image/share.js'
import { testCopy } from './test/index.js'
import { PartialFailure, type Fleet, type FleetMember, type Image } from './types.js'

export async function distribute(ctx: RunContext, image: Image): Promise<Fleet> {
  const { config } = ctx
  const owned = image.ownerId === image.accountId
  const targets = copyTargets(config, image)

  const [encryption, publicAccess, checks] = await Promise.all([
    checkEncryption(ctx, image, targets),
    publicSharingChecks(ctx, image, targets),
    checkTargets(ctx, image, targets)
  ])
  settleFindings(ctx, [
    ...encryption,
    ...publicAccess,
    ...checkDeprecation(ctx, image),
    ...nameConflicts(ctx, image, checks)
  ])

  const source = sourceMember(image)
  const ec2 = ctx.clients.ec2(image.region)
  /** Accounts that could launch the source before this run's share (a dry run probes with them). */
  let visibleTo: string[] = []
  if (owned) {
    // Before any copy: copy-accounts need launch and snapshot permission on the source to copy it.
    const shared = await shareImage(
      ctx,
      ec2,
      {
        imageId: image.id,
        region: image.region,
        accountId: image.accountId,
        snapshotIds: image.snapshots.map((s) => s.id),
        createdThisRun: image.source !== 'existing' && !image.reused,
        // Planned, or disabled until the plan's EnableImage: no permissions, nothing to probe yet.
        ...((image.planned || image.reenablePlanned) && { planned: true })
      },
      sourceShareSpec(config, image.ownerId)
    )
    source.sharedWith = shared.after
    visibleTo = shared.before.accounts
  } else {
    ctx.log.info(
      `Sharing skipped: ${image.id} is owned by account ${image.ownerId}, not by this one`
    )
  }

  const onCopyAvailable = async (
    member: FleetMember,
    copyEc2: EC2Client,
    aws: AwsImage
  ): Promise<void> => {
    // test-regions: tested before it is shared or given its lifecycle; a failure fails the member.
    await testCopy(ctx, member, copyEc2, image.accountId)
    const spec = copyShareSpec(config, member.accountId)
    const snapshotIds = member.snapshots.map((s) => s.id)
    if (!isEmptySpec(spec)) {
      const account = config.copy.accounts.find((a) => a.accountId === member.accountId)
      const shared = await shareImage(
        ctx,
        copyEc2,
        {
          imageId: member.imageId!,
          region: member.region,
          accountId: member.accountId,
          snapshotIds,
          createdThisRun: !member.reused,
          ...(account && { account }),
          ...(member.state === 'planned' && { planned: true })
        },
        spec
      )
      member.sharedWith = shared.after
    }
    Object.assign(
      member,
      await applyLifecycle(ctx, {
        imageId: member.imageId!,
        region: member.region,
        accountId: member.accountId,
        ec2: copyEc2,
        // A new copy was tagged at creation; a reused one shows what it already carries.
        prior: stateOf(aws),
        tagged: !member.reused
      })
    )
  }

  const [, copies] = await Promise.all([
    applyLifecycle(ctx, {
      imageId: image.id,
      region: image.region,
      accountId: image.ownerId,
      ec2,
      notOwned: !owned,
      ...(image.prior && { prior: image.prior }),
      tagged: true
    }).then(
      (result) => Object.assign(source, result),
      (e: unknown) => {
        source.error = describeError(e)
        ctx.plan.note('lifecycle', `${image.id} in ${image.region}: ${source.error}`, {
          problem: true
        })
      }
    ),
    copyToTargets(ctx, image, checks, onCopyAvailable, visibleTo)
  ])

  await recordDurations(ctx, image, copies)
  const fleet: Fleet = { members: [source, ...copies] }
  // A dry run has listed each failure in the plan; its verdict comes from the plan's problems.
  if (fleet.members.some((m) => m.error) && !ctx.plan.dryRun) {
    const cancelled = ctx.signal.aborted
      ? 'Cancelled: the job was cancelled during distribution; no new copy was started.\n'
      : ''
    throw new PartialFailure(cancelled + failureReport(fleet), fleet)
  }
  return fleet
}

/** share-public: block public access and the public-AMI quota, in every (account, region) that gets an AMI. */
async function publicSharingChecks(
  ctx: RunContext,
  image: Image,
  targets: CopyTarget[]
): Promise<Finding[]> {
  if (!ctx.config.share.public) return []
  const places: (CopyTarget & { imageId?: string })[] = [
    ...(image.ownerId === image.accountId
      ? [{ accountId: image.accountId, region: image.region, imageId: image.id }]
      : []),
    ...targets
  ]
  const results = await mapLimit(places, 8, async (p) => {
    try {
      return await checkPublicSharing(
        ctx.clients.ec2(p.region, p.account),
        p.region,
        p.accountId,
        p.imageId,
        () => ctx.clients.serviceQuotas(p.region, p.account)
      )
    } catch (e) {
      // An unreachable copy account is reported by the copy lookup; do not report it twice.
      if (p.account && /AssumeRole/.test(describeError(e))) return []
      // A denied read is reported, never taken as "not blocked".
      return [
        error(
          `share-public: could not check block public access and public AMIs in ${p.region} (account ${p.accountId}): ${describeError(e)}`
        )
      ]
    }
  })
  return results.flat()
}

/** What exists and what failed, one line per (account, region): the run's error message. */
export function failureReport(fleet: Fleet): string {
  const failed = fleet.members.filter((m) => m.error && m.state !== 'pending')
  const copying = fleet.members.filter((m) => m.state === 'pending')
  const lines = fleet.members.map((m) => {
    const what = `${m.role} ${m.accountId} ${m.region} ${m.imageId ?? '-'}`
    const took = m.durationMs !== undefined ? ` (${formatDuration(m.durationMs)})` : ''
    if (m.state === 'failed') return `  FAILED  ${what}: ${m.error}`
    if (m.state === 'pending') return `  COPYING ${what}: ${m.error ?? 'still copying in AWS'}`
    if (m.error) return `  PARTIAL ${what} exists${took}, but: ${m.error}`
    return `  ok      ${what} ${m.reused ? 'reused' : 'available'}${took}`
  })
  return (
    `Distribution incomplete: ${failed.length} of ${fleet.members.length} AMIs failed` +
    (copying.length ? `, ${copying.length} still copying in AWS` : '') +
    '; the others exist and were kept.\n' +
    lines.join('\n')
  )
}
