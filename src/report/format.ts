// Small formatters shared by the job summary and the PR comment.
import { formatDuration } from '../duration.js'
import { SNAPSHOT_PRICE_PER_GB_MONTH } from '../prune/storage.js'
import { cell, link } from './markdown.js'

/**
 * Standard EBS snapshot storage price, USD per GB-month, as pruning uses it. Only an estimate:
 * snapshots are incremental, so the real cost of a version is usually lower.
 */
export const SNAPSHOT_USD_PER_GB_MONTH = SNAPSHOT_PRICE_PER_GB_MONTH

const AMI_ID = /^ami-[0-9a-f]{8,17}$/
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/

/** A duration for the summary (src/duration.ts), or a dash when there is none. */
export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '—'
  return formatDuration(ms)
}

export function between(start?: Date, end?: Date): number | undefined {
  return start && end ? end.getTime() - start.getTime() : undefined
}

/** "2027-02-26 12:00 UTC"; invalid or missing dates show as a dash. */
export function date(value: Date | undefined): string {
  if (!value || Number.isNaN(value.getTime())) return '—'
  return value.toISOString().slice(0, 16).replace('T', ' ') + ' UTC'
}

export function gib(value: number): string {
  return `${Number.isInteger(value) ? value : value.toFixed(1)} GiB`
}

export function monthlyCost(sizeGiB: number): string {
  return `$${(sizeGiB * SNAPSHOT_USD_PER_GB_MONTH).toFixed(2)}/month`
}

/** The EC2 console page of an AMI, when the ID and region look like what AWS returns. */
export function consoleUrl(region: string, imageId: string): string | undefined {
  if (!REGION.test(region) || !AMI_ID.test(imageId)) return undefined
  return `https://${region}.console.aws.amazon.com/ec2/home?region=${region}#ImageDetails:imageId=${imageId}`
}

/** An AMI ID as a console link, or escaped text when it does not look like an AMI ID. */
export function amiLink(region: string, imageId: string | undefined): string {
  if (!imageId) return '—'
  const url = consoleUrl(region, imageId)
  return url ? link(imageId, url) : cell(imageId)
}

/** The web page of this workflow run, when the runner told us where it is. */
export function runUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const { GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID } = env
  if (!GITHUB_REPOSITORY || !GITHUB_RUN_ID || !/^\d+$/.test(GITHUB_RUN_ID)) return undefined
  if (!/^[\w.-]+\/[\w.-]+$/.test(GITHUB_REPOSITORY)) return undefined
  const server = (GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '')
  if (!/^https?:\/\/[^\s()<>]+$/.test(server)) return undefined
  return `${server}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}`
}
