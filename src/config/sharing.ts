// The "Sharing" section of the inputs: share-accounts, share-organizations,
// share-organizational-units, share-public, share-snapshots and sharing-mode, within EC2's limit
// of launch permissions per AMI. A section reader: every problem goes to `inputs.problems`.
import * as aws from './aws-ids.js'
import type { CopyAccount } from './copies.js'
import type { Inputs } from './problems.js'
import { parseEnum } from './values.js'

export type SharingMode = 'add' | 'exact'
const SHARING_MODES: readonly SharingMode[] = ['add', 'exact']

/** Launch permissions per AMI per region (accounts + organizations + OUs). */
export const MAX_SHARE_ENTITIES = 1000

export interface ShareConfig {
  accounts: string[]
  organizations: string[]
  organizationalUnits: string[]
  public: boolean
  snapshots: boolean
  mode: SharingMode
}

/** Copy accounts are granted launch permission on the source too, so they count to the limit. */
export function readSharing(inputs: Inputs, copyAccounts: CopyAccount[]): ShareConfig {
  const { input, list, problems } = inputs
  const accounts = list('share-accounts', (item) => aws.accountId('share-accounts', item))
  const organizations = list('share-organizations', (item) =>
    aws.organizationArn('share-organizations', item)
  )
  const organizationalUnits = list('share-organizational-units', (item) =>
    aws.organizationalUnitArn('share-organizational-units', item)
  )
  const isPublic = inputs.bool('share-public', false)
  const snapshots = inputs.bool('share-snapshots', false)
  const mode =
    problems.attempt(() =>
      parseEnum('sharing-mode', input('sharing-mode'), SHARING_MODES, 'add')
    ) ?? 'add'
  const launchAccounts = new Set([...accounts, ...copyAccounts.map((a) => a.accountId)])
  const entities = launchAccounts.size + organizations.length + organizationalUnits.length
  if (entities > MAX_SHARE_ENTITIES) {
    problems.fail(
      'share-accounts',
      `with share-organizations, share-organizational-units and copy-accounts this makes ${entities} sharing entities; an AMI can be shared with at most ${MAX_SHARE_ENTITIES}. Share with organizations or OUs instead of single accounts.`
    )
  }
  if (snapshots && accounts.length === 0) {
    problems.fail(
      'share-snapshots',
      'is true but share-accounts is empty; snapshot permissions go to accounts. List the accounts in share-accounts or remove share-snapshots.'
    )
  }
  return { accounts, organizations, organizationalUnits, public: isPublic, snapshots, mode }
}
