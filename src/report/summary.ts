// The job summary: the complete report on the run page. Always written, also on failure.
import * as core from '@actions/core'
import type { Config } from '../config.js'
import type { Result } from '../types.js'
import { safeLog } from '../log.js'
import { joinWithin } from './markdown.js'
import { rolloutSection } from './rollout.js'
import {
  copiesSection,
  failureSection,
  fleetTable,
  headline,
  leftInAwsSection,
  lead,
  permissionsSection,
  planSection,
  pruneSection,
  runbookSection,
  runLink,
  tagsSection,
  warningsSection
} from './sections.js'
import { testedSection } from './tested.js'

/** GitHub rejects a step summary over 1 MiB; stay under it with room for the note. */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024 - 1024

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8')

export function buildSummary(
  config: Config,
  result: Result,
  env: NodeJS.ProcessEnv = process.env,
  limit = SUMMARY_LIMIT_BYTES
): string {
  const blocks = [
    headline(result, '##'),
    lead(config, result),
    failureSection(result),
    leftInAwsSection(result),
    planSection(result.plan),
    fleetTable(result, false),
    permissionsSection(config, result),
    tagsSection(config),
    runbookSection(result.image?.execution ?? result.execution),
    testedSection(result),
    copiesSection(result),
    rolloutSection(result),
    pruneSection(result.prune, false, Boolean(result.plan)),
    warningsSection(result.warnings),
    runLink(env)
  ].flat()
  const note =
    `_The summary was cut to stay under GitHub's 1 MiB limit; the step outputs and the log ` +
    `hold the complete data._ ${runLink(env)}`
  return joinWithin(blocks, limit, byteLength, note).markdown + '\n'
}

/** Writes the job summary; outside a runner (no GITHUB_STEP_SUMMARY) it goes to the log instead. */
export async function writeSummary(
  markdown: string,
  env: NodeJS.ProcessEnv = process.env
): Promise<void> {
  if (!env.GITHUB_STEP_SUMMARY) {
    core.info(safeLog(`GITHUB_STEP_SUMMARY is not set: the job summary follows.\n${markdown}`))
    return
  }
  await core.summary.addRaw(markdown).write()
}
