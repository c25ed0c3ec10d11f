// dry-run: the same checks as a real run, plus EC2 `DryRun: true` probes for permissions, and a
// plan of what would be shared, copied and set. Nothing here changes AWS state.
import { CopyImageCommand, ModifyImageAttributeCommand } from '@aws-sdk/client-ec2'
import { describeError } from '../aws/errors.js'
import type { RunContext } from '../context.js'
import type { Fleet, FleetMember, Image } from '../types.js'
import {
  checkTargets,
  copyImageInput,
  copyKmsKey,
  copyTargets,
  nameConflicts,
  targetLabel,
  type TargetCheck
} from './copy.js'
import { checkEncryption } from './encryption.js'
import { error, settleFindings, type Finding } from './findings.js'
import { checkDeprecation, roundToMinute } from './lifecycle.js'
import { mapLimit } from './semaphore.js'
import {
  checkPublicSharing,
  copyShareSpec,
  planShareChange,
  readLaunchPermissions,
  sourceShareSpec,
  type ShareSpec
} from './share.js'

export async function planDistribution(ctx: RunContext, image: Image): Promise<Fleet> {
  const { config } = ctx
  const owned = image.ownerId === image.accountId
  const findings: Finding[] = []
  const check = async (what: string, run: () => Promise<Finding[]>): Promise<void> => {
    try {
      findings.push(...(await run()))
    } catch (e) {
      findings.push(error(`${what}: ${describeError(e)}`))
    }
  }

  // Roles first: the lookups in a copy account need them.
  const badRoles = new Set<string>()
  for (const account of config.copy.accounts) {
    try {
      await ctx.clients.checkRole(account)
    } catch (e) {
      badRoles.add(account.accountId)
      findings.push(error(`copy-accounts: cannot assume ${account.roleArn}: ${describeError(e)}`))
    }
  }
  const targets = copyTargets(config, image).filter((t) => !badRoles.has(t.accountId))

  await check('encryption check', () => checkEncryption(ctx, image, targets))
  findings.push(...checkDeprecation(ctx, image))
  if (config.share.public) {
    if (owned) {
      await check(`share-public check in ${image.region}`, () =>
        checkPublicSharing(
          ctx.clients.ec2(image.region),
          image.region,
          image.accountId,
          image.planned ? undefined : image.id,
          () => ctx.clients.serviceQuotas(image.region)
        )
      )
    }
    for (const t of targets) {
      await check(`share-public check in ${targetLabel(t)}`, () =>
        checkPublicSharing(
          ctx.clients.ec2(t.region, t.account),
          t.region,
          t.accountId,
          undefined,
          () => ctx.clients.serviceQuotas(t.region, t.account)
        )
      )
    }
  }
  // A planned image has no ID yet: the lineage lookup finds nothing, the name lookup still counts.
  const checks = await checkTargets(ctx, image, targets)
  for (const c of checks) if (c.error) findings.push(error(c.error))
  findings.push(...nameConflicts(ctx, image, checks))

  const sourceGrants = owned
    ? await planSourceShare(ctx, image, sourceShareSpec(config, image.ownerId), findings)
    : []
  const members: FleetMember[] = [
    {
      accountId: image.ownerId,
      region: image.region,
      imageId: image.id,
      name: image.name,
      role: 'source',
      state: image.planned ? 'planned' : 'available',
      reused: image.reused,
      snapshots: image.snapshots
    }
  ]
  planLifecycle(ctx, `${image.id} in ${image.region}`, owned, true)

  await mapLimit(checks, 8, async (c) => {
    if (c.error) return
    members.push(await planCopy(ctx, image, c, sourceGrants, findings))
  })
  settleFindings(ctx, findings)
  return { members }
}

async function planSourceShare(
  ctx: RunContext,
  image: Image,
  spec: ShareSpec,
  findings: Finding[]
): Promise<string[]> {
  const ec2 = ctx.clients.ec2(image.region)
  const current = image.planned
    ? { accounts: [], organizations: [], organizationalUnits: [], public: false }
    : await readLaunchPermissions(ec2, image.id)
  const change = planShareChange(current, spec)
  const text = (list: typeof change.add): string =>
    list.map((p) => p.UserId ?? p.OrganizationArn ?? p.OrganizationalUnitArn ?? 'public').join(', ')
  if (change.add.length)
    ctx.plan.push({
      phase: 'share',
      text: `Share ${image.id} in ${image.region} with ${text(change.add)}`
    })
  if (change.remove.length)
    ctx.plan.push({
      phase: 'share',
      text: `Remove launch permissions of ${text(change.remove)} from ${image.id} (sharing-mode: exact)`
    })
  if (spec.snapshotAccounts.length) {
    ctx.plan.push({
      phase: 'share',
      text: `Grant createVolumePermission on the snapshots of ${image.id} to ${spec.snapshotAccounts.join(', ')}`
    })
  }
  if (spec.mode === 'exact' && !image.planned) {
    ctx.plan.push({
      phase: 'share',
      text: `Remove createVolumePermission on the snapshots of ${image.id} from accounts not listed (sharing-mode: exact)`
    })
  }
  if (!image.planned && change.add.length + change.remove.length > 0) {
    const finding = await probe('ec2:ModifyImageAttribute', image.region, () =>
      ec2.send(
        new ModifyImageAttributeCommand({
          ImageId: image.id,
          LaunchPermission: {
            ...(change.add.length ? { Add: change.add } : {}),
            ...(change.remove.length ? { Remove: change.remove } : {})
          },
          DryRun: true
        })
      )
    )
    if (finding) findings.push(finding)
  }
  return current.accounts
}

async function planCopy(
  ctx: RunContext,
  image: Image,
  check: TargetCheck,
  /** Accounts that can already see the source: only they can probe CopyImage before the share. */
  sourceGrants: string[],
  findings: Finding[]
): Promise<FleetMember> {
  const { target, existing } = check
  const label = targetLabel(target)
  const member: FleetMember = {
    accountId: target.accountId,
    region: target.region,
    name: image.name,
    role: 'copy',
    state: 'planned',
    reused: false,
    snapshots: []
  }
  if (existing?.match === 'lineage') {
    member.imageId = existing.image.ImageId
    member.reused = true
    ctx.plan.push({
      phase: 'copy',
      text:
        existing.image.State === 'disabled'
          ? `Re-enable (EnableImage) and reuse ${existing.image.ImageId} in ${label}, a disabled copy of this AMI`
          : `Reuse ${existing.image.ImageId} in ${label}`
    })
  } else {
    // A name-only match is a conflict (nameConflicts), reported as a problem of the plan.
    const key = copyKmsKey(ctx.config, target.region)
    ctx.plan.push({
      phase: 'copy',
      text: `Copy ${image.id} to ${label}${key ? `, encrypted with ${key}` : ''}, tagged at creation`
    })
    const visible = !target.account || sourceGrants.includes(target.accountId)
    if (!image.planned && visible) {
      const ec2 = ctx.clients.ec2(target.region, target.account)
      const finding = await probe('ec2:CopyImage', label, () =>
        ec2.send(new CopyImageCommand({ ...copyImageInput(ctx, image, target), DryRun: true }))
      )
      if (finding) findings.push(finding)
    }
  }
  const spec = copyShareSpec(ctx.config, target.accountId)
  const sharing = [
    ...spec.accounts,
    ...spec.organizations,
    ...spec.organizationalUnits,
    ...(spec.public ? ['public'] : [])
  ]
  if (sharing.length)
    ctx.plan.push({ phase: 'share', text: `Share the copy in ${label} with ${sharing.join(', ')}` })
  planLifecycle(ctx, `the copy in ${label}`, true, target.accountId === image.accountId)
  return member
}

function planLifecycle(ctx: RunContext, what: string, owned: boolean, ssm: boolean): void {
  const c = ctx.config
  const parts = [
    owned && c.deprecateAt ? `deprecate at ${roundToMinute(c.deprecateAt).toISOString()}` : '',
    owned && c.deregistrationProtection ? 'turn on deregistration protection' : '',
    ssm && c.ssmParameter ? `set SSM parameter ${c.ssmParameter}` : ''
  ].filter(Boolean)
  if (parts.length) ctx.plan.push({ phase: 'lifecycle', text: `For ${what}: ${parts.join(', ')}` })
}

/** EC2 DryRun: DryRunOperation means it would succeed; UnauthorizedOperation means a missing permission. */
async function probe(
  permission: string,
  where: string,
  send: () => Promise<unknown>
): Promise<Finding | undefined> {
  try {
    await send()
    return undefined
  } catch (e) {
    const name = (e as { name?: string }).name
    if (name === 'DryRunOperation') return undefined
    if (name === 'UnauthorizedOperation') {
      return error(`Missing permission ${permission} in ${where}: ${describeError(e)}`)
    }
    return error(`${permission} in ${where} would fail: ${describeError(e)}`)
  }
}
