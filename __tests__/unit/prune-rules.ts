// Random fleets and the pruning safety contract, shared by the selection and end-to-end property tests.
import fc from 'fast-check'
import type { Candidate, SelectOptions } from '../../src/prune/select.js'

export const ACCOUNTS = ['111111111111', '222222222222']
export const REGIONS = ['us-east-1', 'eu-west-1']
export const FAMILY = 'web'
export const NOW = new Date('2026-06-01T00:00:00Z')
export const HOUR = 3_600_000

/** Mostly the ordinary value, sometimes one of the unusual ones: keeps enough prunable versions. */
function usually<T>(normal: T, ...unusual: T[]): fc.Arbitrary<T> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.constant(normal) },
    { weight: 1, arbitrary: fc.constantFrom(...unusual) }
  )
}

/** Facts about one AMI, drawn at random: every rule gets exercised. */
export const candidateArb = fc.record({
  scope: fc.integer({ min: 0, max: ACCOUNTS.length * REGIONS.length - 1 }),
  owner: usually<'self' | 'foreign' | 'missing'>('self', 'foreign', 'missing'),
  family: usually<string | undefined>(FAMILY, 'web-2', 'Web', undefined),
  keepTag: usually<string | undefined>(undefined, 'true', 'TRUE', 'false'),
  protection: usually<string | undefined>(
    undefined,
    'disabled',
    'enabled',
    'enabled-with-cooldown',
    'disabled-until 2026-06-02T00:00:00Z'
  ),
  state: usually('available', 'disabled', 'pending', 'failed', 'deregistered', 'error'),
  // Hours before NOW; small range so equal dates (ties) happen.
  ageHours: fc.option(fc.integer({ min: 0, max: 400 }), { freq: 12 }),
  references: usually<'unchecked' | 'none' | 'used'>('none', 'used', 'unchecked'),
  // Use in consumer accounts (image usage report) and the last launch by anyone.
  consumers: usually<'none' | 'used' | 'unknown' | 'not-shared'>(
    'none',
    'used',
    'unknown',
    'not-shared'
  ),
  lastLaunchHours: fc.option(fc.integer({ min: 0, max: 400 }), { freq: 3 }),
  lastLaunchRead: usually(true, false),
  thisRun: fc.integer({ min: 0, max: 11 }).map((n) => n === 0)
})

export const fleetArb = fc.record({
  facts: fc.array(candidateArb, { maxLength: 40, size: 'max' }),
  keep: fc.integer({ min: 0, max: 4 }),
  olderThanHours: fc.option(fc.integer({ min: 0, max: 300 }), { freq: 2 }),
  skipInUse: fc.boolean(),
  unusedForHours: fc.option(fc.integer({ min: 0, max: 300 }), { freq: 2 })
})

/** EC2's lastLaunchedTime lags up to 24 h: the guard widens its window by that (guards.ts). */
export const LAUNCH_LAG_HOURS = 24

export type Fleet = typeof fleetArb extends fc.Arbitrary<infer T> ? T : never

export function toCandidates(fleet: Fleet): { candidates: Candidate[]; thisRun: Set<string> } {
  const thisRun = new Set<string>()
  const candidates = fleet.facts.map((f, i): Candidate => {
    const accountId = ACCOUNTS[f.scope % ACCOUNTS.length]
    const region = REGIONS[Math.floor(f.scope / ACCOUNTS.length)]
    const imageId = `ami-${i.toString(16).padStart(8, '0')}`
    if (f.thisRun) thisRun.add(imageId)
    const tags: Record<string, string> = {}
    if (f.family !== undefined) tags['ami-share-action:family'] = f.family
    if (f.keepTag !== undefined) tags['ami-share-action:keep'] = f.keepTag
    return {
      accountId,
      region,
      imageId,
      name: imageId,
      ownerId: f.owner === 'self' ? accountId : f.owner === 'foreign' ? '999999999999' : undefined,
      state: f.state,
      creationDate: f.ageHours === null ? undefined : new Date(NOW.getTime() - f.ageHours * HOUR),
      tags,
      deregistrationProtection: f.protection,
      snapshots: [{ id: `snap-${i}`, sizeGiB: 8 }],
      retire: {
        consumers:
          f.consumers === 'used'
            ? {
                status: 'used',
                reportId: `amiur-${i}`,
                uses: [{ accountId: '444455556666', resourceType: 'ec2:Instance', count: 1 }]
              }
            : f.consumers === 'unknown'
              ? { status: 'unknown', reason: 'report did not finish' }
              : f.consumers === 'not-shared'
                ? { status: 'not-shared' }
                : { status: 'unused', reportId: `amiur-${i}` },
        ...(f.lastLaunchRead && {
          lastLaunched:
            f.lastLaunchHours === null ? null : new Date(NOW.getTime() - f.lastLaunchHours * HOUR)
        })
      },
      references:
        f.references === 'unchecked'
          ? undefined
          : f.references === 'used'
            ? [
                {
                  arn: `arn:aws:ec2:${region}:${accountId}:instance/i-${i}`,
                  resourceType: 'ec2:Instance'
                }
              ]
            : []
    }
  })
  return { candidates, thisRun }
}

/**
 * The safety contract, written independently of the implementation: returns the first broken
 * rule for a set of pruned IDs, or undefined.
 */
export function brokenRule(
  candidates: readonly Candidate[],
  prunedIds: ReadonlySet<string>,
  options: Omit<SelectOptions, 'now'> & { now: Date }
): string | undefined {
  for (const c of candidates) {
    if (!prunedIds.has(c.imageId)) continue
    const id = c.imageId
    if (options.thisRun.has(id)) return `${id}: this run`
    if (c.ownerId !== c.accountId) return `${id}: not owned`
    if (c.tags['ami-share-action:family'] !== options.family) return `${id}: other family`
    if (c.tags['ami-share-action:keep']?.toLowerCase() === 'true') return `${id}: keep tag`
    if (c.deregistrationProtection !== undefined && c.deregistrationProtection !== 'disabled') {
      return `${id}: protected`
    }
    if (options.skipInUse && (c.references === undefined || c.references.length > 0)) {
      return `${id}: in use or unchecked`
    }
    const use = c.retire?.consumers?.status
    if (options.skipInUse && (use === 'used' || use === 'unknown')) {
      return `${id}: used in a consumer account, or its usage unknown`
    }
    const unusedFor = options.retire?.unusedForMs
    if (unusedFor !== undefined) {
      const last = c.retire?.lastLaunched
      if (last === undefined) return `${id}: last launch not read`
      const at = last ?? c.creationDate
      if (!at) return `${id}: never launched, no creation date`
      if (options.now.getTime() - at.getTime() <= unusedFor + LAUNCH_LAG_HOURS * HOUR) {
        return `${id}: launched within prune-unused-for`
      }
    }
    if (c.state !== 'available' && c.state !== 'disabled') return `${id}: state ${c.state}`
    if (options.olderThanMs !== undefined) {
      if (!c.creationDate) return `${id}: no date with older-than`
      if (options.now.getTime() - c.creationDate.getTime() <= options.olderThanMs) {
        return `${id}: not older than`
      }
    }
  }
  // At least `keep` available versions remain that are as new as anything pruned, per (account,
  // region): a disabled version never counts toward prune-keep.
  const time = (c: Candidate): number => c.creationDate?.getTime() ?? Number.POSITIVE_INFINITY
  const isVersion = (c: Candidate): boolean =>
    options.thisRun.has(c.imageId) ||
    (c.ownerId === c.accountId &&
      c.tags['ami-share-action:family'] === options.family &&
      c.state === 'available')
  for (const p of candidates) {
    if (!prunedIds.has(p.imageId)) continue
    const newerKept = candidates.filter(
      (v) =>
        v.accountId === p.accountId &&
        v.region === p.region &&
        isVersion(v) &&
        !prunedIds.has(v.imageId) &&
        time(v) >= time(p)
    )
    if (newerKept.length < options.keep) {
      return `${p.imageId}: only ${newerKept.length} newer versions kept in ${p.accountId}/${p.region}, keep is ${options.keep}`
    }
  }
  return undefined
}

export function optionsOf(fleet: Fleet, thisRun: Set<string>): SelectOptions {
  return {
    family: FAMILY,
    keep: fleet.keep,
    olderThanMs: fleet.olderThanHours === null ? undefined : fleet.olderThanHours * HOUR,
    skipInUse: fleet.skipInUse,
    now: NOW,
    thisRun,
    retire: {
      action: 'deregister',
      ...(fleet.unusedForHours !== null && { unusedForMs: fleet.unusedForHours * HOUR })
    }
  }
}
