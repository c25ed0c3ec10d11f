// State → the element names the EC2 XML deserializer expects (checked against the SDK's schemas).
// Follows: EC2 API Reference data types Image, Snapshot, Instance (response element names).
import type { Tag } from './params.js'
import { progressOf, type Image, type Instance, type Snapshot } from './state.js'
import { isPublic } from './access.js'

const iso = (ms: number) => new Date(ms).toISOString()

export function tagSet(tags: Tag[]) {
  return tags.map((t) => ({ key: t.key, value: t.value }))
}

/** `tagSet` only for the owner: tags on a shared AMI are not visible to other accounts. */
export function imageXml(img: Image, callerAccount: string) {
  const out: Record<string, unknown> = {
    imageId: img.imageId,
    imageLocation: `${img.ownerId}/${img.name}`,
    imageState: img.state,
    imageOwnerId: img.ownerId,
    creationDate: iso(img.creationDate),
    isPublic: isPublic(img),
    architecture: img.architecture,
    imageType: 'machine',
    platformDetails: img.platformDetails,
    usageOperation: 'RunInstances',
    name: img.name,
    rootDeviceType: 'ebs',
    rootDeviceName: img.rootDeviceName,
    blockDeviceMapping: img.blockDevices.map((d) => ({
      deviceName: d.deviceName,
      ebs: {
        snapshotId: d.snapshotId,
        volumeSize: d.volumeSize,
        deleteOnTermination: true,
        volumeType: d.volumeType,
        encrypted: d.encrypted,
        ...(d.kmsKeyId ? { kmsKeyId: d.kmsKeyId } : {})
      }
    })),
    virtualizationType: 'hvm',
    hypervisor: 'xen',
    enaSupport: true,
    sriovNetSupport: 'simple',
    bootMode: img.bootMode ?? 'uefi-preferred'
  }
  if (img.ownerAlias) out.imageOwnerAlias = img.ownerAlias
  if (img.description !== undefined) out.description = img.description
  if (img.stateReason)
    out.stateReason = { code: img.stateReason.code, message: img.stateReason.message }
  if (img.ownerId === callerAccount && img.tags.length) out.tagSet = tagSet(img.tags)
  if (img.deprecationTime !== undefined) out.deprecationTime = iso(img.deprecationTime)
  if (img.imdsSupport) out.imdsSupport = img.imdsSupport
  if (img.sourceInstanceId) out.sourceInstanceId = img.sourceInstanceId
  if (img.sourceImageId) out.sourceImageId = img.sourceImageId
  if (img.sourceImageRegion) out.sourceImageRegion = img.sourceImageRegion
  out.deregistrationProtection = protectionText(img)
  if (img.lastLaunchedTime !== undefined) out.lastLaunchedTime = iso(img.lastLaunchedTime)
  return out
}

export function protectionText(img: Image): string {
  const p = img.deregistrationProtection
  if (!p) return 'disabled'
  if (p.disabledUntil !== undefined) return `disabled-until-${iso(p.disabledUntil)}`
  return p.withCooldown ? 'enabled-with-cooldown' : 'enabled-without-cooldown'
}

export function snapshotXml(snap: Snapshot, now: number, callerAccount: string) {
  const out: Record<string, unknown> = {
    snapshotId: snap.snapshotId,
    volumeId: snap.volumeId,
    status: snap.state,
    startTime: iso(snap.startTime),
    progress: progressOf(snap, now),
    ownerId: snap.ownerId,
    description: snap.description,
    volumeSize: snap.volumeSize,
    encrypted: snap.encrypted,
    storageTier: 'standard'
  }
  if (snap.kmsKeyId) out.kmsKeyId = snap.kmsKeyId
  if (snap.state === 'completed') out.completionTime = iso(snap.readyAt)
  if (snap.ownerId === callerAccount && snap.tags.length) out.tagSet = tagSet(snap.tags)
  return out
}

const INSTANCE_STATE_CODES = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  stopping: 64,
  stopped: 80,
  terminated: 48
}

export function instanceXml(inst: Instance) {
  return {
    instanceId: inst.instanceId,
    imageId: inst.imageId ?? 'ami-00000000',
    instanceState: { code: INSTANCE_STATE_CODES[inst.state], name: inst.state },
    instanceType: inst.instanceType,
    launchTime: iso(inst.launchTime),
    placement: { availabilityZone: `${inst.region}a` },
    ...(inst.subnetId ? { subnetId: inst.subnetId } : {}),
    architecture: 'x86_64',
    rootDeviceType: 'ebs',
    rootDeviceName: inst.volumes[0]?.deviceName ?? '/dev/xvda',
    blockDeviceMapping: inst.volumes.map((v, i) => ({
      deviceName: v.deviceName ?? deviceName(i),
      ebs: {
        volumeId: `vol-${inst.instanceId.slice(2)}${i}`,
        status: 'attached',
        deleteOnTermination: true
      }
    })),
    virtualizationType: 'hvm',
    hypervisor: 'xen',
    ...(inst.tags.length ? { tagSet: tagSet(inst.tags) } : {})
  }
}

/** /dev/xvda for the root, then /dev/sdb, /dev/sdc, … */
export function deviceName(index: number): string {
  return index === 0 ? '/dev/xvda' : `/dev/sd${String.fromCharCode(98 + index - 1)}`
}
