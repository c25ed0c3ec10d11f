// Fault matrix, part 4: the job is cancelled. GitHub sends SIGINT (then SIGTERM 7.5 s later):
// during the build the runbook the action started is stopped in time; during distribution the
// copies already in flight are left to finish in AWS and listed; during pruning it stops between
// versions. A SIGKILL leaves the runbook running, and the post step stops it.
import { describe, expect, it } from '@jest/globals'
import { callsTo, instanceRunbook, withEmulator } from './fixtures.js'
import { runPost } from './harness.js'
import {
  allOutput,
  errorLines,
  expectNothingLost,
  INSTANCE,
  pipelineInputs,
  runPipeline,
  seedWorld,
  worldState
} from './faults-world.js'

/** GitHub's grace between SIGINT and SIGTERM/kill. */
const GRACE_MS = 7_500

const emu = withEmulator({ timeScale: 0.001 })

/** A runbook whose patch step lasts a simulated hour (3.6 real seconds). */
function seedSlowRunbook(): void {
  emu.seed({
    ssm: {
      documents: [
        instanceRunbook('Build-Slow', [
          { name: 'patch', action: 'aws:runCommand', durationMs: 3_600_000 }
        ])
      ]
    }
  })
}
const slowRunbookInputs = () =>
  pipelineInputs('runbook', {
    'automation-document': 'Build-Slow',
    'automation-parameters': `InstanceId: ${INSTANCE}`
  })

const callsOf = (action: string) => callsTo(emu, action).filter((c) => c.status < 400)

describe('SIGINT', () => {
  it('during the runbook: the execution is stopped within 7.5 s, exit 1 "Cancelled"', async () => {
    seedWorld(emu)
    seedSlowRunbook()
    const before = worldState(emu)
    const r = await runPipeline(emu, slowRunbookInputs(), {
      signalAfter: { onCall: 'StartAutomationExecution', afterMs: 300 }
    })
    expect(r.code).toBe(1)
    expect(errorLines(r)).toMatch(/Cancelled/)
    const [start] = callsOf('StartAutomationExecution')
    const stops = callsOf('StopAutomationExecution')
    expect(stops).toHaveLength(1)
    // Signal at start + 300 ms; the stop must reach AWS before the runner's SIGTERM.
    expect(stops[0].at - start.at).toBeLessThan(300 + GRACE_MS)
    const [execution] = worldState(emu).executions
    expect(['Cancelling', 'Cancelled']).toContain(execution.status)
    expect(r.outputs['automation-execution-id']).toBe(execution.id)
    expect(callsOf('CreateImage')).toEqual([])
    expectNothingLost(emu, before)
  }, 60_000)

  it('during CreateImage: exit 1, the pending image is kept and named', async () => {
    seedWorld(emu)
    emu.configure({ 'ec2.createImageBaseMs': 3_600_000 })
    const before = worldState(emu)
    const r = await runPipeline(emu, pipelineInputs('instance'), {
      signalAfter: { onCall: 'CreateImage', afterMs: 300 }
    })
    expect(r.code).toBe(1)
    expect(errorLines(r)).toMatch(/Cancelled/)
    const created = worldState(emu).images.filter(
      (i) => !before.images.some((b) => b.imageId === i.imageId)
    )
    expect(created).toHaveLength(1)
    expect(allOutput(r)).toContain(created[0].imageId)
    expect(callsOf('CopyImage')).toEqual([])
    expectNothingLost(emu, before)
  }, 60_000)

  it('during distribution: in-flight copies left to finish and listed, none started after, nothing pruned', async () => {
    seedWorld(emu)
    // Copies take a simulated hour: still in flight when the signal comes.
    emu.configure({ 'ec2.copyBaseMs': 3_600_000 })
    const before = worldState(emu)
    const r = await runPipeline(emu, pipelineInputs('instance'), {
      signalAfter: { onCall: 'CopyImage', afterMs: 500 }
    })
    expect(r.code).toBe(1)
    expect(errorLines(r)).toMatch(/Cancelled/)
    const copies = worldState(emu).images.filter(
      (i) => !before.images.some((b) => b.imageId === i.imageId) && i.state === 'pending'
    )
    expect(copies.length).toBeGreaterThan(0)
    // Every copy in flight is named to the user (log and summary) so it can be found or cleaned up.
    for (const copy of copies) {
      expect(allOutput(r)).toContain(copy.imageId)
      expect(r.summary).toContain(copy.imageId)
    }
    expect(callsOf('DeregisterImage')).toEqual([])
    expectNothingLost(emu, before)
  }, 60_000)

  it('during pruning: stops between versions, exit 1, the new AMI and its copies kept', async () => {
    seedWorld(emu)
    // Each deregistration takes 1.5 real seconds; the signal comes while the first is in flight.
    emu.configure({
      faults: [{ service: 'ec2', action: 'DeregisterImage', kind: 'latency', delayMs: 1_500 }]
    })
    const before = worldState(emu)
    const r = await runPipeline(emu, pipelineInputs('instance', { 'prune-keep': '1' }), {
      signalAfter: { onStdout: '::group::Prune', afterMs: 0 }
    })
    expect(r.code).toBe(1)
    expect(errorLines(r)).toMatch(/cancel/i)
    const deregistered = emu
      .calls()
      .filter((c) => c.action === 'DeregisterImage')
      .map((c) => String(c.params.ImageId))
    const old = before.images.filter((i) => i.name.startsWith('web-old')).map((i) => i.imageId)
    // Not both old versions went: pruning stopped.
    expect(deregistered.length).toBeLessThan(old.length)
    expect(r.outputs['ami-id']).toMatch(/^ami-/)
    expect(worldState(emu).images.map((i) => i.imageId)).toContain(r.outputs['ami-id'])
    expectNothingLost(emu, before, old)
  }, 60_000)
})

describe('SIGKILL', () => {
  it('during the runbook: the post step stops the execution the main step left running', async () => {
    seedWorld(emu)
    seedSlowRunbook()
    const before = worldState(emu)
    const r = await runPipeline(emu, slowRunbookInputs(), {
      signalAfter: { onCall: 'StartAutomationExecution', afterMs: 300, signal: 'SIGKILL' }
    })
    expect(r.signal).toBe('SIGKILL')
    expect(callsOf('StopAutomationExecution')).toEqual([])
    expect(worldState(emu).executions[0].status).toBe('InProgress')
    expect(Object.values(r.state)).toContain(worldState(emu).executions[0].id)

    const post = await runPost({ emulator: emu, state: r.state, timeoutMs: 60_000 })
    expect(post.code).toBe(0)
    expect(post.stdout).toMatch(/Stopped runbook execution/)
    expect(callsOf('StopAutomationExecution')).toHaveLength(1)
    expect(['Cancelling', 'Cancelled']).toContain(worldState(emu).executions[0].status)
    expectNothingLost(emu, before)
  }, 60_000)

  it('post step after a finished run: does nothing', async () => {
    seedWorld(emu)
    const r = await runPipeline(emu, pipelineInputs('runbook', { 'copy-accounts': '' }))
    expect(r.code).toBe(0)
    const post = await runPost({ emulator: emu, state: r.state, timeoutMs: 60_000 })
    expect(post.code).toBe(0)
    expect(callsOf('StopAutomationExecution')).toEqual([])
    expect(worldState(emu).executions[0].status).toBe('Success')
  }, 60_000)
})
