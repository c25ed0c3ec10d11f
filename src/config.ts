// The one place that reads @actions/core inputs. Everything else receives a Config.
// OWNER: config helper. The types below are the contract the rest of src/ is written against.
import * as core from '@actions/core'
import * as aws from './config/aws-ids.js'
import { InputError } from './config/input-error.js'
import { actionInputs, Problems } from './config/problems.js'
import { readRebuild, type RebuildConfig } from './config/rebuild.js'
import { readRetire, type RetireConfig } from './config/retire.js'
import { readRollout, type RolloutConfig } from './config/rollout.js'
import { readTest, type TestConfig } from './config/test.js'
import {
  charCount,
  DURATION_HELP,
  parseBoolean,
  parseDate,
  parseDuration,
  parseEnum,
  parseInteger,
  parseList,
  parseMap,
  quote,
  setOwn
} from './config/values.js'

export { InputError }
export type { RebuildConfig, TestConfig }

export type IfExists = 'fail' | 'reuse' | 'replace'
export type SharingMode = 'add' | 'exact'

export type Source =
  | {
      kind: 'automation'
      document: string
      documentVersion?: string
      /** Runbook parameter -> values (SSM takes string lists). */
      parameters: Record<string, string[]>
      /** `automation-output`; undefined means "apply the default rules". */
      output?: string
    }
  | {
      kind: 'instance'
      instanceId: string
      noReboot: boolean
      /** ami-name, which an instance build requires (readConfig refuses it missing). */
      amiName: string
    }
  | { kind: 'existing'; amiId: string }

export interface CopyAccount {
  roleArn: string
  accountId: string
}

export interface ShareConfig {
  accounts: string[]
  organizations: string[]
  organizationalUnits: string[]
  public: boolean
  snapshots: boolean
  mode: SharingMode
}

export interface CopyConfig {
  /** Destination regions, build region removed, de-duplicated, input order. */
  regions: string[]
  accounts: CopyAccount[]
  kmsKeyId?: string
  regionKmsKeyIds: Record<string, string>
}

export interface PruneConfig {
  /** The family whose versions are pruned (prune-keep requires family). */
  family: string
  keep: number
  /** Only versions older than this many milliseconds are pruned. */
  olderThanMs?: number
  skipInUse: boolean
  dryRun: boolean
  /** prune-action, prune-deregister-disabled-after, prune-unused-for, prune-require-recycle-bin. */
  retire?: RetireConfig
}

export interface CommentConfig {
  enabled: boolean
  /** Distinguishes several images in one PR: `comment-header`, else family, else ami-name. */
  header: string
  token?: string
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

export const DEFAULT_TIMEOUT_MINUTES = 120
/** Three days: longer than any hosted job (6 h) but room for self-hosted runners. */
export const MAX_TIMEOUT_MINUTES = 4320
/** The AMIs-per-region quota: keeping more versions than can exist means nothing. */
export const MAX_PRUNE_KEEP = 50_000
/** Launch permissions per AMI per region (accounts + organizations + OUs). */
export const MAX_SHARE_ENTITIES = 1000
export const DEFAULT_POLL_MS = 5000

const IF_EXISTS: readonly IfExists[] = ['fail', 'reuse', 'replace']
const SHARING_MODES: readonly SharingMode[] = ['add', 'exact']
const SOURCES = ['automation-document', 'instance-id', 'ami-id'] as const

/**
 * Reads and validates every input before anything talks to AWS. Collects every problem and
 * throws one InputError listing them all (one line each, each starting with its input's name).
 */
export function readConfig(options: ReadConfigOptions = {}): Config {
  const now = options.now ?? new Date()
  const env = options.env ?? process.env
  const problems: InputError[] = []
  /** Run a check; a failed one is recorded and yields undefined so later checks can go on. */
  function attempt<T>(check: () => T): T | undefined {
    try {
      return check()
    } catch (error) {
      if (!(error instanceof InputError)) throw error
      problems.push(...(error.problems.length ? error.problems : [error]))
      return undefined
    }
  }
  const fail = (input: string, message: string): void => {
    problems.push(new InputError(input, `${input}: ${message}`))
  }
  const input = (name: string): string => core.getInput(name).trim()
  const bool = (name: string, fallback: boolean): boolean =>
    attempt(() => parseBoolean(name, input(name), fallback)) ?? fallback
  const list = <T>(name: string, each: (item: string) => T): T[] =>
    parseList(input(name)).flatMap((item) => {
      const value = attempt(() => each(item))
      return value === undefined ? [] : [value]
    })

  const source = readSource()
  const region = readRegion()

  // The image
  const rawName = input('ami-name')
  let amiName: string | undefined
  if (rawName) {
    if (source?.kind === 'existing') {
      fail(
        'ami-name',
        'is set with ami-id, but an adopted AMI keeps its own name. Remove ami-name.'
      )
    } else {
      amiName = attempt(() => aws.amiName('ami-name', rawName, now))
      if (source?.kind === 'automation' && 'TargetAmiName' in source.parameters) {
        fail(
          'ami-name',
          'is set and automation-parameters also sets TargetAmiName. Set the name in one place.'
        )
      }
    }
  } else if (source?.kind === 'instance') {
    fail('ami-name', 'is required with instance-id. Set a name such as "web-{{timestamp}}".')
  }
  const amiDescription = input('ami-description') || undefined
  if (amiDescription && charCount(amiDescription) > 255) {
    fail('ami-description', `has ${charCount(amiDescription)} characters; EC2 allows at most 255.`)
  }
  const rawFamily = input('family')
  const family = rawFamily ? attempt(() => aws.family('family', rawFamily)) : undefined
  const tags = readTags(family)
  const ifExists =
    attempt(() => parseEnum('if-exists', input('if-exists'), IF_EXISTS, 'fail')) ?? 'fail'
  if (ifExists !== 'fail' && source?.kind === 'existing') {
    fail('if-exists', `is "${ifExists}" with ami-id, where nothing is created. Remove if-exists.`)
  }

  const copy = readCopy(region)
  const share = readShare(copy.accounts)
  checkKmsKeys(copy, share, region)

  // Lifecycle
  const deprecateAt = readDeprecation(share.public)
  const deregistrationProtection = bool('deregistration-protection', false)
  const rawParameter = input('ssm-parameter')
  const ssmParameter = rawParameter
    ? attempt(() => aws.ssmParameterName('ssm-parameter', rawParameter))
    : undefined
  const prune = readPrune(family)
  const rebuildInputs = actionInputs(new Problems())
  const rebuild = readRebuild(rebuildInputs)
  problems.push(...rebuildInputs.problems.list)
  const rolloutInputs = actionInputs(new Problems())
  const rollout = readRollout(rolloutInputs)
  problems.push(...rolloutInputs.problems.list)
  const testInputs = actionInputs(new Problems())
  const test = readTest(testInputs, { region, copyRegions: copy.regions })
  problems.push(...testInputs.problems.list)

  // Waiting, preview, reporting
  const rawTimeout = input('timeout-minutes')
  const timeoutMinutes = rawTimeout
    ? (attempt(() =>
        parseInteger('timeout-minutes', rawTimeout, 1, MAX_TIMEOUT_MINUTES, 'minutes')
      ) ?? DEFAULT_TIMEOUT_MINUTES)
    : DEFAULT_TIMEOUT_MINUTES
  const dryRun = bool('dry-run', false)
  // The raw name: with {{timestamp}} resolved, every run would start a new PR comment.
  const comment = readComment(family, rawName || undefined)
  const pollIntervalMs = readPollInterval()

  if (problems.length === 1) throw problems[0]
  if (problems.length > 1) {
    throw new InputError(problems[0].input, problems.map((p) => p.message).join('\n'), problems)
  }
  return {
    source: source!.kind === 'instance' ? { ...source!, amiName: amiName! } : source!,
    region: region!,
    ...(amiName !== undefined && { amiName }),
    ...(amiDescription !== undefined && { amiDescription }),
    ...(family !== undefined && { family }),
    tags,
    ifExists,
    share,
    copy,
    ...(deprecateAt !== undefined && { deprecateAt, deprecateAfter: input('deprecate-after') }),
    deregistrationProtection,
    ...(ssmParameter !== undefined && { ssmParameter }),
    ...(prune !== undefined && { prune }),
    rebuild,
    ...(rollout && { rollout }),
    ...(test !== undefined && { test }),
    timeoutMinutes,
    dryRun,
    comment,
    pollIntervalMs
  }

  function readSource(): Source | undefined {
    const given = SOURCES.filter((name) => input(name) !== '')
    const noReboot = bool('no-reboot', false)
    const automationOnly = [
      'automation-parameters',
      'automation-document-version',
      'automation-output'
    ].filter((name) => input(name) !== '')
    if (given.length !== 1) {
      const what =
        given.length === 0
          ? 'none is set'
          : `${given.join(' and ')} are ${given.length === 2 ? 'both' : 'all'} set`
      const first = given[0] ?? SOURCES[0]
      problems.push(
        new InputError(
          first,
          `${given.length ? given.join(', ') : SOURCES.join(', ')}: ${what}. Set exactly one: automation-document (build with an SSM runbook), instance-id (image an instance) or ami-id (adopt an existing AMI).`
        )
      )
    }
    const kind = given.length === 1 ? given[0] : undefined
    if (kind !== 'automation-document') {
      for (const name of automationOnly) {
        fail(name, 'works only with automation-document. Remove it or set automation-document.')
      }
    }
    if (noReboot && kind !== 'instance-id') {
      fail('no-reboot', 'is true but works only with instance-id. Remove it.')
    }
    if (kind === 'instance-id') {
      const instanceId = attempt(() => aws.instanceId('instance-id', input('instance-id')))
      // amiName is filled in below once ami-name is read (it is required with instance-id).
      return instanceId === undefined
        ? undefined
        : { kind: 'instance', instanceId, noReboot, amiName: '' }
    }
    if (kind === 'ami-id') {
      const amiId = attempt(() => aws.amiId('ami-id', input('ami-id')))
      return amiId === undefined ? undefined : { kind: 'existing', amiId }
    }
    if (kind !== 'automation-document') return undefined
    const document = attempt(() => aws.documentName('automation-document', input(kind)))
    const rawVersion = input('automation-document-version')
    const documentVersion = rawVersion
      ? attempt(() => aws.documentVersion('automation-document-version', rawVersion))
      : undefined
    const rawOutput = input('automation-output')
    const output = rawOutput
      ? attempt(() => aws.automationOutput('automation-output', rawOutput))
      : undefined
    const map = attempt(() =>
      parseMap('automation-parameters', input('automation-parameters'), true)
    )
    if (document === undefined || map === undefined) return undefined
    if ((rawVersion && !documentVersion) || (rawOutput && !output)) return undefined
    const parameters: Record<string, string[]> = {}
    for (const [key, value] of Object.entries(map)) {
      setOwn(parameters, key, Array.isArray(value) ? value : [value])
    }
    return {
      kind: 'automation',
      document,
      ...(documentVersion !== undefined && { documentVersion }),
      parameters,
      ...(output !== undefined && { output })
    }
  }

  function readRegion(): string | undefined {
    const given = input('aws-region')
    const fromEnv = env.AWS_REGION
      ? 'AWS_REGION'
      : env.AWS_DEFAULT_REGION
        ? 'AWS_DEFAULT_REGION'
        : ''
    const value = given || (fromEnv ? env[fromEnv]!.trim() : '')
    if (!value) {
      fail(
        'aws-region',
        'is not set and neither is AWS_REGION or AWS_DEFAULT_REGION. Set aws-region (e.g. us-east-1) or configure credentials with aws-actions/configure-aws-credentials.'
      )
      return undefined
    }
    const checked = attempt(() => aws.region('aws-region', value))
    if (checked === undefined && !given) {
      const last = problems.pop()!
      problems.push(
        new InputError('aws-region', `${last.message} (The value came from ${fromEnv}.)`)
      )
    }
    return checked
  }

  function readTags(family: string | undefined): Record<string, string> {
    const map = attempt(() => parseMap('tags', input('tags'), false)) as
      Record<string, string> | undefined
    const user = (map && attempt(() => aws.tags('tags', map))) ?? {}
    const all = { ...user, ...(family !== undefined && { [aws.FAMILY_TAG]: family }) }
    if (Object.keys(all).length > aws.MAX_TAGS) {
      const note = family !== undefined ? ` (counting the ${aws.FAMILY_TAG} tag)` : ''
      fail(
        'tags',
        `has ${Object.keys(all).length} tags${note}; EC2 allows ${aws.MAX_TAGS} per resource. Remove some.`
      )
    }
    return all
  }

  function readCopy(buildRegion: string | undefined): CopyConfig {
    const regions = list('copy-regions', (item) => aws.region('copy-regions', item)).filter(
      (item) => item !== buildRegion
    )
    // CopyImage works only within one partition: a cn-* or us-gov-* region is another AWS.
    const foreign = buildRegion
      ? regions.filter((r) => aws.partitionOfRegion(r) !== aws.partitionOfRegion(buildRegion))
      : []
    if (foreign.length > 0) {
      fail(
        'copy-regions',
        `${foreign.join(', ')} ${foreign.length === 1 ? 'is' : 'are'} outside partition ${aws.partitionOfRegion(buildRegion!)} of aws-region ${buildRegion}; AMIs cannot be copied across partitions. Remove ${foreign.length === 1 ? 'it' : 'them'}.`
      )
    }
    const accounts: CopyAccount[] = []
    for (const account of list('copy-accounts', (item) => aws.roleArn('copy-accounts', item))) {
      const twin = accounts.find((other) => other.accountId === account.accountId)
      if (twin) {
        fail(
          'copy-accounts',
          `${quote(account.roleArn)} and ${quote(twin.roleArn)} are in the same account ${account.accountId}. Give one role per account.`
        )
      } else if (
        buildRegion &&
        aws.partitionOfArn(account.roleArn) !== aws.partitionOfRegion(buildRegion)
      ) {
        fail(
          'copy-accounts',
          `${quote(account.roleArn)} is in partition ${aws.partitionOfArn(account.roleArn)} but aws-region ${buildRegion} is in ${aws.partitionOfRegion(buildRegion)}. Use a role ARN of the build partition.`
        )
      } else {
        accounts.push(account)
      }
    }
    const rawKey = input('kms-key-id')
    const kmsKeyId = rawKey ? attempt(() => aws.kmsKey('kms-key-id', rawKey).key) : undefined
    const regionKmsKeyIds: Record<string, string> = {}
    const map = attempt(() => parseMap('region-kms-key-ids', input('region-kms-key-ids'), false))
    for (const [key, value] of Object.entries(map ?? {})) {
      const keyRegion = attempt(() => aws.region('region-kms-key-ids', key))
      const kms = attempt(() => aws.kmsKey('region-kms-key-ids', value as string))
      if (!keyRegion || !kms) continue
      if (kms.region && kms.region !== keyRegion) {
        fail(
          'region-kms-key-ids',
          `the key for ${keyRegion} is ${quote(kms.key)}, a key in ${kms.region}. KMS keys are regional: give a key of ${keyRegion}.`
        )
        continue
      }
      regionKmsKeyIds[keyRegion] = kms.key
    }
    return {
      regions,
      accounts,
      ...(kmsKeyId !== undefined && { kmsKeyId }),
      regionKmsKeyIds
    }
  }

  function readShare(copyAccounts: CopyAccount[]): ShareConfig {
    const accounts = list('share-accounts', (item) => aws.accountId('share-accounts', item))
    const organizations = list('share-organizations', (item) =>
      aws.organizationArn('share-organizations', item)
    )
    const organizationalUnits = list('share-organizational-units', (item) =>
      aws.organizationalUnitArn('share-organizational-units', item)
    )
    const isPublic = bool('share-public', false)
    const snapshots = bool('share-snapshots', false)
    const mode =
      attempt(() => parseEnum('sharing-mode', input('sharing-mode'), SHARING_MODES, 'add')) ?? 'add'
    // Copy accounts are granted launch permission on the source too, so they count.
    const launchAccounts = new Set([...accounts, ...copyAccounts.map((a) => a.accountId)])
    const entities = launchAccounts.size + organizations.length + organizationalUnits.length
    if (entities > MAX_SHARE_ENTITIES) {
      fail(
        'share-accounts',
        `with share-organizations, share-organizational-units and copy-accounts this makes ${entities} sharing entities; an AMI can be shared with at most ${MAX_SHARE_ENTITIES}. Share with organizations or OUs instead of single accounts.`
      )
    }
    if (snapshots && accounts.length === 0) {
      fail(
        'share-snapshots',
        'is true but share-accounts is empty; snapshot permissions go to accounts. List the accounts in share-accounts or remove share-snapshots.'
      )
    }
    return { accounts, organizations, organizationalUnits, public: isPublic, snapshots, mode }
  }

  function checkKmsKeys(
    copy: CopyConfig,
    share: ShareConfig,
    buildRegion: string | undefined
  ): void {
    const destinations = new Set(copy.regions)
    if (copy.accounts.length > 0 && buildRegion) destinations.add(buildRegion)
    const copies = copy.regions.length > 0 || copy.accounts.length > 0
    if (copy.kmsKeyId !== undefined && !copies) {
      fail(
        'kms-key-id',
        'is set but nothing is copied. Set copy-regions or copy-accounts, or remove kms-key-id.'
      )
    }
    if (Object.keys(copy.regionKmsKeyIds).length > 0 && !copies) {
      fail(
        'region-kms-key-ids',
        'is set but nothing is copied. Set copy-regions or copy-accounts, or remove it.'
      )
    } else {
      for (const keyRegion of Object.keys(copy.regionKmsKeyIds)) {
        if (copies && !destinations.has(keyRegion)) {
          fail(
            'region-kms-key-ids',
            `names ${keyRegion}, where no copy is made (copies go to ${[...destinations].join(', ')}). Remove it or add it to copy-regions.`
          )
        }
      }
    }
    if (copy.kmsKeyId !== undefined) {
      const keyRegion = aws.kmsKey('kms-key-id', copy.kmsKeyId).region
      const elsewhere = [...destinations].filter(
        (r) => keyRegion && r !== keyRegion && !(r in copy.regionKmsKeyIds)
      )
      if (elsewhere.length > 0) {
        fail(
          'kms-key-id',
          `${quote(copy.kmsKeyId)} is a key in ${keyRegion}, but copies also go to ${elsewhere.join(', ')}. Use an alias (alias/…) that exists in every region, or region-kms-key-ids.`
        )
      }
    }
    const shared =
      share.public ||
      share.accounts.length + share.organizations.length + share.organizationalUnits.length > 0
    const managed = [
      ...(copy.kmsKeyId !== undefined ? [['kms-key-id', copy.kmsKeyId]] : []),
      ...Object.values(copy.regionKmsKeyIds).map((key) => ['region-kms-key-ids', key])
    ].filter(([, key]) => aws.isAwsManagedEbsAlias(key))
    for (const [name, key] of shared ? managed : []) {
      fail(
        name,
        `${quote(key)} is the AWS-managed EBS key, and AMIs encrypted with it cannot be shared. Use a customer-managed KMS key.`
      )
    }
  }

  function readDeprecation(isPublic: boolean): Date | undefined {
    const raw = input('deprecate-after')
    if (!raw) return undefined
    return attempt(() => {
      const date = parseDate('deprecate-after', raw) ?? readDurationOrDate(raw, now)
      if (date.getTime() <= now.getTime()) {
        throw new InputError(
          'deprecate-after',
          `deprecate-after: ${quote(raw)} is in the past. Give a future date or a duration (e.g. 90d).`
        )
      }
      const years = isPublic ? 2 : 10
      const limit = new Date(now)
      limit.setUTCFullYear(limit.getUTCFullYear() + years)
      if (date.getTime() > limit.getTime()) {
        const why = isPublic ? ' for a public AMI (share-public)' : ''
        throw new InputError(
          'deprecate-after',
          `deprecate-after: ${quote(raw)} is more than ${years} years ahead; EC2 allows at most ${years} years${why}. Give an earlier date.`
        )
      }
      return date
    })
  }

  function readPrune(family: string | undefined): PruneConfig | undefined {
    const rawKeep = input('prune-keep')
    const rawOlder = input('prune-older-than')
    const skipInUse = bool('prune-skip-in-use', true)
    const dryRun = bool('prune-dry-run', false)
    const olderThanMs = rawOlder
      ? attempt(() => parseDuration('prune-older-than', rawOlder))
      : undefined
    const retireProblems = new Problems()
    const retire = readRetire(actionInputs(retireProblems), rawKeep !== '')
    problems.push(...retireProblems.list)
    if (!rawKeep) {
      const set = [
        ...(rawOlder ? ['prune-older-than'] : []),
        ...(!skipInUse ? ['prune-skip-in-use'] : []),
        ...(dryRun ? ['prune-dry-run'] : [])
      ]
      for (const name of set) {
        fail(
          name,
          'is set but prune-keep is empty, so nothing would be pruned. Set prune-keep (e.g. 5) or remove it.'
        )
      }
      return undefined
    }
    const keep = attempt(() =>
      parseInteger(
        'prune-keep',
        rawKeep,
        1,
        MAX_PRUNE_KEEP,
        'versions to keep, the new one included'
      )
    )
    if (family === undefined && !input('family')) {
      fail(
        'prune-keep',
        'is set but family is empty; pruning only touches AMIs of one family. Set family (e.g. web-server).'
      )
    }
    if (keep === undefined || family === undefined) return undefined
    return {
      family,
      keep,
      ...(olderThanMs !== undefined && { olderThanMs }),
      skipInUse,
      dryRun,
      retire
    }
  }

  function readComment(family: string | undefined, name: string | undefined): CommentConfig {
    const enabled = bool('comment-on-pr', false)
    const rawHeader = input('comment-header')
    if (rawHeader && (rawHeader.length > 128 || /[\r\n]|-->/.test(rawHeader))) {
      fail(
        'comment-header',
        `${quote(rawHeader)} must be one line of at most 128 characters without "-->". Shorten it.`
      )
    }
    const header = rawHeader || family || name || 'ami-share-action'
    // Never quoted in any message: it is a credential.
    const token = core.getInput('github-token').trim()
    // The runner masks secrets already; masking a short non-token would blank it from all logs.
    if (token.length >= 8) core.setSecret(token)
    if (enabled && !token) {
      fail(
        'github-token',
        'is empty but comment-on-pr is true. Pass a token with pull-requests: write (the default is ${{ github.token }}).'
      )
    }
    return { enabled, header, ...(token && { token }) }
  }

  function readPollInterval(): number {
    const raw = env.AMI_SHARE_ACTION_POLL_MS?.trim()
    if (!raw) return DEFAULT_POLL_MS
    return (
      attempt(() => parseInteger('AMI_SHARE_ACTION_POLL_MS', raw, 1, 3_600_000, 'milliseconds')) ??
      DEFAULT_POLL_MS
    )
  }
}

/** deprecate-after is a date when it looks like one, else a duration from now. */
function readDurationOrDate(raw: string, now: Date): Date {
  try {
    return new Date(now.getTime() + parseDuration('deprecate-after', raw))
  } catch {
    throw new InputError(
      'deprecate-after',
      `deprecate-after: ${quote(raw)} is neither a duration nor a date. Write ${DURATION_HELP}, or an RFC 3339 date such as 2030-01-31T00:00:00Z.`
    )
  }
}
