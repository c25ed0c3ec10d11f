// Use of a version in the accounts it is shared with, from an image usage report (EC2 User Guide,
// "View your AMI usage"; API CreateImageUsageReport, DescribeImageUsageReports,
// DescribeImageUsageReportEntries, DeleteImageUsageReport). Reports are asynchronous: a report of
// the same AMI from the last 24 hours is reused, a new one is waited for up to a bound, and the
// reports this run created are deleted once read. Whatever cannot be established keeps the
// version ("usage unknown"); a dry run never creates one (it is a write).
import {
  CreateImageUsageReportCommand,
  DeleteImageUsageReportCommand,
  DescribeImageUsageReportsCommand,
  paginateDescribeImageUsageReportEntries,
  type EC2Client,
  type ImageUsageReport
} from '@aws-sdk/client-ec2'
import { describeError, errorCode } from '../aws/errors.js'
import type { RunContext } from '../context.js'
import type { LaunchPermissions } from '../types.js'
import type { ConsumerUse } from './guards.js'
import { mapBounded } from '../pool.js'

export const USAGE_RESOURCE_TYPES = ['ec2:Instance', 'ec2:LaunchTemplate']
/** A report younger than this answers for the AMI (the issue's reuse window). */
export const REUSE_WINDOW_MS = 24 * 3_600_000
/** Longest wait for one report; AWS gives no figure, reports usually take minutes. */
export const USAGE_REPORT_TIMEOUT_MS = 15 * 60_000
/** Reports in flight per (account, region). */
export const USAGE_REPORT_CONCURRENCY = 10
/** CreateImageUsageReport takes at most 200 account IDs; more (or orgs, OUs, public): all accounts. */
const MAX_REPORT_ACCOUNTS = 200
export const RUN_TAG = 'ami-share-action:run'

export interface UsageQuery {
  imageId: string
  ownerId: string
  permissions: LaunchPermissions
}

export interface UsageOptions {
  dryRun: boolean
  /** Resolves when the caller may send the next Describe* / mutating request. */
  paceRead: () => Promise<void>
  paceWrite: () => Promise<void>
}

/** The accounts to ask about: undefined means every account (organization, OU or public). */
export function reportAccounts(q: UsageQuery): string[] | undefined | 'none' {
  const p = q.permissions
  const others = p.accounts.filter((a) => a !== q.ownerId)
  if (p.public || p.organizations.length || p.organizationalUnits.length) return undefined
  if (others.length === 0) return 'none'
  return others.length > MAX_REPORT_ACCOUNTS ? undefined : others
}

export async function consumerUse(
  ctx: RunContext,
  ec2: EC2Client,
  queries: readonly UsageQuery[],
  options: UsageOptions
): Promise<Map<string, ConsumerUse>> {
  const out = new Map<string, ConsumerUse>()
  let denied: string | undefined
  const results = await mapBounded(queries, USAGE_REPORT_CONCURRENCY, async (q) => {
    const accounts = reportAccounts(q)
    if (accounts === 'none') return { status: 'not-shared' } as ConsumerUse
    return oneImage(ctx, ec2, q, accounts, options, (reason) => (denied = reason))
  })
  const failures = new Set<string>()
  results.forEach((r, i) => {
    if (!r.ok) failures.add(describeError(r.error).split('\n')[0])
    out.set(
      queries[i].imageId,
      r.ok ? r.value : { status: 'unknown', reason: describeError(r.error).split('\n')[0] }
    )
  })
  for (const reason of failures) {
    ctx.warn(
      `Prune: an image usage report could not be read, so the versions it was for are kept ("usage unknown"): ${reason}`
    )
  }
  if (denied) {
    ctx.warn(
      `Prune: CreateImageUsageReport was denied, so versions shared with other accounts were kept ("usage unknown"). Allow ec2:CreateImageUsageReport (and ec2:DescribeImageUsageReports, ec2:DescribeImageUsageReportEntries, ec2:DeleteImageUsageReport), see the README's prune policy. AWS said: ${denied}`
    )
  }
  return out
}

async function oneImage(
  ctx: RunContext,
  ec2: EC2Client,
  q: UsageQuery,
  accounts: string[] | undefined,
  options: UsageOptions,
  onDenied: (reason: string) => void
): Promise<ConsumerUse> {
  await options.paceRead()
  const { ImageUsageReports = [] } = await ec2.send(
    new DescribeImageUsageReportsCommand({ ImageIds: [q.imageId] })
  )
  let report = reusable(ImageUsageReports, accounts, ctx.now())
  let created: string | undefined
  if (!report) {
    if (options.dryRun) {
      return {
        status: 'not-checked',
        reason: 'consumer usage not checked in a dry run (CreateImageUsageReport is a write)'
      }
    }
    await options.paceWrite()
    try {
      const { ReportId } = await ec2.send(
        new CreateImageUsageReportCommand({
          ImageId: q.imageId,
          ResourceTypes: USAGE_RESOURCE_TYPES.map((ResourceType) => ({ ResourceType })),
          ...(accounts && { AccountIds: accounts }),
          TagSpecifications: [
            { ResourceType: 'image-usage-report', Tags: [{ Key: RUN_TAG, Value: ctx.runId }] }
          ]
        })
      )
      created = ReportId
    } catch (error) {
      if (/^(UnauthorizedOperation|AccessDenied)/.test(errorCode(error) ?? '')) {
        onDenied(describeError(error).split('\n')[0])
        return {
          status: 'unknown',
          reason: 'CreateImageUsageReport was denied (needs ec2:CreateImageUsageReport)'
        }
      }
      throw error
    }
    if (!created) return { status: 'unknown', reason: 'CreateImageUsageReport returned no ID' }
    report = { ReportId: created, State: 'pending' }
  }
  try {
    const ready = await waitAvailable(ctx, ec2, report, options)
    if (!ready) {
      return {
        status: 'unknown',
        reason: `image usage report ${report.ReportId} did not finish within ${USAGE_REPORT_TIMEOUT_MS / 60_000} minutes`
      }
    }
    return await readEntries(ec2, q, report.ReportId!, options)
  } finally {
    if (created) await deleteReport(ctx, ec2, created, options)
  }
}

/** A report of this AMI from the last 24 hours that covers the accounts asked about. */
function reusable(
  reports: readonly ImageUsageReport[],
  accounts: string[] | undefined,
  now: Date
): ImageUsageReport | undefined {
  const fits = (r: ImageUsageReport): boolean => {
    const age = now.getTime() - (r.CreationTime?.getTime() ?? 0)
    if (age > REUSE_WINDOW_MS || !r.ReportId) return false
    if (r.State !== 'available' && r.State !== 'pending') return false
    const types = new Set((r.ResourceTypes ?? []).map((t) => t.ResourceType))
    if (!USAGE_RESOURCE_TYPES.every((t) => types.has(t))) return false
    const asked = r.AccountIds ?? []
    // A report of every account answers for any; one of some accounts only for those.
    return (
      asked.length === 0 || (accounts !== undefined && accounts.every((a) => asked.includes(a)))
    )
  }
  return [...reports]
    .filter(fits)
    .sort((a, b) => (b.CreationTime?.getTime() ?? 0) - (a.CreationTime?.getTime() ?? 0))[0]
}

async function waitAvailable(
  ctx: RunContext,
  ec2: EC2Client,
  report: ImageUsageReport,
  options: UsageOptions
): Promise<boolean> {
  const deadline = ctx.now().getTime() + USAGE_REPORT_TIMEOUT_MS
  let state = report.State
  while (state !== 'available') {
    if (state !== 'pending' && state !== undefined) {
      throw new Error(
        `image usage report ${report.ReportId} is ${state}${report.StateReason ? `: ${report.StateReason}` : ''}`
      )
    }
    if (ctx.now().getTime() >= deadline) return false
    await ctx.sleep(ctx.config.pollIntervalMs)
    await options.paceRead()
    const { ImageUsageReports = [] } = await ec2.send(
      new DescribeImageUsageReportsCommand({ ReportIds: [report.ReportId!] })
    )
    state = ImageUsageReports[0]?.State
    report = ImageUsageReports[0] ?? report
  }
  return true
}

async function readEntries(
  ec2: EC2Client,
  q: UsageQuery,
  reportId: string,
  options: UsageOptions
): Promise<ConsumerUse> {
  const uses: { accountId: string; resourceType: string; count: number }[] = []
  await options.paceRead()
  for await (const page of paginateDescribeImageUsageReportEntries(
    { client: ec2 },
    { ReportIds: [reportId] }
  )) {
    for (const e of page.ImageUsageReportEntries ?? []) {
      // The owner's own use is DescribeImageReferences' business.
      if (!e.AccountId || e.AccountId === q.ownerId || !e.UsageCount) continue
      uses.push({
        accountId: e.AccountId,
        resourceType: e.ResourceType ?? 'unknown',
        count: e.UsageCount
      })
    }
  }
  return uses.length ? { status: 'used', reportId, uses } : { status: 'unused', reportId }
}

async function deleteReport(
  ctx: RunContext,
  ec2: EC2Client,
  reportId: string,
  options: UsageOptions
): Promise<void> {
  try {
    await options.paceWrite()
    await ec2.send(new DeleteImageUsageReportCommand({ ReportId: reportId }))
  } catch (error) {
    ctx.warn(
      `Prune: the image usage report ${reportId} this run created could not be deleted (EC2 deletes it after 30 days): ${describeError(error)}`
    )
  }
}

/** The summary's words for a verdict. */
export function describeConsumerUse(use: ConsumerUse | undefined): string | undefined {
  switch (use?.status) {
    case undefined:
      return undefined
    case 'not-shared':
      return 'not shared with other accounts'
    case 'unused':
      return `no use in consumer accounts (report ${use.reportId})`
    case 'used':
      return `used in ${use.uses.map((u) => `${u.accountId} (${u.count} ${u.resourceType})`).join(', ')}`
    case 'unknown':
      return `usage unknown: ${use.reason}`
    case 'not-checked':
      return use.reason
  }
}
