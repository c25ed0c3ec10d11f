// What a pre-flight check found. A real run throws on errors and warns on warnings before any
// change; a dry run lists both in the plan. One shape so every check serves both.
import type { RunContext } from '../context.js'

export interface Finding {
  severity: 'error' | 'warning'
  message: string
}

export const error = (message: string): Finding => ({ severity: 'error', message })
export const warning = (message: string): Finding => ({ severity: 'warning', message })

/** Real run: warn on warnings, throw one error listing every error. Dry run: record all in the plan. */
export function settleFindings(ctx: RunContext, findings: Finding[]): void {
  if (ctx.plan.dryRun) {
    for (const f of findings) ctx.plan.problem('check', new Error(f.message))
    return
  }
  for (const f of findings) if (f.severity === 'warning') ctx.warn(f.message)
  const errors = findings.filter((f) => f.severity === 'error').map((f) => f.message)
  if (errors.length === 1) throw new Error(errors[0])
  if (errors.length > 1) throw new Error(`Pre-flight checks failed:\n- ${errors.join('\n- ')}`)
}
