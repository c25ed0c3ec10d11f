// Fault injection: rules matched against each AWS or GitHub request, in order.
// Repeatable: `probability` draws from a PRNG seeded by settings.faultSeed (default 1).

export type FaultKind = 'throttle' | 'error' | 'reset' | 'expired-token' | 'latency'

export interface FaultRule {
  /** ec2 | ssm | sts | kms | github; absent = any. */
  service?: string
  /** e.g. CopyImage, CreateComment; absent = any. */
  action?: string
  accountId?: string
  region?: string
  kind: FaultKind
  /** For kind 'error': HTTP status (default 500), code (default the service's internal error), message. */
  status?: number
  code?: string
  message?: string
  /** Chance a matching request is hit, 0..1 (default 1). */
  probability?: number
  /** Hit at most this many requests, then stop. */
  count?: number
  /** Active from this many simulated ms after the rule was configured… */
  afterSimMs?: number
  /** …until this many simulated ms after it was configured. */
  untilSimMs?: number
  /** For kind 'latency': real ms to wait before handling the request (default 1000). */
  delayMs?: number
}

export interface FaultTarget {
  service: string
  action: string
  accountId: string
  region: string
}

const KINDS: FaultKind[] = ['throttle', 'error', 'reset', 'expired-token', 'latency']

/** Throws on a malformed rule, naming the field, so a typo does not silently inject nothing. */
export function validateFaultRule(rule: unknown, index: number): FaultRule {
  const where = `faults[${index}]`
  if (rule === null || typeof rule !== 'object') throw new Error(`${where} must be an object`)
  const r = rule as Record<string, unknown>
  if (!KINDS.includes(r.kind as FaultKind)) {
    throw new Error(
      `${where}.kind must be one of ${KINDS.join(', ')}, got ${JSON.stringify(r.kind)}`
    )
  }
  for (const key of ['status', 'probability', 'count', 'afterSimMs', 'untilSimMs', 'delayMs']) {
    if (r[key] !== undefined && typeof r[key] !== 'number')
      throw new Error(`${where}.${key} must be a number`)
  }
  const p = r.probability as number | undefined
  if (p !== undefined && (p < 0 || p > 1))
    throw new Error(`${where}.probability must be within 0..1`)
  return r as unknown as FaultRule
}

/** mulberry32: small, fast, repeatable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface ActiveRule {
  rule: FaultRule
  installedAt: number
  hits: number
}

/** The configured rules and their hit counters. */
export class FaultInjector {
  private rules: ActiveRule[] = []
  private random = seededRandom(1)

  /** Replace all rules (counters restart). */
  set(rules: FaultRule[], simNow: number, seed = 1): void {
    this.rules = rules.map((rule) => ({ rule, installedAt: simNow, hits: 0 }))
    this.random = seededRandom(seed)
  }

  add(rule: FaultRule, simNow: number): void {
    this.rules.push({ rule, installedAt: simNow, hits: 0 })
  }

  list(): FaultRule[] {
    return this.rules.map((r) => r.rule)
  }

  /**
   * The rules that hit this request: any 'latency' rules, then at most one terminal rule
   * (throttle, error, reset, expired-token), first match wins.
   */
  match(target: FaultTarget, simNow: number): FaultRule[] {
    const hit: FaultRule[] = []
    for (const active of this.rules) {
      const { rule } = active
      if (rule.service !== undefined && rule.service !== target.service) continue
      if (rule.action !== undefined && rule.action !== target.action) continue
      if (rule.accountId !== undefined && rule.accountId !== target.accountId) continue
      if (rule.region !== undefined && rule.region !== target.region) continue
      const sinceInstall = simNow - active.installedAt
      if (rule.afterSimMs !== undefined && sinceInstall < rule.afterSimMs) continue
      if (rule.untilSimMs !== undefined && sinceInstall >= rule.untilSimMs) continue
      if (rule.count !== undefined && active.hits >= rule.count) continue
      if (rule.probability !== undefined && this.random() >= rule.probability) continue
      active.hits++
      hit.push(rule)
      if (rule.kind !== 'latency') break
    }
    return hit
  }
}
