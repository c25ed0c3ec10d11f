// Guards that keep a run from touching what it does not own: a copy account that is the build
// account, an adopted AMI of another family, and `if-exists: replace`, which deregisters only the
// build-region AMI and the copies our lineage tag ties to it, never one in use or protected.
import {
  DeregisterImageCommand,
  DescribeImagesCommand,
  type EC2Client,
  type Image as AwsImage
} from '@aws-sdk/client-ec2'
import { errorCode, ImageExistsError } from '../aws/errors.js'
import { FAMILY_TAG } from '../config/aws-ids.js'
import { InputError } from '../errors.js'
import type { RunContext } from '../context.js'
import {
  checkTargets,
  conflictMessage,
  copyTargets,
  targetLabel,
  type CopyTarget
} from '../image/copy.js'
import { findImageReferences } from '../prune/references.js'
import { describeUses, isProtected } from '../prune/select.js'
import { PartialFailure, type Fleet, type Image, type PruneReport } from '../types.js'

/**
 * A copy account must be another account: copying into the build account would make this run's
 * own AMI look like a name conflict (and `replace` would deregister what it has just built).
 */
export function checkCopyAccounts(ctx: RunContext, buildAccountId: string): void {
  const same = ctx.config.copy.accounts.find((a) => a.accountId === buildAccountId)
  if (!same) return
  throw new InputError(
    'copy-accounts',
    `copy-accounts: ${same.roleArn} is in the build account ${buildAccountId} itself (the account the credentials belong to). The build account gets its copies through copy-regions; remove this role from copy-accounts.`
  )
}

/**
 * An AMI already tagged with another family is refused: adopting it would retag it into this
 * family and make it prunable under a name it never had.
 */
export function checkFamilyOf(ctx: RunContext, image: AwsImage, how: string): void {
  const family = ctx.config.family
  const theirs = (image.Tags ?? []).find((t) => t.Key === FAMILY_TAG)?.Value
  if (family === undefined || theirs === undefined || theirs === family) return
  const input = how === 'ami-id' ? 'ami-id' : 'if-exists'
  throw new InputError(
    input,
    `${input}: ${image.ImageId} ("${image.Name ?? ''}") belongs to family "${theirs}" (tag ${FAMILY_TAG}), not "${family}"; adopting it (${how}) would move it into this family, where pruning could delete it. Use family: ${theirs}, or pick an AMI of family "${family}".`
  )
}

interface Doomed {
  image: AwsImage
  ec2: EC2Client
  where: string
  accountId: string
  region: string
}

/**
 * `if-exists: replace`. Everything is checked before anything is deregistered: the build-region
 * AMI and each copy its lineage tag ties to it must be neither protected nor in use, and a
 * same-name AMI in a copy target that is not such a copy is a conflict. Then all are deregistered.
 * Throws ImageExistsError naming every reason it will not replace.
 */
export async function replaceExisting(
  ctx: RunContext,
  ec2: EC2Client,
  existing: AwsImage,
  accountId: string
): Promise<void> {
  const { region } = ctx.config
  const old: Image = {
    id: existing.ImageId ?? '',
    name: existing.Name ?? '',
    region,
    ownerId: accountId,
    accountId,
    snapshots: [],
    source: ctx.config.source.kind,
    reused: false
  }
  const problems: string[] = []
  const doomed: Doomed[] = [{ image: existing, ec2, where: region, accountId, region }]
  const targets: CopyTarget[] = copyTargets(ctx.config, old)
  for (const check of await checkTargets(ctx, old, targets)) {
    if (check.error) problems.push(check.error)
    else if (check.existing?.match === 'name') {
      problems.push(conflictMessage(ctx, old, check.target, check.existing.image))
    } else if (check.existing) {
      doomed.push({
        image: check.existing.image,
        ec2: ctx.clients.ec2(check.target.region, check.target.account),
        where: targetLabel(check.target),
        accountId: check.target.accountId,
        region: check.target.region
      })
    }
  }
  for (const d of doomed) problems.push(...(await whyNotReplace(ctx, d)))
  if (problems.length > 0) {
    const head = `if-exists: replace would deregister ${doomed.map((d) => `${d.image.ImageId} in ${d.where}`).join(', ')}, but nothing was changed:`
    throw new ImageExistsError(old.id, [head, ...problems.map((p) => `- ${p}`)].join('\n'))
  }
  for (const d of doomed) await deregister(ctx, d)
}

/** Protected or in use (DescribeImageReferences): reasons not to deregister it. */
async function whyNotReplace(ctx: RunContext, d: Doomed): Promise<string[]> {
  const id = d.image.ImageId ?? ''
  if (isProtected(d.image.DeregistrationProtection, ctx.now())) {
    return [
      `${id} in ${d.where} has deregistration protection (${d.image.DeregistrationProtection}). Turn it off (aws ec2 disable-image-deregistration-protection --image-id ${id}) or choose another ami-name.`
    ]
  }
  const uses = (await findImageReferences(d.ec2, [id])).get(id) ?? []
  if (uses.length === 0) return []
  return [
    `${id} in ${d.where} is in use by ${describeUses(uses)}. Move them to another AMI first, or choose another ami-name.`
  ]
}

async function deregister(ctx: RunContext, d: Doomed): Promise<void> {
  const id = d.image.ImageId ?? ''
  const { DeleteSnapshotResults = [] } = await ctx.plan.change(
    {
      phase: 'build',
      text: `Would deregister ${id} ("${d.image.Name}") in ${d.where} and delete its snapshots (if-exists: replace)`,
      calls: [{ action: 'ec2:DeregisterImage', accountId: d.accountId, region: d.region }],
      planned: { DeleteSnapshotResults: [], $metadata: {} }
    },
    async () => {
      const output = await d.ec2.send(
        new DeregisterImageCommand({ ImageId: id, DeleteAssociatedSnapshots: true })
      )
      ctx.log.info(
        `Deregistered ${id} ("${d.image.Name}") in ${d.where} to replace it (if-exists: replace)`
      )
      return output
    }
  )
  for (const result of DeleteSnapshotResults) {
    if (result.ReturnCode === 'skipped') {
      ctx.log.info(
        `Kept snapshot ${result.SnapshotId} of replaced ${id}: another AMI still uses it`
      )
    } else if (result.ReturnCode && result.ReturnCode !== 'success') {
      ctx.warn(
        `Snapshot ${result.SnapshotId} of replaced ${id} was not deleted: ${result.ReturnCode}${result.ReturnCode === 'missing-permissions' ? ' (the role may not call ec2:DeleteSnapshot)' : ''}`
      )
    }
  }
}

/**
 * The last step of a successful run: the build-region AMI must still exist. Someone else (a
 * concurrent run pruning the family, a person) may have deregistered it meanwhile, and a green step
 * with an `ami-id` nothing can launch would be worse than a red one.
 */
export async function confirmStillThere(
  ctx: RunContext,
  image: Image,
  fleet?: Fleet,
  prune?: PruneReport
): Promise<void> {
  if (image.planned) return
  const ec2 = ctx.clients.ec2(image.region)
  let state: string | undefined
  try {
    // A disabled AMI is hidden without IncludeDisabled; a dry run adopting one only plans EnableImage.
    const { Images = [] } = await ec2.send(
      new DescribeImagesCommand({ ImageIds: [image.id], IncludeDisabled: true })
    )
    state = Images.find((i) => i.ImageId === image.id)?.State
  } catch (error) {
    if (errorCode(error) !== 'InvalidAMIID.NotFound') throw error
  }
  if (state === 'disabled' && ctx.plan.dryRun) return
  if (state !== undefined && state !== 'deregistered' && state !== 'disabled') return
  throw new PartialFailure(
    `${image.id} ("${image.name}") in ${image.region} no longer exists: it was deregistered while this run worked with it, most likely by a concurrent run of this family that pruned it, or by hand. ` +
      'The outputs still name it, but nothing can launch it. Re-run this workflow, and give the job a `concurrency:` group per family so that two runs never overlap (see "Two runs at once" in the README).',
    fleet,
    prune
  )
}
