// Fault injection: count, probability (repeatable), windows, resets, expired tokens, latency.
import { describe, expect, it } from '@jest/globals'
import { DescribeImagesCommand } from '@aws-sdk/client-ec2'
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts'
import { DescribeKeyCommand } from '@aws-sdk/client-kms'
import { withEmulator } from '../../e2e/fixtures.js'
import {
  ACCOUNT_A,
  ACCOUNT_B,
  ec2Client,
  kmsClient,
  rejectionOf,
  stsClient,
  testServices
} from './framework-helpers.js'

const emu = withEmulator({ services: testServices(), throttling: false })

const describeImages = (account = ACCOUNT_A, region = 'us-east-1') =>
  ec2Client(emu.url, account, region).send(new DescribeImagesCommand({}))

async function outcomes(n: number): Promise<string[]> {
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    out.push(
      await describeImages().then(
        () => 'ok',
        (e: Error) => e.name
      )
    )
  }
  return out
}

describe('faults', () => {
  it('hits only the first `count` matching requests, with the configured code and status', async () => {
    emu.configure({
      faults: [
        {
          service: 'ec2',
          action: 'DescribeImages',
          kind: 'error',
          status: 500,
          code: 'InternalError',
          message: 'boom',
          count: 2
        }
      ]
    })
    const first = await rejectionOf(describeImages())
    expect([first.name, first.message]).toEqual(['InternalError', 'boom'])
    expect((first.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(500)
    expect(await outcomes(3)).toEqual(['InternalError', 'ok', 'ok'])
  })

  it('matches on account and region', async () => {
    emu.configure({ faults: [{ accountId: ACCOUNT_B, region: 'eu-west-1', kind: 'throttle' }] })
    await describeImages(ACCOUNT_A, 'eu-west-1')
    await describeImages(ACCOUNT_B, 'us-east-1')
    const error = await rejectionOf(describeImages(ACCOUNT_B, 'eu-west-1'))
    expect(error.name).toBe('RequestLimitExceeded')
  })

  it('hits about `probability` of requests, the same ones for the same seed', async () => {
    const rule = { service: 'ec2', kind: 'throttle' as const, probability: 0.3 }
    emu.configure({ faults: [rule], faultSeed: 42 })
    const run1 = await outcomes(60)
    emu.configure({ faults: [rule], faultSeed: 42 })
    const run2 = await outcomes(60)
    expect(run2).toEqual(run1)
    const hit = run1.filter((o) => o === 'RequestLimitExceeded').length
    expect(hit).toBeGreaterThan(8)
    expect(hit).toBeLessThan(30)
    emu.configure({ faults: [rule], faultSeed: 7 })
    expect(await outcomes(60)).not.toEqual(run1)
  })

  it('applies only inside its simulated-time window', async () => {
    emu.configure({
      faults: [{ service: 'ec2', kind: 'error', afterSimMs: 10_000, untilSimMs: 20_000 }]
    })
    expect(await outcomes(1)).toEqual(['ok'])
    emu.advance(10_000)
    expect(await outcomes(1)).toEqual(['InternalError'])
    emu.advance(10_000)
    expect(await outcomes(1)).toEqual(['ok'])
  })

  it('resets the connection without a response', async () => {
    emu.addFault({ service: 'ec2', kind: 'reset', count: 1 })
    const error = await rejectionOf(describeImages())
    expect(String(error.code ?? error.message)).toMatch(/ECONNRESET|socket hang up/)
    expect(emu.calls()[0]).toMatchObject({ status: 0, errorCode: 'ConnectionReset' })
    await describeImages()
  })

  it('answers ExpiredToken in each service format', async () => {
    emu.configure({ faults: [{ kind: 'expired-token' }] })
    const ec2 = await rejectionOf(describeImages())
    expect([ec2.name, ec2.message]).toEqual([
      'ExpiredToken',
      'The security token included in the request is expired'
    ])
    const sts = await rejectionOf(stsClient(emu.url).send(new GetCallerIdentityCommand({})))
    expect(sts.name).toBe('ExpiredToken')
    const kms = await rejectionOf(
      kmsClient(emu.url).send(new DescribeKeyCommand({ KeyId: 'alias/aws/ebs' }))
    )
    expect([kms.name, kms.message]).toEqual([
      'ExpiredTokenException',
      'The security token included in the request is expired'
    ])
  })

  it('delays a request by delayMs and still answers it', async () => {
    emu.configure({ faults: [{ service: 'ec2', kind: 'latency', delayMs: 300 }] })
    const started = Date.now()
    await describeImages()
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
  })

  it('refuses a malformed rule, naming the field', () => {
    expect(() => emu.configure({ faults: [{ kind: 'explode' } as never] })).toThrow(
      'faults[0].kind must be one of'
    )
    expect(() => emu.configure({ faults: [{ kind: 'error', probability: 2 }] })).toThrow(
      'faults[0].probability'
    )
  })
})
