// When a version was last launched, by any account: DescribeImageAttribute lastLaunchedTime (EC2
// User Guide, "Check when an Amazon EC2 AMI was last used": updated within 24 hours of a launch;
// absent when the AMI was never launched). Read only for versions every other rule lets go.
import { DescribeImageAttributeCommand, type EC2Client } from '@aws-sdk/client-ec2'

/** `null`: never launched. */
export async function readLastLaunched(ec2: EC2Client, imageId: string): Promise<Date | null> {
  const { LastLaunchedTime } = await ec2.send(
    new DescribeImageAttributeCommand({ ImageId: imageId, Attribute: 'lastLaunchedTime' })
  )
  const value = LastLaunchedTime?.Value
  if (!value) return null
  const at = new Date(value)
  return Number.isNaN(at.getTime()) ? null : at
}

/**
 * EC2 updates lastLaunchedTime up to 24 hours late: the window is widened by that much, so a
 * launch the attribute does not show yet cannot let a version go.
 */
export const LAST_LAUNCH_LAG_MS = 24 * 3_600_000
