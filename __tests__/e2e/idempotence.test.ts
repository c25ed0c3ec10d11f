// Idempotence: a finished run re-run with `if-exists: reuse` resumes instead of redoing. The
// second run creates nothing (no CreateImage, StartAutomationExecution or CopyImage), re-adds no
// share that is present, prunes nothing (nothing is left to prune), and its only mutating calls
// are the ones listed in the README's "Reliability" section.
import { describe, expect, it } from '@jest/globals'
import { withEmulator } from './fixtures.js'
import {
  errorLines,
  expectNothingLost,
  pipelineInputs,
  runPipeline,
  seedWorld,
  worldState,
  type Source
} from './faults-world.js'

/**
 * The mutating calls a resumed run still makes (README "Reliability" explains each): re-tagging
 * the reused AMI with the same tags, deprecation counted from this run, and enabling protection
 * that is on (a no-op in AWS). The SSM parameter already holds the AMI ID: no PutParameter.
 */
const STILL_MUTATING = [
  'CreateTags',
  'EnableImageDeprecation',
  'EnableImageDeregistrationProtection'
]

const emu = withEmulator({ timeScale: 0.001 })

describe.each(['runbook', 'instance'] as Source[])('re-running a finished %s run', (source) => {
  it('with if-exists: reuse creates, shares and prunes nothing again', async () => {
    seedWorld(emu)
    const inputs = pipelineInputs(source, { 'ami-name': 'web-release-1', 'if-exists': 'reuse' })
    const first = await runPipeline(emu, inputs)
    expect(errorLines(first)).toBe('')
    expect(first.code).toBe(0)
    const firstCalls = emu.calls().length
    const before = worldState(emu)

    const second = await runPipeline(emu, inputs)
    expect(errorLines(second)).toBe('')
    expect(second.code).toBe(0)
    const calls = emu.calls().slice(firstCalls)
    const mutating = calls.filter((c) => c.mutating && c.service !== 'github')
    for (const action of [
      'CreateImage',
      'StartAutomationExecution',
      'CopyImage',
      'DeregisterImage',
      'ModifyImageAttribute',
      'ModifySnapshotAttribute',
      'PutParameter'
    ])
      expect(mutating.filter((c) => c.action === action)).toEqual([])
    expect([...new Set(mutating.map((c) => c.action))].sort()).toEqual(STILL_MUTATING)
    // The re-tag is of the build-region AMI only, with the tags it already has.
    const tags = mutating.filter((c) => c.action === 'CreateTags')
    expect(tags.map((c) => c.params['ResourceId.1'])).toEqual([first.outputs['ami-id']])
    expect(tags[0].params['Tag.1.Value']).toBe('web')
    // The parameter still holds the AMI ID the first run set.
    expect(worldState(emu).parameters.map((p) => p.value)).toContain(first.outputs['ami-id'])

    // Same AMIs, same outputs, nothing lost; the comment was updated, not duplicated.
    for (const name of ['ami-id', 'ami-ids', 'account-ami-ids', 'snapshot-ids', 'shared-with'])
      expect([name, second.outputs[name]]).toEqual([name, first.outputs[name]])
    expect(JSON.parse(second.outputs['pruned-ami-ids'])).toEqual(
      Object.fromEntries(
        Object.keys(JSON.parse(first.outputs['pruned-ami-ids'])).map((r) => [r, []])
      )
    )
    expect(worldState(emu).comments).toHaveLength(1)
    expectNothingLost(emu, before)
  }, 90_000)
})
