// A runbook build's provenance, before it starts: the base AMI (checked) and the recipe hash.
import type { RunContext } from '../context.js'
import type { Provenance } from '../types.js'
import { checkBaseAmi } from './base-ami.js'
import { recipeHash } from './recipe.js'

export async function provenanceOf(
  ctx: RunContext,
  runbook: {
    document: string
    runbookHash: string
    /** As given, `resolve:ssm:` resolved; before ami-name becomes TargetAmiName. */
    given: Record<string, string[]>
    resolved: Provenance['resolved']
  }
): Promise<Provenance> {
  const { config } = ctx
  const baseAmi = await checkBaseAmi(
    ctx,
    ctx.clients.ec2(config.region),
    runbook.given,
    runbook.resolved
  )
  const recipe = recipeHash({
    document: runbook.document,
    runbookHash: runbook.runbookHash,
    parameters: runbook.given,
    ...(config.rebuild?.namePattern !== undefined && { namePattern: config.rebuild.namePattern }),
    ...(config.amiDescription !== undefined && { description: config.amiDescription }),
    ...(config.family !== undefined && { family: config.family })
  })
  for (const r of runbook.resolved) {
    ctx.log.info(`Runbook parameter ${r.parameter}: resolve:ssm:${r.name} = ${r.value}`)
  }
  return {
    recipe,
    runbookHash: runbook.runbookHash,
    ...(baseAmi && { baseAmi }),
    resolved: runbook.resolved
  }
}
