// The planner: the one switch between a real run and a dry run. Each step that changes AWS hands
// its change to `change()`: a real run acts, a dry run records what it would do (and the AWS calls
// it would make) and goes on with a planned value. Read-only checks run the same in both modes.
import { describeError, errorCode } from './aws/errors.js'
import type { PlanItem, PlannedCall } from './types.js'

export type { PlanItem, PlannedCall }

export interface Change<T> {
  phase: PlanItem['phase']
  /** The plan line: what the step does, e.g. "Copy ami-1 to eu-west-1 (account 1111…)". */
  text: string
  /** Every mutating AWS call the step makes, in order (one per call the real run sends). */
  calls: PlannedCall[]
  /** Dry run: the value the step returns instead of acting (e.g. the planned copy). */
  planned: T
  /**
   * Dry run: a permission probe of the same call (EC2 `DryRun: true`). DryRunOperation means it
   * would succeed; any other answer becomes a problem in the plan, naming `permission`.
   */
  probe?: { permission: string; where: string; send: () => Promise<unknown> }
}

export interface Planner {
  readonly dryRun: boolean
  /** The plan so far (dry run); stays empty in a real run. */
  readonly items: PlanItem[]
  /** Real run: `act()`. Dry run: record the change, probe it if asked, return `change.planned`. */
  change<T>(change: Change<T>, act: () => Promise<T>): Promise<T>
  /** A problem a read-only check found: a real run throws it, a dry run lists it and goes on. */
  problem(phase: PlanItem['phase'], error: Error): void
  /**
   * A plan line that makes no call (e.g. "reuse ami-1"), or with `problem` a failure the real run
   * reports its own way (a failed copy is a fleet member with its error), or with `calls` the plan
   * of a step that decides its dry run itself (pruning, which also has prune-dry-run). Ignored in
   * a real run.
   */
  note(
    phase: PlanItem['phase'],
    text: string,
    options?: { problem?: boolean; calls?: PlannedCall[] }
  ): void
}

export function createPlanner(dryRun: boolean): Planner {
  const items: PlanItem[] = []
  return {
    dryRun,
    items,
    async change(change, act) {
      if (!dryRun) return act()
      items.push({ phase: change.phase, text: change.text, calls: change.calls })
      if (change.probe) {
        const refusal = await probe(change.probe)
        if (refusal) items.push({ phase: 'check', text: refusal, problem: true })
      }
      return change.planned
    },
    problem(phase, error) {
      if (!dryRun) throw error
      // A check that runs before the build and again on the AMI finds the same thing once.
      if (items.some((i) => i.problem && i.text === error.message)) return
      items.push({ phase, text: error.message, problem: true })
    },
    note(phase, text, options = {}) {
      if (!dryRun) return
      items.push({
        phase,
        text,
        ...(options.problem && { problem: true }),
        ...(options.calls && { calls: options.calls })
      })
    }
  }
}

/** The calls a plan says a real run would make, in plan order. */
export function plannedCalls(items: readonly PlanItem[]): PlannedCall[] {
  return items.flatMap((item) => item.calls ?? [])
}

/** EC2 DryRun: DryRunOperation means allowed; UnauthorizedOperation means a missing permission. */
async function probe({
  permission,
  where,
  send
}: NonNullable<Change<unknown>['probe']>): Promise<string | undefined> {
  try {
    await send()
    return undefined
  } catch (e) {
    const code = errorCode(e)
    if (code === 'DryRunOperation') return undefined
    if (code === 'UnauthorizedOperation') {
      return `Missing permission ${permission} in ${where}: ${describeError(e)}`
    }
    return `${permission} in ${where} would fail: ${describeError(e)}`
  }
}
