// KMS: DescribeKey, GetKeyPolicy, ListAliases. Keys and aliases are seeded; every
// (account, region) also has the AWS-managed `alias/aws/ebs` key (see ../kms-keys.ts).
import { randomUUID } from 'node:crypto'
import { AwsError, type Caller, type ServiceModule, type Sim } from '../types.js'
import { awsManagedEbsKey } from '../kms-keys.js'

interface KmsKey {
  accountId: string
  region: string
  keyId: string
  arn: string
  keyManager: 'AWS' | 'CUSTOMER'
  description: string
  enabled: boolean
  policy: string
  createdAt: number
}

interface KmsState {
  /** By key ARN. */
  keys: Record<string, KmsKey>
  /** alias ARN → key ID. */
  aliases: Record<string, string>
}

/** POST /_sim/seed { kms: { keys: [KmsKeySeed] } } */
export interface KmsKeySeed {
  accountId: string
  region: string
  keyId?: string
  description?: string
  /** e.g. ['alias/golden-ami']. */
  aliases?: string[]
  /** The key policy as a JSON string or object; default: the account-root default policy. */
  policy?: string | Record<string, unknown>
  enabled?: boolean
}

function kmsState(sim: Sim): KmsState {
  return (sim.state.kms ??= { keys: {}, aliases: {} }) as KmsState
}

function defaultPolicy(accountId: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: 'kms:*',
        Resource: '*'
      }
    ]
  })
}

function awsManagedPolicy(accountId: string, region: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'auto-ebs-2',
    Statement: [
      {
        Sid: 'Allow access through EBS for all principals in the account that are authorized to use EBS',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: [
          'kms:Encrypt',
          'kms:Decrypt',
          'kms:ReEncrypt*',
          'kms:GenerateDataKey*',
          'kms:CreateGrant',
          'kms:DescribeKey'
        ],
        Resource: '*',
        Condition: {
          StringEquals: {
            'kms:ViaService': `ec2.${region}.amazonaws.com`,
            'kms:CallerAccount': accountId
          }
        }
      }
    ]
  })
}

function managedKey(accountId: string, region: string): KmsKey {
  const { keyId, arn } = awsManagedEbsKey(accountId, region)
  return {
    accountId,
    region,
    keyId,
    arn,
    keyManager: 'AWS',
    description: 'Default key that protects my EBS volumes when no other key is defined',
    enabled: true,
    policy: awsManagedPolicy(accountId, region),
    createdAt: Date.UTC(2020, 0, 1)
  }
}

export function seedKmsKey(sim: Sim, seed: KmsKeySeed): KmsKey {
  const keyId = seed.keyId ?? randomUUID()
  const arn = `arn:aws:kms:${seed.region}:${seed.accountId}:key/${keyId}`
  const policy = typeof seed.policy === 'object' ? JSON.stringify(seed.policy) : seed.policy
  const key: KmsKey = {
    accountId: seed.accountId,
    region: seed.region,
    keyId,
    arn,
    keyManager: 'CUSTOMER',
    description: seed.description ?? '',
    enabled: seed.enabled ?? true,
    policy: policy ?? defaultPolicy(seed.accountId),
    createdAt: sim.clock.now()
  }
  const state = kmsState(sim)
  state.keys[arn] = key
  for (const alias of seed.aliases ?? []) {
    state.aliases[`arn:aws:kms:${seed.region}:${seed.accountId}:${alias}`] = keyId
  }
  return key
}

/** Resolve a key ID, key ARN, alias name or alias ARN, in the caller's account and region. */
function resolveKey(sim: Sim, caller: Caller, keyRef: unknown): KmsKey {
  const ref = typeof keyRef === 'string' ? keyRef : ''
  if (ref === '') throw new AwsError('ValidationException', 'KeyId is required', 400)
  const arnMatch = /^arn:aws[\w-]*:kms:([^:]+):(\d{12}):(.+)$/.exec(ref)
  const [region, accountId, resource] = arnMatch
    ? [arnMatch[1], arnMatch[2], arnMatch[3]]
    : [caller.region, caller.accountId, ref.startsWith('alias/') ? ref : `key/${ref}`]
  const state = kmsState(sim)
  let keyId: string | undefined
  if (resource.startsWith('alias/')) {
    const aliasArn = `arn:aws:kms:${region}:${accountId}:${resource}`
    keyId =
      resource === 'alias/aws/ebs'
        ? awsManagedEbsKey(accountId, region).keyId
        : state.aliases[aliasArn]
    if (!keyId) throw new AwsError('NotFoundException', `Alias ${aliasArn} is not found.`, 400)
  } else {
    keyId = resource.replace(/^key\//, '')
  }
  const keyArn = `arn:aws:kms:${region}:${accountId}:key/${keyId}`
  const managed = managedKey(accountId, region)
  if (keyArn === managed.arn) return managed
  const key = state.keys[keyArn]
  if (!key) throw new AwsError('NotFoundException', `Key '${keyArn}' does not exist`, 400)
  return key
}

function keyMetadata(key: KmsKey): Record<string, unknown> {
  return {
    AWSAccountId: key.accountId,
    KeyId: key.keyId,
    Arn: key.arn,
    CreationDate: new Date(key.createdAt),
    Enabled: key.enabled,
    Description: key.description,
    KeyUsage: 'ENCRYPT_DECRYPT',
    KeyState: key.enabled ? 'Enabled' : 'Disabled',
    Origin: 'AWS_KMS',
    KeyManager: key.keyManager,
    CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
    KeySpec: 'SYMMETRIC_DEFAULT',
    EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    MultiRegion: false
  }
}

function listAliases(sim: Sim, caller: Caller): unknown {
  const prefix = `arn:aws:kms:${caller.region}:${caller.accountId}:`
  const managed = awsManagedEbsKey(caller.accountId, caller.region)
  const aliases = [
    { AliasName: 'alias/aws/ebs', AliasArn: `${prefix}alias/aws/ebs`, TargetKeyId: managed.keyId }
  ]
  for (const [aliasArn, keyId] of Object.entries(kmsState(sim).aliases)) {
    if (aliasArn.startsWith(prefix)) {
      aliases.push({
        AliasName: aliasArn.slice(prefix.length),
        AliasArn: aliasArn,
        TargetKeyId: keyId
      })
    }
  }
  return { Aliases: aliases, Truncated: false }
}

export const kms: ServiceModule = {
  name: 'kms',
  protocol: 'json',
  isMutating: () => false,
  handle(req, sim) {
    switch (req.action) {
      case 'DescribeKey':
        return { KeyMetadata: keyMetadata(resolveKey(sim, req.caller, req.params.KeyId)) }
      case 'GetKeyPolicy':
        return {
          Policy: resolveKey(sim, req.caller, req.params.KeyId).policy,
          PolicyName: 'default'
        }
      case 'ListAliases':
        return listAliases(sim, req.caller)
      default:
        throw new AwsError('UnknownOperationException', `Unknown operation ${req.action}`, 400)
    }
  },
  seed(data, sim) {
    const keys = ((data ?? {}) as { keys?: KmsKeySeed[] }).keys ?? []
    return {
      keys: keys.map((k) => seedKmsKey(sim, k)).map((k) => ({ keyId: k.keyId, arn: k.arn }))
    }
  },
  snapshot(sim) {
    const state = kmsState(sim)
    return { keys: Object.values(state.keys), aliases: state.aliases }
  }
}
