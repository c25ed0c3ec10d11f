// The step outputs (INTERFACE.md "Outputs"), computed from what exists, even after a failure.
import * as core from '@actions/core'
import type { Config } from '../config.js'
import type { FleetMember, LaunchPermissions, Result } from '../types.js'

export type Outputs = Record<string, string>

const NOT_SHARED: LaunchPermissions = {
  accounts: [],
  organizations: [],
  organizationalUnits: [],
  public: false
}

/**
 * Every output that has a value. JSON outputs are always written (an empty object when nothing
 * exists) so `fromJSON()` in a later step never sees an empty string. A planned image (dry run)
 * does not exist: `ami-id` is then empty and the ID maps leave it out.
 */
export function computeOutputs(config: Config, result: Result): Outputs {
  const image = result.image
  const buildAccount = image?.accountId ?? sourceMember(result)?.accountId
  const members = existing(result)
  const own = members.filter((m) => m.accountId === buildAccount)
  const outputs: Outputs = { region: config.region }

  if (image) {
    outputs['ami-id'] = image.planned ? '' : image.id
    outputs['ami-name'] = image.name
    if (image.execution?.id) outputs['automation-execution-id'] = image.execution.id
  } else if (config.amiName) {
    outputs['ami-name'] = config.amiName
  }

  const amiIds: Record<string, string> = {}
  const snapshotIds: Record<string, string[]> = {}
  for (const member of own) {
    amiIds[member.region] = member.imageId!
    snapshotIds[member.region] = member.snapshots.map((s) => s.id)
  }
  if (image && !image.planned && !(image.region in amiIds) && !result.fleet) {
    // The build finished but distribution never reported: the source AMI still exists.
    amiIds[image.region] = image.id
    snapshotIds[image.region] = image.snapshots.map((s) => s.id)
  }
  outputs['ami-ids'] = JSON.stringify(amiIds)
  outputs['snapshot-ids'] = JSON.stringify(snapshotIds)

  const accountAmiIds: Record<string, Record<string, string>> = {}
  for (const member of members.filter((m) => m.accountId !== buildAccount)) {
    ;(accountAmiIds[member.accountId] ??= {})[member.region] = member.imageId!
  }
  outputs['account-ami-ids'] = JSON.stringify(accountAmiIds)

  const shared = sourceMember(result)?.sharedWith ?? NOT_SHARED
  outputs['shared-with'] = JSON.stringify({
    accounts: shared.accounts,
    organizations: shared.organizations,
    organizationalUnits: shared.organizationalUnits,
    public: shared.public
  })

  outputs['pruned-ami-ids'] = JSON.stringify(prunedIds(result))
  return outputs
}

export function writeOutputs(outputs: Outputs): void {
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value)
}

/** The build-region AMI in the build account. */
function sourceMember(result: Result): FleetMember | undefined {
  return result.fleet?.members.find((m) => m.role === 'source')
}

/** Members that are real, usable AMIs: available with an ID (not planned, failed or pending). */
function existing(result: Result): FleetMember[] {
  return (result.fleet?.members ?? []).filter((m) => m.imageId && m.state === 'available')
}

/** region → IDs over all accounts; every examined region appears, `{}` when pruning did not run. */
function prunedIds(result: Result): Record<string, string[]> {
  const ids: Record<string, string[]> = {}
  if (!result.prune) return ids
  for (const { region } of result.prune.examined) ids[region] ??= []
  for (const version of result.prune.pruned) (ids[version.region] ??= []).push(version.imageId)
  return ids
}
