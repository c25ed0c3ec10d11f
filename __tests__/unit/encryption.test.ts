import { beforeEach, describe, expect, it } from '@jest/globals'
import {
  DescribeSnapshotsCommand,
  EC2Client,
  GetEbsDefaultKmsKeyIdCommand,
  GetEbsEncryptionByDefaultCommand
} from '@aws-sdk/client-ec2'
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient } from '@aws-sdk/client-kms'
import { mockClient } from 'aws-sdk-client-mock'
import { accountsMissingKeyAccess, checkEncryption } from '../../src/image/encryption.js'
import {
  ACCOUNT,
  awsError,
  COPY_ACCOUNT,
  makeHarness,
  makeImage,
  REGION,
  where
} from './distribute-context.js'

const ec2Mock = mockClient(EC2Client)
const kmsMock = mockClient(KMSClient)
const CMK = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`
const AWS_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/a0a0a0a0-0000-4000-8000-${ACCOUNT}`
const SHARE = {
  accounts: ['222222222222', '333333333333'],
  organizations: [],
  organizationalUnits: [],
  public: false,
  snapshots: false,
  mode: 'add' as const
}
const ALL = [
  'kms:Decrypt',
  'kms:CreateGrant',
  'kms:ReEncrypt*',
  'kms:GenerateDataKey*',
  'kms:DescribeKey'
]

/** The AMI's block device mappings say "encrypted" without the key (as DescribeImages often does). */
const encryptedImage = (): ReturnType<typeof makeImage> =>
  makeImage({ snapshots: [{ id: 'snap-0a', sizeGiB: 8, encrypted: true }] })

function encryptedWith(key: string): void {
  ec2Mock.on(DescribeSnapshotsCommand).resolves({
    Snapshots: [{ SnapshotId: 'snap-0a', Encrypted: true, KmsKeyId: key }]
  })
}

/** A customer managed key set as the default EBS key in the copy targets (so it can be shared). */
const DEFAULT_CMK = 'arn:aws:kms:eu-west-1:999988887777:key/default-cmk'

beforeEach(() => {
  ec2Mock.reset()
  kmsMock.reset()
  ec2Mock.on(GetEbsEncryptionByDefaultCommand).resolves({ EbsEncryptionByDefault: false })
  ec2Mock.on(GetEbsDefaultKmsKeyIdCommand).resolves({ KmsKeyId: DEFAULT_CMK })
  kmsMock
    .on(DescribeKeyCommand, { KeyId: DEFAULT_CMK })
    .resolves({ KeyMetadata: { KeyId: 'default-cmk', KeyManager: 'CUSTOMER' } })
})

describe('checkEncryption', () => {
  it('refuses sharing a source under the AWS-managed key, naming the key and the fix', async () => {
    encryptedWith(AWS_KEY)
    kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', KeyManager: 'AWS' } })
    const { ctx } = makeHarness({ share: SHARE })
    const findings = await checkEncryption(ctx, encryptedImage())
    expect(findings).toHaveLength(1)
    expect(findings[0].severity).toBe('error')
    expect(findings[0].message).toContain(AWS_KEY)
    expect(findings[0].message).toContain('snap-0a')
    expect(findings[0].message).toContain('`kms-key-id`')
    expect(findings[0].message).toMatch(/source AMI ami-0source itself still cannot be shared/)
    expect(ec2Mock.commandCalls(DescribeSnapshotsCommand)[0].args[0].input).toEqual({
      SnapshotIds: ['snap-0a']
    })
    expect(kmsMock.commandCalls(DescribeKeyCommand)[0].args[0].input).toEqual({ KeyId: AWS_KEY })
  })

  it('refuses copy-accounts with the AWS-managed key too', async () => {
    encryptedWith(AWS_KEY)
    kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', KeyManager: 'AWS' } })
    const { ctx } = makeHarness({
      copy: { regions: [], accounts: [COPY_ACCOUNT], regionKmsKeyIds: {} }
    })
    expect((await checkEncryption(ctx, encryptedImage()))[0].severity).toBe('error')
  })

  it('accepts the AWS-managed key when nothing is shared (same-account region copies work)', async () => {
    encryptedWith(AWS_KEY)
    kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', KeyManager: 'AWS' } })
    const { ctx } = makeHarness({
      copy: { regions: ['us-east-1'], accounts: [], regionKmsKeyIds: {} }
    })
    expect(await checkEncryption(ctx, encryptedImage())).toEqual([])
  })

  it('calls neither EC2 nor KMS when the AMI says its snapshots are unencrypted', async () => {
    const { ctx } = makeHarness({ share: SHARE })
    expect(await checkEncryption(ctx, makeImage())).toEqual([])
    expect(ec2Mock.calls()).toHaveLength(0)
    expect(kmsMock.calls()).toHaveLength(0)
  })

  it('takes the key from the AMI when it names one, and asks DescribeSnapshots only for the rest', async () => {
    encryptedWith(AWS_KEY)
    kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', KeyManager: 'AWS' } })
    const { ctx } = makeHarness({ share: SHARE })
    const image = makeImage({
      snapshots: [
        { id: 'snap-0b', sizeGiB: 8, encrypted: true, kmsKeyId: AWS_KEY },
        { id: 'snap-0a', sizeGiB: 8, encrypted: true },
        { id: 'snap-0c', sizeGiB: 8, encrypted: false }
      ]
    })
    const findings = await checkEncryption(ctx, image)
    expect(ec2Mock.commandCalls(DescribeSnapshotsCommand).map((c) => c.args[0].input)).toEqual([
      { SnapshotIds: ['snap-0a'] }
    ])
    expect(findings).toHaveLength(1)
    expect(findings[0].message).toContain('snap-0b, snap-0a')

    ec2Mock.resetHistory()
    const known = makeImage({
      snapshots: [{ id: 'snap-0b', sizeGiB: 8, encrypted: true, kmsKeyId: AWS_KEY }]
    })
    expect(await checkEncryption(ctx, known)).toHaveLength(1)
    expect(ec2Mock.calls()).toHaveLength(0)
  })

  it('warns, naming the share and copy accounts a customer key policy does not cover', async () => {
    encryptedWith(CMK)
    kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', KeyManager: 'CUSTOMER' } })
    kmsMock.on(GetKeyPolicyCommand).resolves({
      Policy: JSON.stringify({
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::222222222222:root' },
            Action: ALL,
            Resource: '*'
          },
          {
            Effect: 'Allow',
            Principal: { AWS: ['333333333333'] },
            Action: ['kms:Decrypt', 'kms:DescribeKey'],
            Resource: '*'
          }
        ]
      })
    })
    const { ctx } = makeHarness({
      share: SHARE,
      copy: { regions: [], accounts: [COPY_ACCOUNT], regionKmsKeyIds: {} }
    })
    const findings = await checkEncryption(ctx, encryptedImage())
    expect(kmsMock.commandCalls(GetKeyPolicyCommand)[0].args[0].input).toEqual({
      KeyId: CMK,
      PolicyName: 'default'
    })
    expect(findings).toHaveLength(1)
    expect(findings[0].severity).toBe('warning')
    expect(findings[0].message).toContain(`account(s) 333333333333, ${COPY_ACCOUNT.accountId}`)
    expect(findings[0].message).not.toContain('222222222222')
    expect(findings[0].message).toContain(CMK)
  })

  it('warns when the key policy cannot be read', async () => {
    encryptedWith(CMK)
    kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', KeyManager: 'CUSTOMER' } })
    kmsMock.on(GetKeyPolicyCommand).rejects(awsError('AccessDeniedException', 'not allowed'))
    const { ctx } = makeHarness({ share: SHARE })
    const [finding] = await checkEncryption(ctx, encryptedImage())
    expect(finding.severity).toBe('warning')
    expect(finding.message).toMatch(
      /Could not read the policy of KMS key .*222222222222, 333333333333/s
    )
  })

  it('refuses alias/aws/ebs as the copy key when sharing', async () => {
    const { ctx } = makeHarness({
      share: SHARE,
      copy: { regions: ['us-east-1'], accounts: [], kmsKeyId: 'alias/aws/ebs', regionKmsKeyIds: {} }
    })
    const findings = await checkEncryption(ctx, makeImage({ planned: true }))
    expect(findings[0].message).toMatch(/alias\/aws\/ebs is the AWS-managed EBS key/)
    expect(ec2Mock.calls()).toHaveLength(0)
  })

  it('skips an adopted AMI owned by another account', async () => {
    const { ctx } = makeHarness({ share: SHARE })
    expect(await checkEncryption(ctx, makeImage({ ownerId: '555555555555' }))).toEqual([])
    expect(ec2Mock.calls()).toHaveLength(0)
  })
})

describe('accountsMissingKeyAccess', () => {
  const policy = (statement: object): string => JSON.stringify({ Statement: [statement] })

  it('counts * limited by aws:PrincipalOrgID, and kms:* actions', () => {
    const p = policy({
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 'kms:*',
      Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123' } }
    })
    expect(accountsMissingKeyAccess(p, ['222222222222'])).toEqual([])
  })

  it('counts kms:CallerAccount naming the account, not other conditions', () => {
    const callerAccount = policy({
      Effect: 'Allow',
      Principal: '*',
      Action: ALL,
      Condition: { StringEquals: { 'kms:CallerAccount': ['222222222222'] } }
    })
    expect(accountsMissingKeyAccess(callerAccount, ['222222222222', '333333333333'])).toEqual([
      '333333333333'
    ])
    const other = policy({
      Effect: 'Allow',
      Principal: '*',
      Action: ALL,
      Condition: { StringEquals: { 'aws:SourceVpc': 'vpc-1' } }
    })
    expect(accountsMissingKeyAccess(other, ['222222222222'])).toEqual(['222222222222'])
  })

  it('requires both ReEncrypt actions and ignores Deny and role principals', () => {
    const p = JSON.stringify({
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: '222222222222' },
          Action: [
            'kms:Decrypt',
            'kms:CreateGrant',
            'kms:ReEncryptFrom',
            'kms:GenerateDataKey*',
            'kms:DescribeKey'
          ]
        },
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::333333333333:role/x' },
          Action: 'kms:*'
        },
        { Effect: 'Deny', Principal: '*', Action: 'kms:*' }
      ]
    })
    expect(accountsMissingKeyAccess(p, ['222222222222', '333333333333'])).toEqual([
      '222222222222',
      '333333333333'
    ])
  })

  it('treats an unreadable policy as granting nothing', () => {
    expect(accountsMissingKeyAccess('not json', ['222222222222'])).toEqual(['222222222222'])
    expect(accountsMissingKeyAccess('{}', ['222222222222'])).toEqual(['222222222222'])
  })
})

describe('checkEncryption: encrypted AMIs can never be public', () => {
  const PUBLIC = { ...SHARE, accounts: [], public: true }

  it('refuses share-public with an encrypted source, whatever the key, naming share-public', async () => {
    encryptedWith(CMK)
    kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', KeyManager: 'CUSTOMER' } })
    const { ctx } = makeHarness({ share: PUBLIC })
    const errors = (await checkEncryption(ctx, encryptedImage())).filter(
      (f) => f.severity === 'error'
    )
    expect(errors.map((f) => f.message)).toEqual([
      expect.stringMatching(/^share-public: ami-0source has encrypted snapshots \(snap-0a\).*never/)
    ])
  })

  it('refuses share-public together with kms-key-id / region-kms-key-ids, naming both', async () => {
    const { ctx } = makeHarness({
      share: PUBLIC,
      copy: { regions: ['us-east-1'], accounts: [], regionKmsKeyIds: { 'us-east-1': CMK } }
    })
    const findings = await checkEncryption(ctx, makeImage())
    expect(findings[0]).toMatchObject({
      severity: 'error',
      message: expect.stringMatching(
        /^share-public with kms-key-id \/ region-kms-key-ids: .*never be public/
      )
    })
  })

  it('refuses share-public where EBS encryption by default would encrypt an unencrypted copy', async () => {
    ec2Mock.on(GetEbsEncryptionByDefaultCommand).callsFake((_input, getClient) => ({
      EbsEncryptionByDefault: where(getClient()) === `${ACCOUNT}/ap-south-1`
    }))
    const { ctx } = makeHarness({
      share: PUBLIC,
      copy: { regions: ['us-east-1', 'ap-south-1'], accounts: [], regionKmsKeyIds: {} }
    })
    const findings = await checkEncryption(ctx, makeImage())
    expect(findings.map((f) => f.message)).toEqual([
      expect.stringMatching(
        /^share-public: the copy in ap-south-1 \(account 111122223333\) would be encrypted \(EBS encryption by default is on/
      )
    ])
  })
})

describe('checkEncryption: copies that would land on the default EBS key', () => {
  const copyRegions = (regionKmsKeyIds: Record<string, string> = {}) => ({
    regions: ['us-east-1', 'ap-south-1'],
    accounts: [],
    regionKmsKeyIds
  })

  it('refuses an encrypted source copied without a key where the default key is aws/ebs, naming the fix', async () => {
    encryptedWith(CMK)
    kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', KeyManager: 'CUSTOMER' } })
    kmsMock.on(GetKeyPolicyCommand).resolves({ Policy: '{}' })
    ec2Mock
      .on(GetEbsDefaultKmsKeyIdCommand)
      .resolves({ KmsKeyId: 'arn:aws:kms:us-east-1:111122223333:alias/aws/ebs' })
    const { ctx } = makeHarness({ share: SHARE, copy: copyRegions({ 'ap-south-1': CMK }) })
    const errors = (await checkEncryption(ctx, encryptedImage())).filter(
      (f) => f.severity === 'error'
    )
    expect(errors.map((f) => f.message)).toEqual([
      expect.stringMatching(
        /^kms-key-id \/ region-kms-key-ids: the copy in us-east-1 \(account 111122223333\) would be encrypted with the default EBS key arn:aws:kms:us-east-1:111122223333:alias\/aws\/ebs .*Set kms-key-id \(or region-kms-key-ids for us-east-1\)/
      )
    ])
    // ap-south-1 has its own key: its defaults are not asked; an encrypted source needs no by-default read.
    expect(ec2Mock.commandCalls(GetEbsDefaultKmsKeyIdCommand).map(where)).toEqual([
      `${ACCOUNT}/us-east-1`
    ])
    expect(ec2Mock.commandCalls(GetEbsEncryptionByDefaultCommand)).toHaveLength(0)
  })

  it('refuses an unencrypted source copied into a region with encryption by default on aws/ebs', async () => {
    ec2Mock.on(GetEbsEncryptionByDefaultCommand).resolves({ EbsEncryptionByDefault: true })
    ec2Mock.on(GetEbsDefaultKmsKeyIdCommand).resolves({ KmsKeyId: 'alias/aws/ebs' })
    const { ctx } = makeHarness({
      share: SHARE,
      copy: { regions: ['us-east-1'], accounts: [], regionKmsKeyIds: {} }
    })
    const [finding] = await checkEncryption(ctx, makeImage())
    expect(finding).toMatchObject({
      severity: 'error',
      message: expect.stringContaining('EBS encryption by default is on in us-east-1')
    })
  })

  it('accepts a customer managed default key, and asks nothing when by-default encryption is off', async () => {
    const { ctx } = makeHarness({ share: SHARE, copy: copyRegions() })
    expect(await checkEncryption(ctx, makeImage())).toEqual([])
    expect(ec2Mock.commandCalls(GetEbsDefaultKmsKeyIdCommand)).toHaveLength(0)
    ec2Mock.on(GetEbsEncryptionByDefaultCommand).resolves({ EbsEncryptionByDefault: true })
    expect(await checkEncryption(ctx, makeImage())).toEqual([])
  })

  it('asks nothing when the copies are not shared with anyone', async () => {
    encryptedWith(CMK)
    kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', KeyManager: 'CUSTOMER' } })
    const { ctx } = makeHarness({ copy: copyRegions() })
    await checkEncryption(ctx, encryptedImage())
    expect(ec2Mock.commandCalls(GetEbsEncryptionByDefaultCommand)).toHaveLength(0)
    expect(ec2Mock.commandCalls(GetEbsDefaultKmsKeyIdCommand)).toHaveLength(0)
  })

  it('warns, naming the permissions, when the defaults cannot be read', async () => {
    ec2Mock
      .on(GetEbsEncryptionByDefaultCommand)
      .rejects(
        awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403)
      )
    const { ctx } = makeHarness({
      share: SHARE,
      copy: { regions: ['us-east-1'], accounts: [], regionKmsKeyIds: {} }
    })
    const [finding] = await checkEncryption(ctx, makeImage())
    expect(finding.severity).toBe('warning')
    expect(finding.message).toContain('ec2:GetEbsEncryptionByDefault')
  })
})

describe('checkEncryption: the copy keys must be usable by the consumers', () => {
  it('warns when the policy of a region copy key does not grant the share accounts', async () => {
    kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', KeyManager: 'CUSTOMER' } })
    kmsMock.on(GetKeyPolicyCommand).resolves({ Policy: JSON.stringify({ Statement: [] }) })
    const { ctx } = makeHarness({
      share: SHARE,
      copy: { regions: ['us-east-1'], accounts: [], regionKmsKeyIds: { 'us-east-1': CMK } }
    })
    const findings = await checkEncryption(ctx, makeImage())
    expect(findings).toEqual([
      {
        severity: 'warning',
        message: expect.stringMatching(
          /policy of KMS key .* in us-east-1, which encrypts the copies there, does not grant .*222222222222, 333333333333 \(share-accounts\)/
        )
      }
    ])
    expect(where(kmsMock.commandCalls(GetKeyPolicyCommand)[0])).toBe(`kms ${ACCOUNT}/us-east-1`)
  })

  it('refuses a copy key that does not exist in its region', async () => {
    kmsMock
      .on(DescribeKeyCommand)
      .rejects(
        Object.assign(new Error('Invalid keyId alias/missing'), { name: 'NotFoundException' })
      )
    const { ctx } = makeHarness({
      share: SHARE,
      copy: { regions: ['us-east-1'], accounts: [], kmsKeyId: 'alias/missing', regionKmsKeyIds: {} }
    })
    const [finding] = await checkEncryption(ctx, makeImage())
    expect(finding).toMatchObject({
      severity: 'error',
      message: expect.stringMatching(
        /could not describe KMS key alias\/missing in us-east-1.*would fail/
      )
    })
  })
})
