// buildImage for instance-id and ami-id, if-exists (fail | reuse | replace), and the dry run.
import { createPlanner } from '../../src/plan.js'
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import {
  CreateImageCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DeregisterImageCommand,
  DescribeImageReferencesCommand,
  DescribeImagesCommand,
  EnableImageCommand,
  EC2Client,
  type Image as AwsImage
} from '@aws-sdk/client-ec2'
import {
  DescribeDocumentCommand,
  SSMClient,
  StartAutomationExecutionCommand
} from '@aws-sdk/client-ssm'
import { mockClient } from 'aws-sdk-client-mock'
import * as core from '../../__fixtures__/core.js'
import { ACCOUNT, awsError, makeContext, OTHER_ACCOUNT, REGION } from './source-context.js'

jest.unstable_mockModule('@actions/core', () => core)
const { buildImage, PLANNED_IMAGE_ID } = await import('../../src/source/build.js')
const { ImageExistsError, ImageFailedError } = await import('../../src/aws/errors.js')
const { InputError } = await import('../../src/errors.js')

const ec2Mock = mockClient(EC2Client)
const ssmMock = mockClient(SSMClient)
const NEW = 'ami-0new0000000000000'
const OLD = 'ami-0old0000000000000'
const NAME = 'golden-20260102030405'
const TAGS = { team: 'platform', 'ami-share-action:family': 'golden' }
const TAG_LIST = [
  { Key: 'team', Value: 'platform' },
  { Key: 'ami-share-action:family', Value: 'golden' }
]

const awsImage = (id: string, extra: Partial<AwsImage> = {}): AwsImage => ({
  ImageId: id,
  Name: NAME,
  OwnerId: ACCOUNT,
  State: 'available',
  BlockDeviceMappings: [
    {
      DeviceName: '/dev/xvda',
      Ebs: { SnapshotId: `snap-${id.slice(4)}`, VolumeSize: 8, Encrypted: false }
    }
  ],
  ...extra
})

/** Names of the EC2 commands sent, in order. */
const ec2Sent = (): string[] => ec2Mock.calls().map((c) => c.args[0].constructor.name)

beforeEach(() => {
  core.reset()
  ec2Mock.reset()
  ssmMock.reset()
  ec2Mock.on(DescribeImagesCommand, { Owners: ['self'] }).resolves({ Images: [] })
  ec2Mock.on(CreateImageCommand).resolves({ ImageId: NEW })
  ec2Mock
    .on(DescribeImagesCommand, { ImageIds: [NEW] })
    .rejectsOnce(awsError('InvalidAMIID.NotFound'))
    .resolves({ Images: [awsImage(NEW)] })
})

describe('instance-id', () => {
  it('CreateImage with name, description, reboot, tags on image and snapshots; then waits', async () => {
    const t = makeContext({ tags: TAGS, amiDescription: 'Golden image' })
    const image = await buildImage(t.ctx)
    expect(ec2Mock.commandCalls(CreateImageCommand)[0].args[0].input).toEqual({
      InstanceId: 'i-0123456789abcdef0',
      Name: NAME,
      Description: 'Golden image',
      NoReboot: false,
      TagSpecifications: [
        { ResourceType: 'image', Tags: TAG_LIST },
        { ResourceType: 'snapshot', Tags: TAG_LIST }
      ]
    })
    expect(ec2Sent()).toEqual([
      'DescribeImagesCommand',
      'CreateImageCommand',
      'DescribeImagesCommand',
      'DescribeImagesCommand'
    ])
    expect(image).toMatchObject({
      id: NEW,
      name: NAME,
      region: REGION,
      accountId: ACCOUNT,
      ownerId: ACCOUNT,
      source: 'instance',
      reused: false,
      snapshots: [{ id: 'snap-0new0000000000000', sizeGiB: 8, encrypted: false }]
    })
    expect(image.planned).toBeUndefined()
  })

  it('no tags -> no TagSpecifications; no-reboot passes through', async () => {
    const t = makeContext({
      source: { kind: 'instance', instanceId: 'i-1', noReboot: true, amiName: NAME }
    })
    await buildImage(t.ctx)
    expect(ec2Mock.commandCalls(CreateImageCommand)[0].args[0].input).toEqual({
      InstanceId: 'i-1',
      Name: NAME,
      NoReboot: true
    })
  })

  it('an image that fails reports its StateReason', async () => {
    const t = makeContext()
    ec2Mock.on(DescribeImagesCommand, { ImageIds: [NEW] }).resolves({
      Images: [
        awsImage(NEW, {
          State: 'failed',
          StateReason: {
            Code: 'Client.InvalidKMSKey.InvalidState',
            Message: 'The KMS key is disabled'
          }
        })
      ]
    })
    const error = await buildImage(t.ctx).catch((e) => e)
    expect(error).toBeInstanceOf(ImageFailedError)
    expect(error.message).toContain(
      'StateReason Client.InvalidKMSKey.InvalidState: The KMS key is disabled'
    )
  })
})

describe('if-exists', () => {
  beforeEach(() => {
    ec2Mock.on(DescribeImagesCommand, { Owners: ['self'] }).resolves({ Images: [awsImage(OLD)] })
  })

  it('fail: error naming ami-name, if-exists and the existing ID before anything starts', async () => {
    const t = makeContext()
    const error = await buildImage(t.ctx).catch((e) => e)
    expect(error).toBeInstanceOf(ImageExistsError)
    expect(error.input).toBe('if-exists')
    expect(error.message).toBe(
      `ami-name: an AMI named "${NAME}" already exists in ${REGION}: ${OLD} (available), and if-exists is fail. Set if-exists to reuse or replace, or make ami-name unique (e.g. with {{timestamp}}).`
    )
    expect(ec2Mock.commandCalls(DescribeImagesCommand)[0].args[0].input).toEqual({
      Owners: ['self'],
      Filters: [{ Name: 'name', Values: [NAME] }],
      IncludeDeprecated: true,
      IncludeDisabled: true
    })
    expect(ec2Sent()).toEqual(['DescribeImagesCommand'])
  })

  it('fail with a runbook: checked after parameter validation, before the start', async () => {
    const t = makeContext({
      source: { kind: 'automation', document: 'Bake', parameters: {} }
    })
    ssmMock.on(DescribeDocumentCommand).resolves({
      Document: { Parameters: [{ Name: 'TargetAmiName', Type: 'String', DefaultValue: 'x' }] }
    })
    await expect(buildImage(t.ctx)).rejects.toBeInstanceOf(ImageExistsError)
    expect(ssmMock.commandCalls(StartAutomationExecutionCommand)).toHaveLength(0)
  })

  it('with a runbook and no ami-name, a literal TargetAmiName is checked; a template is not', async () => {
    const t = makeContext({
      amiName: undefined,
      source: { kind: 'automation', document: 'Bake', parameters: { TargetAmiName: ['literal'] } }
    })
    ec2Mock
      .on(DescribeImagesCommand, { Owners: ['self'] })
      .resolves({ Images: [awsImage(OLD, { Name: 'literal' })] })
    ssmMock.on(DescribeDocumentCommand).resolves({
      Document: { Parameters: [{ Name: 'TargetAmiName', Type: 'String', DefaultValue: 'x' }] }
    })
    await expect(buildImage(t.ctx)).rejects.toBeInstanceOf(ImageExistsError)
    expect(ec2Mock.commandCalls(DescribeImagesCommand)[0].args[0].input.Filters).toEqual([
      { Name: 'name', Values: ['literal'] }
    ])
    ec2Mock.resetHistory()
    t.ctx.config.source = {
      kind: 'automation',
      document: 'Bake',
      parameters: { TargetAmiName: ['bake-{{global:DATE_TIME}}'] }
    }
    t.ctx.plan = createPlanner(true)
    await buildImage(t.ctx)
    expect(ec2Mock.commandCalls(DescribeImagesCommand)).toHaveLength(0)
  })

  it('reuse: adopts the existing AMI (waiting while pending), tags it, creates nothing', async () => {
    const t = makeContext({ ifExists: 'reuse', tags: TAGS })
    ec2Mock
      .on(DescribeImagesCommand, { Owners: ['self'] })
      .resolves({ Images: [awsImage(OLD, { State: 'pending' })] })
    ec2Mock.on(DescribeImagesCommand, { ImageIds: [OLD] }).resolves({ Images: [awsImage(OLD)] })
    const image = await buildImage(t.ctx)
    expect(image).toMatchObject({ id: OLD, reused: true, source: 'instance' })
    expect(ec2Mock.commandCalls(CreateImageCommand)).toHaveLength(0)
    expect(ec2Mock.commandCalls(CreateTagsCommand)[0].args[0].input).toEqual({
      Resources: [OLD, 'snap-0old0000000000000'],
      Tags: TAG_LIST
    })
  })

  it('replace: deregisters it with its snapshots first, then builds', async () => {
    const t = makeContext({ ifExists: 'replace' })
    ec2Mock.on(DescribeImageReferencesCommand).resolves({ ImageReferences: [] })
    ec2Mock.on(DeregisterImageCommand).resolves({
      DeleteSnapshotResults: [
        { SnapshotId: 'snap-0old0000000000000', ReturnCode: 'success' },
        { SnapshotId: 'snap-shared', ReturnCode: 'skipped' },
        { SnapshotId: 'snap-locked', ReturnCode: 'missing-permissions' }
      ]
    })
    const image = await buildImage(t.ctx)
    expect(image.id).toBe(NEW)
    expect(ec2Mock.commandCalls(DeregisterImageCommand)[0].args[0].input).toEqual({
      ImageId: OLD,
      DeleteAssociatedSnapshots: true
    })
    expect(ec2Sent().slice(0, 4)).toEqual([
      'DescribeImagesCommand',
      'DescribeImageReferencesCommand',
      'DeregisterImageCommand',
      'CreateImageCommand'
    ])
    expect(t.ctx.warnings).toEqual([
      `Snapshot snap-locked of replaced ${OLD} was not deleted: missing-permissions (the role may not call ec2:DeleteSnapshot)`
    ])
    expect(t.logs).toContainEqual(
      `info: Kept snapshot snap-shared of replaced ${OLD}: another AMI still uses it`
    )
  })

  it('replace refuses a protected AMI', async () => {
    const t = makeContext({ ifExists: 'replace' })
    ec2Mock.on(DescribeImagesCommand, { Owners: ['self'] }).resolves({
      Images: [awsImage(OLD, { DeregistrationProtection: 'enabled-without-cooldown' })]
    })
    const error = await buildImage(t.ctx).catch((e) => e)
    expect(error).toBeInstanceOf(ImageExistsError)
    expect(error.message).toContain('has deregistration protection (enabled-without-cooldown)')
    expect(error.message).toContain(
      `aws ec2 disable-image-deregistration-protection --image-id ${OLD}`
    )
    expect(ec2Sent()).toEqual(['DescribeImagesCommand'])
  })
})

describe('ami-id', () => {
  /** DescribeImages by ID answers with OLD owned by ownerId. */
  const existing = (ownerId: string, State: AwsImage['State'] = 'available'): void => {
    ec2Mock
      .on(DescribeImagesCommand, { ImageIds: [OLD] })
      .resolves({ Images: [awsImage(OLD, { OwnerId: ownerId, State })] })
  }

  it('adopts an owned AMI, reports the owner and tags it', async () => {
    existing(ACCOUNT)
    const t = makeContext({ source: { kind: 'existing', amiId: OLD }, tags: TAGS })
    const image = await buildImage(t.ctx)
    expect(image).toMatchObject({ id: OLD, ownerId: ACCOUNT, source: 'existing', reused: false })
    expect(t.logs).toContainEqual(
      expect.stringContaining(`owned by account ${ACCOUNT} (this account)`)
    )
    expect(ec2Mock.commandCalls(CreateTagsCommand)[0].args[0].input.Resources).toEqual([
      OLD,
      'snap-0old0000000000000'
    ])
    // no name check for an adopted AMI
    expect(ec2Mock.commandCalls(DescribeImagesCommand)).toHaveLength(1)
  })

  it('adopts a shared AMI without tagging it, waiting while pending', async () => {
    existing(OTHER_ACCOUNT, 'pending')
    ec2Mock
      .on(DescribeImagesCommand, { ImageIds: [OLD] })
      .resolvesOnce({ Images: [awsImage(OLD, { OwnerId: OTHER_ACCOUNT, State: 'pending' })] })
      .resolves({ Images: [awsImage(OLD, { OwnerId: OTHER_ACCOUNT })] })
    const t = makeContext({ source: { kind: 'existing', amiId: OLD }, tags: TAGS })
    const image = await buildImage(t.ctx)
    expect(image.ownerId).toBe(OTHER_ACCOUNT)
    expect(t.logs).toContainEqual(
      expect.stringContaining(`owned by account ${OTHER_ACCOUNT} (this account is ${ACCOUNT})`)
    )
    expect(ec2Mock.commandCalls(CreateTagsCommand)).toHaveLength(0)
    expect(ec2Mock.commandCalls(DescribeImagesCommand)).toHaveLength(2)
  })

  it.each([
    [
      'NotFound',
      awsError('InvalidAMIID.NotFound'),
      `ami-id: ${OLD} does not exist in ${REGION} or is not visible to account ${ACCOUNT}`
    ],
    [
      'an empty answer',
      undefined,
      `ami-id: ${OLD} does not exist in ${REGION} or is not visible to account ${ACCOUNT}`
    ]
  ])('%s -> InputError naming ami-id', async (_label, error, message) => {
    if (error) ec2Mock.on(DescribeImagesCommand, { ImageIds: [OLD] }).rejects(error)
    else ec2Mock.on(DescribeImagesCommand, { ImageIds: [OLD] }).resolves({ Images: [] })
    const t = makeContext({ source: { kind: 'existing', amiId: OLD } })
    const thrown = await buildImage(t.ctx).catch((e) => e)
    expect(thrown).toBeInstanceOf(InputError)
    expect(thrown.input).toBe('ami-id')
    expect(thrown.message).toContain(message)
  })

  it('adopting our disabled AMI (hidden without IncludeDisabled) re-enables it and drops its disabled-at tag', async () => {
    ec2Mock.on(DescribeImagesCommand).resolves({ Images: [] })
    ec2Mock
      .on(DescribeImagesCommand, { ImageIds: [OLD], IncludeDisabled: true })
      .resolves({ Images: [awsImage(OLD, { OwnerId: ACCOUNT, State: 'disabled' })] })
    const t = makeContext({ source: { kind: 'existing', amiId: OLD }, tags: TAGS })
    const image = await buildImage(t.ctx)
    expect(image.id).toBe(OLD)
    expect(ec2Mock.commandCalls(EnableImageCommand).map((c) => c.args[0].input)).toEqual([
      { ImageId: OLD }
    ])
    expect(ec2Mock.commandCalls(DeleteTagsCommand).map((c) => c.args[0].input)).toEqual([
      { Resources: [OLD], Tags: [{ Key: 'ami-share-action:disabled-at' }] }
    ])
  })

  it("another account's disabled AMI is an error naming ami-id (only its owner can re-enable it)", async () => {
    ec2Mock
      .on(DescribeImagesCommand, { ImageIds: [OLD], IncludeDisabled: true })
      .resolves({ Images: [awsImage(OLD, { OwnerId: OTHER_ACCOUNT, State: 'disabled' })] })
    const t = makeContext({ source: { kind: 'existing', amiId: OLD }, tags: TAGS })
    const thrown = await buildImage(t.ctx).catch((e) => e)
    expect(thrown).toBeInstanceOf(InputError)
    expect(thrown.message).toMatch(/^ami-id: .* is disabled and owned by account/)
    expect(ec2Mock.commandCalls(EnableImageCommand)).toHaveLength(0)
    expect(ec2Mock.commandCalls(CreateTagsCommand)).toHaveLength(0)
  })

  it('other errors pass through', async () => {
    ec2Mock
      .on(DescribeImagesCommand, { ImageIds: [OLD] })
      .rejects(awsError('UnauthorizedOperation'))
    const t = makeContext({ source: { kind: 'existing', amiId: OLD } })
    await expect(buildImage(t.ctx)).rejects.toThrow('UnauthorizedOperation')
  })
})

describe('dry run', () => {
  const MUTATING = ['CreateTagsCommand', 'DeregisterImageCommand', 'CreateImageCommand']

  it('instance: CreateImage with DryRun=true; DryRunOperation means it would succeed', async () => {
    ec2Mock
      .on(CreateImageCommand)
      .rejects(
        awsError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412)
      )
    const t = makeContext({ dryRun: true, tags: TAGS })
    const image = await buildImage(t.ctx)
    const create = ec2Mock.commandCalls(CreateImageCommand)
    expect(create).toHaveLength(1)
    expect(create[0].args[0].input).toMatchObject({
      DryRun: true,
      InstanceId: 'i-0123456789abcdef0',
      Name: NAME
    })
    expect(image).toMatchObject({
      id: PLANNED_IMAGE_ID,
      name: NAME,
      planned: true,
      source: 'instance'
    })
    // DryRunOperation: allowed, so the plan has the build and no problem.
    expect(t.ctx.plan.items).toEqual([
      {
        phase: 'build',
        text: expect.stringContaining(`Would create AMI "${NAME}" from i-0123456789abcdef0`),
        calls: [{ action: 'ec2:CreateImage', accountId: ACCOUNT, region: REGION }]
      }
    ])
  })

  it('instance: UnauthorizedOperation becomes a problem naming the permission', async () => {
    ec2Mock
      .on(CreateImageCommand)
      .rejects(
        awsError(
          'UnauthorizedOperation',
          'User: x is not authorized to perform: ec2:CreateImage on resource: y',
          403
        )
      )
    const t = makeContext({ dryRun: true })
    await buildImage(t.ctx)
    expect(t.ctx.plan.items[1]).toEqual({
      phase: 'check',
      problem: true,
      text: expect.stringContaining('the role lacks permission ec2:CreateImage')
    })
  })

  it('name conflicts are plan problems, not errors; reuse and replace say what they would do', async () => {
    ec2Mock.on(DescribeImagesCommand, { Owners: ['self'] }).resolves({ Images: [awsImage(OLD)] })
    ec2Mock.on(CreateImageCommand).rejects(awsError('DryRunOperation'))
    const fail = makeContext({ dryRun: true })
    await buildImage(fail.ctx)
    expect(fail.ctx.plan.items[0]).toMatchObject({
      phase: 'check',
      problem: true,
      text: expect.stringContaining(`already exists in ${REGION}: ${OLD}`)
    })

    const reuse = makeContext({ dryRun: true, ifExists: 'reuse' })
    expect(await buildImage(reuse.ctx)).toMatchObject({ id: OLD, reused: true })
    expect(reuse.ctx.plan.items).toEqual([
      { phase: 'build', text: `Would reuse ${OLD} ("${NAME}"), which already exists` }
    ])

    const replace = makeContext({ dryRun: true, ifExists: 'replace' })
    ec2Mock.on(DescribeImageReferencesCommand).resolves({ ImageReferences: [] })
    await buildImage(replace.ctx)
    expect(replace.ctx.plan.items[0]).toEqual({
      phase: 'build',
      text: expect.stringContaining(`Would deregister ${OLD}`),
      calls: [{ action: 'ec2:DeregisterImage', accountId: ACCOUNT, region: REGION }]
    })

    ec2Mock
      .on(DescribeImagesCommand, { Owners: ['self'] })
      .resolves({ Images: [awsImage(OLD, { DeregistrationProtection: 'enabled-with-cooldown' })] })
    const locked = makeContext({ dryRun: true, ifExists: 'replace' })
    await buildImage(locked.ctx)
    expect(locked.ctx.plan.items[0]).toMatchObject({
      problem: true,
      text: expect.stringContaining('deregistration protection')
    })

    for (const name of ec2Sent())
      if (name !== 'CreateImageCommand') expect(MUTATING).not.toContain(name)
    for (const call of ec2Mock.commandCalls(CreateImageCommand))
      expect(call.args[0].input.DryRun).toBe(true)
  })

  it('runbook: DescribeDocument and validation only, never started', async () => {
    ssmMock.on(DescribeDocumentCommand).resolves({
      Document: {
        Parameters: [
          { Name: 'InstanceId', Type: 'String' },
          { Name: 'TargetAmiName', Type: 'String', DefaultValue: 'x' }
        ]
      }
    })
    const t = makeContext({
      dryRun: true,
      source: {
        kind: 'automation',
        document: 'Bake',
        documentVersion: '2',
        parameters: { InstanceId: ['i-9'] }
      }
    })
    const image = await buildImage(t.ctx)
    expect(image).toMatchObject({ planned: true, name: NAME, source: 'automation' })
    expect(ssmMock.calls().map((c) => c.args[0].constructor.name)).toEqual([
      'DescribeDocumentCommand'
    ])
    expect(t.ctx.plan.items).toEqual([
      {
        phase: 'build',
        text: `Would start runbook Bake version 2 with InstanceId=i-9; TargetAmiName=${NAME}, then tag and wait for its AMI`,
        // Tagged with its recipe even without tags inputs.
        calls: [
          { action: 'ssm:StartAutomationExecution', accountId: ACCOUNT, region: REGION },
          { action: 'ec2:CreateTags', accountId: ACCOUNT, region: REGION }
        ]
      }
    ])
  })

  it('ami-id: the real image, nothing tagged or waited for', async () => {
    ec2Mock
      .on(DescribeImagesCommand, { ImageIds: [OLD] })
      .resolves({ Images: [awsImage(OLD, { State: 'pending' })] })
    const t = makeContext({ dryRun: true, source: { kind: 'existing', amiId: OLD }, tags: TAGS })
    const image = await buildImage(t.ctx)
    expect(image.id).toBe(OLD)
    expect(image.planned).toBeUndefined()
    expect(ec2Sent()).toEqual(['DescribeImagesCommand'])
    expect(t.ctx.plan.items.map((p) => p.text)).toEqual([
      `Would wait for ${OLD} (now pending) to become available`,
      `Would tag ${OLD} and its snapshots with team, ami-share-action:family`
    ])
  })
})
