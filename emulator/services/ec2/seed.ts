// POST /_sim/seed { ec2: … }: the shapes are documented in emulator/services/README.md.
// Follows: EC2 API Reference data types Image, Snapshot, LaunchPermission (seed fields mirror them).
import { AwsError, type Sim } from '../../types.js'
import { awsManagedEbsKey } from '../../kms-keys.js'
import type { Tag } from './params.js'
import { deviceName } from './render.js'
import type { ImageBehaviour } from './behaviour.js'
import { seedFleet, type FleetSeed } from './seed-fleet.js'
import { seedLaunchTemplateVersions, type SeedLaunchTemplateVersions } from './launch-templates.js'
import {
  ec2State,
  type AccountInfo,
  type Image,
  type Instance,
  type LaunchPermission,
  type Snapshot,
  type VolumePermission
} from './state.js'

type TagsInput =
  Record<string, string> | { Key?: string; Value?: string; key?: string; value?: string }[]

export interface SeedVolume {
  sizeGiB: number
  encrypted?: boolean
  kmsKeyId?: string
  deviceName?: string
  volumeType?: string
}

export interface SeedInstance {
  instanceId?: string
  accountId: string
  region: string
  volumes?: SeedVolume[]
  imageId?: string
  instanceType?: string
  state?: Instance['state']
  tags?: TagsInput
  behaviour?: ImageBehaviour
}

export interface SeedSnapshot {
  snapshotId?: string
  sizeGiB: number
  encrypted?: boolean
  kmsKeyId?: string
  createVolumePermissions?: VolumePermission[]
  tags?: TagsInput
}

export interface SeedImage {
  imageId?: string
  accountId: string
  region: string
  name: string
  description?: string
  ownerAlias?: string
  state?: 'available' | 'pending' | 'failed' | 'disabled'
  stateReason?: { code: string; message: string }
  creationDate?: string
  public?: boolean
  launchPermissions?: LaunchPermission[]
  snapshots?: SeedSnapshot[]
  tags?: TagsInput
  deprecationTime?: string
  deregistrationProtection?: 'enabled' | 'enabled-with-cooldown'
  sourceImageId?: string
  sourceImageRegion?: string
  architecture?: string
  platformDetails?: string
  lastLaunchedTime?: string
  behaviour?: ImageBehaviour
  bootMode?: string
}

export interface SeedLaunchTemplate extends SeedLaunchTemplateVersions {
  launchTemplateId?: string
  accountId: string
  region: string
  name?: string
  imageId?: string
  version?: number
}

export interface Ec2Seed extends FleetSeed {
  accounts?: Record<string, AccountInfo>
  blockPublicAccess?: {
    accountId: string
    region: string
    state: 'block-new-sharing' | 'unblocked'
  }[]
  instances?: SeedInstance[]
  images?: SeedImage[]
  launchTemplates?: SeedLaunchTemplate[]
  /** EBS encryption by default and the default KMS key per (account, region); default off / aws/ebs. */
  ebsDefaults?: {
    accountId: string
    region: string
    encryptionByDefault?: boolean
    kmsKeyId?: string
  }[]
}

function toTags(input: TagsInput | undefined): Tag[] {
  if (!input) return []
  if (Array.isArray(input))
    return input.map((t) => ({ key: t.Key ?? t.key ?? '', value: t.Value ?? t.value ?? '' }))
  return Object.entries(input).map(([key, value]) => ({ key, value: String(value) }))
}

function need(cond: unknown, what: string): void {
  if (!cond) throw new AwsError('InvalidSeed', `ec2 seed: ${what}`)
}

export function seedEc2(data: unknown, sim: Sim) {
  const seed = (data ?? {}) as Ec2Seed
  const s = ec2State(sim)
  const now = sim.clock.now()
  const created = {
    instances: [] as string[],
    images: [] as string[],
    snapshots: [] as string[],
    launchTemplates: [] as string[]
  }

  for (const [id, info] of Object.entries(seed.accounts ?? {}))
    s.accounts[id] = { ...s.accounts[id], ...info }
  for (const b of seed.blockPublicAccess ?? [])
    s.blockPublicAccess[`${b.accountId}/${b.region}`] = b.state
  for (const d of seed.ebsDefaults ?? []) {
    s.ebsDefaults ??= {}
    s.ebsDefaults[`${d.accountId}/${d.region}`] = {
      encryptionByDefault: d.encryptionByDefault ?? false,
      kmsKeyId: d.kmsKeyId
    }
  }

  for (const img of seed.images ?? []) {
    need(img.accountId && img.region && img.name, 'an image needs accountId, region and name')
    const imageId = img.imageId ?? sim.newId('ami')
    const created_ = img.creationDate ? Date.parse(img.creationDate) : now
    const snaps = (img.snapshots ?? [{ sizeGiB: 8 }]).map((sn, i) => {
      const snap: Snapshot = {
        snapshotId: sn.snapshotId ?? sim.newId('snap'),
        ownerId: img.accountId,
        region: img.region,
        volumeId: 'vol-ffffffff',
        volumeSize: sn.sizeGiB,
        encrypted: sn.encrypted ?? false,
        kmsKeyId: sn.encrypted
          ? (sn.kmsKeyId ?? awsManagedEbsKey(img.accountId, img.region).arn)
          : undefined,
        description: `Created by CreateImage for ${imageId}`,
        state: img.state === 'pending' ? 'pending' : img.state === 'failed' ? 'error' : 'completed',
        startTime: created_,
        readyAt: img.state === 'pending' ? now + 5 * 60_000 : created_,
        isCopy: false,
        tags: toTags(sn.tags),
        createVolumePermissions: sn.createVolumePermissions ?? []
      }
      s.snapshots[snap.snapshotId] = snap
      created.snapshots.push(snap.snapshotId)
      return {
        deviceName: deviceName(i),
        snapshotId: snap.snapshotId,
        volumeSize: snap.volumeSize,
        encrypted: snap.encrypted,
        kmsKeyId: snap.kmsKeyId,
        volumeType: 'gp3'
      }
    })
    const perms = [...(img.launchPermissions ?? [])]
    if (img.public && !perms.some((p) => p.group === 'all')) perms.push({ group: 'all' })
    const image: Image = {
      imageId,
      ownerId: img.accountId,
      ownerAlias: img.ownerAlias,
      region: img.region,
      name: img.name,
      description: img.description,
      state: img.state ?? 'available',
      stateReason:
        img.state === 'failed'
          ? (img.stateReason ?? { code: 'Server.InternalError', message: 'Internal error' })
          : undefined,
      creationDate: created_,
      readyAt: img.state === 'pending' ? now + 5 * 60_000 : created_,
      visibleAt: 0,
      blockDevices: snaps,
      rootDeviceName: snaps[0]?.deviceName ?? '/dev/xvda',
      architecture: img.architecture ?? 'x86_64',
      platformDetails: img.platformDetails ?? 'Linux/UNIX',
      tags: toTags(img.tags),
      // DisableImage: a disabled AMI has no launch permissions.
      launchPermissions: img.state === 'disabled' ? [] : perms,
      deprecationTime: img.deprecationTime ? Date.parse(img.deprecationTime) : undefined,
      deregistrationProtection: img.deregistrationProtection
        ? { withCooldown: img.deregistrationProtection === 'enabled-with-cooldown' }
        : undefined,
      sourceImageId: img.sourceImageId,
      sourceImageRegion: img.sourceImageRegion,
      lastLaunchedTime: img.lastLaunchedTime ? Date.parse(img.lastLaunchedTime) : undefined,
      behaviour: img.behaviour,
      bootMode: img.bootMode
    }
    s.images[imageId] = image
    created.images.push(imageId)
  }

  for (const inst of seed.instances ?? []) {
    need(inst.accountId && inst.region, 'an instance needs accountId and region')
    const source = inst.imageId ? s.images[inst.imageId] : undefined
    const volumes = inst.volumes ??
      source?.blockDevices.map((d) => ({
        sizeGiB: d.volumeSize,
        encrypted: d.encrypted,
        kmsKeyId: d.kmsKeyId
      })) ?? [{ sizeGiB: 8 }]
    const instanceId = inst.instanceId ?? sim.newId('i')
    s.instances[instanceId] = {
      instanceId,
      accountId: inst.accountId,
      region: inst.region,
      imageId: inst.imageId,
      instanceType: inst.instanceType ?? 't3.micro',
      state: inst.state ?? 'running',
      launchTime: now,
      volumes,
      tags: toTags(inst.tags),
      behaviour: inst.behaviour ?? source?.behaviour
    }
    created.instances.push(instanceId)
  }

  for (const lt of seed.launchTemplates ?? []) {
    need(
      lt.accountId && lt.region && (lt.imageId || lt.versions?.length),
      'a launch template needs accountId, region and imageId (or versions)'
    )
    const launchTemplateId = lt.launchTemplateId ?? sim.newId('lt')
    s.launchTemplates[launchTemplateId] = {
      launchTemplateId,
      accountId: lt.accountId,
      region: lt.region,
      name: lt.name ?? launchTemplateId,
      imageId: lt.imageId ?? '',
      version: lt.version ?? 1
    }
    seedLaunchTemplateVersions(s.launchTemplates[launchTemplateId], lt, now)
    created.launchTemplates.push(launchTemplateId)
  }
  return { ...created, ...seedFleet(seed, sim) }
}
