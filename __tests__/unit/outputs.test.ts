import { jest, describe, it, expect, beforeEach } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'
import { BUILD, OTHER, config, prune, success } from './report-helpers.js'

jest.unstable_mockModule('@actions/core', () => core)
const { computeOutputs, writeOutputs } = await import('../../src/report/outputs.js')

beforeEach(() => core.reset())

describe('computeOutputs', () => {
  it('writes every output of a full run, exactly', () => {
    writeOutputs(config(), success())
    expect(core.outputs).toEqual({
      'ami-id': 'ami-0123456789abcdef0',
      'ami-name': 'golden-20261128',
      region: 'us-east-1',
      'automation-execution-id': 'exec-1234',
      'ami-ids': '{"eu-west-1":"ami-0eeeeeeeeeeeeeee1","us-east-1":"ami-0123456789abcdef0"}',
      'snapshot-ids': '{"eu-west-1":["snap-0eu1"],"us-east-1":["snap-0aaa"]}',
      'account-ami-ids': `{"${OTHER}":{"us-east-1":"ami-0fffffffffffffff1","eu-west-1":"ami-0fffffffffffffff2"}}`,
      'shared-with': `{"accounts":["999988887777","${OTHER}"],"organizations":[],"organizationalUnits":[],"public":false}`,
      'pruned-ami-ids':
        '{"us-east-1":["ami-0000000000000old1","ami-0000000000000old2"],"eu-west-1":[]}',
      built: 'true',
      'test-result': 'none',
      'launch-template-versions': '{}',
      'disabled-ami-ids': '{}'
    })
    expect(core.setSecret).not.toHaveBeenCalled()
    expect(core.outputs['comment-url']).toBeUndefined()
  })

  it('says built=false for an adopted or reused AMI and for a dry run', () => {
    for (const image of [
      { source: 'existing', reused: false },
      { source: 'automation', reused: true },
      { source: 'automation', reused: false, planned: true }
    ] as const) {
      const result = success()
      result.image = { ...result.image!, ...image }
      expect([image, computeOutputs(config(), result).built]).toEqual([image, 'false'])
    }
  })

  it('names the base AMI: SourceAmiId, else the one parameter holding an AMI ID', () => {
    const withParameters = (parameters: Record<string, string[]>) =>
      computeOutputs(
        config({ source: { kind: 'automation', document: 'Custom', parameters } }),
        success()
      )['base-ami-id']
    expect(
      withParameters({
        BaseImage: ['ami-0aaaaaaaaaaaaaaa1'],
        SourceAmiId: ['ami-0bbbbbbbbbbbbbbb2']
      })
    ).toBe('ami-0bbbbbbbbbbbbbbb2')
    expect(withParameters({ BaseImage: ['ami-0aaaaaaaaaaaaaaa1'], Count: ['2'] })).toBe(
      'ami-0aaaaaaaaaaaaaaa1'
    )
    expect(withParameters({ A: ['ami-0aaaaaaaaaaaaaaa1'], B: ['ami-0bbbbbbbbbbbbbbb2'] })).toBe(
      undefined
    )
    expect(withParameters({ Count: ['2'] })).toBeUndefined()
  })

  it('names the runbook execution of a build that failed before any image existed', () => {
    const { image, ...rest } = success()
    const result = { ...rest, execution: image!.execution, error: 'Runbook failed at step x' }
    expect(computeOutputs(config(), result)['automation-execution-id']).toBe('exec-1234')
  })

  it('leaves pruned-ami-ids empty when pruning did not run', () => {
    const result = { ...success(), prune: undefined }
    expect(computeOutputs(config({ prune: undefined }), result)['pruned-ami-ids']).toBe('{}')
  })

  it('on failure keeps what exists and leaves out failed and pending copies', () => {
    const result = success()
    result.error = 'Copy to eu-west-1 failed'
    result.fleet!.members[0] = { ...result.fleet!.members[0], state: 'failed', error: 'boom' }
    result.fleet!.members[3] = { ...result.fleet!.members[3], state: 'pending' }
    result.fleet!.members[2] = { ...result.fleet!.members[2], imageId: undefined, state: 'failed' }
    result.prune = undefined
    const outputs = computeOutputs(config(), result)
    expect(outputs['ami-id']).toBe('ami-0123456789abcdef0')
    expect(JSON.parse(outputs['ami-ids'])).toEqual({ 'us-east-1': 'ami-0123456789abcdef0' })
    expect(JSON.parse(outputs['account-ami-ids'])).toEqual({})
    expect(outputs['pruned-ami-ids']).toBe('{}')
  })

  it('falls back to the image when distribution never reported', () => {
    const result = { ...success(), fleet: undefined, prune: undefined, error: 'x' }
    const outputs = computeOutputs(config(), result)
    expect(outputs['ami-ids']).toBe('{"us-east-1":"ami-0123456789abcdef0"}')
    expect(outputs['snapshot-ids']).toBe('{"us-east-1":["snap-0aaa"]}')
    expect(outputs['shared-with']).toBe(
      '{"accounts":[],"organizations":[],"organizationalUnits":[],"public":false}'
    )
  })

  it('before any image: region, the configured name, and empty JSON objects', () => {
    const outputs = computeOutputs(config(), {
      warnings: [],
      error: 'runbook failed',
      startedAt: new Date(),
      finishedAt: new Date()
    })
    expect(outputs).toEqual({
      region: 'us-east-1',
      'ami-name': 'golden-20261128',
      'ami-ids': '{}',
      'snapshot-ids': '{}',
      'account-ami-ids': '{}',
      'shared-with': '{"accounts":[],"organizations":[],"organizationalUnits":[],"public":false}',
      'pruned-ami-ids': '{}',
      'test-result': 'none',
      'launch-template-versions': '{}',
      'disabled-ami-ids': '{}'
    })
  })

  it('dry run: a planned image has an empty ami-id and no IDs; would-prune IDs are listed', () => {
    const result = success()
    result.image = { ...result.image!, id: 'ami-planned', planned: true, execution: undefined }
    result.fleet!.members = result.fleet!.members.map((m) => ({
      ...m,
      imageId: undefined,
      state: 'planned' as const,
      sharedWith: undefined
    }))
    result.prune = prune({ dryRun: true })
    result.plan = []
    const outputs = computeOutputs(config({ dryRun: true }), result)
    expect(outputs['ami-id']).toBe('')
    expect(outputs['automation-execution-id']).toBeUndefined()
    expect(outputs['ami-ids']).toBe('{}')
    expect(outputs['account-ami-ids']).toBe('{}')
    expect(JSON.parse(outputs['pruned-ami-ids'])['us-east-1']).toHaveLength(2)
  })

  it('the build account is the image account, not the first member', () => {
    const result = success()
    result.fleet!.members.reverse()
    const outputs = computeOutputs(config(), result)
    expect(Object.keys(JSON.parse(outputs['account-ami-ids']))).toEqual([OTHER])
    expect(JSON.parse(outputs['ami-ids'])['us-east-1']).toBe('ami-0123456789abcdef0')
    expect(BUILD).not.toBe(OTHER)
  })
})

describe('writeOutputs', () => {
  it('writes what it can when one output cannot be computed, then says which failed', () => {
    const broken = { ...success(), fleet: {} } as never
    expect(() => writeOutputs(config(), broken)).toThrow(/^could not compute shared-with \(/)
    expect(core.outputs.region).toBe('us-east-1')
    expect(core.outputs['ami-id']).toBe('ami-0123456789abcdef0')
    expect(core.outputs['pruned-ami-ids']).toContain('us-east-1')
  })
})
