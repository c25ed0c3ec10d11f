// rebuild: if-changed in the pipeline: adopt the family's newest version when its recipe is this
// run's (no runbook starts), or record why this run builds. A dry run says which, and why.
import type { RunContext } from '../context.js'
import { waitForImage } from '../image/wait.js'
import type { Image, Provenance } from '../types.js'
import { tagImageAndSnapshots, toImage } from './image-record.js'
import { decideRebuild } from './rebuild.js'

export async function adoptIfUnchanged(
  ctx: RunContext,
  provenance: Provenance,
  accountId: string
): Promise<Image | undefined> {
  const { region } = ctx.config
  const { adopt, decision } = await decideRebuild(ctx, provenance)
  provenance.decision = decision
  if (!adopt) {
    ctx.log.info(`rebuild: if-changed: building, ${decision.why}`)
    ctx.plan.note('build', `Would build: ${decision.why}`)
    return undefined
  }
  const since = decision.since ? ` since ${decision.since.toISOString()}` : ''
  ctx.log.info(`rebuild: if-changed: unchanged${since}; adopting ${adopt.ImageId}: ${decision.why}`)
  const facts = {
    region,
    accountId,
    source: 'automation',
    reused: true,
    provenance,
    adopted: 'unchanged-recipe'
  } as const
  if (ctx.plan.dryRun) {
    ctx.plan.note(
      'build',
      `Would adopt ${adopt.ImageId} instead of building (unchanged${since}): ${decision.why}`
    )
    return toImage(adopt, facts)
  }
  const ec2 = ctx.clients.ec2(region)
  const image =
    adopt.State === 'available'
      ? adopt
      : await waitForImage(ctx, ec2, adopt.ImageId!, {
          timeoutMs: ctx.config.timeoutMinutes * 60_000,
          label: `${adopt.ImageId} in ${region}`
        })
  // Tags the inputs added since it was built; an AMI that has them all is left alone.
  await tagImageAndSnapshots(ctx, ec2, image, provenance)
  return toImage(image, facts)
}
