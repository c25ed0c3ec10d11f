// Idempotence: a finished run re-run with `if-exists: reuse` resumes instead of redoing. The
// second run against unchanged AWS makes no mutating call at all: the tags are present, the
// shares granted, the deprecation was set for the same deprecate-after value, protection is on and
// the SSM parameter holds the AMI, and it reads that from the answers it gets anyway.
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
    const deprecationsAfterFirst = before.images
      .filter((i) => Object.values(JSON.parse(first.outputs['ami-ids'])).includes(i.imageId))
      .map((i) => (i as unknown as { deprecationTime?: string }).deprecationTime)
    expect(deprecationsAfterFirst.every(Boolean)).toBe(true)

    const second = await runPipeline(emu, inputs)
    expect(errorLines(second)).toBe('')
    expect(second.code).toBe(0)
    const calls = emu.calls().slice(firstCalls)
    const mutating = calls.filter((c) => c.mutating && c.service !== 'github')
    expect(mutating.map((c) => `${c.service}:${c.action} ${c.accountId} ${c.region}`)).toEqual([])
    // The deprecation stayed where the first run put it (90d from the first run, not this one).
    const deprecations = (run: typeof first) =>
      worldState(emu)
        .images.filter((i) => Object.values(JSON.parse(run.outputs['ami-ids'])).includes(i.imageId))
        .map((i) => (i as unknown as { deprecationTime?: string }).deprecationTime)
    expect(deprecations(second)).toEqual(deprecationsAfterFirst)
    expect(second.outputs.built).toBe('false')
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
