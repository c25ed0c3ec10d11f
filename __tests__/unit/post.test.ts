// The post step stops a runbook execution the main step left running (e.g. it was killed).
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import {
  GetAutomationExecutionCommand,
  SSMClient,
  StopAutomationExecutionCommand
} from '@aws-sdk/client-ssm'
import { mockClient } from 'aws-sdk-client-mock'
import * as core from '../../__fixtures__/core.js'
import { awsError } from './source-context.js'

const EXEC = '0a1b2c3d-0000-4000-8000-000000000002'
// Mock and state exist before the import: a module that ran on import would call SSM here.
const ssmMock = mockClient(SSMClient)
ssmMock.on(GetAutomationExecutionCommand).resolves({
  AutomationExecution: { AutomationExecutionId: EXEC, AutomationExecutionStatus: 'InProgress' }
})
core.saveState('automation-execution-id', EXEC)
core.saveState('automation-execution-region', 'eu-central-1')
process.env.AWS_REGION ??= 'eu-central-1'
jest.unstable_mockModule('@actions/core', () => core)
const { post } = await import('../../src/post-step.js')
const callsOnImport = ssmMock.calls().length

const regions: string[] = []
const ssm = (region: string): SSMClient => {
  regions.push(region)
  return new SSMClient({ region })
}

function saved(id: string, region = 'eu-central-1'): void {
  core.saveState('automation-execution-id', id)
  core.saveState('automation-execution-region', region)
}

beforeEach(() => {
  core.reset()
  ssmMock.reset()
  regions.length = 0
})

describe('post', () => {
  it('importing the module does not run it, even with a saved execution', () => {
    expect(callsOnImport).toBe(0)
  })

  it('stops a saved execution that is still running, in its region', async () => {
    saved(EXEC)
    ssmMock.on(GetAutomationExecutionCommand).resolves({
      AutomationExecution: { AutomationExecutionId: EXEC, AutomationExecutionStatus: 'InProgress' }
    })
    ssmMock.on(StopAutomationExecutionCommand).resolves({})
    await post({ ssm })
    expect(regions).toEqual(['eu-central-1'])
    expect(ssmMock.commandCalls(GetAutomationExecutionCommand)[0].args[0].input).toEqual({
      AutomationExecutionId: EXEC
    })
    expect(
      ssmMock.commandCalls(StopAutomationExecutionCommand).map((c) => c.args[0].input)
    ).toEqual([{ AutomationExecutionId: EXEC, Type: 'Cancel' }])
    expect(core.info).toHaveBeenCalledWith(
      `Stopped runbook execution ${EXEC} in eu-central-1, left InProgress by the main step`
    )
    expect(core.setFailed).not.toHaveBeenCalled()
  })

  it.each([['Success'], ['Failed'], ['Cancelled'], ['CompletedWithSuccess']])(
    'leaves a terminal (%s) execution alone',
    async (status) => {
      saved(EXEC)
      ssmMock.on(GetAutomationExecutionCommand).resolves({
        AutomationExecution: { AutomationExecutionStatus: status as 'Success' }
      })
      await post({ ssm })
      expect(ssmMock.commandCalls(StopAutomationExecutionCommand)).toHaveLength(0)
    }
  )

  it('does nothing without a saved execution', async () => {
    await post({ ssm })
    expect(ssmMock.calls()).toHaveLength(0)
    expect(regions).toEqual([])
  })

  it('only warns when AWS refuses, never fails the job', async () => {
    saved(EXEC)
    ssmMock
      .on(GetAutomationExecutionCommand)
      .rejects(
        awsError('ExpiredTokenException', 'The security token included in the request is expired')
      )
    await expect(post({ ssm })).resolves.toBeUndefined()
    expect(core.warning).toHaveBeenCalledWith(
      expect.stringContaining(
        `Could not stop runbook execution ${EXEC} in eu-central-1: ExpiredTokenException`
      )
    )
    expect(core.setFailed).not.toHaveBeenCalled()
  })

  it('falls back to AWS_REGION, and warns when no region is known', async () => {
    core.saveState('automation-execution-id', EXEC)
    const saved = {
      AWS_REGION: process.env.AWS_REGION,
      AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION
    }
    try {
      process.env.AWS_REGION = 'us-east-2'
      ssmMock.on(GetAutomationExecutionCommand).resolves({
        AutomationExecution: { AutomationExecutionStatus: 'Pending' }
      })
      ssmMock.on(StopAutomationExecutionCommand).resolves({})
      await post({ ssm })
      expect(regions).toEqual(['us-east-2'])
      delete process.env.AWS_REGION
      delete process.env.AWS_DEFAULT_REGION
      await post({ ssm })
      expect(core.warning).toHaveBeenCalledWith(
        `Runbook execution ${EXEC} may still be running: no region saved to check it`
      )
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k]
        else process.env[k] = v
      }
    }
  })

  it('builds its own client when none is injected', async () => {
    saved(EXEC, 'ap-south-1')
    ssmMock.on(GetAutomationExecutionCommand).resolves({
      AutomationExecution: { AutomationExecutionStatus: 'InProgress' }
    })
    ssmMock.on(StopAutomationExecutionCommand).resolves({})
    await post()
    expect(ssmMock.commandCalls(StopAutomationExecutionCommand)).toHaveLength(1)
  })
})
