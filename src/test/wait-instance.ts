// Waits of a test instance: `running` (or straight to terminated: the launch failed, StateReason
// says why), then the EC2 status checks (system, instance, attached EBS: EC2 user guide, "Status
// checks for your instances"). Polled through createPoller, never past the test's deadline.
import {
  DescribeInstanceStatusCommand,
  DescribeInstancesCommand,
  type EC2Client
} from '@aws-sdk/client-ec2'
import { createPoller } from '../aws/poller.js'
import { errorCode } from '../aws/errors.js'
import type { RunContext } from '../context.js'

/** Why a wait ended without success: the reason shown to the user (and a StateReason code). */
export class TestStop extends Error {
  constructor(
    message: string,
    readonly code?: string,
    readonly timedOut = false
  ) {
    super(message)
    this.name = 'TestStop'
  }
}

export async function waitRunning(
  ctx: RunContext,
  ec2: EC2Client,
  instanceId: string,
  deadline: number
): Promise<void> {
  const poller = createPoller(ctx, ec2)
  let last = 'pending'
  for (;;) {
    await poller.beforeRead()
    try {
      const { Reservations = [] } = await ec2.send(
        new DescribeInstancesCommand({ InstanceIds: [instanceId] })
      )
      const instance = Reservations[0]?.Instances?.[0]
      last = instance?.State?.Name ?? last
      if (last === 'running') return
      if (last === 'terminated' || last === 'shutting-down' || last === 'stopped') {
        const reason = instance?.StateReason
        throw new TestStop(
          `test instance ${instanceId} went from pending to ${last}${reason?.Code ? ` (StateReason ${reason.Code}: ${reason.Message ?? ''})` : ''}`,
          reason?.Code
        )
      }
    } catch (e) {
      // Eventual consistency: a new instance ID may be unknown for a moment.
      if (errorCode(e) !== 'InvalidInstanceID.NotFound') throw e
    }
    if (ctx.now().getTime() >= deadline) {
      throw new TestStop(`test instance ${instanceId} was still ${last}`, undefined, true)
    }
    await poller.sleep(deadline)
  }
}

export async function waitStatusChecks(
  ctx: RunContext,
  ec2: EC2Client,
  instanceId: string,
  deadline: number
): Promise<void> {
  const poller = createPoller(ctx, ec2)
  for (;;) {
    await poller.beforeRead()
    const { InstanceStatuses = [] } = await ec2.send(
      new DescribeInstanceStatusCommand({ InstanceIds: [instanceId], IncludeAllInstances: true })
    )
    const status = InstanceStatuses[0]
    const state = status?.InstanceState?.Name
    if (state && state !== 'running' && state !== 'pending') {
      throw new TestStop(
        `test instance ${instanceId} is ${state} while waiting for its status checks`
      )
    }
    const checks = {
      system: status?.SystemStatus?.Status,
      instance: status?.InstanceStatus?.Status,
      'attached EBS': status?.AttachedEbsStatus?.Status
    }
    const impaired = Object.entries(checks).filter(
      ([, s]) => s === 'impaired' || s === 'insufficient-data'
    )
    if (impaired.some(([, s]) => s === 'impaired')) {
      throw new TestStop(
        `test instance ${instanceId} failed its status checks: ${impaired.map(([k, s]) => `${k} ${s}`).join(', ')}`
      )
    }
    // attached EBS is not-applicable on instances without EBS; absent on older API answers.
    const passed = Object.values(checks).every(
      (s) => s === 'ok' || s === 'not-applicable' || s === undefined
    )
    if (status && checks.system === 'ok' && checks.instance === 'ok' && passed) return
    const last = Object.entries(checks)
      .map(([k, s]) => `${k} ${s ?? 'unknown'}`)
      .join(', ')
    if (ctx.now().getTime() >= deadline) {
      throw new TestStop(`status checks of ${instanceId} were still ${last}`, undefined, true)
    }
    await poller.sleep(deadline)
  }
}
