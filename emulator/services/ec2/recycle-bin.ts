// The Recycle Bin's contents, EC2's side (API reference: DeregisterImage, DeleteSnapshot,
// ListImagesInRecycleBin, RestoreImageFromRecycleBin, ListSnapshotsInRecycleBin,
// RestoreSnapshotFromRecycleBin; EBS user guide "Recycle Bin"): a deregistered AMI or deleted
// snapshot that a retention rule (../rbin.ts) covers is kept for the rule's period, listable and
// restorable; when the period ends (simulated time) it is gone for good.
import { AwsError, type Caller, type Sim } from '../../types.js'
import { retentionFor } from '../rbin.js'
import { checkImageIdFormat, checkSnapshotIdFormat, dryRunGate } from './access.js'
import { list, paginate, required, type Params } from './params.js'
import { ec2State, type Image, type Snapshot } from './state.js'

const DAY = 86_400_000
/** User guide "Considerations for Recycle Bin": the system tag a binned resource carries. */
const BIN_TAG = { key: 'aws:recycle-bin:resource-in-bin', value: 'true' }
const withoutBinTag = (tags: { key: string; value: string }[]) =>
  tags.filter((t) => t.key !== BIN_TAG.key)

interface Binned<T> {
  item: T
  enterTime: number
  exitTime: number
}

interface BinState {
  images: Record<string, Binned<Image>>
  snapshots: Record<string, Binned<Snapshot>>
}

function binState(sim: Sim): BinState {
  return (sim.state.recycleBin ??= { images: {}, snapshots: {} }) as BinState
}

/** Forget what has outlived its retention period. */
function settleBin(sim: Sim): void {
  const now = sim.clock.now()
  const b = binState(sim)
  for (const [id, x] of Object.entries(b.images)) if (now >= x.exitTime) delete b.images[id]
  for (const [id, x] of Object.entries(b.snapshots)) if (now >= x.exitTime) delete b.snapshots[id]
}

/** DeregisterImage's removal: into the bin when a rule covers the AMI, else gone. */
export function retireImage(sim: Sim, img: Image): void {
  settleBin(sim)
  delete ec2State(sim).images[img.imageId]
  const keep = retentionFor(sim, img.ownerId, img.region, 'EC2_IMAGE', img.tags)
  if (!keep) return
  const now = sim.clock.now()
  binState(sim).images[img.imageId] = {
    item: { ...img, tags: [...img.tags, BIN_TAG] },
    enterTime: now,
    exitTime: now + keep.days * DAY
  }
}

/** DeleteSnapshot's removal: into the bin when a rule covers the snapshot, else gone. */
export function retireSnapshot(sim: Sim, snap: Snapshot): void {
  settleBin(sim)
  delete ec2State(sim).snapshots[snap.snapshotId]
  const keep = retentionFor(sim, snap.ownerId, snap.region, 'EBS_SNAPSHOT', snap.tags)
  if (!keep) return
  const now = sim.clock.now()
  binState(sim).snapshots[snap.snapshotId] = {
    item: { ...snap, tags: [...snap.tags, BIN_TAG] },
    enterTime: now,
    exitTime: now + keep.days * DAY
  }
}

const mine = <T extends { ownerId: string; region: string }>(caller: Caller, x: Binned<T>) =>
  x.item.ownerId === caller.accountId && x.item.region === caller.region

export function listImagesInRecycleBin(sim: Sim, caller: Caller, params: Params) {
  settleBin(sim)
  const ids = list(params, 'ImageId')
  ids.forEach(checkImageIdFormat)
  const rows = Object.values(binState(sim).images)
    .filter((x) => mine(caller, x) && (!ids.length || ids.includes(x.item.imageId)))
    .sort((a, b) => a.enterTime - b.enterTime)
  dryRunGate(params)
  const { page, nextToken } = paginate('ListImagesInRecycleBin', rows, params, {
    min: 1,
    max: 1000
  })
  return {
    imageSet: page.map((x) => ({
      imageId: x.item.imageId,
      name: x.item.name,
      ...(x.item.description !== undefined ? { description: x.item.description } : {}),
      recycleBinEnterTime: new Date(x.enterTime).toISOString(),
      recycleBinExitTime: new Date(x.exitTime).toISOString()
    })),
    ...(nextToken ? { nextToken } : {})
  }
}

export function restoreImageFromRecycleBin(sim: Sim, caller: Caller, params: Params) {
  settleBin(sim)
  const id = required(params, 'ImageId')
  checkImageIdFormat(id)
  const x = binState(sim).images[id]
  if (!x || !mine(caller, x))
    throw new AwsError(
      'InvalidAMIID.NotFound',
      `The image id '[${id}]' does not exist in the Recycle Bin`
    )
  // Its snapshots must be restored first (EBS user guide, "Recover AMIs from the Recycle Bin").
  const s = ec2State(sim)
  const missing = x.item.blockDevices.find((d) => !s.snapshots[d.snapshotId])
  if (missing) {
    const inBin = binState(sim).snapshots[missing.snapshotId] !== undefined
    throw new AwsError(
      'IncorrectState',
      inBin
        ? `The snapshot ${missing.snapshotId} of image ${id} is in the Recycle Bin. Restore it first.`
        : `The snapshot ${missing.snapshotId} of image ${id} has been deleted permanently; the image cannot be restored.`
    )
  }
  dryRunGate(params)
  delete binState(sim).images[id]
  s.images[id] = { ...x.item, visibleAt: 0, tags: withoutBinTag(x.item.tags) }
  return { return: true }
}

export function listSnapshotsInRecycleBin(sim: Sim, caller: Caller, params: Params) {
  settleBin(sim)
  const ids = list(params, 'SnapshotId')
  ids.forEach(checkSnapshotIdFormat)
  const rows = Object.values(binState(sim).snapshots)
    .filter((x) => mine(caller, x) && (!ids.length || ids.includes(x.item.snapshotId)))
    .sort((a, b) => a.enterTime - b.enterTime)
  dryRunGate(params)
  const { page, nextToken } = paginate('ListSnapshotsInRecycleBin', rows, params, {
    min: 5,
    max: 1000
  })
  return {
    snapshotSet: page.map((x) => ({
      snapshotId: x.item.snapshotId,
      recycleBinEnterTime: new Date(x.enterTime).toISOString(),
      recycleBinExitTime: new Date(x.exitTime).toISOString(),
      description: x.item.description,
      volumeId: x.item.volumeId
    })),
    ...(nextToken ? { nextToken } : {})
  }
}

export function restoreSnapshotFromRecycleBin(sim: Sim, caller: Caller, params: Params) {
  settleBin(sim)
  const id = required(params, 'SnapshotId')
  checkSnapshotIdFormat(id)
  const x = binState(sim).snapshots[id]
  if (!x || !mine(caller, x))
    throw new AwsError(
      'InvalidSnapshot.NotFound',
      `The snapshot '${id}' does not exist in the Recycle Bin.`
    )
  dryRunGate(params)
  delete binState(sim).snapshots[id]
  ec2State(sim).snapshots[id] = { ...x.item, tags: withoutBinTag(x.item.tags) }
  const s = x.item
  return {
    snapshotId: s.snapshotId,
    description: s.description,
    encrypted: s.encrypted,
    ownerId: s.ownerId,
    progress: '100%',
    startTime: new Date(s.startTime).toISOString(),
    status: s.state,
    volumeId: s.volumeId,
    volumeSize: s.volumeSize
  }
}

export function recycleBinSnapshot(sim: Sim) {
  settleBin(sim)
  const b = binState(sim)
  const view = <T>(x: Binned<T>) => ({
    ...x,
    enterTime: new Date(x.enterTime).toISOString(),
    exitTime: new Date(x.exitTime).toISOString()
  })
  return {
    images: Object.values(b.images).map(view),
    snapshots: Object.values(b.snapshots).map(view)
  }
}
