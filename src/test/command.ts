// test-command through SSM Run Command (Systems Manager user guide, "Running commands"): wait for
// the instance to register (DescribeInstanceInformation, PingStatus Online), SendCommand with
// AWS-RunShellScript (AWS-RunPowerShellScript on Windows), poll GetCommandInvocation, which answers
// InvocationDoesNotExist for a moment after SendCommand (API reference, GetCommandInvocation).
import type { SSMClient } from '@aws-sdk/client-ssm'
import { sdk } from '../aws/clients.js'
import { errorCode } from '../aws/errors.js'
import { createPoller } from '../aws/poller.js'
import type { RunContext } from '../context.js'
import { TestStop } from './wait-instance.js'

/** Lines of stdout/stderr kept for the error and the summary. */
export const TAIL_LINES = 20

export interface CommandOutcome {
  status: string
  exitCode?: number
  stdout: string
  stderr: string
}

export async function waitForSsm(
  ctx: RunContext,
  ssm: SSMClient,
  instanceId: string,
  deadline: number
): Promise<void> {
  const { DescribeInstanceInformationCommand } = await sdk.ssm()
  const poller = createPoller(ctx, ssm)
  for (;;) {
    await poller.beforeRead()
    const { InstanceInformationList = [] } = await ssm.send(
      new DescribeInstanceInformationCommand({
        Filters: [{ Key: 'InstanceIds', Values: [instanceId] }]
      })
    )
    if (InstanceInformationList[0]?.PingStatus === 'Online') return
    if (ctx.now().getTime() >= deadline) {
      throw new TestStop(
        `test instance ${instanceId} never registered with SSM, so test-command could not run. The AMI needs the SSM Agent, the instance a profile whose role allows SSM (test-instance-profile, e.g. with AmazonSSMManagedInstanceCore), and its subnet a route to SSM`,
        undefined,
        true
      )
    }
    await poller.sleep(deadline)
  }
}

const DONE = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled', 'Undeliverable', 'Terminated'])

export async function runCommand(
  ctx: RunContext,
  ssm: SSMClient,
  instanceId: string,
  script: string,
  windows: boolean,
  deadline: number
): Promise<CommandOutcome> {
  const { SendCommandCommand, GetCommandInvocationCommand } = await sdk.ssm()
  const seconds = Math.max(1, Math.ceil((deadline - ctx.now().getTime()) / 1000))
  const { Command } = await ssm.send(
    new SendCommandCommand({
      InstanceIds: [instanceId],
      DocumentName: windows ? 'AWS-RunPowerShellScript' : 'AWS-RunShellScript',
      Comment: 'ami-share-action test-command',
      Parameters: {
        commands: script.split(/\r?\n/),
        executionTimeout: [String(Math.min(seconds, 172800))]
      }
    })
  )
  const commandId = Command?.CommandId
  if (!commandId) throw new Error(`SendCommand to ${instanceId} returned no command ID`)
  ctx.log.info(`test-command sent to ${instanceId} (command ${commandId})`)
  const poller = createPoller(ctx, ssm)
  const sentAt = ctx.now().getTime()
  // "Briefly": six base intervals (30 s at the default), then an unknown invocation is an error.
  const graceMs = 6 * ctx.config.pollIntervalMs
  let status = 'Pending'
  for (;;) {
    await poller.beforeRead()
    try {
      const r = await ssm.send(
        new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId })
      )
      status = r.Status ?? status
      if (DONE.has(status)) {
        return {
          status,
          ...(r.ResponseCode !== undefined && r.ResponseCode >= 0 && { exitCode: r.ResponseCode }),
          stdout: tail(r.StandardOutputContent ?? ''),
          stderr: tail(r.StandardErrorContent ?? '')
        }
      }
    } catch (e) {
      if (errorCode(e) !== 'InvocationDoesNotExist' || ctx.now().getTime() - sentAt > graceMs) {
        throw e
      }
    }
    if (ctx.now().getTime() >= deadline) {
      throw new TestStop(`test-command on ${instanceId} was still ${status}`, undefined, true)
    }
    await poller.sleep(deadline)
  }
}

/** The last `lines` lines (trailing blank lines dropped). */
export function tail(text: string, lines = TAIL_LINES): string {
  const all = text.replace(/\s+$/, '').split('\n')
  return all.slice(-lines).join('\n')
}
