// Image usage reports (API reference: CreateImageUsageReport, DescribeImageUsageReports,
// DescribeImageUsageReportEntries, DeleteImageUsageReport; user guide "View your AMI usage"):
// the owner asks which accounts use an AMI in instances and launch templates; the report is
// `pending`, then `available` after a simulated delay, and EC2 deletes it 30 days after creation.
// Counts are taken when the report is created, from every account's state in the image's region.
import { AwsError, type Caller, type Sim } from '../../types.js'
import { dryRunGate, ownedImage } from './access.js'
import { instancesUsingImage } from './instance-state.js'
import { versionsOf } from './launch-templates.js'
import {
  filters,
  globMatch,
  list,
  paginate,
  required,
  str,
  structs,
  tagSpecifications,
  type Params,
  type Tag
} from './params.js'
import { tagSet } from './render.js'
import { ec2State, setting } from './state.js'

const DAY = 86_400_000
const RESOURCE_TYPES = ['ec2:Instance', 'ec2:LaunchTemplate']
/** Launch templates: how many of the newest versions are checked unless `version-depth` says. */
const DEFAULT_VERSION_DEPTH = 20

interface Entry {
  accountId: string
  resourceType: string
  usageCount: number
}

interface Report {
  reportId: string
  accountId: string
  region: string
  imageId: string
  resourceTypes: { resourceType: string; options: { name: string; values: string[] }[] }[]
  accountIds: string[]
  creationTime: number
  readyAt: number
  tags: Tag[]
  entries: Entry[]
}

function reportsState(sim: Sim): Record<string, Report> {
  return (sim.state.ec2UsageReports ??= {}) as Record<string, Report>
}

function live(sim: Sim, caller: Caller): Report[] {
  const now = sim.clock.now()
  const all = reportsState(sim)
  for (const [id, r] of Object.entries(all)) if (now >= r.creationTime + 30 * DAY) delete all[id]
  return Object.values(all).filter(
    (r) => r.accountId === caller.accountId && r.region === caller.region
  )
}

function count(sim: Sim, report: Omit<Report, 'entries'>): Entry[] {
  const wanted = (a: string) => !report.accountIds.length || report.accountIds.includes(a)
  const entries: Entry[] = []
  for (const rt of report.resourceTypes) {
    const perAccount = new Map<string, number>()
    if (rt.resourceType === 'ec2:Instance') {
      for (const i of instancesUsingImage(sim, report.imageId))
        if (i.region === report.region && wanted(i.accountId))
          perAccount.set(i.accountId, (perAccount.get(i.accountId) ?? 0) + 1)
    } else {
      const depth = Number(
        rt.options.find((o) => o.name === 'version-depth')?.values[0] ?? DEFAULT_VERSION_DEPTH
      )
      for (const lt of Object.values(ec2State(sim).launchTemplates)) {
        if (lt.region !== report.region || !wanted(lt.accountId)) continue
        const newest = [...versionsOf(lt)]
          .sort((a, b) => b.versionNumber - a.versionNumber)
          .slice(0, depth)
        if (newest.some((v) => v.data.imageId === report.imageId))
          perAccount.set(lt.accountId, (perAccount.get(lt.accountId) ?? 0) + 1)
      }
    }
    for (const [accountId, usageCount] of perAccount)
      entries.push({ accountId, resourceType: rt.resourceType, usageCount })
  }
  return entries
}

export function createImageUsageReport(sim: Sim, caller: Caller, params: Params) {
  const img = ownedImage(sim, caller, required(params, 'ImageId'))
  const resourceTypes = structs(params, 'ResourceType').map((r) => ({
    resourceType: str(r, 'ResourceType') ?? '',
    options: structs(r, 'ResourceTypeOption').map((o) => ({
      name: str(o, 'OptionName') ?? '',
      values: list(o, 'OptionValue')
    }))
  }))
  if (!resourceTypes.length)
    throw new AwsError('MissingParameter', 'The request must contain the parameter ResourceType')
  for (const rt of resourceTypes) {
    if (!RESOURCE_TYPES.includes(rt.resourceType))
      throw new AwsError(
        'InvalidParameterValue',
        `The resource type '${rt.resourceType}' is not supported.`
      )
    for (const o of rt.options) {
      const depth = Number(o.values[0])
      if (o.name !== 'version-depth' || !Number.isInteger(depth) || depth < 1 || depth > 10_000)
        throw new AwsError(
          'InvalidParameterValue',
          `The resource type option '${o.name}' is not valid for ${rt.resourceType}.`
        )
    }
  }
  const accountIds = list(params, 'AccountId')
  if (accountIds.length > 200)
    throw new AwsError('InvalidParameterValue', 'You can specify up to 200 account IDs.')
  const specs = tagSpecifications(params, ['image-usage-report'])
  dryRunGate(params)
  const now = sim.clock.now()
  const base = {
    reportId: sim.newId('amiur'),
    accountId: caller.accountId,
    region: caller.region,
    imageId: img.imageId,
    resourceTypes,
    accountIds,
    creationTime: now,
    readyAt: now + setting(sim, 'ec2', 'usageReportMs', 10 * 60_000),
    tags: specs.flatMap((s) => s.tags)
  }
  reportsState(sim)[base.reportId] = { ...base, entries: count(sim, base) }
  return { reportId: base.reportId }
}

const stateOf = (sim: Sim, r: Report) => (sim.clock.now() >= r.readyAt ? 'available' : 'pending')

function selectReports(sim: Sim, caller: Caller, params: Params): Report[] {
  const ids = list(params, 'ReportId')
  const imageIds = list(params, 'ImageId')
  const mine = live(sim, caller)
  for (const id of ids)
    if (!mine.some((r) => r.reportId === id))
      throw new AwsError(
        'InvalidImageUsageReportId.NotFound',
        `The image usage report '${id}' does not exist`
      )
  return mine
    .filter((r) => !ids.length || ids.includes(r.reportId))
    .filter((r) => !imageIds.length || imageIds.includes(r.imageId))
    .sort((a, b) => a.creationTime - b.creationTime)
}

export function describeImageUsageReports(sim: Sim, caller: Caller, params: Params) {
  const fs = filters(params)
  const rows = selectReports(sim, caller, params).filter((r) =>
    fs.every((f) => {
      const values = f.name.startsWith('tag:')
        ? r.tags.filter((t) => t.key === f.name.slice(4)).map((t) => t.value)
        : f.name === 'state'
          ? [stateOf(sim, r)]
          : f.name === 'creation-time'
            ? [new Date(r.creationTime).toISOString()]
            : (() => {
                throw new AwsError('InvalidParameterValue', `The filter '${f.name}' is invalid`)
              })()
      return f.values.some((p) => values.some((v) => globMatch(p, v)))
    })
  )
  dryRunGate(params)
  const { page, nextToken } = paginate('DescribeImageUsageReports', rows, params, {
    min: 1,
    max: 1000
  })
  return {
    imageUsageReportSet: page.map((r) => ({
      imageId: r.imageId,
      reportId: r.reportId,
      resourceTypeSet: r.resourceTypes.map((rt) => ({
        resourceType: rt.resourceType,
        ...(rt.options.length
          ? {
              resourceTypeOptionSet: rt.options.map((o) => ({
                optionName: o.name,
                optionValueSet: o.values
              }))
            }
          : {})
      })),
      ...(r.accountIds.length ? { accountIdSet: r.accountIds } : {}),
      state: stateOf(sim, r),
      creationTime: new Date(r.creationTime).toISOString(),
      expirationTime: new Date(r.creationTime + 30 * DAY).toISOString(),
      ...(r.tags.length ? { tagSet: tagSet(r.tags) } : {})
    })),
    ...(nextToken ? { nextToken } : {})
  }
}

export function describeImageUsageReportEntries(sim: Sim, caller: Caller, params: Params) {
  const fs = filters(params)
  const rows = selectReports(sim, caller, params)
    .filter((r) => stateOf(sim, r) === 'available')
    .flatMap((r) => r.entries.map((e) => ({ r, e })))
    .filter(({ e }) =>
      fs.every((f) => {
        const v =
          f.name === 'account-id'
            ? e.accountId
            : f.name === 'resource-type'
              ? e.resourceType
              : (() => {
                  throw new AwsError('InvalidParameterValue', `The filter '${f.name}' is invalid`)
                })()
        return f.values.some((p) => globMatch(p, v))
      })
    )
  dryRunGate(params)
  const { page, nextToken } = paginate('DescribeImageUsageReportEntries', rows, params, {
    min: 1,
    max: 1000
  })
  return {
    imageUsageReportEntrySet: page.map(({ r, e }) => ({
      resourceType: e.resourceType,
      reportId: r.reportId,
      usageCount: e.usageCount,
      accountId: e.accountId,
      imageId: r.imageId,
      reportCreationTime: new Date(r.creationTime).toISOString()
    })),
    ...(nextToken ? { nextToken } : {})
  }
}

export function deleteImageUsageReport(sim: Sim, caller: Caller, params: Params) {
  const id = required(params, 'ReportId')
  const report = live(sim, caller).find((r) => r.reportId === id)
  if (!report)
    throw new AwsError(
      'InvalidImageUsageReportId.NotFound',
      `The image usage report '${id}' does not exist`
    )
  dryRunGate(params)
  delete reportsState(sim)[id]
  return { return: true }
}
