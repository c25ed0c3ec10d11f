// Deregister one version and its snapshots in the same call (DeleteAssociatedSnapshots), and turn
// AWS's per-snapshot return codes into the report. DeleteSnapshot is never called: AWS itself
// keeps a snapshot another AMI still uses, which avoids the deregister-then-delete race.
import {
  DeregisterImageCommand,
  type DeleteSnapshotReturnCode,
  type EC2Client
} from '@aws-sdk/client-ec2'
import type { PrunedVersion } from '../types.js'
import type { Candidate } from './select.js'
import { AlreadyGone } from '../errors.js'

export { AlreadyGone }

export type SnapshotOutcome = PrunedVersion['snapshots'][number]

const GONE_CODES = new Set(['InvalidAMIID.NotFound', 'InvalidAMIID.Unavailable'])

export async function deregisterVersion(
  ec2: EC2Client,
  candidate: Candidate
): Promise<SnapshotOutcome[]> {
  try {
    const output = await ec2.send(
      new DeregisterImageCommand({ ImageId: candidate.imageId, DeleteAssociatedSnapshots: true })
    )
    return snapshotOutcomes(candidate, output.DeleteSnapshotResults ?? [])
  } catch (error) {
    const code = (error as { name?: string }).name ?? ''
    if (GONE_CODES.has(code)) throw new AlreadyGone(candidate.imageId, code)
    throw error
  }
}

/** One entry per snapshot of the version, from AWS's results (sizes from the listing). */
export function snapshotOutcomes(
  candidate: Candidate,
  results: readonly DeleteSnapshotReturnCode[]
): SnapshotOutcome[] {
  const byId = new Map(results.map((r) => [r.SnapshotId ?? '', r.ReturnCode ?? '']))
  const outcomes: SnapshotOutcome[] = candidate.snapshots.map((snapshot) => {
    const code = byId.get(snapshot.id)
    byId.delete(snapshot.id)
    return { ...snapshot, ...outcomeOf(code) }
  })
  // A snapshot AWS reports that the listing did not show: report it too (size unknown).
  for (const [id, code] of byId) if (id) outcomes.push({ id, sizeGiB: 0, ...outcomeOf(code) })
  return outcomes
}

function outcomeOf(code: string | undefined): { deleted: boolean; reason?: string } {
  switch (code) {
    case 'success':
      return { deleted: true }
    case 'skipped':
      return { deleted: false, reason: 'skipped: still used by another AMI' }
    case 'missing-permissions':
      return {
        deleted: false,
        reason: 'missing-permissions: the role may not call ec2:DeleteSnapshot'
      }
    case undefined:
      return { deleted: false, reason: 'no result from DeregisterImage' }
    default:
      return { deleted: false, reason: code || 'no result code' }
  }
}

/** Dry run: what AWS would do, predicted from the listing (a snapshot shared with a version that
 *  stays is kept; one shared only by pruned versions is deleted once, with the last of them). */
export function predictOutcomes(
  pruned: readonly Candidate[],
  remaining: readonly Candidate[]
): Map<string, SnapshotOutcome[]> {
  const stays = new Map<string, string>()
  for (const c of remaining) for (const s of c.snapshots) stays.set(s.id, c.imageId)
  const lastUser = new Map<string, string>()
  for (const c of pruned) for (const s of c.snapshots) lastUser.set(s.id, c.imageId)
  const outcomes = new Map<string, SnapshotOutcome[]>()
  for (const c of pruned) {
    outcomes.set(
      c.imageId,
      c.snapshots.map((s) => {
        const keeper = stays.get(s.id)
        if (keeper) return { ...s, deleted: false, reason: `skipped: still used by ${keeper}` }
        const last = lastUser.get(s.id)
        if (last !== c.imageId)
          return { ...s, deleted: false, reason: `deleted together with ${last}` }
        return { ...s, deleted: true }
      })
    )
  }
  return outcomes
}
