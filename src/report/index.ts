// Outputs, job summary, PR comment, and the one notice. Reads Result; never calls AWS.
// Reporting must never throw: the run's own error, if any, stays the error; a reporting
// problem becomes a warning.
import * as core from '@actions/core'
import type { RunContext } from '../context.js'
import { plannedCalls } from '../plan.js'
import type { Result } from '../types.js'
import { buildComment, upsertComment } from './comment.js'
import { writeOutputs } from './outputs.js'
import { buildSummary, writeSummary } from './summary.js'

/** The debug line that lists a dry run's planned AWS calls (the plan-agreement e2e test reads it). */
export const PLANNED_CALLS_PREFIX = 'Planned AWS calls: '

export async function report(ctx: RunContext, result: Result): Promise<void> {
  const { config } = ctx
  if (result.plan) core.debug(PLANNED_CALLS_PREFIX + JSON.stringify(plannedCalls(result.plan)))
  await attempt('the step outputs', () => writeOutputs(config, result))
  await attempt('the job summary', () => writeSummary(buildSummary(config, result)))
  if (config.comment.enabled) {
    await attempt('the PR comment', async () => {
      const url = await upsertComment(config, buildComment(config, result))
      if (url) core.setOutput('comment-url', url)
    })
  }
  const image = result.image
  if (!result.error && !config.dryRun && image && !image.planned) {
    core.notice(`AMI ${image.id} (${image.name}) is available in ${image.region}.`, {
      title: 'AMI ready'
    })
  }
}

async function attempt(what: string, write: () => unknown): Promise<void> {
  try {
    await write()
  } catch (error) {
    core.warning(
      `Could not write ${what}: ${error instanceof Error ? error.message : String(error)}`
    )
  }
}
