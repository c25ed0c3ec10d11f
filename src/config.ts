// The one place that reads the action's inputs: readConfig() calls one section reader per part of
// the inputs (src/config/), all recording into one Problems collector, and throws every problem at
// once. Everything else receives the Config; its types are the contract the rest of src/ is
// written against.
import { checkCopyKeys } from './config/copy-keys.js'
import { readCopies, type CopyAccount, type CopyConfig } from './config/copies.js'
import { readImage, type IfExists } from './config/image.js'
import { readLifecycle } from './config/lifecycle.js'
import { actionInputs, Problems } from './config/problems.js'
import { readPrune, type PruneConfig } from './config/prune.js'
import { readRebuild, type RebuildConfig } from './config/rebuild.js'
import { readRegion } from './config/region.js'
import { readRollout, type RolloutConfig } from './config/rollout.js'
import { readComment, type CommentConfig } from './config/reporting.js'
import { readPollInterval, readRun } from './config/run.js'
import { readSharing, type ShareConfig, type SharingMode } from './config/sharing.js'
import { readSource, type Source } from './config/source.js'
import { readTest, type TestConfig } from './config/test.js'

export type {
  CommentConfig,
  CopyAccount,
  CopyConfig,
  IfExists,
  PruneConfig,
  RebuildConfig,
  ShareConfig,
  SharingMode,
  Source,
  TestConfig
}

export interface Config {
  source: Source
  region: string
  /** Resolved name (`{{timestamp}}` replaced); required with instance-id. */
  amiName?: string
  amiDescription?: string
  family?: string
  /** User tags plus `ami-share-action:family` when family is set. */
  tags: Record<string, string>
  ifExists: IfExists
  share: ShareConfig
  copy: CopyConfig
  deprecateAt?: Date
  /** `deprecate-after` as written: an AMI tagged with the same value keeps its deprecation time. */
  deprecateAfter?: string
  deregistrationProtection: boolean
  ssmParameter?: string
  prune?: PruneConfig
  /** Absent: always (test harnesses build a Config by hand). */
  rebuild?: RebuildConfig
  /** launch-templates and launch-template-set-default; absent when no template is named. */
  rollout?: RolloutConfig
  /** test-command / test-launch and the other test-* inputs; absent: no test. */
  test?: TestConfig
  timeoutMinutes: number
  dryRun: boolean
  comment: CommentConfig
  /** Poll interval for runbook and image waits (ms). 5000 unless AMI_SHARE_ACTION_POLL_MS is set (tests, bench). */
  pollIntervalMs: number
}

export interface ReadConfigOptions {
  /** The clock for `{{timestamp}}` and `deprecate-after` (tests pin it). */
  now?: Date
  /** Environment for the region defaults and AMI_SHARE_ACTION_POLL_MS (default process.env). */
  env?: NodeJS.ProcessEnv
}

/**
 * Reads and validates every input before anything talks to AWS. Collects every problem and
 * throws one InputError listing them all (one line each, each starting with its input's name),
 * in the order of the sections below.
 */
export function readConfig(options: ReadConfigOptions = {}): Config {
  const now = options.now ?? new Date()
  const env = options.env ?? process.env
  const inputs = actionInputs(new Problems())

  const source = readSource(inputs)
  const region = readRegion(inputs, env)
  const image = readImage(inputs, source, now)
  const copy = readCopies(inputs, region)
  const share = readSharing(inputs, copy.accounts)
  checkCopyKeys(inputs.problems, copy, share, region)
  const lifecycle = readLifecycle(inputs, share.public, now)
  const prune = readPrune(inputs, image.family)
  const rebuild = readRebuild(inputs)
  const rollout = readRollout(inputs)
  const test = readTest(inputs, { region, copyRegions: copy.regions })
  const run = readRun(inputs)
  const comment = readComment(inputs, image.family, inputs.input('ami-name') || undefined)
  const pollIntervalMs = readPollInterval(inputs, env)

  inputs.problems.throwIfAny()
  // No problem: the source, the region and an instance build's amiName were read.
  return {
    source: source!.kind === 'instance' ? { ...source!, amiName: image.amiName! } : source!,
    region: region!,
    ...image,
    share,
    copy,
    ...lifecycle,
    ...(prune !== undefined && { prune }),
    rebuild,
    ...(rollout && { rollout }),
    ...(test !== undefined && { test }),
    ...run,
    comment,
    pollIntervalMs
  }
}
