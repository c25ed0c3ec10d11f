import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import {
  ACCOUNTS,
  FAMILY,
  HOUR,
  NOW,
  REGIONS,
  brokenRule,
  fleetArb,
  optionsOf,
  toCandidates
} from './prune-rules.js'
import {
  describeUses,
  isProtected,
  selectVersions,
  type Candidate,
  type SelectOptions
} from '../../src/prune/select.js'

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
        // Adding any one kept or skipped candidate to the pruned set must break a rule. (With
        // equal creation dates, which of the tied versions fills the last keep place is arbitrary.)
        const dateKey = (c: Candidate): string =>
          `${c.accountId}/${c.region}/${c.creationDate?.getTime() ?? 'none'}`
        const tally = new Map<string, number>()
        for (const c of candidates) tally.set(dateKey(c), (tally.get(dateKey(c)) ?? 0) + 1)
        for (const d of decisions) {
          if (d.verdict === 'prune' || d.verdict === 'ignore') continue
          if (tally.get(dateKey(d.candidate))! > 1) continue
          const widened = new Set(pruned).add(d.candidate.imageId)
          expect(brokenRule(candidates, widened, options)).toBeDefined()
        }
      }),
      { numRuns: 800 }
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

  it('a version that failed its test takes no place among the newest keep', () => {
    const family = { 'ami-share-action:family': FAMILY }
    const decisions = selectVersions(
      [
        base({ imageId: 'ami-new', tags: { ...family, 'ami-share-action:test': 'failed' } }),
        base({ imageId: 'ami-old', creationDate: new Date(NOW.getTime() - 200 * HOUR) })
      ],
      { ...options, keep: 1 }
    )
    const byId = Object.fromEntries(decisions.map((d) => [d.candidate.imageId, d]))
    expect(byId['ami-new']).toMatchObject({
      verdict: 'prune',
      reason: expect.stringContaining('failed its test')
    })
    expect(byId['ami-old']).toMatchObject({ verdict: 'keep', reason: 'one of the newest 1' })
  })

  it('reports a repeated listing entry once', () => {
    expect(selectVersions([base({}), base({})], options)).toHaveLength(1)
  })

  it('treats only plain "disabled" (or nothing, or a cooldown that has ended) as unprotected', () => {
    const unprotected = [
      undefined,
      '',
      'disabled',
      ' Disabled ',
      'disabled-until-2026-05-31T00:00:00.000Z'
    ]
    expect(unprotected.map((v) => isProtected(v, NOW))).toEqual(unprotected.map(() => false))
    const protectedValues = [
      'enabled',
      'enabled-with-cooldown',
      'enabled-without-cooldown',
      'disabled-until 2030-01-01T00:00:00Z',
      'disabled-until-2026-06-01T12:00:00.000Z',
      'disabled-until sometime'
    ]
    expect(protectedValues.map((v) => isProtected(v, NOW))).toEqual(protectedValues.map(() => true))
    // Without a clock, a cooldown is never assumed over.
    expect(isProtected('disabled-until-2000-01-01T00:00:00Z')).toBe(true)
  })

  it('names at most three referencing resources and counts the rest', () => {
    const uses = [1, 2, 3, 4, 5].map((i) => ({ arn: `arn:${i}`, resourceType: 'ec2:Instance' }))
    expect(describeUses(uses)).toBe(
      'ec2:Instance arn:1, ec2:Instance arn:2, ec2:Instance arn:3 (+2 more)'
    )
  })
})
