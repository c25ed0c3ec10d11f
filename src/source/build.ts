// Build or adopt the image per config.source, honouring if-exists. Dry run: checks and plan only.
import { CreateImageCommand, type EC2Client, type Image as AwsImage } from '@aws-sdk/client-ec2'
import { ImageExistsError } from '../aws/errors.js'
import type { RunContext } from '../context.js'
import { findOwnImageByName } from '../image/find.js'
import { waitForImage } from '../image/wait.js'
import type { Image } from '../types.js'
import { buildFromRunbook, planRunbook, prepareRunbook, type RunbookPlan } from './automation.js'
import { adoptExisting } from './existing.js'
import { tagImageAndSnapshots, toImage } from './image-record.js'
import { buildFromInstance, createImageRequest } from './instance.js'
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

  const planned = plannedImage(
    ctx,
    source.kind === 'instance' ? source.amiName : (name ?? ''),
    accountId
  )
  const tagging = Object.keys(ctx.config.tags).length
    ? [{ action: 'ec2:CreateTags', accountId, region }]
    : []
  if (runbook) {
    return ctx.plan.change(
      {
        phase: 'build',
        text: planRunbook(runbook),
        calls: [{ action: 'ssm:StartAutomationExecution', accountId, region }, ...tagging],
        planned
      },
      () => buildFromRunbook(ctx, runbook, accountId)
    )
  }
  if (source.kind !== 'instance') throw new Error(`unknown source ${source.kind}`)
  const request = createImageRequest(ctx, source)
  return ctx.plan.change(
    {
      phase: 'build',
      text: `Would create AMI "${request.Name}" from ${request.InstanceId} (${request.NoReboot ? 'no reboot' : 'the instance reboots'}), tagged at creation, then wait until available`,
      calls: [{ action: 'ec2:CreateImage', accountId, region }],
      planned,
      probe: {
        permission: 'ec2:CreateImage',
        where: `${region} (from ${request.InstanceId})`,
        send: () => ec2.send(new CreateImageCommand({ ...request, DryRun: true }))
      }
    },
    () => buildFromInstance(ctx, source, accountId)
  )
}

/** A dry run's AMI: it does not exist, so it has a placeholder ID and no snapshots. */
function plannedImage(ctx: RunContext, name: string, accountId: string): Image {
  const { region, source, amiDescription } = ctx.config
  return {
    id: PLANNED_IMAGE_ID,
    name,
    region,
    ownerId: accountId,
    accountId,
    snapshots: [],
    source: source.kind,
    reused: false,
    planned: true,
    ...(amiDescription ? { description: amiDescription } : {})
  }
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
  const { region, ifExists } = ctx.config
  const id = existing.ImageId ?? ''
  const what = `an AMI named "${existing.Name}" already exists in ${region}: ${id} (${existing.State})`

  if (ifExists === 'fail') {
    const error = new ImageExistsError(
      id,
      `ami-name: ${what}, and if-exists is fail. Set if-exists to reuse or replace, or make ami-name unique (e.g. with {{timestamp}}).`
    )
    ctx.plan.problem('check', error)
    return undefined
  }

  if (ifExists === 'reuse') {
    checkFamilyOf(ctx, existing, 'if-exists: reuse')
    const facts = { region, accountId, source: ctx.config.source.kind, reused: true } as const
    ctx.log.info(`Reusing ${what} (if-exists: reuse)`)
    ctx.plan.note('build', `Would reuse ${id} ("${existing.Name}"), which already exists`)
    // A dry run does not wait: the plan says it would reuse the AMI once available.
    const image =
      existing.State === 'available' || ctx.plan.dryRun
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
    if (!(error instanceof ImageExistsError)) throw error
    ctx.plan.problem('check', error)
  }
  return undefined
}
