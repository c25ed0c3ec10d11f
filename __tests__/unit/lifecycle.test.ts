import { beforeEach, describe, expect, it } from '@jest/globals'
import {
  EC2Client,
  EnableImageDeprecationCommand,
  EnableImageDeregistrationProtectionCommand
} from '@aws-sdk/client-ec2'
import { PutParameterCommand, SSMClient, SSMServiceException } from '@aws-sdk/client-ssm'
import { mockClient } from 'aws-sdk-client-mock'
import { applyLifecycle, wantsLifecycle } from '../../src/image/lifecycle.js'
import { ACCOUNT, makeHarness, REGION, where } from './distribute-context.js'

const ec2Mock = mockClient(EC2Client)
const ssmMock = mockClient(SSMClient)
const DEPRECATE_AT = new Date('2026-04-02T00:00:00Z')

beforeEach(() => {
  ec2Mock.reset()
  ssmMock.reset()
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
