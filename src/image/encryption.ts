// Encryption pre-flight: run before anything changes. Snapshots under the AWS-managed EBS key
// cannot be shared at all, so sharing or cross-account copying is refused up front; with a
// customer managed key the key policy must let the other accounts use the key, and we say which
// accounts it does not cover (a warning: grants can also come from IAM or KMS grants we cannot see).
import { DescribeSnapshotsCommand } from '@aws-sdk/client-ec2'
import { sdk } from '../aws/clients.js'
import { describeError } from '../aws/errors.js'
import type { Config } from '../config.js'
import type { RunContext } from '../context.js'
import type { Image } from '../types.js'
import { error, warning, type Finding } from './findings.js'

/** What another account needs on the key to launch, copy or re-encrypt an encrypted AMI. */
export const REQUIRED_KMS_PERMISSIONS: { name: string; actions: string[] }[] = [
  { name: 'kms:Decrypt', actions: ['kms:Decrypt'] },
  { name: 'kms:CreateGrant', actions: ['kms:CreateGrant'] },
  { name: 'kms:ReEncrypt*', actions: ['kms:ReEncryptFrom', 'kms:ReEncryptTo'] },
  { name: 'kms:GenerateDataKey*', actions: ['kms:GenerateDataKeyWithoutPlaintext'] },
  { name: 'kms:DescribeKey', actions: ['kms:DescribeKey'] }
]

/** Accounts (share-accounts and copy-accounts) that will use the source AMI's key. */
export function keyUserAccounts(config: Config): string[] {
  return [...new Set([...config.share.accounts, ...config.copy.accounts.map((a) => a.accountId)])]
}

function sharesAnything(config: Config): boolean {
  const s = config.share
  return (
    s.accounts.length + s.organizations.length + s.organizationalUnits.length > 0 ||
    s.public ||
    config.copy.accounts.length > 0
  )
}

const isAwsManagedAlias = (key: string): boolean => /(^|:)alias\/aws\/ebs$/.test(key)

/** Pre-flight findings about the source's snapshot keys and the configured copy keys. */
export async function checkEncryption(ctx: RunContext, image: Image): Promise<Finding[]> {
  const { config } = ctx
  const findings: Finding[] = []
  if (sharesAnything(config)) {
    const copyKeys = [config.copy.kmsKeyId, ...Object.values(config.copy.regionKmsKeyIds)]
    for (const key of copyKeys) {
      if (key && isAwsManagedAlias(key)) {
        findings.push(
          error(
            `kms-key-id / region-kms-key-ids: ${key} is the AWS-managed EBS key, and AMIs encrypted with it cannot be shared or copied to other accounts. Use a customer managed KMS key.`
          )
        )
      }
    }
  }
  if (image.planned || image.snapshots.length === 0) return findings
  if (image.ownerId !== image.accountId) {
    ctx.log.debug(`Encryption check skipped: ${image.id} is owned by ${image.ownerId}`)
    return findings
  }

  const snapshotsByKey = new Map<string, string[]>()
  for (const s of await snapshotKeys(ctx, image)) {
    snapshotsByKey.set(s.keyId, [...(snapshotsByKey.get(s.keyId) ?? []), s.id])
  }

  // Unencrypted images never load the KMS client (see sdk in aws/clients.ts).
  if (snapshotsByKey.size === 0) return findings
  const { DescribeKeyCommand, GetKeyPolicyCommand } = await sdk.kms()
  const kms = await ctx.clients.kms(image.region)
  for (const [keyId, snapshotIds] of snapshotsByKey) {
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }))
    if (KeyMetadata?.KeyManager === 'AWS') {
      if (sharesAnything(config))
        findings.push(error(awsManagedKeyMessage(image, keyId, snapshotIds)))
      continue
    }
    const accounts = keyUserAccounts(config)
    if (accounts.length === 0) continue
    let policy: string | undefined
    try {
      ;({ Policy: policy } = await kms.send(
        new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' })
      ))
    } catch (e) {
      findings.push(
        warning(
          `Could not read the policy of KMS key ${keyId} (${describeError(e)}); make sure accounts ${accounts.join(', ')} may use it (${permissionNames()}).`
        )
      )
      continue
    }
    const missing = accountsMissingKeyAccess(policy ?? '{}', accounts)
    if (missing.length > 0) {
      findings.push(
        warning(
          `The policy of KMS key ${keyId}, which encrypts the snapshots of ${image.id}, does not grant ${permissionNames()} to account(s) ${missing.join(', ')} (share-accounts / copy-accounts). They will not be able to launch or copy the AMI unless an IAM policy or KMS grant allows it: add them to the key policy.`
        )
      )
    }
  }
  return findings
}

/**
 * The KMS key of each encrypted snapshot. The AMI's block device mappings already say whether a
 * snapshot is encrypted and often with which key; DescribeSnapshots only for those that lack it.
 */
async function snapshotKeys(
  ctx: RunContext,
  image: Image
): Promise<{ id: string; keyId: string }[]> {
  const encrypted = image.snapshots.filter((s) => s.encrypted)
  const known = encrypted.flatMap((s) => (s.kmsKeyId ? [{ id: s.id, keyId: s.kmsKeyId }] : []))
  const unknown = encrypted.filter((s) => !s.kmsKeyId).map((s) => s.id)
  if (unknown.length === 0) return known
  const { Snapshots = [] } = await ctx.clients
    .ec2(image.region)
    .send(new DescribeSnapshotsCommand({ SnapshotIds: unknown }))
  return [
    ...known,
    ...Snapshots.flatMap((s) =>
      s.Encrypted && s.KmsKeyId && s.SnapshotId ? [{ id: s.SnapshotId, keyId: s.KmsKeyId }] : []
    )
  ]
}

function permissionNames(): string {
  return REQUIRED_KMS_PERMISSIONS.map((p) => p.name).join(', ')
}

function awsManagedKeyMessage(image: Image, keyId: string, snapshotIds: string[]): string {
  return (
    `Cannot share ${image.id}: its snapshots (${snapshotIds.join(', ')}) are encrypted with the AWS-managed key ${keyId} (alias/aws/ebs), ` +
    `and AWS does not allow sharing AMIs or snapshots encrypted with that key with other accounts ` +
    `(needed for share-accounts, share-organizations, share-organizational-units, share-public and copy-accounts). ` +
    `Fix: encrypt the image with a customer managed KMS key when you build it. Setting \`kms-key-id\` re-encrypts the copies with a customer managed key so they can be shared, ` +
    `but the source AMI ${image.id} itself still cannot be shared or copied to other accounts: remove the share and copy-accounts inputs if you keep this key.`
  )
}

interface PolicyStatement {
  Effect?: string
  Principal?: unknown
  Action?: string | string[]
  Condition?: Record<string, Record<string, unknown>>
}

const asList = (value: unknown): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)]

/** IAM action glob (`*`, `?`), case-insensitive. */
function actionMatches(pattern: string, action: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${regex}$`, 'i').test(action)
}

/**
 * Does this statement's principal cover the account? Deliberately simple: the account ID,
 * `arn:<partition>:iam::<acct>:root`, or `*` (unconditional, limited by aws:PrincipalOrgID, or by
 * kms:CallerAccount / aws:PrincipalAccount naming the account). Role or user ARNs and other
 * conditions are not counted: a warning is cheaper than a false "all good".
 */
function principalCovers(statement: PolicyStatement, account: string): boolean {
  const principal = statement.Principal
  const aws = principal === '*' ? ['*'] : asList((principal as { AWS?: unknown } | undefined)?.AWS)
  if (
    aws.includes(account) ||
    aws.some((p) => new RegExp(`^arn:[\\w-]+:iam::${account}:root$`).test(p))
  ) {
    return true
  }
  if (!aws.includes('*')) return false
  const conditions = Object.values(statement.Condition ?? {})
  if (conditions.length === 0) return true
  return conditions.some((block) =>
    Object.entries(block).some(([key, value]) => {
      const k = key.toLowerCase()
      if (k === 'aws:principalorgid') return true
      return (
        (k === 'kms:calleraccount' || k === 'aws:principalaccount') &&
        asList(value).includes(account)
      )
    })
  )
}

/** Accounts among `accounts` that the key policy does not allow every required KMS action. */
export function accountsMissingKeyAccess(policyJson: string, accounts: string[]): string[] {
  let statements: PolicyStatement[]
  try {
    const parsed = JSON.parse(policyJson) as { Statement?: PolicyStatement | PolicyStatement[] }
    statements = Array.isArray(parsed.Statement)
      ? parsed.Statement
      : parsed.Statement
        ? [parsed.Statement]
        : []
  } catch {
    return accounts
  }
  const allows = statements.filter((s) => s.Effect === 'Allow')
  const required = REQUIRED_KMS_PERMISSIONS.flatMap((p) => p.actions)
  return accounts.filter(
    (account) =>
      !required.every((action) =>
        allows.some(
          (s) =>
            principalCovers(s, account) && asList(s.Action).some((p) => actionMatches(p, action))
        )
      )
  )
}
