// Copies of the source AMI per (account, region): tagged at creation, idempotent through a
// ClientToken derived from the run, bounded by AWS's 20 snapshot copies in flight per
// destination region and account, each handed to `onAvailable` (share + lifecycle) as soon as it lands.
import { createHash } from 'node:crypto'
import {
  CopyImageCommand,
  DescribeImagesCommand,
  type CopyImageCommandInput,
  type EC2Client,
  type Image as AwsImage,
  type Tag
} from '@aws-sdk/client-ec2'
import { describeError, errorCode } from '../aws/errors.js'
import type { Config, CopyAccount } from '../config.js'
import { CancelledError, type RunContext } from '../context.js'
import type { FleetMember, Image } from '../types.js'
import { reenableImage, untagWarning } from '../prune/disable.js'
import { error, type Finding } from './findings.js'
import { formatDuration } from '../duration.js'
import { mapLimit } from '../pool.js'
import { desiredTags } from './prior-state.js'
import { Semaphore } from './semaphore.js'
import { expectedCopy } from './durations.js'
import { snapshotsOf, waitForImage } from './wait.js'

/** Tag on every copy: which AMI it was copied from, so a re-run finds and reuses it. */
export const LINEAGE_TAG = 'ami-share-action:source-image'
/** Concurrent snapshot copies per destination region, per account: an AWS limit, not adjustable. */
export const SNAPSHOT_COPIES_PER_REGION = 20
/** Pre-flight lookups in flight at once (Describe* is throttled per account). */
const LOOKUP_CONCURRENCY = 8

export interface CopyTarget {
  /** Undefined: the build account (default credentials). */
  account?: CopyAccount
  accountId: string
  region: string
}

export const targetLabel = (t: { accountId: string; region: string }): string =>
  `${t.region} (account ${t.accountId})`

/** Build account: every copy region. Each copy account: the build region and every copy region. */
export function copyTargets(config: Config, image: Image): CopyTarget[] {
  const regions = config.copy.regions.filter((r) => r !== image.region)
  return [
    ...regions.map((region) => ({ accountId: image.accountId, region })),
    ...config.copy.accounts.flatMap((account) =>
      [image.region, ...regions].map((region) => ({
        account,
        accountId: account.accountId,
        region
      }))
    )
  ]
}

export const lineageValue = (image: Image): string => `${image.id}@${image.region}`

/** Same run attempt + same source + same destination → same token, so a retried call cannot duplicate. */
export function copyClientToken(
  runId: string,
  sourceImageId: string,
  accountId: string,
  region: string
): string {
  return createHash('sha256')
    .update([runId, sourceImageId, accountId, region].join('|'))
    .digest('hex')
    .slice(0, 64)
}

/** `region-kms-key-ids` wins over `kms-key-id`. */
export function copyKmsKey(config: Config, region: string): string | undefined {
  return config.copy.regionKmsKeyIds[region] ?? config.copy.kmsKeyId
}

export function copyTags(config: Config, image: Image): Tag[] {
  return [
    ...Object.entries(desiredTags(config, image.provenance)).map(([Key, Value]) => ({
      Key,
      Value
    })),
    { Key: LINEAGE_TAG, Value: lineageValue(image) }
  ]
}

export function copyImageInput(
  ctx: RunContext,
  image: Image,
  target: CopyTarget
): CopyImageCommandInput {
  const { config } = ctx
  const kmsKeyId = copyKmsKey(config, target.region)
  const tags = copyTags(config, image)
  const description = config.amiDescription ?? image.description
  return {
    SourceRegion: image.region,
    SourceImageId: image.id,
    Name: image.name,
    ...(description ? { Description: description } : {}),
    ...(kmsKeyId ? { Encrypted: true, KmsKeyId: kmsKeyId } : {}),
    ClientToken: copyClientToken(ctx.runId, image.id, target.accountId, target.region),
    // Tagged at creation (org tag policies reject untagged creates); never CreateTags later.
    TagSpecifications: [
      { ResourceType: 'image', Tags: tags },
      { ResourceType: 'snapshot', Tags: tags }
    ]
  }
}

export interface ExistingCopy {
  image: AwsImage
  /** `lineage`: a copy of exactly this source; `name`: only the name matches. */
  match: 'lineage' | 'name'
}

export interface TargetCheck {
  target: CopyTarget
  existing?: ExistingCopy
  /** The lookup failed (e.g. the role cannot be assumed): this target fails, the others go on. */
  error?: string
}

const UNUSABLE_STATES = new Set(['failed', 'error', 'invalid', 'deregistered', 'disabled'])

/**
 * The AMI in the target, owned by that account, that holds the source's name (names are unique per
 * account and region, so there is at most one). `lineage` only when this action's lineage tag ties
 * it to exactly this source; any other same-name AMI (someone else's, or an unrelated one of ours)
 * is `name`: never reused, replaced or shared, only reported as a conflict.
 */
export async function findExistingCopy(
  ctx: RunContext,
  image: Pick<Image, 'id' | 'name' | 'region'>,
  target: CopyTarget
): Promise<ExistingCopy | undefined> {
  const ec2 = ctx.clients.ec2(target.region, target.account)
  const { Images = [] } = await ec2.send(
    new DescribeImagesCommand({
      Owners: ['self'],
      Filters: [{ Name: 'name', Values: [image.name] }],
      // Deprecated and disabled images still hold the name (and may be our copy from an earlier
      // attempt); DescribeImages hides disabled ones even from their owner without IncludeDisabled.
      IncludeDeprecated: true,
      IncludeDisabled: true
    })
  )
  // The name filter treats * and ? as wildcards; keep only the exact name. The source itself is
  // never its own conflict.
  const named = Images.filter((i) => i.Name === image.name && i.ImageId !== image.id)
  // A disabled copy of this source is still ours: reusing it re-enables it (the way back from
  // prune-action: disable).
  const copy = named.find(
    (i) => (i.State === 'disabled' || !UNUSABLE_STATES.has(i.State ?? '')) && isLineageOf(i, image)
  )
  if (copy) return { image: copy, match: 'lineage' }
  return named[0] ? { image: named[0], match: 'name' } : undefined
}

/** Does this AMI carry our lineage tag naming `source` (ID and region)? */
export function isLineageOf(candidate: AwsImage, source: Pick<Image, 'id' | 'region'>): boolean {
  const value = `${source.id}@${source.region}`
  return (candidate.Tags ?? []).some((t) => t.Key === LINEAGE_TAG && t.Value === value)
}

/** Looks in every target first, so a conflict anywhere stops the run before any copy starts. */
export async function checkTargets(
  ctx: RunContext,
  image: Image,
  targets: CopyTarget[]
): Promise<TargetCheck[]> {
  return mapLimit(targets, LOOKUP_CONCURRENCY, async (target) => {
    try {
      return { target, existing: await findExistingCopy(ctx, image, target) }
    } catch (e) {
      const role = target.account ? ` with role ${target.account.roleArn}` : ''
      return {
        target,
        error: `lookup in ${targetLabel(target)}${role} failed: ${describeError(e)}`
      }
    }
  })
}

/**
 * Whatever `if-exists` says, a same-name AMI in a copy target that our lineage tag does not tie to
 * this source is a conflict: `if-exists` is about the build region, and an AMI we cannot prove is
 * ours is never adopted, shared or deregistered.
 */
export function nameConflicts(ctx: RunContext, image: Image, checks: TargetCheck[]): Finding[] {
  return checks
    .filter((c) => c.existing?.match === 'name')
    .map((c) => error(conflictMessage(ctx, image, c.target, c.existing!.image)))
}

export function conflictMessage(
  ctx: RunContext,
  image: Pick<Image, 'id' | 'name' | 'region'>,
  target: CopyTarget,
  other: AwsImage
): string {
  if (isLineageOf(other, image)) {
    // Our own copy of this source, but one that can never become available.
    return `Name conflict: ${other.ImageId} in ${targetLabel(target)} is an earlier copy of ${image.id} that ended ${other.State ?? 'unusable'} and still holds the name "${image.name}". Deregister it (aws ec2 deregister-image --region ${target.region} --image-id ${other.ImageId}) and re-run.`
  }
  const lineage = (other.Tags ?? []).find((t) => t.Key === LINEAGE_TAG)?.Value
  const source = `${image.id} in ${image.region}`
  const why = lineage
    ? `its ${LINEAGE_TAG} tag says it is a copy of ${lineage.replace('@', ' in ')}, not of ${source}`
    : `it has no ${LINEAGE_TAG} tag tying it to ${source}`
  return (
    `Name conflict: an AMI named "${image.name}" already exists in ${targetLabel(target)}: ${other.ImageId} (${other.State ?? 'unknown state'}), and ${why}. ` +
    `if-exists: ${ctx.config.ifExists} never reuses or deregisters an AMI this action cannot prove it copied from this source. ` +
    `Deregister or rename ${other.ImageId} yourself if it is not needed, or choose another ami-name.`
  )
}

/** `aws`: the copy as DescribeImages showed it (for a reused copy, what it already carries). */
export type OnCopyAvailable = (member: FleetMember, ec2: EC2Client, aws: AwsImage) => Promise<void>

/** Where a dry run's planned copy stands in plan lines: it has no ID yet. */
export const PLANNED_COPY_ID = 'the new copy'

/**
 * Copies into every checked target; different regions run in parallel, each region's snapshot
 * copies are bounded. Never throws for one target: a failed copy is a member with state
 * 'failed' and its reason, and finished copies are kept.
 */
export async function copyToTargets(
  ctx: RunContext,
  image: Image,
  checks: TargetCheck[],
  onAvailable: OnCopyAvailable,
  /** Accounts that can already launch the source: a dry run can probe CopyImage only in them. */
  sourceVisibleTo: readonly string[] = []
): Promise<FleetMember[]> {
  // The limit is per destination region per account: each (account, region) has its own slots.
  const slots = new Map<string, Semaphore>()
  const slotsFor = (target: CopyTarget): Semaphore => {
    const key = `${target.accountId}/${target.region}`
    let s = slots.get(key)
    if (!s) slots.set(key, (s = new Semaphore(SNAPSHOT_COPIES_PER_REGION)))
    return s
  }
  return Promise.all(
    checks.map((check) =>
      copyOne(ctx, image, check, slotsFor(check.target), onAvailable, sourceVisibleTo)
    )
  )
}

async function copyOne(
  ctx: RunContext,
  image: Image,
  check: TargetCheck,
  slots: Semaphore,
  onAvailable: OnCopyAvailable,
  sourceVisibleTo: readonly string[]
): Promise<FleetMember> {
  const { target } = check
  const label = targetLabel(target)
  const member: FleetMember = {
    accountId: target.accountId,
    region: target.region,
    name: image.name,
    role: 'copy',
    state: 'pending',
    reused: false,
    snapshots: []
  }
  const fail = (reason: string): FleetMember => {
    member.state = 'failed'
    member.error = reason
    ctx.log.warning(`Copy to ${label} failed: ${reason}`)
    ctx.plan.note('copy', `Copy to ${label} would fail: ${reason}`, { problem: true })
    return member
  }
  if (check.error) return fail(check.error)

  const ec2 = ctx.clients.ec2(target.region, target.account)
  const started = ctx.now().getTime()
  let available: AwsImage
  try {
    // Only a copy our lineage tag ties to this source is reused; name-only matches stopped the
    // run in the pre-flight (nameConflicts), and nothing in a copy target is deregistered here.
    const existing = check.existing?.match === 'lineage' ? check.existing : undefined
    const reuse = existing !== undefined
    const weight = image.snapshots.length
    const held = await slots.acquire(weight)
    try {
      // A cancelled job starts no new copy while queued ones wait for a slot.
      if (ctx.signal.aborted) throw new CancelledError()
      if (reuse) {
        member.imageId = existing.image.ImageId!
        member.reused = true
        if (existing.image.State === 'disabled') {
          // A disabled copy of this source: the way back re-enables it too.
          const id = member.imageId
          existing.image = await ctx.plan.change(
            {
              phase: 'copy',
              text: `Re-enable ${id} in ${label} (EnableImage), a disabled copy of ${image.id}`,
              calls: [
                { action: 'ec2:EnableImage', accountId: target.accountId, region: target.region },
                { action: 'ec2:DeleteTags', accountId: target.accountId, region: target.region }
              ],
              planned: { ...existing.image, State: 'available' as const }
            },
            async () => {
              const untagError = await reenableImage(ec2, id)
              if (untagError) ctx.warn(untagWarning(id, label, untagError))
              ctx.log.info(`Re-enabled ${id} in ${label} (it was disabled)`)
              return { ...existing.image, State: 'available' as const }
            }
          )
        }
        ctx.log.info(`Reusing ${member.imageId} in ${label} (copy of ${image.id})`)
        ctx.plan.note('copy', `Reuse ${member.imageId} in ${label} (copy of ${image.id})`)
      } else {
        const input = copyImageInput(ctx, image, target)
        const key = copyKmsKey(ctx.config, target.region)
        const visible =
          !image.planned && (!target.account || sourceVisibleTo.includes(target.accountId))
        const ImageId = await ctx.plan.change(
          {
            phase: 'copy',
            text: `Copy ${image.id} to ${label}${key ? `, encrypted with ${key}` : ''}, tagged at creation`,
            calls: [
              { action: 'ec2:CopyImage', accountId: target.accountId, region: target.region }
            ],
            planned: PLANNED_COPY_ID,
            ...(visible && {
              probe: {
                permission: 'ec2:CopyImage',
                where: label,
                send: () => ec2.send(new CopyImageCommand({ ...input, DryRun: true }))
              }
            })
          },
          () =>
            startCopy(ctx, ec2, input, {
              label,
              deadline: started + ctx.config.timeoutMinutes * 60_000
            })
        )
        if (!ImageId) throw new Error('CopyImage returned no ImageId')
        member.imageId = ImageId
        ctx.log.info(
          `Copying ${image.id} to ${label}: ${ImageId} (${weight} snapshot(s); ${slots.inUse}/${SNAPSHOT_COPIES_PER_REGION} snapshot copies in flight there)`
        )
      }
      // A dry run's copy does not exist: nothing to wait for, it would carry the source's snapshots.
      available =
        ctx.plan.dryRun && !reuse
          ? plannedCopy(image, member.imageId)
          : reuse && (existing.image.State === 'available' || ctx.plan.dryRun)
            ? existing.image
            : await waitForImage(ctx, ec2, member.imageId, {
                timeoutMs: ctx.config.timeoutMinutes * 60_000,
                label: `${member.imageId} in ${label}`,
                expected: expectedCopy(ctx, target.region)
              })
    } finally {
      slots.release(held)
    }
  } catch (e) {
    if (e instanceof CancelledError && member.imageId) {
      // The job was cancelled, not the copy: AWS finishes it, and it is ours to keep or remove.
      member.error = `still copying in AWS: the job was cancelled before ${member.imageId} became available; it will finish there (deregister it if it is not wanted)`
      ctx.log.warning(`Copy to ${label}: ${member.error}`)
      return member
    }
    return fail(describeError(e))
  }
  member.snapshots = snapshotsOf(available)
  member.state = ctx.plan.dryRun && !member.reused ? 'planned' : 'available'
  // waitForImage logs when it became available; the duration goes to the summary.
  if (!member.reused && !ctx.plan.dryRun) member.durationMs = ctx.now().getTime() - started
  try {
    await onAvailable(member, ec2, available)
  } catch (e) {
    member.error = describeError(e)
    ctx.log.warning(`${member.imageId} in ${label} exists, but: ${member.error}`)
    ctx.plan.note('copy', `${member.imageId} in ${label}: ${member.error}`, { problem: true })
  }
  // A planned copy has no ID; its placeholder served the plan lines of share and lifecycle.
  if (member.state === 'planned') delete member.imageId
  return member
}

/** First wait after ResourceLimitExceeded; doubles up to the cap (copies take minutes to finish). */
const LIMIT_RETRY_FIRST_MS = 15_000
const LIMIT_RETRY_MAX_MS = 120_000

/**
 * CopyImage, waiting and retrying while AWS answers ResourceLimitExceeded (other copies, e.g. of
 * another run, hold the account's concurrent-copy slots in that region) until `deadline`
 * (`timeout-minutes`). The ClientToken makes each retry the same request.
 */
export async function startCopy(
  ctx: RunContext,
  ec2: EC2Client,
  input: CopyImageCommandInput,
  { label, deadline }: { label: string; deadline: number }
): Promise<string | undefined> {
  let delay = LIMIT_RETRY_FIRST_MS
  for (;;) {
    try {
      const { ImageId } = await ec2.send(new CopyImageCommand(input))
      return ImageId
    } catch (e) {
      if (errorCode(e) !== 'ResourceLimitExceeded') throw e
      const left = deadline - ctx.now().getTime()
      if (left <= 0) {
        throw new Error(
          `CopyImage to ${label} kept answering ResourceLimitExceeded until timeout-minutes (${ctx.config.timeoutMinutes}) ran out: ${describeError(e)}`,
          { cause: e }
        )
      }
      const wait = Math.min(delay, left)
      ctx.log.info(
        `CopyImage to ${label}: the account's concurrent copy limit there is reached (${(e as Error).message}); retrying in ${formatDuration(wait)}`
      )
      await ctx.sleep(wait)
      delay = Math.min(delay * 2, LIMIT_RETRY_MAX_MS)
    }
  }
}

/** Dry run: the copy as it would land, with one placeholder snapshot per source snapshot. */
function plannedCopy(image: Image, label: string): AwsImage {
  return {
    ImageId: label,
    Name: image.name,
    State: 'available',
    BlockDeviceMappings: image.snapshots.map((s, i) => ({
      Ebs: {
        SnapshotId: `(snapshot ${i + 1})`,
        VolumeSize: s.sizeGiB,
        Encrypted: s.encrypted
      }
    }))
  }
}
