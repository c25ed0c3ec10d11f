// Launch templates and their versions (user guide: "Store instance launch parameters in Amazon EC2
// launch templates"; API reference: CreateLaunchTemplate, DescribeLaunchTemplates,
// DescribeLaunchTemplateVersions, CreateLaunchTemplateVersion, ModifyLaunchTemplate,
// DeleteLaunchTemplate). A template's `version` is its default version number and its `imageId`
// the default version's AMI; DescribeImageReferences reads the newest versions (lifecycle.ts).
import { AwsError, type Caller, type Sim } from '../../types.js'
import { principalOf } from '../sts.js'
import { canSeeImage, dryRunGate } from './access.js'
import { instanceType } from './catalog.js'
import {
  bool,
  filters,
  globMatch,
  list,
  paginate,
  str,
  tagSpecifications,
  type Params,
  type Tag
} from './params.js'
import { tagSet } from './render.js'
import { ec2State, type LaunchTemplate } from './state.js'

/** The part of LaunchTemplateData the emulator keeps (other members are accepted and dropped). */
export interface LaunchTemplateData {
  imageId?: string
  instanceType?: string
  keyName?: string
  userData?: string
  iamInstanceProfile?: { arn?: string; name?: string }
  securityGroupIds?: string[]
}

export interface LaunchTemplateVersion {
  versionNumber: number
  description?: string
  createTime: number
  createdBy: string
  data: LaunchTemplateData
}

interface TemplateExtras {
  tags: Tag[]
  createTime: number
  createdBy: string
}

interface LtState {
  extras: Record<string, TemplateExtras>
  tokens: Record<string, { fingerprint: string; launchTemplateId: string; versionNumber: number }>
}

function ltState(sim: Sim): LtState {
  return (sim.state.ec2LaunchTemplates ??= { extras: {}, tokens: {} }) as LtState
}

function extrasOf(sim: Sim, lt: LaunchTemplate): TemplateExtras {
  return (ltState(sim).extras[lt.launchTemplateId] ??= {
    tags: [],
    createTime: 0,
    createdBy: `arn:aws:iam::${lt.accountId}:root`
  })
}

/** Every version of the template; a seeded template without versions has one: `version` with `imageId`. */
export function versionsOf(lt: LaunchTemplate): LaunchTemplateVersion[] {
  lt.versions ??= [
    {
      versionNumber: lt.version,
      createTime: 0,
      createdBy: `arn:aws:iam::${lt.accountId}:root`,
      data: { imageId: lt.imageId }
    }
  ]
  return lt.versions
}

const latestOf = (lt: LaunchTemplate) => Math.max(...versionsOf(lt).map((v) => v.versionNumber))

/** Keep `imageId` (read by DescribeImageReferences) equal to the default version's AMI. */
function syncDefault(lt: LaunchTemplate): void {
  const def = versionsOf(lt).find((v) => v.versionNumber === lt.version)
  lt.imageId = def?.data.imageId ?? ''
}

export interface SeedLaunchTemplateVersions {
  versions?: { imageId?: string; instanceType?: string; description?: string }[]
  defaultVersion?: number
}

/** Seed hook: versions 1..n from the seed, default `defaultVersion` (or 1). */
export function seedLaunchTemplateVersions(
  lt: LaunchTemplate,
  seed: SeedLaunchTemplateVersions,
  now: number
): void {
  if (!seed.versions?.length) return
  lt.versions = seed.versions.map((v, i) => ({
    versionNumber: i + 1,
    description: v.description,
    createTime: now,
    createdBy: `arn:aws:iam::${lt.accountId}:root`,
    data: { imageId: v.imageId, instanceType: v.instanceType }
  }))
  lt.version = seed.defaultVersion ?? 1
  syncDefault(lt)
}

const NAME_RE = /^[a-zA-Z0-9().\-/_]{3,128}$/

function mine(sim: Sim, caller: Caller): LaunchTemplate[] {
  return Object.values(ec2State(sim).launchTemplates).filter(
    (lt) => lt.accountId === caller.accountId && lt.region === caller.region
  )
}

function idNotFound(id: string): AwsError {
  return new AwsError(
    'InvalidLaunchTemplateId.NotFound',
    `The specified launch template, with template ID ${id}, does not exist.`
  )
}

function nameNotFound(name: string): AwsError {
  return new AwsError(
    'InvalidLaunchTemplateName.NotFoundException',
    `The specified launch template, with template name ${name}, does not exist.`
  )
}

function checkIdFormat(id: string): void {
  if (!/^lt-[0-9a-f]{8,17}$/.test(id))
    throw new AwsError(
      'InvalidLaunchTemplateId.Malformed',
      `The specified ID for the launch template is not valid: ${id}`
    )
}

/** One template by ID or name (exactly one of them), in the caller's account and region. */
function oneTemplate(sim: Sim, caller: Caller, id?: string, name?: string): LaunchTemplate {
  if (id && name) {
    throw new AwsError(
      'InvalidParameterCombination',
      'Specify either the launch template ID or the launch template name, not both.'
    )
  }
  if (id) {
    checkIdFormat(id)
    const lt = mine(sim, caller).find((x) => x.launchTemplateId === id)
    if (!lt) throw idNotFound(id)
    return lt
  }
  if (name) {
    const lt = mine(sim, caller).find((x) => x.name === name)
    if (!lt) throw nameNotFound(name)
    return lt
  }
  throw new AwsError(
    'MissingParameter',
    'The request must contain the parameter LaunchTemplateName or LaunchTemplateId'
  )
}

/** `$Latest`, `$Default` or a number → the version, or InvalidLaunchTemplateId.VersionNotFound. */
function versionOf(lt: LaunchTemplate, spec: string): LaunchTemplateVersion {
  const n = spec === '$Latest' ? latestOf(lt) : spec === '$Default' ? lt.version : Number(spec)
  const v = versionsOf(lt).find((x) => x.versionNumber === n)
  if (!v) {
    throw new AwsError(
      'InvalidLaunchTemplateId.VersionNotFound',
      `Could not find launch template version ${spec} for launch template ${lt.launchTemplateId}.`
    )
  }
  return v
}

function dataFrom(params: Params, prefix = 'LaunchTemplateData.'): LaunchTemplateData | undefined {
  if (!Object.keys(params).some((k) => k.startsWith(prefix))) return undefined
  const get = (k: string) => str(params, prefix + k)
  const arn = get('IamInstanceProfile.Arn')
  const name = get('IamInstanceProfile.Name')
  const groups = list(params, `${prefix}SecurityGroupId`)
  const out: LaunchTemplateData = {}
  if (get('ImageId') !== undefined) out.imageId = get('ImageId')
  if (get('InstanceType') !== undefined) out.instanceType = get('InstanceType')
  if (get('KeyName') !== undefined) out.keyName = get('KeyName')
  if (get('UserData') !== undefined) out.userData = get('UserData')
  if (arn || name) out.iamInstanceProfile = { ...(arn ? { arn } : {}), ...(name ? { name } : {}) }
  if (groups.length) out.securityGroupIds = groups
  return out
}

/** CreateLaunchTemplate(Version) validates lazily: problems come back as warnings, not errors. */
function warningsFor(sim: Sim, caller: Caller, data: LaunchTemplateData) {
  const errors: { code: string; message: string }[] = []
  const s = ec2State(sim)
  if (data.imageId && !data.imageId.startsWith('resolve:ssm:')) {
    const img = s.images[data.imageId]
    if (!img || !canSeeImage(s, img, caller, sim.clock.now()))
      errors.push({
        code: 'InvalidAMIID.NotFound',
        message: `The image id '[${data.imageId}]' does not exist`
      })
  }
  if (data.instanceType && !instanceType(sim, data.instanceType))
    errors.push({
      code: 'InvalidInstanceType',
      message: `The instance type '${data.instanceType}' does not exist`
    })
  return errors.length ? { warning: { errorSet: errors } } : {}
}

function templateXml(sim: Sim, lt: LaunchTemplate) {
  const x = extrasOf(sim, lt)
  return {
    launchTemplateId: lt.launchTemplateId,
    launchTemplateName: lt.name,
    createTime: new Date(x.createTime).toISOString(),
    createdBy: x.createdBy,
    defaultVersionNumber: lt.version,
    latestVersionNumber: latestOf(lt),
    ...(x.tags.length ? { tagSet: tagSet(x.tags) } : {})
  }
}

/**
 * `resolve:ssm:<parameter>[:<version>]` as an ImageId (user guide: "Use a Systems Manager
 * parameter instead of an AMI ID"): the parameter's value in the caller's account and region.
 */
export function resolveImageAlias(sim: Sim, caller: Caller, imageId: string): string {
  if (!imageId.startsWith('resolve:ssm:')) return imageId
  const name = imageId.slice('resolve:ssm:'.length).replace(/:\d+$/, '')
  const params = (sim.state.ssm as { parameters?: Record<string, { value: string }> } | undefined)
    ?.parameters
  const p = params?.[`${caller.accountId}/${caller.region}/${name}`]
  if (!p) {
    throw new AwsError(
      'InvalidParameterValue',
      `Could not resolve the SSM parameter ${name} for ImageId: the parameter does not exist.`
    )
  }
  return p.value
}

function versionXml(
  lt: LaunchTemplate,
  v: LaunchTemplateVersion,
  resolve?: (id: string) => string
) {
  const d = {
    ...v.data,
    ...(v.data.imageId && resolve ? { imageId: resolve(v.data.imageId) } : {})
  }
  return {
    launchTemplateId: lt.launchTemplateId,
    launchTemplateName: lt.name,
    versionNumber: v.versionNumber,
    ...(v.description !== undefined ? { versionDescription: v.description } : {}),
    createTime: new Date(v.createTime).toISOString(),
    createdBy: v.createdBy,
    defaultVersion: v.versionNumber === lt.version,
    launchTemplateData: {
      ...(d.imageId !== undefined ? { imageId: d.imageId } : {}),
      ...(d.instanceType !== undefined ? { instanceType: d.instanceType } : {}),
      ...(d.keyName !== undefined ? { keyName: d.keyName } : {}),
      ...(d.userData !== undefined ? { userData: d.userData } : {}),
      ...(d.iamInstanceProfile ? { iamInstanceProfile: d.iamInstanceProfile } : {}),
      ...(d.securityGroupIds ? { securityGroupIdSet: d.securityGroupIds } : {})
    }
  }
}

/** ClientToken: a retry with the same parameters answers the first result. */
function tokenCheck(sim: Sim, caller: Caller, action: string, params: Params) {
  const token = str(params, 'ClientToken')
  if (!token) return { prior: undefined, remember: () => undefined }
  // API reference: CreateLaunchTemplate(Version) ClientToken, "Constraint: Maximum 128 ASCII characters".
  if (token.length > 128) {
    throw new AwsError(
      'InvalidParameterValue',
      `Value (${token}) for parameter clientToken is invalid. Length exceeds 128 characters.`
    )
  }
  const key = `${caller.accountId}/${caller.region}/${action}/${token}`
  const fingerprint = JSON.stringify(
    Object.entries(params)
      .filter(([k]) => k !== 'ClientToken' && k !== 'DryRun')
      .sort()
  )
  const prior = ltState(sim).tokens[key]
  if (prior && prior.fingerprint !== fingerprint) {
    throw new AwsError(
      'IdempotentParameterMismatch',
      `The client token ${token} was already used with different parameters.`
    )
  }
  return {
    prior,
    remember: (launchTemplateId: string, versionNumber: number) => {
      ltState(sim).tokens[key] = { fingerprint, launchTemplateId, versionNumber }
    }
  }
}

export function createLaunchTemplate(sim: Sim, caller: Caller, params: Params) {
  const s = ec2State(sim)
  const name = str(params, 'LaunchTemplateName')
  if (!name)
    throw new AwsError(
      'MissingParameter',
      'The request must contain the parameter LaunchTemplateName'
    )
  const data = dataFrom(params)
  if (!data)
    throw new AwsError(
      'MissingParameter',
      'The request must contain the parameter LaunchTemplateData'
    )
  const token = tokenCheck(sim, caller, 'CreateLaunchTemplate', params)
  if (token.prior) {
    const lt = s.launchTemplates[token.prior.launchTemplateId]
    if (lt) return { launchTemplate: templateXml(sim, lt) }
  }
  if (!NAME_RE.test(name)) {
    throw new AwsError(
      'InvalidLaunchTemplateName.MalformedException',
      "A launch template name must be between 3 and 128 characters, and may contain letters, numbers, and the following characters: - ( ) . / _.'"
    )
  }
  if (mine(sim, caller).some((lt) => lt.name === name)) {
    throw new AwsError(
      'InvalidLaunchTemplateName.AlreadyExistsException',
      `Launch template name already in use.`
    )
  }
  const specs = tagSpecifications(params, ['launch-template'])
  dryRunGate(params)
  const now = sim.clock.now()
  const createdBy = principalOf(sim, caller).arn
  const launchTemplateId = sim.newId('lt')
  const lt: LaunchTemplate = {
    launchTemplateId,
    accountId: caller.accountId,
    region: caller.region,
    name,
    imageId: data.imageId ?? '',
    version: 1,
    versions: [
      {
        versionNumber: 1,
        description: str(params, 'VersionDescription'),
        createTime: now,
        createdBy,
        data
      }
    ]
  }
  s.launchTemplates[launchTemplateId] = lt
  ltState(sim).extras[launchTemplateId] = {
    tags: specs.flatMap((sp) => sp.tags),
    createTime: now,
    createdBy
  }
  token.remember(launchTemplateId, 1)
  return { launchTemplate: templateXml(sim, lt), ...warningsFor(sim, caller, data) }
}

const TEMPLATE_FILTERS: Record<string, (lt: LaunchTemplate, sim: Sim) => string[]> = {
  'launch-template-name': (lt) => [lt.name],
  'create-time': (lt, sim) => [new Date(extrasOf(sim, lt).createTime).toISOString()],
  'tag-key': (lt, sim) => extrasOf(sim, lt).tags.map((t) => t.key)
}

export function describeLaunchTemplates(sim: Sim, caller: Caller, params: Params) {
  const ids = list(params, 'LaunchTemplateId')
  const names = list(params, 'LaunchTemplateName')
  ids.forEach(checkIdFormat)
  const all = mine(sim, caller)
  for (const id of ids) if (!all.some((lt) => lt.launchTemplateId === id)) throw idNotFound(id)
  for (const n of names) if (!all.some((lt) => lt.name === n)) throw nameNotFound(n)
  const fs = filters(params)
  for (const f of fs)
    if (!f.name.startsWith('tag:') && !TEMPLATE_FILTERS[f.name])
      throw new AwsError('InvalidParameterValue', `The filter '${f.name}' is invalid`)
  const selected = all
    .filter((lt) => !ids.length || ids.includes(lt.launchTemplateId))
    .filter((lt) => !names.length || names.includes(lt.name))
    .filter((lt) =>
      fs.every((f) => {
        const values = f.name.startsWith('tag:')
          ? extrasOf(sim, lt)
              .tags.filter((t) => t.key === f.name.slice(4))
              .map((t) => t.value)
          : TEMPLATE_FILTERS[f.name](lt, sim)
        return f.values.some((p) => values.some((v) => globMatch(p, v)))
      })
    )
  dryRunGate(params)
  const { page, nextToken } = paginate('DescribeLaunchTemplates', selected, params, {
    min: 1,
    max: 200
  })
  return {
    launchTemplates: page.map((lt) => templateXml(sim, lt)),
    ...(nextToken ? { nextToken } : {})
  }
}

const VERSION_FILTERS: Record<string, (lt: LaunchTemplate, v: LaunchTemplateVersion) => string[]> =
  {
    'is-default-version': (lt, v) => [String(v.versionNumber === lt.version)],
    'image-id': (_lt, v) => (v.data.imageId ? [v.data.imageId] : []),
    'instance-type': (_lt, v) => (v.data.instanceType ? [v.data.instanceType] : []),
    'iam-instance-profile': (_lt, v) =>
      [v.data.iamInstanceProfile?.arn, v.data.iamInstanceProfile?.name].filter(
        (x): x is string => !!x
      ),
    'create-time': (_lt, v) => [new Date(v.createTime).toISOString()]
  }

export function describeLaunchTemplateVersions(sim: Sim, caller: Caller, params: Params) {
  const id = str(params, 'LaunchTemplateId')
  const name = str(params, 'LaunchTemplateName')
  const specs = list(params, 'LaunchTemplateVersion')
  const fs = filters(params)
  for (const f of fs)
    if (!VERSION_FILTERS[f.name])
      throw new AwsError('InvalidParameterValue', `The filter '${f.name}' is invalid`)
  let rows: { lt: LaunchTemplate; v: LaunchTemplateVersion }[]
  if (!id && !name) {
    // Without a template, only $Latest / $Default across every template (API reference).
    if (!specs.length || specs.some((x) => x !== '$Latest' && x !== '$Default')) {
      throw new AwsError(
        'MissingParameter',
        'The request must contain the parameter LaunchTemplateName or LaunchTemplateId, or only the versions $Latest and $Default'
      )
    }
    rows = mine(sim, caller).flatMap((lt) => {
      const vs = [...new Set(specs.map((x) => versionOf(lt, x)))]
      return vs.map((v) => ({ lt, v }))
    })
  } else {
    const lt = oneTemplate(sim, caller, id, name)
    const minV = str(params, 'MinVersion')
    const maxV = str(params, 'MaxVersion')
    const chosen = specs.length
      ? [...new Set(specs.map((x) => versionOf(lt, x)))]
      : versionsOf(lt).filter(
          (v) =>
            (minV === undefined || v.versionNumber >= Number(minV)) &&
            (maxV === undefined || v.versionNumber <= Number(maxV))
        )
    rows = chosen.map((v) => ({ lt, v }))
  }
  rows = rows
    .filter(({ lt, v }) =>
      fs.every((f) =>
        f.values.some((p) => VERSION_FILTERS[f.name](lt, v).some((x) => globMatch(p, x)))
      )
    )
    .sort(
      (a, b) =>
        a.lt.launchTemplateId.localeCompare(b.lt.launchTemplateId) ||
        b.v.versionNumber - a.v.versionNumber
    )
  dryRunGate(params)
  const { page, nextToken } = paginate('DescribeLaunchTemplateVersions', rows, params, {
    min: 1,
    max: 200
  })
  return {
    // ResolveAlias: show the AMI a resolve:ssm: ImageId stands for now.
    launchTemplateVersionSet: page.map(({ lt, v }) =>
      versionXml(
        lt,
        v,
        bool(params, 'ResolveAlias') ? (id) => resolveImageAlias(sim, caller, id) : undefined
      )
    ),
    ...(nextToken ? { nextToken } : {})
  }
}

export function createLaunchTemplateVersion(sim: Sim, caller: Caller, params: Params) {
  const lt = oneTemplate(
    sim,
    caller,
    str(params, 'LaunchTemplateId'),
    str(params, 'LaunchTemplateName')
  )
  const data = dataFrom(params)
  if (!data)
    throw new AwsError(
      'MissingParameter',
      'The request must contain the parameter LaunchTemplateData'
    )
  const token = tokenCheck(sim, caller, 'CreateLaunchTemplateVersion', params)
  if (token.prior) {
    const v = versionsOf(lt).find((x) => x.versionNumber === token.prior!.versionNumber)
    if (v) return { launchTemplateVersion: versionXml(lt, v) }
  }
  const sourceSpec = str(params, 'SourceVersion')
  // With SourceVersion the new version inherits every member it does not set.
  const base = sourceSpec ? versionOf(lt, sourceSpec).data : {}
  const merged: LaunchTemplateData = { ...base, ...data }
  dryRunGate(params)
  const v: LaunchTemplateVersion = {
    versionNumber: latestOf(lt) + 1,
    description: str(params, 'VersionDescription'),
    createTime: sim.clock.now(),
    createdBy: principalOf(sim, caller).arn,
    data: merged
  }
  versionsOf(lt).push(v)
  token.remember(lt.launchTemplateId, v.versionNumber)
  return { launchTemplateVersion: versionXml(lt, v), ...warningsFor(sim, caller, merged) }
}

export function modifyLaunchTemplate(sim: Sim, caller: Caller, params: Params) {
  const lt = oneTemplate(
    sim,
    caller,
    str(params, 'LaunchTemplateId'),
    str(params, 'LaunchTemplateName')
  )
  const spec = str(params, 'SetDefaultVersion')
  const v = spec !== undefined ? versionOf(lt, spec) : undefined
  dryRunGate(params)
  if (v) {
    lt.version = v.versionNumber
    syncDefault(lt)
  }
  return { launchTemplate: templateXml(sim, lt) }
}

export function deleteLaunchTemplate(sim: Sim, caller: Caller, params: Params) {
  const lt = oneTemplate(
    sim,
    caller,
    str(params, 'LaunchTemplateId'),
    str(params, 'LaunchTemplateName')
  )
  dryRunGate(params)
  const out = templateXml(sim, lt)
  delete ec2State(sim).launchTemplates[lt.launchTemplateId]
  return { launchTemplate: out }
}

/** RunInstances' LaunchTemplate.{LaunchTemplateId|LaunchTemplateName, Version}: the data to launch with. */
export function resolveLaunchTemplateData(sim: Sim, caller: Caller, params: Params) {
  const id = str(params, 'LaunchTemplate.LaunchTemplateId')
  const name = str(params, 'LaunchTemplate.LaunchTemplateName')
  if (!id && !name) return undefined
  const lt = oneTemplate(sim, caller, id, name)
  const v = versionOf(lt, str(params, 'LaunchTemplate.Version') ?? '$Default')
  return { launchTemplateId: lt.launchTemplateId, versionNumber: v.versionNumber, data: v.data }
}

/** For DescribeImageReferences and image usage reports: template versions whose AMI is `imageId`. */
export function launchTemplateVersionsUsingImage(
  sim: Sim,
  imageId: string,
  accountIds?: string[]
): {
  launchTemplate: LaunchTemplate
  versionNumber: number
  isDefault: boolean
  isLatest: boolean
}[] {
  return Object.values(ec2State(sim).launchTemplates)
    .filter((lt) => !accountIds || accountIds.includes(lt.accountId))
    .flatMap((lt) =>
      versionsOf(lt)
        .filter((v) => v.data.imageId === imageId)
        .map((v) => ({
          launchTemplate: lt,
          versionNumber: v.versionNumber,
          isDefault: v.versionNumber === lt.version,
          isLatest: v.versionNumber === latestOf(lt)
        }))
    )
}
