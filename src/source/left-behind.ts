// An AMI that exists although the step failed before it was fully set up (tagging denied, an
// expired token while waiting, a runbook failing after its createImage step, a cancelled job):
// the error, the outputs and the summary name it, with what to do, so no version escapes.
import { withImage } from '../aws/errors.js'
import type { RunContext } from '../context.js'
import type { ExecutionReport, Image } from '../types.js'

export interface LeftBehind {
  amiId: string
  accountId: string
  source: Image['source']
  /** Tagged at creation (CreateImage TagSpecifications) or by this run already. */
  tagged: boolean
  name?: string
  execution?: ExecutionReport
}

/** The advice for an AMI this run created but did not finish with. */
export function leftoverText(ctx: RunContext, left: LeftBehind): string {
  const { region, family } = ctx.config
  const untagged =
    !left.tagged && Object.keys(ctx.config.tags).length > 0
      ? ` It is not tagged${family ? ` (no ami-share-action:family=${family} tag, so pruning will never remove it)` : ''}.`
      : ''
  return (
    `Left in AWS: AMI ${left.amiId} exists in ${region} (account ${left.accountId}) but this run did not finish with it.${untagged} ` +
    `Re-run with ami-id: ${left.amiId} to tag, share and copy it, or remove it: ` +
    `aws ec2 deregister-image --region ${region} --image-id ${left.amiId} --delete-associated-snapshots`
  )
}

/** `error`, carrying the AMI that exists so main() reports it. */
export function leftBehind<E extends Error>(ctx: RunContext, error: E, left: LeftBehind): E {
  const image: Image = {
    id: left.amiId,
    name: left.name ?? '',
    region: ctx.config.region,
    ownerId: left.accountId,
    accountId: left.accountId,
    snapshots: [],
    source: left.source,
    reused: false,
    ...(left.execution ? { execution: left.execution } : {}),
    leftover: leftoverText(ctx, left)
  }
  return withImage(error, image)
}
