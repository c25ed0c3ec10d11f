// Scenarios 2 (detection latency, at default settings), 3 (calls per phase), 7 (overhead) and
// 8 (peak RSS): the standard pipeline at real time (timeScale 1, 5 s default polls), with the
// AWS work shortened through emulator settings so that one run takes under a minute.
import { startEmulator, type CallRecord, type Emulator } from '../../emulator/index.js'
import { assertSucceeded, runActionProcess } from '../lib/action.js'
import { countBy, detection, isStatusRead, type Detection } from '../lib/calls.js'
import {
  BUILD_ACCOUNT,
  BUILD_REGION,
  COPY_REGIONS,
  OLD_VERSIONS_PER_REGION,
  PRUNE_KEEP,
  pastRunTags,
  REAL_TIME_TIMING,
  type PipelineTiming,
  varied,
  withRandomPhase,
  seedPipeline,
  standardInputs
} from '../lib/pipeline-setup.js'

export type Phase = 'setup' | 'build' | 'distribute' | 'prune'
export const PHASES: Phase[] = ['setup', 'build', 'distribute', 'prune']

export interface PipelineRun {
  wallMs: number
  awsCriticalPathMs: number
  overheadMs: number
  peakRssMiB?: number
  detections: Detection[]
  callsByPhase: Record<Phase, Record<string, number>>
  statusReadsByPhase: Record<Phase, number>
  waitedResources: Record<Phase, number>
  throttled: number
}

interface EmuImage {
  imageId: string
  ownerId: string
  region: string
  readyAt: number
  creationDate: number
  sourceImageId?: string
}
interface EmuExecution {
  id: string
  startTime: number
  endTime?: number
}

function ec2Images(emu: Emulator): EmuImage[] {
  const state = emu.sim.state.ec2 as { images: Record<string, EmuImage> }
  return Object.values(state.images)
}
function executions(emu: Emulator): EmuExecution[] {
  const state = emu.sim.state.ssm as { executions: Record<string, EmuExecution> | EmuExecution[] }
  return Object.values(state.executions)
}

/**
 * The minimum number of calls the API allows for this pipeline, outside polling, per phase.
 * A status read that sees a waited resource done is part of the minimum (one per resource).
 */
export function minimumCalls(): Record<Phase, Record<string, number>> {
  const regions = 1 + COPY_REGIONS.length
  const prunedPerRegion = OLD_VERSIONS_PER_REGION + 1 - PRUNE_KEEP
  return {
    setup: {},
    build: {
      DescribeDocument: 1, // validate the parameters against the runbook before starting it
      'DescribeImages (name check)': 1, // if-exists=fail
      StartAutomationExecution: 1,
      'GetAutomationExecution (sees Success, outputs, steps)': 1,
      'DescribeImages (the AMI, its snapshots)': 1,
      CreateTags: 1 // the AMI and its snapshots in one call
    },
    distribute: {
      'ModifyImageAttribute (source; 3 accounts + 1 OU in one call)': 1,
      'DescribeImages (name check per copy region)': COPY_REGIONS.length,
      'CopyImage (tags at creation)': COPY_REGIONS.length,
      'DescribeImages (sees the copy available)': COPY_REGIONS.length,
      'ModifyImageAttribute (per copy)': COPY_REGIONS.length
    },
    prune: {
      'DescribeImages (family listing, ≤1000 per page)': regions,
      'DescribeImageReferences (prune-skip-in-use)': regions,
      'DeregisterImage (DeleteAssociatedSnapshots)': regions * prunedPerRegion
    }
  }
}

export function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0)
}

export interface PipelineOptions {
  /** Emulator timeScale; below 1 the run is compressed and `pollMs` is scaled to match. */
  timeScale?: number
  timing?: PipelineTiming
  /** Seed earlier runs' recorded durations (default true). */
  history?: boolean
  /** Run-to-run variation of this run and of each earlier one (see varied); default none. */
  spread?: number
}

export async function runPipelineOnce(options: PipelineOptions = {}): Promise<PipelineRun> {
  const timeScale = options.timeScale ?? 1
  const timing = options.timing ?? REAL_TIME_TIMING
  const emu = await startEmulator({ timeScale })
  try {
    // Each old version in the build region carries what an earlier run of this pipeline recorded.
    const spread = options.spread ?? 0
    seedPipeline(
      emu,
      withRandomPhase(varied(timing, spread)),
      BUILD_ACCOUNT,
      options.history === false ? undefined : () => pastRunTags(varied(timing, spread), timeScale)
    )
    const boundaries: Partial<Record<string, number>> = {}
    const run = await runActionProcess({
      emulator: emu,
      inputs: standardInputs(),
      measureRss: true,
      // The default 5 s poll, in simulated time.
      ...(timeScale !== 1 && { pollMs: Math.round(5000 * timeScale) }),
      timeoutMs: 240_000,
      // The call count when a group opens splits the log into phases exactly (one event loop).
      onGroup: (name) => (boundaries[name] ??= emu.calls().length)
    })
    assertSucceeded(run, 'standard pipeline')
    const calls = emu.calls()
    const phaseOf = (c: CallRecord, index: number): Phase => {
      if (c.service === 'sts') return 'setup'
      if (index >= (boundaries.Prune ?? Infinity)) return 'prune'
      if (index >= (boundaries.Distribute ?? Infinity)) return 'distribute'
      return 'build'
    }
    const callsByPhase = { setup: [], build: [], distribute: [], prune: [] } as Record<
      Phase,
      CallRecord[]
    >
    calls.forEach((c, i) => callsByPhase[phaseOf(c, i)].push(c))

    // Detection: the runbook (GetAutomationExecution) and each copy (DescribeImages by ID).
    const detections: Detection[] = []
    const exec = executions(emu)[0]
    const runbookReads = calls.filter((c) => c.action === 'GetAutomationExecution')
    const d = exec?.endTime ? detection('runbook', runbookReads, exec.endTime) : undefined
    if (d) detections.push(d)
    const built = ec2Images(emu).find(
      (i) =>
        i.region === BUILD_REGION && i.ownerId === BUILD_ACCOUNT && i.creationDate >= exec.startTime
    )
    const copies = ec2Images(emu).filter((i) => built && i.sourceImageId === built.imageId)
    let slowestCopy = 0
    for (const copy of copies) {
      const reads = calls.filter(
        (c) => isStatusRead(c) && c.region === copy.region && c.params['ImageId.1'] === copy.imageId
      )
      const dc = detection(`copy ${copy.region}`, reads, copy.readyAt)
      if (dc) detections.push(dc)
      slowestCopy = Math.max(slowestCopy, copy.readyAt - copy.creationDate)
    }
    const runbookMs = exec?.endTime ? exec.endTime - exec.startTime : 0
    const wallMs = run.exitedAt - run.spawnedAt
    const awsCriticalPathMs = runbookMs + slowestCopy
    const statusReadsByPhase = {} as Record<Phase, number>
    const countsByPhase = {} as Record<Phase, Record<string, number>>
    for (const phase of PHASES) {
      statusReadsByPhase[phase] = callsByPhase[phase].filter(isStatusRead).length
      countsByPhase[phase] = countBy(callsByPhase[phase])
    }
    return {
      wallMs,
      awsCriticalPathMs,
      overheadMs: wallMs - awsCriticalPathMs,
      peakRssMiB: run.peakRssMiB,
      detections,
      callsByPhase: countsByPhase,
      statusReadsByPhase,
      // The runbook and the built AMI (its one confirming read) in build; each copy in distribute.
      waitedResources: { setup: 0, build: 2, distribute: copies.length, prune: 0 },
      throttled: calls.filter((c) => /Throttl|RequestLimitExceeded/.test(c.errorCode ?? '')).length
    }
  } finally {
    await emu.close()
  }
}
