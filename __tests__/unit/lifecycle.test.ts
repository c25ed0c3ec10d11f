import { beforeEach, describe, expect, it } from '@jest/globals'
import {
  EC2Client,
  EnableImageDeprecationCommand,
  EnableImageDeregistrationProtectionCommand
} from '@aws-sdk/client-ec2'
import { SSMClient } from '@aws-sdk/client-ssm'
import { mockClient } from 'aws-sdk-client-mock'
import {
  applyLifecycle,
  checkDeprecation,
  roundToMinute,
  wantsLifecycle
} from '../../src/image/lifecycle.js'
import {
  ACCOUNT,
  fakeParameterStore,
  makeHarness,
  makeImage,
  REGION
} from './distribute-context.js'

const ec2Mock = mockClient(EC2Client)
const ssmMock = mockClient(SSMClient)
const DEPRECATE_AT = new Date('2026-04-02T00:00:00Z')

beforeEach(() => {
  ec2Mock.reset()
  ssmMock.reset()
  fakeParameterStore(ssmMock as never)
})

function target(h: ReturnType<typeof makeHarness>, overrides = {}) {
  return {
    imageId: 'ami-1',
    region: 'us-east-2',
    accountId: ACCOUNT,
    ec2: h.ctx.clients.ec2('us-east-2'),
    ...overrides
  }
}

describe('applyLifecycle', () => {
  it('deprecates and protects in the AMI region, and leaves the SSM parameter to promote', async () => {
    const h = makeHarness({
      deprecateAt: DEPRECATE_AT,
      deregistrationProtection: true,
      ssmParameter: '/golden/latest'
    })
    const result = await applyLifecycle(h.ctx, target(h))
    expect(ec2Mock.commandCalls(EnableImageDeprecationCommand)[0].args[0].input).toEqual({
      ImageId: 'ami-1',
      DeprecateAt: DEPRECATE_AT
    })
    expect(
      ec2Mock.commandCalls(EnableImageDeregistrationProtectionCommand)[0].args[0].input
    ).toEqual({ ImageId: 'ami-1' })
    expect(ssmMock.calls()).toHaveLength(0)
    expect(result).toEqual({ deprecateAt: DEPRECATE_AT, protected: true })
    expect(h.logs.join('\n')).toContain('deprecated at 2026-04-02T00:00:00.000Z')
  })

  it('sends nothing when no lifecycle input is set', async () => {
    const h = makeHarness()
    expect(wantsLifecycle(h.ctx)).toBe(false)
    expect(await applyLifecycle(h.ctx, target(h))).toEqual({})
    expect(ec2Mock.calls()).toHaveLength(0)
    expect(ssmMock.calls()).toHaveLength(0)
  })

  it('skips deprecation and protection of an AMI another account owns, with a log line', async () => {
    const h = makeHarness({ deprecateAt: DEPRECATE_AT, deregistrationProtection: true })
    await applyLifecycle(h.ctx, target(h, { notOwned: true }))
    expect(ec2Mock.calls()).toHaveLength(0)
    expect(h.logs.join('\n')).toMatch(/skipped for ami-1 .*another account owns it/)
  })

  it('names the deprecation call when it fails', async () => {
    ec2Mock.on(EnableImageDeprecationCommand).rejects(new Error('bad date'))
    const h = makeHarness({ deprecateAt: DEPRECATE_AT })
    await expect(applyLifecycle(h.ctx, target(h, { region: REGION }))).rejects.toThrow(
      /Could not set the deprecation time of ami-1 .*bad date.*ec2:EnableImageDeprecation/s
    )
  })
})

describe('deprecation time', () => {
  it('is rounded to the nearest minute before sending, and reported rounded', async () => {
    const h = makeHarness({ deprecateAt: new Date('2026-04-02T10:20:31Z') })
    const result = await applyLifecycle(h.ctx, target(h))
    const sent = ec2Mock.commandCalls(EnableImageDeprecationCommand)[0].args[0].input.DeprecateAt
    expect(sent).toEqual(new Date('2026-04-02T10:21:00Z'))
    expect(result.deprecateAt).toEqual(new Date('2026-04-02T10:21:00Z'))
    expect(roundToMinute(new Date('2026-04-02T10:20:29.999Z'))).toEqual(
      new Date('2026-04-02T10:20:00Z')
    )
  })

  it('share-public: refuses a time more than two years after the source CreationDate', () => {
    const share = {
      accounts: [],
      organizations: [],
      organizationalUnits: [],
      public: true,
      snapshots: false,
      mode: 'add' as const
    }
    const h = makeHarness({ share, deprecateAt: new Date('2027-06-01T00:00:00Z') })
    const old = makeImage({ creationDate: new Date('2025-01-01T00:00:00Z') })
    const [finding] = checkDeprecation(h.ctx, old)
    expect(finding).toMatchObject({
      severity: 'error',
      message: expect.stringMatching(/^deprecate-after: .*two years after ami-0source was created/)
    })
    expect(
      checkDeprecation(h.ctx, makeImage({ creationDate: new Date('2026-01-01T00:00:00Z') }))
    ).toEqual([])
    const privately = makeHarness({ deprecateAt: new Date('2027-06-01T00:00:00Z') })
    expect(checkDeprecation(privately.ctx, old)).toEqual([])
  })
})
