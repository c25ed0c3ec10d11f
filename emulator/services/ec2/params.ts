// Reading EC2 Query parameters. The SDK and the CLI send lists flat: `ImageId.1`, `Filter.1.Value.2`,
// `LaunchPermission.Add.1.UserId`, `TagSpecification.1.Tag.1.Key`.
import { AwsError } from '../../types.js'

export type Params = Record<string, unknown>

export function str(params: Params, name: string): string | undefined {
  const v = params[name]
  return v === undefined || v === null ? undefined : String(v)
}

export function required(params: Params, name: string): string {
  const v = str(params, name)
  if (v === undefined || v === '') {
    throw new AwsError('MissingParameter', `The request must contain the parameter ${name}`)
  }
  return v
}

export function bool(params: Params, name: string): boolean | undefined {
  const v = str(params, name)
  if (v === undefined) return undefined
  if (v === 'true') return true
  if (v === 'false') return false
  throw new AwsError(
    'InvalidParameterValue',
    `Value (${v}) for parameter ${name} is invalid. Expected: 'true' or 'false'.`
  )
}

export function int(params: Params, name: string): number | undefined {
  const v = str(params, name)
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isInteger(n)) {
    throw new AwsError(
      'InvalidParameterValue',
      `Value (${v}) for parameter ${name} is invalid. Expected an integer.`
    )
  }
  return n
}

/** Indices N present for keys `${prefix}.N` or `${prefix}.N.…`, ascending. */
function indices(params: Params, prefix: string): number[] {
  const found = new Set<number>()
  const head = prefix + '.'
  for (const key of Object.keys(params)) {
    if (!key.startsWith(head)) continue
    const n = Number(key.slice(head.length).split('.')[0])
    if (Number.isInteger(n) && n > 0) found.add(n)
  }
  return [...found].sort((a, b) => a - b)
}

/** `ImageId.1`, `ImageId.2`, … → values. */
export function list(params: Params, prefix: string): string[] {
  return indices(params, prefix)
    .map((n) => str(params, `${prefix}.${n}`))
    .filter((v): v is string => v !== undefined)
}

/** `Filter.1.Name` … → sub-parameter maps, each keyed without the `Filter.1.` prefix. */
export function structs(params: Params, prefix: string): Params[] {
  return indices(params, prefix).map((n) => {
    const head = `${prefix}.${n}.`
    const sub: Params = {}
    for (const [k, v] of Object.entries(params))
      if (k.startsWith(head)) sub[k.slice(head.length)] = v
    return sub
  })
}

export interface Filter {
  name: string
  values: string[]
}

export function filters(params: Params): Filter[] {
  return structs(params, 'Filter').map((f) => ({
    name: str(f, 'Name') ?? '',
    values: list(f, 'Value')
  }))
}

export interface Tag {
  key: string
  value: string
}

export function tags(params: Params, prefix = 'Tag'): Tag[] {
  return structs(params, prefix).map((t) => ({
    key: str(t, 'Key') ?? '',
    value: str(t, 'Value') ?? ''
  }))
}

export interface TagSpec {
  resourceType: string
  tags: Tag[]
}

export function tagSpecifications(params: Params, allowed: string[]): TagSpec[] {
  return structs(params, 'TagSpecification').map((s) => {
    const resourceType = str(s, 'ResourceType') ?? ''
    if (!allowed.includes(resourceType)) {
      throw new AwsError(
        'InvalidParameterValue',
        `'${resourceType}' is not a valid taggable resource type for this operation.`
      )
    }
    const specTags = tags(s)
    for (const t of specTags) validateTag(t)
    return { resourceType, tags: specTags }
  })
}

// Tag restrictions (EC2 User Guide, "Tag your Amazon EC2 resources"): 128 / 256 Unicode characters, counted as code points.
export function validateTag(t: Tag): void {
  if (!t.key) throw new AwsError('InvalidParameterValue', 'Tag key must not be empty')
  if ([...t.key].length > 128)
    throw new AwsError(
      'InvalidParameterValue',
      `Tag key exceeds the maximum length of 128 characters`
    )
  if ([...t.value].length > 256)
    throw new AwsError(
      'InvalidParameterValue',
      `Tag value exceeds the maximum length of 256 characters`
    )
  if (t.key.toLowerCase().startsWith('aws:')) {
    throw new AwsError(
      'InvalidParameterValue',
      `Tag keys starting with 'aws:' are reserved for internal use`
    )
  }
}

/** Glob with EC2's wildcards: `*` any run, `?` one character. Case-sensitive like EC2. */
export function globMatch(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${re}$`, 's').test(value)
}

/** Opaque pagination token: the offset into a stable ordering, bound to the action. */
export function encodeToken(action: string, offset: number): string {
  return Buffer.from(JSON.stringify({ a: action, o: offset })).toString('base64')
}

export function decodeToken(action: string, token: string | undefined): number {
  if (token === undefined || token === '') return 0
  try {
    const t = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as {
      a?: string
      o?: number
    }
    if (t.a === action && typeof t.o === 'number' && t.o >= 0) return t.o
  } catch {
    // fall through to the AWS error
  }
  throw new AwsError('InvalidParameterValue', `Invalid value '${token}' for NextToken`)
}

export function paginate<T>(
  action: string,
  items: T[],
  params: Params,
  range: { min: number; max: number }
): { page: T[]; nextToken?: string } {
  const max = int(params, 'MaxResults')
  const offset = decodeToken(action, str(params, 'NextToken'))
  if (max === undefined) return { page: items.slice(offset) }
  if (max < range.min || max > range.max) {
    throw new AwsError(
      'InvalidParameterValue',
      `Value ( ${max} ) for parameter maxResults is invalid. Expecting a value between ${range.min} and ${range.max}.`
    )
  }
  const page = items.slice(offset, offset + max)
  const next = offset + max < items.length ? encodeToken(action, offset + max) : undefined
  return { page, nextToken: next }
}
