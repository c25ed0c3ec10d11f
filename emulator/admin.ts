// The emulator's control surface: the shared Sim plus configure / seed / state / reset, and the
// admin HTTP API under /_sim/ that exposes them.
import { randomBytes } from 'node:crypto'
import type { CallRecord, ServiceModule, Sim } from './types.js'
import { createClock, type SimClock } from './clock.js'
import { FaultInjector, validateFaultRule, type FaultRule } from './faults.js'
import { Throttler } from './throttle.js'
import { githubSnapshot, seedGithub, type GithubSeed } from './github.js'

/** Settings the framework reads; services read their own keys from the same object. */
export interface FrameworkSettings {
  /** Token-bucket throttling on (default) or off. */
  throttling?: boolean
  /** Bucket size overrides, keyed `service:Action` or `service:*`. */
  throttleBuckets?: Record<string, { capacity: number; refillPerSec: number }>
  /** Fault rules, replacing earlier ones (counters restart). */
  faults?: FaultRule[]
  /** PRNG seed for fault probabilities (default 1). */
  faultSeed?: number
  /** IAM allow-lists per account: { '111122223333': ['ec2:Describe*', 'ssm:*'] }. */
  iam?: Record<string, string[]>
  /** Role ARNs whose AssumeRole is denied. */
  assumeRoleDenied?: string[]
  [serviceKey: string]: unknown
}

export interface SimControlOptions {
  timeScale?: number
  throttling?: boolean
  services: Record<string, ServiceModule>
}

export type SeedData = Record<string, unknown>

/** Owns the Sim and everything the framework keeps beside it (buckets, fault counters). */
export class SimControl {
  readonly sim: Sim
  readonly clock: SimClock
  readonly faults = new FaultInjector()
  readonly throttler = new Throttler()
  readonly services: Record<string, ServiceModule>
  private readonly initialSettings: FrameworkSettings
  private readonly usedIds = new Set<string>()
  private seq = 0

  constructor(options: SimControlOptions) {
    this.clock = createClock(options.timeScale ?? 1)
    this.services = options.services
    this.initialSettings = { throttling: options.throttling ?? true }
    this.sim = {
      clock: this.clock,
      state: {},
      settings: { ...this.initialSettings },
      calls: [],
      newId: (prefix) => this.newId(prefix)
    }
  }

  get settings(): FrameworkSettings {
    return this.sim.settings as FrameworkSettings
  }

  private newId(prefix: string): string {
    for (;;) {
      const id = `${prefix.replace(/-$/, '')}-${randomBytes(9).toString('hex').slice(0, 17)}`
      if (!this.usedIds.has(id)) {
        this.usedIds.add(id)
        return id
      }
    }
  }

  record(call: Omit<CallRecord, 'seq'>): CallRecord {
    const record = { seq: ++this.seq, ...call }
    this.sim.calls.push(record)
    return record
  }

  /** Merge top-level keys into the settings. Throws on malformed framework keys. */
  configure(patch: FrameworkSettings): FrameworkSettings {
    if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
      throw new Error('configure expects an object of settings')
    }
    if (patch.throttling !== undefined && typeof patch.throttling !== 'boolean') {
      throw new Error('throttling must be true or false')
    }
    if (patch.iam !== undefined) {
      for (const [account, list] of Object.entries(patch.iam)) {
        if (!Array.isArray(list))
          throw new Error(`iam.${account} must be a list like ["ec2:DescribeImages"]`)
      }
    }
    if (patch.assumeRoleDenied !== undefined && !Array.isArray(patch.assumeRoleDenied)) {
      throw new Error('assumeRoleDenied must be a list of role ARNs')
    }
    if (patch.faults !== undefined || patch.faultSeed !== undefined) {
      const rules = patch.faults ?? this.faults.list()
      if (!Array.isArray(rules)) throw new Error('faults must be a list of rules')
      const validated = rules.map((rule, i) => validateFaultRule(rule, i))
      this.faults.set(validated, this.clock.now(), patch.faultSeed ?? this.settings.faultSeed ?? 1)
    }
    if (patch.throttleBuckets !== undefined) this.throttler.reset()
    Object.assign(this.sim.settings, patch)
    return this.settings
  }

  /** Add one fault rule to the configured ones. */
  addFault(rule: FaultRule): void {
    const validated = validateFaultRule(rule, this.faults.list().length)
    this.faults.add(validated, this.clock.now())
    this.settings.faults = this.faults.list()
  }

  /** Hand each service its part of the seed: { ec2: …, ssm: …, kms: …, github: … }. */
  seed(data: SeedData): Record<string, unknown> {
    if (data === null || typeof data !== 'object')
      throw new Error('seed expects an object keyed by service')
    const result: Record<string, unknown> = {}
    for (const [name, part] of Object.entries(data)) {
      if (name === 'github') {
        result.github = seedGithub(this.sim, part as GithubSeed)
        continue
      }
      const service = this.services[name]
      if (!service)
        throw new Error(
          `seed: unknown service "${name}" (known: ${[...Object.keys(this.services), 'github'].join(', ')})`
        )
      if (!service.seed) throw new Error(`seed: the ${name} service takes no seed`)
      result[name] = service.seed(part, this.sim)
    }
    return result
  }

  state(): Record<string, unknown> {
    const view: Record<string, unknown> = {}
    for (const [name, service] of Object.entries(this.services)) {
      if (service.snapshot) view[name] = service.snapshot(this.sim)
    }
    view.github = githubSnapshot(this.sim)
    return view
  }

  /** Forget all state, calls, faults and settings changes; the clock keeps running. */
  reset(): void {
    for (const key of Object.keys(this.sim.state)) delete this.sim.state[key]
    this.sim.calls.length = 0
    for (const key of Object.keys(this.sim.settings)) delete this.sim.settings[key]
    Object.assign(this.sim.settings, this.initialSettings)
    this.faults.set([], this.clock.now())
    this.throttler.reset()
  }
}

export interface AdminReply {
  status: number
  body: unknown
}

/** The admin API: path below /_sim. */
export function handleAdmin(
  control: SimControl,
  method: string,
  path: string,
  query: URLSearchParams,
  body: unknown
): AdminReply {
  const route = `${method} ${path}`
  switch (route) {
    case 'POST /seed':
      return { status: 200, body: control.seed((body ?? {}) as SeedData) }
    case 'POST /configure':
      return { status: 200, body: control.configure((body ?? {}) as FrameworkSettings) }
    case 'GET /settings':
      return { status: 200, body: control.settings }
    case 'POST /faults':
      control.addFault(body as FaultRule)
      return { status: 200, body: control.faults.list() }
    case 'GET /calls': {
      const since = Number(query.get('since') ?? 0)
      return { status: 200, body: control.sim.calls.filter((c) => c.seq > since) }
    }
    case 'GET /state':
      return { status: 200, body: control.state() }
    case 'POST /reset':
      control.reset()
      return { status: 200, body: { reset: true } }
    case 'GET /clock':
      return { status: 200, body: { now: control.clock.now(), timeScale: control.clock.timeScale } }
    case 'POST /clock/advance': {
      const ms = Number((body as { ms?: unknown } | undefined)?.ms)
      if (!Number.isFinite(ms) || ms < 0)
        throw new Error('clock/advance expects { "ms": <non-negative number> }')
      control.clock.advance(ms)
      return { status: 200, body: { now: control.clock.now() } }
    }
    default:
      return { status: 404, body: { error: `No admin route ${route}` } }
  }
}
