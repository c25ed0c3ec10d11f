// End to end: a cancelled job (SIGINT, as GitHub sends it) stops the runbook it started within
// the 7.5 s before SIGTERM; a killed main step (SIGKILL) leaves it to the post step, which stops it.
import { expect, it } from '@jest/globals'
import {
  BUILD,
  callsTo,
  INSTANCE,
  instanceRunbook,
  REGION,
  TEST_TIMEOUT,
  withEmulator
} from './fixtures.js'
import { runAction, runPost } from './harness.js'

const HOUR = 3_600_000
/** GitHub sends SIGTERM 7.5 s after SIGINT, and kills the process soon after. */
const CANCEL_WINDOW_MS = 7_500

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

const INPUTS = {
  'automation-document': 'Slow-Golden',
  'automation-parameters': `InstanceId: ${INSTANCE}`
}

const emu = withEmulator({ timeScale: 0.01 }, (started) => {
  started.seed({
    ec2: { instances: [{ instanceId: INSTANCE, accountId: BUILD, region: REGION }] },
    ssm: {
      documents: [
        instanceRunbook(
          'Slow-Golden',
          [{ name: 'bake', action: 'aws:runCommand', durationMs: 10 * HOUR }],
          'slow'
        )
      ]
    }
  } as never)
})

function executions(): Json[] {
  return (emu.state() as Json).ssm.executions
}

it(
  'SIGINT during the runbook: StopAutomationExecution within the window, exit non-zero',
  async () => {
    const result = await runAction({
      emulator: emu,
      inputs: INPUTS,
      signalAfter: { signal: 'SIGINT', onCall: 'GetAutomationExecution' }
    })
    expect(result.timedOut).toBe(false)
    expect(result.code).not.toBe(0)

    const [execution] = executions()
    const stops = callsTo(emu, 'StopAutomationExecution')
    expect(stops).toHaveLength(1)
    expect(stops[0]).toMatchObject({ status: 200 })
    expect(stops[0].params).toMatchObject({ AutomationExecutionId: execution.id })
    // The signal went out as soon as the first poll was logged (the harness checks every 10 ms).
    const firstPoll = callsTo(emu, 'GetAutomationExecution')[0]
    expect(stops[0].at - firstPoll.at).toBeLessThan(CANCEL_WINDOW_MS)

    expect(['Cancelling', 'Cancelled']).toContain(execution.status)
    emu.advance(60_000)
    expect(executions()[0].status).toBe('Cancelled')

    const error = result.stdout.split('\n').filter((line) => line.startsWith('::error'))
    expect(error.join('\n')).toMatch(/cancelled/i)
    expect(error.join('\n')).toContain(`${execution.id} was stopped`)
    // Nothing after the build ran.
    expect(callsTo(emu, 'CreateImage')).toHaveLength(0)
    expect(callsTo(emu, 'ModifyImageAttribute')).toHaveLength(0)
  },
  TEST_TIMEOUT
)

it(
  'SIGKILL during the runbook, then the post step with the saved state stops the execution',
  async () => {
    const main = await runAction({
      emulator: emu,
      inputs: INPUTS,
      signalAfter: { signal: 'SIGKILL', onCall: 'GetAutomationExecution' }
    })
    expect(main.signal).toBe('SIGKILL')
    expect(callsTo(emu, 'StopAutomationExecution')).toHaveLength(0)
    const [execution] = executions()
    expect(execution.status).toBe('InProgress')
    // Saved before the first poll, so a kill from then on leaves the post step what it needs.
    expect(main.state).toMatchObject({
      'automation-execution-id': execution.id,
      'automation-execution-region': REGION
    })

    const post = await runPost({ emulator: emu, inputs: INPUTS, state: main.state })
    expect(post.code).toBe(0)
    const stops = callsTo(emu, 'StopAutomationExecution')
    expect(stops).toHaveLength(1)
    expect(stops[0].params).toMatchObject({ AutomationExecutionId: execution.id, Type: 'Cancel' })
    expect(post.stdout).toContain(`Stopped runbook execution ${execution.id}`)
    emu.advance(60_000)
    expect(executions()[0].status).toBe('Cancelled')

    // Run again (as a re-run of the post step would): the execution has ended, nothing to stop.
    const again = await runPost({ emulator: emu, inputs: INPUTS, state: main.state })
    expect(again.code).toBe(0)
    expect(callsTo(emu, 'StopAutomationExecution')).toHaveLength(1)
  },
  TEST_TIMEOUT
)
