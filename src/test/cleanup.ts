// Termination of a test instance, on every path (pass, fail, timeout, error, cancellation). It
// must run even after the job's cancel signal fired, so it takes no signal and never throws: a
// failure is a warning (the post step tries again by the test-run tag).
import { TerminateInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2'
import { describeError } from '../aws/errors.js'
import type { RunContext } from '../context.js'

export async function terminateTestInstance(
  ctx: RunContext,
  ec2: EC2Client,
  instanceId: string,
  where: string
): Promise<boolean> {
  try {
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }))
    ctx.log.info(`Test instance ${instanceId} in ${where} terminated`)
    return true
  } catch (e) {
    ctx.warn(
      `Could not terminate test instance ${instanceId} in ${where} (the post step tries again): ${describeError(e)}`
    )
    return false
  }
}
