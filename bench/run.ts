// npm run bench [-- --quick]: run every scenario against the emulator and write bench/results.json
// and bench/REPORT.md. --quick (CI) runs fewer repetitions and smaller sizes and says so.
import { readFileSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { ROOT } from './lib/action.js'
import { describeMachine, findNode24 } from './lib/machine.js'
import { mean, median, round } from './lib/stats.js'
import { measureColdStart } from './scenarios/cold-start.js'
import { runFanOutOnce } from './scenarios/fan-out.js'
import {
  minimumCalls,
  PHASES,
  runPipelineOnce,
  total,
  type PipelineRun
} from './scenarios/pipeline.js'
import { runFleetOnce } from './scenarios/fleet.js'
import { runNightlyOnce } from './scenarios/nightly.js'
import { runPruneOnce } from './scenarios/prune.js'
import { runRetireOnce, runUsageReportsOnce } from './scenarios/retire.js'
import { AWS_SIZED_TIMING } from './lib/pipeline-setup.js'
import { measureRealWaiters } from './scenarios/real-waiters.js'
import { runShareOnce } from './scenarios/share.js'
import { runTestPhaseOnce } from './scenarios/test-phase.js'
import { runWaiterModel } from './scenarios/waiter-model.js'
import { renderReport, type Results } from './report.js'

const quick = process.argv.includes('--quick')
// --only=a,b runs just those scenarios (cold,pipeline,detection,waiters,fanout,share,prune,fleet,
// nightly,retire)
// and prints their results; REPORT.md and results.json are written only by a complete run.
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',')
const wanted = (name: string): boolean => !only || only.includes(name)
// --baseline=<path to an older build's index.js>: cold start of both, interleaved, as a ratio.
const baselineEntry = process.argv.find((a) => a.startsWith('--baseline='))?.slice(11)
const plan = quick
  ? {
      coldStartReps: 3,
      pipelineRuns: 1,
      realWaiterRegions: [] as string[],
      fanOutRuns: 1,
      shareRuns: 1,
      prunePerRegion: 125,
      pruneSmall: 150,
      retirePerRegion: 60,
      usageReports: 20,
      detectionRuns: 1,
      detectionTimeScale: 0.01,
      fleetSizes: [[1, 1]] as [number, number][],
      fleetTimeScale: 0.01,
      modelTrials: 5000,
      testRuns: 1
    }
  : {
      coldStartReps: 10,
      pipelineRuns: 3,
      realWaiterRegions: ['eu-west-1', 'eu-central-1', 'ap-southeast-2', 'us-west-2'],
      fanOutRuns: 3,
      shareRuns: 3,
      prunePerRegion: 2500,
      pruneSmall: 300,
      retirePerRegion: 250,
      usageReports: 100,
      detectionRuns: 3,
      detectionTimeScale: 0.02,
      fleetSizes: [
        [1, 1],
        [10, 4],
        [50, 8]
      ] as [number, number][],
      fleetTimeScale: 0.05,
      modelTrials: 20000,
      testRuns: 3
    }

function step(name: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${name}`)
}

async function main(): Promise<void> {
  if (process.argv.includes('--render-only')) {
    // Rewrite REPORT.md from the committed results.json (after a change to the report's wording).
    const saved = JSON.parse(readFileSync(join(ROOT, 'bench', 'results.json'), 'utf8')) as Results
    writeFileSync(join(ROOT, 'bench', 'REPORT.md'), renderReport(saved))
    return
  }
  const started = Date.now()
  step('finding Node 24 (npx -y node@24)')
  const node24 = findNode24()
  const machine = describeMachine(node24)
  const loadBefore = loadavg()[0]

  const nodes: Record<string, string> = {}
  if (node24) nodes[`Node ${machine.node24}`] = node24
  nodes[`Node ${process.version}`] = process.execPath
  const loadAtColdStart = loadavg()[0]
  const coldStart = wanted('cold')
    ? (step(`cold start (${plan.coldStartReps} runs per Node)`),
      await measureColdStart(
        nodes,
        plan.coldStartReps,
        baselineEntry && node24 ? { entry: baselineEntry, node: node24 } : undefined
      ))
    : undefined

  const pipelines: PipelineRun[] = []
  if (wanted('pipeline')) {
    step(`standard pipeline at real time (${plan.pipelineRuns} runs)`)
    for (let i = 0; i < plan.pipelineRuns; i++) pipelines.push(await runPipelineOnce())
  }

  const awsSized: PipelineRun[] = []
  if (wanted('detection')) {
    step(
      `AWS-sized waits, compressed ${Math.round(1 / plan.detectionTimeScale)}× (${plan.detectionRuns} runs)`
    )
    for (let i = 0; i < plan.detectionRuns; i++)
      awsSized.push(
        await runPipelineOnce({
          timeScale: plan.detectionTimeScale,
          timing: AWS_SIZED_TIMING,
          spread: 0.05
        })
      )
  }

  const realWaiters =
    plan.realWaiterRegions.length && wanted('waiters')
      ? (step('JS SDK waiter and AWS CLI waiter at real time'),
        await measureRealWaiters(plan.realWaiterRegions))
      : undefined

  step('waiter schedules, simulated')
  const model = runWaiterModel(plan.modelTrials, [
    [10, 25],
    [120, 240],
    [540, 660]
  ])

  const fanOut = []
  if (wanted('fanout')) {
    step(`16-region copy (${plan.fanOutRuns} runs)`)
    for (let i = 0; i < plan.fanOutRuns; i++) fanOut.push(await runFanOutOnce())
  }

  const share = []
  if (wanted('share')) {
    step(`sharing with 1,000 accounts (${plan.shareRuns} runs)`)
    for (let i = 0; i < plan.shareRuns; i++) share.push(await runShareOnce(1000))
  }

  let prune, pruneSmall
  if (wanted('prune')) {
    step(`prune ${plan.prunePerRegion * 4} versions across 4 regions at timeScale 1`)
    prune = await runPruneOnce(plan.prunePerRegion)
    // --quick: one prune stands for both sizes (the 2-minute budget).
    if (quick) pruneSmall = prune
    else {
      step(`prune ${plan.pruneSmall} versions in 1 region at timeScale 1`)
      pruneSmall = await runPruneOnce(plan.pruneSmall, 1)
    }
  }

  const retire = []
  if (wanted('retire')) {
    step(
      `retire: ${plan.retirePerRegion * 4} versions across 4 regions disabled, then deregistered`
    )
    retire.push(...(await runRetireOnce(plan.retirePerRegion)))
    step(`retire: usage reports for ${plan.usageReports} shared versions`)
    retire.push(await runUsageReportsOnce(plan.usageReports))
  }

  const fleet = []
  if (wanted('fleet')) {
    for (const [accounts, regions] of plan.fleetSizes) {
      step(`fleet: ${accounts} copy accounts × ${regions} regions`)
      fleet.push(await runFleetOnce(accounts, regions, plan.fleetTimeScale))
    }
  }

  const nightly = []
  if (wanted('nightly')) {
    step('nightly rebuild: an unchanged night, and the second of two identical runs')
    nightly.push(await runNightlyOnce())
  }

  const testPhase = []
  if (wanted('test')) {
    step(`test phase: launch, status checks, SSM, test-command, verdict (${plan.testRuns} runs)`)
    for (let i = 0; i < plan.testRuns; i++) testPhase.push(await runTestPhaseOnce())
  }

  if (only) {
    const partial = {
      testPhase,
      nightly,
      coldStart,
      pipelines,
      awsSized,
      realWaiters,
      fanOut,
      share,
      pruneSmall,
      prune,
      fleet,
      retire
    }
    console.log(JSON.stringify(partial, null, 2))
    return
  }
  if (!coldStart || !prune || !pruneSmall) throw new Error('a complete run has every scenario')

  const minimum = minimumCalls()
  const perPhase = PHASES.map((phase) => {
    const actual = median(pipelines.map((p) => total(p.callsByPhase[phase])))
    const polls = median(
      pipelines.map((p) => p.statusReadsByPhase[phase] - p.waitedResources[phase])
    )
    const outsidePolling = actual - polls
    const min = total(minimum[phase])
    return {
      phase,
      actual,
      polling: polls,
      outsidePolling,
      minimum: min,
      ratio: min ? outsidePolling / min : null
    }
  })
  const detections = pipelines.flatMap((p) => p.detections)
  const results: Results = {
    quick,
    generatedAt: new Date().toISOString(),
    benchSeconds: 0,
    machine: {
      ...machine,
      loadAverage1mAtStart: round(loadBefore, 2),
      loadAverage1mAtEnd: round(loadavg()[0], 2),
      loadAverage1mAtColdStart: round(loadAtColdStart, 2)
    },
    plan,
    coldStart,
    pipelines,
    detection: {
      samples: detections,
      medianLatencyMs: median(detections.map((d) => d.latencyMs)),
      maxLatencyMs: Math.max(...detections.map((d) => d.latencyMs)),
      requestsPerWaitedMinute: median(
        detections.filter((d) => d.waitedMs > 0).map((d) => (d.reads - 1) / (d.waitedMs / 60_000))
      ),
      meanRequestsPerWaitedMinute: mean(
        detections.filter((d) => d.waitedMs > 0).map((d) => (d.reads - 1) / (d.waitedMs / 60_000))
      )
    },
    realWaiters,
    waiterModel: model,
    awsSized: {
      timeScale: plan.detectionTimeScale,
      runs: awsSized,
      samples: awsSized.flatMap((p) => p.detections),
      medianLatencyMs: median(awsSized.flatMap((p) => p.detections.map((d) => d.latencyMs))),
      meanRequestsPerWaitedMinute: mean(
        awsSized.flatMap((p) =>
          p.detections
            .filter((d) => d.waitedMs > 0)
            .map((d) => (d.reads - 1) / (d.waitedMs / 60_000))
        )
      )
    },
    calls: {
      perPhase,
      minimumModel: minimum,
      totalOutsidePolling: perPhase.reduce((a, p) => a + p.outsidePolling, 0),
      totalMinimum: perPhase.reduce((a, p) => a + p.minimum, 0)
    },
    fanOut: { runs: fanOut, medianRatio: median(fanOut.map((f) => f.ratio)) },
    share: {
      runs: share,
      maxCallsPerRegion: Math.max(
        ...share.flatMap((s) => Object.values(s.modifyImageAttributeByRegion))
      )
    },
    prune,
    pruneSmall,
    fleet,
    nightly,
    testPhase: {
      runs: testPhase,
      medianOverheadMs: median(testPhase.map((t) => t.overheadMs)),
      medianReadsPerWaitedMinute: median(testPhase.map((t) => t.readsPerWaitedMinute)),
      medianCallCount: median(testPhase.map((t) => t.callCount))
    },
    retire,
    overhead: {
      medianMs: median(pipelines.map((p) => p.overheadMs)),
      medianWallMs: median(pipelines.map((p) => p.wallMs)),
      medianAwsMs: median(pipelines.map((p) => p.awsCriticalPathMs))
    },
    fullRunPeakRssMiB: median(pipelines.map((p) => p.peakRssMiB ?? Number.NaN))
  }
  results.benchSeconds = Math.round((Date.now() - started) / 1000)
  writeFileSync(join(ROOT, 'bench', 'results.json'), JSON.stringify(results, null, 2) + '\n')
  writeFileSync(join(ROOT, 'bench', 'REPORT.md'), renderReport(results))
  step(`done in ${results.benchSeconds} s: bench/results.json, bench/REPORT.md`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
