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
import { copyKmsKey, copyTargets, type CopyTarget } from './copy.js'
import { checkDefaultKeys } from './default-key.js'
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

/** The configured copy keys: `kms-key-id` and every `region-kms-key-ids` value. */
function configuredCopyKeys(config: Config): string[] {
  return [config.copy.kmsKeyId, ...Object.values(config.copy.regionKmsKeyIds)].filter(
    (k): k is string => Boolean(k)
  )
}

/** AMIs with encrypted snapshots can never be public (EC2 User Guide, "Share an AMI publicly"). */
function publicEncryptionFindings(config: Config, image: Image): Finding[] {
  if (!config.share.public) return []
  const findings: Finding[] = []
  if (configuredCopyKeys(config).length > 0) {
    findings.push(
      error(
        `share-public with kms-key-id / region-kms-key-ids: copies encrypted with a KMS key can never be public (AWS does not allow public AMIs with encrypted snapshots). Remove the copy keys, or set share-public: false.`
      )
    )
  }
  const encrypted = image.snapshots.filter((s) => s.encrypted).map((s) => s.id)
  if (encrypted.length > 0) {
    findings.push(
      error(
        `share-public: ${image.id} has encrypted snapshots (${encrypted.join(', ')}), and AWS never allows an AMI with encrypted snapshots to be public, whatever the key. Set share-public: false, or build an unencrypted image to publish.`
      )
    )
  }
  return findings
}

/**
 * Pre-flight findings about the source's snapshot keys, the configured copy keys and the default
 * EBS key each copy would otherwise land on. `targets` defaults to the run's copy targets.
 */
export async function checkEncryption(
  ctx: RunContext,
  image: Image,
  targets: CopyTarget[] = copyTargets(ctx.config, image)
): Promise<Finding[]> {
  const { config } = ctx
  const findings: Finding[] = [...publicEncryptionFindings(config, image)]
  if (sharesAnything(config)) {
    for (const key of configuredCopyKeys(config)) {
      if (isAwsManagedAlias(key)) {
        findings.push(
          error(
            `kms-key-id / region-kms-key-ids: ${key} is the AWS-managed EBS key, and AMIs encrypted with it cannot be shared or copied to other accounts. Use a customer managed KMS key.`
          )
        )
      }
    }
  }
  findings.push(...(await checkCopyKeyPolicies(ctx, targets)))
  findings.push(...(await checkDefaultKeys(ctx, image, targets)))
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
  const { DescribeKeyCommand } = await sdk.kms()
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
    const finding = await keyPolicyFinding(
      ctx,
      image.region,
      keyId,
      accounts,
      `which encrypts the snapshots of ${image.id}`,
      'share-accounts / copy-accounts'
    )
    if (finding) findings.push(finding)
  }
  return findings
}

/** A warning when the key policy does not let `accounts` use the key (or cannot be read). */
async function keyPolicyFinding(
  ctx: RunContext,
  region: string,
  keyId: string,
  accounts: string[],
  role: string,
  inputs: string
): Promise<Finding | undefined> {
  let policy: string | undefined
  try {
    const { GetKeyPolicyCommand } = await sdk.kms()
    const kms = await ctx.clients.kms(region)
    ;({ Policy: policy } = await kms.send(
      new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' })
    ))
  } catch (e) {
    return warning(
      `Could not read the policy of KMS key ${keyId} in ${region} (${describeError(e)}); make sure accounts ${accounts.join(', ')} may use it (${permissionNames()}).`
    )
  }
  const missing = accountsMissingKeyAccess(policy ?? '{}', accounts)
  if (missing.length === 0) return undefined
  return warning(
    `The policy of KMS key ${keyId} in ${region}, ${role}, does not grant ${permissionNames()} to account(s) ${missing.join(', ')} (${inputs}). They will not be able to launch or copy the AMI unless an IAM policy or KMS grant allows it: add them to the key policy.`
  )
}

/**
 * The consumer-facing key check for the copies: in each region with a copy key, the accounts the
 * copies are shared with (share-accounts) must be able to use that key. Keys given by alias or ID
 * resolve in the build account; a copy account's own copy resolves them in that account, which
 * this check cannot read, so only the build account's copies are checked.
 */
async function checkCopyKeyPolicies(ctx: RunContext, targets: CopyTarget[]): Promise<Finding[]> {
  const { config } = ctx
  const accounts = [...new Set(config.share.accounts)]
  if (accounts.length === 0) return []
  const findings: Finding[] = []
  const seen = new Set<string>()
  for (const target of targets) {
    if (target.account) continue
    const keyId = copyKmsKey(config, target.region)
    if (!keyId || isAwsManagedAlias(keyId) || seen.has(`${target.region} ${keyId}`)) continue
    seen.add(`${target.region} ${keyId}`)
    let manager: string | undefined
    try {
      const { DescribeKeyCommand } = await sdk.kms()
      const kms = await ctx.clients.kms(target.region)
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }))
      manager = KeyMetadata?.KeyManager
    } catch (e) {
      const notFound = (e as { name?: string }).name === 'NotFoundException'
      findings.push(
        (notFound ? error : warning)(
          `kms-key-id / region-kms-key-ids: could not describe KMS key ${keyId} in ${target.region} (${describeError(e)})${notFound ? '; the copies there would fail. Give a key that exists in that region.' : '.'}`
        )
      )
      continue
    }
    if (manager === 'AWS') continue
    const finding = await keyPolicyFinding(
      ctx,
      target.region,
      keyId,
      accounts,
      'which encrypts the copies there',
      'share-accounts'
    )
    if (finding) findings.push(finding)
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
