// Tag conditions on top of the IAM allow-list (IAM user guide: "Controlling access to AWS
// resources using tags": aws:RequestTag/<key> on create calls, aws:ResourceTag/<key> on the
// resources acted on). Settings: `iamConditions: { '<account>': [{ action: 'ec2:TerminateInstances',
// resourceTags: { 'ami-share-action:test-run': '*' } }, { action: 'ec2:RunInstances',
// requestTags: { … } }] }`; values are `*`/`?` globs. An action with no condition for the account
// is governed by the allow-list alone.
import { AwsError, type Caller, type Sim } from '../../types.js'
import { principalOf } from '../sts.js'
import type { Tag } from './params.js'
import { globMatch } from './params.js'

export interface TagCondition {
  action: string
  /** aws:RequestTag/<key>: the tags the call puts on the new resource must include these. */
  requestTags?: Record<string, string>
  /** aws:ResourceTag/<key>: every resource the call acts on must carry these. */
  resourceTags?: Record<string, string>
}

function conditionsFor(sim: Sim, accountId: string, action: string): TagCondition[] {
  const all = sim.settings.iamConditions as Record<string, TagCondition[]> | undefined
  return (all?.[accountId] ?? []).filter((c) => c.action.toLowerCase() === action.toLowerCase())
}

const satisfies = (tags: Tag[], wanted: Record<string, string> | undefined) =>
  Object.entries(wanted ?? {}).every(([k, v]) =>
    tags.some((t) => t.key === k && globMatch(v, t.value))
  )

function denied(sim: Sim, caller: Caller, action: string, resource: string): AwsError {
  const service = action.split(':')[0]
  const because = `User: ${principalOf(sim, caller).arn} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`
  return service === 'ec2'
    ? new AwsError(
        'UnauthorizedOperation',
        `You are not authorized to perform this operation. ${because}`,
        403
      )
    : new AwsError('AccessDeniedException', because, 400)
}

/** A create call: the request's tags must satisfy every requestTags condition of the action. */
export function checkRequestTags(
  sim: Sim,
  caller: Caller,
  action: string,
  tags: Tag[],
  resource: string
): void {
  for (const c of conditionsFor(sim, caller.accountId, action))
    if (c.requestTags && !satisfies(tags, c.requestTags))
      throw denied(sim, caller, action, resource)
}

/** A call on existing resources: each must satisfy every resourceTags condition of the action. */
export function checkResourceTags(
  sim: Sim,
  caller: Caller,
  action: string,
  resources: { arn: string; tags: Tag[] }[]
): void {
  for (const c of conditionsFor(sim, caller.accountId, action))
    for (const r of resources)
      if (c.resourceTags && !satisfies(r.tags, c.resourceTags))
        throw denied(sim, caller, action, r.arn)
}
