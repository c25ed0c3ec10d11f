// CreateTags, DeleteTags, DescribeTags over images, snapshots and instances the caller owns.
import { AwsError, type Caller, type Sim } from '../../types.js'
import { dryRunGate, ownedImage, ownedSnapshot } from './access.js'
import {
  filters,
  globMatch,
  list,
  paginate,
  str,
  structs,
  tags,
  validateTag,
  type Params,
  type Tag
} from './params.js'
import { ec2State, type Ec2State } from './state.js'

const MAX_TAGS = 50

/** `extra` wins over `base` key by key. */
export function mergeTags(base: Tag[], extra: Tag[]): Tag[] {
  const out = base.filter((t) => !extra.some((e) => e.key === t.key))
  for (const e of extra) if (!out.some((t) => t.key === e.key)) out.push({ ...e })
  return out
}

interface Tagged {
  id: string
  type: 'image' | 'snapshot' | 'instance'
  holder: { tags: Tag[] }
}

function resolve(sim: Sim, caller: Caller, id: string): Tagged {
  if (id.startsWith('ami-')) return { id, type: 'image', holder: ownedImage(sim, caller, id) }
  if (id.startsWith('snap-'))
    return { id, type: 'snapshot', holder: ownedSnapshot(sim, caller, id) }
  if (id.startsWith('i-')) {
    const inst = ec2State(sim).instances[id]
    if (!inst || inst.accountId !== caller.accountId || inst.region !== caller.region) {
      throw new AwsError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`)
    }
    return { id, type: 'instance', holder: inst }
  }
  throw new AwsError('InvalidID', `The ID '${id}' is not valid`)
}

export function createTags(sim: Sim, caller: Caller, params: Params) {
  const ids = list(params, 'ResourceId')
  if (!ids.length)
    throw new AwsError('MissingParameter', 'The request must contain the parameter resourceIdSet')
  const newTags = tags(params)
  newTags.forEach(validateTag)
  const targets = ids.map((id) => resolve(sim, caller, id))
  for (const t of targets) {
    if (mergeTags(t.holder.tags, newTags).length > MAX_TAGS) {
      throw new AwsError(
        'TagLimitExceeded',
        `The maximum number of tags for resource ${t.id} has been reached (${MAX_TAGS}).`
      )
    }
  }
  dryRunGate(params)
  for (const t of targets) t.holder.tags = mergeTags(t.holder.tags, newTags)
  return { return: true }
}

export function deleteTags(sim: Sim, caller: Caller, params: Params) {
  const ids = list(params, 'ResourceId')
  if (!ids.length)
    throw new AwsError('MissingParameter', 'The request must contain the parameter resourceIdSet')
  // A Tag.N.Key without Value deletes the key whatever its value; with a Value, only on a match.
  const gone = structs(params, 'Tag').map((t) => ({
    key: str(t, 'Key') ?? '',
    value: str(t, 'Value')
  }))
  const targets = ids.map((id) => resolve(sim, caller, id))
  dryRunGate(params)
  for (const t of targets) {
    t.holder.tags = gone.length
      ? t.holder.tags.filter(
          (tag) =>
            !gone.some((g) => g.key === tag.key && (g.value === undefined || g.value === tag.value))
        )
      : []
  }
  return { return: true }
}

function allOwned(s: Ec2State, caller: Caller): Tagged[] {
  const mine = (o: { ownerId?: string; accountId?: string; region: string }) =>
    (o.ownerId ?? o.accountId) === caller.accountId && o.region === caller.region
  return [
    ...Object.values(s.images)
      .filter(mine)
      .map((i) => ({ id: i.imageId, type: 'image' as const, holder: i })),
    ...Object.values(s.snapshots)
      .filter(mine)
      .map((x) => ({ id: x.snapshotId, type: 'snapshot' as const, holder: x })),
    ...Object.values(s.instances)
      .filter(mine)
      .map((x) => ({ id: x.instanceId, type: 'instance' as const, holder: x }))
  ]
}

export function describeTags(sim: Sim, caller: Caller, params: Params) {
  const fs = filters(params)
  const rows = allOwned(ec2State(sim), caller).flatMap((r) =>
    r.holder.tags.map((t) => ({
      resourceId: r.id,
      resourceType: r.type,
      key: t.key,
      value: t.value
    }))
  )
  const field: Record<string, (row: (typeof rows)[number]) => string> = {
    'resource-id': (r) => r.resourceId,
    'resource-type': (r) => r.resourceType,
    key: (r) => r.key,
    value: (r) => r.value
  }
  const selected = rows.filter((row) =>
    fs.every((f) => {
      if (f.name.startsWith('tag:'))
        return row.key === f.name.slice(4) && f.values.some((v) => globMatch(v, row.value))
      const get = field[f.name]
      if (!get) throw new AwsError('InvalidParameterValue', `The filter '${f.name}' is invalid`)
      return f.values.some((v) => globMatch(v, get(row)))
    })
  )
  const { page, nextToken } = paginate('DescribeTags', selected, params, { min: 5, max: 1000 })
  return { tagSet: page, ...(nextToken ? { nextToken } : {}) }
}
