// Who may see and touch which image or snapshot, and the errors EC2 gives when they may not.
import { AwsError, type Caller, type Sim } from '../../types.js'
import { bool, type Params } from './params.js'
import { accountInfo, ec2State, type Ec2State, type Image, type Snapshot } from './state.js'

/** DryRun=true: the checks ran and passed, so answer what EC2 answers instead of acting. */
export function dryRunGate(params: Params): void {
  if (bool(params, 'DryRun')) {
    throw new AwsError(
      'DryRunOperation',
      'Request would have succeeded, but DryRun flag is set.',
      412
    )
  }
}

export function checkImageIdFormat(id: string): void {
  if (!/^ami-[0-9a-f]{8,17}$/.test(id)) {
    throw new AwsError('InvalidAMIID.Malformed', `Invalid id: "${id}" (expecting "ami-...")`)
  }
}

export function checkSnapshotIdFormat(id: string): void {
  if (!/^snap-[0-9a-f]{8,17}$/.test(id)) {
    throw new AwsError('InvalidSnapshotID.Malformed', `Invalid id: "${id}" (expecting "snap-...")`)
  }
}

export function imageNotFound(id: string): AwsError {
  return new AwsError('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`)
}

export function snapshotNotFound(id: string): AwsError {
  return new AwsError('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`)
}

/** Shared with the account explicitly: by account ID, its organization or one of its OUs. */
export function sharedWith(s: Ec2State, img: Image, accountId: string): boolean {
  const info = accountInfo(s, accountId)
  return img.launchPermissions.some(
    (p) =>
      p.userId === accountId ||
      (p.organizationArn !== undefined && p.organizationArn === info.organizationArn) ||
      (p.organizationalUnitArn !== undefined &&
        (info.ouArns ?? []).includes(p.organizationalUnitArn))
  )
}

export function isPublic(img: Image): boolean {
  return img.launchPermissions.some((p) => p.group === 'all')
}

/** Whether the caller can see the image at all (region match, owner, public or shared). */
export function canSeeImage(s: Ec2State, img: Image, caller: Caller, now: number): boolean {
  if (img.region !== caller.region) return false
  if (now < img.visibleAt) return false
  return img.ownerId === caller.accountId || isPublic(img) || sharedWith(s, img, caller.accountId)
}

/** An image the caller can see, by ID, or InvalidAMIID.NotFound. */
export function visibleImage(sim: Sim, caller: Caller, id: string, region = caller.region): Image {
  checkImageIdFormat(id)
  const s = ec2State(sim)
  const img = s.images[id]
  if (!img || !canSeeImage(s, img, { ...caller, region }, sim.clock.now())) throw imageNotFound(id)
  return img
}

/** An image the caller owns; seeing someone else's is AuthFailure, as in EC2. */
export function ownedImage(sim: Sim, caller: Caller, id: string): Image {
  const img = visibleImage(sim, caller, id)
  if (img.ownerId !== caller.accountId) {
    throw new AwsError('AuthFailure', `Not authorized for image:${id}`)
  }
  return img
}

export function canSeeSnapshot(snap: Snapshot, caller: Caller): boolean {
  if (snap.region !== caller.region) return false
  return (
    snap.ownerId === caller.accountId ||
    snap.createVolumePermissions.some((p) => p.group === 'all' || p.userId === caller.accountId)
  )
}

export function ownedSnapshot(sim: Sim, caller: Caller, id: string): Snapshot {
  checkSnapshotIdFormat(id)
  const snap = ec2State(sim).snapshots[id]
  if (!snap || !canSeeSnapshot(snap, caller)) throw snapshotNotFound(id)
  if (snap.ownerId !== caller.accountId) {
    throw new AwsError(
      'UnauthorizedOperation',
      `You are not authorized to perform this operation on snapshot ${id}.`,
      403
    )
  }
  return snap
}

/** The images (other than `except`) whose block devices use the snapshot. */
export function imagesUsingSnapshot(s: Ec2State, snapshotId: string, except?: string): Image[] {
  return Object.values(s.images).filter(
    (i) => i.imageId !== except && i.blockDevices.some((d) => d.snapshotId === snapshotId)
  )
}
