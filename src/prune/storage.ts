// Snapshot storage arithmetic for the prune report: GiB per version, GiB freed and kept, and a
// monthly estimate so the summary can say what pruning saves.
import type { Image as Ec2Image } from '@aws-sdk/client-ec2'

/** Standard-tier EBS snapshot storage, USD per GB-month (us-east-1 list price). */
export const SNAPSHOT_PRICE_PER_GB_MONTH = 0.05

export interface SnapshotSize {
  id: string
  sizeGiB: number
}

/**
 * Monthly cost estimate of storing `gib` of snapshots at the standard price. An upper bound:
 * snapshots are incremental, so AWS bills only the blocks unique to each one.
 */
export function monthlySnapshotCost(
  gib: number,
  pricePerGbMonth = SNAPSHOT_PRICE_PER_GB_MONTH
): number {
  return Math.round(gib * pricePerGbMonth * 100) / 100
}

/** The EBS snapshots behind an AMI, sized from its block device mappings (VolumeSize, GiB). */
export function snapshotsOf(image: Pick<Ec2Image, 'BlockDeviceMappings'>): SnapshotSize[] {
  const snapshots: SnapshotSize[] = []
  for (const mapping of image.BlockDeviceMappings ?? []) {
    const id = mapping.Ebs?.SnapshotId
    if (id) snapshots.push({ id, sizeGiB: mapping.Ebs?.VolumeSize ?? 0 })
  }
  return snapshots
}

/** Sum of sizes, each snapshot counted once even when several AMIs share it. */
export function uniqueGiB(snapshots: Iterable<SnapshotSize>): number {
  const sizes = new Map<string, number>()
  for (const snapshot of snapshots) sizes.set(snapshot.id, snapshot.sizeGiB)
  let total = 0
  for (const size of sizes.values()) total += size
  return total
}
