// The promote phase: the SSM parameter and launch-template versions of each region, pointed at
// that region's AMI only when they do not already point there; a dry run plans the same calls.
import { beforeEach, describe, expect, it } from '@jest/globals'
import {
  CreateLaunchTemplateVersionCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  ModifyLaunchTemplateCommand,
  type LaunchTemplateVersion
} from '@aws-sdk/client-ec2'
import {
  GetParameterCommand,
  PutParameterCommand,
  SSMClient,
  SSMServiceException
} from '@aws-sdk/client-ssm'
import { mockClient } from 'aws-sdk-client-mock'
import { plannedCalls } from '../../src/plan.js'
import { checkTemplates } from '../../src/promote/find-template.js'
import { promote } from '../../src/promote/index.js'
import { versionToken } from '../../src/promote/launch-template.js'
import { publishParameter } from '../../src/promote/ssm-parameter.js'
import { promoteTargets, type PromoteTarget } from '../../src/promote/targets.js'
import { PartialFailure, type Fleet, type FleetMember } from '../../src/types.js'
import type { Config } from '../../src/config.js'
import {
  ACCOUNT,
  awsError,
  COPY_ACCOUNT,
  fakeParameterStore,
  makeHarness,
  makeImage,
  REGION,
  where
} from './distribute-context.js'

const ec2Mock = mockClient(EC2Client)
const ssmMock = mockClient(SSMClient)
const AMI = 'ami-0source'
const COPY_AMI = 'ami-0copy1'

let store: Map<string, string>
beforeEach(() => {
  ec2Mock.reset()
  ssmMock.reset()
  store = fakeParameterStore(ssmMock as never)
})

const member = (overrides: Partial<FleetMember>): FleetMember => ({
  accountId: ACCOUNT,
  region: REGION,
  imageId: AMI,
  name: 'golden-1',
  role: 'source',
  state: 'available',
  reused: false,
  snapshots: [],
  ...overrides
})

const fleetOf = (...members: FleetMember[]): Fleet => ({ members })
const twoRegions = (): Fleet =>
  fleetOf(
    member({}),
    member({ role: 'copy', region: 'us-east-1', imageId: COPY_AMI }),
    member({
      role: 'copy',
      accountId: COPY_ACCOUNT.accountId,
      region: 'us-east-1',
      imageId: 'ami-0other'
    })
  )

const target = (overrides: Partial<PromoteTarget> = {}): PromoteTarget => ({
  region: 'us-east-2',
  accountId: ACCOUNT,
  imageId: 'ami-1',
  label: 'ami-1',
  planned: false,
  ...overrides
})

/** A template `web` in each region listed: versions 1..n with these AMIs, default `def`. */
function templates(world: Record<string, { amis: string[]; def: number }>): void {
  ec2Mock.on(DescribeLaunchTemplatesCommand).callsFake((input, getClient) => {
    const region = where(getClient()).split('/')[1]
    const t = world[region]
    const asked = input.LaunchTemplateNames?.[0] ?? input.LaunchTemplateIds?.[0]
    if (!t || (asked !== 'web' && asked !== `lt-0${region.replace(/-/g, '')}`)) {
      throw awsError('InvalidLaunchTemplateName.NotFoundException')
    }
    return {
      LaunchTemplates: [
        {
          LaunchTemplateId: `lt-0${region.replace(/-/g, '')}`,
          LaunchTemplateName: 'web',
          DefaultVersionNumber: t.def,
          LatestVersionNumber: t.amis.length
        }
      ]
    }
  })
  ec2Mock.on(DescribeLaunchTemplateVersionsCommand).callsFake((input, getClient) => {
    const t = world[where(getClient()).split('/')[1]]
    const version = (n: number): LaunchTemplateVersion => ({
      VersionNumber: n,
      DefaultVersion: n === t.def,
      LaunchTemplateData: { ImageId: t.amis[n - 1] }
    })
    const numbers: number[] = (input.Versions ?? []).map((v: string) =>
      v === '$Default' ? t.def : v === '$Latest' ? t.amis.length : Number(v)
    )
    return { LaunchTemplateVersions: [...new Set(numbers)].map(version) }
  })
  ec2Mock.on(CreateLaunchTemplateVersionCommand).callsFake((input, getClient) => {
    if (input.DryRun) throw awsError('DryRunOperation', 'Request would have succeeded', 412)
    const t = world[where(getClient()).split('/')[1]]
    t.amis.push(input.LaunchTemplateData.ImageId)
    return { LaunchTemplateVersion: { VersionNumber: t.amis.length } }
  })
  ec2Mock.on(ModifyLaunchTemplateCommand).callsFake((input, getClient) => {
    world[where(getClient()).split('/')[1]].def = Number(input.DefaultVersion)
    return {}
  })
}

const rollout = (setDefault = true): Partial<Config> => ({
  rollout: { templates: [{ name: 'web' }], setDefault },
  copy: { regions: ['us-east-1'], accounts: [], regionKmsKeyIds: {} }
})

const mutating = (): string[] =>
  ec2Mock
    .calls()
    .filter((c) => /Create|Modify/.test(c.args[0].constructor.name))
    .filter((c) => !(c.args[0].input as { DryRun?: boolean }).DryRun)
    .map((c) => `${c.args[0].constructor.name} ${where(c)}`)

describe('promoteTargets', () => {
  it('is the build-region AMI and the build account copies, never another account or a failed copy', () => {
    const fleet = fleetOf(
      ...twoRegions().members,
      member({
        role: 'copy',
        region: 'ap-south-1',
        imageId: undefined,
        state: 'failed',
        error: 'x'
      })
    )
    expect(promoteTargets(makeImage(), fleet).map((t) => `${t.region} ${t.imageId}`)).toEqual([
      `${REGION} ${AMI}`,
      `us-east-1 ${COPY_AMI}`
    ])
  })
})

describe('launch templates', () => {
  it('creates a version from the default version with the region AMI, and makes it the default', async () => {
    const world = {
      [REGION]: { amis: ['ami-a', 'ami-b', 'ami-c'], def: 2 },
      'us-east-1': { amis: ['ami-a'], def: 1 }
    }
    templates(world)
    const { ctx } = makeHarness(rollout())
    const promotion = await promote(ctx, makeImage(), twoRegions())
    const create = ec2Mock.commandCalls(CreateLaunchTemplateVersionCommand)
    expect(create.map((c) => [where(c), c.args[0].input])).toEqual([
      [
        `${ACCOUNT}/${REGION}`,
        {
          LaunchTemplateId: 'lt-0euwest1',
          SourceVersion: '2',
          VersionDescription: `golden-1 (${AMI}), by ami-share-action`,
          LaunchTemplateData: { ImageId: AMI },
          ClientToken: versionToken(ctx.runId, 'lt-0euwest1', AMI)
        }
      ],
      [
        `${ACCOUNT}/us-east-1`,
        expect.objectContaining({ SourceVersion: '1', LaunchTemplateData: { ImageId: COPY_AMI } })
      ]
    ])
    expect(ec2Mock.commandCalls(ModifyLaunchTemplateCommand).map((c) => c.args[0].input)).toEqual([
      { LaunchTemplateId: 'lt-0euwest1', DefaultVersion: '4' },
      { LaunchTemplateId: 'lt-0useast1', DefaultVersion: '2' }
    ])
    expect(promotion.templates).toEqual([
      expect.objectContaining({ region: REGION, outcome: 'created', version: 4, isDefault: true }),
      expect.objectContaining({
        region: 'us-east-1',
        outcome: 'created',
        version: 2,
        isDefault: true
      })
    ])
    expect(world[REGION].def).toBe(4)
  })

  it('with launch-template-set-default false: the version is created and the default stays', async () => {
    const world = { [REGION]: { amis: ['ami-a'], def: 1 } }
    templates(world)
    const { ctx } = makeHarness(rollout(false))
    const promotion = await promote(ctx, makeImage(), fleetOf(member({})))
    expect(ec2Mock.commandCalls(ModifyLaunchTemplateCommand)).toHaveLength(0)
    expect(promotion.templates[0]).toMatchObject({
      outcome: 'created',
      version: 2,
      isDefault: false
    })
    expect(world[REGION].def).toBe(1)
  })

  it('creates nothing when the default or the latest version has the AMI, and reports that version', async () => {
    templates({
      [REGION]: { amis: ['ami-a', AMI], def: 2 },
      'us-east-1': { amis: ['ami-a', COPY_AMI], def: 1 }
    })
    const { ctx } = makeHarness(rollout(false))
    const promotion = await promote(ctx, makeImage(), twoRegions())
    expect(mutating()).toEqual([])
    expect(promotion.templates.map((t) => [t.region, t.outcome, t.version, t.isDefault])).toEqual([
      [REGION, 'already', 2, true],
      ['us-east-1', 'already', 2, false]
    ])
  })

  it('makes an existing latest version with the AMI the default when asked (a run stopped half-way)', async () => {
    templates({ [REGION]: { amis: ['ami-a', AMI], def: 1 } })
    const { ctx } = makeHarness(rollout(true))
    const promotion = await promote(ctx, makeImage(), fleetOf(member({})))
    expect(mutating()).toEqual([`ModifyLaunchTemplateCommand ${ACCOUNT}/${REGION}`])
    expect(promotion.templates[0]).toMatchObject({
      outcome: 'already',
      version: 2,
      isDefault: true
    })
  })

  it('reports a region without the template and rolls out where it exists', async () => {
    templates({ [REGION]: { amis: ['ami-a'], def: 1 } })
    const { ctx } = makeHarness(rollout())
    const promotion = await promote(ctx, makeImage(), twoRegions())
    expect(promotion.templates.map((t) => `${t.region} ${t.outcome}`)).toEqual([
      `${REGION} created`,
      'us-east-1 missing'
    ])
  })

  it('dry run: plans exactly the calls, probes the create with DryRun, changes nothing', async () => {
    templates({ [REGION]: { amis: ['ami-a'], def: 1 } })
    const { ctx } = makeHarness({ ...rollout(), dryRun: true })
    const fleet = fleetOf(
      member({}),
      member({ role: 'copy', region: 'us-east-1', imageId: undefined, state: 'planned' })
    )
    const promotion = await promote(ctx, makeImage(), fleet)
    expect(mutating()).toEqual([])
    expect(ec2Mock.commandCalls(CreateLaunchTemplateVersionCommand)[0].args[0].input.DryRun).toBe(
      true
    )
    expect(plannedCalls(ctx.plan.items).map((c) => `${c.action} ${c.region}`)).toEqual([
      `ec2:CreateLaunchTemplateVersion ${REGION}`,
      `ec2:ModifyLaunchTemplate ${REGION}`
    ])
    expect(ctx.plan.items[0].text).toBe(
      `Create version 2 of launch template web (lt-0euwest1) in ${REGION} from default version 1 with ${AMI}, and make it the default`
    )
    expect(promotion.templates.map((t) => `${t.region} ${t.outcome} ${t.version ?? ''}`)).toEqual([
      `${REGION} planned 2`,
      'us-east-1 missing '
    ])
  })

  it('a failed create fails the run after the other regions, naming the permission', async () => {
    templates({ [REGION]: { amis: ['ami-a'], def: 1 }, 'us-east-1': { amis: ['ami-a'], def: 1 } })
    ec2Mock
      .on(CreateLaunchTemplateVersionCommand, { LaunchTemplateId: 'lt-0useast1' })
      .rejects(awsError('UnauthorizedOperation', 'not authorized'))
    const { ctx } = makeHarness(rollout())
    const error = await promote(ctx, makeImage(), twoRegions()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PartialFailure)
    const failure = error as PartialFailure
    expect(failure.message).toMatch(
      /FAILED {2}launch template web in us-east-1: Could not create a version .*This needs ec2:CreateLaunchTemplateVersion/s
    )
    expect(failure.promoted?.templates[0]).toMatchObject({ outcome: 'created', version: 2 })
  })
})

describe('cancellation', () => {
  it('a cancelled job starts no update and fails naming the cancellation', async () => {
    templates({ [REGION]: { amis: ['ami-a'], def: 1 } })
    const { ctx } = makeHarness({ ...rollout(), ssmParameter: '/golden/latest' })
    ctx.signal = AbortSignal.abort()
    const error = (await promote(ctx, makeImage(), fleetOf(member({}))).catch(
      (e: unknown) => e
    )) as PartialFailure
    expect(error).toBeInstanceOf(PartialFailure)
    expect(mutating()).toEqual([])
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(0)
    expect(error.message).toMatch(/FAILED {2}launch template web in eu-west-1: Cancelled/)
  })
})

describe('checkTemplates (pre-flight)', () => {
  it('is an error naming launch-templates and the regions when a template is found nowhere', async () => {
    templates({ 'us-east-1': { amis: ['ami-a'], def: 1 } })
    const { ctx } = makeHarness({
      ...rollout(),
      rollout: { templates: [{ name: 'web' }, { id: 'lt-0123456789abcdef0' }], setDefault: true }
    })
    expect(await checkTemplates(ctx)).toEqual([
      {
        severity: 'error',
        message: `launch-templates: launch template lt-0123456789abcdef0 does not exist in the build account in ${REGION}, us-east-1 (the regions that get the AMI). Create it there, fix the name or ID, or remove it from launch-templates.`
      }
    ])
  })

  it('a denied look-up is an error naming the permission, never "not there"', async () => {
    ec2Mock.on(DescribeLaunchTemplatesCommand).rejects(awsError('UnauthorizedOperation', 'denied'))
    const { ctx } = makeHarness(rollout())
    const [finding] = await checkTemplates(ctx)
    expect(finding.message).toMatch(
      /could not look up launch template web \(ec2:DescribeLaunchTemplates\)/
    )
  })
})

describe('SSM parameter (aws:ec2:image)', () => {
  it('writes the parameter in the AMI region', async () => {
    const h = makeHarness({ ssmParameter: '/golden/latest' })
    expect(await publishParameter(h.ctx, '/golden/latest', target())).toMatchObject({
      outcome: 'set',
      imageId: 'ami-1'
    })
    const put = ssmMock.commandCalls(PutParameterCommand)[0]
    expect(put.args[0].input).toEqual({
      Name: '/golden/latest',
      Value: 'ami-1',
      Type: 'String',
      DataType: 'aws:ec2:image',
      Overwrite: true
    })
    expect(where(put)).toBe(`ssm ${ACCOUNT}/us-east-2`)
  })

  it('names the parameter and the permission when the SSM write is denied', async () => {
    ssmMock.on(PutParameterCommand).rejects(
      new SSMServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'User is not authorized to perform ssm:PutParameter'
      })
    )
    const h = makeHarness({ ssmParameter: '/golden/latest' })
    await expect(publishParameter(h.ctx, '/golden/latest', target())).rejects.toThrow(
      /Could not write SSM parameter \/golden\/latest = ami-1 in us-east-2: .*not authorized.*This needs ssm:PutParameter on parameter \/golden\/latest/s
    )
  })

  it('skips PutParameter when the parameter already holds the AMI ID', async () => {
    store.set(`ssm ${ACCOUNT}/us-east-2 /golden/latest`, 'ami-1')
    const h = makeHarness({ ssmParameter: '/golden/latest' })
    const result = await publishParameter(h.ctx, '/golden/latest', target())
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(0)
    expect(result.outcome).toBe('already')
  })

  it('reports it set only once a read-back holds the new ID', async () => {
    const h = makeHarness({ ssmParameter: '/golden/latest' })
    const result = await publishParameter(h.ctx, '/golden/latest', target())
    expect(result.outcome).toBe('set')
    expect(ssmMock.commandCalls(GetParameterCommand).length).toBeGreaterThanOrEqual(2)
    expect(h.ctx.warnings).toEqual([])
  })

  it('warns with the reason, and does not report it set, when SSM drops the value', async () => {
    ssmMock.reset()
    store = fakeParameterStore(ssmMock as never, ['/golden/latest'])
    store.set(`ssm ${ACCOUNT}/us-east-2 /golden/latest`, 'ami-old')
    const h = makeHarness({ ssmParameter: '/golden/latest' })
    const result = await publishParameter(h.ctx, '/golden/latest', target())
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(1)
    expect(result.outcome).toBe('not-set')
    expect(h.ctx.warnings).toEqual([
      expect.stringMatching(
        /SSM parameter \/golden\/latest in us-east-2: PutParameter was accepted, but after 12.7s it still holds ami-old, not ami-1: SSM validates aws:ec2:image values asynchronously/
      )
    ])
  })
})
