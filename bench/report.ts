// bench/REPORT.md from the results: the figures table (value, target, met?), the machine, how each
// figure was measured, and why any target is not met.
import type { Machine } from './lib/machine.js'
import type { Detection } from './lib/calls.js'
import type { ColdStart } from './scenarios/cold-start.js'
import type { FanOutRun } from './scenarios/fan-out.js'
import type { PipelineRun } from './scenarios/pipeline.js'
import type { PruneRun } from './scenarios/prune.js'
import type { RealWaiters } from './scenarios/real-waiters.js'
import type { ShareRun } from './scenarios/share.js'
import type { ModelRow } from './scenarios/waiter-model.js'
import { median, round } from './lib/stats.js'

export interface Results {
  quick: boolean
  generatedAt: string
  benchSeconds: number
  machine: Machine & { loadAverage1mAtStart: number; loadAverage1mAtEnd: number }
  plan: Record<string, unknown>
  coldStart: ColdStart
  pipelines: PipelineRun[]
  detection: {
    samples: Detection[]
    medianLatencyMs: number
    maxLatencyMs: number
    requestsPerWaitedMinute: number
  }
  realWaiters?: RealWaiters
  waiterModel: ModelRow[]
  calls: {
    perPhase: {
      phase: string
      actual: number
      polling: number
      outsidePolling: number
      minimum: number
      ratio: number | null
    }[]
    minimumModel: Record<string, Record<string, number>>
    totalOutsidePolling: number
    totalMinimum: number
  }
  fanOut: { runs: FanOutRun[]; medianRatio: number }
  share: { runs: ShareRun[]; maxCallsPerRegion: number }
  prune: PruneRun
  overhead: { medianMs: number; medianWallMs: number; medianAwsMs: number }
  fullRunPeakRssMiB: number
}

interface Row {
  figure: string
  value: string
  target: string
  met: boolean | undefined
  why?: string
}

const s = (ms: number, digits = 1): string => `${round(ms / 1000, digits)} s`
const yes = (met: boolean | undefined): string =>
  met === undefined ? '—' : met ? '**met**' : '**not met**'

function rows(r: Results): Row[] {
  const node24 = Object.entries(r.coldStart.byNode).find(([k]) => k.startsWith('Node v24'))
  const cold = node24?.[1].medianMs
  const callRatio = r.calls.totalOutsidePolling / r.calls.totalMinimum
  const worstPhase = r.calls.perPhase
    .filter((p) => p.ratio !== null)
    .sort((a, b) => (b.ratio ?? 0) - (a.ratio ?? 0))[0]
  const p = r.prune
  const out: Row[] = [
    {
      figure: '1. Cold start, Node 24: spawn → first AWS request (median)',
      value: cold === undefined ? 'Node 24 unavailable' : `${Math.round(cold)} ms`,
      target: '≤ 300 ms',
      met: cold === undefined ? undefined : cold <= 300,
      why:
        "The bundle is ncc's CommonJS output (nothing tree-shaken: the whole of client-ec2 is parsed and compiled at start; `require('@aws-sdk/client-ec2')` alone, unbundled, takes ~1 s and 111 MB RSS on this machine under load). " +
        'The reference measured ~261 ms for a minimal ncc bundle on an idle machine of the same size and ~106–185 ms for ESM tree-shaken bundles (rollup/esbuild, performance-and-limits.md §4); ' +
        `this bundle is larger (more SDK clients) and the 2-core machine was shared with other builds and tests (1-min load average ${r.machine.loadAverage1mAtStart} at start, ${r.machine.loadAverage1mAtEnd} at end). ` +
        'Deferring what a run may not need was checked: importing client-kms after ec2/ssm/sts costs ~30–60 ms and @actions/github ~50–100 ms, a few per cent of the start-up, and deferring them in one ncc file would need webpack eager-mode dynamic imports and an async `Clients.kms`; not done. ' +
        'Re-measured alone on a quiet machine (1-min load average 0.6, 2026-11-28, same bundle, 10 runs): median 574 ms (459–627 ms), so about half of the full-run figure is load. ' +
        'The remaining lever is the bundler, which DESIGN.md fixes as ncc: an ESM tree-shaken build of the SDK.'
    },
    {
      figure: '1. Bundle size (dist/index.js)',
      value: `${r.coldStart.bundleBytes.toLocaleString('en-US')} B`,
      target: '—',
      met: undefined
    },
    {
      figure: '2. Detection latency at default settings (median over runbook + copy waits)',
      value: `${s(r.detection.medianLatencyMs, 2)} (max ${s(r.detection.maxLatencyMs)}, n = ${r.detection.samples.length})`,
      target: '≤ 3 s',
      met: r.detection.medianLatencyMs <= 3000,
      why:
        'The poll (5 s ± 20 %, first read at once) did not change between full runs; the waits sit on its grid. The runbook takes 10 s and the copies 12–24 s, ' +
        'so whether the read at ~10 s (two jittered intervals, 8–12 s) lands just before or just after the end decides between ~0 s and ~5 s of latency: ' +
        'one full run caught all three runbook ends on that read (0.04–1.71 s), another missed all three (4.1–4.9 s). With n = 15 on four fixed durations the median swings with that alignment; ' +
        'over end instants spread uniformly (the simulated rows below) the median is 2.6 s.'
    },
    {
      figure: '2. Status requests per waited minute, per resource (median)',
      value: `${round(r.detection.requestsPerWaitedMinute, 1)}/min`,
      target: '≤ 12/min (1 per 5 s)',
      met: r.detection.requestsPerWaitedMinute <= 12,
      why:
        'The action polls every 5 s ± 20 % (jitter so parallel waits do not poll in lockstep): 12/min on average, and a short wait ' +
        '(10–25 s here, 2–5 intervals) can draw more short intervals than long ones. Over long waits the simulation gives 12.0 (2–4 min) and 11.7 (9–11 min) per minute; ' +
        'holding a strict ≤ 12 on every wait would need the jitter to be one-sided (5–6 s), at the cost of ~0.25 s more mean latency.'
    },
    {
      figure: '3. API calls outside polling ÷ minimum, whole pipeline',
      value: `${r.calls.totalOutsidePolling} ÷ ${r.calls.totalMinimum} = ${round(callRatio, 2)} (worst phase: ${worstPhase?.phase} ${round(worstPhase?.ratio ?? 0, 2)})`,
      target: '≤ 1.25',
      met:
        callRatio <= 1.25 && r.calls.perPhase.every((ph) => ph.ratio === null || ph.ratio <= 1.25),
      why:
        'Per phase (table below). Setup makes one STS GetCallerIdentity that the minimum model does without: it is kept because adopting an AMI (`ami-id`) must know whether the caller owns it, ' +
        "and the account is needed before the build for the dry-run plan and the reuse path; only a fresh runbook or instance build could take it from the new AMI's OwnerId. " +
        "Permission reads (DescribeImageAttribute, DescribeSnapshotAttribute) happen only for a reused or adopted AMI or `sharing-mode: exact`, DescribeSnapshots only when DescribeImages does not name a snapshot's KMS key, " +
        'and DescribeAutomationStepExecutions only when the runbook fails or its step list is truncated.'
    },
    {
      figure: '4. 16-region copy wall time ÷ slowest single copy (median)',
      value: `${round(r.fanOut.medianRatio, 3)} (slowest copy ${s(r.fanOut.runs[0]?.slowestCopyMs ?? 0, 0)} simulated)`,
      target: '≤ 1.1',
      met: r.fanOut.medianRatio <= 1.1
    },
    {
      figure: `5. Prune ${p.versions.toLocaleString('en-US')} versions / 4 regions: DeregisterImage rate after the 100 burst ÷ 5/s refill (slowest region)`,
      value: `${round(p.rateShareOfRefill * 100, 1)} % (${Object.values(p.rateAfterBurstByRegion)
        .map((x) => round(x, 2))
        .join(', ')} /s)`,
      target: '≥ 90 %',
      met: p.rateShareOfRefill >= 0.9
    },
    {
      figure: '5. Prune: DeregisterImage calls / DeleteSnapshot calls',
      value: `${p.callsByAction.DeregisterImage ?? 0} / ${p.callsByAction.DeleteSnapshot ?? 0}`,
      target: `${p.versions} / 0`,
      met: (p.callsByAction.DeregisterImage ?? 0) === p.versions && !p.callsByAction.DeleteSnapshot
    },
    {
      figure: '5. Prune: throttling errors surfaced (throttled calls retried inside the SDK)',
      value: `${p.throttlingErrorsSurfaced} (${p.throttledCalls})`,
      target: '0',
      met: p.throttlingErrorsSurfaced === 0 && p.exitCode === 0
    },
    {
      figure: '5. Prune: peak RSS of the action process',
      value: p.peakRssMiB === undefined ? 'n/a' : `${p.peakRssMiB} MiB`,
      target: '≤ 150 MB',
      met: p.peakRssMiB === undefined ? undefined : p.peakRssMiB * 1.048576 <= 150,
      why:
        `About ${Math.round(r.fullRunPeakRssMiB)} MiB of it is what any run of this bundle peaks at (the standard pipeline, figure 8; the bundle exits on a config error at ~140 MiB, and \`require('@aws-sdk/client-ec2')\` alone is 111 MB RSS): parsing and compiling the 5 MB CommonJS bundle, the SDK clients and undici. ` +
        `The remaining ~${Math.round((p.peakRssMiB ?? 0) - r.fullRunPeakRssMiB)} MiB is not what the action holds: candidates are slim records (ID, name, date, state, owner, the family and keep tags, snapshot IDs and sizes) built page by page, and after a full GC the heap of a 10,000-version dry run is ~37 MB. ` +
        'It is garbage V8 lets pile up between major collections while the process mostly waits (DescribeImages pages and their response buffers, ~22 MB of ArrayBuffers at once, and the report strings at the end). ' +
        `Found and fixed while measuring: the summary/comment cut re-measured every shorter prefix of an over-long table (quadratic: a 10,000-row prune table blocked the process for a minute or more); this scenario went from 625 s to ${Math.round(p.wallMs / 1000)} s, but the peak did not drop. ` +
        'In 10,000-version dry runs, smaller DescribeImages pages (200) or listing the regions one after another changed the peak by < 10 MiB. Levers left: a tree-shaken ESM bundle (see cold start) for the base.'
    },
    {
      figure: '6. Sharing with 1,000 accounts: ModifyImageAttribute calls per region (max)',
      value: `${r.share.maxCallsPerRegion} (${Object.entries(
        r.share.runs[0]?.modifyImageAttributeByRegion ?? {}
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')})`,
      target: '1',
      met: r.share.maxCallsPerRegion === 1
    },
    {
      figure: '7. Full-run overhead: wall time − AWS critical path (median)',
      value: `${s(r.overhead.medianMs, 2)} (wall ${s(r.overhead.medianWallMs)}, AWS ${s(r.overhead.medianAwsMs)})`,
      target: '≤ 5 s',
      met: r.overhead.medianMs <= 5000,
      why:
        `Where the time goes: start-up to the first request (${Math.round(median(Object.values(r.coldStart.byNode).map((v) => v.medianMs)))} ms median here), ` +
        `two waited stages on the critical path (runbook, then the slowest copy) at a 5 s poll: ${s(median(r.detection.samples.map((d) => d.latencyMs)) * 2)} of detection latency by the median alone, ` +
        'and the sequential round trips of build (6–7 calls before the runbook starts and after it ends), sharing and prune, each slowed by a machine whose 1-min load average was ' +
        `${r.machine.loadAverage1mAtStart}–${r.machine.loadAverage1mAtEnd} on 2 cores (other engineers' builds and tests). The detection part is the price of the 5 s poll that the latency target asks for.`
    },
    {
      figure: '8. Peak RSS of the full run (median)',
      value: `${r.fullRunPeakRssMiB} MiB`,
      target: '—',
      met: undefined
    }
  ]
  return out
}

export function renderReport(r: Results): string {
  const table = rows(r)
  const m = r.machine
  const p = r.prune
  const lines: string[] = []
  lines.push('# Benchmarks: ami-share-action against the emulator', '')
  lines.push(
    r.quick
      ? '> **QUICK RUN** (`npm run bench -- --quick`): fewer repetitions and smaller sizes; not the committed figures.'
      : '> Full run (`npm run bench`). Every figure is the median of the runs listed under "How" unless it says otherwise.',
    ''
  )
  lines.push(`Generated ${r.generatedAt} in ${r.benchSeconds} s.`, '')
  lines.push('| figure | value | target | met? |', '|---|---|---|---|')
  for (const row of table)
    lines.push(`| ${row.figure} | ${row.value} | ${row.target} | ${yes(row.met)} |`)
  lines.push('', '## Machine', '')
  lines.push(`- CPU: ${m.cpuModel}, ${m.cores} cores; ${m.memoryGiB} GiB RAM; ${m.os}`)
  lines.push(
    `- Node: bench and emulator ${m.benchNode}; the action on ${m.node24 ?? '(Node 24 unavailable)'} for cold start, and on ${m.benchNode} elsewhere`
  )
  lines.push(
    `- 1-min load average: ${m.loadAverage1mAtStart} at start, ${m.loadAverage1mAtEnd} at end (the machine is shared)`
  )

  const notMet = table.filter((row) => row.met === false)
  lines.push('', '## Targets not met', '')
  if (notMet.length === 0) lines.push('None.')
  for (const row of notMet)
    lines.push(`- **${row.figure}** — ${row.why ?? 'see the figures below.'}`, '')

  lines.push('', '## How each figure was measured', '')
  lines.push(
    "**1. Cold start.** `node dist/index.js` adopting a seeded AMI (`ami-id`) against the emulator; time from just before `spawn()` to the emulator's call-log timestamp of the first AWS request, " +
      `one warm-up then ${String(r.plan.coldStartReps)} runs per Node binary (Node 24 from \`npx -y node@24\`).`
  )
  lines.push('', '| Node | median | samples (ms) |', '|---|---|---|')
  for (const [label, v] of Object.entries(r.coldStart.byNode))
    lines.push(`| ${label} | ${Math.round(v.medianMs)} ms | ${v.samples.join(', ')} |`)

  lines.push(
    '',
    '**2, 3, 7, 8. The standard pipeline at real time.** Emulator at timeScale 1, the action with default settings (AMI_SHARE_ACTION_POLL_MS unset → 5 s polls, ±20 % jitter). ' +
      'A runbook (a 4 s step, then `aws:createImage` of 6 s), sharing with 3 accounts + 1 OU, copies to 4 regions (8 GiB: 16 s × slowdowns 1, 1.25, 1.5, 0.75), prune keeping 3 of 6 versions in 5 regions. ' +
      'The AWS durations are shortened through emulator settings so a run takes under a minute; every other cost (start-up, round trips, detection latency, sharing, prune) is real. ' +
      `${r.pipelines.length} run(s). Detection latency = simulated time of the first status read (GetAutomationExecution / DescribeImages by ID) at or after the instant the emulator marks the runbook or copy done, minus that instant. ` +
      'Requests per waited minute = status reads after the first, per minute waited, per resource. Overhead = wall time (spawn → exit) − (runbook duration + slowest copy), the AWS critical path. Peak RSS from GNU time (`%M`).'
  )
  lines.push('', '| resource | latency | status reads | waited |', '|---|---|---|---|')
  for (const d of r.detection.samples)
    lines.push(`| ${d.resource} | ${s(d.latencyMs, 2)} | ${d.reads} | ${s(d.waitedMs)} |`)

  lines.push('', '**The alternatives.** ')
  if (r.realWaiters) {
    const sdk = r.realWaiters.sdk
    const cli = r.realWaiters.cli
    lines.push(
      `Measured at real time against the same emulator, waiting for copies of the same durations (12–24 s): the JS SDK's \`waitUntilImageAvailable\` (client-ec2, default 15→120 s schedule), median latency ${s(median(sdk.map((d) => d.latencyMs)))} over ${sdk.length} waits` +
        (r.realWaiters.cliAvailable
          ? `; \`aws ec2 wait image-available\` (AWS CLI ${'v1'}, 15 s fixed; started once the copy is visible, since botocore fails at once on InvalidAMIID.NotFound), median ${s(median(cli.map((d) => d.latencyMs)))} over ${cli.length} waits.`
          : '; the AWS CLI is not installed here, so its figure is simulated only.')
    )
  } else {
    lines.push(
      'Quick run: the alternatives are simulated only (the full run also measures them at real time).'
    )
  }
  lines.push(
    '',
    'Simulated from the documented schedules (performance-and-limits.md §1.1–1.2; first check at once, 150 ms per round trip, done at a uniform instant in the window; ' +
      `${String(r.plan.modelTrials)} trials per cell; deterministic seed). Longer waits cannot be run at real time in a bench, so these rows are simulation:`,
    '',
    '| strategy | done after | mean | median | p95 | requests / waited min |',
    '|---|---|---|---|---|---|'
  )
  for (const row of r.waiterModel) {
    lines.push(
      `| ${row.strategy} | ${row.readyWindow} | ${row.meanLatencyS} s | ${row.medianLatencyS} s | ${row.p95LatencyS} s | ${row.requestsPerWaitedMinute} |`
    )
  }

  lines.push(
    '',
    '**3. Calls per phase** (median of the pipeline runs; phases split where the action opens its `Build`, `Distribute` and `Prune` log groups; STS is setup). ' +
      '"Polling" = status reads of a waited resource beyond the one that sees it done; the minimum model counts that one read per waited resource (runbook, the built AMI, each copy), so the ratio compares calls outside polling.',
    '',
    '| phase | calls | polling | outside polling | minimum | ratio |',
    '|---|---|---|---|---|---|'
  )
  for (const ph of r.calls.perPhase) {
    lines.push(
      `| ${ph.phase} | ${ph.actual} | ${ph.polling} | ${ph.outsidePolling} | ${ph.minimum} | ${ph.ratio === null ? '— (minimum 0)' : round(ph.ratio, 2)} |`
    )
  }
  lines.push('', 'Calls by action in one run:', '')
  const first = r.pipelines[0]
  if (first)
    for (const [phase, counts] of Object.entries(first.callsByPhase))
      lines.push(
        `- ${phase}: ${
          Object.entries(counts)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ') || 'none'
        }`
      )
  lines.push('', 'Minimum model (what the API needs for these inputs, outside polling):', '')
  for (const [phase, counts] of Object.entries(r.calls.minimumModel)) {
    lines.push(
      `- ${phase}: ${
        Object.entries(counts)
          .map(([k, v]) => `${k} × ${v}`)
          .join('; ') ||
        "0 (the account comes from DescribeImages' OwnerId; no STS call is needed with static or OIDC credentials)"
      }`
    )
  }

  lines.push(
    '',
    `**4. Copy fan-out.** \`ami-id\` adopted, \`copy-regions\` = 16 regions, default copy timing (8 GiB ≈ 8 simulated min) × per-region slowdowns from 1.0 to 2.0, emulator timeScale 0.01 with a 50 ms poll — the 5 s default poll in simulated time, so the run is a real one compressed 100× (the action's own CPU time is stretched 100×, which only makes the figure pessimistic). ` +
      `Copy wall = first CopyImage → the last copy seen available; slowest single copy = the emulator's own duration of the slowest copy. Runs: ${r.fanOut.runs.map((f) => round(f.ratio, 4)).join(', ')}.`
  )
  lines.push(
    '',
    `**5. Prune.** ${p.versions.toLocaleString('en-US')} versions (${p.versions / 4} per region in 4 regions, family-tagged, keep 1), throttling on with AWS's bucket sizes (DeregisterImage 100, 5/s). ` +
      'The emulator refills its buckets in simulated time while the action paces itself (src/prune/pacer.ts) on the real clock, so the run is at timeScale 1, where the two clocks agree: at a smaller timeScale the emulator would refill 100× faster and could never throttle, and the pacer would still take real minutes. ' +
      `One run (it takes ${s(p.wallMs, 0)}); rate = DeregisterImage calls per second after each region's first 100; bucket floor per region = (N − 100) / 5 s = ${s(p.bucketFloorMs, 0)}, measured deregistration span ${s(p.deregisterWallMs, 0)}. ` +
      `The pacer aims at 4.75/s (95 % of the refill, a margin for other automation sharing the bucket). Calls by action: ${Object.entries(
        p.callsByAction
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}.`
  )
  lines.push(
    '',
    `**6. Sharing with 1,000 accounts** (AWS's quota of sharing entities per AMI): \`ami-id\` adopted, 1,000 account IDs, 2 copy regions; ModifyImageAttribute calls counted per region from the call log; \`shared-with\` listed ${r.share.runs[0]?.sharedWith ?? 0} accounts. ${r.share.runs.length} run(s).`
  )
  lines.push('')
  return lines.join('\n')
}
