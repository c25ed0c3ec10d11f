// Instances: RunInstances, DescribeInstances, TerminateInstances (status and console output:
// instance-status.ts; timeline and lookups: instance-state.ts). Lifecycle (user guide: "Amazon EC2 instance state changes"): pending → running
// after a boot time, status checks initializing → ok, shutting-down → terminated; terminated
// instances stay visible for about an hour. A launch whose volumes need a KMS key the account
// cannot use goes pending → terminated with Client.InvalidKMSKey.InvalidState
// (user guide: "Troubleshoot Amazon EC2 instance launch issues" → "Instance terminates immediately").
import { isAllowed, type IamSettings } from '../../iam.js'
import { AwsError, type Caller, type Sim } from '../../types.js'
import { principalOf } from '../sts.js'
import { dryRunGate, imageNotFound, visibleImage } from './access.js'
import { platformOf, type ImageBehaviour } from './behaviour.js'
import { instanceType } from './catalog.js'
import { canUseKeyForEbs } from './kms-access.js'
import { checkRequestTags, checkResourceTags } from './conditions.js'
import { resolveImageAlias, resolveLaunchTemplateData } from './launch-templates.js'
import { launchSecurityGroups, launchSubnet } from './network.js'
import {
  bool,
  filters,
  globMatch,
  int,
  list,
  paginate,
  str,
  tagSpecifications,
  type Params,
  type Tag
} from './params.js'
import { deviceName, tagSet } from './render.js'
import { ec2State, type Image, type Instance, type StateReason } from './state.js'
import { mergeTags } from './tags.js'
import {
  callerInstances,
  instancesState,
  instanceTimings,
  listed,
  resourceOf,
  STATE_CODES,
  stateXml
} from './instance-state.js'

const iso = (ms: number) => new Date(ms).toISOString()

export function launchedInstanceXml(inst: Instance) {
  const l = inst.launch ?? {}
  const out: Record<string, unknown> = {
    instanceId: inst.instanceId,
    imageId: inst.imageId ?? 'ami-00000000',
    instanceState: stateXml(inst.state),
    privateDnsName: l.privateIpAddress
      ? `ip-${l.privateIpAddress.replace(/\./g, '-')}.ec2.internal`
      : '',
    dnsName: '',
    reason: l.stateTransitionReason ?? '',
    ...(l.keyName ? { keyName: l.keyName } : {}),
    amiLaunchIndex: 0,
    productCodes: [],
    instanceType: inst.instanceType,
    launchTime: iso(inst.launchTime),
    placement: {
      availabilityZone: l.availabilityZone ?? `${inst.region}a`,
      groupName: '',
      tenancy: 'default'
    },
    ...(l.platform === 'windows' ? { platform: 'windows' } : {}),
    monitoring: { state: 'disabled' },
    ...(inst.subnetId && inst.state !== 'terminated' ? { subnetId: inst.subnetId } : {}),
    ...(l.vpcId && inst.state !== 'terminated' ? { vpcId: l.vpcId } : {}),
    ...(l.privateIpAddress && inst.state !== 'terminated'
      ? { privateIpAddress: l.privateIpAddress }
      : {}),
    sourceDestCheck: true,
    groupSet: (l.securityGroups ?? []).map((g) => ({ groupId: g.groupId, groupName: g.groupName })),
    ...(l.stateReason ? { stateReason: l.stateReason } : {}),
    architecture: l.architecture ?? 'x86_64',
    rootDeviceType: 'ebs',
    rootDeviceName: inst.volumes[0]?.deviceName ?? '/dev/xvda',
    blockDeviceMapping:
      inst.state === 'terminated'
        ? []
        : inst.volumes.map((v, i) => ({
            deviceName: v.deviceName ?? deviceName(i),
            ebs: {
              volumeId: `vol-${inst.instanceId.slice(2)}${i}`,
              status: 'attached',
              attachTime: iso(inst.launchTime),
              deleteOnTermination: true
            }
          })),
    virtualizationType: 'hvm',
    ...(l.clientToken ? { clientToken: l.clientToken } : {}),
    ...(inst.tags.length ? { tagSet: tagSet(inst.tags) } : {}),
    hypervisor: 'xen',
    ...(l.iamInstanceProfile ? { iamInstanceProfile: l.iamInstanceProfile } : {}),
    ebsOptimized: false,
    enaSupport: true,
    ...(l.bootMode ? { bootMode: l.bootMode, currentInstanceBootMode: l.bootMode } : {}),
    platformDetails: l.platformDetails ?? 'Linux/UNIX',
    usageOperation: 'RunInstances'
  }
  return out
}

const INSTANCE_FILTERS: Record<string, (i: Instance) => string[]> = {
  'instance-id': (i) => [i.instanceId],
  'image-id': (i) => (i.imageId ? [i.imageId] : []),
  'instance-state-name': (i) => [i.state],
  'instance-state-code': (i) => [String(STATE_CODES[i.state])],
  'instance-type': (i) => [i.instanceType],
  'subnet-id': (i) => (i.subnetId ? [i.subnetId] : []),
  'vpc-id': (i) => (i.launch?.vpcId ? [i.launch.vpcId] : []),
  'availability-zone': (i) => [i.launch?.availabilityZone ?? `${i.region}a`],
  architecture: (i) => [i.launch?.architecture ?? 'x86_64'],
  'client-token': (i) => (i.launch?.clientToken ? [i.launch.clientToken] : []),
  'reservation-id': (i) => (i.launch?.reservationId ? [i.launch.reservationId] : []),
  'iam-instance-profile.arn': (i) =>
    i.launch?.iamInstanceProfile ? [i.launch.iamInstanceProfile.arn] : [],
  'instance.group-id': (i) => (i.launch?.securityGroups ?? []).map((g) => g.groupId),
  'state-reason-code': (i) => (i.launch?.stateReason ? [i.launch.stateReason.code] : []),
  'tag-key': (i) => i.tags.map((t) => t.key)
}

function instanceMatches(i: Instance, f: { name: string; values: string[] }): boolean {
  const values = f.name.startsWith('tag:')
    ? i.tags.filter((t) => t.key === f.name.slice(4)).map((t) => t.value)
    : INSTANCE_FILTERS[f.name](i)
  return f.values.some((p) => values.some((v) => globMatch(p, v)))
}

function checkFilterNames(fs: { name: string }[], known: Record<string, unknown>): void {
  for (const f of fs)
    if (!f.name.startsWith('tag:') && !known[f.name])
      throw new AwsError('InvalidParameterValue', `The filter '${f.name}' is invalid`)
}

const reservationIdOf = (i: Instance) => i.launch?.reservationId ?? `r-${i.instanceId.slice(2)}`

// API reference: DescribeInstances (InstanceId.N, Filter.N incl. tag:, instance-state-name;
// MaxResults 5-1000 with NextToken, not together with InstanceIds).
export function describeInstances(sim: Sim, caller: Caller, params: Params) {
  const s = ec2State(sim)
  const now = sim.clock.now()
  const ids = list(params, 'InstanceId')
  if (ids.length && str(params, 'MaxResults') !== undefined) {
    throw new AwsError(
      'InvalidParameterCombination',
      'The parameter instancesSet cannot be used with the parameter maxResults'
    )
  }
  const fs = filters(params)
  checkFilterNames(fs, INSTANCE_FILTERS)
  const candidates = ids.length
    ? callerInstances(sim, caller, ids)
    : Object.values(s.instances).filter(
        (i) => i.accountId === caller.accountId && i.region === caller.region && listed(sim, i, now)
      )
  const selected = candidates.filter((i) => fs.every((f) => instanceMatches(i, f)))
  dryRunGate(params)
  const { page, nextToken } = paginate('DescribeInstances', selected, params, { min: 5, max: 1000 })
  // One reservation per RunInstances call, in first-seen order.
  const reservations = new Map<string, Instance[]>()
  for (const i of page)
    reservations.set(reservationIdOf(i), [...(reservations.get(reservationIdOf(i)) ?? []), i])
  return {
    reservationSet: [...reservations].map(([reservationId, instances]) => ({
      reservationId,
      ownerId: caller.accountId,
      groupSet: [],
      instancesSet: instances.map(launchedInstanceXml)
    })),
    ...(nextToken ? { nextToken } : {})
  }
}

/** An image launchable by the caller, or the error EC2 gives (API reference: RunInstances; EC2 error codes). */
function launchableImage(sim: Sim, caller: Caller, imageId: string): Image {
  const img = visibleImage(sim, caller, imageId)
  // Disabled AMIs (DisableImage) cannot be launched; read defensively, DisableImage lives elsewhere.
  const disabled =
    (img as { disabled?: boolean }).disabled === true || (img.state as string) === 'disabled'
  if (disabled && img.ownerId !== caller.accountId) throw imageNotFound(imageId)
  if (img.state !== 'available' || disabled) {
    throw new AwsError(
      'InvalidAMIID.Unavailable',
      `The image ID '${imageId}' is not available: the specified AMI has been deregistered or is in an invalid state.`
    )
  }
  return img
}

function checkArchitecture(sim: Sim, img: Image, typeName: string): { bootMode?: string } {
  const type = instanceType(sim, typeName)
  if (!type) {
    throw new AwsError('InvalidParameterValue', `Invalid value '${typeName}' for InstanceType.`)
  }
  // Real message of RunInstances when the AMI's architecture and the type's do not match.
  if (!type.architectures.includes(img.architecture)) {
    throw new AwsError(
      'InvalidParameterValue',
      `The architecture '${type.architectures.filter((a) => a !== 'i386').join(', ')}' of the specified instance type does not match the architecture '${img.architecture}' of the specified AMI. ` +
        "Specify an instance type and an AMI that have matching architectures, and try again. You can use 'describe-instance-types' or 'describe-images' to discover the architecture of the instance type or AMI."
    )
  }
  // User guide "Boot modes": uefi / legacy-bios AMIs need a type that supports that mode;
  // uefi-preferred and unset fall back to the type's default (Graviton: uefi, x86: legacy-bios).
  const mode = img.bootMode
  if ((mode === 'uefi' || mode === 'legacy-bios') && !type.bootModes.includes(mode)) {
    throw new AwsError(
      'InvalidParameterCombination',
      `The instance type '${typeName}' does not support the boot mode '${mode}' of AMI '${img.imageId}'. Supported boot modes: ${type.bootModes.join(', ')}.`
    )
  }
  if (mode === 'uefi' || mode === 'legacy-bios') return { bootMode: mode }
  if (mode === 'uefi-preferred' && type.bootModes.includes('uefi')) return { bootMode: 'uefi' }
  return {
    bootMode:
      type.bootModes.includes('legacy-bios') && !type.architectures.includes('arm64')
        ? 'legacy-bios'
        : 'uefi'
  }
}

/** The image's encrypted snapshots whose key the launching account cannot use. */
function unusableKey(sim: Sim, img: Image, accountId: string): string | undefined {
  return img.blockDevices.find(
    (d) => d.encrypted && d.kmsKeyId && !canUseKeyForEbs(sim, accountId, d.kmsKeyId)
  )?.kmsKeyId
}

function resolveProfile(
  sim: Sim,
  caller: Caller,
  params: Params,
  fromTemplate?: { arn?: string; name?: string }
) {
  const arn = str(params, 'IamInstanceProfile.Arn') ?? fromTemplate?.arn
  const name = str(params, 'IamInstanceProfile.Name') ?? fromTemplate?.name
  if (!arn && !name) return undefined
  const profile = instancesState(sim).profiles.find(
    (p) => p.accountId === caller.accountId && (arn ? p.arn === arn : p.name === name)
  )
  // Real RunInstances answer for a profile that does not exist.
  if (!profile) {
    throw new AwsError(
      'InvalidParameterValue',
      arn
        ? `Value (${arn}) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN`
        : `Value (${name}) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name`
    )
  }
  // Launching with a profile passes its role: iam:PassRole is authorised too (user guide: "IAM roles for Amazon EC2").
  if (
    !isAllowed(sim.settings.iam as IamSettings | undefined, caller.accountId, 'iam', 'PassRole')
  ) {
    const role = `arn:aws:iam::${caller.accountId}:role/${profile.name}`
    throw new AwsError(
      'UnauthorizedOperation',
      `You are not authorized to perform this operation. User: ${principalOf(sim, caller).arn} is not authorized to perform: iam:PassRole on resource: ${role} because no identity-based policy allows the iam:PassRole action`,
      403
    )
  }
  return profile
}

function fingerprintOf(params: Params): string {
  const rest = Object.entries(params).filter(([k]) => !['ClientToken', 'DryRun'].includes(k))
  return JSON.stringify(rest.sort())
}

function privateIp(subnetCidr: string, n: number): string {
  const [a, b, c] = subnetCidr.split('/')[0].split('.')
  return `${a}.${b}.${Number(c) + ((n >> 8) & 15)}.${n & 255 || 10}`
}

function reservationXml(sim: Sim, caller: Caller, reservationId: string, ids: string[]) {
  const s = ec2State(sim)
  const instances = ids.map((id) => s.instances[id]).filter((i): i is Instance => !!i)
  return {
    reservationId,
    ownerId: caller.accountId,
    groupSet: [],
    instancesSet: instances.map(launchedInstanceXml)
  }
}

// API reference: RunInstances (ImageId, InstanceType, MinCount/MaxCount, SubnetId, SecurityGroupId.N,
// IamInstanceProfile, TagSpecification.N, ClientToken, LaunchTemplate, DisableApiTermination).
export function runInstances(sim: Sim, caller: Caller, params: Params) {
  const s = ec2State(sim)
  const now = sim.clock.now()
  const t = instanceTimings(sim)
  const min = int(params, 'MinCount')
  const max = int(params, 'MaxCount')
  if (min === undefined)
    throw new AwsError('MissingParameter', 'The request must contain the parameter MinCount')
  if (max === undefined)
    throw new AwsError('MissingParameter', 'The request must contain the parameter MaxCount')
  if (min < 1 || max < min) {
    throw new AwsError(
      'InvalidParameterValue',
      `Value (${min}) for parameter minCount is invalid. minCount must be between 1 and maxCount (${max}).`
    )
  }
  const token = str(params, 'ClientToken')
  // API reference: RunInstances ClientToken, "Constraints: Maximum 64 ASCII characters".
  if (token !== undefined && token.length > 64) {
    throw new AwsError(
      'InvalidParameterValue',
      `Value (${token}) for parameter clientToken is invalid. Length exceeds 64 characters.`
    )
  }
  const tokenKey = token ? `${caller.accountId}/${caller.region}/${token}` : undefined
  const prior = tokenKey ? instancesState(sim).tokens[tokenKey] : undefined
  // API reference: "Ensuring idempotency": same token and parameters → the same reservation.
  if (prior) {
    if (prior.fingerprint !== fingerprintOf(params)) {
      throw new AwsError(
        'IdempotentParameterMismatch',
        `The client token ${token} was already used with different parameters.`
      )
    }
    dryRunGate(params)
    return reservationXml(sim, caller, prior.reservationId, prior.instanceIds)
  }

  const template = resolveLaunchTemplateData(sim, caller, params)
  const rawImageId = str(params, 'ImageId') ?? template?.data.imageId
  if (!rawImageId)
    throw new AwsError('MissingParameter', 'The request must contain the parameter ImageId')
  const imageId = resolveImageAlias(sim, caller, rawImageId)
  const typeName = str(params, 'InstanceType') ?? template?.data.instanceType ?? 'm1.small'
  const img = launchableImage(sim, caller, imageId)
  const { bootMode } = checkArchitecture(sim, img, typeName)
  const subnet = launchSubnet(
    sim,
    caller,
    str(params, 'SubnetId') ?? str(params, 'NetworkInterface.1.SubnetId')
  )
  const groupIds = [
    ...list(params, 'SecurityGroupId'),
    ...list(params, 'NetworkInterface.1.SecurityGroupId')
  ]
  const groups = launchSecurityGroups(
    sim,
    caller,
    subnet,
    groupIds.length ? groupIds : (template?.data.securityGroupIds ?? []),
    list(params, 'SecurityGroup')
  )
  const profile = resolveProfile(sim, caller, params, template?.data.iamInstanceProfile)
  const specs = tagSpecifications(params, [
    'instance',
    'volume',
    'network-interface',
    'spot-instances-request'
  ])
  // aws:RequestTag conditions see the tags the instance is created with.
  checkRequestTags(
    sim,
    caller,
    'ec2:RunInstances',
    specs.filter((sp) => sp.resourceType === 'instance').flatMap((sp) => sp.tags),
    `arn:aws:ec2:${caller.region}:${caller.accountId}:instance/*`
  )
  const count = Math.min(max, t.maxPerLaunch)
  if (min > t.maxPerLaunch) {
    throw new AwsError(
      'InstanceLimitExceeded',
      `You have requested more instances (${min}) than your current instance limit of ${t.maxPerLaunch} allows for the specified instance type.`
    )
  }
  dryRunGate(params)

  let tags: Tag[] = specs
    .filter((sp) => sp.resourceType === 'instance')
    .reduce<Tag[]>((acc, sp) => mergeTags(acc, sp.tags), [])
  if (template) {
    // EC2 tags instances launched from a template with its ID and version.
    tags = mergeTags(tags, [
      { key: 'aws:ec2launchtemplate:id', value: template.launchTemplateId },
      { key: 'aws:ec2launchtemplate:version', value: String(template.versionNumber) }
    ])
  }
  const keyArn = unusableKey(sim, img, caller.accountId)
  const failure: StateReason | undefined = keyArn
    ? {
        code: 'Client.InvalidKMSKey.InvalidState',
        message: 'Client.InvalidKMSKey.InvalidState: The KMS key provided is in an incorrect state'
      }
    : undefined
  const behaviour: ImageBehaviour | undefined = img.behaviour
  const reservationId = sim.newId('r')
  const ids: string[] = []
  for (let n = 0; n < count; n++) {
    const instanceId = sim.newId('i')
    ids.push(instanceId)
    s.instances[instanceId] = {
      instanceId,
      accountId: caller.accountId,
      region: caller.region,
      imageId: img.imageId,
      instanceType: typeName,
      state: 'pending',
      launchTime: now,
      volumes: img.blockDevices.map((d) => ({
        sizeGiB: d.volumeSize,
        encrypted: d.encrypted,
        kmsKeyId: d.kmsKeyId,
        deviceName: d.deviceName,
        volumeType: d.volumeType
      })),
      tags: tags.map((x) => ({ ...x })),
      subnetId: subnet.subnetId,
      behaviour,
      launch: {
        reservationId,
        runningAt: now + t.bootMs,
        failure,
        visibleAt: now + t.notFoundWindowMs,
        vpcId: subnet.vpcId,
        availabilityZone: subnet.availabilityZone,
        securityGroups: groups.map((g) => ({ groupId: g.groupId, groupName: g.groupName })),
        ...(profile ? { iamInstanceProfile: { arn: profile.arn, id: profile.id } } : {}),
        architecture: img.architecture,
        platform: platformOf(behaviour, img.platformDetails),
        platformDetails: img.platformDetails,
        bootMode,
        keyName: str(params, 'KeyName') ?? template?.data.keyName,
        privateIpAddress: privateIp(subnet.cidrBlock, Object.keys(s.instances).length + 10),
        clientToken: token,
        disableApiTermination: bool(params, 'DisableApiTermination') ?? false,
        ...(template
          ? {
              launchTemplate: {
                launchTemplateId: template.launchTemplateId,
                version: String(template.versionNumber)
              }
            }
          : {})
      }
    }
  }
  // DescribeImageAttribute lastLaunchedTime: the image was launched (by any account).
  img.lastLaunchedTime = now
  if (tokenKey)
    instancesState(sim).tokens[tokenKey] = {
      fingerprint: fingerprintOf(params),
      reservationId,
      instanceIds: ids
    }
  return reservationXml(sim, caller, reservationId, ids)
}

// API reference: TerminateInstances (InstancesSet with currentState / previousState).
export function terminateInstances(sim: Sim, caller: Caller, params: Params) {
  const ids = list(params, 'InstanceId')
  if (!ids.length)
    throw new AwsError('MissingParameter', 'The request must contain the parameter InstanceId')
  const instances = callerInstances(sim, caller, ids)
  for (const i of instances) {
    if (i.launch?.disableApiTermination && i.state !== 'terminated') {
      throw new AwsError(
        'OperationNotPermitted',
        `The instance '${i.instanceId}' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.`
      )
    }
  }
  checkResourceTags(sim, caller, 'ec2:TerminateInstances', instances.map(resourceOf))
  dryRunGate(params)
  const now = sim.clock.now()
  const t = instanceTimings(sim)
  const at = new Date(now).toISOString().replace('T', ' ').slice(0, 19)
  return {
    instancesSet: instances.map((i) => {
      const previous = i.state
      if (previous !== 'terminated' && previous !== 'shutting-down') {
        const l = (i.launch ??= {})
        i.state = 'shutting-down'
        l.shutdownAt = now
        l.terminateAt = now + (previous === 'stopped' ? 0 : t.terminateMs)
        l.stateReason = {
          code: 'Client.UserInitiatedShutdown',
          message: 'Client.UserInitiatedShutdown: User initiated shutdown'
        }
        l.stateTransitionReason = `User initiated (${at} GMT)`
      }
      return {
        instanceId: i.instanceId,
        currentState: stateXml(i.state),
        previousState: stateXml(previous)
      }
    })
  }
}
