import { beforeEach, describe, expect, it } from '@jest/globals'
import {
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeSnapshotAttributeCommand,
  EC2Client,
  GetImageBlockPublicAccessStateCommand,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand
} from '@aws-sdk/client-ec2'
import {
  GetServiceQuotaCommand,
  ServiceQuotasClient,
  ServiceQuotasServiceException
} from '@aws-sdk/client-service-quotas'
import { mockClient } from 'aws-sdk-client-mock'
import {
  checkPublicSharing,
  copyShareSpec,
  planShareChange,
  shareImage,
  sourceShareSpec,
  type ShareSpec
} from '../../src/image/share.js'
import { ACCOUNT, COPY_ACCOUNT, makeHarness, REGION } from './distribute-context.js'

const ec2Mock = mockClient(EC2Client)
const quotasMock = mockClient(ServiceQuotasClient)
const quota = (Value: number) => ({ Quota: { QuotaCode: 'x', Value } })
const quotaDenied = () =>
  new ServiceQuotasServiceException({
    name: 'AccessDeniedException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'User is not authorized to perform: servicequotas:GetServiceQuota'
  })
const ORG = 'arn:aws:organizations::123456789012:organization/o-abc123'
const OU = 'arn:aws:organizations::123456789012:ou/o-abc123/ou-ab12-cdef3456'
const none = { accounts: [], organizations: [], organizationalUnits: [], public: false }

function spec(overrides: Partial<ShareSpec> = {}): ShareSpec {
  return { ...none, snapshotAccounts: [], mode: 'add', ...overrides }
}

beforeEach(() => {
  ec2Mock.reset()
  quotasMock.reset()
})

describe('shareImage', () => {
  const target = {
    imageId: 'ami-1',
    region: REGION,
    accountId: ACCOUNT,
    snapshotIds: ['snap-1', 'snap-2']
  }

  it('adds accounts, organizations and OUs not yet present in one ModifyImageAttribute', async () => {
    ec2Mock
      .on(DescribeImageAttributeCommand)
      .resolves({ LaunchPermissions: [{ UserId: '222222222222' }] })
    const { ctx } = makeHarness()
    const { after } = await shareImage(
      ctx,
      new EC2Client({ region: REGION }),
      target,
      spec({
        accounts: ['222222222222', '333333333333'],
        organizations: [ORG],
        organizationalUnits: [OU]
      })
    )
    expect(ec2Mock.commandCalls(DescribeImageAttributeCommand)[0].args[0].input).toEqual({
      ImageId: 'ami-1',
      Attribute: 'launchPermission'
    })
    const modify = ec2Mock.commandCalls(ModifyImageAttributeCommand)
    expect(modify).toHaveLength(1)
    expect(modify[0].args[0].input).toEqual({
      ImageId: 'ami-1',
      LaunchPermission: {
        Add: [{ UserId: '333333333333' }, { OrganizationArn: ORG }, { OrganizationalUnitArn: OU }]
      }
    })
    expect(after).toEqual({
      accounts: ['222222222222', '333333333333'],
      organizations: [ORG],
      organizationalUnits: [OU],
      public: false
    })
    expect(ec2Mock.commandCalls(ModifySnapshotAttributeCommand)).toHaveLength(0)
  })

  it('sends nothing on a re-run when everything is already shared', async () => {
    ec2Mock.on(DescribeImageAttributeCommand).resolves({
      LaunchPermissions: [{ UserId: '222222222222' }, { OrganizationArn: ORG }, { Group: 'all' }]
    })
    const { ctx } = makeHarness()
    const { after } = await shareImage(
      ctx,
      new EC2Client({ region: REGION }),
      target,
      spec({ accounts: ['222222222222'], organizations: [ORG], public: true })
    )
    expect(ec2Mock.commandCalls(ModifyImageAttributeCommand)).toHaveLength(0)
    expect(after.public).toBe(true)
  })

  it('sharing-mode exact removes unlisted accounts and public access in the same call', async () => {
    ec2Mock.on(DescribeImageAttributeCommand).resolves({
      LaunchPermissions: [{ UserId: '222222222222' }, { UserId: '444444444444' }, { Group: 'all' }]
    })
    const { ctx } = makeHarness()
    const { after } = await shareImage(
      ctx,
      new EC2Client({ region: REGION }),
      target,
      spec({ accounts: ['222222222222', '333333333333'], mode: 'exact' })
    )
    expect(ec2Mock.commandCalls(ModifyImageAttributeCommand)[0].args[0].input).toEqual({
      ImageId: 'ami-1',
      LaunchPermission: {
        Add: [{ UserId: '333333333333' }],
        Remove: [{ UserId: '444444444444' }, { Group: 'all' }]
      }
    })
    expect(after).toEqual({ ...none, accounts: ['222222222222', '333333333333'] })
  })

  it('makes the AMI public with Group all', async () => {
    ec2Mock.on(DescribeImageAttributeCommand).resolves({ LaunchPermissions: [] })
    const { ctx } = makeHarness()
    await shareImage(ctx, new EC2Client({ region: REGION }), target, spec({ public: true }))
    expect(
      ec2Mock.commandCalls(ModifyImageAttributeCommand)[0].args[0].input.LaunchPermission
    ).toEqual({
      Add: [{ Group: 'all' }]
    })
  })

  it('grants createVolumePermission on every snapshot, only to accounts that lack it', async () => {
    ec2Mock.on(DescribeImageAttributeCommand).resolves({ LaunchPermissions: [] })
    ec2Mock
      .on(DescribeSnapshotAttributeCommand, { SnapshotId: 'snap-2' })
      .resolves({ CreateVolumePermissions: [{ UserId: '999988887777' }] })
    const { ctx } = makeHarness()
    await shareImage(
      ctx,
      new EC2Client({ region: REGION }),
      target,
      spec({ accounts: ['222222222222'], snapshotAccounts: ['222222222222', '999988887777'] })
    )
    const calls = ec2Mock.commandCalls(ModifySnapshotAttributeCommand).map((c) => c.args[0].input)
    expect(calls).toEqual([
      {
        SnapshotId: 'snap-1',
        Attribute: 'createVolumePermission',
        CreateVolumePermission: { Add: [{ UserId: '222222222222' }, { UserId: '999988887777' }] }
      },
      {
        SnapshotId: 'snap-2',
        Attribute: 'createVolumePermission',
        CreateVolumePermission: { Add: [{ UserId: '222222222222' }] }
      }
    ])
  })

  it('sends no ModifySnapshotAttribute when every account already has access', async () => {
    ec2Mock.on(DescribeImageAttributeCommand).resolves({ LaunchPermissions: [] })
    ec2Mock
      .on(DescribeSnapshotAttributeCommand)
      .resolves({ CreateVolumePermissions: [{ UserId: '222222222222' }] })
    const { ctx } = makeHarness()
    await shareImage(
      ctx,
      new EC2Client({ region: REGION }),
      target,
      spec({ snapshotAccounts: ['222222222222'] })
    )
    expect(ec2Mock.commandCalls(DescribeSnapshotAttributeCommand)).toHaveLength(2)
    expect(ec2Mock.commandCalls(ModifySnapshotAttributeCommand)).toHaveLength(0)
  })

  it('reads nothing before granting on an AMI created by this run (add mode)', async () => {
    const { ctx } = makeHarness()
    const { after } = await shareImage(
      ctx,
      new EC2Client({ region: REGION }),
      { ...target, createdThisRun: true },
      spec({ accounts: ['222222222222'], snapshotAccounts: ['222222222222'] })
    )
    expect(ec2Mock.calls().map((c) => c.args[0].constructor.name)).toEqual([
      'ModifyImageAttributeCommand',
      'ModifySnapshotAttributeCommand',
      'ModifySnapshotAttributeCommand'
    ])
    expect(ec2Mock.commandCalls(ModifyImageAttributeCommand)[0].args[0].input).toEqual({
      ImageId: 'ami-1',
      LaunchPermission: { Add: [{ UserId: '222222222222' }] }
    })
    expect(after).toEqual({ ...none, accounts: ['222222222222'] })
  })

  it('still reads the permissions of an AMI created by this run in exact mode', async () => {
    ec2Mock.on(DescribeImageAttributeCommand).resolves({ LaunchPermissions: [] })
    ec2Mock.on(DescribeSnapshotAttributeCommand).resolves({ CreateVolumePermissions: [] })
    const { ctx } = makeHarness()
    await shareImage(
      ctx,
      new EC2Client({ region: REGION }),
      { ...target, createdThisRun: true },
      spec({ accounts: ['222222222222'], snapshotAccounts: ['222222222222'], mode: 'exact' })
    )
    expect(ec2Mock.commandCalls(DescribeImageAttributeCommand)).toHaveLength(1)
    expect(ec2Mock.commandCalls(DescribeSnapshotAttributeCommand)).toHaveLength(2)
  })

  const nearlyFull = () =>
    ec2Mock.on(DescribeImageAttributeCommand).resolves({
      LaunchPermissions: Array.from({ length: 999 }, (_, i) => ({
        UserId: String(100000000000 + i)
      }))
    })
  const overDefault = spec({ accounts: ['222222222222'], organizations: [ORG] })

  it('refuses more entities than the applied "AMI sharing" quota before any change', async () => {
    nearlyFull()
    quotasMock.on(GetServiceQuotaCommand).resolves(quota(1000))
    const { ctx } = makeHarness()
    await expect(
      shareImage(ctx, new EC2Client({ region: REGION }), target, overDefault)
    ).rejects.toThrow(/1001 accounts, organizations and OUs: the "AMI sharing" quota there is 1000/)
    expect(ec2Mock.commandCalls(ModifyImageAttributeCommand)).toHaveLength(0)
    expect(quotasMock.commandCalls(GetServiceQuotaCommand)[0].args[0].input).toEqual({
      ServiceCode: 'ec2',
      QuotaCode: 'L-70015FFA'
    })
  })

  it('shares beyond 1,000 entities when the quota was raised', async () => {
    nearlyFull()
    quotasMock.on(GetServiceQuotaCommand).resolves(quota(2000))
    const { ctx } = makeHarness()
    await shareImage(ctx, new EC2Client({ region: REGION }), target, overDefault)
    expect(ec2Mock.commandCalls(ModifyImageAttributeCommand)).toHaveLength(1)
  })

  it('warns and lets AWS decide when the quota cannot be read', async () => {
    nearlyFull()
    quotasMock.on(GetServiceQuotaCommand).rejects(quotaDenied())
    const { ctx } = makeHarness()
    await shareImage(ctx, new EC2Client({ region: REGION }), target, overDefault)
    expect(ec2Mock.commandCalls(ModifyImageAttributeCommand)).toHaveLength(1)
    expect(ctx.warnings.join('\n')).toMatch(
      /Could not read the "AMI sharing" quota \(L-70015FFA\).*servicequotas:GetServiceQuota/
    )
  })

  it('reads no quota while within the default', async () => {
    ec2Mock.on(DescribeImageAttributeCommand).resolves({ LaunchPermissions: [] })
    const { ctx } = makeHarness()
    await shareImage(ctx, new EC2Client({ region: REGION }), target, overDefault)
    expect(quotasMock.calls()).toHaveLength(0)
  })

  it('sharing-mode exact removes createVolumePermission of unlisted accounts in a separate call', async () => {
    ec2Mock.on(DescribeImageAttributeCommand).resolves({ LaunchPermissions: [] })
    ec2Mock.on(DescribeSnapshotAttributeCommand).resolves({
      CreateVolumePermissions: [{ UserId: '333333333333' }, { UserId: '222222222222' }]
    })
    const { ctx } = makeHarness()
    await shareImage(
      ctx,
      new EC2Client({ region: REGION }),
      { ...target, snapshotIds: ['snap-1'] },
      spec({
        accounts: ['222222222222', '444444444444'],
        snapshotAccounts: ['222222222222', '444444444444'],
        mode: 'exact'
      })
    )
    expect(
      ec2Mock.commandCalls(ModifySnapshotAttributeCommand).map((c) => c.args[0].input)
    ).toEqual([
      {
        SnapshotId: 'snap-1',
        Attribute: 'createVolumePermission',
        CreateVolumePermission: { Add: [{ UserId: '444444444444' }] }
      },
      {
        SnapshotId: 'snap-1',
        Attribute: 'createVolumePermission',
        CreateVolumePermission: { Remove: [{ UserId: '333333333333' }] }
      }
    ])
  })

  it('sharing-mode add never removes snapshot grants', async () => {
    ec2Mock.on(DescribeImageAttributeCommand).resolves({ LaunchPermissions: [] })
    ec2Mock
      .on(DescribeSnapshotAttributeCommand)
      .resolves({ CreateVolumePermissions: [{ UserId: '333333333333' }] })
    const { ctx } = makeHarness()
    await shareImage(
      ctx,
      new EC2Client({ region: REGION }),
      { ...target, snapshotIds: ['snap-1'] },
      spec({ accounts: ['222222222222'], snapshotAccounts: ['222222222222'] })
    )
    expect(
      ec2Mock
        .commandCalls(ModifySnapshotAttributeCommand)
        .map((c) => c.args[0].input.CreateVolumePermission)
    ).toEqual([{ Add: [{ UserId: '222222222222' }] }])
  })
})

describe('planShareChange', () => {
  it('adds nothing and removes nothing in add mode when the state already matches', () => {
    const change = planShareChange({ ...none, accounts: ['1', '2'] }, spec({ accounts: ['2'] }))
    expect(change).toEqual({ add: [], remove: [], after: { ...none, accounts: ['1', '2'] } })
  })
})

describe('share specs', () => {
  it('gives copy-accounts launch and snapshot permission on the source, never the owner', () => {
    const { ctx } = makeHarness({
      share: {
        accounts: ['222222222222', ACCOUNT],
        organizations: [ORG],
        organizationalUnits: [],
        public: false,
        snapshots: false,
        mode: 'add'
      },
      copy: { regions: [], accounts: [COPY_ACCOUNT], regionKmsKeyIds: {} }
    })
    const source = sourceShareSpec(ctx.config, ACCOUNT)
    expect(source.accounts).toEqual(['222222222222', COPY_ACCOUNT.accountId])
    expect(source.snapshotAccounts).toEqual([COPY_ACCOUNT.accountId])
    const copy = copyShareSpec(ctx.config, COPY_ACCOUNT.accountId)
    expect(copy.accounts).toEqual(['222222222222', ACCOUNT])
    expect(copy.snapshotAccounts).toEqual([])
  })
})

describe('checkPublicSharing', () => {
  const ec2 = (): EC2Client => new EC2Client({ region: REGION })

  it('refuses when block public access is on, with the CLI hint', async () => {
    ec2Mock
      .on(GetImageBlockPublicAccessStateCommand)
      .resolves({ ImageBlockPublicAccessState: 'block-new-sharing', ManagedBy: 'account' })
    const findings = await checkPublicSharing(ec2(), REGION, ACCOUNT, 'ami-1')
    expect(findings).toHaveLength(1)
    expect(findings[0].severity).toBe('error')
    expect(findings[0].message).toContain(
      `aws ec2 disable-image-block-public-access --region ${REGION}`
    )
    expect(ec2Mock.commandCalls(DescribeImagesCommand)).toHaveLength(0)
  })

  it('says when a declarative policy locks block public access', async () => {
    ec2Mock.on(GetImageBlockPublicAccessStateCommand).resolves({
      ImageBlockPublicAccessState: 'block-new-sharing',
      ManagedBy: 'declarative-policy'
    })
    const [finding] = await checkPublicSharing(ec2(), REGION, ACCOUNT)
    expect(finding.message).toMatch(/declarative policy/)
  })

  it('refuses when the account already has 5 public AMIs in the region', async () => {
    ec2Mock
      .on(GetImageBlockPublicAccessStateCommand)
      .resolves({ ImageBlockPublicAccessState: 'unblocked' })
    ec2Mock.on(DescribeImagesCommand).resolves({
      Images: ['ami-a', 'ami-b', 'ami-c', 'ami-d', 'ami-e'].map((ImageId) => ({ ImageId }))
    })
    quotasMock.on(GetServiceQuotaCommand).resolves(quota(5))
    const client = new ServiceQuotasClient({ region: REGION })
    const quotas = async () => client
    const findings = await checkPublicSharing(ec2(), REGION, ACCOUNT, 'ami-1', quotas)
    expect(findings[0]).toMatchObject({ severity: 'error' })
    expect(findings[0].message).toMatch(
      /already has 5 public AMIs in eu-west-1 .*"Public AMIs" quota there is 5/
    )
    expect(quotasMock.commandCalls(GetServiceQuotaCommand)[0].args[0].input).toEqual({
      ServiceCode: 'ec2',
      QuotaCode: 'L-0E3CBAB9'
    })
    expect(ec2Mock.commandCalls(DescribeImagesCommand)[0].args[0].input).toMatchObject({
      Owners: ['self'],
      Filters: [{ Name: 'is-public', Values: ['true'] }]
    })
  })

  it('accepts a sixth public AMI when the quota was raised, and only warns when it cannot be read', async () => {
    ec2Mock
      .on(GetImageBlockPublicAccessStateCommand)
      .resolves({ ImageBlockPublicAccessState: 'unblocked' })
    ec2Mock.on(DescribeImagesCommand).resolves({
      Images: ['ami-a', 'ami-b', 'ami-c', 'ami-d', 'ami-e'].map((ImageId) => ({ ImageId }))
    })
    const client = new ServiceQuotasClient({ region: REGION })
    const quotas = async () => client
    quotasMock.on(GetServiceQuotaCommand).resolves(quota(20))
    expect(await checkPublicSharing(ec2(), REGION, ACCOUNT, 'ami-1', quotas)).toEqual([])
    quotasMock.on(GetServiceQuotaCommand).rejects(quotaDenied())
    const [finding] = await checkPublicSharing(ec2(), REGION, ACCOUNT, 'ami-1', quotas)
    expect(finding).toMatchObject({
      severity: 'warning',
      message: expect.stringMatching(/Could not read the "Public AMIs" quota.*AWS may refuse/)
    })
  })

  it('accepts 4 public AMIs, and an AMI that is already public', async () => {
    ec2Mock
      .on(GetImageBlockPublicAccessStateCommand)
      .resolves({ ImageBlockPublicAccessState: 'unblocked' })
    ec2Mock.on(DescribeImagesCommand).resolves({
      Images: ['ami-a', 'ami-b', 'ami-c', 'ami-d'].map((ImageId) => ({ ImageId }))
    })
    expect(await checkPublicSharing(ec2(), REGION, ACCOUNT, 'ami-1')).toEqual([])
    ec2Mock.on(DescribeImagesCommand).resolves({
      Images: ['ami-a', 'ami-b', 'ami-c', 'ami-d', 'ami-1'].map((ImageId) => ({ ImageId }))
    })
    expect(await checkPublicSharing(ec2(), REGION, ACCOUNT, 'ami-1')).toEqual([])
  })
})
