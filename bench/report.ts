// bench/REPORT.md from the results: the figures table (value, target, met?), the machine, how each
// figure was measured, and why any target is not met.
import type { Machine } from './lib/machine.js'
import type { Detection } from './lib/calls.js'
import type { ColdStart } from './scenarios/cold-start.js'
import type { FanOutRun } from './scenarios/fan-out.js'
import type { FleetRun } from './scenarios/fleet.js'
import type { NightlyRun } from './scenarios/nightly.js'
import type { TestPhaseRun } from './scenarios/test-phase.js'
import type { PipelineRun } from './scenarios/pipeline.js'
import type { PruneRun } from './scenarios/prune.js'
import type { RetireRun } from './scenarios/retire.js'
import type { RealWaiters } from './scenarios/real-waiters.js'
import type { ShareRun } from './scenarios/share.js'
import type { ModelRow } from './scenarios/waiter-model.js'
import { median, round } from './lib/stats.js'

export interface Results {
  quick: boolean
  generatedAt: string
  benchSeconds: number
  machine: Machine & {
    loadAverage1mAtStart: number
    loadAverage1mAtEnd: number
    loadAverage1mAtColdStart?: number
  }
  plan: Record<string, unknown>
  coldStart: ColdStart
  pipelines: PipelineRun[]
  detection: {
    samples: Detection[]
    medianLatencyMs: number
    maxLatencyMs: number
    requestsPerWaitedMinute: number
    meanRequestsPerWaitedMinute: number
  }
  /** The pipeline with AWS-sized durations (runbook ~10 min, copies 6–12 min), compressed. */
  awsSized: {
    timeScale: number
    runs: PipelineRun[]
    samples: Detection[]
    medianLatencyMs: number
    meanRequestsPerWaitedMinute: number
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
  pruneSmall: PruneRun
  /** Disable, deregister-disabled and usage-report scenarios (absent in older results). */
  retire?: RetireRun[]
  fleet: FleetRun[]
  /** Nightly rebuilds: an unchanged night and an identical re-run (absent in older results). */
  nightly?: NightlyRun[]
  /** The test phase (absent in older results). */
  testPhase?: {
    runs: TestPhaseRun[]
    medianOverheadMs: number
    medianReadsPerWaitedMinute: number
    medianCallCount: number
  }
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
  const small = r.pruneSmall
  const aws = r.awsSized
  const biggest = r.fleet[r.fleet.length - 1]
  const load = r.machine.loadAverage1mAtColdStart ?? r.machine.loadAverage1mAtStart
  const cb = r.coldStart.baseline
  const cpu = r.coldStart.loadCpuMs
  const out: Row[] = [
    {
      figure: '1. Cold start, Node 24: spawn → first AWS request (median)',
      value:
        cold === undefined
          ? 'Node 24 unavailable'
          : `${Math.round(cold)} ms (1-min load average ${load})`,
      target: '≤ 300 ms',
      met: cold === undefined ? undefined : cold <= 300,
      why:
        'The main chunk still holds client-ec2 (one ~49k-line CommonJS module that ncc cannot tree-shake), @smithy/core, undici (under @actions/core) and the credential chain: every run needs EC2, so it is loaded at start. ' +
        'SSM, KMS, STS and @actions/github are now chunks compiled only when a run uses them (src/aws/clients.ts `sdk`, report/comment.ts); the first request of this run is STS GetCallerIdentity, so the STS chunk is on the measured path. ' +
        `The machine was heavily shared (1-min load average ${load} when cold start ran, on 2 cores). Against the previous bundle, alternating run by run: ${cb ? `${round(cb.ratio, 2)} × its wall time to the first request` : 'not measured'}${cpu?.ratio ? ` and ${round(cpu.ratio, 2)} × its CPU time to load (median ${Math.round(median(cpu.current))} ms against ${Math.round(median(cpu.baseline ?? []))} ms user + sys)` : ''}. ` +
        'The previous bundle measured 574 ms on a quiet machine (1-min load 0.6, 2026-11-28), so by these ratios this one would take ~470–550 ms there: still above 300 ms. ' +
        "The remaining lever is a tree-shaken ESM build of client-ec2 (~106–185 ms for rollup/esbuild in performance-and-limits.md §4), which ncc, the project's bundler, does not do."
    },
    {
      figure: '1. Bundle size: dist/index.js (main chunk) + on-demand chunks',
      value: `${r.coldStart.bundleBytes.toLocaleString('en-US')} B${r.coldStart.chunkBytes ? ` + ${r.coldStart.chunkBytes.toLocaleString('en-US')} B` : ''}`,
      target: '—',
      met: undefined
    },
    {
      figure: `2. Detection latency, AWS-sized waits (runbook ~10 min, copies 6–12 min; median, n = ${aws.samples.length})`,
      value: s(aws.medianLatencyMs, 2),
      target: '≤ 1 s',
      met: aws.medianLatencyMs <= 1000,
      why: 'Measured in compressed time (see "How"): a stall of the loaded machine is stretched by the compression factor.'
    },
    {
      figure: '2. Status reads per waited minute, AWS-sized waits (mean over waits)',
      value: `${round(aws.meanRequestsPerWaitedMinute, 1)}/min`,
      target: '≤ 15/min',
      met: aws.meanRequestsPerWaitedMinute <= 15
    },
    {
      figure: `2. Detection latency, the real-time pipeline's short waits (10–30 s; median, n = ${r.detection.samples.length})`,
      value: `${s(r.detection.medianLatencyMs, 2)} (max ${s(r.detection.maxLatencyMs)})`,
      target: '≤ 1 s',
      met: r.detection.medianLatencyMs <= 1000,
      why: 'Waits of 10–30 s whose recorded durations spread ±20 % (the bench randomises each duration by 0–5 s): the window is polled at 1 s, plus round trips on a loaded machine.'
    },
    {
      figure: "2. Status reads per waited minute, the real-time pipeline's short waits (mean)",
      value: `${round(r.detection.meanRequestsPerWaitedMinute, 1)}/min`,
      target: '≤ 15/min',
      met: r.detection.meanRequestsPerWaitedMinute <= 15,
      why:
        'Here the two targets pull against each other: these waits last 10–30 s and their recorded durations spread by ±20 % (the bench randomises each by 0–5 s), so the end is uncertain by ~5 s, ' +
        'and seeing it within 1 s takes a read a second through those 5 s: one read at the start, one at the window start, ~5 in the window, i.e. 15–40 per minute of a 12–30 s wait. ' +
        'For waits of minutes (the AWS-sized rows) the same schedule gives both targets.'
    },
    {
      figure: '3. API calls outside polling ÷ minimum, whole pipeline',
      value: `${r.calls.totalOutsidePolling} ÷ ${r.calls.totalMinimum} = ${round(callRatio, 2)} (worst phase: ${worstPhase?.phase} ${round(worstPhase?.ratio ?? 0, 2)})`,
      target: '≤ 1.25',
      met:
        callRatio <= 1.25 && r.calls.perPhase.every((ph) => ph.ratio === null || ph.ratio <= 1.25),
      why: "Per phase (table below). Beyond the minimum: STS GetCallerIdentity (setup), the family listing that reads past durations (build, one DescribeImages) and the CreateTags that records this run's durations (distribute, one call)."
    },
    {
      figure: '4. 16-region copy wall time ÷ slowest single copy (median)',
      value: `${round(r.fanOut.medianRatio, 3)} (slowest copy ${s(r.fanOut.runs[0]?.slowestCopyMs ?? 0, 0)} simulated)`,
      target: '≤ 1.1',
      met: r.fanOut.medianRatio <= 1.1
    },
    {
      figure: `5. Prune ${small.versions.toLocaleString('en-US')} versions (1 region): DeregisterImage span ÷ bucket floor ((N − 100) / 5 s)`,
      value: `${round(small.floorRatio, 3)} (${s(small.deregisterWallMs)} ÷ ${s(small.bucketFloorMs)})`,
      target: '≤ 1.05',
      met: small.floorRatio <= 1.05
    },
    {
      figure: `5. Prune ${p.versions.toLocaleString('en-US')} versions (4 regions in parallel): DeregisterImage span ÷ bucket floor per region`,
      value: `${round(p.floorRatio, 3)} (${s(p.deregisterWallMs)} ÷ ${s(p.bucketFloorMs)}; rate after the burst ${Object.values(
        p.rateAfterBurstByRegion
      )
        .map((x) => round(x, 2))
        .join(', ')} /s)`,
      target: '≤ 1.05',
      met: p.floorRatio <= 1.05
    },
    {
      figure: '5. Prune: DeregisterImage requests per version / DeleteSnapshot calls',
      value: `${round((p.callsByAction.DeregisterImage ?? 0) / p.versions, 4)} / ${p.callsByAction.DeleteSnapshot ?? 0} at ${p.versions.toLocaleString('en-US')} (${(p.callsByAction.DeregisterImage ?? 0).toLocaleString('en-US')} requests, ${p.throttledCalls} throttled and retried by the SDK); ${round((small.callsByAction.DeregisterImage ?? 0) / small.versions, 4)} / ${small.callsByAction.DeleteSnapshot ?? 0} at ${small.versions}`,
      target: '≤ 1 / 0',
      met:
        (p.callsByAction.DeregisterImage ?? 0) <= p.versions &&
        (small.callsByAction.DeregisterImage ?? 0) <= small.versions &&
        !p.callsByAction.DeleteSnapshot,
      why:
        `Every version was deregistered by exactly one accepted DeregisterImage; the extra request${p.throttledCalls === 1 ? ' is the one' : 's are the ones'} the emulator's bucket throttled, which the SDK retried (0 errors surfaced). ` +
        'The pacer runs at 98 % of the refill after spending the burst; the span figure above shows the cost of that margin (1.02–1.03 × the floor). A wider margin would trade this rare retry for time.'
    },
    {
      figure: '5. Prune: throttling errors surfaced (throttled calls retried inside the SDK)',
      value: `${p.throttlingErrorsSurfaced + small.throttlingErrorsSurfaced} (${p.throttledCalls + small.throttledCalls})`,
      target: '0',
      met:
        p.throttlingErrorsSurfaced + small.throttlingErrorsSurfaced === 0 &&
        p.exitCode === 0 &&
        small.exitCode === 0
    },
    {
      figure: `5. Prune ${p.versions.toLocaleString('en-US')} versions: peak RSS of the action process`,
      value: p.peakRssMiB === undefined ? 'n/a' : `${p.peakRssMiB} MiB`,
      target: '≤ 150 MiB',
      met: p.peakRssMiB === undefined ? undefined : p.peakRssMiB <= 150,
      why:
        `Most of it is the bundle, not the prune: Node 24 loading the main chunk and exiting at the config check peaks at ~143 MiB, and a whole standard run at ${Math.round(r.fullRunPeakRssMiB)} MiB (figure 8). ` +
        'The listing already streams: the paginator holds one DescribeImages page (≤ 1,000 images) at a time and each image becomes a slim record (ID, name, date, state, owner, the family and keep tags, snapshot IDs and sizes) at once. ' +
        'The rest is V8 garbage piling up between major collections while the process mostly waits for the pacer (response buffers of 4 × 250 DescribeImageReferences and 10,000 DeregisterImage calls, and the report strings). ' +
        'The lazy chunks took ~20 MiB off (238 → this). The lever left is the same as for cold start: a tree-shaken client-ec2.'
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
        `Start-up to the first request (${Math.round(median(Object.values(r.coldStart.byNode).map((v) => v.medianMs)))} ms median here), two waited stages on the critical path (runbook, then the slowest copy) at ${s(r.detection.medianLatencyMs * 2)} of detection by the median, ` +
        `and the sequential round trips of build, sharing and prune on a machine whose 1-min load average was ${r.machine.loadAverage1mAtStart}–${r.machine.loadAverage1mAtEnd} on 2 cores.`
    },
    {
      figure: '8. Peak RSS of the full run (median)',
      value: `${r.fullRunPeakRssMiB} MiB`,
      target: '—',
      met: undefined
    }
  ]
  if (biggest) {
    out.push(
      {
        figure: `9. Fleet ${biggest.accounts} accounts × ${biggest.regions} regions (${biggest.copies} copies): copy wall ÷ slowest single copy`,
        value: `${round(biggest.ratio, 3)}`,
        target: '≤ 1.1',
        met: biggest.ratio <= 1.1,
        why:
          "Every account's copies into one region share one semaphore of 20 snapshot copies (src/image/copy.ts, SNAPSHOT_COPIES_PER_REGION), so 51 copies into a region run in three waves. " +
          "AWS's limit of 20 concurrent snapshot copies is per account and region (EBS quotas are per account): a limiter per (account, region) is issue #12's change, and with it the waves go."
      },
      {
        figure: `9. Fleet ${biggest.accounts} × ${biggest.regions}: AssumeRole calls per copy account for the run`,
        value: `${round(biggest.assumeRolePerAccount, 2)}`,
        target: '1',
        met: biggest.assumeRolePerAccount === 1
      },
      {
        figure: `9. Fleet ${biggest.accounts} × ${biggest.regions}: throttling errors surfaced (throttled calls)`,
        value: `${biggest.throttlingErrorsSurfaced} (${biggest.throttledCalls})`,
        target: '0',
        met: biggest.throttlingErrorsSurfaced === 0
      }
    )
  }
  if (r.testPhase?.runs.length) {
    const t = r.testPhase
    out.push({
      figure:
        '10. Test phase: launch to verdict − emulated boot, SSM registration and command (median)',
      value: `${(t.medianOverheadMs / 1000).toFixed(2)} s; ${t.medianReadsPerWaitedMinute.toFixed(1)} status reads per waited minute; ${t.medianCallCount} calls per test`,
      target: '≤ 2 s',
      met: t.medianOverheadMs <= 2000
    })
  }
  return out
}

export function renderReport(r: Results): string {
  const table = rows(r)
  const m = r.machine
  const p = r.prune
  const small = r.pruneSmall
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

  if (r.retire?.length) {
    lines.push('', '## Retirement (prune-action: disable, usage reports)', '')
    lines.push(
      '| scenario | versions | regions | span (sim s) | bucket floor per region (s) | calls/version | throttled (retried) | throttling errors surfaced |',
      '|---|---|---|---|---|---|---|---|'
    )
    for (const x of r.retire)
      lines.push(
        `| ${x.scenario} | ${x.versions} | ${x.regions} | ${round(x.spanMs / 1000, 1)} | ${round(x.floorMs / 1000, 1)} | ${x.callsPerVersion} | ${x.throttledCalls} | ${x.throttlingErrorsSurfaced} |`
      )
  }

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
  const cb = r.coldStart.baseline
  if (cb)
    lines.push(
      `| Node 24, previous bundle (${cb.entry.replace(/^.*\/(dist\/index\.js)$/, '$1')} before lazy loading), alternating with this one | ${Math.round(median(cb.samples))} ms | ${cb.samples.join(', ')} |`,
      `| Node 24, this bundle, alternating with the previous | ${Math.round(median(cb.current))} ms | ${cb.current.join(', ')} |`
    )
  const cpu = r.coldStart.loadCpuMs
  if (cpu)
    lines.push(
      '',
      `CPU time to load (user + sys from GNU time; \`node24 dist/index.js\` with an empty environment, which exits at the config check after loading the main chunk): this bundle ${cpu.current.join(', ')} ms (median ${Math.round(median(cpu.current))})` +
        (cpu.baseline
          ? `; the previous bundle ${cpu.baseline.join(', ')} ms (median ${Math.round(median(cpu.baseline))}); ratio ${round(cpu.ratio ?? 0, 2)}.`
          : '.')
    )
  if (cb || cpu)
    lines.push(
      '',
      "These were measured by `npm run bench -- --only=cold --baseline=<previous dist/index.js>` (the commit before this issue's work, extracted with `git archive`) right after the full run, and replace its cold-start block in results.json."
    )

  lines.push(
    '',
    '**2, 3, 7, 8. The standard pipeline at real time.** Emulator at timeScale 1, the action with default settings (AMI_SHARE_ACTION_POLL_MS unset → 5 s base interval). ' +
      'A runbook (a 4 s step, then `aws:createImage` of 6 s), sharing with 3 accounts + 1 OU, copies to 4 regions (8 GiB: 16 s × slowdowns 1, 1.25, 1.5, 0.75), prune keeping 3 of 6 versions in 5 regions. ' +
      'Each duration gets a random 0–5 s, so ends fall anywhere relative to the reads. The five old versions in the build region carry the durations earlier runs recorded (`ami-share-action:build-ms`, `ami-share-action:copy-ms:<region>`), each drawn from the same distribution: this is a family that has run before. ' +
      'The AWS durations are shortened through emulator settings so a run takes under a minute; every other cost (start-up, round trips, detection latency, sharing, prune) is real. ' +
      `${r.pipelines.length} run(s). Detection latency = simulated time of the first status read (GetAutomationExecution / DescribeImages by ID) at or after the instant the emulator marks the runbook or copy done, minus that instant. ` +
      'Reads per waited minute = status reads after the first, per minute waited, per resource (mean over resources). Overhead = wall time (spawn → exit) − (runbook duration + slowest copy), the AWS critical path. Peak RSS from GNU time (`%M`).'
  )
  lines.push('', '| resource | latency | status reads | waited |', '|---|---|---|---|')
  for (const d of r.detection.samples)
    lines.push(`| ${d.resource} | ${s(d.latencyMs, 2)} | ${d.reads} | ${s(d.waitedMs)} |`)

  const aws = r.awsSized
  lines.push(
    '',
    `**2. AWS-sized waits.** The same pipeline with durations of AWS's order (bench/lib/pipeline-setup.ts AWS_SIZED_TIMING: a runbook of an 8-minute step then a 2-minute aws:createImage; copies of 8 GiB at 4 min + 30 s/GiB × the slowdowns, 6–12 min), ` +
      `each run's and each earlier run's step and copy base time varied ±5 % (U(0.95, 1.05)), compressed ${Math.round(1 / aws.timeScale)}× (emulator timeScale ${aws.timeScale}, AMI_SHARE_ACTION_POLL_MS ${Math.round(5000 * aws.timeScale)}: the default schedule in simulated time). ` +
      `Compression stretches the action's own time (round trips, a stalled event loop on the loaded machine) by the same ${Math.round(1 / aws.timeScale)}×, so latencies here are pessimistic. ${aws.runs.length} run(s).`
  )
  lines.push(
    '',
    '| resource | latency | status reads | waited | reads / waited min |',
    '|---|---|---|---|---|'
  )
  for (const d of aws.samples)
    lines.push(
      `| ${d.resource} | ${s(d.latencyMs, 2)} | ${d.reads} | ${s(d.waitedMs, 0)} | ${round((d.reads - 1) / (d.waitedMs / 60_000), 1)} |`
    )
  lines.push(
    '',
    "The cadence (src/aws/poller.ts): one read at once; then straight to the start of the expected window (the recorded durations' range, −5 % and +5 %, ± one dense interval), at most 30 s per sleep; 1 s reads through the window (wider when the window is wide for its wait: at most 10 reads per expected minute, at least 40 per window); past the window a backoff from 1 s to the 5 s base. " +
      "Without recorded durations (a family's first run, or no `family`) the base interval applies: 5 s ± 20 %. All waits on one SDK client (one service, account and region) share a ceiling of 2 status reads per second."
  )

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
    `**5. Prune.** ${small.versions} versions in 1 region, and ${p.versions.toLocaleString('en-US')} versions (${p.versions / 4} per region in 4 regions, regions in parallel), family-tagged, keep 1; throttling on with AWS's bucket sizes (DeregisterImage 100, 5/s). ` +
      'The emulator refills its buckets in simulated time while the action paces itself (src/prune/pacer.ts) on the real clock, so the runs are at timeScale 1, where the two clocks agree. ' +
      `Floor = (N − 100) / 5 s per region: the burst, then the refill; span = first to last DeregisterImage (${s(small.deregisterWallMs)} vs ${s(small.bucketFloorMs)}; ${s(p.deregisterWallMs)} vs ${s(p.bucketFloorMs)}). ` +
      'The pacer spends the whole burst of 100, then 4.9/s (98 % of the refill: a margin for clock skew and other automation). ' +
      `Runs take ${s(small.wallMs, 0)} and ${s(p.wallMs, 0)}. Calls by action (${p.versions.toLocaleString('en-US')}): ${Object.entries(
        p.callsByAction
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}.`
  )
  lines.push(
    '',
    `**6. Sharing with 1,000 accounts** (AWS's quota of sharing entities per AMI): \`ami-id\` adopted, 1,000 account IDs, 2 copy regions; ModifyImageAttribute calls counted per region from the call log; \`shared-with\` listed ${r.share.runs[0]?.sharedWith ?? 0} accounts. ${r.share.runs.length} run(s).`
  )
  if (r.fleet.length) {
    lines.push(
      '',
      '**9. Fleet scale.** `ami-id` adopted, N copy accounts (`copy-accounts` roles) × R regions: each copy account gets a copy in the build region and every copy region, and the build account one in every copy region. ' +
        `Default copy timing (8 GiB ≈ 8 simulated min) × slowdowns 1.0–1.35 by region; throttling on; the family's five earlier versions recorded copy times per region (±5 %). Compressed ${Math.round(1 / (r.plan.fleetTimeScale as number))}× (timeScale ${String(r.plan.fleetTimeScale)}, poll scaled to match). ` +
        "Wall = first CopyImage → last copy seen available; slowest single copy = the emulator's duration of the slowest; calls per copy = every call of the run ÷ copies; AssumeRole counted per copy account over the run (credentials are refreshed only 5 minutes before they expire).",
      '',
      '| accounts × regions | copies | wall ÷ slowest copy | AssumeRole / account | calls / copy | status reads / copy | median detection | throttled (surfaced) | peak RSS |',
      '|---|---|---|---|---|---|---|---|---|'
    )
    for (const f of r.fleet)
      lines.push(
        `| ${f.accounts} × ${f.regions} | ${f.copies} | ${round(f.ratio, 3)} | ${round(f.assumeRolePerAccount, 2)} | ${round(f.callsPerCopy, 1)} | ${round(f.statusReadsPerCopy, 1)} | ${s(f.medianDetectionMs, 2)} | ${f.throttledCalls} (${f.throttlingErrorsSurfaced}) | ${f.peakRssMiB ?? 'n/a'} MiB |`
      )
  }
  lines.push('')
  return lines.join('\n')
}
