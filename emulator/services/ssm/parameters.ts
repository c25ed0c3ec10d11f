// GetParameter / PutParameter, with the aws:ec2:image data type validated as SSM does.
// Follows: Systems Manager API Reference GetParameter, PutParameter; user guide "Native parameter support for Amazon Machine Image IDs".
import { AwsError, type Caller, type Sim } from '../../types.js'
import { ec2State } from '../ec2/state.js'
import { isPublic, sharedWith } from '../ec2/access.js'
import { setting } from '../ec2/state.js'
import { ssmState, type Parameter } from './state.js'

type Body = Record<string, unknown>

const NAME_RE = /^\/?[a-zA-Z0-9_.\-/]{1,1011}$/
const AMI_RE = /^ami-[0-9a-f]{8,17}$/

function key(caller: Caller, name: string): string {
  return `${caller.accountId}/${caller.region}/${name}`
}

/** AWS validates aws:ec2:image asynchronously: the AMI must exist and be usable by the account in the region. */
function amiUsable(sim: Sim, caller: Caller, imageId: string): boolean {
  const s = ec2State(sim)
  const img = s.images[imageId]
  if (!img || img.region !== caller.region || img.state === 'failed') return false
  return img.ownerId === caller.accountId || isPublic(img) || sharedWith(s, img, caller.accountId)
}

export function putParameter(sim: Sim, caller: Caller, body: Body) {
  const s = ssmState(sim)
  const name = String(body.Name ?? '')
  const value = body.Value
  if (!NAME_RE.test(name)) {
    throw new AwsError(
      'ValidationException',
      `Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive) and must match ${NAME_RE.source}`
    )
  }
  if (/^\/?(aws|ssm)/i.test(name)) {
    throw new AwsError(
      'ValidationException',
      'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).'
    )
  }
  if (typeof value !== 'string' || value === '') {
    throw new AwsError(
      'ValidationException',
      "1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1"
    )
  }
  const existing = s.parameters[key(caller, name)]
  if (existing && body.Overwrite !== true) {
    throw new AwsError(
      'ParameterAlreadyExists',
      'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.'
    )
  }
  const type = (body.Type as Parameter['type'] | undefined) ?? existing?.type
  if (!type)
    throw new AwsError(
      'ValidationException',
      'A parameter type is required when you create a parameter.'
    )
  if (!['String', 'StringList', 'SecureString'].includes(type)) {
    throw new AwsError(
      'ValidationException',
      `Value '${type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]`
    )
  }
  const dataType = (body.DataType as string | undefined) ?? existing?.dataType ?? 'text'
  if (!['text', 'aws:ec2:image', 'aws:ssm:integration'].includes(dataType)) {
    throw new AwsError(
      'ValidationException',
      `The following data type is not supported: ${dataType} (Data type names are all lowercase.)`
    )
  }
  if (existing && (existing.dataType === 'aws:ec2:image') !== (dataType === 'aws:ec2:image')) {
    throw new AwsError(
      'ValidationException',
      `You can't change the data type of parameter ${name} to or from aws:ec2:image.`
    )
  }
  const version = (existing?.version ?? 0) + 1
  if (dataType === 'aws:ec2:image') {
    if (type !== 'String') {
      throw new AwsError(
        'ValidationException',
        'The aws:ec2:image data type is only supported for String parameters.'
      )
    }
    if (!AMI_RE.test(value)) {
      throw new AwsError(
        'ValidationException',
        `Invalid value for parameter ${name}: ${value} is not a valid AMI ID format (ami-xxxxxxxxxxxxxxxxx).`
      )
    }
    // PutParameter DataType: "a successful HTTP 200 response does not guarantee that your parameter
    // was successfully created or updated. The aws:ec2:image value is validated asynchronously".
    const now = sim.clock.now()
    s.pendingParameters ??= []
    s.pendingParameters.push({
      name,
      accountId: caller.accountId,
      region: caller.region,
      type,
      dataType,
      value,
      version,
      description: (body.Description as string | undefined) ?? existing?.description,
      lastModified: now,
      validAt: now + setting(sim, 'ssm', 'imageValidationMs', 3000),
      forceReject: forcedRejection(sim, name)
    })
    return { Version: version, Tier: 'Standard' }
  }
  s.parameters[key(caller, name)] = {
    name,
    accountId: caller.accountId,
    region: caller.region,
    type,
    dataType,
    value,
    version,
    description: (body.Description as string | undefined) ?? existing?.description,
    lastModified: sim.clock.now()
  }
  return { Version: version, Tier: 'Standard' }
}

/**
 * `ssm.rejectImageParameters`: `true` or a list of parameter names whose aws:ec2:image
 * validation fails whatever the AMI (e.g. to stand for an AMI SSM cannot see yet).
 */
function forcedRejection(sim: Sim, name: string): string | undefined {
  const rule = setting<boolean | string[] | undefined>(
    sim,
    'ssm',
    'rejectImageParameters',
    undefined
  )
  const hit = rule === true || (Array.isArray(rule) && rule.includes(name))
  return hit ? 'rejected by the emulator setting ssm.rejectImageParameters' : undefined
}

/** Finish the aws:ec2:image validations whose time has come: store the value, or reject it. */
export function settleParameters(sim: Sim): void {
  const s = ssmState(sim)
  const now = sim.clock.now()
  const due = (s.pendingParameters ?? []).filter((p) => p.validAt <= now)
  if (!due.length) return
  s.pendingParameters = (s.pendingParameters ?? []).filter((p) => p.validAt > now)
  for (const { validAt: _at, forceReject, ...p } of due) {
    const caller = { accountId: p.accountId, region: p.region } as Caller
    const reason =
      forceReject ??
      (amiUsable(sim, caller, p.value)
        ? undefined
        : `${p.value} is not an AMI that account ${p.accountId} can use in ${p.region}`)
    if (reason) {
      // Validation failed: the parameter is not created or updated.
      s.rejectedParameters.push({
        name: p.name,
        accountId: p.accountId,
        region: p.region,
        value: p.value,
        at: now,
        reason
      })
      continue
    }
    const k = `${p.accountId}/${p.region}/${p.name}`
    const current = s.parameters[k]
    s.parameters[k] = { ...p, version: (current?.version ?? 0) + 1 }
  }
}

/** Owner key of public parameters: AWS publishes them under /aws/service/ in each Region. */
export const PUBLIC_OWNER = 'aws'

/** A seeded parameter without an account: only names under /aws/service/ can be public. */
export function publicOwner(name: string): string {
  if (!name.startsWith('/aws/service/')) {
    throw new AwsError(
      'InvalidSeed',
      `ssm seed: parameter ${name} needs an accountId (only /aws/service/... parameters are public)`
    )
  }
  return PUBLIC_OWNER
}

export function getParameter(sim: Sim, caller: Caller, body: Body) {
  const name = String(body.Name ?? '')
  const [bare, selector] = name.split(':')
  // Public parameters ("Discovering public parameters in Parameter Store"): /aws/service/...
  // is readable with GetParameter by every account, in the Region that publishes it.
  const owner = bare.startsWith('/aws/service/') ? PUBLIC_OWNER : caller.accountId
  const p = ssmState(sim).parameters[`${owner}/${caller.region}/${bare}`]
  if (!p || (selector !== undefined && selector !== String(p.version))) {
    throw new AwsError('ParameterNotFound', '')
  }
  return {
    Parameter: {
      Name: p.name,
      Type: p.type,
      Value: p.value,
      Version: p.version,
      LastModifiedDate: p.lastModified / 1000,
      ARN: `arn:aws:ssm:${p.region}:${p.accountId}:parameter/${p.name.replace(/^\//, '')}`,
      DataType: p.dataType
    }
  }
}
