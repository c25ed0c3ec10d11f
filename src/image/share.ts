// Launch and snapshot permissions for one AMI in one region: only what is missing is added (a
// re-run sends nothing), `exact` removes what is not listed, public sharing is checked first.
import {
  DescribeImageAttributeCommand,
  DescribeSnapshotAttributeCommand,
  GetImageBlockPublicAccessStateCommand,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
  paginateDescribeImages,
  type EC2Client,
  type LaunchPermission
} from '@aws-sdk/client-ec2'
import type { Config, CopyAccount, SharingMode } from '../config.js'
import type { RunContext } from '../context.js'
import type { LaunchPermissions } from '../types.js'
import { error, warning, type Finding } from './findings.js'
import {
  AMI_SHARING,
  PUBLIC_AMIS,
  readQuota,
  unreadQuotaWarning,
  type QuotasClient
} from './quotas.js'
/** ModifySnapshotAttribute takes at most 500 modifications per call. */
const SNAPSHOT_BATCH = 500

/** The launch permissions an AMI should end with, plus who gets createVolumePermission. */
export interface ShareSpec extends LaunchPermissions {
  snapshotAccounts: string[]
  mode: SharingMode
}

const unique = (values: string[]): string[] => [...new Set(values)]

/** The source: the share inputs plus copy-accounts, which need launch and snapshot access to copy. */
export function sourceShareSpec(config: Config, ownerId: string): ShareSpec {
  const copyAccounts = config.copy.accounts.map((a) => a.accountId)
  const s = config.share
  const notOwner = (id: string): boolean => id !== ownerId
  return {
    accounts: unique([...s.accounts, ...copyAccounts]).filter(notOwner),
    organizations: [...s.organizations],
    organizationalUnits: [...s.organizationalUnits],
    public: s.public,
    snapshotAccounts: unique([...(s.snapshots ? s.accounts : []), ...copyAccounts]).filter(
      notOwner
    ),
    mode: s.mode
  }
}

/** A copy is shared like the source, minus the copy-accounts grants and its own owner. */
export function copyShareSpec(config: Config, ownerId: string): ShareSpec {
  const s = config.share
  const notOwner = (id: string): boolean => id !== ownerId
  return {
    accounts: unique(s.accounts).filter(notOwner),
    organizations: [...s.organizations],
    organizationalUnits: [...s.organizationalUnits],
    public: s.public,
    snapshotAccounts: s.snapshots ? unique(s.accounts).filter(notOwner) : [],
    mode: s.mode
  }
}

export function isEmptySpec(spec: ShareSpec): boolean {
  return (
    spec.accounts.length + spec.organizations.length + spec.organizationalUnits.length === 0 &&
    !spec.public &&
    spec.snapshotAccounts.length === 0 &&
    spec.mode === 'add'
  )
}

export function toLaunchPermissions(list: LaunchPermission[]): LaunchPermissions {
  return {
    accounts: list.flatMap((p) => (p.UserId ? [p.UserId] : [])),
    organizations: list.flatMap((p) => (p.OrganizationArn ? [p.OrganizationArn] : [])),
    organizationalUnits: list.flatMap((p) =>
      p.OrganizationalUnitArn ? [p.OrganizationalUnitArn] : []
    ),
    public: list.some((p) => p.Group === 'all')
  }
}

function toList(perms: LaunchPermissions): LaunchPermission[] {
  return [
    ...perms.accounts.map((UserId) => ({ UserId })),
    ...perms.organizations.map((OrganizationArn) => ({ OrganizationArn })),
    ...perms.organizationalUnits.map((OrganizationalUnitArn) => ({ OrganizationalUnitArn })),
    ...(perms.public ? [{ Group: 'all' as const }] : [])
  ]
}

const minus = (a: string[], b: string[]): string[] => a.filter((x) => !b.includes(x))

export interface ShareChange {
  add: LaunchPermission[]
  remove: LaunchPermission[]
  after: LaunchPermissions
}

/** What to send so `current` becomes what `spec` asks for. */
export function planShareChange(current: LaunchPermissions, spec: ShareSpec): ShareChange {
  const add: LaunchPermissions = {
    accounts: minus(spec.accounts, current.accounts),
    organizations: minus(spec.organizations, current.organizations),
    organizationalUnits: minus(spec.organizationalUnits, current.organizationalUnits),
    public: spec.public && !current.public
  }
  const remove: LaunchPermissions =
    spec.mode === 'exact'
      ? {
          accounts: minus(current.accounts, spec.accounts),
          organizations: minus(current.organizations, spec.organizations),
          organizationalUnits: minus(current.organizationalUnits, spec.organizationalUnits),
          public: current.public && !spec.public
        }
      : { accounts: [], organizations: [], organizationalUnits: [], public: false }
  const after: LaunchPermissions = {
    accounts: [...minus(current.accounts, remove.accounts), ...add.accounts],
    organizations: [...minus(current.organizations, remove.organizations), ...add.organizations],
    organizationalUnits: [
      ...minus(current.organizationalUnits, remove.organizationalUnits),
      ...add.organizationalUnits
    ],
    public: (current.public && !remove.public) || add.public
  }
  return { add: toList(add), remove: toList(remove), after }
}

export function entityCount(perms: LaunchPermissions): number {
  return perms.accounts.length + perms.organizations.length + perms.organizationalUnits.length
}

export async function readLaunchPermissions(
  ec2: EC2Client,
  imageId: string
): Promise<LaunchPermissions> {
  const { LaunchPermissions = [] } = await ec2.send(
    new DescribeImageAttributeCommand({ ImageId: imageId, Attribute: 'launchPermission' })
  )
  return toLaunchPermissions(LaunchPermissions)
}

export interface ShareTarget {
  imageId: string
  region: string
  /** The account that owns the AMI (the build account or a copy account). */
  accountId: string
  /** Snapshot IDs that get createVolumePermission. */
  snapshotIds: string[]
  /**
   * Created by this run (built or copied, not reused or adopted): it has no launch or snapshot
   * permissions yet, so in `add` mode there is nothing to read before granting.
   */
  createdThisRun?: boolean
  /** The copy account that owns it; undefined: the build account. */
  account?: CopyAccount
  /** Dry run: the AMI does not exist yet (a planned build or copy), so it has no permissions. */
  planned?: boolean
}

export interface ShareOutcome {
  /** Launch permissions before this run's change (read, or known empty). */
  before: LaunchPermissions
  /** After the change, derived from `before` rather than re-read (dry run: what it would be). */
  after: LaunchPermissions
}

const NO_PERMISSIONS: LaunchPermissions = {
  accounts: [],
  organizations: [],
  organizationalUnits: [],
  public: false
}

/**
 * Brings the AMI's launch permissions to `spec` in ONE ModifyImageAttribute (Add and Remove
 * together), then grants createVolumePermission on each snapshot. A dry run plans the same calls.
 */
export async function shareImage(
  ctx: RunContext,
  ec2: EC2Client,
  target: ShareTarget,
  spec: ShareSpec
): Promise<ShareOutcome> {
  // `exact` must see grants made outside this run; a fresh AMI in `add` mode has none to see.
  const knownEmpty =
    target.planned === true || (target.createdThisRun === true && spec.mode === 'add')
  const before = knownEmpty ? NO_PERMISSIONS : await readLaunchPermissions(ec2, target.imageId)
  const change = planShareChange(before, spec)
  await checkSharingQuota(ctx, target, entityCount(change.after))
  const where = `${target.region} (account ${target.accountId})`
  if (change.add.length + change.remove.length > 0) {
    const input = {
      ImageId: target.imageId,
      LaunchPermission: {
        ...(change.add.length ? { Add: change.add } : {}),
        ...(change.remove.length ? { Remove: change.remove } : {})
      }
    }
    await ctx.plan.change(
      {
        phase: 'share',
        text: shareText(`${target.imageId} in ${where}`, change),
        calls: [
          { action: 'ec2:ModifyImageAttribute', accountId: target.accountId, region: target.region }
        ],
        planned: undefined,
        ...(!target.planned && {
          probe: {
            permission: 'ec2:ModifyImageAttribute',
            where,
            send: () => ec2.send(new ModifyImageAttributeCommand({ ...input, DryRun: true }))
          }
        })
      },
      async () => {
        await ec2.send(new ModifyImageAttributeCommand(input))
        ctx.log.info(`Shared ${target.imageId} in ${target.region}: ${describeChange(change)}`)
      }
    )
  }
  await shareSnapshots(ctx, ec2, target, spec.snapshotAccounts, knownEmpty, spec.mode)
  return { before, after: change.after }
}

/**
 * More entities than the default "AMI sharing" quota: refuse only what the applied quota refuses;
 * when it cannot be read, warn and let AWS decide (its error is reported with its reason).
 */
async function checkSharingQuota(
  ctx: RunContext,
  target: ShareTarget,
  count: number
): Promise<void> {
  if (count <= AMI_SHARING.defaultValue) return
  const where = `${target.region}${target.account ? ` (account ${target.account.accountId})` : ''}`
  const reading = await readQuota(
    () => ctx.clients.serviceQuotas(target.region, target.account),
    AMI_SHARING
  )
  if ('error' in reading) {
    ctx.warn(unreadQuotaWarning(AMI_SHARING, where, reading.error))
    return
  }
  if (count > reading.value) {
    ctx.plan.problem(
      'share',
      new Error(
        `Cannot share ${target.imageId} in ${target.region} with ${count} accounts, organizations and OUs: the "AMI sharing" quota there is ${reading.value} per AMI. Share with organizations or OUs instead of many accounts, or raise the quota (${AMI_SHARING.quotaCode}) in Service Quotas.`
      )
    )
  }
}

const permissionText = (list: LaunchPermission[]): string =>
  list.map((p) => p.UserId ?? p.OrganizationArn ?? p.OrganizationalUnitArn ?? 'public').join(', ')

/** The plan line of a launch-permission change. */
function shareText(what: string, change: ShareChange): string {
  const add = change.add.length ? `Share ${what} with ${permissionText(change.add)}` : ''
  const remove = change.remove.length
    ? `${add ? '; remove' : `From ${what}, remove`} the launch permissions of ${permissionText(change.remove)} (sharing-mode: exact)`
    : ''
  return add + remove
}

function describeChange(change: ShareChange): string {
  const text = permissionText
  return [
    change.add.length ? `added ${text(change.add)}` : '',
    change.remove.length ? `removed ${text(change.remove)}` : ''
  ]
    .filter(Boolean)
    .join('; ')
}

/**
 * createVolumePermission for the `accounts` that lack it on each snapshot (a re-run sends
 * nothing). `knownEmpty`: the snapshots were created by this run, so none is granted yet.
 */
export async function shareSnapshots(
  ctx: RunContext,
  ec2: EC2Client,
  target: ShareTarget,
  accounts: string[],
  knownEmpty = false,
  mode: SharingMode = 'add'
): Promise<void> {
  if (accounts.length === 0 && mode === 'add') return
  const where = `${target.region} (account ${target.accountId})`
  const sends: { snapshotId: string; operation: 'Add' | 'Remove'; accounts: string[] }[] = []
  for (const snapshotId of target.snapshotIds) {
    const current = knownEmpty
      ? undefined
      : await ec2.send(
          new DescribeSnapshotAttributeCommand({
            SnapshotId: snapshotId,
            Attribute: 'createVolumePermission'
          })
        )
    const grantedIds = (current?.CreateVolumePermissions ?? []).flatMap((p) =>
      p.UserId ? [p.UserId] : []
    )
    const granted = new Set(grantedIds)
    const missing = accounts.filter((account) => !granted.has(account))
    // `exact`: accounts no longer listed lose createVolumePermission too.
    const extra = mode === 'exact' ? grantedIds.filter((id) => !accounts.includes(id)) : []
    // ModifySnapshotAttribute takes Add or Remove in one call, not both, and 500 at most.
    for (const [operation, ids] of [
      ['Add', missing],
      ['Remove', extra]
    ] as const) {
      for (let i = 0; i < ids.length; i += SNAPSHOT_BATCH) {
        sends.push({ snapshotId, operation, accounts: ids.slice(i, i + SNAPSHOT_BATCH) })
      }
    }
  }
  for (const operation of ['Add', 'Remove'] as const) {
    const mine = sends.filter((s) => s.operation === operation)
    if (mine.length === 0) continue
    const snapshots = [...new Set(mine.map((s) => s.snapshotId))]
    const who = [...new Set(mine.flatMap((s) => s.accounts))].join(', ')
    const which = snapshots.length === 1 ? 'snapshot' : `${snapshots.length} snapshots`
    const text =
      operation === 'Add'
        ? `Grant createVolumePermission on the ${which} of ${target.imageId} in ${where} to ${who}`
        : `Remove createVolumePermission on the ${which} of ${target.imageId} in ${where} from ${who} (sharing-mode: exact)`
    await ctx.plan.change(
      {
        phase: 'share',
        text,
        calls: mine.map(() => ({
          action: 'ec2:ModifySnapshotAttribute',
          accountId: target.accountId,
          region: target.region
        })),
        planned: undefined
      },
      async () => {
        for (const s of mine) {
          await ec2.send(
            new ModifySnapshotAttributeCommand({
              SnapshotId: s.snapshotId,
              Attribute: 'createVolumePermission',
              CreateVolumePermission: { [operation]: s.accounts.map((UserId) => ({ UserId })) }
            })
          )
        }
      }
    )
  }
}

/**
 * share-public pre-flight for one (account, region): block public access must be off and the
 * account must hold fewer public AMIs there than its "Public AMIs" quota (an AMI that is already
 * public needs no slot). The quota is read only when the default (5) would refuse.
 */
export async function checkPublicSharing(
  ec2: EC2Client,
  region: string,
  accountId: string,
  imageId?: string,
  quotas?: QuotasClient
): Promise<Finding[]> {
  const where = `${region} (account ${accountId})`
  const state = await ec2.send(new GetImageBlockPublicAccessStateCommand({}))
  if (state.ImageBlockPublicAccessState === 'block-new-sharing') {
    const lock =
      state.ManagedBy === 'declarative-policy'
        ? ' It is enforced by an AWS Organizations declarative policy, which an administrator must change.'
        : ''
    return [
      error(
        `share-public: block public access for AMIs is on in ${where} (block-new-sharing), so the AMI cannot be made public.${lock} Turn it off with \`aws ec2 disable-image-block-public-access --region ${region}\` (it takes up to 10 minutes to apply), or set share-public: false.`
      )
    ]
  }
  const publicIds: string[] = []
  for await (const page of paginateDescribeImages(
    { client: ec2 },
    { Owners: ['self'], Filters: [{ Name: 'is-public', Values: ['true'] }] }
  )) {
    for (const image of page.Images ?? []) if (image.ImageId) publicIds.push(image.ImageId)
  }
  const others = publicIds.filter((id) => id !== imageId)
  if (imageId && others.length < publicIds.length) return []
  if (others.length < PUBLIC_AMIS.defaultValue) return []
  const reading = quotas
    ? await readQuota(quotas, PUBLIC_AMIS)
    : { error: 'no Service Quotas client' }
  if ('error' in reading) {
    return [
      warning(
        `share-public: the account already has ${others.length} public AMIs in ${where}. ${unreadQuotaWarning(PUBLIC_AMIS, where, reading.error)}`
      )
    ]
  }
  if (others.length >= reading.value) {
    return [
      error(
        `share-public: the account already has ${others.length} public AMIs in ${where} (${others.join(', ')}); its "Public AMIs" quota there is ${reading.value}. Make one of them private or deregister it, raise the quota (${PUBLIC_AMIS.quotaCode}) in Service Quotas, or set share-public: false.`
      )
    ]
  }
  return []
}
