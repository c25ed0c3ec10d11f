// Recycle Bin retention rules (service `rbin`, REST-JSON; API reference: CreateRule, GetRule,
// ListRules, DeleteRule, LockRule, UnlockRule; user guide "Recycle Bin" → "Retention rules":
// a tag-level rule retains resources carrying one of its resource tags, a Region-level rule
// retains every resource of its type except those carrying one of its exclusion tags; only
// Region-level rules can be locked; with several matching rules the longest retention wins).
// The bin itself (what is retained, listing, restore) is EC2's: ec2/recycle-bin.ts.
import { randomBytes } from 'node:crypto'
import { AwsError, type Caller, type ServiceModule, type Sim } from '../types.js'
import type { Tag } from './ec2/params.js'
import { setting } from './ec2/state.js'

type ResourceType = 'EBS_SNAPSHOT' | 'EC2_IMAGE'
interface RuleTag {
  ResourceTagKey: string
  ResourceTagValue?: string
}

export interface Rule {
  identifier: string
  accountId: string
  region: string
  resourceType: ResourceType
  description?: string
  retentionDays: number
  resourceTags: RuleTag[]
  excludeResourceTags: RuleTag[]
  lockState?: 'locked' | 'pending_unlock' | 'unlocked'
  unlockDelayDays?: number
  lockEndTime?: number
  tags: { Key: string; Value: string }[]
  /** Simulated ms the rule starts retaining (the first rule of a Region takes a while). */
  activeAt: number
}

const DAY = 86_400_000

function rbinState(sim: Sim): { rules: Rule[] } {
  return (sim.state.rbin ??= { rules: [] }) as { rules: Rule[] }
}

function validation(message: string): AwsError {
  return new AwsError('ValidationException', message, 400)
}

function notFound(id: string): AwsError {
  return new AwsError('ResourceNotFoundException', `Rule ${id} was not found.`, 404)
}

function tagList(v: unknown, what: string): RuleTag[] {
  if (v === undefined) return []
  if (!Array.isArray(v) || v.some((t) => typeof (t as RuleTag)?.ResourceTagKey !== 'string'))
    throw validation(`${what} must be a list of { ResourceTagKey, ResourceTagValue }.`)
  if (v.length > 50) throw validation(`${what} can have at most 50 tags.`)
  return v as RuleTag[]
}

/** Unlock a rule whose unlock delay has passed (pending_unlock → unlocked). */
function settleRule(rule: Rule, now: number): void {
  if (
    rule.lockState === 'pending_unlock' &&
    rule.lockEndTime !== undefined &&
    now >= rule.lockEndTime
  ) {
    rule.lockState = 'unlocked'
    rule.lockEndTime = undefined
  }
}

function ruleFrom(
  caller: Pick<Caller, 'accountId' | 'region'>,
  body: Record<string, unknown>
): Rule {
  const type = body.ResourceType
  if (type !== 'EBS_SNAPSHOT' && type !== 'EC2_IMAGE')
    throw validation(
      "1 validation error detected: Value at 'resourceType' failed to satisfy constraint: Member must satisfy enum value set: [EBS_SNAPSHOT, EC2_IMAGE]"
    )
  const period = body.RetentionPeriod as
    { RetentionPeriodValue?: number; RetentionPeriodUnit?: string } | undefined
  const days = period?.RetentionPeriodValue
  if (
    !Number.isInteger(days) ||
    days! < 1 ||
    days! > 3650 ||
    period?.RetentionPeriodUnit !== 'DAYS'
  )
    throw validation('RetentionPeriod must be 1 to 3650 DAYS.')
  const resourceTags = tagList(body.ResourceTags, 'ResourceTags')
  const excludeResourceTags = tagList(body.ExcludeResourceTags, 'ExcludeResourceTags')
  if (resourceTags.length && excludeResourceTags.length)
    throw validation('A retention rule can have either resource tags or exclusion tags, not both.')
  const lock = body.LockConfiguration as
    { UnlockDelay?: { UnlockDelayValue?: number; UnlockDelayUnit?: string } } | undefined
  if (lock) {
    const d = lock.UnlockDelay?.UnlockDelayValue
    if (!Number.isInteger(d) || d! < 7 || d! > 30 || lock.UnlockDelay?.UnlockDelayUnit !== 'DAYS')
      throw validation('UnlockDelay must be 7 to 30 DAYS.')
    if (resourceTags.length) throw validation('Only Region-level retention rules can be locked.')
  }
  return {
    identifier: randomBytes(6).toString('hex').slice(0, 11),
    accountId: caller.accountId,
    region: caller.region,
    resourceType: type,
    description: body.Description as string | undefined,
    retentionDays: days!,
    resourceTags,
    excludeResourceTags,
    lockState: lock ? 'locked' : undefined,
    unlockDelayDays: lock?.UnlockDelay?.UnlockDelayValue,
    tags: (body.Tags as Rule['tags'] | undefined) ?? [],
    activeAt: 0
  }
}

function arnOf(r: Rule): string {
  return `arn:aws:rbin:${r.region}:${r.accountId}:rule/${r.identifier}`
}

function ruleJson(r: Rule, now: number) {
  return {
    Identifier: r.identifier,
    ...(r.description !== undefined ? { Description: r.description } : {}),
    ResourceType: r.resourceType,
    RetentionPeriod: { RetentionPeriodValue: r.retentionDays, RetentionPeriodUnit: 'DAYS' },
    ResourceTags: r.resourceTags,
    ...(r.excludeResourceTags.length ? { ExcludeResourceTags: r.excludeResourceTags } : {}),
    Status: now >= r.activeAt ? 'available' : 'pending',
    ...(r.lockState
      ? {
          LockConfiguration: {
            UnlockDelay: { UnlockDelayValue: r.unlockDelayDays, UnlockDelayUnit: 'DAYS' }
          },
          LockState: r.lockState
        }
      : {}),
    ...(r.lockEndTime !== undefined ? { LockEndTime: new Date(r.lockEndTime) } : {}),
    RuleArn: arnOf(r)
  }
}

function ownRule(sim: Sim, caller: Caller, id: unknown): Rule {
  const rule = rbinState(sim).rules.find(
    (r) => r.identifier === id && r.accountId === caller.accountId && r.region === caller.region
  )
  if (!rule) throw notFound(String(id))
  settleRule(rule, sim.clock.now())
  return rule
}

const sameTags = (a: RuleTag[], b: RuleTag[]) =>
  a.length === b.length &&
  a.every((x) =>
    b.some(
      (y) =>
        y.ResourceTagKey === x.ResourceTagKey &&
        (y.ResourceTagValue ?? '') === (x.ResourceTagValue ?? '')
    )
  )

function listRules(sim: Sim, caller: Caller, body: Record<string, unknown>) {
  const type = body.ResourceType
  if (type !== 'EBS_SNAPSHOT' && type !== 'EC2_IMAGE')
    throw validation(
      "1 validation error detected: Value at 'resourceType' failed to satisfy constraint: Member must not be null"
    )
  const tags = tagList(body.ResourceTags, 'ResourceTags')
  const exclude = tagList(body.ExcludeResourceTags, 'ExcludeResourceTags')
  const now = sim.clock.now()
  const rules = rbinState(sim)
    .rules.filter(
      (r) =>
        r.accountId === caller.accountId && r.region === caller.region && r.resourceType === type
    )
    .filter((r) => {
      settleRule(r, now)
      return (
        (!tags.length || sameTags(r.resourceTags, tags)) &&
        (!exclude.length || sameTags(r.excludeResourceTags, exclude)) &&
        (body.LockState === undefined || r.lockState === body.LockState)
      )
    })
  const max = body.MaxResults === undefined ? 1000 : Number(body.MaxResults)
  if (!Number.isInteger(max) || max < 1 || max > 1000)
    throw validation('MaxResults must be 1 to 1000.')
  const offset =
    body.NextToken === undefined
      ? 0
      : Number(Buffer.from(String(body.NextToken), 'base64').toString())
  if (!Number.isInteger(offset) || offset < 0) throw validation('The NextToken is not valid.')
  const page = rules.slice(offset, offset + max)
  return {
    Rules: page.map((r) => ({
      Identifier: r.identifier,
      ...(r.description !== undefined ? { Description: r.description } : {}),
      RetentionPeriod: { RetentionPeriodValue: r.retentionDays, RetentionPeriodUnit: 'DAYS' },
      ...(r.lockState ? { LockState: r.lockState } : {}),
      RuleArn: arnOf(r),
      ...(r.excludeResourceTags.length ? { ExcludeResourceTags: r.excludeResourceTags } : {})
    })),
    ...(offset + max < rules.length
      ? { NextToken: Buffer.from(String(offset + max)).toString('base64') }
      : {})
  }
}

function handle(sim: Sim, caller: Caller, action: string, body: Record<string, unknown>) {
  const s = rbinState(sim)
  switch (action) {
    case 'CreateRule': {
      const rule = ruleFrom(caller, body)
      // User guide "Considerations for Recycle Bin": the first rule of a Region can take up to
      // 30 minutes to become active; later ones are active almost at once.
      const first = !s.rules.some(
        (r) => r.accountId === caller.accountId && r.region === caller.region
      )
      rule.activeAt =
        sim.clock.now() + (first ? setting(sim, 'rbin', 'firstRuleActivationMs', 30 * 60_000) : 0)
      s.rules.push(rule)
      return ruleJson(rule, sim.clock.now())
    }
    case 'GetRule':
      return ruleJson(ownRule(sim, caller, body.Identifier), sim.clock.now())
    case 'ListRules':
      return listRules(sim, caller, body)
    case 'DeleteRule': {
      const rule = ownRule(sim, caller, body.Identifier)
      if (rule.lockState === 'locked' || rule.lockState === 'pending_unlock')
        throw new AwsError(
          'ConflictException',
          `Rule ${rule.identifier} is locked and cannot be deleted.`,
          409
        )
      s.rules = s.rules.filter((r) => r !== rule)
      return {}
    }
    case 'LockRule': {
      const rule = ownRule(sim, caller, body.Identifier)
      if (rule.resourceTags.length)
        throw validation('Only Region-level retention rules can be locked.')
      const probe = ruleFrom(caller, {
        ResourceType: rule.resourceType,
        RetentionPeriod: { RetentionPeriodValue: rule.retentionDays, RetentionPeriodUnit: 'DAYS' },
        LockConfiguration: body.LockConfiguration
      })
      rule.lockState = 'locked'
      rule.unlockDelayDays = probe.unlockDelayDays
      rule.lockEndTime = undefined
      return ruleJson(rule, sim.clock.now())
    }
    case 'UnlockRule': {
      const rule = ownRule(sim, caller, body.Identifier)
      if (rule.lockState !== 'locked')
        throw new AwsError('ConflictException', `Rule ${rule.identifier} is not locked.`, 409)
      rule.lockState = 'pending_unlock'
      rule.lockEndTime = sim.clock.now() + (rule.unlockDelayDays ?? 7) * DAY
      return ruleJson(rule, sim.clock.now())
    }
    default:
      throw new AwsError('UnknownOperationException', `Unknown operation ${action}`, 404)
  }
}

function route(method: string, path: string) {
  const id = /^\/rules\/([^/]+)(\/lock|\/unlock)?$/.exec(path)
  if (method === 'POST' && path === '/rules') return { action: 'CreateRule', params: {} }
  if (method === 'POST' && path === '/list-rules') return { action: 'ListRules', params: {} }
  if (!id) return undefined
  const Identifier = decodeURIComponent(id[1])
  if (method === 'GET' && !id[2]) return { action: 'GetRule', params: { Identifier } }
  if (method === 'DELETE' && !id[2]) return { action: 'DeleteRule', params: { Identifier } }
  if (method === 'PATCH' && id[2] === '/lock') return { action: 'LockRule', params: { Identifier } }
  if (method === 'PATCH' && id[2] === '/unlock')
    return { action: 'UnlockRule', params: { Identifier } }
  return undefined
}

/** The retention a resource gets from the owner's rules: the longest matching rule, if any. */
export function retentionFor(
  sim: Sim,
  accountId: string,
  region: string,
  resourceType: ResourceType,
  tags: Tag[]
): { days: number; ruleIds: string[] } | undefined {
  const has = (t: RuleTag) =>
    tags.some(
      (x) =>
        x.key === t.ResourceTagKey &&
        (t.ResourceTagValue === undefined || x.value === t.ResourceTagValue)
    )
  const rules = rbinState(sim).rules.filter(
    (r) =>
      r.accountId === accountId &&
      r.region === region &&
      r.resourceType === resourceType &&
      sim.clock.now() >= r.activeAt &&
      (r.resourceTags.length ? r.resourceTags.some(has) : !r.excludeResourceTags.some(has))
  )
  if (!rules.length) return undefined
  return {
    days: Math.max(...rules.map((r) => r.retentionDays)),
    ruleIds: rules.map((r) => r.identifier)
  }
}

export interface SeedRule {
  accountId: string
  region: string
  resourceType: ResourceType
  retentionDays: number
  description?: string
  resourceTags?: RuleTag[]
  excludeResourceTags?: RuleTag[]
  /** Lock it with this unlock delay (7-30 days). */
  unlockDelayDays?: number
}

export const rbin: ServiceModule = {
  name: 'rbin',
  protocol: 'rest-json',
  route,
  successStatus: (action) => (action === 'CreateRule' ? 201 : action === 'DeleteRule' ? 204 : 200),
  handle: (req, sim) => handle(sim, req.caller, req.action, req.params),
  isMutating: (action) => !['GetRule', 'ListRules'].includes(action),
  seed(data, sim) {
    const rules = ((data ?? {}) as { rules?: SeedRule[] }).rules ?? []
    return {
      rules: rules.map((r) => {
        const rule = ruleFrom(r, {
          ResourceType: r.resourceType,
          RetentionPeriod: { RetentionPeriodValue: r.retentionDays, RetentionPeriodUnit: 'DAYS' },
          Description: r.description,
          ResourceTags: r.resourceTags,
          ExcludeResourceTags: r.excludeResourceTags,
          ...(r.unlockDelayDays
            ? {
                LockConfiguration: {
                  UnlockDelay: { UnlockDelayValue: r.unlockDelayDays, UnlockDelayUnit: 'DAYS' }
                }
              }
            : {})
        })
        rbinState(sim).rules.push(rule)
        return rule.identifier
      })
    }
  },
  snapshot: (sim) => rbinState(sim).rules
}
