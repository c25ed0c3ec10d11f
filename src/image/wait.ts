// Wait until an AMI is available. OWNER: sources helper (stub; the signatures are the contract).
import type { EC2Client, Image as AwsImage } from '@aws-sdk/client-ec2'
import type { RunContext } from '../context.js'
import type { SnapshotInfo } from '../types.js'

export interface WaitOptions {
  /** Longest wait; config.timeoutMinutes for builds and for each copy. */
  timeoutMs: number
  /** For log lines and errors, e.g. "ami-123 in eu-west-1 (account 111122223333)". */
  label: string
}

/**
 * Polls DescribeImages every ctx.config.pollIntervalMs (with jitter) until `available`.
 * InvalidAMIID.NotFound is "not yet". State `failed` throws ImageFailedError with StateReason.
 * Timeout throws an error saying where it stood. Cancellation rejects with CancelledError.
 */
export async function waitForImage(
  _ctx: RunContext,
  _ec2: EC2Client,
  _imageId: string,
  _options: WaitOptions
): Promise<AwsImage> {
  throw new Error('not implemented')
}

/** The EBS snapshots of an image, from its block device mappings. */
export function snapshotsOf(_image: AwsImage): SnapshotInfo[] {
  throw new Error('not implemented')
}
