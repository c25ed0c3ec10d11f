// The emulator's SSM behaviour that nightly rebuilds rely on: public parameters per Region, a
// parameter that moves when seeded again, DescribeDocument's content hash, tags on executions and
// DescribeAutomationExecutions with its filters.
import { describe, expect, it } from '@jest/globals'
import { ssm } from '../../../emulator/services/ssm/index.js'
import { caller, errorOf, makeSim } from './ec2-sim.js'

const ACCOUNT = '111122223333'
const OTHER = '444455556666'
const R = 'us-east-1'
const AL2023 = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64'

function setup() {
  const sim = makeSim()
  return { sim, call: caller(ssm, sim) }
}

const doc = (steps: { name: string; action: string; durationMs?: number }[]) => ({
  name: 'Build-Web',
  accountId: ACCOUNT,
  region: R,
  steps
})

describe('public parameters', () => {
  it('are read by every account in the Region that holds them, and nowhere else', () => {
    const { sim, call } = setup()
    ssm.seed!({ parameters: [{ name: AL2023, region: R, value: 'ami-0aaaaaaaaaaaaaaaa' }] }, sim)
    for (const account of [ACCOUNT, OTHER]) {
      expect(call(account, R, 'GetParameter', { Name: AL2023 }).Parameter).toMatchObject({
        Value: 'ami-0aaaaaaaaaaaaaaaa',
        Version: 1
      })
    }
    expect(errorOf(() => call(ACCOUNT, 'eu-west-1', 'GetParameter', { Name: AL2023 })).code).toBe(
      'ParameterNotFound'
    )
  })

  it('move to a new value with a new version when seeded again', () => {
    const { sim, call } = setup()
    ssm.seed!({ parameters: [{ name: AL2023, region: R, value: 'ami-0aaaaaaaaaaaaaaaa' }] }, sim)
    ssm.seed!({ parameters: [{ name: AL2023, region: R, value: 'ami-0bbbbbbbbbbbbbbbb' }] }, sim)
    expect(call(ACCOUNT, R, 'GetParameter', { Name: AL2023 }).Parameter).toMatchObject({
      Value: 'ami-0bbbbbbbbbbbbbbbb',
      Version: 2
    })
  })

  it('only /aws/service/ names can be seeded without an account', () => {
    const { sim } = setup()
    expect(() =>
      ssm.seed!({ parameters: [{ name: '/team/base', region: R, value: 'x' }] }, sim)
    ).toThrow(/needs an accountId/)
  })
})

describe('DescribeDocument Hash', () => {
  it('is a SHA-256 that changes with the content and not otherwise', () => {
    const { sim, call } = setup()
    const hash = () => call(ACCOUNT, R, 'DescribeDocument', { Name: 'Build-Web' }).Document.Hash
    ssm.seed!({ documents: [doc([{ name: 'a', action: 'aws:sleep' }])] }, sim)
    const first = hash()
    expect(first).toMatch(/^[0-9a-f]{64}$/)
    ssm.seed!({ documents: [doc([{ name: 'a', action: 'aws:sleep' }])] }, sim)
    expect(hash()).toBe(first)
    ssm.seed!({ documents: [doc([{ name: 'b', action: 'aws:sleep' }])] }, sim)
    expect(hash()).not.toBe(first)
  })
})

describe('tagged executions', () => {
  it('DescribeAutomationExecutions filters by TagKey and status; ListTagsForResource reads the tags', () => {
    const { sim, call } = setup()
    ssm.seed!(
      { documents: [doc([{ name: 'a', action: 'aws:sleep', durationMs: 3_600_000 }])] },
      sim
    )
    const start = (tags?: { Key: string; Value: string }[]) =>
      call(ACCOUNT, R, 'StartAutomationExecution', {
        DocumentName: 'Build-Web',
        ...(tags && { Tags: tags })
      }).AutomationExecutionId as string
    const tagged = start([{ Key: 'ami-share-action:recipe', Value: 'abc' }])
    start()
    const list = (filters: unknown[]) =>
      (
        call(ACCOUNT, R, 'DescribeAutomationExecutions', { Filters: filters })
          .AutomationExecutionMetadataList as { AutomationExecutionId: string }[]
      ).map((m) => m.AutomationExecutionId)
    const byTag = { Key: 'TagKey', Values: ['ami-share-action:recipe'] }
    expect(list([byTag])).toEqual([tagged])
    expect(list([byTag, { Key: 'ExecutionStatus', Values: ['InProgress', 'Pending'] }])).toEqual([
      tagged
    ])
    expect(list([byTag, { Key: 'ExecutionStatus', Values: ['Success'] }])).toEqual([])
    expect(
      call(ACCOUNT, R, 'ListTagsForResource', { ResourceType: 'Automation', ResourceId: tagged })
        .TagList
    ).toEqual([{ Key: 'ami-share-action:recipe', Value: 'abc' }])
    // Another account sees none of them.
    expect(
      call(OTHER, R, 'DescribeAutomationExecutions', { Filters: [byTag] })
        .AutomationExecutionMetadataList
    ).toEqual([])
  })

  it('refuses an unknown filter key, a reserved tag key and MaxResults above 50', () => {
    const { sim, call } = setup()
    ssm.seed!({ documents: [doc([{ name: 'a', action: 'aws:sleep' }])] }, sim)
    expect(
      errorOf(() =>
        call(ACCOUNT, R, 'DescribeAutomationExecutions', {
          Filters: [{ Key: 'Tag', Values: ['x'] }]
        })
      ).code
    ).toBe('InvalidFilterKey')
    expect(
      errorOf(() => call(ACCOUNT, R, 'DescribeAutomationExecutions', { MaxResults: 51 })).code
    ).toBe('ValidationException')
    expect(
      errorOf(() =>
        call(ACCOUNT, R, 'StartAutomationExecution', {
          DocumentName: 'Build-Web',
          Tags: [{ Key: 'aws:x', Value: '1' }]
        })
      ).code
    ).toBe('ValidationException')
  })
})
