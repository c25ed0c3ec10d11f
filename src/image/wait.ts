// Wait until an AMI is available: our own DescribeImages loop, because the SDK waiter polls
// every 2 minutes after a while and hides StateReason when the image fails.
import { DescribeImagesCommand, type EC2Client, type Image as AwsImage } from '@aws-sdk/client-ec2'
import { formatDuration } from '../duration.js'
import { errorCode, ImageFailedError, isTransient, WaitTimeoutError } from '../aws/errors.js'
import { createPoller, type ExpectedWindow } from '../aws/poller.js'
import { CancelledError, type RunContext } from '../context.js'
import type { SnapshotInfo } from '../types.js'

export interface WaitOptions {
  /** Longest wait; config.timeoutMinutes for builds and for each copy. */
  timeoutMs: number
  /** For log lines and errors, e.g. "ami-123 in eu-west-1 (account 111122223333)". */
  label: string
  /** When the image is expected to be available (the family's past durations), if known. */
  expected?: Promise<ExpectedWindow | undefined>
}

/** States after which an image never becomes available. */
const BAD_STATES = new Set(['failed', 'error', 'invalid', 'deregistered', 'disabled'])

/** How often a "still waiting" line is logged when nothing changes. */
const HEARTBEAT_MS = 60_000

export { jittered } from '../aws/poller.js'

/**
 * Polls DescribeImages until `available`, on the adaptive cadence of aws/poller.ts (sparse while
 * the expected end is far, dense near it; ctx.config.pollIntervalMs without an expectation).
 * InvalidAMIID.NotFound is "not yet". State `failed` throws ImageFailedError with StateReason.
 * Timeout throws an error saying where it stood. Cancellation rejects with CancelledError.
 * At least one DescribeImages is always made, even when timeoutMs is already spent.
 */
export async function waitForImage(
  ctx: RunContext,
  ec2: EC2Client,
  imageId: string,
  options: WaitOptions
): Promise<AwsImage> {
  const started = ctx.now().getTime()
  const deadline = started + options.timeoutMs
  let lastState = ''
  let lastLogged = started
  // Once seen, an image that is unknown again on two polls in a row was deregistered meanwhile.
  let seen = false
  let goneSince = 0
  const poller = createPoller(ctx, ec2, options.expected)
  for (let first = true; ; first = false) {
    if (ctx.signal.aborted) throw new CancelledError()
    let image: AwsImage | undefined
    let answered: boolean
    await poller.beforeRead()
    try {
      const { Images = [] } = await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }))
      image = Images.find((i) => i.ImageId === imageId)
      answered = true
    } catch (error) {
      // A fresh ID is briefly unknown (eventual consistency); throttling outlived the SDK retries.
      if (errorCode(error) !== 'InvalidAMIID.NotFound' && !isTransient(error)) throw error
      answered = errorCode(error) === 'InvalidAMIID.NotFound'
    }
    if (image) seen = true
    if (seen && !image && answered && ++goneSince >= 2) {
      throw new ImageFailedError(
        imageId,
        'deregistered',
        undefined,
        'it was visible, then disappeared while this run waited for it: someone (or a concurrent run) deregistered it',
        options.label
      )
    }
    if (image) goneSince = 0
    const state = image?.State ?? (seen ? 'not visible any more' : 'not visible yet')
    if (image && state === 'available') {
      if (!first)
        ctx.log.info(
          `${options.label}: available after ${formatDuration(ctx.now().getTime() - started)}`
        )
      return image
    }
    if (image && BAD_STATES.has(state)) {
      throw new ImageFailedError(
        imageId,
        state,
        image.StateReason?.Code,
        image.StateReason?.Message,
        options.label
      )
    }
    const now = ctx.now().getTime()
    if (state !== lastState || now - lastLogged >= HEARTBEAT_MS) {
      ctx.log.info(`${options.label}: ${state} (${formatDuration(now - started)} elapsed)`)
      lastState = state
      lastLogged = now
    }
    if (now >= deadline) {
      throw new WaitTimeoutError(
        `${options.label} was not available after ${formatDuration(options.timeoutMs)} (timeout-minutes); last state: ${state}`,
        state
      )
    }
    await poller.sleep(deadline)
  }
}

/** The EBS snapshots of an image, from its block device mappings. */
export function snapshotsOf(image: AwsImage): SnapshotInfo[] {
  const snapshots: SnapshotInfo[] = []
  for (const mapping of image.BlockDeviceMappings ?? []) {
    const ebs = mapping.Ebs
    if (!ebs?.SnapshotId) continue
    snapshots.push({
      id: ebs.SnapshotId,
      sizeGiB: ebs.VolumeSize ?? 0,
      encrypted: ebs.Encrypted ?? false,
      ...(ebs.KmsKeyId ? { kmsKeyId: ebs.KmsKeyId } : {})
    })
  }
  return snapshots
}
