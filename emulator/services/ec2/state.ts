// EC2 state kept on sim.state.ec2, and the lazy clock: resources carry timestamps and `settle`
// moves them forward (pending -> available/failed, snapshot progress) whenever a request reads them.
// Follows: EC2 API Reference data types Image (State values), Snapshot, Instance.
import type { Sim } from '../../types.js'
import type { Tag } from './params.js'
import type { ImageBehaviour } from './behaviour.js'
import type { LaunchDetails } from './instance-state.js'
import type { LaunchTemplateVersion } from './launch-templates.js'

export interface LaunchPermission {
  userId?: string
  group?: 'all'
  organizationArn?: string
  organizationalUnitArn?: string
}

export interface VolumePermission {
  userId?: string
  group?: 'all'
}

export interface StateReason {
  code: string
  message: string
}

export interface Snapshot {
  snapshotId: string
  ownerId: string
  region: string
  volumeId: string
  volumeSize: number
  encrypted: boolean
  kmsKeyId?: string
  description: string
  state: 'pending' | 'completed' | 'error'
  startTime: number
  /** Simulated ms when it completes. */
  readyAt: number
  /** True while it counts against the destination region's concurrent snapshot-copy limit. */
  isCopy: boolean
  tags: Tag[]
  createVolumePermissions: VolumePermission[]
}

export interface BlockDevice {
  deviceName: string
  snapshotId: string
  volumeSize: number
  encrypted: boolean
  kmsKeyId?: string
  volumeType: string
}

export interface Image {
  imageId: string
  ownerId: string
  ownerAlias?: string
  region: string
  name: string
  description?: string
  /** `disabled`: DisableImage (emulator/services/ec2/image-state.ts). */
  state: 'pending' | 'available' | 'failed' | 'disabled'
  creationDate: number
  readyAt: number
  /** Before this simulated ms, the ID answers InvalidAMIID.NotFound (eventual consistency). */
  visibleAt: number
  /** Set at creation when a fault says this image will fail; applied when it settles. */
  failure?: StateReason
  stateReason?: StateReason
  blockDevices: BlockDevice[]
  rootDeviceName: string
  architecture: string
  platformDetails: string
  tags: Tag[]
  launchPermissions: LaunchPermission[]
  deprecationTime?: number
  deregistrationProtection?: { withCooldown: boolean; disabledUntil?: number }
  sourceImageId?: string
  sourceImageRegion?: string
  sourceInstanceId?: string
  imdsSupport?: string
  lastLaunchedTime?: number
  /** What instances of it do (Run Command, web server, status checks); see behaviour.ts. */
  behaviour?: ImageBehaviour
  /** `legacy-bios`, `uefi` or `uefi-preferred`; unset boots in the instance type's default mode. */
  bootMode?: string
}

export interface Volume {
  sizeGiB: number
  encrypted?: boolean
  kmsKeyId?: string
  deviceName?: string
  volumeType?: string
}

export interface Instance {
  instanceId: string
  accountId: string
  region: string
  imageId?: string
  instanceType: string
  state: 'pending' | 'running' | 'shutting-down' | 'stopping' | 'stopped' | 'terminated'
  launchTime: number
  volumes: Volume[]
  tags: Tag[]
  subnetId?: string
  /** Launched by RunInstances: see instance-state.ts (timeline, network, profile, platform). */
  launch?: LaunchDetails
  /** Seeded or inherited: what the instance does (images made from it inherit it). */
  behaviour?: ImageBehaviour
}

export interface LaunchTemplate {
  launchTemplateId: string
  accountId: string
  region: string
  name: string
  imageId: string
  version: number
  /** Every version (launch-templates.ts); a seed without them has one version `version` with `imageId`. */
  versions?: LaunchTemplateVersion[]
}

export interface AccountInfo {
  organizationArn?: string
  /** Every OU the account sits in, innermost and its ancestors (sharing with a parent OU reaches it). */
  ouArns?: string[]
}

export interface Ec2State {
  images: Record<string, Image>
  snapshots: Record<string, Snapshot>
  instances: Record<string, Instance>
  launchTemplates: Record<string, LaunchTemplate>
  /** `${accountId}/${region}` → image block public access state. */
  blockPublicAccess: Record<string, 'block-new-sharing' | 'unblocked'>
  accounts: Record<string, AccountInfo>
  /** `${accountId}/${region}/${action}/${token}` → the request's fingerprint and result. */
  clientTokens: Record<string, { fingerprint: string; imageId: string }>
  /** `${accountId}/${region}` → EBS encryption by default and default key (ebs-defaults.ts). */
  ebsDefaults?: Record<string, { encryptionByDefault: boolean; kmsKeyId?: string }>
}

export function ec2State(sim: Sim): Ec2State {
  let s = sim.state.ec2 as Ec2State | undefined
  if (!s) {
    s = {
      images: {},
      snapshots: {},
      instances: {},
      launchTemplates: {},
      blockPublicAccess: {},
      accounts: {},
      clientTokens: {}
    }
    sim.state.ec2 = s
  }
  return s
}

/** A setting from POST /_sim/configure, as `{ 'ec2.key': v }` or `{ ec2: { key: v } }`. */
export function setting<T>(sim: Sim, service: string, key: string, fallback: T): T {
  const flat = sim.settings[`${service}.${key}`]
  if (flat !== undefined) return flat as T
  const nested = sim.settings[service] as Record<string, unknown> | undefined
  if (nested && typeof nested === 'object' && nested[key] !== undefined) return nested[key] as T
  return fallback
}

export const MINUTE = 60_000

/** Simulated timings with realistic defaults (AWS publishes none; see reference/performance-and-limits.md §3). */
export function timings(sim: Sim) {
  return {
    createImageBaseMs: setting(sim, 'ec2', 'createImageBaseMs', 2 * MINUTE),
    createImageMsPerGiB: setting(sim, 'ec2', 'createImageMsPerGiB', 15_000),
    rebootMs: setting(sim, 'ec2', 'rebootMs', MINUTE),
    copyBaseMs: setting(sim, 'ec2', 'copyBaseMs', 4 * MINUTE),
    copyMsPerGiB: setting(sim, 'ec2', 'copyMsPerGiB', 30_000),
    notFoundWindowMs: setting(sim, 'ec2', 'notFoundWindowMs', 2_000),
    maxSnapshotCopies: setting(sim, 'ec2', 'maxConcurrentSnapshotCopies', 20),
    maxImageCopies: setting(sim, 'ec2', 'maxConcurrentImageCopies', 300)
  }
}

/** Advance every resource to the simulated now. Idempotent and cheap; called on each request. */
export function settle(sim: Sim): void {
  const s = ec2State(sim)
  const now = sim.clock.now()
  for (const snap of Object.values(s.snapshots)) {
    if (snap.state === 'pending' && now >= snap.readyAt) {
      snap.state = 'completed'
      snap.isCopy = false
    }
  }
  for (const img of Object.values(s.images)) {
    if (img.state !== 'pending' || now < img.readyAt) continue
    if (img.failure) {
      img.state = 'failed'
      img.stateReason = img.failure
      for (const d of img.blockDevices) {
        const snap = s.snapshots[d.snapshotId]
        if (snap && snap.state !== 'completed') {
          snap.state = 'error'
          snap.isCopy = false
        }
      }
    } else {
      img.state = 'available'
    }
  }
}

export function progressOf(snap: Snapshot, now: number): string {
  if (snap.state !== 'pending') return snap.state === 'completed' ? '100%' : '0%'
  const total = Math.max(1, snap.readyAt - snap.startTime)
  const pct = Math.min(99, Math.floor(((now - snap.startTime) / total) * 100))
  return `${Math.max(0, pct)}%`
}

export function accountInfo(s: Ec2State, accountId: string): AccountInfo {
  return s.accounts[accountId] ?? {}
}

export function blockPublicAccessState(s: Ec2State, accountId: string, region: string) {
  return s.blockPublicAccess[`${accountId}/${region}`] ?? 'block-new-sharing'
}
