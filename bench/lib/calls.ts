// Reading the emulator's call log: which calls are status reads of a waited resource (polling),
// per-phase counts, and detection latency (first read at or after the done instant).
import type { CallRecord } from '../../emulator/index.js'

/** A status read: GetAutomationExecution, or DescribeImages of one image by ID. */
export function isStatusRead(call: CallRecord): boolean {
  if (call.service === 'ssm' && call.action === 'GetAutomationExecution') return true
  return (
    call.service === 'ec2' &&
    call.action === 'DescribeImages' &&
    typeof call.params['ImageId.1'] === 'string' &&
    call.params['ImageId.2'] === undefined
  )
}

export function countBy(calls: CallRecord[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const c of calls) counts[c.action] = (counts[c.action] ?? 0) + 1
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)))
}

export interface Detection {
  resource: string
  /** Simulated ms from done to the first status read that saw it done. */
  latencyMs: number
  /** Status reads from the first one to the detecting one. */
  reads: number
  /** Simulated ms from the first status read to detection. */
  waitedMs: number
}

/** Detection of one waited resource, from the status reads that name it. */
export function detection(
  resource: string,
  reads: CallRecord[],
  doneAt: number
): Detection | undefined {
  const sorted = [...reads].sort((a, b) => a.seq - b.seq)
  // The arrival time is stamped a little before the emulator settles state; on a loaded machine
  // (1 real ms = 100 simulated ms at timeScale 0.01) the read that ended the wait can be stamped
  // just before the done instant. Then the last successful read is the detecting one (latency 0).
  const lastOk = sorted.filter((c) => c.status < 400).pop()
  const hit = sorted.find((c) => c.simAt >= doneAt && c.status < 400) ?? lastOk
  if (!hit) return undefined
  const used = sorted.filter((c) => c.seq <= hit.seq)
  return {
    resource,
    latencyMs: Math.max(0, hit.simAt - doneAt),
    reads: used.length,
    waitedMs: hit.simAt - sorted[0].simAt
  }
}
