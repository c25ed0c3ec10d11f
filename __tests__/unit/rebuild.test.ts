// The pieces of nightly rebuilds, each on its own: resolve:ssm: parameters, the base AMI check,
// the recipe hash, the build-or-adopt decision, finding another run's execution, and what a
// re-run leaves alone (tags, deprecation, protection).
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import {
  DescribeImagesCommand,
  EC2Client,
  EnableImageDeprecationCommand,
  EnableImageDeregistrationProtectionCommand
} from '@aws-sdk/client-ec2'
import {
  DescribeAutomationExecutionsCommand,
  GetParameterCommand,
  ListTagsForResourceCommand,
  SSMClient
} from '@aws-sdk/client-ssm'
import { mockClient } from 'aws-sdk-client-mock'
import * as core from '../../__fixtures__/core.js'
import { awsError, makeContext, REGION, T0 } from './source-context.js'

jest.unstable_mockModule('@actions/core', () => core)
const { resolveSsmParameters } = await import('../../src/source/resolve-parameters.js')
const { checkBaseAmi, baseAmiParameter } = await import('../../src/source/base-ami.js')
const { recipeHash } = await import('../../src/source/recipe.js')
const { decideRebuild } = await import('../../src/source/rebuild.js')
const { firstRunningExecution } = await import('../../src/source/running-execution.js')
const { applyLifecycle } = await import('../../src/image/lifecycle.js')
const { deprecationInPlace, missingTags } = await import('../../src/image/prior-state.js')
const { InputError } = await import('../../src/errors.js')

const ssmMock = mockClient(SSMClient)
const ec2Mock = mockClient(EC2Client)
const BASE = 'ami-0b1b1b1b1b1b1b1b1'
const AL = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64'

beforeEach(() => {
  core.reset()
  ssmMock.reset()
  ec2Mock.reset()
})

describe('resolve:ssm: parameters', () => {
  it('replace each value by the parameter, one GetParameter per name', async () => {
    ssmMock.on(GetParameterCommand, { Name: AL }).resolves({
      Parameter: { Name: AL, Type: 'String', Value: BASE }
    })
    const result = await resolveSsmParameters(new SSMClient({}), REGION, {
      SourceAmiId: [`resolve:ssm:${AL}`],
      Other: [`resolve:ssm:${AL}`, 'plain']
    })
    expect(result.parameters).toEqual({ SourceAmiId: [BASE], Other: [BASE, 'plain'] })
    expect(result.resolved).toEqual([
      { parameter: 'SourceAmiId', name: AL, value: BASE },
      { parameter: 'Other', name: AL, value: BASE }
    ])
    expect(ssmMock.commandCalls(GetParameterCommand)).toHaveLength(1)
  })

  it('a missing parameter or a SecureString is an InputError naming automation-parameters', async () => {
    ssmMock.on(GetParameterCommand, { Name: '/missing' }).rejects(awsError('ParameterNotFound'))
    ssmMock.on(GetParameterCommand, { Name: '/secret' }).resolves({
      Parameter: { Name: '/secret', Type: 'SecureString', Value: 'hunter2' }
    })
    const missing = await resolveSsmParameters(new SSMClient({}), REGION, {
      A: ['resolve:ssm:/missing']
    }).catch((e: unknown) => e)
    expect(missing).toBeInstanceOf(InputError)
    expect((missing as Error).message).toMatch(/^automation-parameters: SSM parameter \/missing/)
    const secret = await resolveSsmParameters(new SSMClient({}), REGION, {
      A: ['resolve:ssm:/secret']
    }).catch((e: unknown) => e)
    expect((secret as Error).message).toContain('is a SecureString')
    expect((secret as Error).message).not.toContain('hunter2')
  })
})

describe('the base AMI', () => {
  it('is SourceAmiId, else the only parameter holding an AMI ID', () => {
    expect(baseAmiParameter({ SourceAmiId: [BASE], Other: ['ami-0123456789abcdef0'] })).toEqual({
      parameter: 'SourceAmiId',
      id: BASE
    })
    expect(baseAmiParameter({ Base: [BASE] })).toEqual({ parameter: 'Base', id: BASE })
    expect(baseAmiParameter({ A: [BASE], B: ['ami-0123456789abcdef0'] })).toBeUndefined()
  })

  it('disabled is an error, deprecated a warning with its time', async () => {
    const t = makeContext()
    ec2Mock.on(DescribeImagesCommand).resolvesOnce({
      Images: [{ ImageId: BASE, State: 'disabled' }]
    })
    await expect(
      checkBaseAmi(t.ctx, new EC2Client({}), { SourceAmiId: [BASE] }, [])
    ).rejects.toThrow(/is disabled, so nothing can launch it/)
    ec2Mock.on(DescribeImagesCommand).resolves({
      Images: [
        {
          ImageId: BASE,
          State: 'available',
          Name: 'old',
          DeprecationTime: '2025-06-01T00:00:00.000Z'
        }
      ]
    })
    const base = await checkBaseAmi(t.ctx, new EC2Client({}), { SourceAmiId: [BASE] }, [
      { parameter: 'SourceAmiId', name: AL, value: BASE }
    ])
    expect(base).toMatchObject({ id: BASE, resolvedFrom: AL, name: 'old' })
    expect(t.ctx.warnings.join('\n')).toContain('deprecated since 2025-06-01T00:00:00.000Z')
  })
})

describe('the recipe', () => {
  const recipe = {
    document: 'AWS-UpdateLinuxAmi',
    runbookHash: 'a'.repeat(64),
    parameters: { SourceAmiId: [BASE], SecurityGroupIds: ['sg-1'] },
    namePattern: 'web-{{timestamp}}',
    description: 'web',
    family: 'web'
  }
  it('is the same for the same inputs in any parameter order, and differs for any change', () => {
    const hash = recipeHash(recipe)
    expect(
      recipeHash({ ...recipe, parameters: { SecurityGroupIds: ['sg-1'], SourceAmiId: [BASE] } })
    ).toBe(hash)
    for (const change of [
      { runbookHash: 'b'.repeat(64) },
      { parameters: { SourceAmiId: ['ami-0123456789abcdef0'], SecurityGroupIds: ['sg-1'] } },
      { namePattern: 'web-x-{{timestamp}}' },
      { description: 'other' },
      { family: 'other' },
      { document: 'Other' }
    ]) {
      expect(recipeHash({ ...recipe, ...change })).not.toBe(hash)
    }
  })
})

describe('build or adopt', () => {
  const provenance = {
    recipe: 'r'.repeat(64),
    runbookHash: 'h'.repeat(64),
    baseAmi: { id: BASE, parameter: 'SourceAmiId' },
    resolved: []
  }
  const version = (id: string, created: string, tags: Record<string, string>) => ({
    ImageId: id,
    Name: id,
    State: 'available' as const,
    CreationDate: created,
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value }))
  })

  it('adopts the newest version with the same recipe, never one that failed its test', async () => {
    const t = makeContext({ family: 'web' })
    ec2Mock.on(DescribeImagesCommand).resolves({
      Images: [
        version('ami-00000000000000001', '2026-11-01T00:00:00.000Z', {
          'ami-share-action:recipe': provenance.recipe
        }),
        version('ami-00000000000000002', '2026-11-03T00:00:00.000Z', {
          'ami-share-action:recipe': provenance.recipe,
          'ami-share-action:test': 'failed'
        })
      ]
    })
    const { adopt, decision } = await decideRebuild(t.ctx, provenance)
    expect(adopt?.ImageId).toBe('ami-00000000000000001')
    expect(decision).toMatchObject({ adopt: true, since: new Date('2026-11-01T00:00:00.000Z') })
    expect(decision.why).toContain(`same base AMI ${BASE}`)
  })

  it('builds and says what changed: the base AMI, the runbook content, or the rest', async () => {
    const t = makeContext({ family: 'web' })
    ec2Mock.on(DescribeImagesCommand).resolves({
      Images: [
        version('ami-00000000000000001', '2026-11-01T00:00:00.000Z', {
          'ami-share-action:recipe': 'x'.repeat(64),
          'ami-share-action:base-ami': 'ami-0a0a0a0a0a0a0a0a0',
          'ami-share-action:runbook-hash': provenance.runbookHash
        })
      ]
    })
    const { adopt, decision } = await decideRebuild(t.ctx, provenance)
    expect(adopt).toBeUndefined()
    expect(decision.why).toContain(`the base AMI changed from ami-0a0a0a0a0a0a0a0a0 to ${BASE}`)
    expect(decision.why).not.toContain('runbook content')
  })
})

describe('another run of the recipe', () => {
  it('is the first-started running execution whose recipe tag matches', async () => {
    ssmMock.on(DescribeAutomationExecutionsCommand).resolves({
      AutomationExecutionMetadataList: [
        {
          AutomationExecutionId: 'b',
          AutomationExecutionStatus: 'InProgress',
          ExecutionStartTime: new Date(2000)
        },
        {
          AutomationExecutionId: 'a',
          AutomationExecutionStatus: 'InProgress',
          ExecutionStartTime: new Date(1000)
        },
        {
          AutomationExecutionId: 'c',
          AutomationExecutionStatus: 'InProgress',
          ExecutionStartTime: new Date(500)
        }
      ]
    })
    ssmMock.on(ListTagsForResourceCommand, { ResourceId: 'c' }).resolves({
      TagList: [{ Key: 'ami-share-action:recipe', Value: 'other' }]
    })
    ssmMock.on(ListTagsForResourceCommand, { ResourceId: 'a' }).resolves({
      TagList: [{ Key: 'ami-share-action:recipe', Value: 'mine' }]
    })
    const found = await firstRunningExecution(new SSMClient({}), 'Nightly', 'mine')
    expect(found?.id).toBe('a')
    const filters = ssmMock.commandCalls(DescribeAutomationExecutionsCommand)[0].args[0].input
      .Filters
    expect(filters).toContainEqual({ Key: 'TagKey', Values: ['ami-share-action:recipe'] })
  })
})

describe('a re-run leaves alone what is already as asked', () => {
  it('deprecation: kept at the same rounded time, or when set for the same deprecate-after', () => {
    const config = makeContext({ deprecateAt: T0, deprecateAfter: '90d' }).ctx.config
    const at = new Date('2026-04-01T00:00:00.000Z')
    expect(deprecationInPlace(config, { tags: {}, deprecationTime: at }, at)).toBe(true)
    expect(
      deprecationInPlace(
        config,
        { tags: { 'ami-share-action:deprecate-after': '90d' }, deprecationTime: at },
        T0
      )
    ).toBe(true)
    expect(
      deprecationInPlace(
        config,
        { tags: { 'ami-share-action:deprecate-after': '30d' }, deprecationTime: at },
        T0
      )
    ).toBe(false)
    expect(deprecationInPlace(config, { tags: {} }, T0)).toBe(false)
  })

  it('tags: only the missing or different ones are sent', () => {
    expect(missingTags({ tags: { a: '1', b: '2' } }, { a: '1', b: '3', c: '4' })).toEqual({
      b: '3',
      c: '4'
    })
  })

  it('applyLifecycle sends nothing for an AMI already deprecated for this value and protected', async () => {
    const t = makeContext({
      deprecateAt: new Date(T0.getTime() + 90 * 86_400_000),
      deprecateAfter: '90d',
      deregistrationProtection: true
    })
    const earlier = new Date('2026-03-01T00:00:00.000Z')
    const result = await applyLifecycle(t.ctx, {
      imageId: 'ami-00000000000000001',
      region: REGION,
      accountId: '111122223333',
      ec2: new EC2Client({}),
      prior: {
        tags: { 'ami-share-action:deprecate-after': '90d' },
        deprecationTime: earlier,
        protection: 'enabled'
      }
    })
    expect(result).toEqual({ deprecateAt: earlier, protected: true })
    expect(ec2Mock.commandCalls(EnableImageDeprecationCommand)).toHaveLength(0)
    expect(ec2Mock.commandCalls(EnableImageDeregistrationProtectionCommand)).toHaveLength(0)
  })
})
