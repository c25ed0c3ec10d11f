// Fault matrix, part 2: faults that last. A throttling storm (half of all AWS calls for 30
// simulated seconds) is ridden out; a failure that does not go away fails the run naming the
// operation and its reason, after the SDK's retries, with nothing lost.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import {
  BASE_AMI,
  COPY_REGION,
  errorLines,
  expectNothingLost,
  pipelineInputs,
  REGION,
  runPipeline,
  seedWorld,
  worldState
} from './faults-world.js'

let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.001 })
})
afterAll(async () => {
  await emu?.close()
})
beforeEach(() => emu.reset())

describe('faults that do not go away', () => {
  it('CopyImage answering 500 every time: exit 1 naming CopyImage, the source AMI kept', async () => {
    seedWorld(emu)
    emu.configure({ faults: [{ service: 'ec2', action: 'CopyImage', kind: 'error', status: 500 }] })
    const before = worldState(emu)
    const r = await runPipeline(emu, pipelineInputs('instance', { 'copy-accounts': '' }))
    expect(r.code).toBe(1)
    expect(errorLines(r)).toMatch(/CopyImage|copy/i)
    expect(errorLines(r)).toMatch(/InternalError|500|internal/i)
    expect(r.outputs['ami-id']).toMatch(/^ami-/)
    expect(worldState(emu).images.map((i) => i.imageId)).toContain(r.outputs['ami-id'])
    expectNothingLost(emu, before)
  }, 90_000)

  it('StartAutomationExecution resetting every connection: exit 1 naming the network error, nothing started', async () => {
    seedWorld(emu)
    emu.configure({
      faults: [{ service: 'ssm', action: 'StartAutomationExecution', kind: 'reset' }]
    })
    const before = worldState(emu)
    const r = await runPipeline(emu, pipelineInputs('runbook'))
    expect(r.code).toBe(1)
    expect(errorLines(r)).toMatch(/socket hang up|ECONNRESET|reset/i)
    expect(worldState(emu).executions).toEqual([])
    expectNothingLost(emu, before)
  }, 90_000)
})

describe('throttling storm', () => {
  let stormEmu: Emulator
  beforeAll(async () => {
    // Slower simulated clock so 30 simulated seconds last 3 real seconds: most of the run.
    stormEmu = await startEmulator({ timeScale: 0.1 })
  })
  afterAll(async () => {
    await stormEmu?.close()
  })

  it('half of all AWS calls throttled for 30 simulated seconds: exit 0, nothing lost', async () => {
    seedWorld(stormEmu)
    stormEmu.configure({
      'ec2.copyBaseMs': 5_000,
      'ec2.copyMsPerGiB': 500,
      'ec2.notFoundWindowMs': 500
    })
    const before = worldState(stormEmu)
    const running = runPipeline(
      stormEmu,
      pipelineInputs('adopt', { 'copy-regions': COPY_REGION }),
      {
        env: { AMI_SHARE_ACTION_POLL_MS: '200' }
      }
    )
    // The storm starts with the run's first AWS call (process start-up time varies with load).
    while (stormEmu.calls().length === 0) await new Promise((r) => setTimeout(r, 5))
    const stormStart = stormEmu.sim.clock.now()
    stormEmu.configure({
      faults: ['ec2', 'ssm', 'sts', 'kms'].map((service) => ({
        service,
        kind: 'throttle',
        probability: 0.5,
        untilSimMs: 30_000
      }))
    })
    const r = await running
    expect(errorLines(r)).toBe('')
    expect(r.code).toBe(0)
    // The storm really happened: about half of the calls inside its window were throttled.
    const inStorm = stormEmu
      .calls()
      .filter((c) => c.simAt >= stormStart && c.simAt < stormStart + 30_000)
    const throttled = inStorm.filter((c) =>
      ['RequestLimitExceeded', 'ThrottlingException', 'Throttling'].includes(c.errorCode ?? '')
    )
    expect(throttled.length).toBeGreaterThanOrEqual(3)
    expect(throttled.length / inStorm.length).toBeGreaterThan(0.25)
    expect(JSON.parse(r.outputs['ami-ids'])).toEqual({
      [REGION]: BASE_AMI,
      [COPY_REGION]: expect.stringMatching(/^ami-/)
    })
    const pruned = before.images.filter((i) => i.name.startsWith('web-old')).map((i) => i.imageId)
    expectNothingLost(stormEmu, before, pruned)
  }, 90_000)
})
