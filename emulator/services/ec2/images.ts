// DescribeImages, CreateImage and CopyImage.
// Follows: EC2 API Reference CreateImage, CopyImage, DescribeImages.
import { AwsError, type Caller, type Sim } from '../../types.js'
import { awsManagedEbsKey } from '../../kms-keys.js'
import {
  bool,
  filters,
  globMatch,
  list,
  paginate,
  required,
  str,
  tagSpecifications,
  type Filter,
  type Params,
  type Tag,
  type TagSpec
} from './params.js'
import {
  canSeeImage,
  dryRunGate,
  imageNotFound,
  isPublic,
  checkImageIdFormat,
  sharedWith,
  visibleImage
} from './access.js'
import { deviceName, imageXml } from './render.js'
import { ec2State, timings, type Ec2State, type Image, type Snapshot } from './state.js'
import { copySlowdown, imageFailure } from './faults.js'
import { mergeTags } from './tags.js'
import { defaultKmsKeyArn, ebsDefaults } from './ebs-defaults.js'
import { includeDisabled } from './image-state.js'

const IMAGE_FILTERS: Record<string, (img: Image, caller: Caller) => string[]> = {
  name: (i) => [i.name],
  'image-id': (i) => [i.imageId],
  state: (i) => [i.state],
  'owner-id': (i) => [i.ownerId],
  'owner-alias': (i) => (i.ownerAlias ? [i.ownerAlias] : []),
  'is-public': (i) => [String(isPublic(i))],
  description: (i) => (i.description !== undefined ? [i.description] : []),
  architecture: (i) => [i.architecture],
  'image-type': () => ['machine'],
  'root-device-type': () => ['ebs'],
  'source-image-id': (i) => (i.sourceImageId ? [i.sourceImageId] : []),
  'source-instance-id': (i) => (i.sourceInstanceId ? [i.sourceInstanceId] : []),
  'block-device-mapping.snapshot-id': (i) => i.blockDevices.map((d) => d.snapshotId),
  'block-device-mapping.encrypted': (i) => i.blockDevices.map((d) => String(d.encrypted)),
  'tag-key': (i, c) => visibleTags(i, c).map((t) => t.key)
}

/** Tags of a shared AMI are not visible to other accounts. */
function visibleTags(img: Image, caller: Caller): Tag[] {
  return img.ownerId === caller.accountId ? img.tags : []
}

function matchesFilter(img: Image, f: Filter, caller: Caller): boolean {
  let values: string[]
  if (f.name.startsWith('tag:')) {
    const key = f.name.slice(4)
    values = visibleTags(img, caller)
      .filter((t) => t.key === key)
      .map((t) => t.value)
  } else {
    const get = IMAGE_FILTERS[f.name]
    if (!get) throw new AwsError('InvalidParameterValue', `The filter '${f.name}' is invalid`)
    values = get(img, caller)
  }
  return f.values.some((pattern) => values.some((v) => globMatch(pattern, v)))
}

function ownerMatches(img: Image, owner: string, caller: Caller): boolean {
  if (owner === 'self') return img.ownerId === caller.accountId
  if (/^\d{12}$/.test(owner)) return img.ownerId === owner
  return img.ownerAlias === owner
}

/**
 * ExecutableUsers as documented: `self` (or the caller's own ID) means shared with the caller by
 * account, organization or OU; another account ID means shared with that account ID only; `all` means public.
 */
function executableBy(s: Ec2State, img: Image, user: string, caller: Caller): boolean {
  if (user === 'all') return isPublic(img)
  if (user === 'self' || user === caller.accountId) return sharedWith(s, img, caller.accountId)
  return img.launchPermissions.some((p) => p.userId === user)
}

export function describeImages(sim: Sim, caller: Caller, params: Params) {
  const s = ec2State(sim)
  const now = sim.clock.now()
  const ids = list(params, 'ImageId')
  const owners = list(params, 'Owner')
  const users = list(params, 'ExecutableBy')
  const fs = filters(params)
  const includeDeprecated = bool(params, 'IncludeDeprecated') ?? false
  // DescribeImages IncludeDisabled: disabled AMIs are left out unless asked for, for the owner too.
  const withDisabled = includeDisabled(params)
  if (ids.length && str(params, 'MaxResults') !== undefined) {
    throw new AwsError(
      'InvalidParameterCombination',
      'The parameter imageIdsSet cannot be used with the parameter maxResults'
    )
  }
  for (const f of fs)
    if (!f.name.startsWith('tag:') && !IMAGE_FILTERS[f.name]) {
      throw new AwsError('InvalidParameterValue', `The filter '${f.name}' is invalid`)
    }

  let candidates: Image[]
  if (ids.length) {
    ids.forEach(checkImageIdFormat)
    const missing = ids.filter((id) => !s.images[id] || !canSeeImage(s, s.images[id], caller, now))
    if (missing.length === 1) throw imageNotFound(missing[0])
    if (missing.length > 1) {
      throw new AwsError(
        'InvalidAMIID.NotFound',
        `The image ids '[${missing.join(', ')}]' do not exist`
      )
    }
    candidates = [...new Set(ids)].map((id) => s.images[id])
  } else {
    candidates = Object.values(s.images).filter(
      (img) =>
        canSeeImage(s, img, caller, now) &&
        // Deprecated AMIs are hidden unless asked for, except from their owner.
        (includeDeprecated ||
          img.ownerId === caller.accountId ||
          img.deprecationTime === undefined ||
          img.deprecationTime > now)
    )
  }
  const selected = candidates
    .filter((img) => withDisabled || img.state !== 'disabled')
    .filter((img) => !owners.length || owners.some((o) => ownerMatches(img, o, caller)))
    .filter((img) => !users.length || users.some((u) => executableBy(s, img, u, caller)))
    .filter((img) => fs.every((f) => matchesFilter(img, f, caller)))
    .sort((a, b) => a.creationDate - b.creationDate || a.imageId.localeCompare(b.imageId))
  const { page, nextToken } = paginate('DescribeImages', selected, params, { min: 1, max: 1000 })
  return {
    imagesSet: page.map((img) => imageXml(img, caller.accountId)),
    ...(nextToken ? { nextToken } : {})
  }
}

const NAME_RE = /^[a-zA-Z0-9()[\] ./\-'@_]{3,128}$/

export function validateImageName(s: Ec2State, caller: Caller, name: string): void {
  if (!NAME_RE.test(name)) {
    throw new AwsError(
      'InvalidAMIName.Malformed',
      `AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/' and '_'`
    )
  }
  const clash = Object.values(s.images).find(
    (i) => i.ownerId === caller.accountId && i.region === caller.region && i.name === name
  )
  if (clash) {
    throw new AwsError(
      'InvalidAMIName.Duplicate',
      `AMI name ${name} is already in use by AMI ${clash.imageId}`
    )
  }
}

/** Same ClientToken: the same answer; same token with other parameters: IdempotentParameterMismatch. */
function idempotent(
  s: Ec2State,
  caller: Caller,
  action: string,
  params: Params
): { key?: string; fingerprint: string; imageId?: string } {
  const token = str(params, 'ClientToken')
  const rest = Object.fromEntries(
    Object.entries(params).filter(
      ([k]) => k !== 'ClientToken' && k !== 'DryRun' && k !== 'Action' && k !== 'Version'
    )
  )
  const fingerprint = JSON.stringify(Object.entries(rest).sort())
  if (!token) return { fingerprint }
  const key = `${caller.accountId}/${caller.region}/${action}/${token}`
  const prior = s.clientTokens[key]
  if (prior && prior.fingerprint !== fingerprint) {
    throw new AwsError(
      'IdempotentParameterMismatch',
      `Client token ${token} was already used with different parameters.`
    )
  }
  return { key, fingerprint, imageId: prior?.imageId }
}

function tagsFor(specs: TagSpec[], type: string): Tag[] {
  return specs
    .filter((sp) => sp.resourceType === type)
    .reduce<Tag[]>((acc, sp) => mergeTags(acc, sp.tags), [])
}

export interface CreateImageInput {
  instanceId: string
  name: string
  description?: string
  noReboot?: boolean
  tagSpecs?: TagSpec[]
}

/** CreateImage's effect, shared with SSM's aws:createImage step. Validates, then creates. */
export function createImageFromInstance(
  sim: Sim,
  caller: Caller,
  input: CreateImageInput,
  dryRun = false
): Image {
  const s = ec2State(sim)
  const inst = s.instances[input.instanceId]
  if (!/^i-[0-9a-f]{8,17}$/.test(input.instanceId)) {
    throw new AwsError(
      'InvalidInstanceID.Malformed',
      `Invalid id: "${input.instanceId}" (expecting "i-...")`
    )
  }
  if (
    !inst ||
    inst.accountId !== caller.accountId ||
    inst.region !== caller.region ||
    inst.state === 'terminated'
  ) {
    throw new AwsError(
      'InvalidInstanceID.NotFound',
      `The instance ID '${input.instanceId}' does not exist`
    )
  }
  validateImageName(s, caller, input.name)
  if (dryRun) dryRunGate({ DryRun: 'true' })

  const now = sim.clock.now()
  const t = timings(sim)
  const totalGiB = inst.volumes.reduce((n, v) => n + v.sizeGiB, 0)
  const duration =
    t.createImageBaseMs + totalGiB * t.createImageMsPerGiB + (input.noReboot ? 0 : t.rebootMs)
  const specs = input.tagSpecs ?? []
  const imageId = sim.newId('ami')
  const blockDevices = inst.volumes.map((v, i) => {
    const snap: Snapshot = {
      snapshotId: sim.newId('snap'),
      ownerId: caller.accountId,
      region: caller.region,
      volumeId: `vol-${inst.instanceId.slice(2)}${i}`,
      volumeSize: v.sizeGiB,
      encrypted: v.encrypted ?? false,
      kmsKeyId: v.encrypted
        ? (v.kmsKeyId ?? awsManagedEbsKey(caller.accountId, caller.region).arn)
        : undefined,
      description: `Created by CreateImage(${inst.instanceId}) for ${imageId}`,
      state: 'pending',
      startTime: now,
      readyAt: now + duration,
      isCopy: false,
      tags: tagsFor(specs, 'snapshot'),
      createVolumePermissions: []
    }
    s.snapshots[snap.snapshotId] = snap
    return {
      deviceName: v.deviceName ?? deviceName(i),
      snapshotId: snap.snapshotId,
      volumeSize: v.sizeGiB,
      encrypted: snap.encrypted,
      kmsKeyId: snap.kmsKeyId,
      volumeType: v.volumeType ?? 'gp3'
    }
  })
  const source = inst.imageId ? s.images[inst.imageId] : undefined
  const img: Image = {
    imageId,
    ownerId: caller.accountId,
    region: caller.region,
    name: input.name,
    description: input.description,
    state: 'pending',
    creationDate: now,
    readyAt: now + duration,
    visibleAt: now + t.notFoundWindowMs,
    failure: imageFailure(
      sim,
      'failCreateImage',
      { accountId: caller.accountId, region: caller.region, name: input.name },
      {
        code: 'Server.InternalError',
        message: 'Server.InternalError: Internal error on snapshot creation'
      }
    ),
    blockDevices,
    rootDeviceName: blockDevices[0]?.deviceName ?? '/dev/xvda',
    architecture: source?.architecture ?? 'x86_64',
    platformDetails: source?.platformDetails ?? 'Linux/UNIX',
    tags: tagsFor(specs, 'image'),
    launchPermissions: [],
    sourceInstanceId: inst.instanceId,
    sourceImageId: inst.imageId,
    sourceImageRegion: inst.imageId ? caller.region : undefined,
    // What the instance did, its image does (behaviour.ts); boot mode as the source AMI's.
    behaviour: inst.behaviour ?? source?.behaviour,
    bootMode: source?.bootMode
  }
  s.images[imageId] = img
  return img
}

export function createImage(sim: Sim, caller: Caller, params: Params) {
  const s = ec2State(sim)
  const token = idempotent(s, caller, 'CreateImage', params)
  if (token.imageId) return { imageId: token.imageId }
  const img = createImageFromInstance(
    sim,
    caller,
    {
      instanceId: required(params, 'InstanceId'),
      name: required(params, 'Name'),
      description: str(params, 'Description'),
      noReboot: bool(params, 'NoReboot') ?? false,
      tagSpecs: tagSpecifications(params, ['image', 'snapshot'])
    },
    bool(params, 'DryRun') ?? false
  )
  if (token.key)
    s.clientTokens[token.key] = { fingerprint: token.fingerprint, imageId: img.imageId }
  return { imageId: img.imageId }
}

function canCreateVolume(snap: Snapshot, accountId: string): boolean {
  return (
    snap.ownerId === accountId ||
    snap.createVolumePermissions.some((p) => p.group === 'all' || p.userId === accountId)
  )
}

export function copyImage(sim: Sim, caller: Caller, params: Params) {
  const s = ec2State(sim)
  const sourceRegion = required(params, 'SourceRegion')
  const sourceImageId = required(params, 'SourceImageId')
  const name = required(params, 'Name')
  const token = idempotent(s, caller, 'CopyImage', params)
  if (token.imageId) return { imageId: token.imageId }

  const src = visibleImage(sim, caller, sourceImageId, sourceRegion)
  if (src.state !== 'available') {
    throw new AwsError(
      'IncorrectState',
      `The image '${sourceImageId}' is not in the 'available' state.`
    )
  }
  const srcSnaps = src.blockDevices
    .map((d) => s.snapshots[d.snapshotId])
    .filter((x): x is Snapshot => !!x)
  if (
    src.ownerId !== caller.accountId &&
    !srcSnaps.every((snap) => canCreateVolume(snap, caller.accountId))
  ) {
    throw new AwsError(
      'InvalidRequest',
      'You do not have permission to access the storage of this ami'
    )
  }
  const kmsKeyId = str(params, 'KmsKeyId')
  const encryptedParam = bool(params, 'Encrypted') ?? false
  if (kmsKeyId && !encryptedParam) {
    throw new AwsError(
      'InvalidParameterDependency',
      'The parameter KmsKeyId requires the parameter Encrypted to be set.'
    )
  }
  validateImageName(s, caller, name)
  const specs = tagSpecifications(params, ['image', 'snapshot'])
  const t = timings(sim)
  const inFlight = Object.values(s.snapshots).filter(
    (x) =>
      x.isCopy &&
      x.state === 'pending' &&
      x.region === caller.region &&
      x.ownerId === caller.accountId
  ).length
  // how-ami-copy-works: at most 300 concurrent AMI copies per destination Region, per account.
  const imageCopies = Object.values(s.images).filter(
    (i) =>
      i.state === 'pending' &&
      i.sourceImageId !== undefined &&
      i.sourceInstanceId === undefined &&
      i.region === caller.region &&
      i.ownerId === caller.accountId
  ).length
  if (imageCopies >= t.maxImageCopies) {
    throw new AwsError(
      'ResourceLimitExceeded',
      `You have reached the limit of ${t.maxImageCopies} concurrent AMI copies in region ${caller.region}.`
    )
  }
  // ebs-copy-snapshot: at most 20 concurrent snapshot copies per destination Region, per account.
  if (inFlight + src.blockDevices.length > t.maxSnapshotCopies) {
    throw new AwsError(
      'ResourceLimitExceeded',
      `You have reached the limit of ${t.maxSnapshotCopies} concurrent snapshot copies in region ${caller.region}. ` +
        `${inFlight} are in progress and this AMI has ${src.blockDevices.length}.`
    )
  }
  dryRunGate(params)

  const now = sim.clock.now()
  const slow = copySlowdown(sim, caller.region)
  const imageId = sim.newId('ami')
  const sameOwner = src.ownerId === caller.accountId
  let readyAt = now
  const defaults = ebsDefaults(sim, caller.accountId, caller.region)
  const defaultKey = defaults.kmsKeyId
    ? defaultKmsKeyArn(sim, caller.accountId, caller.region)
    : awsManagedEbsKey(caller.accountId, caller.region).arn
  const blockDevices = src.blockDevices.map((d) => {
    // CopyImage Encrypted: copies of encrypted snapshots stay encrypted; with EBS encryption by
    // default (GetEbsEncryptionByDefault) unencrypted ones are encrypted too.
    const encrypted = encryptedParam || d.encrypted || defaults.encryptionByDefault
    // CopyImage KmsKeyId: without it, the destination's default KMS key for EBS (GetEbsDefaultKmsKeyId).
    const key = !encrypted
      ? undefined
      : (kmsKeyId ??
        (d.kmsKeyId && sameOwner && sourceRegion === caller.region ? d.kmsKeyId : defaultKey))
    const duration = Math.round((t.copyBaseMs + d.volumeSize * t.copyMsPerGiB) * slow)
    readyAt = Math.max(readyAt, now + duration)
    const snap: Snapshot = {
      snapshotId: sim.newId('snap'),
      ownerId: caller.accountId,
      region: caller.region,
      volumeId: 'vol-ffffffff',
      volumeSize: d.volumeSize,
      encrypted,
      kmsKeyId: key,
      description: `Copied for DestinationAmi ${imageId} from SourceAmi ${sourceImageId} for SourceSnapshot ${d.snapshotId}.`,
      state: 'pending',
      startTime: now,
      readyAt: now + duration,
      isCopy: true,
      tags: tagsFor(specs, 'snapshot'),
      createVolumePermissions: []
    }
    s.snapshots[snap.snapshotId] = snap
    return { ...d, snapshotId: snap.snapshotId, encrypted, kmsKeyId: key }
  })
  const copiedTags = bool(params, 'CopyImageTags') && sameOwner ? src.tags : []
  const img: Image = {
    imageId,
    ownerId: caller.accountId,
    region: caller.region,
    name,
    description:
      str(params, 'Description') ??
      `[Copied ${sourceImageId} from ${sourceRegion}] ${src.description ?? src.name}`,
    state: 'pending',
    creationDate: now,
    readyAt,
    visibleAt: now + t.notFoundWindowMs,
    failure: imageFailure(
      sim,
      'failCopy',
      { accountId: caller.accountId, region: caller.region, name },
      {
        code: 'Server.InternalError',
        message: 'Server.InternalError: Internal error on snapshot copy'
      }
    ),
    blockDevices,
    rootDeviceName: src.rootDeviceName,
    architecture: src.architecture,
    platformDetails: src.platformDetails,
    tags: mergeTags(copiedTags, tagsFor(specs, 'image')),
    launchPermissions: [],
    sourceImageId,
    sourceImageRegion: sourceRegion,
    imdsSupport: src.imdsSupport,
    behaviour: src.behaviour,
    bootMode: src.bootMode
  }
  s.images[imageId] = img
  if (token.key) s.clientTokens[token.key] = { fingerprint: token.fingerprint, imageId }
  return { imageId }
}
