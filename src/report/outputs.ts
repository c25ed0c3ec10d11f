// The step outputs (the README and action.yml list them), computed from what exists, even after a failure.
import { sourceMember as imageAsMember } from '../fleet.js'
import * as core from '@actions/core'
import type { Config } from '../config.js'
import { testResult } from './tested.js'
import type { FleetMember, Image, LaunchPermissions, Result } from '../types.js'

export type Outputs = Record<string, string>

const NOT_SHARED: LaunchPermissions = {
  accounts: [],
  organizations: [],
  organizationalUnits: [],
  public: false
}

/**
 * One function per output; undefined means "not written". JSON outputs always have a value (an
 * empty object when nothing exists) so `fromJSON()` in a later step never sees an empty string.
 * A planned image (dry run) does not exist: `ami-id` is then empty and the ID maps leave it out.
 */
const OUTPUTS: [string, (config: Config, result: Result) => string | undefined][] = [
  ['region', (config) => config.region],
  ['ami-id', (_c, { image }) => (image ? (image.planned ? '' : image.id) : undefined)],
  ['ami-name', (config, { image }) => image?.name ?? config.amiName],
  [
    'automation-execution-id',
    (_c, { image, execution }) => (image?.execution ?? execution)?.id || undefined
  ],
  ['ami-ids', (_c, result) => JSON.stringify(buildAccountMap(result, (m) => m.imageId!))],
  [
    'snapshot-ids',
    (_c, result) => JSON.stringify(buildAccountMap(result, (m) => m.snapshots.map((s) => s.id)))
  ],
  ['account-ami-ids', (_c, result) => JSON.stringify(copyAccountIds(result))],
  ['shared-with', (_c, result) => JSON.stringify(sharedWith(result))],
  ['pruned-ami-ids', (_c, result) => JSON.stringify(prunedIds(result))],
  ['built', (_c, { image }) => (image ? String(wasBuilt(image)) : undefined)],
  ['base-ami-id', (config, { image }) => image?.provenance?.baseAmi?.id ?? baseAmiId(config)],
  ['test-result', (_c, result) => testResult(result)],
  ['launch-template-versions', (_c, result) => JSON.stringify(templateVersions(result))],
  ['disabled-ami-ids', (_c, result) => JSON.stringify(disabledIds(result))]
]

export function computeOutputs(config: Config, result: Result): Outputs {
  const outputs: Outputs = {}
  for (const [name, compute] of OUTPUTS) {
    const value = compute(config, result)
    if (value !== undefined) outputs[name] = value
  }
  return outputs
}

/** Writes every output it can; one that cannot be computed does not stop the others. */
export function writeOutputs(config: Config, result: Result): void {
  const failed: string[] = []
  for (const [name, compute] of OUTPUTS) {
    try {
      const value = compute(config, result)
      if (value !== undefined) core.setOutput(name, value)
    } catch (error) {
      failed.push(`${name} (${error instanceof Error ? error.message : String(error)})`)
    }
  }
  if (failed.length > 0) throw new Error(`could not compute ${failed.join(', ')}`)
}

/**
 * Built by this run: not adopted (ami-id, if-exists reuse, an unchanged recipe, another run's
 * execution) and not only planned (dry run).
 */
function wasBuilt(image: Image): boolean {
  return !image.planned && !image.reused && !image.adopted && image.source !== 'existing'
}

const AMI_ID = /^ami-[0-9a-f]{8,17}$/

/**
 * Before the runbook was prepared (or when it failed to be): the literal runbook parameter that
 * names an AMI, SourceAmiId when it does, else the only one that does. Once prepared, the resolved
 * base (image.provenance) answers.
 */
function baseAmiId(config: Config): string | undefined {
  if (config.source.kind !== 'automation') return undefined
  const named = Object.entries(config.source.parameters).filter(
    ([, values]) => values.length === 1 && AMI_ID.test(values[0])
  )
  const preferred =
    named.find(([name]) => name === 'SourceAmiId') ?? (named.length === 1 ? named[0] : undefined)
  return preferred?.[1][0]
}

/** The build-region AMI in the build account. */
function sourceMember(result: Result): FleetMember | undefined {
  return result.fleet?.members.find((m) => m.role === 'source')
}

function buildAccount(result: Result): string | undefined {
  return result.image?.accountId ?? sourceMember(result)?.accountId
}

/** Members that are real, usable AMIs: available with an ID (not planned, failed or pending). */
function existing(result: Result): FleetMember[] {
  return (result.fleet?.members ?? []).filter((m) => m.imageId && m.state === 'available')
}

/** region → value for the build account's AMIs (the build-region AMI alone without a fleet). */
function buildAccountMap<T>(result: Result, value: (m: FleetMember) => T): Record<string, T> {
  const map: Record<string, T> = {}
  const account = buildAccount(result)
  for (const member of existing(result).filter((m) => m.accountId === account)) {
    map[member.region] = value(member)
  }
  const image = result.image
  if (image && !image.planned && !result.fleet) {
    // The build finished but distribution never reported: the source AMI still exists.
    map[image.region] = value(imageAsMember(image, image.accountId))
  }
  return map
}

/** account → region → AMI ID, for the copy accounts. */
function copyAccountIds(result: Result): Record<string, Record<string, string>> {
  const ids: Record<string, Record<string, string>> = {}
  const account = buildAccount(result)
  for (const member of existing(result).filter((m) => m.accountId !== account)) {
    ;(ids[member.accountId] ??= {})[member.region] = member.imageId!
  }
  return ids
}

function sharedWith(result: Result): LaunchPermissions {
  const shared = sourceMember(result)?.sharedWith ?? NOT_SHARED
  return {
    accounts: shared.accounts,
    organizations: shared.organizations,
    organizationalUnits: shared.organizationalUnits,
    public: shared.public
  }
}

/** region → IDs over all accounts; every examined region appears, `{}` when pruning did not run. */
function prunedIds(result: Result): Record<string, string[]> {
  const ids: Record<string, string[]> = {}
  if (!result.prune) return ids
  for (const { region } of result.prune.examined) ids[region] ??= []
  for (const version of result.prune.pruned) (ids[version.region] ??= []).push(version.imageId)
  return ids
}

/** prune-action: disable; in a dry run, those that would be. Only regions something went in. */
function disabledIds(result: Result): Record<string, string[]> {
  const ids: Record<string, string[]> = {}
  for (const version of result.prune?.disabled ?? [])
    (ids[version.region] ??= []).push(version.imageId)
  return ids
}

/**
 * region → template name → the version with this run's AMI: created, already there, or (dry run)
 * the number it would get. Only regions where a version exists (or would) appear.
 */
function templateVersions(result: Result): Record<string, Record<string, number>> {
  const versions: Record<string, Record<string, number>> = {}
  for (const t of result.promoted?.templates ?? []) {
    if (t.version === undefined || t.outcome === 'failed' || t.outcome === 'missing') continue
    ;(versions[t.region] ??= {})[t.templateName ?? t.template] = t.version
  }
  return versions
}
