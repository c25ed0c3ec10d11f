// Instance state beyond the seedable basics: what RunInstances records (LaunchDetails), instance
// profiles, the lazy timeline (pending → running → shutting-down → terminated, user guide "Amazon
// EC2 instance state changes"), and lookups shared by the instance, Run Command and usage modules.
import { AwsError, type Caller, type Sim } from '../../types.js'
import { ec2State, setting, type Instance, type StateReason } from './state.js'

/** What RunInstances knows of an instance beyond the seedable basics. */
export interface LaunchDetails {
  reservationId?: string
  /** Simulated ms it leaves `pending` (to running, or to terminated when `failure` is set). */
  runningAt?: number
  failure?: StateReason
  /** Simulated ms TerminateInstances was called (its SSM Agent stops then). */
  shutdownAt?: number
  /** Simulated ms it leaves `shutting-down`. */
  terminateAt?: number
  terminatedAt?: number
  stateReason?: StateReason
  stateTransitionReason?: string
  /** Before this simulated ms, the ID answers InvalidInstanceID.NotFound (eventual consistency). */
  visibleAt?: number
  vpcId?: string
  availabilityZone?: string
  securityGroups?: { groupId: string; groupName: string }[]
  iamInstanceProfile?: { arn: string; id: string }
  architecture?: string
  platform?: 'linux' | 'windows'
  platformDetails?: string
  bootMode?: string
  keyName?: string
  privateIpAddress?: string
  clientToken?: string
  disableApiTermination?: boolean
  launchTemplate?: { launchTemplateId: string; version: string }
}

export interface InstanceProfile {
  accountId: string
  name: string
  arn: string
  id: string
  /** The role has AmazonSSMManagedInstanceCore (default true): the SSM Agent can register. */
  ssmManaged: boolean
}

interface InstancesState {
  profiles: InstanceProfile[]
  /** `${account}/${region}/${token}` → the first request's fingerprint and its instances. */
  tokens: Record<string, { fingerprint: string; reservationId: string; instanceIds: string[] }>
}

export function instancesState(sim: Sim): InstancesState {
  return (sim.state.ec2Instances ??= { profiles: [], tokens: {} }) as InstancesState
}

export interface SeedInstanceProfile {
  accountId: string
  name: string
  ssmManaged?: boolean
}

export function seedInstanceProfiles(sim: Sim, profiles: SeedInstanceProfile[]): string[] {
  const s = instancesState(sim)
  return profiles.map((p) => {
    if (!p.accountId || !p.name)
      throw new AwsError('InvalidSeed', 'ec2 seed: an instance profile needs accountId and name')
    const arn = `arn:aws:iam::${p.accountId}:instance-profile/${p.name}`
    s.profiles = s.profiles.filter((x) => x.arn !== arn)
    s.profiles.push({
      accountId: p.accountId,
      name: p.name,
      arn,
      id: `AIPA${sim.newId('x').slice(2, 19).toUpperCase()}`,
      ssmManaged: p.ssmManaged ?? true
    })
    return arn
  })
}

export function instanceProfileByArn(sim: Sim, arn: string): InstanceProfile | undefined {
  return instancesState(sim).profiles.find((p) => p.arn === arn)
}

export function instanceTimings(sim: Sim) {
  return {
    bootMs: setting(sim, 'ec2', 'instanceBootMs', 30_000),
    statusCheckMs: setting(sim, 'ec2', 'statusCheckMs', 120_000),
    terminateMs: setting(sim, 'ec2', 'terminateMs', 30_000),
    terminatedVisibleMs: setting(sim, 'ec2', 'terminatedVisibleMs', 3_600_000),
    notFoundWindowMs: setting(sim, 'ec2', 'instanceNotFoundWindowMs', 1_000),
    maxPerLaunch: setting(sim, 'ec2', 'maxInstancesPerLaunch', 20)
  }
}

/** Move launched instances along their timeline to the simulated now. */
export function settleInstances(sim: Sim): void {
  const now = sim.clock.now()
  for (const inst of Object.values(ec2State(sim).instances)) {
    const l = inst.launch
    if (!l) continue
    if (inst.state === 'pending' && l.runningAt !== undefined && now >= l.runningAt) {
      if (l.failure) {
        inst.state = 'terminated'
        l.stateReason = l.failure
        l.stateTransitionReason = l.failure.message
        l.terminatedAt = l.runningAt
      } else inst.state = 'running'
    }
    if (inst.state === 'shutting-down' && l.terminateAt !== undefined && now >= l.terminateAt) {
      inst.state = 'terminated'
      l.terminatedAt = l.terminateAt
    }
  }
}

/** The simulated ms the instance became running (seeded running instances: their launch time). */
export function runningSince(inst: Instance): number | undefined {
  if (inst.state !== 'running') return undefined
  return inst.launch?.runningAt ?? inst.launchTime
}

/** Terminated instances drop out of DescribeInstances about an hour after they terminated. */
export function listed(sim: Sim, inst: Instance, now: number): boolean {
  const l = inst.launch
  if (l?.visibleAt !== undefined && now < l.visibleAt) return false
  if (inst.state !== 'terminated') return true
  const at = l?.terminatedAt
  return at === undefined || now < at + instanceTimings(sim).terminatedVisibleMs
}

export function checkInstanceIdFormat(id: string): void {
  if (!/^i-[0-9a-f]{8,17}$/.test(id)) {
    throw new AwsError('InvalidInstanceID.Malformed', `Invalid id: "${id}" (expecting "i-...")`)
  }
}

/** The caller's instances with these IDs, or InvalidInstanceID.NotFound naming the missing ones. */
export function callerInstances(sim: Sim, caller: Caller, ids: string[]): Instance[] {
  const now = sim.clock.now()
  ids.forEach(checkInstanceIdFormat)
  const s = ec2State(sim)
  const found = (id: string) => {
    const i = s.instances[id]
    return i &&
      i.accountId === caller.accountId &&
      i.region === caller.region &&
      listed(sim, i, now)
      ? i
      : undefined
  }
  const missing = ids.filter((id) => !found(id))
  if (missing.length === 1)
    throw new AwsError(
      'InvalidInstanceID.NotFound',
      `The instance ID '${missing[0]}' does not exist`
    )
  if (missing.length > 1) {
    throw new AwsError(
      'InvalidInstanceID.NotFound',
      `The instance IDs '${missing.join(', ')}' do not exist`
    )
  }
  return [...new Set(ids)].map((id) => found(id)!)
}

export const STATE_CODES: Record<Instance['state'], number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80
}

export const stateXml = (state: Instance['state']) => ({ code: STATE_CODES[state], name: state })

/** The instance as IAM sees it: ARN and tags (for aws:ResourceTag conditions). */
export function resourceOf(i: Instance) {
  return { arn: `arn:aws:ec2:${i.region}:${i.accountId}:instance/${i.instanceId}`, tags: i.tags }
}

export function instanceProfilesSnapshot(sim: Sim) {
  return instancesState(sim).profiles
}

/** For other modules (image usage, DescribeImageReferences): live instances launched from `imageId`. */
export function instancesUsingImage(sim: Sim, imageId: string, accountIds?: string[]): Instance[] {
  settleInstances(sim)
  return Object.values(ec2State(sim).instances).filter(
    (i) =>
      i.imageId === imageId &&
      i.state !== 'terminated' &&
      (!accountIds || accountIds.includes(i.accountId))
  )
}
