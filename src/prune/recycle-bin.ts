// Recycle Bin retention rules of one (account, region), and what they mean for a version about to
// be deregistered: is the AMI retained, are its snapshots, and for how long (EC2 User Guide,
// "Recycle Bin": a tag-level rule retains resources with one of its tags; a Region-level rule
// retains every resource of its type except those with one of its exclusion tags; a rule that is
// not yet `available` retains nothing). Read-only: ListRules and GetRule.
import type { RbinClient, ResourceTag } from '@aws-sdk/client-rbin'
import { sdk } from '../aws/clients.js'
import { DescribeSnapshotsCommand, type EC2Client } from '@aws-sdk/client-ec2'
import type { RecycleCoverage } from './guards.js'
import type { Candidate } from './select.js'

export interface RetentionRule {
  id: string
  resourceType: 'EC2_IMAGE' | 'EBS_SNAPSHOT'
  days: number
  /** Tag-level rule: resources with any of these tags. */
  resourceTags: ResourceTag[]
  /** Region-level rule: every resource except those with any of these tags. */
  excludeTags: ResourceTag[]
  lockState?: string
}

export interface RecycleRules {
  image: RetentionRule[]
  snapshot: RetentionRule[]
}

/** Rules that retain something now (Status available), for both resource types. */
export async function readRetentionRules(rbin: RbinClient): Promise<RecycleRules> {
  const { GetRuleCommand, paginateListRules } = await sdk.rbin()
  const read = async (type: 'EC2_IMAGE' | 'EBS_SNAPSHOT'): Promise<RetentionRule[]> => {
    const rules: RetentionRule[] = []
    for await (const page of paginateListRules({ client: rbin }, { ResourceType: type })) {
      for (const summary of page.Rules ?? []) {
        if (!summary.Identifier) continue
        // ResourceTags and Status are only in GetRule; ExcludeResourceTags is in the summary
        // (the bundled client predates the field, so it is read untyped).
        const rule = await rbin.send(new GetRuleCommand({ Identifier: summary.Identifier }))
        if (rule.Status !== 'available') continue
        const exclude = (summary as { ExcludeResourceTags?: ResourceTag[] }).ExcludeResourceTags
        rules.push({
          id: summary.Identifier,
          resourceType: type,
          days: rule.RetentionPeriod?.RetentionPeriodValue ?? 0,
          resourceTags: rule.ResourceTags ?? [],
          excludeTags: exclude ?? [],
          ...(rule.LockState && { lockState: rule.LockState })
        })
      }
    }
    return rules
  }
  const [image, snapshot] = await Promise.all([read('EC2_IMAGE'), read('EBS_SNAPSHOT')])
  return { image, snapshot }
}

/** The tag keys rules select on: the listing keeps these of every version. */
export function ruleTagKeys(rules: RecycleRules): Set<string> {
  const keys = new Set<string>()
  for (const r of [...rules.image, ...rules.snapshot])
    for (const t of [...r.resourceTags, ...r.excludeTags])
      if (t.ResourceTagKey) keys.add(t.ResourceTagKey)
  return keys
}

const hasTag = (tags: Record<string, string>, t: ResourceTag): boolean =>
  t.ResourceTagKey !== undefined &&
  t.ResourceTagKey in tags &&
  (t.ResourceTagValue === undefined || tags[t.ResourceTagKey] === t.ResourceTagValue)

/** The longest retention of a rule that retains a resource with these tags (days), if any. */
export function retentionDays(
  rules: readonly RetentionRule[],
  tags: Record<string, string>
): number | undefined {
  let best: number | undefined
  for (const rule of rules) {
    const applies = rule.resourceTags.length
      ? rule.resourceTags.some((t) => hasTag(tags, t))
      : !rule.excludeTags.some((t) => hasTag(tags, t))
    if (applies && (best === undefined || rule.days > best)) best = rule.days
  }
  return best
}

/** Snapshot tags, only when a snapshot rule selects on tags (else tags do not matter). */
export async function snapshotTags(
  ec2: EC2Client,
  rules: RecycleRules,
  snapshotIds: readonly string[]
): Promise<Map<string, Record<string, string>>> {
  const tags = new Map<string, Record<string, string>>()
  const tagged = rules.snapshot.some((r) => r.resourceTags.length || r.excludeTags.length)
  if (!tagged || snapshotIds.length === 0) return tags
  for (let i = 0; i < snapshotIds.length; i += 200) {
    const { Snapshots = [] } = await ec2.send(
      new DescribeSnapshotsCommand({ SnapshotIds: snapshotIds.slice(i, i + 200) })
    )
    for (const s of Snapshots) {
      const own: Record<string, string> = {}
      for (const t of s.Tags ?? []) if (t.Key) own[t.Key] = t.Value ?? ''
      if (s.SnapshotId) tags.set(s.SnapshotId, own)
    }
  }
  return tags
}

export function coverageOf(
  candidate: Candidate,
  rules: RecycleRules,
  tagsOfSnapshot: ReadonlyMap<string, Record<string, string>>
): RecycleCoverage {
  const imageDays = retentionDays(rules.image, candidate.tags)
  const uncovered: string[] = []
  let snapshotDays: number | undefined
  for (const s of candidate.snapshots) {
    const days = retentionDays(rules.snapshot, tagsOfSnapshot.get(s.id) ?? {})
    if (days === undefined) uncovered.push(s.id)
    else snapshotDays = snapshotDays === undefined ? days : Math.min(snapshotDays, days)
  }
  return {
    ...(imageDays !== undefined && { imageDays }),
    ...(snapshotDays !== undefined && { snapshotDays }),
    uncoveredSnapshots: uncovered
  }
}

const DAY_MS = 86_400_000

/**
 * The summary's words for a deregistered version: "recoverable until <date>" or "permanent", and
 * a warning where the AMI is retained but its snapshots are not, or for less time.
 */
export function recoverability(
  coverage: RecycleCoverage | undefined,
  at: Date
): { text: string; warning?: string } {
  if (!coverage) return { text: 'unknown (Recycle Bin rules not read)' }
  if (coverage.imageDays === undefined)
    return { text: 'permanent (no Recycle Bin rule retains the AMI)' }
  const until = new Date(at.getTime() + coverage.imageDays * DAY_MS)
  const text = `recoverable until ${until.toISOString()} (Recycle Bin, ${coverage.imageDays} days)`
  if (coverage.uncoveredSnapshots.length) {
    return {
      text,
      warning: `the AMI is retained but its snapshots ${coverage.uncoveredSnapshots.join(', ')} are not: a restored AMI would have no snapshots`
    }
  }
  if (coverage.snapshotDays !== undefined && coverage.snapshotDays < coverage.imageDays) {
    return {
      text,
      warning: `its snapshots are retained ${coverage.snapshotDays} days, the AMI ${coverage.imageDays}: restored later than that, it would have no snapshots`
    }
  }
  return { text }
}
