// npm run bench [-- --quick]: run every scenario against the emulator and write bench/results.json
// and bench/REPORT.md. --quick (CI) runs fewer repetitions and smaller sizes and says so.
import { readFileSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { ROOT } from './lib/action.js'
import { describeMachine, findNode24 } from './lib/machine.js'
import { median, round } from './lib/stats.js'
import { measureColdStart } from './scenarios/cold-start.js'
import { runFanOutOnce } from './scenarios/fan-out.js'
import {
  minimumCalls,
  PHASES,
  runPipelineOnce,
  total,
  type PipelineRun
} from './scenarios/pipeline.js'
import { runPruneOnce } from './scenarios/prune.js'
import { measureRealWaiters } from './scenarios/real-waiters.js'
import { runShareOnce } from './scenarios/share.js'
import { runWaiterModel } from './scenarios/waiter-model.js'
import { renderReport, type Results } from './report.js'

const quick = process.argv.includes('--quick')
const plan = quick
  ? {
      coldStartReps: 3,
      pipelineRuns: 1,
      realWaiterRegions: [] as string[],
      fanOutRuns: 1,
      shareRuns: 1,
      prunePerRegion: 150,
      modelTrials: 5000
    }
  : {
      coldStartReps: 10,
      pipelineRuns: 3,
      realWaiterRegions: ['eu-west-1', 'eu-central-1', 'ap-southeast-2', 'us-west-2'],
      fanOutRuns: 3,
      shareRuns: 3,
      prunePerRegion: 2500,
      modelTrials: 20000
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

  step(`cold start (${plan.coldStartReps} runs per Node)`)
  const nodes: Record<string, string> = {}
  if (node24) nodes[`Node ${machine.node24}`] = node24
  nodes[`Node ${process.version}`] = process.execPath
  const coldStart = await measureColdStart(nodes, plan.coldStartReps)

  step(`standard pipeline at real time (${plan.pipelineRuns} runs)`)
  const pipelines: PipelineRun[] = []
  for (let i = 0; i < plan.pipelineRuns; i++) pipelines.push(await runPipelineOnce())

  const realWaiters = plan.realWaiterRegions.length
    ? (step('JS SDK waiter and AWS CLI waiter at real time'),
      await measureRealWaiters(plan.realWaiterRegions))
    : undefined

  step('waiter schedules, simulated')
  const model = runWaiterModel(plan.modelTrials, [
    [10, 25],
    [120, 240],
    [540, 660]
  ])

  step(`16-region copy (${plan.fanOutRuns} runs)`)
  const fanOut = []
  for (let i = 0; i < plan.fanOutRuns; i++) fanOut.push(await runFanOutOnce())

  step(`sharing with 1,000 accounts (${plan.shareRuns} runs)`)
  const share = []
  for (let i = 0; i < plan.shareRuns; i++) share.push(await runShareOnce(1000))

  step(`prune ${plan.prunePerRegion * 4} versions across 4 regions at timeScale 1`)
  const prune = await runPruneOnce(plan.prunePerRegion)

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
      loadAverage1mAtEnd: round(loadavg()[0], 2)
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
      )
    },
    realWaiters,
    waiterModel: model,
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
