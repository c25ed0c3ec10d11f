import { beforeEach, describe, expect, it } from '@jest/globals'
import {
  CopyImageCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  GetEbsEncryptionByDefaultCommand,
  GetImageBlockPublicAccessStateCommand,
  ModifyImageAttributeCommand,
  type DescribeImagesCommandInput
} from '@aws-sdk/client-ec2'
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient } from '@aws-sdk/client-kms'
import { SSMClient } from '@aws-sdk/client-ssm'
import { mockClient } from 'aws-sdk-client-mock'
import { distribute } from '../../src/distribute.js'
import { promote } from '../../src/promote/index.js'
import { LINEAGE_TAG } from '../../src/image/copy.js'
import type { Config } from '../../src/config.js'
import {
  ACCOUNT,
  awsError,
  COPY_ACCOUNT,
  makeHarness,
  makeImage,
  MUTATING,
  REGION,
  where
} from './distribute-context.js'

const ec2Mock = mockClient(EC2Client)
const kmsMock = mockClient(KMSClient)
const ssmMock = mockClient(SSMClient)
const COPY = COPY_ACCOUNT.accountId

const config = (overrides: Partial<Config> = {}): Partial<Config> => ({
  dryRun: true,
  share: {
    accounts: ['222222222222'],
    organizations: [],
    organizationalUnits: [],
    public: false,
    snapshots: false,
    mode: 'exact'
  },
  copy: {
    regions: ['us-east-1'],
    accounts: [COPY_ACCOUNT],
    kmsKeyId: 'alias/golden',
    regionKmsKeyIds: {}
  },
  deprecateAt: new Date('2026-07-01T00:00:00Z'),
  deregistrationProtection: true,
  ssmParameter: '/golden/latest',
  ...overrides
})

function sentForReal(): string[] {
  return [...ec2Mock.calls(), ...ssmMock.calls(), ...kmsMock.calls()]
    .map((c) => c.args[0] as { constructor: { name: string }; input: { DryRun?: boolean } })
    .filter((cmd) => MUTATING.includes(cmd.constructor.name) && cmd.input.DryRun !== true)
    .map((cmd) => cmd.constructor.name)
}

beforeEach(() => {
  ec2Mock.reset()
  kmsMock.reset()
  ssmMock.reset()
  ec2Mock.on(DescribeSnapshotsCommand).resolves({
    Snapshots: [{ SnapshotId: 'snap-0a', Encrypted: false }]
  })
  ec2Mock
    .on(DescribeImageAttributeCommand)
    .resolves({ LaunchPermissions: [{ UserId: '444444444444' }] })
  ec2Mock.on(DescribeImagesCommand).resolves({ Images: [] })
  ec2Mock.on(ModifyImageAttributeCommand).rejects(awsError('DryRunOperation', 'would succeed'))
  ec2Mock.on(CopyImageCommand).rejects(awsError('DryRunOperation', 'would succeed'))
  ec2Mock.on(GetEbsEncryptionByDefaultCommand).resolves({ EbsEncryptionByDefault: false })
  kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', KeyManager: 'CUSTOMER' } })
  kmsMock.on(GetKeyPolicyCommand).resolves({
    Policy: JSON.stringify({
      Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:*', Resource: '*' }]
    })
  })
})

describe('distribute in a dry run', () => {
  it('changes nothing, probes with DryRun=true and plans share, copy, lifecycle and promotion', async () => {
    const { ctx } = makeHarness(config())
    const image = makeImage()
    const fleet = await distribute(ctx, image)
    await promote(ctx, image, fleet)
    expect(sentForReal()).toEqual([])
    expect(ec2Mock.commandCalls(ModifyImageAttributeCommand)[0].args[0].input).toEqual({
      ImageId: 'ami-0source',
      LaunchPermission: {
        Add: [{ UserId: '222222222222' }, { UserId: COPY }],
        Remove: [{ UserId: '444444444444' }]
      },
      DryRun: true
    })
    // The copy account cannot see the source until the real run shares it: no probe there yet.
    const copies = ec2Mock.commandCalls(CopyImageCommand)
    expect(copies.map(where)).toEqual([`${ACCOUNT}/us-east-1`])
    for (const c of copies)
      expect(c.args[0].input).toMatchObject({ DryRun: true, KmsKeyId: 'alias/golden' })
    const texts = ctx.plan.items.map((p) => `${p.phase}: ${p.text}`)
    expect(texts).toEqual(
      expect.arrayContaining([
        `share: Share ami-0source in eu-west-1 (account ${ACCOUNT}) with 222222222222, ${COPY}; remove the launch permissions of 444444444444 (sharing-mode: exact)`,
        `share: Grant createVolumePermission on the snapshot of ami-0source in eu-west-1 (account ${ACCOUNT}) to ${COPY}`,
        `copy: Copy ami-0source to us-east-1 (account ${ACCOUNT}), encrypted with alias/golden, tagged at creation`,
        `copy: Copy ami-0source to eu-west-1 (account ${COPY}), encrypted with alias/golden, tagged at creation`,
        `lifecycle: Deprecate ami-0source in eu-west-1 (account ${ACCOUNT}) at 2026-07-01T00:00:00.000Z`,
        `lifecycle: Turn on deregistration protection for ami-0source in eu-west-1 (account ${ACCOUNT})`,
        'promote: Set SSM parameter /golden/latest in eu-west-1 to ami-0source',
        'promote: Set SSM parameter /golden/latest in us-east-1 to the new copy',
        `lifecycle: Deprecate the new copy in eu-west-1 (account ${COPY}) at 2026-07-01T00:00:00.000Z`,
        `lifecycle: Turn on deregistration protection for the new copy in eu-west-1 (account ${COPY})`,
        `share: Share the new copy in eu-west-1 (account ${COPY}) with 222222222222`
      ])
    )
    expect(ctx.plan.items.filter((p) => p.problem)).toEqual([])
    expect(fleet.members.map((m) => m.state)).toEqual([
      'available',
      'planned',
      'planned',
      'planned'
    ])
  })

  it('probes CopyImage in a copy account that can already see the source', async () => {
    ec2Mock.on(DescribeImageAttributeCommand).resolves({ LaunchPermissions: [{ UserId: COPY }] })
    const { ctx } = makeHarness(config())
    await distribute(ctx, makeImage())
    expect(ec2Mock.commandCalls(CopyImageCommand).map(where).sort()).toEqual(
      [`${ACCOUNT}/us-east-1`, `${COPY}/eu-west-1`, `${COPY}/us-east-1`].sort()
    )
  })

  it('reports a missing permission found by a DryRun probe as a problem, without failing', async () => {
    ec2Mock
      .on(CopyImageCommand)
      .rejects(
        awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.')
      )
    const { ctx } = makeHarness(
      config({ copy: { regions: ['us-east-1'], accounts: [], regionKmsKeyIds: {} } })
    )
    await distribute(ctx, makeImage())
    const problems = ctx.plan.items.filter((p) => p.problem)
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ phase: 'check' })
    expect(problems[0].text).toMatch(
      /Missing permission ec2:CopyImage in us-east-1 \(account 111122223333\)/
    )
  })

  it('reports a copy target whose lookup fails as a problem, plans the rest', async () => {
    const denied = awsError('AccessDenied', 'not authorized to perform sts:AssumeRole')
    ec2Mock.on(DescribeImagesCommand, { Owners: ['self'] }).rejects(denied)
    const h = makeHarness(config())
    const fleet = await distribute(h.ctx, makeImage())
    const problems = h.ctx.plan.items.filter((p) => p.problem).map((p) => p.text)
    expect(problems).toContainEqual(
      expect.stringMatching(
        /Copy to eu-west-1 \(account 999988887777\) would fail: lookup in .* with role arn:aws:iam::999988887777:role\/ami-copier failed: .*sts:AssumeRole/s
      )
    )
    expect(fleet.members.find((m) => m.accountId === COPY)?.state).toBe('failed')
    expect(sentForReal()).toEqual([])
  })

  it('for a planned image: no probes, but block public access and names in every target are checked', async () => {
    ec2Mock
      .on(GetImageBlockPublicAccessStateCommand)
      .resolves({ ImageBlockPublicAccessState: 'block-new-sharing' })
    ec2Mock
      .on(DescribeImagesCommand)
      .callsFake((input: DescribeImagesCommandInput, getClient) =>
        input.Filters?.[0].Name === 'name' && where(getClient()) === `${ACCOUNT}/us-east-1`
          ? { Images: [{ ImageId: 'ami-old', Name: 'golden-1', State: 'available' }] }
          : { Images: [] }
      )
    const { ctx } = makeHarness(
      config({
        share: {
          accounts: [],
          organizations: [],
          organizationalUnits: [],
          public: true,
          snapshots: false,
          mode: 'add'
        },
        copy: { regions: ['us-east-1'], accounts: [], regionKmsKeyIds: {} }
      })
    )
    const fleet = await distribute(ctx, makeImage({ id: 'ami-planned', planned: true }))
    expect(ec2Mock.commandCalls(DescribeSnapshotsCommand)).toHaveLength(0)
    expect(ec2Mock.commandCalls(CopyImageCommand)).toHaveLength(0)
    expect(ec2Mock.commandCalls(ModifyImageAttributeCommand)).toHaveLength(0)
    const problems = ctx.plan.items.filter((p) => p.problem).map((p) => p.text)
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('disable-image-block-public-access --region eu-west-1'),
        expect.stringContaining('disable-image-block-public-access --region us-east-1'),
        expect.stringContaining('"golden-1" already exists in us-east-1 (account 111122223333)')
      ])
    )
    expect(fleet.members.map((m) => m.state)).toEqual(['planned', 'planned'])
    expect(sentForReal()).toEqual([])
  })

  it('plans to reuse existing copies, and flags a same-name AMI under if-exists: fail', async () => {
    ec2Mock.on(DescribeImagesCommand).callsFake((input: DescribeImagesCommandInput, getClient) => {
      const label = where(getClient())
      if (input.Filters?.[0].Name === 'name' && label === `${COPY}/us-east-1`) {
        const lineage = [{ Key: LINEAGE_TAG, Value: `ami-0source@${REGION}` }]
        return {
          Images: [{ ImageId: 'ami-mine', Name: 'golden-1', State: 'available', Tags: lineage }]
        }
      }
      if (input.Filters?.[0].Name === 'name' && label === `${COPY}/eu-west-1`) {
        return { Images: [{ ImageId: 'ami-other', Name: 'golden-1', State: 'available' }] }
      }
      return { Images: [] }
    })
    const { ctx } = makeHarness(config())
    const fleet = await distribute(ctx, makeImage())
    expect(ctx.plan.items.map((p) => p.text)).toContain(
      `Reuse ami-mine in us-east-1 (account ${COPY}) (copy of ami-0source)`
    )
    expect(ctx.plan.items.filter((p) => p.problem).map((p) => p.text)).toEqual([
      expect.stringContaining(`already exists in eu-west-1 (account ${COPY}): ami-other`)
    ])
    expect(fleet.members.find((m) => m.imageId === 'ami-mine')).toMatchObject({ reused: true })
    expect(sentForReal()).toEqual([])
  })
})

describe('distribute in a dry run: plan problems from the encryption checks', () => {
  it('lists share-public with an encrypted source as a problem, and changes nothing', async () => {
    ec2Mock
      .on(GetImageBlockPublicAccessStateCommand)
      .resolves({ ImageBlockPublicAccessState: 'unblocked' })
    const { ctx } = makeHarness(
      config({
        share: {
          accounts: [],
          organizations: [],
          organizationalUnits: [],
          public: true,
          snapshots: false,
          mode: 'add'
        },
        copy: { regions: [], accounts: [], regionKmsKeyIds: {} }
      })
    )
    await distribute(
      ctx,
      makeImage({
        snapshots: [{ id: 'snap-0a', sizeGiB: 8, encrypted: true, kmsKeyId: 'arn:aws:kms:k' }]
      })
    )
    expect(ctx.plan.items.filter((p) => p.problem).map((p) => p.text)).toEqual([
      expect.stringMatching(/^share-public: ami-0source has encrypted snapshots/)
    ])
    expect(sentForReal()).toEqual([])
  })

  it('plans the removal of snapshot grants in sharing-mode exact, as the real run would make it', async () => {
    ec2Mock
      .on(DescribeSnapshotAttributeCommand)
      .resolves({ CreateVolumePermissions: [{ UserId: '444444444444' }] })
    const { ctx } = makeHarness(config())
    await distribute(ctx, makeImage())
    const removal = ctx.plan.items.find((p) => p.text.startsWith('Remove createVolumePermission'))
    expect(removal).toEqual({
      phase: 'share',
      text: `Remove createVolumePermission on the snapshot of ami-0source in eu-west-1 (account ${ACCOUNT}) from 444444444444 (sharing-mode: exact)`,
      calls: [{ action: 'ec2:ModifySnapshotAttribute', accountId: ACCOUNT, region: 'eu-west-1' }]
    })
    expect(sentForReal()).toEqual([])
  })
})
