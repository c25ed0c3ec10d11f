// End to end: a runbook that outlives `timeout-minutes` is stopped, and the error says where it
// stood. timeout-minutes takes whole minutes of real time, so this file runs for about a minute.
import { expect, it } from '@jest/globals'
import { errorLines } from './faults-world.js'
import { BUILD, callsTo, INSTANCE, instanceRunbook, REGION, withEmulator } from './fixtures.js'
import { runAction } from './harness.js'

const HOUR = 3_600_000

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

// 0.01: the minute of real time is 100 simulated minutes, well inside the 10-hour bake step.
const emu = withEmulator({ timeScale: 0.01 }, (started) => {
  started.seed({
    ec2: { instances: [{ instanceId: INSTANCE, accountId: BUILD, region: REGION }] },
    ssm: {
      documents: [
        instanceRunbook(
          'Slow-Golden',
          [
            { name: 'prepare', action: 'aws:runCommand', durationMs: 60_000 },
            { name: 'bake', action: 'aws:runCommand', durationMs: 10 * HOUR }
          ],
          'slow'
        )
      ]
    }
  } as never)
})

it('timeout-minutes: the execution is stopped and the error says at which step it stood', async () => {
  const result = await runAction({
    emulator: emu,
    inputs: {
      'automation-document': 'Slow-Golden',
      'automation-parameters': `InstanceId: ${INSTANCE}`,
      'timeout-minutes': '1'
    },
    // Polls every half second: the deadline is checked after each poll.
    env: { AMI_SHARE_ACTION_POLL_MS: '500' },
    timeoutMs: 150_000
  })
  expect(result.timedOut).toBe(false)
  expect(result.code).not.toBe(0)

  const [execution] = (emu.state() as Json).ssm.executions
  const stops = callsTo(emu, 'StopAutomationExecution')
  expect(stops).toHaveLength(1)
  expect(stops[0].params).toMatchObject({ AutomationExecutionId: execution.id, Type: 'Cancel' })
  expect(stops[0].status).toBe(200)

  const error = errorLines(result)
  expect(error).toContain('Slow-Golden')
  expect(error).toContain('timeout-minutes')
  expect(error).toContain(execution.id)
  expect(error).toContain('status InProgress at step "bake"')
  expect(error).toContain('stopped')

  // Cancelling lasts ssm.cancelMs of simulated time, then the execution is Cancelled for good.
  emu.advance(60_000)
  const [after] = (emu.state() as Json).ssm.executions
  expect(after.status).toBe('Cancelled')
  expect(after.steps.find((s: Json) => s.name === 'createImage').status).not.toBe('Success')
}, 180_000)
