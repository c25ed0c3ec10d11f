import { beforeEach, describe, expect, it } from '@jest/globals'
import {
  EC2Client,
  EnableImageDeprecationCommand,
  EnableImageDeregistrationProtectionCommand
} from '@aws-sdk/client-ec2'
import {
  GetParameterCommand,
  PutParameterCommand,
  SSMClient,
  SSMServiceException
} from '@aws-sdk/client-ssm'
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
  REGION,
  where
} from './distribute-context.js'

const ec2Mock = mockClient(EC2Client)
const ssmMock = mockClient(SSMClient)
const DEPRECATE_AT = new Date('2026-04-02T00:00:00Z')

let store: Map<string, string>
beforeEach(() => {
  ec2Mock.reset()
  ssmMock.reset()
  store = fakeParameterStore(ssmMock as never)
})

function target(h: ReturnType<typeof makeHarness>, overrides = {}) {
  return {
    imageId: 'ami-1',
    region: 'us-east-2',
    accountId: ACCOUNT,
    ec2: h.ctx.clients.ec2('us-east-2'),
    writeSsmParameter: true,
    ...overrides
  }
}

describe('applyLifecycle', () => {
  it('deprecates, protects and writes the SSM parameter in the AMI region', async () => {
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
    const put = ssmMock.commandCalls(PutParameterCommand)[0]
    expect(put.args[0].input).toEqual({
      Name: '/golden/latest',
      Value: 'ami-1',
      Type: 'String',
      DataType: 'aws:ec2:image',
      Overwrite: true
    })
    expect(where(put)).toBe(`ssm ${ACCOUNT}/us-east-2`)
    expect(result).toEqual({
      deprecateAt: DEPRECATE_AT,
      protected: true,
      ssmParameter: '/golden/latest'
    })
    expect(h.logs.join('\n')).toContain('deprecated at 2026-04-02T00:00:00.000Z')
  })

  it('sends nothing when no lifecycle input is set', async () => {
    const h = makeHarness()
    expect(wantsLifecycle(h.ctx)).toBe(false)
    expect(await applyLifecycle(h.ctx, target(h))).toEqual({})
    expect(ec2Mock.calls()).toHaveLength(0)
    expect(ssmMock.calls()).toHaveLength(0)
  })

  it('writes no SSM parameter for a copy in another account', async () => {
    const h = makeHarness({ ssmParameter: '/golden/latest' })
    expect(wantsLifecycle(h.ctx)).toBe(true)
    await applyLifecycle(h.ctx, target(h, { writeSsmParameter: false }))
    expect(ssmMock.calls()).toHaveLength(0)
  })

  it('skips deprecation and protection of an AMI another account owns, with a log line', async () => {
    const h = makeHarness({ deprecateAt: DEPRECATE_AT, deregistrationProtection: true })
    await applyLifecycle(h.ctx, target(h, { notOwned: true }))
    expect(ec2Mock.calls()).toHaveLength(0)
    expect(h.logs.join('\n')).toMatch(/skipped for ami-1 .*another account owns it/)
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
    await expect(applyLifecycle(h.ctx, target(h))).rejects.toThrow(
      /Could not write SSM parameter \/golden\/latest = ami-1 in us-east-2: .*not authorized.*This needs ssm:PutParameter on parameter \/golden\/latest/s
    )
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

describe('SSM parameter (aws:ec2:image)', () => {
  it('skips PutParameter when the parameter already holds the AMI ID', async () => {
    store.set(`ssm ${ACCOUNT}/us-east-2 /golden/latest`, 'ami-1')
    const h = makeHarness({ ssmParameter: '/golden/latest' })
    const result = await applyLifecycle(h.ctx, target(h))
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(0)
    expect(result.ssmParameter).toBe('/golden/latest')
  })

  it('reports it set only once a read-back holds the new ID', async () => {
    const h = makeHarness({ ssmParameter: '/golden/latest' })
    const result = await applyLifecycle(h.ctx, target(h))
    expect(result.ssmParameter).toBe('/golden/latest')
    expect(ssmMock.commandCalls(GetParameterCommand).length).toBeGreaterThanOrEqual(2)
    expect(h.ctx.warnings).toEqual([])
  })

  it('warns with the reason, and does not report it set, when SSM drops the value', async () => {
    ssmMock.reset()
    store = fakeParameterStore(ssmMock as never, ['/golden/latest'])
    store.set(`ssm ${ACCOUNT}/us-east-2 /golden/latest`, 'ami-old')
    const h = makeHarness({ ssmParameter: '/golden/latest' })
    const result = await applyLifecycle(h.ctx, target(h))
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(1)
    expect(result.ssmParameter).toBeUndefined()
    expect(h.ctx.warnings).toEqual([
      expect.stringMatching(
        /SSM parameter \/golden\/latest in us-east-2: PutParameter was accepted, but after 12.7s it still holds ami-old, not ami-1: SSM validates aws:ec2:image values asynchronously/
      )
    ])
  })
})
