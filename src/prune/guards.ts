// The retirement guards, as pure rules over facts gathered for a candidate: the last launch by
// any account (prune-unused-for), use in the accounts it is shared with (image usage reports) and
// Recycle Bin coverage (prune-require-recycle-bin). Each answers the reason a version is held, or
// undefined; facts that were never gathered hold the version rather than let it go on a guess.
import type { PruneAction } from '../config/retire.js'
import { LAST_LAUNCH_LAG_MS } from './last-launch.js'

export const DISABLED_AT_TAG = 'ami-share-action:disabled-at'

export interface RetireOptions {
  action: PruneAction
  deregisterDisabledAfterMs?: number
  unusedForMs?: number
  requireRecycleBin?: boolean
}

/** What consumer accounts do with a version (image usage report), or why that is unknown. */
export type ConsumerUse =
  | { status: 'not-shared' }
  | { status: 'unused'; reportId: string }
  | {
      status: 'used'
      reportId: string
      uses: { accountId: string; resourceType: string; count: number }[]
    }
  | { status: 'unknown'; reason: string }
  /** Dry run without a recent report: not held, and the plan says usage was not checked. */
  | { status: 'not-checked'; reason: string }

/** Whether the Recycle Bin would keep a deregistered version, and how long. */
export interface RecycleCoverage {
  /** The longest retention of a rule covering the AMI (days), if any. */
  imageDays?: number
  /** The shortest, over the version's snapshots, of the longest rule covering each (days). */
  snapshotDays?: number
  /** Snapshots that no EBS_SNAPSHOT rule covers. */
  uncoveredSnapshots: string[]
}

export interface RetireFacts {
  /** From the `ami-share-action:disabled-at` tag (this action disabled it then). */
  disabledAt?: Date
  /** DescribeImageAttribute lastLaunchedTime: `null` never launched; undefined not read. */
  lastLaunched?: Date | null
  consumers?: ConsumerUse
  recycleBin?: RecycleCoverage
  /** DescribeImageAttribute launchPermission failed: nothing to record before disabling. */
  permissionsUnread?: boolean
}

/** AMI and every snapshot retained, the snapshots at least as long as the AMI. */
export function fullyCovered(c: RecycleCoverage | undefined): boolean {
  return (
    c !== undefined &&
    c.imageDays !== undefined &&
    c.uncoveredSnapshots.length === 0 &&
    (c.snapshotDays === undefined || c.snapshotDays >= c.imageDays)
  )
}

export function retirementGuard(
  facts: RetireFacts | undefined,
  options: {
    now: Date
    skipInUse: boolean
    retire?: RetireOptions
  },
  how: PruneAction,
  creationDate?: Date
): string | undefined {
  const retire = options.retire
  if (!retire) return undefined
  if (retire.unusedForMs !== undefined) {
    const last = facts?.lastLaunched
    if (last === undefined) return 'last launch not read (prune-unused-for)'
    // Never launched: the creation date stands in (INTERFACE.md).
    const at = last ?? creationDate
    if (!at) return 'never launched and creation date unknown (prune-unused-for)'
    // EC2 may show a launch up to 24 hours late: the window is that much wider.
    if (options.now.getTime() - at.getTime() <= retire.unusedForMs + LAST_LAUNCH_LAG_MS) {
      return last
        ? `launched ${last.toISOString()}, within prune-unused-for`
        : `never launched, created within prune-unused-for`
    }
  }
  if (options.skipInUse) {
    const use = facts?.consumers
    if (use?.status === 'used') {
      const who = use.uses.map((u) => `${u.accountId} (${u.count} ${u.resourceType})`).join(', ')
      return `used in consumer accounts: ${who}`
    }
    if (use?.status === 'unknown') return `usage unknown: ${use.reason}`
  }
  if (how === 'disable' && facts?.permissionsUnread) {
    return 'its launch permissions could not be read (DescribeImageAttribute), so disabling it would lose them unrecorded'
  }
  if (how === 'deregister' && retire.requireRecycleBin && !fullyCovered(facts?.recycleBin)) {
    return `not covered by a Recycle Bin rule for AMI and snapshots (prune-require-recycle-bin): ${describeCoverage(facts?.recycleBin)}`
  }
  return undefined
}

/** "AMI 30 days, snapshots 7 days" / "no rule for the AMI" / "not read". */
export function describeCoverage(c: RecycleCoverage | undefined): string {
  if (!c) return 'Recycle Bin rules not read'
  const parts = [
    c.imageDays === undefined ? 'no rule retains the AMI' : `AMI ${c.imageDays} days`,
    c.uncoveredSnapshots.length
      ? `no rule retains snapshot ${c.uncoveredSnapshots.join(', ')}`
      : c.snapshotDays === undefined
        ? 'no snapshots'
        : `snapshots ${c.snapshotDays} days`
  ]
  return parts.join(', ')
}
