// Retire old versions of the family in every (account, region) the family lives in: list, decide
// (prune/select.ts, pure), check references, deregister with snapshots, report.
//
// Failure policy: one version that cannot be deregistered (or one scope that cannot be listed)
// does not stop the others. Once every scope is done, the report is complete and the step fails
// with a PartialFailure that carries it, so the summary still shows what was pruned.
import { PruneCancelled } from './errors.js'
import type { EC2Client } from '@aws-sdk/client-ec2'
import { describeError } from './aws/errors.js'
import type { CopyAccount } from './config.js'
import type { RunContext } from './context.js'
import { listFamilyImages } from './prune/candidates.js'
import {
  AlreadyGone,
  deregisterVersion,
  predictOutcomes,
  type SnapshotOutcome
} from './prune/deregister.js'
import { createPacer, DEREGISTER_PACE, DESCRIBE_PACE } from './prune/pacer.js'
import { mapBounded } from './pool.js'
import { DISABLE_PACE, disableVersion, TAG_PACE } from './prune/disable.js'
import { gatherFacts } from './prune/facts.js'
import type { RetireOptions } from './prune/guards.js'
import {
  readRetentionRules,
  recoverability,
  ruleTagKeys,
  type RecycleRules
} from './prune/recycle-bin.js'
import { describeConsumerUse } from './prune/usage-reports.js'
import {
  FAMILY_TAG,
  selectVersions,
  type Candidate,
  type Decision,
  type SelectOptions
} from './prune/select.js'
import { uniqueGiB, type SnapshotSize } from './prune/storage.js'
import {
  PartialFailure,
  type DisabledVersion,
  type Fleet,
  type LaunchPermissions,
  type Image,
  type PlanItem,
  type PrunedVersion,
  type PruneReport,
  type SkippedVersion
} from './types.js'

/** DeregisterImage calls in flight per (account, region); the pacer sets the rate. */
export const PRUNE_CONCURRENCY = 4

interface PruneScope {
  accountId: string
  region: string
  /** Undefined for the build account. */
  account?: CopyAccount
}

interface ScopeOutcome {
  scope: PruneScope
  listed: boolean
  decisions: Decision[]
  pruned: PrunedVersion[]
  disabled: DisabledVersion[]
  /** Versions chosen for pruning that did not go (failure, already gone, cancelled). */
  notPruned: { decision: Decision; reason: string; failed: boolean }[]
  failures: string[]
  /** Why the family could not be listed here (then nothing else happened in this scope). */
  listError?: string
}

export async function prune(
  ctx: RunContext,
  image: Image,
  fleet: Fleet
): Promise<PruneReport | undefined> {
  const settings = ctx.config.prune
  if (!settings) return undefined
  // readConfig gives prune settings only with a family.
  const { family } = settings
  const dryRun = ctx.config.dryRun || settings.dryRun
  const thisRun = thisRunIds(image, fleet)
  const retire: RetireOptions = settings.retire ?? { action: 'deregister' }
  const options: SelectOptions = {
    family,
    keep: settings.keep,
    olderThanMs: settings.olderThanMs,
    skipInUse: settings.skipInUse,
    now: ctx.now(),
    thisRun,
    retire,
    minAgeMs: ctx.config.timeoutMinutes * 60_000
  }
  const scopes = await pruneScopes(ctx, image)
  const outcomes = await Promise.all(
    scopes.map((scope) => pruneScope(ctx, scope, { image, fleet, options, dryRun }))
  )
  const report = buildReport(outcomes, dryRun)
  for (const item of planItems(report, outcomes)) ctx.plan.note(item.phase, item.text, item)
  const failures = outcomes.flatMap((o) => o.failures)
  if (failures.length > 0 && ctx.config.dryRun) {
    // A dry run reports what the real run would hit in its plan (and fails there), never
    // halfway: the summary still shows every other scope.
    for (const item of dryRunProblems(outcomes)) ctx.plan.note(item.phase, item.text, item)
  } else if (failures.length > 0) {
    throw new PartialFailure(
      `Pruning failed for ${failures.length} version or region${failures.length === 1 ? '' : 's'}; ` +
        'everything else was pruned as the summary shows, and a re-run retries what is left.\n' +
        failures.map((f) => `- ${f}`).join('\n'),
      fleet,
      report
    )
  }
  if (ctx.signal.aborted) {
    throw new PartialFailure(
      'Pruning was cancelled; the summary lists what was pruned.',
      fleet,
      report
    )
  }
  return report
}

/** Build account and every copy account, each in the build region and every copy region. */
async function pruneScopes(ctx: RunContext, image: Image): Promise<PruneScope[]> {
  const regions = [...new Set([ctx.config.region, ...ctx.config.copy.regions])]
  const buildAccount = image.accountId || (await ctx.clients.buildAccountId())
  const scopes: PruneScope[] = regions.map((region) => ({ accountId: buildAccount, region }))
  const seen = new Set([buildAccount])
  for (const account of ctx.config.copy.accounts) {
    if (seen.has(account.accountId)) continue
    seen.add(account.accountId)
    for (const region of regions) scopes.push({ accountId: account.accountId, region, account })
  }
  return scopes
}

/** The image and every fleet member: never pruned, wherever they are. */
export function thisRunIds(image: Image, fleet: Fleet): Set<string> {
  const ids = new Set<string>()
  if (image.id) ids.add(image.id)
  for (const member of fleet.members) if (member.imageId) ids.add(member.imageId)
  return ids
}

/**
 * This run's AMIs in a scope, as candidates, for those the listing did not return (not yet
 * visible, or planned in a dry run): they still take their place among the newest `keep`.
 */
function thisRunCandidates(
  ctx: RunContext,
  scope: PruneScope,
  image: Image,
  fleet: Fleet,
  family: string
): Candidate[] {
  const found: Candidate[] = []
  const add = (
    imageId: string,
    name: string,
    state: string,
    snapshots: SnapshotSize[],
    created?: Date
  ): void => {
    if (found.some((c) => c.imageId === imageId)) return
    found.push({
      accountId: scope.accountId,
      region: scope.region,
      imageId,
      name,
      ownerId: scope.accountId,
      state,
      creationDate: created ?? ctx.now(),
      tags: { [FAMILY_TAG]: family },
      snapshots: snapshots.map(({ id, sizeGiB }) => ({ id, sizeGiB }))
    })
  }
  if (image.id && image.accountId === scope.accountId && image.region === scope.region) {
    add(
      image.id,
      image.name,
      image.planned ? 'planned' : 'available',
      image.snapshots,
      image.creationDate
    )
  }
  for (const m of fleet.members) {
    if (m.imageId && m.accountId === scope.accountId && m.region === scope.region) {
      add(m.imageId, m.name, m.state, m.snapshots)
    }
  }
  return found
}

async function pruneScope(
  ctx: RunContext,
  scope: PruneScope,
  run: { image: Image; fleet: Fleet; options: SelectOptions; dryRun: boolean }
): Promise<ScopeOutcome> {
  const where = `${scope.accountId}/${scope.region}`
  const outcome: ScopeOutcome = {
    scope,
    listed: false,
    decisions: [],
    pruned: [],
    disabled: [],
    notPruned: [],
    failures: []
  }
  const ec2 = ctx.clients.ec2(scope.region, scope.account)
  const pace = (rate: { capacity: number; refillPerSecond: number }): (() => Promise<void>) =>
    createPacer({ ...rate, now: () => ctx.now().getTime(), sleep: (ms) => ctx.sleep(ms) })

  const retire = run.options.retire ?? { action: 'deregister' }
  // EC2's shared mutating bucket: DisableImage and the usage reports draw from the same one.
  const paceMutating = pace(DISABLE_PACE)
  // Recycle Bin rules, read before the listing: their tags are kept of every version.
  const deregisters =
    retire.action === 'deregister' || retire.deregisterDisabledAfterMs !== undefined
  let rules: RecycleRules | undefined
  if (deregisters) {
    try {
      rules = await readRetentionRules(await ctx.clients.rbin(scope.region, scope.account))
    } catch (error) {
      ctx.warn(
        `Prune in ${where}: the Recycle Bin rules could not be read (rbin:ListRules, rbin:GetRule), so recoverability is unknown` +
          `${retire.requireRecycleBin ? ' and nothing there is deregistered (prune-require-recycle-bin)' : ''}: ${describeError(error)}`
      )
    }
  }

  let candidates: Candidate[]
  try {
    candidates = await listFamilyImages(
      ec2,
      scope,
      run.options.family,
      rules ? ruleTagKeys(rules) : undefined
    )
  } catch (error) {
    outcome.listError = describeError(error)
    outcome.failures.push(`listing the family in ${where} failed: ${outcome.listError}`)
    return outcome
  }
  outcome.listed = true
  const listedIds = new Set(candidates.map((c) => c.imageId))
  for (const c of thisRunCandidates(ctx, scope, run.image, run.fleet, run.options.family)) {
    if (!listedIds.has(c.imageId)) candidates.push(c)
  }

  // Only versions that every other rule would let go need the (paced) lookups of the guards.
  const bare: SelectOptions = {
    ...run.options,
    skipInUse: false,
    retire: { action: retire.action, deregisterDisabledAfterMs: retire.deregisterDisabledAfterMs }
  }
  const eligible = selectVersions(candidates, bare).filter((d) => d.verdict === 'prune')
  let permissions = new Map<string, LaunchPermissions>()
  if (
    run.options.skipInUse ||
    retire.unusedForMs !== undefined ||
    rules ||
    retire.action === 'disable'
  ) {
    const gathered = await gatherFacts(
      ctx,
      {
        ec2,
        autoScaling: () => ctx.clients.autoScaling(scope.region, scope.account),
        ...(rules && { rules }),
        where,
        paceRead: pace(DESCRIBE_PACE),
        paceWrite: paceMutating,
        dryRun: run.dryRun,
        skipInUse: run.options.skipInUse,
        unusedFor: retire.unusedForMs !== undefined,
        readPermissions: retire.action === 'disable'
      },
      candidates,
      eligible
    )
    candidates = gathered.candidates
    permissions = gathered.permissions
  }

  outcome.decisions = selectVersions(candidates, run.options)
  const chosen = outcome.decisions.filter((d) => d.verdict === 'prune')
  const toDisable = chosen.filter((d) => d.action === 'disable')
  const toDeregister = chosen.filter((d) => d.action !== 'disable')
  const disabledVersion = (d: Decision): DisabledVersion => ({
    accountId: d.candidate.accountId,
    region: d.candidate.region,
    imageId: d.candidate.imageId,
    name: d.candidate.name,
    creationDate: d.candidate.creationDate,
    ...(permissions.has(d.candidate.imageId) && {
      launchPermissions: permissions.get(d.candidate.imageId)
    }),
    ...usageOf(d.candidate)
  })
  if (run.dryRun) {
    const remaining = outcome.decisions.filter((d) => d.verdict !== 'prune').map((d) => d.candidate)
    const predicted = predictOutcomes(
      toDeregister.map((d) => d.candidate),
      [...remaining, ...toDisable.map((d) => d.candidate)]
    )
    for (const d of toDeregister)
      outcome.pruned.push(prunedVersion(ctx, d.candidate, predicted.get(d.candidate.imageId) ?? []))
    for (const d of toDisable) outcome.disabled.push(disabledVersion(d))
  } else {
    await disableAll(ctx, ec2, toDisable, outcome, paceMutating, pace(TAG_PACE), disabledVersion)
    await deregisterAll(ctx, ec2, toDeregister, outcome, pace(DEREGISTER_PACE))
  }
  warnRecycleBin(ctx, outcome)
  ctx.log.info(
    `Prune ${where}: ${chosen.length} ${run.dryRun ? 'would be retired' : 'chosen'} ` +
      `(${toDisable.length} to disable), ` +
      `${outcome.decisions.filter((d) => d.verdict === 'keep').length} kept, ` +
      `${outcome.decisions.filter((d) => d.verdict === 'skip').length} skipped`
  )
  return outcome
}

async function deregisterAll(
  ctx: RunContext,
  ec2: EC2Client,
  chosen: Decision[],
  outcome: ScopeOutcome,
  pace: () => Promise<void>
): Promise<void> {
  const results = await mapBounded(chosen, PRUNE_CONCURRENCY, async (decision) => {
    if (ctx.signal.aborted) throw new PruneCancelled()
    await pace()
    if (ctx.signal.aborted) throw new PruneCancelled()
    return deregisterVersion(ec2, decision.candidate)
  })
  results.forEach((result, index) => {
    const decision = chosen[index]
    if (result.ok) {
      outcome.pruned.push(prunedVersion(ctx, decision.candidate, result.value))
      return
    }
    notRetired(ctx, outcome, decision, result.error, 'pruned', 'DeregisterImage')
  })
}

async function disableAll(
  ctx: RunContext,
  ec2: EC2Client,
  chosen: Decision[],
  outcome: ScopeOutcome,
  pace: () => Promise<void>,
  paceTag: () => Promise<void>,
  record: (d: Decision) => DisabledVersion
): Promise<void> {
  const where = `${outcome.scope.accountId}/${outcome.scope.region}`
  const results = await mapBounded(chosen, PRUNE_CONCURRENCY, async (decision) => {
    if (ctx.signal.aborted) throw new PruneCancelled()
    await pace()
    if (ctx.signal.aborted) throw new PruneCancelled()
    return disableVersion(ec2, decision.candidate.imageId, ctx.now(), paceTag)
  })
  results.forEach((result, index) => {
    const decision = chosen[index]
    const id = decision.candidate.imageId
    if (result.ok) {
      outcome.disabled.push(record(decision))
      if (!result.value.tagged) {
        ctx.warn(
          `Prune: ${id} in ${where} was disabled but could not be tagged ami-share-action:disabled-at (needs ec2:CreateTags), so prune-deregister-disabled-after will never deregister it: ${describeError(result.value.tagError)}`
        )
      }
      return
    }
    notRetired(ctx, outcome, decision, result.error, 'disabled', 'DisableImage')
  })
}

/** Why a chosen version was not deregistered or disabled: gone already, cancelled, or failed. */
function notRetired(
  ctx: RunContext,
  outcome: ScopeOutcome,
  decision: Decision,
  error: unknown,
  done: 'pruned' | 'disabled',
  call: string
): void {
  if (error instanceof AlreadyGone) {
    outcome.notPruned.push({
      decision,
      reason: `already deregistered (${error.code}), probably by a concurrent run`,
      failed: false
    })
  } else if (error instanceof PruneCancelled || ctx.signal.aborted) {
    outcome.notPruned.push({
      decision,
      reason: `not ${done}: the job was cancelled`,
      failed: false
    })
  } else {
    const message = describeError(error)
    outcome.notPruned.push({ decision, reason: `${call} failed: ${message}`, failed: true })
    const where = `${outcome.scope.accountId}/${outcome.scope.region}`
    outcome.failures.push(`${decision.candidate.imageId} in ${where}: ${message}`)
  }
}

/** Where the Recycle Bin keeps an AMI but not (as long) its snapshots, a restore would be empty. */
function warnRecycleBin(ctx: RunContext, outcome: ScopeOutcome): void {
  for (const v of outcome.pruned) {
    const c = outcome.decisions.find((d) => d.candidate.imageId === v.imageId)?.candidate
    const { warning } = recoverability(c?.retire?.recycleBin, ctx.now())
    if (warning) ctx.warn(`Prune: ${v.imageId} in ${v.accountId}/${v.region}: ${warning}`)
  }
}

function usageOf(candidate: Candidate): { usage?: string } {
  const usage = describeConsumerUse(candidate.retire?.consumers)
  return usage ? { usage } : {}
}

function prunedVersion(
  ctx: RunContext,
  candidate: Candidate,
  snapshots: SnapshotOutcome[]
): PrunedVersion {
  return {
    accountId: candidate.accountId,
    region: candidate.region,
    imageId: candidate.imageId,
    name: candidate.name,
    creationDate: candidate.creationDate,
    snapshots,
    recycleBin: recoverability(candidate.retire?.recycleBin, ctx.now()).text,
    ...usageOf(candidate)
  }
}

function buildReport(outcomes: ScopeOutcome[], dryRun: boolean): PruneReport {
  const report: PruneReport = {
    dryRun,
    examined: [],
    pruned: [],
    disabled: [],
    skipped: [],
    kept: [],
    freedGiB: 0,
    keptGiB: 0
  }
  const stillStored: SnapshotSize[] = []
  const freed: SnapshotSize[] = []
  const skippedVersion = (c: Candidate, reason: string): SkippedVersion => ({
    accountId: c.accountId,
    region: c.region,
    imageId: c.imageId,
    name: c.name,
    creationDate: c.creationDate,
    reason
  })
  for (const outcome of outcomes) {
    if (outcome.listed)
      report.examined.push({ accountId: outcome.scope.accountId, region: outcome.scope.region })
    for (const d of outcome.decisions) {
      const c = d.candidate
      if (d.verdict === 'keep')
        report.kept.push({ accountId: c.accountId, region: c.region, imageId: c.imageId })
      if (d.verdict === 'skip') report.skipped.push(skippedVersion(c, d.reason))
      if (d.familyVersion && d.verdict !== 'prune') stillStored.push(...c.snapshots)
    }
    for (const { decision, reason } of outcome.notPruned) {
      report.skipped.push(skippedVersion(decision.candidate, reason))
      stillStored.push(...decision.candidate.snapshots)
    }
    for (const version of outcome.disabled) {
      report.disabled!.push(version)
      // Disabled, not deleted: its snapshots are still stored.
      const c = outcome.decisions.find((d) => d.candidate.imageId === version.imageId)?.candidate
      stillStored.push(...(c?.snapshots ?? []))
    }
    for (const version of outcome.pruned) {
      report.pruned.push(version)
      for (const s of version.snapshots) (s.deleted ? freed : stillStored).push(s)
    }
  }
  const freedIds = new Set(freed.map((s) => s.id))
  report.freedGiB = uniqueGiB(freed)
  report.keptGiB = uniqueGiB(stillStored.filter((s) => !freedIds.has(s.id)))
  return report
}

/**
 * Dry run: every failure as a plan problem. Listing failures with the same reason in one account
 * become one line naming the regions: a role that cannot be assumed fails them all alike.
 */
function dryRunProblems(outcomes: ScopeOutcome[]): PlanItem[] {
  const listing = new Map<string, { accountId: string; reason: string; regions: string[] }>()
  const others: string[] = []
  for (const o of outcomes) {
    if (o.listError === undefined) {
      others.push(...o.failures)
      continue
    }
    const key = `${o.scope.accountId}\n${o.listError}`
    const group = listing.get(key) ?? {
      accountId: o.scope.accountId,
      reason: o.listError,
      regions: []
    }
    group.regions.push(o.scope.region)
    listing.set(key, group)
  }
  const lines = [
    ...[...listing.values()].map(
      (g) =>
        `listing the family in account ${g.accountId} (${g.regions.join(', ')}) failed: ${g.reason}`
    ),
    ...others
  ]
  return lines.map((line) => ({ phase: 'prune', text: `Pruning: ${line}`, problem: true }))
}

function planItems(report: PruneReport, outcomes: ScopeOutcome[]): PlanItem[] {
  const items: PlanItem[] = report.pruned.map((v) => {
    const snapshots = v.snapshots
      .map(
        (s) =>
          `${s.id} (${s.sizeGiB} GiB${s.deleted ? '' : `, kept: ${s.reason ?? 'not deleted'}`})`
      )
      .join(', ')
    return {
      phase: 'prune' as const,
      text:
        `Would deregister ${v.imageId} (${v.name}) in ${v.accountId}/${v.region}` +
        (snapshots ? ` and delete its snapshots ${snapshots}` : '') +
        (v.recycleBin ? `; Recycle Bin: ${v.recycleBin}` : '') +
        (v.usage ? `; ${v.usage}` : ''),
      calls: [{ action: 'ec2:DeregisterImage', accountId: v.accountId, region: v.region }]
    }
  })
  for (const v of report.disabled ?? []) {
    items.push({
      phase: 'prune',
      text:
        `Would disable ${v.imageId} (${v.name}) in ${v.accountId}/${v.region}` +
        (v.launchPermissions
          ? `, removing its launch permissions (${describePermissions(v.launchPermissions)})`
          : '') +
        (v.usage ? `; ${v.usage}` : ''),
      calls: [
        { action: 'ec2:DisableImage', accountId: v.accountId, region: v.region },
        { action: 'ec2:CreateTags', accountId: v.accountId, region: v.region }
      ]
    })
  }
  for (const outcome of outcomes) {
    if (!outcome.listed) continue
    if (outcome.pruned.length + outcome.disabled.length === 0) {
      items.push({
        phase: 'prune',
        text: `Nothing to prune in ${outcome.scope.accountId}/${outcome.scope.region}`
      })
    }
  }
  return items
}

/** "accounts 444455556666; public" / "none". */
export function describePermissions(p: LaunchPermissions): string {
  const parts = [
    ...(p.accounts.length ? [`accounts ${p.accounts.join(', ')}`] : []),
    ...(p.organizations.length ? [`organizations ${p.organizations.join(', ')}`] : []),
    ...(p.organizationalUnits.length ? [`OUs ${p.organizationalUnits.join(', ')}`] : []),
    ...(p.public ? ['public'] : [])
  ]
  return parts.length ? parts.join('; ') : 'none'
}
