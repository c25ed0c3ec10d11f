// Launch permissions (ModifyImageAttribute / DescribeImageAttribute) and snapshot
// createVolumePermission (ModifySnapshotAttribute / DescribeSnapshotAttribute).
// Follows: EC2 API Reference ModifyImageAttribute, ModifySnapshotAttribute, DescribeImageAttribute.
import { AwsError, type Caller, type Sim } from '../../types.js'
import { isAwsManagedKey } from '../../kms-keys.js'
import { dryRunGate, isPublic, ownedImage, ownedSnapshot } from './access.js'
import { list, required, str, structs, type Params } from './params.js'
import { protectionText } from './render.js'
import { AMI_SHARING_QUOTA, appliedQuota, PUBLIC_AMIS_QUOTA } from '../servicequotas.js'
import {
  blockPublicAccessState,
  ec2State,
  type Image,
  type LaunchPermission,
  type VolumePermission
} from './state.js'

const ORG_ARN = /^arn:aws[a-z-]*:organizations::\d{12}:organization\/o-[a-z0-9]{10,32}$/
const OU_ARN =
  /^arn:aws[a-z-]*:organizations::\d{12}:ou\/o-[a-z0-9]{10,32}\/ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/

function badItem(value: string, type: string): AwsError {
  return new AwsError(
    'InvalidAMIAttributeItemValue',
    `Invalid attribute item value "${value}" for ${type} item type.`
  )
}

function validPermission(p: LaunchPermission): LaunchPermission {
  if (p.userId !== undefined && !/^\d{12}$/.test(p.userId)) throw badItem(p.userId, 'userId')
  if (p.group !== undefined && p.group !== 'all') throw badItem(p.group, 'group')
  if (p.organizationArn !== undefined && !ORG_ARN.test(p.organizationArn))
    throw badItem(p.organizationArn, 'organizationArn')
  if (p.organizationalUnitArn !== undefined && !OU_ARN.test(p.organizationalUnitArn)) {
    throw badItem(p.organizationalUnitArn, 'organizationalUnitArn')
  }
  return p
}

function permissionsAt(params: Params, prefix: string): LaunchPermission[] {
  return structs(params, prefix).map((x) =>
    validPermission({
      userId: str(x, 'UserId'),
      group: str(x, 'Group') as 'all' | undefined,
      organizationArn: str(x, 'OrganizationArn'),
      organizationalUnitArn: str(x, 'OrganizationalUnitArn')
    })
  )
}

/** Both request forms: LaunchPermission.Add/Remove, and Attribute+OperationType with UserId.N etc. */
/**
 * The older form (UserId.N / UserGroup.N with OperationType) adds to or removes from the same
 * lists as the Add/Remove structures; without OperationType AWS refuses the request.
 */
function applyLegacyOperation<P>(params: Params, legacy: P[], add: P[], remove: P[]): void {
  if (!legacy.length) return
  const op = str(params, 'OperationType')
  if (op === 'add') add.push(...legacy)
  else if (op === 'remove') remove.push(...legacy)
  else
    throw new AwsError('MissingParameter', 'The request must contain the parameter operationType')
}

function launchPermissionChanges(params: Params): {
  add: LaunchPermission[]
  remove: LaunchPermission[]
} {
  const add = permissionsAt(params, 'LaunchPermission.Add')
  const remove = permissionsAt(params, 'LaunchPermission.Remove')
  const legacy: LaunchPermission[] = [
    ...list(params, 'UserId').map((userId) => ({ userId })),
    ...list(params, 'UserGroup').map((group) => ({ group: group as 'all' })),
    ...list(params, 'OrganizationArn').map((organizationArn) => ({ organizationArn })),
    ...list(params, 'OrganizationalUnitArn').map((organizationalUnitArn) => ({
      organizationalUnitArn
    }))
  ].map(validPermission)
  applyLegacyOperation(params, legacy, add, remove)
  return { add, remove }
}

const samePermission = (a: LaunchPermission, b: LaunchPermission) =>
  a.userId === b.userId &&
  a.group === b.group &&
  a.organizationArn === b.organizationArn &&
  a.organizationalUnitArn === b.organizationalUnitArn

function usesAwsManagedKey(img: Image): boolean {
  return img.blockDevices.some((d) => d.encrypted && (!d.kmsKeyId || isAwsManagedKey(d.kmsKeyId)))
}

export function modifyImageAttribute(sim: Sim, caller: Caller, params: Params) {
  const s = ec2State(sim)
  const img = ownedImage(sim, caller, required(params, 'ImageId'))
  const attribute = str(params, 'Attribute')
  const description =
    str(params, 'Description.Value') ??
    (attribute === 'description' ? str(params, 'Value') : undefined)
  const imds =
    str(params, 'ImdsSupport.Value') ??
    (attribute === 'imdsSupport' ? str(params, 'Value') : undefined)
  const { add, remove } = launchPermissionChanges(params)
  if (!add.length && !remove.length && description === undefined && imds === undefined) {
    throw new AwsError(
      'MissingParameter',
      'The request must contain the parameter attribute or a value to modify'
    )
  }
  if (imds !== undefined && imds !== 'v2.0') {
    throw new AwsError(
      'InvalidParameterValue',
      `Value (${imds}) for parameter ImdsSupport is invalid.`
    )
  }
  if (add.length && img.state === 'disabled') {
    // DisableImage: a disabled AMI can't be shared.
    throw new AwsError(
      'InvalidParameter',
      `The image ${img.imageId} is disabled and cannot be shared.`
    )
  }
  if (add.length && usesAwsManagedKey(img)) {
    throw new AwsError(
      'InvalidParameter',
      'Snapshots encrypted with the AWS Managed CMK can’t be shared. Specify another snapshot.'
    )
  }
  if (add.some((p) => p.group === 'all') && !isPublic(img)) {
    if (img.blockDevices.some((d) => d.encrypted)) {
      throw new AwsError('InvalidParameter', 'Encrypted AMIs cannot be made public.')
    }
    if (blockPublicAccessState(s, img.ownerId, img.region) === 'block-new-sharing') {
      throw new AwsError(
        'OperationNotPermitted',
        'You can’t publicly share this image because block public access for AMIs is enabled for this account. ' +
          'To publicly share the image, you must call the DisableImageBlockPublicAccess API.'
      )
    }
    // ami-quotas: "Public AMIs", 5 per Region by default, adjustable (Service Quotas L-0E3CBAB9).
    const maxPublic = appliedQuota(sim, img.ownerId, img.region, PUBLIC_AMIS_QUOTA)
    const publicCount = Object.values(s.images).filter(
      (i) => i.ownerId === img.ownerId && i.region === img.region && isPublic(i)
    ).length
    if (publicCount >= maxPublic) {
      throw new AwsError(
        'ResourceLimitExceeded',
        `You have reached your quota of ${maxPublic} public images for this Region. ` +
          'To make this image public, you must first make one of your other public images private.'
      )
    }
  }
  const next = img.launchPermissions.filter((p) => !remove.some((r) => samePermission(p, r)))
  for (const p of add) if (!next.some((q) => samePermission(p, q))) next.push(p)
  const entities = next.filter((p) => p.group === undefined).length
  // ami-quotas: "AMI sharing", 1,000 entities per AMI per Region by default, adjustable (L-70015FFA).
  const maxEntities = appliedQuota(sim, img.ownerId, img.region, AMI_SHARING_QUOTA)
  if (entities > maxEntities) {
    throw new AwsError(
      'ResourceLimitExceeded',
      `An AMI can be shared with at most ${maxEntities} accounts, organizations and organizational units ` +
        `in a Region; this request would share it with ${entities}.`
    )
  }
  dryRunGate(params)
  img.launchPermissions = next.map((p) =>
    Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined))
  )
  if (description !== undefined) img.description = description
  if (imds !== undefined) img.imdsSupport = imds
  return { return: true }
}

const IMAGE_ATTRIBUTES = [
  'description',
  'kernel',
  'ramdisk',
  'launchPermission',
  'productCodes',
  'blockDeviceMapping',
  'sriovNetSupport',
  'bootMode',
  'tpmSupport',
  'uefiData',
  'lastLaunchedTime',
  'imdsSupport',
  'deregistrationProtection'
]

export function describeImageAttribute(sim: Sim, caller: Caller, params: Params) {
  const img = ownedImage(sim, caller, required(params, 'ImageId'))
  const attribute = required(params, 'Attribute')
  if (!IMAGE_ATTRIBUTES.includes(attribute)) {
    throw new AwsError(
      'InvalidParameterValue',
      `Value (${attribute}) for parameter attribute is invalid. Unknown attribute.`
    )
  }
  dryRunGate(params)
  const out: Record<string, unknown> = { imageId: img.imageId }
  switch (attribute) {
    case 'launchPermission':
      out.launchPermission = img.launchPermissions
      break
    case 'description':
      out.description = img.description !== undefined ? { value: img.description } : {}
      break
    case 'blockDeviceMapping':
      out.blockDeviceMapping = img.blockDevices.map((d) => ({
        deviceName: d.deviceName,
        ebs: {
          snapshotId: d.snapshotId,
          volumeSize: d.volumeSize,
          encrypted: d.encrypted,
          volumeType: d.volumeType
        }
      }))
      break
    case 'productCodes':
      out.productCodes = []
      break
    case 'imdsSupport':
      out.imdsSupport = img.imdsSupport ? { value: img.imdsSupport } : {}
      break
    case 'deregistrationProtection':
      out.deregistrationProtection = { value: protectionText(img) }
      break
    case 'lastLaunchedTime':
      out.lastLaunchedTime = img.lastLaunchedTime
        ? { value: new Date(img.lastLaunchedTime).toISOString() }
        : {}
      break
    case 'bootMode':
      out.bootMode = { value: 'uefi-preferred' }
      break
    case 'sriovNetSupport':
      out.sriovNetSupport = { value: 'simple' }
      break
    default:
      out[attribute] = {}
  }
  return out
}

const MAX_SNAPSHOT_MODIFICATIONS = 500

function volumePermissionsAt(params: Params, prefix: string): VolumePermission[] {
  return structs(params, prefix).map((x) => ({
    userId: str(x, 'UserId'),
    group: str(x, 'Group') as 'all' | undefined
  }))
}

export function modifySnapshotAttribute(sim: Sim, caller: Caller, params: Params) {
  const snap = ownedSnapshot(sim, caller, required(params, 'SnapshotId'))
  const attribute = str(params, 'Attribute') ?? 'createVolumePermission'
  if (attribute !== 'createVolumePermission') {
    throw new AwsError(
      'InvalidParameterValue',
      `Value (${attribute}) for parameter attribute is invalid.`
    )
  }
  const add = volumePermissionsAt(params, 'CreateVolumePermission.Add')
  const remove = volumePermissionsAt(params, 'CreateVolumePermission.Remove')
  const legacy: VolumePermission[] = [
    ...list(params, 'UserId').map((userId) => ({ userId })),
    ...list(params, 'UserGroup').map((group) => ({ group: group as 'all' }))
  ]
  applyLegacyOperation(params, legacy, add, remove)
  if (add.length && remove.length) {
    // ModifySnapshotAttribute: one call either adds or removes createVolumePermission, not both.
    throw new AwsError(
      'InvalidParameterCombination',
      'You can specify either Add or Remove for CreateVolumePermission, but not both.'
    )
  }
  if (add.length + remove.length > MAX_SNAPSHOT_MODIFICATIONS) {
    throw new AwsError(
      'InvalidParameterValue',
      `You can make up to ${MAX_SNAPSHOT_MODIFICATIONS} modifications to a snapshot in a single operation.`
    )
  }
  for (const p of [...add, ...remove]) {
    if (p.userId !== undefined && !/^\d{12}$/.test(p.userId)) {
      throw new AwsError(
        'InvalidParameterValue',
        `Value (${p.userId}) for parameter userId is invalid.`
      )
    }
    if (p.group !== undefined && p.group !== 'all') {
      throw new AwsError(
        'InvalidParameterValue',
        `Value (${p.group}) for parameter group is invalid.`
      )
    }
  }
  if (add.length && snap.encrypted && (!snap.kmsKeyId || isAwsManagedKey(snap.kmsKeyId))) {
    throw new AwsError(
      'OperationNotPermitted',
      'Encrypted snapshots with EBS default key cannot be shared'
    )
  }
  if (add.some((p) => p.group === 'all') && snap.encrypted) {
    throw new AwsError('OperationNotPermitted', 'Encrypted snapshots cannot be made public')
  }
  dryRunGate(params)
  const same = (a: VolumePermission, b: VolumePermission) =>
    a.userId === b.userId && a.group === b.group
  const next = snap.createVolumePermissions.filter((p) => !remove.some((r) => same(p, r)))
  for (const p of add) if (!next.some((q) => same(p, q))) next.push(p)
  snap.createVolumePermissions = next.map((p) =>
    p.group ? { group: p.group } : { userId: p.userId }
  )
  return { return: true }
}

export function describeSnapshotAttribute(sim: Sim, caller: Caller, params: Params) {
  const snap = ownedSnapshot(sim, caller, required(params, 'SnapshotId'))
  const attribute = required(params, 'Attribute')
  dryRunGate(params)
  if (attribute === 'createVolumePermission') {
    return { snapshotId: snap.snapshotId, createVolumePermission: snap.createVolumePermissions }
  }
  if (attribute === 'productCodes') return { snapshotId: snap.snapshotId, productCodes: [] }
  throw new AwsError(
    'InvalidParameterValue',
    `Value (${attribute}) for parameter attribute is invalid.`
  )
}
