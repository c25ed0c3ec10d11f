// Job cancellation: GitHub sends SIGINT (then SIGTERM 7.5 s later). The runbook the run started
// must be stopped within that window. Jest gives each test file its own `process` object whose
// listeners the OS never calls, so the signal is delivered with process.emit to the listeners
// main.ts's own onCancelSignal installs.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2'
import {
  DescribeDocumentCommand,
  GetAutomationExecutionCommand,
  SSMClient,
  StartAutomationExecutionCommand,
  StopAutomationExecutionCommand
} from '@aws-sdk/client-ssm'
import { mockClient } from 'aws-sdk-client-mock'
import * as core from '../../__fixtures__/core.js'
import { abortableSleep, CancelledError } from '../../src/context.js'
import { awsError, makeContext } from './source-context.js'

jest.unstable_mockModule('@actions/core', () => core)
const { buildImage } = await import('../../src/source/build.js')
const { onCancelSignal } = await import('../../src/main.js')

const ssmMock = mockClient(SSMClient)
const ec2Mock = mockClient(EC2Client)
const EXEC = '0a1b2c3d-0000-4000-8000-000000000001'

function runbookContext() {
  const t = makeContext({
    source: {
      kind: 'automation',
      document: 'AWS-CreateImage',
      parameters: { InstanceId: ['i-1'] }
    },
    // a long real sleep: cancellation has to cut it short
    pollIntervalMs: 10_000
  })
  t.ctx.sleep = abortableSleep(t.controller.signal)
  return t
}

let removeHandler: (() => void) | undefined

/** main.ts's handler, its signal driving the test context's controller. */
function onSignals(controller: AbortController): void {
  const cancel = onCancelSignal()
  cancel.signal.addEventListener('abort', () => controller.abort())
  removeHandler = () => cancel.dispose()
}

beforeEach(() => {
  core.reset()
  ssmMock.reset()
  ec2Mock.reset()
  ssmMock.on(DescribeDocumentCommand).resolves({
    Document: { DocumentType: 'Automation', Parameters: [{ Name: 'InstanceId', Type: 'String' }] }
  })
  ssmMock.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: EXEC })
  ssmMock.on(GetAutomationExecutionCommand).resolves({
    AutomationExecution: {
      AutomationExecutionId: EXEC,
      AutomationExecutionStatus: 'InProgress',
      CurrentStepName: 'createImage'
    }
  })
  ec2Mock.on(DescribeImagesCommand).resolves({ Images: [] })
})

afterEach(() => removeHandler?.())

describe('cancellation during runbook polling', () => {
  it('SIGINT -> StopAutomationExecution within a second, then CancelledError', async () => {
    const t = runbookContext()
    onSignals(t.controller)
    let stoppedAt = 0
    ssmMock.on(StopAutomationExecutionCommand).callsFake(async () => {
      stoppedAt = Date.now()
      return {}
    })
    let signalledAt = 0
    ssmMock.on(GetAutomationExecutionCommand).callsFake(async () => {
      if (ssmMock.commandCalls(GetAutomationExecutionCommand).length === 1) {
        // the job is cancelled while the action sleeps between polls
        setTimeout(() => {
          signalledAt = Date.now()
          process.emit('SIGINT', 'SIGINT')
        }, 50)
      }
      return {
        AutomationExecution: {
          AutomationExecutionId: EXEC,
          AutomationExecutionStatus: 'InProgress'
        }
      }
    })
    const started = Date.now()
    const error = await buildImage(t.ctx).catch((e) => e)
    expect(error).toBeInstanceOf(CancelledError)
    expect(error.message).toBe(`The job was cancelled; runbook execution ${EXEC} was stopped`)
    expect(
      ssmMock.commandCalls(StopAutomationExecutionCommand).map((c) => c.args[0].input)
    ).toEqual([{ AutomationExecutionId: EXEC, Type: 'Cancel' }])
    expect(signalledAt).toBeGreaterThan(0)
    expect(stoppedAt - signalledAt).toBeLessThan(1000)
    // it did not sit out the 10 s poll interval
    expect(Date.now() - started).toBeLessThan(9_000)
    expect(ssmMock.commandCalls(GetAutomationExecutionCommand)).toHaveLength(1)
    expect(core.warning).toHaveBeenCalledWith(
      'Cancellation received: stopping what this run started.'
    )
  })

  it('the handler is removed once the run is over', () => {
    const count = () => [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]
    const [int, term] = count()
    const cancel = onCancelSignal()
    expect(count()).toEqual([int + 1, term + 1])
    cancel.dispose()
    expect(count()).toEqual([int, term])
    process.emit('SIGINT', 'SIGINT')
    expect(cancel.signal.aborted).toBe(false)
  })

  it('SIGTERM works the same way', async () => {
    const t = runbookContext()
    onSignals(t.controller)
    ssmMock.on(StopAutomationExecutionCommand).resolves({})
    ssmMock.on(GetAutomationExecutionCommand).callsFake(async () => {
      setTimeout(() => process.emit('SIGTERM', 'SIGTERM'), 20)
      return { AutomationExecution: { AutomationExecutionStatus: 'Waiting' } }
    })
    await expect(buildImage(t.ctx)).rejects.toBeInstanceOf(CancelledError)
    expect(ssmMock.commandCalls(StopAutomationExecutionCommand)).toHaveLength(1)
  })

  it('an abort during an in-flight GetAutomationExecution still stops the execution', async () => {
    const t = runbookContext()
    ssmMock.on(StopAutomationExecutionCommand).resolves({})
    ssmMock.on(GetAutomationExecutionCommand).callsFake(async () => {
      t.controller.abort()
      throw Object.assign(new Error('Request aborted'), { name: 'AbortError' })
    })
    await expect(buildImage(t.ctx)).rejects.toBeInstanceOf(CancelledError)
    expect(ssmMock.commandCalls(StopAutomationExecutionCommand)).toHaveLength(1)
  })

  it('a failed stop is reported, and the post step is the backstop', async () => {
    const t = runbookContext()
    ssmMock.on(StopAutomationExecutionCommand).rejects(awsError('AccessDeniedException', 'denied'))
    ssmMock.on(GetAutomationExecutionCommand).callsFake(async () => {
      t.controller.abort()
      return { AutomationExecution: { AutomationExecutionStatus: 'InProgress' } }
    })
    const error = await buildImage(t.ctx).catch((e) => e)
    expect(error).toBeInstanceOf(CancelledError)
    expect(error.message).toContain('could not be stopped (the post step will try again)')
    expect(core.state['automation-execution-id']).toBe(EXEC)
    expect(t.logs).toContainEqual(
      expect.stringContaining(`warning: Could not stop runbook execution ${EXEC}`)
    )
  })

  it('cancelled before the start: nothing is started', async () => {
    const t = runbookContext()
    t.controller.abort()
    await expect(buildImage(t.ctx)).rejects.toBeInstanceOf(CancelledError)
    expect(ssmMock.commandCalls(StartAutomationExecutionCommand)).toHaveLength(0)
  })
})
