import { beforeEach, describe, expect, it } from '@jest/globals'
import {
  CopyImageCommand,
  DeregisterImageCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  EnableImageDeprecationCommand,
  EnableImageDeregistrationProtectionCommand,
  GetImageBlockPublicAccessStateCommand,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
  type DescribeImagesCommandInput,
  type Image as AwsImage
} from '@aws-sdk/client-ec2'
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient } from '@aws-sdk/client-kms'
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import { mockClient } from 'aws-sdk-client-mock'
import { distribute } from '../../src/distribute.js'
import { promote } from '../../src/promote/index.js'
import { copyClientToken, LINEAGE_TAG } from '../../src/image/copy.js'
import { PartialFailure } from '../../src/types.js'
import type { Config } from '../../src/config.js'
import {
  ACCOUNT,
  availableImage,
  awsError,
  COPY_ACCOUNT,
  fakeParameterStore,
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
const DEPRECATE_AT = new Date('2026-07-01T00:00:00Z')

/** What the mocked AWS holds, per "account/region". */
interface World {
  lineage: Record<string, AwsImage[]>
  named: Record<string, AwsImage>
  /** Copy image ID -> DescribeImages answers before it is available ('pending' count or failure). */
  pendingPolls: Record<string, number>
  failed: Record<string, string>
  lookupErrors: Record<string, Error>
  /** Every call in order: "<Command> <account/region> <ImageId>". */
  events: string[]
}

const copyId = (label: string): string => `ami-${label.replace('/', '-')}`

/** The AMI's block device mapping says encrypted, without the key: DescribeSnapshots gives it. */
const encryptedImage = (): ReturnType<typeof makeImage> =>
  makeImage({ snapshots: [{ id: 'snap-0a', sizeGiB: 8, encrypted: true }] })

function setup(partial: Partial<World> = {}): World {
  const world: World = {
    lineage: {},
    named: {},
    pendingPolls: {},
    failed: {},
    lookupErrors: {},
    events: [],
    ...partial
  }
  const record =
    (name: string, answer: (input: never, label: string) => unknown = () => ({})) =>
    (input: { ImageId?: string; ImageIds?: string[] }, getClient: () => unknown) => {
      const label = where(getClient())
      world.events.push(`${name} ${label} ${input.ImageId ?? input.ImageIds?.[0] ?? ''}`.trim())
      return answer(input as never, label)
    }
  ec2Mock.on(DescribeSnapshotsCommand).resolves({
    Snapshots: [{ SnapshotId: 'snap-0a', Encrypted: false }]
  })
  ec2Mock.on(DescribeImageAttributeCommand).resolves({ LaunchPermissions: [] })
  ec2Mock.on(GetImageBlockPublicAccessStateCommand).resolves({
    ImageBlockPublicAccessState: 'unblocked'
  })
  ec2Mock.on(DescribeImagesCommand).callsFake(
    record('DescribeImages', (input: DescribeImagesCommandInput, label) => {
      if (world.lookupErrors[label] && input.Filters) throw world.lookupErrors[label]
      const filter = input.Filters?.[0]
      if (filter?.Name === 'name') {
        const named = world.named[label] ? [world.named[label]] : []
        return { Images: [...(world.lineage[label] ?? []), ...named] }
      }
      if (filter?.Name === 'is-public') return { Images: [] }
      const id = input.ImageIds![0]
      if ((world.pendingPolls[id] ?? 0) > 0) {
        world.pendingPolls[id]--
        return { Images: [{ ImageId: id, State: 'pending' }] }
      }
      if (world.failed[id]) {
        return {
          Images: [
            {
              ImageId: id,
              State: 'failed',
              StateReason: { Code: 'Client.CopyFailed', Message: world.failed[id] }
            }
          ]
        }
      }
      return { Images: [availableImage(id, 1)] }
    })
  )
  ec2Mock
    .on(CopyImageCommand)
    .callsFake(record('CopyImage', (_input, label) => ({ ImageId: copyId(label) })))
  ec2Mock.on(ModifyImageAttributeCommand).callsFake(record('ModifyImageAttribute'))
  ec2Mock.on(ModifySnapshotAttributeCommand).callsFake(record('ModifySnapshotAttribute'))
  ec2Mock.on(EnableImageDeprecationCommand).callsFake(record('EnableImageDeprecation'))
  ec2Mock
    .on(EnableImageDeregistrationProtectionCommand)
    .callsFake(record('EnableImageDeregistrationProtection'))
  ec2Mock.on(DeregisterImageCommand).callsFake(record('DeregisterImage'))
  const store = fakeParameterStore(ssmMock as never)
  ssmMock.on(PutParameterCommand).callsFake((input: { Name: string; Value: string }, getClient) => {
    store.set(`${where(getClient())} ${input.Name}`, input.Value)
    return record('PutParameter')(input as never, getClient)
  })
  return world
}

const share = (overrides: Partial<Config['share']> = {}): Config['share'] => ({
  accounts: ['222222222222'],
  organizations: [],
  organizationalUnits: [],
  public: false,
  snapshots: false,
  mode: 'add',
  ...overrides
})

const copy = (overrides: Partial<Config['copy']> = {}): Config['copy'] => ({
  regions: ['us-east-1', 'ap-south-1'],
  accounts: [],
  regionKmsKeyIds: {},
  ...overrides
})

function mutatingCalls(): string[] {
  const all = [...ec2Mock.calls(), ...ssmMock.calls(), ...kmsMock.calls()]
  return all
    .map((c) => c.args[0] as { constructor: { name: string }; input: { DryRun?: boolean } })
    .filter((cmd) => MUTATING.includes(cmd.constructor.name) && !cmd.input.DryRun)
    .map((cmd) => cmd.constructor.name)
}

async function partialFailure(promise: Promise<unknown>): Promise<PartialFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(PartialFailure)
  return error as PartialFailure
}

beforeEach(() => {
  ec2Mock.reset()
  kmsMock.reset()
  ssmMock.reset()
})

describe('distribute: the whole fleet', () => {
  it('copies to every region and copy account, tagged at creation, shared and set up as each lands', async () => {
    const world = setup()
    const { ctx, logs } = makeHarness({
      tags: { team: 'platform', 'ami-share-action:family': 'golden' },
      share: share({ snapshots: true }),
      copy: copy({
        accounts: [COPY_ACCOUNT],
        kmsKeyId: 'alias/golden',
        regionKmsKeyIds: { 'ap-south-1': 'arn:aws:kms:ap-south-1:111122223333:key/ap' }
      }),
      deprecateAt: DEPRECATE_AT,
      deregistrationProtection: true,
      ssmParameter: '/golden/latest'
    })
    const image = makeImage()
    const fleet = await distribute(ctx, image)

    const copies = ec2Mock.commandCalls(CopyImageCommand)
    expect(copies.map(where).sort()).toEqual(
      [
        `${ACCOUNT}/ap-south-1`,
        `${ACCOUNT}/us-east-1`,
        `${COPY}/ap-south-1`,
        `${COPY}/eu-west-1`,
        `${COPY}/us-east-1`
      ].sort()
    )
    const tags = [
      { Key: 'team', Value: 'platform' },
      { Key: 'ami-share-action:family', Value: 'golden' },
      { Key: LINEAGE_TAG, Value: `ami-0source@${REGION}` }
    ]
    const toUsEast = copies.find((c) => where(c) === `${ACCOUNT}/us-east-1`)!
    expect(toUsEast.args[0].input).toEqual({
      SourceRegion: REGION,
      SourceImageId: 'ami-0source',
      Name: 'golden-1',
      Description: 'Golden image',
      Encrypted: true,
      KmsKeyId: 'alias/golden',
      ClientToken: copyClientToken(ctx.runId, 'ami-0source', ACCOUNT, 'us-east-1'),
      TagSpecifications: [
        { ResourceType: 'image', Tags: tags },
        { ResourceType: 'snapshot', Tags: tags }
      ]
    })
    for (const c of copies.filter((c) => where(c).endsWith('/ap-south-1'))) {
      expect(c.args[0].input.KmsKeyId).toBe('arn:aws:kms:ap-south-1:111122223333:key/ap')
    }
    expect(world.events.some((e) => e.startsWith('CreateTags'))).toBe(false)

    // The source: launch permission for share and copy accounts, snapshots for both too.
    const modify = ec2Mock.commandCalls(ModifyImageAttributeCommand)
    const onSource = modify.find((c) => c.args[0].input.ImageId === 'ami-0source')!
    expect(onSource.args[0].input.LaunchPermission).toEqual({
      Add: [{ UserId: '222222222222' }, { UserId: COPY }]
    })
    const sourceSnapshot = ec2Mock
      .commandCalls(ModifySnapshotAttributeCommand)
      .find((c) => c.args[0].input.SnapshotId === 'snap-0a')!
    expect(sourceSnapshot.args[0].input.CreateVolumePermission).toEqual({
      Add: [{ UserId: '222222222222' }, { UserId: COPY }]
    })
    // Each copy is shared with share-accounts in its own region, by its owner.
    const copyShares = modify.filter((c) => c.args[0].input.ImageId !== 'ami-0source')
    expect(copyShares.map((c) => `${where(c)} ${c.args[0].input.ImageId}`).sort()).toEqual(
      copies.map((c) => `${where(c)} ${copyId(where(c))}`).sort()
    )
    for (const c of copyShares) {
      expect(c.args[0].input.LaunchPermission).toEqual({ Add: [{ UserId: '222222222222' }] })
    }
    // Lifecycle on all six AMIs; the SSM parameter waits for the promote phase, then is set
    // only where the build account has the AMI.
    expect(ec2Mock.commandCalls(EnableImageDeprecationCommand)).toHaveLength(6)
    expect(ec2Mock.commandCalls(EnableImageDeregistrationProtectionCommand)).toHaveLength(6)
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(0)
    const promotion = await promote(ctx, image, fleet)
    expect(promotion.parameters.map((p) => `${p.region} ${p.outcome}`).sort()).toEqual([
      'ap-south-1 set',
      'eu-west-1 set',
      'us-east-1 set'
    ])
    const puts = ssmMock.commandCalls(PutParameterCommand)
    expect(puts.map((c) => `${where(c)} ${c.args[0].input.Value}`).sort()).toEqual(
      [
        `ssm ${ACCOUNT}/ap-south-1 ${copyId(`${ACCOUNT}/ap-south-1`)}`,
        `ssm ${ACCOUNT}/eu-west-1 ami-0source`,
        `ssm ${ACCOUNT}/us-east-1 ${copyId(`${ACCOUNT}/us-east-1`)}`
      ].sort()
    )

    expect(fleet.members).toHaveLength(6)
    expect(fleet.members[0]).toMatchObject({
      role: 'source',
      imageId: 'ami-0source',
      state: 'available',
      sharedWith: { accounts: ['222222222222', COPY], public: false },
      deprecateAt: DEPRECATE_AT,
      protected: true
    })
    for (const m of fleet.members.slice(1)) {
      expect(m).toMatchObject({ role: 'copy', state: 'available', reused: false })
      expect(m.imageId).toBe(copyId(`${m.accountId}/${m.region}`))
      expect(m.snapshots).toHaveLength(1)
      expect(m.durationMs).toEqual(expect.any(Number))
      expect(m.sharedWith?.accounts).toEqual(['222222222222'])
    }
    expect(logs.join('\n')).toMatch(/Copying ami-0source to us-east-1 \(account 111122223333\)/)
  })

  it('shares and deprecates a fast copy before a slow one is available', async () => {
    const slow = copyId(`${ACCOUNT}/ap-south-1`)
    const fast = copyId(`${ACCOUNT}/us-east-1`)
    const world = setup({ pendingPolls: { [slow]: 30 } })
    const { ctx } = makeHarness({ share: share(), copy: copy(), deprecateAt: DEPRECATE_AT })
    await distribute(ctx, makeImage())
    const index = (event: string): number => world.events.indexOf(event)
    const slowAvailable = world.events.lastIndexOf(`DescribeImages ${ACCOUNT}/ap-south-1 ${slow}`)
    expect(index(`ModifyImageAttribute ${ACCOUNT}/us-east-1 ${fast}`)).toBeGreaterThan(-1)
    expect(index(`ModifyImageAttribute ${ACCOUNT}/us-east-1 ${fast}`)).toBeLessThan(slowAvailable)
    expect(index(`EnableImageDeprecation ${ACCOUNT}/us-east-1 ${fast}`)).toBeLessThan(slowAvailable)
    expect(index(`ModifyImageAttribute ${ACCOUNT}/ap-south-1 ${slow}`)).toBeGreaterThan(
      slowAvailable
    )
  })

  it('shares nothing on a copy when there is nothing to share, but still sets its lifecycle', async () => {
    setup()
    const { ctx } = makeHarness({ copy: copy(), deprecateAt: DEPRECATE_AT })
    await distribute(ctx, makeImage())
    expect(ec2Mock.commandCalls(ModifyImageAttributeCommand)).toHaveLength(0)
    // Source and copies were created by this run: no permissions to read before granting.
    expect(ec2Mock.commandCalls(DescribeImageAttributeCommand)).toHaveLength(0)
    expect(ec2Mock.commandCalls(EnableImageDeprecationCommand)).toHaveLength(3)
  })
})

describe('distribute: failures', () => {
  it('keeps the other copies when one fails and reports a table with the StateReason', async () => {
    const failedId = copyId(`${ACCOUNT}/us-east-1`)
    setup({ failed: { [failedId]: 'snapshot copy failed: internal error' } })
    const { ctx } = makeHarness({ share: share(), copy: copy(), deprecateAt: DEPRECATE_AT })
    const error = await partialFailure(distribute(ctx, makeImage()))
    expect(error.message).toMatch(/1 of 3 AMIs failed; the others exist and were kept/)
    expect(error.message).toMatch(
      /FAILED {2}copy 111122223333 us-east-1 ami-111122223333-us-east-1: .*failed.*snapshot copy failed: internal error/
    )
    expect(error.message).toMatch(/ok {6}copy 111122223333 ap-south-1 /)
    const members = error.fleet!.members
    expect(members.find((m) => m.region === 'us-east-1')!.state).toBe('failed')
    const ok = members.find((m) => m.region === 'ap-south-1')!
    expect(ok).toMatchObject({ state: 'available', deprecateAt: DEPRECATE_AT })
    expect(ec2Mock.commandCalls(DeregisterImageCommand)).toHaveLength(0)
  })

  it('fails only the copy account whose role cannot be assumed', async () => {
    setup({
      lookupErrors: {
        [`${COPY}/eu-west-1`]: awsError('AccessDenied', 'not authorized to perform sts:AssumeRole')
      }
    })
    const { ctx } = makeHarness({ copy: copy({ regions: [], accounts: [COPY_ACCOUNT] }) })
    const error = await partialFailure(distribute(ctx, makeImage()))
    expect(error.message).toContain(`${COPY_ACCOUNT.roleArn} failed`)
    expect(error.message).toContain('sts:AssumeRole')
    expect(ec2Mock.commandCalls(CopyImageCommand)).toHaveLength(0)
  })

  it('reports a CopyImage error as a failed member', async () => {
    setup()
    ec2Mock.on(CopyImageCommand).rejects(awsError('InvalidParameterValue', 'bad key'))
    const { ctx } = makeHarness({ copy: copy({ regions: ['us-east-1'] }) })
    const error = await partialFailure(distribute(ctx, makeImage()))
    expect(error.fleet!.members[1].state).toBe('failed')
    expect(error.fleet!.members[1].imageId).toBeUndefined()
    expect(error.message).toMatch(/FAILED {2}copy 111122223333 us-east-1 -: .*bad key/)
  })

  it('fails the run at promotion, naming the parameter, when the SSM write is denied', async () => {
    setup()
    ssmMock.on(PutParameterCommand).rejects(new Error('AccessDeniedException'))
    const { ctx } = makeHarness({ ssmParameter: '/golden/latest' })
    const image = makeImage()
    const fleet = await distribute(ctx, image)
    const error = await partialFailure(promote(ctx, image, fleet))
    expect(error.message).toMatch(
      /FAILED {2}SSM parameter \/golden\/latest in eu-west-1: Could not write .*ssm:PutParameter/
    )
    expect(error.promoted?.parameters[0]).toMatchObject({ outcome: 'failed' })
  })

  it('refuses an AWS-managed key before any change', async () => {
    setup()
    ec2Mock.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [{ SnapshotId: 'snap-0a', Encrypted: true, KmsKeyId: 'arn:aws:kms:x:1:key/k' }]
    })
    kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', KeyManager: 'AWS' } })
    const { ctx } = makeHarness({ share: share(), copy: copy({ accounts: [COPY_ACCOUNT] }) })
    await expect(distribute(ctx, encryptedImage())).rejects.toThrow(
      /AWS-managed key arn:aws:kms:x:1:key\/k/
    )
    expect(mutatingCalls()).toEqual([])
  })

  it('refuses share-public under block public access with no ModifyImageAttribute sent', async () => {
    setup()
    ec2Mock
      .on(GetImageBlockPublicAccessStateCommand)
      .resolves({ ImageBlockPublicAccessState: 'block-new-sharing' })
    const { ctx } = makeHarness({ share: share({ public: true }), copy: copy() })
    await expect(distribute(ctx, makeImage())).rejects.toThrow(
      /Pre-flight checks failed:[\s\S]*aws ec2 disable-image-block-public-access --region eu-west-1[\s\S]*--region us-east-1/
    )
    expect(mutatingCalls()).toEqual([])
  })

  it('reports a denied block-public-access read in a copy account instead of ignoring it', async () => {
    setup()
    ec2Mock.on(GetImageBlockPublicAccessStateCommand).callsFake((_input, getClient) => {
      if (where(getClient()).startsWith(COPY))
        throw awsError(
          'UnauthorizedOperation',
          'You are not authorized to perform this operation. User: x is not authorized to perform: ec2:GetImageBlockPublicAccessState',
          403
        )
      return { ImageBlockPublicAccessState: 'unblocked' }
    })
    const { ctx } = makeHarness({
      share: share({ accounts: [], public: true }),
      copy: copy({ regions: [], accounts: [COPY_ACCOUNT] })
    })
    await expect(distribute(ctx, makeImage())).rejects.toThrow(
      /share-public: could not check block public access and public AMIs in eu-west-1 \(account 999988887777\): UnauthorizedOperation.*ec2:GetImageBlockPublicAccessState/s
    )
    expect(mutatingCalls()).toEqual([])
  })

  it('refuses share-public with an encrypted source before any change', async () => {
    setup()
    kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', KeyManager: 'CUSTOMER' } })
    const { ctx } = makeHarness({ share: share({ accounts: [], public: true }), copy: copy() })
    await expect(
      distribute(
        ctx,
        makeImage({
          snapshots: [{ id: 'snap-0a', sizeGiB: 8, encrypted: true, kmsKeyId: 'arn:aws:kms:k' }]
        })
      )
    ).rejects.toThrow(/share-public: ami-0source has encrypted snapshots/)
    expect(mutatingCalls()).toEqual([])
  })

  it('warns with the accounts a customer key policy misses, then carries on', async () => {
    setup()
    ec2Mock.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [{ SnapshotId: 'snap-0a', Encrypted: true, KmsKeyId: 'arn:aws:kms:x:1:key/c' }]
    })
    kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'c', KeyManager: 'CUSTOMER' } })
    kmsMock.on(GetKeyPolicyCommand).resolves({ Policy: '{"Statement":[]}' })
    const { ctx } = makeHarness({ share: share() })
    await distribute(ctx, encryptedImage())
    expect(ctx.warnings).toHaveLength(1)
    expect(ctx.warnings[0]).toMatch(/does not grant kms:Decrypt.* to account\(s\) 222222222222/)
    expect(ec2Mock.commandCalls(ModifyImageAttributeCommand)).toHaveLength(1)
  })
})

describe('distribute: existing copies', () => {
  it('reuses a copy with the lineage tag (resume) instead of copying again', async () => {
    const existing = {
      ...availableImage('ami-existing', 1),
      Tags: [{ Key: LINEAGE_TAG, Value: `ami-0source@${REGION}` }]
    }
    setup({ lineage: { [`${ACCOUNT}/us-east-1`]: [existing] } })
    const { ctx } = makeHarness({ share: share(), copy: copy(), deprecateAt: DEPRECATE_AT })
    const fleet = await distribute(ctx, makeImage())
    // One lookup per target: by name, the lineage tag read from the answer.
    const lookups = ec2Mock
      .commandCalls(DescribeImagesCommand)
      .filter((c) => c.args[0].input.Owners)
    expect(lookups.map(where).sort()).toEqual([`${ACCOUNT}/ap-south-1`, `${ACCOUNT}/us-east-1`])
    expect(lookups[0].args[0].input).toEqual({
      Owners: ['self'],
      Filters: [{ Name: 'name', Values: ['golden-1'] }],
      IncludeDeprecated: true,
      IncludeDisabled: true
    })
    expect(ec2Mock.commandCalls(CopyImageCommand).map(where)).toEqual([`${ACCOUNT}/ap-south-1`])
    const reused = fleet.members.find((m) => m.region === 'us-east-1')!
    expect(reused).toMatchObject({ imageId: 'ami-existing', reused: true, state: 'available' })
    expect(reused.durationMs).toBeUndefined()
    const shared = ec2Mock
      .commandCalls(ModifyImageAttributeCommand)
      .map((c) => c.args[0].input.ImageId)
    expect(shared).toContain('ami-existing')
    // Only the reused copy can hold grants from before; the new source and copy are not read.
    expect(
      ec2Mock.commandCalls(DescribeImageAttributeCommand).map((c) => c.args[0].input.ImageId)
    ).toEqual(['ami-existing'])
  })

  it('with if-exists: reuse, reuses a pending copy its lineage tag ties to this source and waits for it', async () => {
    const world = setup({
      named: {
        [`${ACCOUNT}/ap-south-1`]: {
          ImageId: 'ami-named',
          Name: 'golden-1',
          State: 'pending',
          Tags: [{ Key: LINEAGE_TAG, Value: 'ami-0source@eu-west-1' }]
        }
      },
      pendingPolls: { 'ami-named': 2 }
    })
    const { ctx } = makeHarness({ copy: copy(), ifExists: 'reuse' })
    const fleet = await distribute(ctx, makeImage())
    expect(ec2Mock.commandCalls(CopyImageCommand).map(where)).toEqual([`${ACCOUNT}/us-east-1`])
    expect(fleet.members.find((m) => m.region === 'ap-south-1')).toMatchObject({
      imageId: 'ami-named',
      reused: true,
      state: 'available'
    })
    expect(world.events.filter((e) => e.endsWith('ami-named'))).toHaveLength(3)
  })

  for (const ifExists of ['reuse', 'replace'] as const) {
    it(`with if-exists: ${ifExists}, a same-name AMI without our lineage is a conflict: nothing reused or deregistered`, async () => {
      setup({
        named: {
          [`${ACCOUNT}/ap-south-1`]: {
            ImageId: 'ami-named',
            Name: 'golden-1',
            State: 'available',
            Tags: [{ Key: LINEAGE_TAG, Value: 'ami-0other@eu-west-1' }]
          }
        }
      })
      const { ctx } = makeHarness({ share: share(), copy: copy(), ifExists })
      await expect(distribute(ctx, makeImage())).rejects.toThrow(
        /Name conflict: an AMI named "golden-1" already exists in ap-south-1 \(account 111122223333\): ami-named .*copy of ami-0other in eu-west-1, not of ami-0source in eu-west-1/
      )
      expect(mutatingCalls()).toEqual([])
    })
  }

  it('with if-exists: fail, a same-name AMI in any target stops the run before any copy', async () => {
    setup({
      named: {
        [`${ACCOUNT}/ap-south-1`]: { ImageId: 'ami-old', Name: 'golden-1', State: 'available' }
      }
    })
    const { ctx } = makeHarness({ share: share(), copy: copy() })
    await expect(distribute(ctx, makeImage())).rejects.toThrow(
      /AMI named "golden-1" already exists in ap-south-1 \(account 111122223333\): ami-old/
    )
    expect(mutatingCalls()).toEqual([])
  })
})

describe('distribute: adopted AMI of another account', () => {
  it('neither shares nor deprecates it, but copies it and writes the SSM parameter', async () => {
    setup()
    const { ctx, logs } = makeHarness({
      share: share(),
      copy: copy({ regions: ['us-east-1'] }),
      deprecateAt: DEPRECATE_AT,
      ssmParameter: '/golden/latest'
    })
    const image = makeImage({ ownerId: '555555555555', source: 'existing' })
    const fleet = await distribute(ctx, image)
    const promotion = await promote(ctx, image, fleet)
    const shared = ec2Mock
      .commandCalls(ModifyImageAttributeCommand)
      .map((c) => c.args[0].input.ImageId)
    expect(shared).toEqual([copyId(`${ACCOUNT}/us-east-1`)])
    expect(ec2Mock.commandCalls(EnableImageDeprecationCommand)).toHaveLength(1)
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(2)
    expect(fleet.members[0]).toMatchObject({ accountId: '555555555555' })
    expect(promotion.parameters.map((p) => `${p.region} ${p.imageId} ${p.outcome}`)).toEqual([
      'eu-west-1 ami-0source set',
      `us-east-1 ${copyId(`${ACCOUNT}/us-east-1`)} set`
    ])
    expect(logs.join('\n')).toMatch(/Sharing skipped: ami-0source is owned by account 555555555555/)
  })
})
