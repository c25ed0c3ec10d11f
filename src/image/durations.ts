// The family's own past durations: what tells the poller (aws/poller.ts) when a wait is near its
// end. Each run records how long its build and its copies took as tags on the AMI it built; the
// next run reads them from the newest versions in the build region with one DescribeImages,
// issued alongside the build's first requests so it costs no time on the critical path.
import { CreateTagsCommand, DescribeImagesCommand } from '@aws-sdk/client-ec2'
import { FAMILY_TAG } from '../config/aws-ids.js'
import { describeError } from '../aws/errors.js'
import { windowFrom, type ExpectedWindow } from '../aws/poller.js'
import type { RunContext } from '../context.js'
import type { FleetMember, Image } from '../types.js'

/** Milliseconds from the build's start to its AMI being available. */
export const BUILD_MS_TAG = 'ami-share-action:build-ms'
/** Milliseconds from CopyImage to the copy being available, per destination region. */
export const COPY_MS_TAG_PREFIX = 'ami-share-action:copy-ms:'
/** How many past versions inform the window: recent enough to follow a drifting duration. */
export const HISTORY_VERSIONS = 5
/** AWS allows 50 tags per resource; the copy tags leave room for the user's and the action's. */
const MAX_COPY_TAGS = 30

export interface PastDurations {
  buildMs: number[]
  copyMs: Map<string, number[]>
}

const history = new WeakMap<RunContext, Promise<PastDurations | undefined>>()

/** The newest versions' recorded durations (asked once per run; undefined without a family). */
export function pastDurations(ctx: RunContext): Promise<PastDurations | undefined> {
  let found = history.get(ctx)
  if (!found) {
    found = readPastDurations(ctx)
    history.set(ctx, found)
  }
  return found
}

async function readPastDurations(ctx: RunContext): Promise<PastDurations | undefined> {
  const { family, region } = ctx.config
  if (!family) return undefined
  try {
    const { Images = [] } = await ctx.clients.ec2(region).send(
      new DescribeImagesCommand({
        Owners: ['self'],
        Filters: [
          { Name: `tag:${FAMILY_TAG}`, Values: [family] },
          { Name: 'tag-key', Values: [BUILD_MS_TAG] }
        ],
        MaxResults: 1000
      })
    )
    const newest = Images.sort((a, b) =>
      (b.CreationDate ?? '').localeCompare(a.CreationDate ?? '')
    ).slice(0, HISTORY_VERSIONS)
    const past: PastDurations = { buildMs: [], copyMs: new Map() }
    for (const image of newest) {
      for (const { Key = '', Value = '' } of image.Tags ?? []) {
        const ms = Number(Value)
        if (!Number.isFinite(ms) || ms <= 0) continue
        if (Key === BUILD_MS_TAG) past.buildMs.push(ms)
        if (Key.startsWith(COPY_MS_TAG_PREFIX)) {
          const where = Key.slice(COPY_MS_TAG_PREFIX.length)
          past.copyMs.set(where, [...(past.copyMs.get(where) ?? []), ms])
        }
      }
    }
    return past
  } catch (error) {
    // Only the cadence depends on it: without history the waits poll at the base interval.
    ctx.log.debug(`Past durations of family ${family} not read: ${describeError(error)}`)
    return undefined
  }
}

export async function expectedBuild(ctx: RunContext): Promise<ExpectedWindow | undefined> {
  const past = await pastDurations(ctx)
  return past && windowFrom(past.buildMs, ctx.config.pollIntervalMs)
}

export async function expectedCopy(
  ctx: RunContext,
  region: string
): Promise<ExpectedWindow | undefined> {
  const past = await pastDurations(ctx)
  return past && windowFrom(past.copyMs.get(region) ?? [], ctx.config.pollIntervalMs)
}

/** The tags this run leaves for the next: its build time and, per region, its slowest copy. */
export function durationTags(image: Image, copies: readonly FleetMember[]): Record<string, string> {
  const tags: Record<string, string> = {}
  if (image.buildMs !== undefined && image.buildMs > 0)
    tags[BUILD_MS_TAG] = String(Math.round(image.buildMs))
  const slowest = new Map<string, number>()
  for (const c of copies) {
    if (c.reused || c.state !== 'available' || c.durationMs === undefined) continue
    slowest.set(c.region, Math.max(slowest.get(c.region) ?? 0, c.durationMs))
  }
  for (const [region, ms] of [...slowest].slice(0, MAX_COPY_TAGS))
    tags[`${COPY_MS_TAG_PREFIX}${region}`] = String(Math.round(ms))
  return tags
}

/**
 * One CreateTags on the AMI this run built (never on an adopted or reused one: not ours to
 * change). A failure costs only the next run's cadence, so it is logged, not raised.
 */
export async function recordDurations(
  ctx: RunContext,
  image: Image,
  copies: readonly FleetMember[]
): Promise<void> {
  if (!ctx.config.family || image.source === 'existing' || image.reused || !image.id) return
  const tags = durationTags(image, copies)
  if (!tags[BUILD_MS_TAG]) return
  try {
    await ctx.clients.ec2(image.region).send(
      new CreateTagsCommand({
        Resources: [image.id],
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value }))
      })
    )
  } catch (error) {
    ctx.log.debug(`Durations not recorded on ${image.id}: ${describeError(error)}`)
  }
}
