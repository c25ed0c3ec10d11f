// Post step: stop a runbook execution the main step left running (it was killed before it could),
// terminate its test instances and withdraw its test-only grants. Never fails the job: everything
// here is a warning at most.
import * as core from '@actions/core'
import {
  GetAutomationExecutionCommand,
  SSMClient,
  StopAutomationExecutionCommand
} from '@aws-sdk/client-ssm'
import { MAX_ATTEMPTS, USER_AGENT } from './aws/clients.js'
import { describeError } from './aws/errors.js'
import { EXECUTION_REGION_STATE, EXECUTION_STATE } from './source/automation.js'
import { isTerminal } from './source/runbook-status.js'
import { cleanUpTests, type TestCleanupOptions } from './test/post.js'

export interface PostOptions extends TestCleanupOptions {
  /** Tests inject a client; the action builds one for the saved region. */
  ssm?: (region: string) => SSMClient
}

export async function post(options: PostOptions = {}): Promise<void> {
  await stopExecution(options)
  await cleanUpTests(
    core.getState(EXECUTION_REGION_STATE) ||
      process.env.AWS_REGION ||
      process.env.AWS_DEFAULT_REGION ||
      undefined,
    options
  )
}

async function stopExecution(options: PostOptions): Promise<void> {
  const id = core.getState(EXECUTION_STATE)
  if (!id) return
  const region =
    core.getState(EXECUTION_REGION_STATE) ||
    process.env.AWS_REGION ||
    process.env.AWS_DEFAULT_REGION
  if (!region) {
    core.warning(`Runbook execution ${id} may still be running: no region saved to check it`)
    return
  }
  const ssm =
    options.ssm?.(region) ??
    new SSMClient({ region, maxAttempts: MAX_ATTEMPTS, customUserAgent: USER_AGENT })
  try {
    const { AutomationExecution } = await ssm.send(
      new GetAutomationExecutionCommand({ AutomationExecutionId: id })
    )
    const status = AutomationExecution?.AutomationExecutionStatus
    if (isTerminal(status)) {
      core.debug(`Runbook execution ${id} already ended (${status})`)
      return
    }
    await ssm.send(
      new StopAutomationExecutionCommand({ AutomationExecutionId: id, Type: 'Cancel' })
    )
    core.info(
      `Stopped runbook execution ${id} in ${region}, left ${status ?? 'running'} by the main step`
    )
  } catch (error) {
    core.warning(`Could not stop runbook execution ${id} in ${region}: ${describeError(error)}`)
  } finally {
    if (!options.ssm) ssm.destroy()
  }
}
