import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import {
  describeUses,
  isProtected,
  selectVersions,
  type Candidate,
  type SelectOptions
} from '../../src/prune/select.js'

const ACCOUNTS = ['111111111111', '222222222222']
const REGIONS = ['us-east-1', 'eu-west-1']
const FAMILY = 'web'
const NOW = new Date('2026-06-01T00:00:00Z')
const HOUR = 3_600_000

/** Facts about one AMI, drawn at random: every rule gets exercised. */
const candidateArb = fc.record({
  scope: fc.integer({ min: 0, max: ACCOUNTS.length * REGIONS.length - 1 }),
  owner: fc.constantFrom<'self' | 'foreign' | 'missing'>(
    'self',
    'self',
    'self',
    'foreign',
    'missing'
  ),
  family: fc.constantFrom<string | undefined>(FAMILY, FAMILY, FAMILY, 'web-2', 'Web', undefined),
  keepTag: fc.constantFrom<string | undefined>(undefined, undefined, 'true', 'TRUE', 'false'),
  protection: fc.constantFrom<string | undefined>(
    undefined,
    'disabled',
    'disabled',
    'enabled',
    'enabled-with-cooldown',
    'disabled-until 2026-06-02T00:00:00Z'
  ),
  state: fc.constantFrom(
    'available',
    'available',
    'available',
    'disabled',
    'pending',
    'failed',
    'deregistered',
    'error'
  ),
  // Hours before NOW; small range so equal dates (ties) happen.
  ageHours: fc.option(fc.integer({ min: 0, max: 400 }), { freq: 12 }),
  references: fc.constantFrom<'unchecked' | 'none' | 'used'>('none', 'none', 'used', 'unchecked'),
  thisRun: fc.integer({ min: 0, max: 11 }).map((n) => n === 0)
})

const fleetArb = fc.record({
  facts: fc.array(candidateArb, { maxLength: 40 }),
  keep: fc.integer({ min: 0, max: 6 }),
  olderThanHours: fc.option(fc.integer({ min: 0, max: 300 })),
  skipInUse: fc.boolean()
})

type Fleet = typeof fleetArb extends fc.Arbitrary<infer T> ? T : never

function toCandidates(fleet: Fleet): { candidates: Candidate[]; thisRun: Set<string> } {
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
function brokenRule(
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
    if (c.state !== 'available' && c.state !== 'disabled') return `${id}: state ${c.state}`
    if (options.olderThanMs !== undefined) {
      if (!c.creationDate) return `${id}: no date with older-than`
      if (options.now.getTime() - c.creationDate.getTime() <= options.olderThanMs) {
        return `${id}: not older than`
      }
    }
  }
  // At least `keep` versions remain that are as new as anything pruned, per (account, region).
  const time = (c: Candidate): number => c.creationDate?.getTime() ?? Number.POSITIVE_INFINITY
  const isVersion = (c: Candidate): boolean =>
    options.thisRun.has(c.imageId) ||
    (c.ownerId === c.accountId &&
      c.tags['ami-share-action:family'] === options.family &&
      (c.state === 'available' || c.state === 'disabled'))
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

function optionsOf(fleet: Fleet, thisRun: Set<string>): SelectOptions {
  return {
    family: FAMILY,
    keep: fleet.keep,
    olderThanMs: fleet.olderThanHours === null ? undefined : fleet.olderThanHours * HOUR,
    skipInUse: fleet.skipInUse,
    now: NOW,
    thisRun
  }
}

describe('selectVersions (property)', () => {
  it('never selects a protected, in-use, keep-tagged, foreign, other-family or this-run image, and keeps the newest', () => {
    fc.assert(
      fc.property(fleetArb, (fleet) => {
        const { candidates, thisRun } = toCandidates(fleet)
        const options = optionsOf(fleet, thisRun)
        const decisions = selectVersions(candidates, options)
        const pruned = new Set(
          decisions.filter((d) => d.verdict === 'prune').map((d) => d.candidate.imageId)
        )
        expect(brokenRule(candidates, pruned, options)).toBeUndefined()
        // Every candidate gets exactly one decision.
        expect(decisions.map((d) => d.candidate.imageId).sort()).toEqual(
          candidates.map((c) => c.imageId).sort()
        )
      }),
      { numRuns: 1500 }
    )
  })

  it('prunes every old version that no rule holds (it is not merely cautious)', () => {
    fc.assert(
      fc.property(fleetArb, (fleet) => {
        const { candidates, thisRun } = toCandidates(fleet)
        const options = optionsOf(fleet, thisRun)
        const decisions = selectVersions(candidates, options)
        const pruned = new Set(
          decisions.filter((d) => d.verdict === 'prune').map((d) => d.candidate.imageId)
        )
        // Adding any one kept or skipped candidate to the pruned set must break a rule.
        for (const d of decisions) {
          if (d.verdict === 'prune' || d.verdict === 'ignore') continue
          const widened = new Set(pruned).add(d.candidate.imageId)
          expect(brokenRule(candidates, widened, options)).toBeDefined()
        }
      }),
      { numRuns: 500 }
    )
  })

  it('learning of references only moves versions from prune to skip', () => {
    fc.assert(
      fc.property(fleetArb, (fleet) => {
        const { candidates, thisRun } = toCandidates(fleet)
        const options = { ...optionsOf(fleet, thisRun), skipInUse: true }
        const unchecked = candidates.map((c) => ({ ...c, references: undefined }))
        const before = selectVersions(unchecked, { ...options, skipInUse: false })
        const after = selectVersions(candidates, options)
        const verdictAfter = new Map(after.map((d) => [d.candidate.imageId, d.verdict]))
        for (const d of before) {
          const now = verdictAfter.get(d.candidate.imageId)
          if (d.verdict === 'prune') expect(['prune', 'skip']).toContain(now)
          else expect(now).toBe(d.verdict)
        }
      }),
      { numRuns: 500 }
    )
  })
})

describe('selectVersions (examples)', () => {
  const base = (fields: Partial<Candidate>): Candidate => ({
    accountId: ACCOUNTS[0],
    region: REGIONS[0],
    imageId: 'ami-1',
    name: 'one',
    ownerId: ACCOUNTS[0],
    state: 'available',
    creationDate: new Date(NOW.getTime() - 100 * HOUR),
    tags: { 'ami-share-action:family': FAMILY },
    snapshots: [],
    references: [],
    ...fields
  })
  const options: SelectOptions = {
    family: FAMILY,
    keep: 0,
    skipInUse: true,
    now: NOW,
    thisRun: new Set()
  }

  it('keeps a version whose date is unknown when prune-older-than is set', () => {
    const [d] = selectVersions([base({ creationDate: undefined })], {
      ...options,
      olderThanMs: HOUR
    })
    expect(d).toMatchObject({
      verdict: 'keep',
      reason: expect.stringContaining('creation date unknown')
    })
  })

  it('skips an unchecked version when the in-use check is on', () => {
    const [d] = selectVersions([base({ references: undefined })], options)
    expect(d).toMatchObject({ verdict: 'skip', reason: 'in-use check did not run' })
  })

  it('reports a repeated listing entry once', () => {
    expect(selectVersions([base({}), base({})], options)).toHaveLength(1)
  })

  it('treats only plain "disabled" (or nothing) as unprotected', () => {
    expect([undefined, '', 'disabled', ' Disabled '].map(isProtected)).toEqual([
      false,
      false,
      false,
      false
    ])
    expect(
      ['enabled', 'enabled-with-cooldown', 'disabled-until 2030-01-01T00:00:00Z'].map(isProtected)
    ).toEqual([true, true, true])
  })

  it('names at most three referencing resources and counts the rest', () => {
    const uses = [1, 2, 3, 4, 5].map((i) => ({ arn: `arn:${i}`, resourceType: 'ec2:Instance' }))
    expect(describeUses(uses)).toBe(
      'ec2:Instance arn:1, ec2:Instance arn:2, ec2:Instance arn:3 (+2 more)'
    )
  })
})
