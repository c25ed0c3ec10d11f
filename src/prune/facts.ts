// The facts the guards need, gathered only for versions every other rule would let go: references
// in this account (DescribeImageReferences, launch templates narrowed to launchable versions), the
// last launch, use in consumer accounts (image usage reports), and Recycle Bin coverage. Each
// lookup that fails leaves its fact unknown, which holds the version (guards.ts).
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling'
import type { EC2Client } from '@aws-sdk/client-ec2'
import { describeError } from '../aws/errors.js'
import type { RunContext } from '../context.js'
import { readLaunchPermissions } from '../image/share.js'
import type { LaunchPermissions } from '../types.js'
import type { ConsumerUse, RetireFacts } from './guards.js'
import { readLastLaunched } from './last-launch.js'
import { mapBounded } from '../pool.js'
import { coverageOf, snapshotTags, type RecycleRules } from './recycle-bin.js'
import { findImageReferences } from './references.js'
import type { Candidate, Decision } from './select.js'
import { autoScalingPins, keepPinningTemplates, type GroupPins } from './template-pins.js'
import { consumerUse } from './usage-reports.js'

/** Describe* calls in flight per (account, region); the pacer sets the rate. */
const READ_CONCURRENCY = 4

export interface FactSources {
  ec2: EC2Client
  autoScaling: () => Promise<AutoScalingClient>
  /** Undefined: rules not needed (nothing is deregistered) or not readable (warned already). */
  rules?: RecycleRules
  where: string
  paceRead: () => Promise<void>
  paceWrite: () => Promise<void>
  dryRun: boolean
  skipInUse: boolean
  unusedFor: boolean
  /** Read launch permissions (for usage reports, and recorded when disabling). */
  readPermissions: boolean
}

export interface GatheredFacts {
  candidates: Candidate[]
  /** Launch permissions read for the eligible versions (recorded when disabling). */
  permissions: Map<string, LaunchPermissions>
}

export async function gatherFacts(
  ctx: RunContext,
  src: FactSources,
  candidates: Candidate[],
  eligible: readonly Decision[]
): Promise<GatheredFacts> {
  const ids = eligible.map((d) => d.candidate.imageId)
  const facts = new Map<string, RetireFacts>(ids.map((id) => [id, {}]))
  const permissions = new Map<string, LaunchPermissions>()
  let references: Map<string, Candidate['references']> | undefined
  if (ids.length === 0) return { candidates, permissions }

  if (src.skipInUse) references = await ownReferences(ctx, src, ids)

  const attributes = await mapBounded(eligible, READ_CONCURRENCY, async (d) => {
    const id = d.candidate.imageId
    let perms: LaunchPermissions | undefined
    // Usage reports need them; disabling records them; a deregistration needs neither.
    if (src.skipInUse || (src.readPermissions && d.action === 'disable')) {
      await src.paceRead()
      perms = await readLaunchPermissions(src.ec2, id)
    }
    let last: Date | null | undefined
    if (src.unusedFor) {
      await src.paceRead()
      last = await readLastLaunched(src.ec2, id)
    }
    return { perms, last }
  })
  attributes.forEach((r, i) => {
    const id = ids[i]
    if (r.ok) {
      if (r.value.perms) permissions.set(id, r.value.perms)
      if (r.value.last !== undefined) facts.get(id)!.lastLaunched = r.value.last
    } else {
      const reason = describeError(r.error).split('\n')[0]
      ctx.warn(
        `Prune in ${src.where}: DescribeImageAttribute on ${id} failed, so it is kept: ${reason}`
      )
      facts.get(id)!.permissionsUnread = true
      facts.get(id)!.consumers = {
        status: 'unknown',
        reason: `DescribeImageAttribute failed: ${reason}`
      }
    }
  })

  if (src.skipInUse) {
    const queries = eligible
      .filter((d) => permissions.has(d.candidate.imageId))
      .map((d) => ({
        imageId: d.candidate.imageId,
        ownerId: d.candidate.accountId,
        permissions: permissions.get(d.candidate.imageId)!
      }))
    const uses: Map<string, ConsumerUse> = await consumerUse(ctx, src.ec2, queries, {
      dryRun: src.dryRun,
      paceRead: src.paceRead,
      paceWrite: src.paceWrite
    })
    for (const [id, use] of uses) facts.get(id)!.consumers = use
  }

  const deregistering = eligible.filter((d) => d.action === 'deregister')
  if (src.rules && deregistering.length) {
    try {
      const tags = await snapshotTags(
        src.ec2,
        src.rules,
        deregistering.flatMap((d) => d.candidate.snapshots.map((s) => s.id))
      )
      for (const d of deregistering)
        facts.get(d.candidate.imageId)!.recycleBin = coverageOf(d.candidate, src.rules, tags)
    } catch (error) {
      ctx.warn(
        `Prune in ${src.where}: the snapshots' tags could not be read (DescribeSnapshots), so their Recycle Bin coverage is unknown: ${describeError(error)}`
      )
    }
  }

  return {
    permissions,
    candidates: candidates.map((c) => {
      const gathered = facts.get(c.imageId)
      const refs = references?.get(c.imageId)
      if (!gathered && refs === undefined) return c
      return {
        ...c,
        ...(refs !== undefined && { references: refs }),
        retire: { ...c.retire, ...gathered }
      }
    })
  }
}

/** DescribeImageReferences, launch templates narrowed to launchable versions (template-pins.ts). */
async function ownReferences(
  ctx: RunContext,
  src: FactSources,
  ids: string[]
): Promise<Map<string, Candidate['references']> | undefined> {
  try {
    const found = await findImageReferences(src.ec2, ids, src.paceRead)
    let pins: Promise<GroupPins> | undefined
    const groups = (): Promise<GroupPins> =>
      (pins ??= src
        .autoScaling()
        .then(autoScalingPins)
        .catch((error: unknown) => {
          throw new Error(
            `(its launch-template references) DescribeAutoScalingGroups failed, so they cannot be narrowed to launchable versions (needs autoscaling:DescribeAutoScalingGroups): ${describeError(error)}`,
            { cause: error }
          )
        }))
    return await keepPinningTemplates(src.ec2, found, groups, src.paceRead)
  } catch (error) {
    ctx.warn(
      `Prune in ${src.where}: DescribeImageReferences failed, so no version there is pruned ` +
        `(prune-skip-in-use is on): ${describeError(error)}`
    )
    return undefined
  }
}
