// Scenario 5: prune N versions per region across 4 regions, throttling on with AWS's bucket sizes.
// timeScale 1: the emulator's buckets refill in simulated time and the action's pacer
// (src/prune/pacer.ts) on the real clock; only at timeScale 1 do the two clocks agree, so only
// there does the measured rate say anything about AWS's DeregisterImage bucket (100, 5/s).
import { startEmulator } from '../../emulator/index.js'
import { assertSucceeded, runActionProcess } from '../lib/action.js'
import { countBy } from '../lib/calls.js'

export const PRUNE_REGIONS = ['us-east-1', 'eu-west-1', 'eu-central-1', 'ap-southeast-2']
const FAMILY = 'bench-prune'
const BURST = 100
const REFILL_PER_S = 5

export interface PruneRun {
  versions: number
  regions: number
  /** Deregistration span ÷ the bucket floor (N − 100) / 5 s per region (regions run in parallel). */
  floorRatio: number
  callsByAction: Record<string, number>
  wallMs: number
  /** Per region: DeregisterImage calls/s after the first 100 (the bucket's burst). */
  rateAfterBurstByRegion: Record<string, number>
  /** Lowest region rate ÷ 5/s. */
  rateShareOfRefill: number
  /** Per region, (N − 100) / 5 s: the bucket's own floor. */
  bucketFloorMs: number
  deregisterWallMs: number
  throttledCalls: number
  throttlingErrorsSurfaced: number
  exitCode: number | null
  peakRssMiB?: number
}

export async function runPruneOnce(perRegion: number, regionCount = 4): Promise<PruneRun> {
  const regions = PRUNE_REGIONS.slice(0, regionCount)
  const emu = await startEmulator({ timeScale: 1, throttling: true })
  try {
    emu.configure({ ec2: { copyBaseMs: 2000, copyMsPerGiB: 0 } } as never)
    const images: unknown[] = []
    const base = Date.UTC(2024, 0, 1)
    for (const region of regions) {
      for (let i = 0; i < perRegion; i++) {
        images.push({
          accountId: '111122223333',
          region,
          name: `bench-prune-${region}-${i}`,
          creationDate: new Date(base + i * 60_000).toISOString(),
          tags: { 'ami-share-action:family': FAMILY }
        })
      }
    }
    images.push({
      accountId: '111122223333',
      region: 'us-east-1',
      name: 'bench-prune-new',
      tags: { 'ami-share-action:family': FAMILY }
    })
    const seeded = (emu.seed({ ec2: { images } }) as { ec2: { images: string[] } }).ec2.images
    const newest = seeded[seeded.length - 1]
    const run = await runActionProcess({
      emulator: emu,
      inputs: {
        'ami-id': newest,
        family: FAMILY,
        ...(regions.length > 1 && { 'copy-regions': regions.slice(1).join(',') }),
        'prune-keep': '1'
      },
      measureRss: true,
      timeoutMs: 3_600_000
    })
    assertSucceeded(run, 'prune')
    const calls = emu.calls()
    const deregisters = calls.filter((c) => c.action === 'DeregisterImage' && c.status < 400)
    const rates: Record<string, number> = {}
    for (const region of regions) {
      const times = deregisters
        .filter((c) => c.region === region)
        .map((c) => c.simAt)
        .sort((a, b) => a - b)
      if (times.length > BURST + 1) {
        rates[region] =
          (times.length - 1 - BURST) / ((times[times.length - 1] - times[BURST]) / 1000)
      }
    }
    const times = deregisters.map((c) => c.simAt)
    const log = run.stdout + run.stderr
    return {
      versions: perRegion * regions.length,
      regions: regions.length,
      floorRatio:
        (Math.max(...times) - Math.min(...times)) /
        ((Math.max(0, perRegion - BURST) / REFILL_PER_S) * 1000),
      callsByAction: countBy(calls),
      wallMs: run.exitedAt - run.spawnedAt,
      rateAfterBurstByRegion: rates,
      rateShareOfRefill: Math.min(...Object.values(rates)) / REFILL_PER_S,
      bucketFloorMs: (Math.max(0, perRegion - BURST) / REFILL_PER_S) * 1000,
      deregisterWallMs: Math.max(...times) - Math.min(...times),
      throttledCalls: calls.filter((c) => c.errorCode === 'RequestLimitExceeded').length,
      throttlingErrorsSurfaced: (log.match(/RequestLimitExceeded|Rate exceeded|throttl/gi) ?? [])
        .length,
      exitCode: run.code,
      peakRssMiB: run.peakRssMiB
    }
  } finally {
    await emu.close()
  }
}
