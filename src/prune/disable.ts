// Retirement that can be undone: DisableImage (EC2 User Guide, "Disable an Amazon EC2 AMI": nobody
// can launch it or see it as shared, its launch permissions are removed, its snapshots stay) and
// the way back, EnableImage (which does not restore the permissions; sharing inputs do).
import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DisableImageCommand,
  EnableImageCommand,
  type EC2Client
} from '@aws-sdk/client-ec2'
import { errorCode } from '../aws/errors.js'
import { AlreadyGone } from './deregister.js'
import { DISABLED_AT_TAG } from './guards.js'

/**
 * DisableImage and the bucket it draws from: EC2's shared mutating bucket (50, refill 5/s). Kept
 * below both: other mutating calls of the run (usage reports) draw from the same bucket.
 */
export const DISABLE_PACE = { capacity: 40, refillPerSecond: 4.5 }
/** CreateTags has its own bucket (100, refill 10/s). */
export const TAG_PACE = { capacity: 80, refillPerSecond: 9 }

const GONE_CODES = new Set(['InvalidAMIID.NotFound', 'InvalidAMIID.Unavailable'])

/**
 * Disable first, then tag: a version disabled but left untagged (tagging failed) is never
 * deregistered by prune-deregister-disabled-after, which only trusts the tag.
 */
export async function disableVersion(
  ec2: EC2Client,
  imageId: string,
  at: Date,
  paceTag: () => Promise<void>
): Promise<{ tagged: boolean; tagError?: unknown }> {
  try {
    await ec2.send(new DisableImageCommand({ ImageId: imageId }))
  } catch (error) {
    const code = errorCode(error) ?? ''
    if (GONE_CODES.has(code)) throw new AlreadyGone(imageId, code)
    throw error
  }
  try {
    await paceTag()
    await ec2.send(
      new CreateTagsCommand({
        Resources: [imageId],
        Tags: [{ Key: DISABLED_AT_TAG, Value: at.toISOString() }]
      })
    )
    return { tagged: true }
  } catch (tagError) {
    return { tagged: false, tagError }
  }
}

/**
 * EnableImage, then drop the disabled-at tag: left behind, it would make a later manual
 * DisableImage look like this action's. Answers the tag error, if any (the image is enabled).
 */
export async function reenableImage(ec2: EC2Client, imageId: string): Promise<unknown> {
  await ec2.send(new EnableImageCommand({ ImageId: imageId }))
  try {
    await ec2.send(
      new DeleteTagsCommand({ Resources: [imageId], Tags: [{ Key: DISABLED_AT_TAG }] })
    )
    return undefined
  } catch (error) {
    return error
  }
}

export function untagWarning(imageId: string, where: string, error: unknown): string {
  return `${imageId} in ${where} was re-enabled, but its ${DISABLED_AT_TAG} tag could not be removed (needs ec2:DeleteTags): remove it by hand, or a later DisableImage by someone else would look like this action's: ${(error as Error).message}`
}
