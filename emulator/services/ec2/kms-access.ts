// Whether an account can use a KMS key for EBS, read from the KMS service's seeded keys and key
// policies (user guide: "Share an AMI with specific AWS accounts" → KMS key permissions; KMS
// developer guide: "Allowing users in other accounts to use a KMS key"). EBS needs kms:CreateGrant
// and kms:Decrypt on the snapshot's key to create the instance's volumes.
import type { Sim } from '../../types.js'
import { isAwsManagedKey } from '../../kms-keys.js'

interface KeyView {
  accountId: string
  enabled: boolean
  policy: string
}

interface Statement {
  Effect?: string
  Principal?: string | { AWS?: string | string[] }
  Action?: string | string[]
}

const EBS_NEEDS = ['kms:CreateGrant', 'kms:Decrypt']

function asList(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v]
}

function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(
    '^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$',
    'i'
  )
  return re.test(action)
}

function principalMatches(principal: Statement['Principal'], accountId: string): boolean {
  if (principal === '*') return true
  const list = typeof principal === 'object' ? asList(principal.AWS) : []
  return list.some(
    (p) => p === '*' || p === accountId || p.startsWith(`arn:aws:iam::${accountId}:`)
  )
}

/** The key policy allows (and does not deny) the account every action EBS needs. */
function policyAllows(policyText: string, accountId: string): boolean {
  let statements: Statement[]
  try {
    const doc = JSON.parse(policyText) as { Statement?: Statement | Statement[] }
    statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : []
  } catch {
    return false
  }
  const applies = (s: Statement, action: string) =>
    principalMatches(s.Principal, accountId) &&
    asList(s.Action).some((a) => actionMatches(a, action))
  return EBS_NEEDS.every(
    (action) =>
      statements.some((s) => s.Effect === 'Allow' && applies(s, action)) &&
      !statements.some((s) => s.Effect === 'Deny' && applies(s, action))
  )
}

/**
 * Can `accountId` create volumes from snapshots encrypted with `keyArn`? The AWS-managed
 * `aws/ebs` key only within its own account; a customer key when enabled and its policy allows
 * the account; a key the KMS seed does not know only for its own account.
 */
export function canUseKeyForEbs(sim: Sim, accountId: string, keyArn: string): boolean {
  const owner = /^arn:aws[\w-]*:kms:[^:]+:(\d{12}):/.exec(keyArn)?.[1]
  if (isAwsManagedKey(keyArn)) return owner === undefined || owner === accountId
  const keys = (sim.state.kms as { keys?: Record<string, KeyView> } | undefined)?.keys ?? {}
  const key = keys[keyArn]
  if (!key) return owner === undefined || owner === accountId
  if (!key.enabled) return false
  return policyAllows(key.policy, accountId)
}
