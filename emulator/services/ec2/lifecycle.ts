// DeregisterImage, deprecation, deregistration protection, DescribeImageReferences.
// Follows: EC2 API Reference EnableImageDeprecation, EnableImageDeregistrationProtection, DeregisterImage.
import { isAllowed, type IamSettings } from '../../iam.js'
import { AwsError, type Caller, type Sim } from '../../types.js'
import { dryRunGate, imagesUsingSnapshot, isPublic, ownedImage, visibleImage } from './access.js'
import { bool, list, paginate, required, str, structs, type Params } from './params.js'
import { versionsOf } from './launch-templates.js'
import { ec2State } from './state.js'
import { settleParameters } from '../ssm/parameters.js'
import { retireImage, retireSnapshot } from './recycle-bin.js'

const DAY = 86_400_000
const COOLDOWN_MS = DAY

export function deregisterImage(sim: Sim, caller: Caller, params: Params) {
  const s = ec2State(sim)
  const img = ownedImage(sim, caller, required(params, 'ImageId'))
  const now = sim.clock.now()
  const p = img.deregistrationProtection
  if (p && (p.disabledUntil === undefined || p.disabledUntil > now)) {
    throw new AwsError(
      'OperationNotPermitted',
      `Image ${img.imageId} cannot be deregistered because deregistration protection is enabled` +
        (p.disabledUntil !== undefined
          ? ` until ${new Date(p.disabledUntil).toISOString()}.`
          : '. Disable it first.')
    )
  }
  const deleteSnapshots = bool(params, 'DeleteAssociatedSnapshots') ?? false
  dryRunGate(params)
  retireImage(sim, img) // into the Recycle Bin when a rule covers it (recycle-bin.ts)
  if (!deleteSnapshots) return { return: true }
  // A snapshot still used by another AMI is kept.
  const results = img.blockDevices.map((d) => {
    if (imagesUsingSnapshot(s, d.snapshotId).length)
      return { snapshotId: d.snapshotId, returnCode: 'skipped' }
    if (!s.snapshots[d.snapshotId]) return { snapshotId: d.snapshotId, returnCode: 'client-error' }
    // AWS authorises each deletion as ec2:DeleteSnapshot and reports a denial per snapshot.
    if (
      !isAllowed(
        sim.settings.iam as IamSettings | undefined,
        caller.accountId,
        'ec2',
        'DeleteSnapshot'
      )
    )
      return { snapshotId: d.snapshotId, returnCode: 'missing-permissions' }
    retireSnapshot(sim, s.snapshots[d.snapshotId])
    return { snapshotId: d.snapshotId, returnCode: 'success' }
  })
  return { return: true, deleteSnapshotResultSet: results }
}

export function enableImageDeprecation(sim: Sim, caller: Caller, params: Params) {
  const img = ownedImage(sim, caller, required(params, 'ImageId'))
  const raw = required(params, 'DeprecateAt')
  const at = Date.parse(raw)
  if (Number.isNaN(at))
    throw new AwsError(
      'InvalidParameterValue',
      `Value (${raw}) for parameter DeprecateAt is invalid.`
    )
  const now = sim.clock.now()
  // EnableImageDeprecation: "If you specify a value for seconds, Amazon EC2 rounds the seconds to the nearest minute."
  const rounded = Math.round(at / 60_000) * 60_000
  if (rounded < now - 60_000) {
    throw new AwsError('InvalidParameterValue', 'The deprecation time cannot be in the past.')
  }
  if (rounded > now + 10 * 365 * DAY) {
    throw new AwsError(
      'InvalidParameterValue',
      'The deprecation time must be within 10 years from now.'
    )
  }
  if (isPublic(img) && rounded > img.creationDate + 2 * 365 * DAY) {
    throw new AwsError(
      'InvalidParameterValue',
      'The deprecation time of a public AMI must be within 2 years of its creation date.'
    )
  }
  dryRunGate(params)
  img.deprecationTime = rounded
  return { return: true }
}

export function disableImageDeprecation(sim: Sim, caller: Caller, params: Params) {
  const img = ownedImage(sim, caller, required(params, 'ImageId'))
  dryRunGate(params)
  delete img.deprecationTime
  return { return: true }
}

export function enableImageDeregistrationProtection(sim: Sim, caller: Caller, params: Params) {
  const img = ownedImage(sim, caller, required(params, 'ImageId'))
  dryRunGate(params)
  img.deregistrationProtection = { withCooldown: bool(params, 'WithCooldown') ?? false }
  return {
    return: img.deregistrationProtection.withCooldown
      ? 'enabled-with-cooldown'
      : 'enabled-without-cooldown'
  }
}

export function disableImageDeregistrationProtection(sim: Sim, caller: Caller, params: Params) {
  const img = ownedImage(sim, caller, required(params, 'ImageId'))
  dryRunGate(params)
  const p = img.deregistrationProtection
  if (!p) return { return: 'disabled' }
  if (p.withCooldown) {
    // With cooldown, protection lingers for 24 hours after it is disabled.
    p.disabledUntil ??= sim.clock.now() + COOLDOWN_MS
    return { return: `disabled-until-${new Date(p.disabledUntil).toISOString()}` }
  }
  delete img.deregistrationProtection
  return { return: 'disabled' }
}

const REFERENCE_TYPES = [
  'ec2:Instance',
  'ec2:LaunchTemplate',
  'ssm:Parameter',
  'imagebuilder:ImageRecipe',
  'imagebuilder:ContainerRecipe'
]

const INSTANCE_STATES = ['pending', 'running', 'shutting-down', 'terminated', 'stopping', 'stopped']

interface SsmParameterView {
  name: string
  accountId: string
  region: string
  value: string
  dataType: string
}

export function describeImageReferences(sim: Sim, caller: Caller, params: Params) {
  const s = ec2State(sim)
  const ids = list(params, 'ImageId')
  if (!ids.length)
    throw new AwsError('MissingParameter', 'The request must contain the parameter ImageId')
  if (ids.length > 10) {
    throw new AwsError(
      'InvalidParameterValue',
      'You can specify up to 10 image IDs in a single request.'
    )
  }
  for (const id of ids) visibleImage(sim, caller, id)
  const all = bool(params, 'IncludeAllResourceTypes') ?? false
  const requestTypes = structs(params, 'ResourceType')
  const requested = requestTypes.map((r) => str(r, 'ResourceType') ?? '')
  // ResourceTypeOption state-name (API ResourceTypeOption): default all states, terminated included;
  // values given for ec2:Instance override the IncludeAllResourceTypes default.
  let instanceStates: string[] | undefined
  let templateDepth = 10
  for (const r of requestTypes) {
    for (const o of structs(r, 'ResourceTypeOption')) {
      const name = str(o, 'OptionName')
      const values = list(o, 'OptionValue')
      if (name === 'state-name') {
        if (str(r, 'ResourceType') !== 'ec2:Instance') {
          throw new AwsError(
            'InvalidParameterValue',
            'The option state-name is valid only for ec2:Instance.'
          )
        }
        const bad = values.find((v) => !INSTANCE_STATES.includes(v))
        if (bad)
          throw new AwsError(
            'InvalidParameterValue',
            `Value (${bad}) for option state-name is invalid.`
          )
        instanceStates = values
      } else if (name === 'version-depth') {
        const depth = Number(values[0])
        if (
          str(r, 'ResourceType') !== 'ec2:LaunchTemplate' ||
          !Number.isInteger(depth) ||
          depth < 1 ||
          depth > 10_000
        )
          throw new AwsError(
            'InvalidParameterValue',
            `Value (${values[0]}) for option version-depth is invalid.`
          )
        templateDepth = depth
      } else {
        throw new AwsError('InvalidParameterValue', `The option '${name}' is not supported.`)
      }
    }
  }
  if (!all && !requested.length) {
    throw new AwsError(
      'MissingParameter',
      'You must specify either IncludeAllResourceTypes or ResourceTypes.'
    )
  }
  for (const t of requested) {
    if (!REFERENCE_TYPES.includes(t))
      throw new AwsError('InvalidParameterValue', `The resource type '${t}' is not supported.`)
  }
  const types = new Set(all ? REFERENCE_TYPES : requested)
  const refs: { imageId: string; resourceType: string; arn: string }[] = []
  const { accountId, region } = caller
  for (const id of ids) {
    if (types.has('ec2:Instance')) {
      for (const i of Object.values(s.instances)) {
        if (
          i.imageId === id &&
          i.accountId === accountId &&
          i.region === region &&
          (instanceStates ?? INSTANCE_STATES).includes(i.state)
        ) {
          refs.push({
            imageId: id,
            resourceType: 'ec2:Instance',
            arn: `arn:aws:ec2:${region}:${accountId}:instance/${i.instanceId}`
          })
        }
      }
    }
    if (types.has('ec2:LaunchTemplate')) {
      for (const lt of Object.values(s.launchTemplates)) {
        // API ResourceTypeOption: version-depth, the newest versions checked, default 10.
        const newest = [...versionsOf(lt)]
          .sort((a, b) => b.versionNumber - a.versionNumber)
          .slice(0, templateDepth)
        if (
          newest.some((v) => v.data.imageId === id) &&
          lt.accountId === accountId &&
          lt.region === region
        ) {
          refs.push({
            imageId: id,
            resourceType: 'ec2:LaunchTemplate',
            arn: `arn:aws:ec2:${region}:${accountId}:launch-template/${lt.launchTemplateId}`
          })
        }
      }
    }
    if (types.has('ssm:Parameter')) {
      settleParameters(sim)
      const ssm = sim.state.ssm as { parameters?: Record<string, SsmParameterView> } | undefined
      for (const p of Object.values(ssm?.parameters ?? {})) {
        if (
          p.value === id &&
          p.accountId === accountId &&
          p.region === region &&
          p.dataType === 'aws:ec2:image'
        ) {
          refs.push({
            imageId: id,
            resourceType: 'ssm:Parameter',
            arn: `arn:aws:ssm:${region}:${accountId}:parameter/${p.name.replace(/^\//, '')}`
          })
        }
      }
    }
  }
  const { page, nextToken } = paginate('DescribeImageReferences', refs, params, {
    min: 1,
    max: 1000
  })
  return { imageReferenceSet: page, ...(nextToken ? { nextToken } : {}) }
}
