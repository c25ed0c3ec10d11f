// Fault rules read from settings: which new images fail, and how much slower copies run per region.
import type { Sim } from '../../types.js'
import { globMatch } from './params.js'
import { setting, type StateReason } from './state.js'

/**
 * `ec2.failCreateImage` / `ec2.failCopy`: `true`, one rule or a list. A rule matches on the
 * optional `accountId`, `region` (for a copy: the destination) and `namePattern` (`*`/`?`);
 * `count` limits how many images it fails (decremented as it fires).
 */
export interface FailRule {
  accountId?: string
  region?: string
  namePattern?: string
  code?: string
  message?: string
  count?: number
}

export function imageFailure(
  sim: Sim,
  key: 'failCreateImage' | 'failCopy',
  ctx: { accountId: string; region: string; name: string },
  fallback: StateReason
): StateReason | undefined {
  const raw = setting<unknown>(sim, 'ec2', key, undefined)
  if (!raw) return undefined
  const rules: FailRule[] =
    raw === true ? [{}] : Array.isArray(raw) ? (raw as FailRule[]) : [raw as FailRule]
  for (const rule of rules) {
    if (rule.count !== undefined && rule.count <= 0) continue
    if (rule.accountId && rule.accountId !== ctx.accountId) continue
    if (rule.region && rule.region !== ctx.region) continue
    if (rule.namePattern && !globMatch(rule.namePattern, ctx.name)) continue
    if (rule.count !== undefined) rule.count -= 1
    return { code: rule.code ?? fallback.code, message: rule.message ?? fallback.message }
  }
  return undefined
}

/** `ec2.copySlowdown`: `{ "<region>": multiplier }` applied to copies into that region. */
export function copySlowdown(sim: Sim, region: string): number {
  const map = setting<Record<string, number>>(sim, 'ec2', 'copySlowdown', {})
  const m = map[region]
  return typeof m === 'number' && m > 0 ? m : 1
}
