import { beforeEach, describe, expect, it } from '@jest/globals'
import { DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2'
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient } from '@aws-sdk/client-kms'
import { mockClient } from 'aws-sdk-client-mock'
import { accountsMissingKeyAccess, checkEncryption } from '../../src/image/encryption.js'
import {
  ACCOUNT,
  awsError,
  COPY_ACCOUNT,
  makeHarness,
  makeImage,
  REGION
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

beforeEach(() => {
  ec2Mock.reset()
  kmsMock.reset()
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
