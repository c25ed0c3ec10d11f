// Sections of the report, shared by the job summary and the PR comment. Each returns Markdown
// blocks (paragraphs, tables, lists: kept apart so truncation can cut between them). Untrusted
// strings are escaped here, at the point of use.
import { sourceMember } from '../fleet.js'
import { sourceShareSpec } from '../image/share.js'
import type { Config } from '../config.js'
import type {
  ExecutionReport,
  FleetMember,
  LaunchPermissions,
  PlanItem,
  PruneReport,
  Result
} from '../types.js'
import {
  SNAPSHOT_USD_PER_GB_MONTH,
  amiLink,
  between,
  date,
  duration,
  gib,
  monthlyCost,
  runUrl
} from './format.js'
import { cell, codeBlock, link, list, table, text } from './markdown.js'
import { adoptedHow, provenanceParts } from './provenance.js'

/** The first line of the error, for headlines; the whole message goes in failureSection. */
export function headline(result: Result, level: string): string {
  if (result.error) return `${level} ❌ Failed: ${text(firstLine(result.error))}`
  if (result.plan) return `${level} 🧪 Dry run: plan`
  const image = result.image
  if (!image) return `${level} ✅ Done`
  return `${level} ✅ AMI ${amiLink(image.region, image.id)}: ${text(image.name)}`
}

/** One paragraph: where, from what, how long, and the dry-run verdict. */
export function lead(config: Config, result: Result): string {
  const parts: string[] = []
  const image = result.image
  if (image && !image.planned) {
    const how =
      adoptedHow(image) ??
      (image.reused
        ? 'reused (if-exists: reuse)'
        : {
            automation: 'built by a runbook',
            instance: 'created from an instance',
            existing: 'adopted'
          }[image.source])
    parts.push(`${cell(image.id)} in ${cell(image.region)}, ${how}, owner ${cell(image.ownerId)}.`)
    if (image.description) parts.push(`Description: ${text(image.description)}.`)
    if (image.buildMs !== undefined) parts.push(`Build: ${duration(image.buildMs)}.`)
  }
  if (image) parts.push(...provenanceParts(image))
  if (result.plan) {
    const problems = result.plan.filter((p) => p.problem).length
    parts.push(
      problems === 0
        ? 'Nothing was changed. The read-only checks found no problem.'
        : `Nothing was changed. **${problems} problem${problems === 1 ? '' : 's'}** the real run would hit (marked ⚠️ below); this step fails so that the check shows ${problems === 1 ? 'it' : 'them'}.`
    )
  }
  if (!image || image.planned) parts.push(`Build region ${cell(config.region)}.`)
  parts.push(`Run time ${duration(between(result.startedAt, result.finishedAt))}.`)
  return parts.join(' ')
}

/** Every AMI of this run by account and region (or the build-region AMI alone). */
export function fleetTable(result: Result, compact: boolean): string[] {
  const members = fleetMembers(result)
  if (members.length === 0) return []
  const headers = compact
    ? ['Account', 'Region', 'AMI', 'State', 'Shared with', 'Deprecation']
    : [
        'Account',
        'Region',
        'AMI',
        'State',
        'Copy duration',
        'Shared with',
        'Deprecation',
        'Protected'
      ]
  const rows = members.map((m) => {
    const state = [m.state, m.role === 'source' ? 'source' : '', m.reused ? 'reused' : '']
      .filter(Boolean)
      .join(', ')
    const row = [cell(m.accountId), cell(m.region), amiLink(m.region, m.imageId), cell(state)]
    if (!compact) row.push(m.role === 'copy' ? duration(m.durationMs) : '—')
    row.push(sharedSummary(m.sharedWith), date(m.deprecateAt))
    if (!compact) row.push(m.protected === undefined ? '—' : m.protected ? 'yes' : 'no')
    return row
  })
  return ['### AMIs by account and region', table(headers, rows)]
}

/** The launch permissions of the build-region AMI (or, in a dry run, what would be granted). */
export function permissionsSection(config: Config, result: Result): string[] {
  const source = fleetMembers(result).find((m) => m.role === 'source')
  // A dry run's source carries the grants the real run would make (copy-accounts included).
  const planned = Boolean(result.plan)
  const none = { accounts: [], organizations: [], organizationalUnits: [], public: false }
  // No share step ran (the plan stopped before it): what the source's share would grant.
  const perms: LaunchPermissions =
    source?.sharedWith ?? (planned ? sourceShareSpec(config, result.image?.ownerId ?? '') : none)
  const title = planned ? '### Launch permissions (would grant)' : '### Launch permissions'
  const rows: string[][] = [
    ...perms.accounts.map((id) => ['Account', cell(id)]),
    ...perms.organizations.map((id) => ['Organization', cell(id)]),
    ...perms.organizationalUnits.map((id) => ['Organizational unit', cell(id)])
  ]
  if (perms.public) rows.push(['Public', 'everyone'])
  if (rows.length === 0) return [title, 'Not shared: only the owner account can launch it.']
  const snapshots = config.share.snapshots
    ? ['The listed accounts may also create volumes from its snapshots (`share-snapshots`).']
    : []
  return [title, table(['Granted to', 'ID'], rows), ...snapshots]
}

/** The tags put on every AMI and snapshot produced (user tags and the family tag). */
export function tagsSection(config: Config): string[] {
  const entries = Object.entries(config.tags)
  if (entries.length === 0) return []
  const rows = entries.map(([key, value]) => [cell(key), cell(value)])
  return ['### Tags', table(['Key', 'Value'], rows)]
}

/** The runbook execution and its steps with status and duration. */
export function runbookSection(execution: ExecutionReport | undefined): string[] {
  if (!execution) return []
  const intro =
    `${cell(execution.document)}, execution ${cell(execution.id)}: ` +
    `**${cell(execution.status)}** in ${duration(between(execution.startTime, execution.endTime))}.`
  if (execution.steps.length === 0) return ['### Runbook', intro]
  const rows = execution.steps.map((step) => [
    cell(step.name),
    cell(step.action),
    cell(step.status),
    duration(between(step.startTime, step.endTime)),
    cell([step.failureMessage, step.failureDetails].filter(Boolean).join(' — '))
  ])
  return ['### Runbook', intro, table(['Step', 'Action', 'Status', 'Duration', 'Failure'], rows)]
}

/** Copies: how many, how long the slowest took, and every copy that did not finish. */
export function copiesSection(result: Result): string[] {
  const copies = fleetMembers(result).filter((m) => m.role === 'copy')
  if (copies.length === 0) return []
  const by = (state: FleetMember['state']): number => copies.filter((c) => c.state === state).length
  const counts = (['available', 'pending', 'failed', 'planned'] as const)
    .map((state) => [by(state), state] as const)
    .filter(([n]) => n > 0)
    .map(([n, state]) => `${n} ${state}`)
  const timed = copies.filter((c) => c.durationMs !== undefined)
  const slowest = timed.sort((a, b) => b.durationMs! - a.durationMs!)[0]
  const out = [
    `${copies.length} cop${copies.length === 1 ? 'y' : 'ies'}: ${counts.join(', ')}.` +
      (slowest
        ? ` Slowest: ${duration(slowest.durationMs)} (${cell(slowest.region)}, account ${cell(slowest.accountId)}).`
        : '')
  ]
  const unfinished = copies.filter((c) => c.state === 'failed' || c.state === 'pending' || c.error)
  if (unfinished.length > 0) {
    const rows = unfinished.map((c) => [
      cell(c.accountId),
      cell(c.region),
      amiLink(c.region, c.imageId),
      cell(c.state),
      duration(c.durationMs),
      cell(c.error)
    ])
    out.push(table(['Account', 'Region', 'AMI', 'State', 'Duration', 'Reason'], rows))
  }
  return ['### Copies', ...out]
}

/** Pruned (or would-be pruned) and skipped versions with reasons, and the storage they hold. */
export function pruneSection(
  prune: PruneReport | undefined,
  compact: boolean,
  wholeRunDry = false
): string[] {
  if (!prune) return []
  const dryRun = prune.dryRun || wholeRunDry
  const verb = dryRun ? 'Would prune' : 'Pruned'
  const blocks: string[] = [`### Pruning${dryRun ? ' (dry run: nothing deleted)' : ''}`]
  const storage =
    `${dryRun ? 'Would free' : 'Freed'} ${gib(prune.freedGiB)} of snapshots ` +
    `(≈ ${monthlyCost(prune.freedGiB)}); ${gib(prune.keptGiB)} kept (≈ ${monthlyCost(prune.keptGiB)}). ` +
    `Estimate at $${SNAPSHOT_USD_PER_GB_MONTH} per GB-month for standard snapshot storage; snapshots are incremental, so the ` +
    `real figure is usually lower.`
  const where = prune.examined.map((e) => `${e.accountId}/${e.region}`)
  blocks.push(
    `${verb} ${prune.pruned.length} version${prune.pruned.length === 1 ? '' : 's'}, ` +
      `skipped ${prune.skipped.length}, kept ${prune.kept.length} ` +
      `in ${where.length} account/region pair${where.length === 1 ? '' : 's'}. ${storage}`
  )
  if (prune.pruned.length > 0) {
    const rows = prune.pruned.map((v) => {
      const row = [cell(v.accountId), cell(v.region), amiLink(v.region, v.imageId), cell(v.name)]
      if (!compact) {
        row.push(date(v.creationDate))
        row.push(
          cell(
            v.snapshots
              .map((s) =>
                dryRun
                  ? `${s.id} (${s.sizeGiB} GiB)`
                  : `${s.id} (${s.sizeGiB} GiB) ${s.deleted ? 'deleted' : `kept${s.reason ? `: ${s.reason}` : ''}`}`
              )
              .join('; ')
          )
        )
      }
      row.push(dryRun ? 'would prune' : 'pruned')
      if (!compact) row.push(cell([v.recycleBin, v.usage].filter(Boolean).join('; ')))
      return row
    })
    const headers = compact
      ? ['Account', 'Region', 'AMI', 'Name', 'Result']
      : ['Account', 'Region', 'AMI', 'Name', 'Created', 'Snapshots', 'Result', 'Recovery, usage']
    blocks.push(table(headers, rows))
  }
  const disabled = prune.disabled ?? []
  if (disabled.length > 0) {
    const rows = disabled.map((v) => [
      cell(v.accountId),
      cell(v.region),
      amiLink(v.region, v.imageId),
      cell(v.name),
      cell(v.launchPermissions ? permissionsText(v.launchPermissions) : 'not read'),
      cell(v.usage ?? '')
    ])
    blocks.push(
      `${dryRun ? 'Would disable' : 'Disabled'} (prune-action: disable; snapshots kept; bring one back with \`ami-id:\` of it, which re-enables and re-shares it per the sharing inputs). ` +
        'DisableImage removed the launch permissions listed here and EnableImage does not restore them. ' +
        'Only available versions count toward prune-keep; disabled ones never do.',
      table(['Account', 'Region', 'AMI', 'Name', 'Launch permissions it had', 'Usage'], rows)
    )
  }
  if (prune.skipped.length > 0) {
    const rows = prune.skipped.map((v) => [
      cell(v.accountId),
      cell(v.region),
      amiLink(v.region, v.imageId),
      cell(v.name),
      cell(v.reason)
    ])
    blocks.push('Skipped:', table(['Account', 'Region', 'AMI', 'Name', 'Reason'], rows))
  }
  return blocks
}

function permissionsText(p: {
  accounts: string[]
  organizations: string[]
  organizationalUnits: string[]
  public: boolean
}): string {
  const parts = [
    ...p.accounts,
    ...p.organizations,
    ...p.organizationalUnits,
    ...(p.public ? ['public'] : [])
  ]
  return parts.length ? parts.join(', ') : 'none'
}

const PHASES: PlanItem['phase'][] = [
  'check',
  'build',
  'test',
  'share',
  'copy',
  'lifecycle',
  'promote',
  'prune'
]
const PHASE_TITLES: Record<PlanItem['phase'], string> = {
  check: 'Checks',
  build: 'Build',
  test: 'Test',
  share: 'Share',
  copy: 'Copy',
  lifecycle: 'Lifecycle',
  promote: 'Promote (SSM parameter, launch templates)',
  prune: 'Prune'
}

/** Dry run: what would happen, by phase, with the problems first and marked. */
export function planSection(plan: PlanItem[] | undefined): string[] {
  if (!plan) return []
  if (plan.length === 0) return ['### Plan', 'Nothing to do.']
  const blocks = ['### Plan']
  for (const phase of PHASES) {
    const items = plan.filter((p) => p.phase === phase)
    if (items.length === 0) continue
    const ordered = [...items.filter((p) => p.problem), ...items.filter((p) => !p.problem)]
    blocks.push(
      `**${PHASE_TITLES[phase]}**`,
      list(ordered.map((p) => (p.problem ? `⚠️ **Problem:** ${text(p.text)}` : text(p.text))))
    )
  }
  return blocks
}

export function warningsSection(warnings: string[]): string[] {
  if (warnings.length === 0) return []
  return ['### Warnings', list(warnings.map((w) => `⚠️ ${text(w)}`))]
}

/** On failure: the whole message, verbatim in a code block (it may span lines or hold a table). */
export function failureSection(result: Result): string[] {
  if (!result.error) return []
  return ['### What failed', codeBlock(result.error)]
}

export function runLink(env: NodeJS.ProcessEnv = process.env): string {
  const url = runUrl(env)
  return url ? `${link('Workflow run', url)} · ami-share-action` : 'ami-share-action'
}

/**
 * What exists in AWS although the run did not finish with it, and what to do: an AMI left half set
 * up, and copies still completing in AWS after a cancellation.
 */
export function leftInAwsSection(result: Result): string[] {
  const items: string[] = []
  if (result.image?.leftover) items.push(text(result.image.leftover))
  for (const m of fleetMembers(result)) {
    if (m.role !== 'copy' || m.state !== 'pending' || !m.imageId) continue
    items.push(
      text(
        `${m.imageId} in ${m.region} (account ${m.accountId}): ${m.error ?? 'still copying in AWS'}`
      )
    )
  }
  return items.length > 0 ? ['### Left in AWS', list(items)] : []
}

/** The fleet, or a single row for the build-region AMI when distribution never reported. */
export function fleetMembers(result: Result): FleetMember[] {
  const members = result.fleet?.members ?? []
  if (members.length > 0) {
    return [
      ...members.filter((m) => m.role === 'source'),
      ...members.filter((m) => m.role !== 'source')
    ]
  }
  const image = result.image
  if (!image) return []
  const member = sourceMember(image, image.ownerId || image.accountId)
  // A planned build has no AMI ID to show yet.
  const { imageId: _planned, ...withoutId } = member
  return [image.planned ? withoutId : member]
}

function sharedSummary(perms: LaunchPermissions | undefined): string {
  if (!perms) return '—'
  const parts: string[] = []
  const few = (ids: string[], noun: string): void => {
    if (ids.length === 0) return
    parts.push(ids.length <= 3 ? ids.map(cell).join(', ') : `${ids.length} ${noun}`)
  }
  few(perms.accounts, 'accounts')
  few(perms.organizations, 'organizations')
  few(perms.organizationalUnits, 'OUs')
  if (perms.public) parts.push('public')
  return parts.length === 0 ? 'not shared' : parts.join('; ')
}

function firstLine(message: string): string {
  const line = message.split(/\r?\n/).find((l) => l.trim() !== '') ?? message
  return line.length > 200 ? `${line.slice(0, 199)}…` : line
}
