// Adopt an existing AMI (`ami-id`): it must exist and be visible; it is tagged only if ours.
import { DescribeImagesCommand, type EC2Client, type Image as AwsImage } from '@aws-sdk/client-ec2'
import { errorCode } from '../aws/errors.js'
import { InputError } from '../errors.js'
import type { RunContext } from '../context.js'
import { checkEncryption } from '../image/encryption.js'
import { checkDeprecation } from '../image/lifecycle.js'
import { settleFindings } from '../image/findings.js'
import { waitForImage } from '../image/wait.js'
import { reenableImage, untagWarning } from '../prune/disable.js'
import type { Image } from '../types.js'
import { tagImageAndSnapshots, toImage } from './image-record.js'
import { checkFamilyOf } from './ownership.js'

/** DescribeImages by ID; a missing or invisible AMI is an error naming `ami-id`. */
export async function describeExisting(
  ctx: RunContext,
  ec2: EC2Client,
  amiId: string,
  accountId: string
): Promise<AwsImage> {
  const notVisible = (): InputError =>
    new InputError(
      'ami-id',
      `ami-id: ${amiId} does not exist in ${ctx.config.region} or is not visible to account ${accountId} (it must be owned by or shared with it)`
    )
  try {
    // A disabled AMI is left out of DescribeImages, even by ID and for its owner, without IncludeDisabled.
    const { Images = [] } = await ec2.send(
      new DescribeImagesCommand({ ImageIds: [amiId], IncludeDisabled: true })
    )
    const image = Images.find((i) => i.ImageId === amiId)
    if (!image) throw notVisible()
    // Only the owner can re-enable (EnableImage); adopting a disabled AMI of ours is the way back.
    if (image.State === 'disabled' && image.OwnerId !== accountId) {
      throw new InputError(
        'ami-id',
        `ami-id: ${amiId} is disabled and owned by account ${image.OwnerId ?? 'unknown'}, so this account cannot launch, share or re-enable it. Ask its owner to re-enable it, or give another AMI.`
      )
    }
    return image
  } catch (error) {
    const code = errorCode(error)
    // readConfig has checked the ID's form, so InvalidAMIID.Malformed cannot come back.
    if (code === 'InvalidAMIID.NotFound' || code === 'InvalidAMIID.Unavailable') throw notVisible()
    throw error
  }
}

export async function adoptExisting(
  ctx: RunContext,
  amiId: string,
  accountId: string
): Promise<Image> {
  const { region } = ctx.config
  const ec2 = ctx.clients.ec2(region)
  let image = await describeExisting(ctx, ec2, amiId, accountId)
  const owned = image.OwnerId === accountId
  ctx.log.info(
    `Adopting ${amiId} ("${image.Name ?? ''}", ${image.State}) owned by account ${image.OwnerId ?? 'unknown'}${owned ? ' (this account)' : ` (this account is ${accountId})`}`
  )
  if (owned) checkFamilyOf(ctx, image, 'ami-id')
  const reenablePlanned = image.State === 'disabled' && ctx.plan.dryRun
  if (image.State === 'disabled') {
    // The way back from prune-action: disable. Sharing (distribute) then grants what the
    // sharing inputs say, and lineage copies are re-enabled where they are found.
    image = await ctx.plan.change(
      {
        phase: 'build',
        text: `Re-enable ${amiId} (EnableImage; it is disabled) and drop its disabled-at tag; it is re-shared per the sharing inputs (EnableImage does not restore the launch permissions DisableImage removed)`,
        calls: [
          { action: 'ec2:EnableImage', accountId, region },
          { action: 'ec2:DeleteTags', accountId, region }
        ],
        planned: { ...image, State: 'available' as const }
      },
      async () => {
        const untagError = await reenableImage(ec2, amiId)
        if (untagError) ctx.warn(untagWarning(amiId, region, untagError))
        ctx.log.info(
          `Re-enabled ${amiId} (it was disabled); it is shared again per the sharing inputs`
        )
        return { ...image, State: 'available' as const }
      }
    )
  }
  if (image.State !== 'available' && ctx.plan.dryRun) {
    // Nothing to wait for in a dry run: the plan says the real run would.
    ctx.plan.note('build', `Would wait for ${amiId} (now ${image.State}) to become available`)
  } else if (image.State !== 'available') {
    image = await waitForImage(ctx, ec2, amiId, {
      timeoutMs: ctx.config.timeoutMinutes * 60_000,
      label: `${amiId} in ${region}`
    })
  }
  if (owned) {
    // Tagging changes AWS state: the encryption pre-flight (an AWS-managed key cannot be shared)
    // must refuse first, so a refused run changes nothing. distribute() repeats it and warns.
    const encrypted = (image.BlockDeviceMappings ?? []).some((b) => b.Ebs?.Encrypted)
    if (encrypted && Object.keys(ctx.config.tags).length) {
      const adopted = toImage(image, { region, accountId, source: 'existing', reused: false })
      const findings = await checkEncryption(ctx, adopted)
      settleFindings(
        ctx,
        findings.filter((f) => f.severity === 'error')
      )
    }
    // The same for the public deprecation limit (from the AMI's CreationDate): tagging would
    // otherwise write ami-share-action:deprecate-after before the refusal.
    settleFindings(
      ctx,
      checkDeprecation(
        ctx,
        toImage(image, { region, accountId, source: 'existing', reused: false })
      )
    )
    await tagImageAndSnapshots(ctx, ec2, image)
  } else if (Object.keys(ctx.config.tags).length) {
    ctx.log.info(`Not tagging ${amiId}: account ${image.OwnerId} owns it, not ${accountId}`)
  }
  const adopted = toImage(image, { region, accountId, source: 'existing', reused: false })
  return reenablePlanned ? { ...adopted, reenablePlanned } : adopted
}
