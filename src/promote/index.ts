// Fleet -> Promotion: after every test passed and every AMI is in place, point the SSM parameter
// and the launch templates of each region at that region's AMI (INTERFACE.md "Rolling out").
// Regions run in parallel; one failure does not stop the others, and the run then fails listing
// what was and was not promoted.
import { describeError } from '../aws/errors.js'
import { CancelledError } from '../errors.js'
import type { RunContext } from '../context.js'
import { templateLabel } from '../config/rollout.js'
import { mapBounded } from '../pool.js'
import {
  PartialFailure,
  type Fleet,
  type Image,
  type ParameterUpdate,
  type Promotion,
  type TemplateRollout
} from '../types.js'
import { findTemplate } from './find-template.js'
import { rollOutTemplate } from './launch-template.js'
import { publishParameter } from './ssm-parameter.js'
import { promoteTargets, type PromoteTarget } from './targets.js'

/** Regions promoted at once (each makes a few calls; EC2's mutating bucket refills at 5/s). */
const PARALLEL = 4

export async function promote(ctx: RunContext, image: Image, fleet: Fleet): Promise<Promotion> {
  const targets = promoteTargets(image, fleet)
  const [parameters, templates] = await Promise.all([
    parametersOf(ctx, targets),
    templatesOf(ctx, targets, image.name)
  ])
  const promotion: Promotion = { parameters, templates }
  const failed = [...parameters, ...templates].filter((p) => p.error)
  if (failed.length && !ctx.plan.dryRun) {
    throw new PartialFailure(failureReport(promotion), fleet, undefined, promotion)
  }
  return promotion
}

async function parametersOf(ctx: RunContext, targets: PromoteTarget[]): Promise<ParameterUpdate[]> {
  const name = ctx.config.ssmParameter
  if (!name) return []
  const settled = await mapBounded(targets, PARALLEL, (t) => {
    notCancelled(ctx)
    return publishParameter(ctx, name, t)
  })
  return settled.map((s, i) =>
    s.ok ? s.value : failedParameter(ctx, name, targets[i], describeError(s.error))
  )
}

function failedParameter(
  ctx: RunContext,
  name: string,
  target: PromoteTarget,
  error: string
): ParameterUpdate {
  ctx.plan.note('promote', `SSM parameter ${name} in ${target.region}: ${error}`, {
    problem: true
  })
  return {
    region: target.region,
    name,
    ...(target.imageId && { imageId: target.imageId }),
    outcome: 'failed',
    error
  }
}

async function templatesOf(
  ctx: RunContext,
  targets: PromoteTarget[],
  amiName: string
): Promise<TemplateRollout[]> {
  const refs = ctx.config.rollout?.templates ?? []
  const jobs = targets.flatMap((target) => refs.map((ref) => ({ target, ref })))
  const settled = await mapBounded(jobs, PARALLEL, async ({ target, ref }) => {
    notCancelled(ctx)
    const ec2 = ctx.clients.ec2(target.region)
    const found = await findTemplate(ec2, ref)
    const label = templateLabel(ref)
    if (!found) {
      ctx.log.info(
        `Launch template ${label} does not exist in ${target.region}: not rolled out there`
      )
      return {
        region: target.region,
        template: label,
        ...(target.imageId && { imageId: target.imageId }),
        outcome: 'missing' as const
      }
    }
    return rollOutTemplate(ctx, ec2, target, found, label, amiName)
  })
  return settled.map((s, i) => {
    if (s.ok) return s.value
    const { target, ref } = jobs[i]
    const error = describeError(s.error)
    ctx.plan.note(
      'promote',
      `launch template ${templateLabel(ref)} in ${target.region}: ${error}`,
      {
        problem: true
      }
    )
    return {
      region: target.region,
      template: templateLabel(ref),
      ...(target.imageId && { imageId: target.imageId }),
      outcome: 'failed',
      error
    }
  })
}

/** A cancelled job starts no further update (each one already under way finishes). */
function notCancelled(ctx: RunContext): void {
  if (ctx.signal.aborted) {
    throw new CancelledError('the job was cancelled before this was updated')
  }
}

/** The run's error: one line per parameter and template, what was done and what failed. */
export function failureReport(promotion: Promotion): string {
  const all = [...promotion.parameters, ...promotion.templates]
  const failed = all.filter((p) => p.error)
  const lines = [
    ...promotion.parameters.map((p) =>
      p.error
        ? `  FAILED  SSM parameter ${p.name} in ${p.region}: ${p.error}`
        : `  ok      SSM parameter ${p.name} in ${p.region}: ${p.outcome}`
    ),
    ...promotion.templates.map((t) => {
      const what = `launch template ${t.templateName ?? t.template} in ${t.region}`
      const version = t.version !== undefined ? `version ${t.version}` : ''
      if (t.error) return `  FAILED  ${what}${version ? ` (${version} created)` : ''}: ${t.error}`
      return `  ok      ${what}: ${t.outcome}${version ? `, ${version}` : ''}`
    })
  ]
  return (
    `Promotion incomplete: ${failed.length} of ${all.length} updates failed; the AMIs exist and were kept.\n` +
    lines.join('\n')
  )
}
