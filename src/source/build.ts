// Build or adopt the image per config.source, honouring if-exists. Dry run: checks and plan only.
import type { EC2Client, Image as AwsImage } from '@aws-sdk/client-ec2'
import { ImageExistsError } from '../aws/errors.js'
import type { RunContext } from '../context.js'
import { findOwnImageByName } from '../image/find.js'
import { waitForImage } from '../image/wait.js'
import type { Image } from '../types.js'
import { buildFromRunbook, planRunbook, prepareRunbook, type RunbookPlan } from './automation.js'
import { adoptExisting } from './existing.js'
import { tagImageAndSnapshots, toImage } from './image-record.js'
import { buildFromInstance, createImageRequest, planFromInstance } from './instance.js'
import { checkCopyAccounts, checkFamilyOf, replaceExisting } from './ownership.js'
import { preflight } from './preflight.js'

/** Image.id of a dry run's planned (not yet existing) AMI. */
export const PLANNED_IMAGE_ID = '(new AMI)'

export async function buildImage(ctx: RunContext): Promise<Image> {
  const { source, region } = ctx.config
  const accountId = await ctx.clients.buildAccountId()
  checkCopyAccounts(ctx, accountId)
  await preflight(ctx, accountId)
  if (source.kind === 'existing') return adoptExisting(ctx, source.amiId, accountId)

  // Everything that can refuse the build runs before anything is started.
  const runbook = source.kind === 'automation' ? await prepareRunbook(ctx) : undefined
  const ec2 = ctx.clients.ec2(region)
  const name = nameToCheck(ctx, runbook)
  if (name) {
    const existing = await findOwnImageByName(ec2, name)
    if (existing) {
      const reused = await onNameTaken(ctx, ec2, existing, accountId)
      if (reused) return reused
    }
  }

  if (ctx.config.dryRun) {
    if (runbook) planRunbook(ctx, runbook)
    else await planFromInstance(ctx, ec2)
    const planned = runbook ? (name ?? '') : createImageRequest(ctx).Name!
    return {
      id: PLANNED_IMAGE_ID,
      name: planned,
      region,
      ownerId: accountId,
      accountId,
      snapshots: [],
      source: source.kind,
      reused: false,
      planned: true,
      ...(ctx.config.amiDescription ? { description: ctx.config.amiDescription } : {})
    }
  }
  return runbook ? buildFromRunbook(ctx, runbook, accountId) : buildFromInstance(ctx, accountId)
}

/** ami-name; with a runbook and no ami-name, a literal TargetAmiName the user passed. */
function nameToCheck(ctx: RunContext, runbook: RunbookPlan | undefined): string | undefined {
  if (ctx.config.amiName) return ctx.config.amiName
  const target = runbook?.parameters.TargetAmiName?.[0]
  // A runbook-side template ({{global:DATE_TIME}}) is resolved by SSM: nothing to compare yet.
  return target && !target.includes('{{') ? target : undefined
}

/** if-exists: fail -> error; reuse -> the existing Image; replace -> deregister it, return undefined. */
async function onNameTaken(
  ctx: RunContext,
  ec2: EC2Client,
  existing: AwsImage,
  accountId: string
): Promise<Image | undefined> {
  const { region, ifExists, dryRun } = ctx.config
  const id = existing.ImageId ?? ''
  const what = `an AMI named "${existing.Name}" already exists in ${region}: ${id} (${existing.State})`

  if (ifExists === 'fail') {
    const error = new ImageExistsError(
      id,
      `ami-name: ${what}, and if-exists is fail. Set if-exists to reuse or replace, or make ami-name unique (e.g. with {{timestamp}}).`
    )
    if (!dryRun) throw error
    ctx.plan.push({ phase: 'check', problem: true, text: error.message })
    return undefined
  }

  if (ifExists === 'reuse') {
    checkFamilyOf(ctx, existing, 'if-exists: reuse')
    const facts = { region, accountId, source: ctx.config.source.kind, reused: true } as const
    if (dryRun) {
      ctx.plan.push({
        phase: 'build',
        text: `Would reuse ${id} ("${existing.Name}"), which already exists`
      })
      return toImage(existing, facts)
    }
    ctx.log.info(`Reusing ${what} (if-exists: reuse)`)
    const image =
      existing.State === 'available'
        ? existing
        : await waitForImage(ctx, ec2, id, {
            timeoutMs: ctx.config.timeoutMinutes * 60_000,
            label: `${id} in ${region}`
          })
    // A previous run may have been cut off between its build and its tagging.
    await tagImageAndSnapshots(ctx, ec2, image)
    return toImage(image, facts)
  }

  try {
    await replaceExisting(ctx, ec2, existing, accountId)
  } catch (error) {
    if (!dryRun || !(error instanceof ImageExistsError)) throw error
    ctx.plan.push({ phase: 'check', problem: true, text: error.message })
  }
  return undefined
}
