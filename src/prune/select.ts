// The pruning decision, as a pure function of facts: which versions of a family to deregister,
// which to keep and which to skip (with the reason). No AWS here, so every safety rule can be
// property-tested against random fleets.
import { retirementGuard, type RetireFacts, type RetireOptions } from './guards.js'
import type { SnapshotSize } from './storage.js'

export const FAMILY_TAG = 'ami-share-action:family'
export const KEEP_TAG = 'ami-share-action:keep'
/** `failed`: the version failed its test (INTERFACE.md): it takes no place among the newest `keep`. */
export const TEST_TAG = 'ami-share-action:test'

/** A resource that still uses an image (DescribeImageReferences). */
export interface ImageUse {
  arn: string
  resourceType: string
}

/** What the listing (or this run's fleet) says about one AMI in one (account, region). */
export interface Candidate {
  /** The account whose images were listed (the scope), not necessarily the owner. */
  accountId: string
  region: string
  imageId: string
  name: string
  ownerId?: string
  /** EC2 image state: available, pending, failed, disabled, deregistered, … */
  state?: string
  creationDate?: Date
  tags: Record<string, string>
  /** DescribeImages `DeregistrationProtection`: `disabled`, `enabled`, `enabled-with-cooldown`, `disabled-until …`. */
  deregistrationProtection?: string
  snapshots: SnapshotSize[]
  /** Resources that reference it; undefined means "not checked". */
  references?: ImageUse[]
  /** Retirement facts: disabled-at tag, last launch, consumer usage, Recycle Bin (guards.ts). */
  retire?: RetireFacts
}

export interface SelectOptions {
  family: string
  keep: number
  olderThanMs?: number
  skipInUse: boolean
  now: Date
  /** Every AMI this run produced or adopted (the image and every fleet member). */
  thisRun: ReadonlySet<string>
  /** prune-action and its guards; absent: deregister, no retirement guards. */
  retire?: RetireOptions
  /**
   * Versions created less than this long ago are never pruned: a concurrent run of the family
   * (started at most `timeout-minutes` ago) may still be copying or sharing from it.
   */
  minAgeMs?: number
}

export type Verdict =
  /** Deregister it and its snapshots. */
  | 'prune'
  /** Retained by the retention policy: this run, newest `keep`, or not old enough. */
  | 'keep'
  /** Would be old enough to go, but a safety rule holds it (reason says which). */
  | 'skip'
  /** Not a version at all (already deregistered): not reported. */
  | 'ignore'

export interface Decision {
  candidate: Candidate
  verdict: Verdict
  reason: string
  /** Counts as a version of the family (for keep ranking and kept storage). */
  familyVersion: boolean
  /** With verdict `prune`: how it goes (prune-action; a version this action disabled long ago is deregistered). */
  action?: 'disable' | 'deregister'
}

/** States of a finished version: these take part in the newest-`keep` ranking. */
const VERSION_STATES = new Set(['available', 'disabled'])
/** In flight: most likely a concurrent run building or copying it. */
const IN_FLIGHT_STATES = new Set(['pending', 'transient'])

export function scopeKey(accountId: string, region: string): string {
  return `${accountId}/${region}`
}

/**
 * Anything but plain `disabled` means protected (`enabled`, `enabled-with-cooldown`, or a cooldown
 * `disabled-until <time>`), except a cooldown whose time has provably passed. An unknown form
 * counts as protected: never deregister on a guess.
 */
export function isProtected(value: string | undefined, now?: Date): boolean {
  const v = (value ?? '').trim()
  if (v === '' || v.toLowerCase() === 'disabled') return false
  const until = /^disabled-until[\s:-]*(\S.*)$/i.exec(v)
  if (until && now) {
    const t = Date.parse(until[1])
    if (!Number.isNaN(t) && t <= now.getTime()) return false
  }
  return true
}

export function selectVersions(
  candidates: readonly Candidate[],
  options: SelectOptions
): Decision[] {
  const byScope = new Map<string, Candidate[]>()
  for (const candidate of candidates) {
    const key = scopeKey(candidate.accountId, candidate.region)
    const list = byScope.get(key) ?? []
    list.push(candidate)
    byScope.set(key, list)
  }
  const decisions: Decision[] = []
  for (const scoped of byScope.values()) decisions.push(...selectInScope(scoped, options))
  return decisions
}

function selectInScope(candidates: Candidate[], options: SelectOptions): Decision[] {
  const decisions: Decision[] = []
  const ranked: Candidate[] = []
  const seen = new Set<string>()
  for (const candidate of candidates) {
    if (seen.has(candidate.imageId)) continue // a listing may repeat an image across pages
    seen.add(candidate.imageId)
    const early = classify(candidate, options)
    if (early) decisions.push(early)
    else ranked.push(candidate)
  }
  ranked.sort((a, b) => newestFirst(a, b, options.thisRun))
  // Only available versions (and this run's) take a place among the newest `keep`: a disabled
  // one cannot be launched. It goes only once `keep` available versions are newer than it.
  let available = 0
  for (const candidate of ranked) {
    const mine = options.thisRun.has(candidate.imageId)
    const disabled = candidate.state === 'disabled' && !mine
    if (!mine && candidate.tags[TEST_TAG] === 'failed') {
      decisions.push(failedTest(candidate, options))
      continue
    }
    decisions.push(
      disabled
        ? decideDisabled(candidate, available, options)
        : decideVersion(candidate, available, options)
    )
    if (!disabled) available++
  }
  return decisions
}

/** Rules that hold before ranking: what is not a version of this family in this account. */
function classify(candidate: Candidate, options: SelectOptions): Decision | undefined {
  const skip = (reason: string, familyVersion = false): Decision => ({
    candidate,
    verdict: 'skip',
    reason,
    familyVersion
  })
  if (options.thisRun.has(candidate.imageId)) return undefined // ranked, and always kept
  if (candidate.ownerId !== candidate.accountId) {
    return skip(`owned by ${candidate.ownerId ?? 'an unknown account'}, not ${candidate.accountId}`)
  }
  const family = candidate.tags[FAMILY_TAG]
  if (family !== options.family) {
    return skip(
      family === undefined
        ? `no ${FAMILY_TAG} tag`
        : `${FAMILY_TAG} is "${family}", not "${options.family}"`
    )
  }
  const state = candidate.state ?? 'unknown'
  if (state === 'deregistered') {
    return { candidate, verdict: 'ignore', reason: 'already deregistered', familyVersion: false }
  }
  if (IN_FLIGHT_STATES.has(state)) {
    return skip(`state ${state}: probably being built or copied by a concurrent run`, true)
  }
  if (!VERSION_STATES.has(state)) {
    return skip(`state ${state}: not a finished version; inspect and deregister it by hand`, true)
  }
  return undefined
}

/** A version that failed its test: pruned like any version beyond the newest `keep`. */
function failedTest(candidate: Candidate, options: SelectOptions): Decision {
  const decision = decideVersion(candidate, Number.POSITIVE_INFINITY, options)
  if (decision.verdict === 'prune') {
    decision.reason = `failed its test (${TEST_TAG}=failed): not counted toward prune-keep`
  }
  return decision
}

/**
 * A disabled version. With prune-action disable it is this action's to deregister only when its
 * `disabled-at` tag is older than prune-deregister-disabled-after; one disabled by someone else
 * (no tag) is never touched. With deregister it goes like any older version.
 */
function decideDisabled(candidate: Candidate, newer: number, options: SelectOptions): Decision {
  const retire = options.retire
  if (retire?.action !== 'disable') {
    if (newer < options.keep) {
      return {
        candidate,
        verdict: 'keep',
        reason: `disabled, and fewer than ${options.keep} available versions are newer`,
        familyVersion: true
      }
    }
    return decideVersion(candidate, newer, options)
  }
  const keep = (reason: string): Decision => ({
    candidate,
    verdict: 'keep',
    reason,
    familyVersion: true
  })
  const at = candidate.retire?.disabledAt
  if (!at) return keep('disabled, not by this action (no disabled-at tag): never touched')
  if (retire.deregisterDisabledAfterMs === undefined) {
    return keep(`disabled by this action on ${at.toISOString()}; not counted toward prune-keep`)
  }
  if (options.now.getTime() - at.getTime() <= retire.deregisterDisabledAfterMs) {
    return keep(
      `disabled by this action on ${at.toISOString()}, not longer ago than prune-deregister-disabled-after`
    )
  }
  const decision = decideVersion(candidate, Number.POSITIVE_INFINITY, options, 'deregister')
  if (decision.verdict === 'prune') {
    decision.reason = `disabled by this action on ${at.toISOString()}, longer ago than prune-deregister-disabled-after`
  }
  return decision
}

/** `index` is the candidate's place among the scope's available versions, newest first. */
function decideVersion(
  candidate: Candidate,
  index: number,
  options: SelectOptions,
  how: 'disable' | 'deregister' = options.retire?.action ?? 'deregister'
): Decision {
  const decide = (verdict: Verdict, reason: string): Decision => ({
    candidate,
    verdict,
    reason,
    familyVersion: true
  })
  if (options.thisRun.has(candidate.imageId))
    return decide('keep', 'produced or adopted by this run')
  if (index < options.keep) return decide('keep', `one of the newest ${options.keep}`)
  if (candidate.tags[KEEP_TAG]?.trim().toLowerCase() === 'true') {
    return decide('skip', `tagged ${KEEP_TAG}=true`)
  }
  if (isProtected(candidate.deregistrationProtection, options.now)) {
    return decide('skip', `deregistration protection is ${candidate.deregistrationProtection}`)
  }
  if (options.minAgeMs !== undefined) {
    const created = candidate.creationDate?.getTime()
    if (
      created === undefined ||
      Number.isNaN(created) ||
      options.now.getTime() - created < options.minAgeMs
    ) {
      return decide(
        'skip',
        `created less than ${Math.round(options.minAgeMs / 60_000)} minutes (timeout-minutes) ago: a concurrent run of this family may still be copying or sharing it`
      )
    }
  }
  if (options.olderThanMs !== undefined) {
    const created = candidate.creationDate?.getTime()
    if (created === undefined || Number.isNaN(created)) {
      return decide('keep', 'creation date unknown, so not provably older than prune-older-than')
    }
    if (options.now.getTime() - created <= options.olderThanMs) {
      return decide('keep', 'not older than prune-older-than')
    }
  }
  if (options.skipInUse) {
    if (!candidate.references) return decide('skip', 'in-use check did not run')
    if (candidate.references.length > 0)
      return decide('skip', `in use by ${describeUses(candidate.references)}`)
  }
  const held = retirementGuard(candidate.retire, options, how, candidate.creationDate)
  if (held) return decide('skip', held)
  return { ...decide('prune', `older than the newest ${options.keep}`), action: how }
}

/**
 * Newest first by CreationDate; unknown dates rank as newest (never pruned for lack of a date).
 * On equal dates this run's image comes first: it is the version that takes a `keep` place.
 */
function newestFirst(a: Candidate, b: Candidate, thisRun: ReadonlySet<string>): number {
  const ta = dateValue(a)
  const tb = dateValue(b)
  if (ta !== tb) return tb - ta
  const ra = thisRun.has(a.imageId)
  if (ra !== thisRun.has(b.imageId)) return ra ? -1 : 1
  return a.imageId < b.imageId ? 1 : a.imageId > b.imageId ? -1 : 0
}

function dateValue(candidate: Candidate): number {
  const t = candidate.creationDate?.getTime()
  return t === undefined || Number.isNaN(t) ? Number.POSITIVE_INFINITY : t
}

/** "ec2:Instance arn:…, ec2:LaunchTemplate arn:… (+3 more)": short enough for a summary row. */
export function describeUses(uses: readonly ImageUse[], limit = 3): string {
  const shown = uses.slice(0, limit).map((use) => `${use.resourceType} ${use.arn}`)
  const more = uses.length > limit ? ` (+${uses.length - limit} more)` : ''
  return shown.join(', ') + more
}
