// Fleet scale: copy an adopted AMI into N copy accounts × R regions (each copy account in the
// build region and every copy region, plus the build account's own copies in the copy regions).
// Compressed time (timeScale 0.05 by default, with the poll scaled to match, so the run is a real one 20×
// faster); default copy timing (8 GiB ≈ 8 simulated min) × per-region slowdowns 1.0–1.35; the
// family's earlier runs recorded copy times per region, as a family that has run before has.
import { startEmulator } from '../../emulator/index.js'
import { assertSucceeded, runActionProcess } from '../lib/action.js'
import { countBy, detection, isStatusRead } from '../lib/calls.js'

export const FLEET_REGIONS = [
  'us-east-1',
  'us-west-2',
  'eu-west-1',
  'eu-central-1',
  'ap-southeast-2',
  'ap-northeast-1',
  'sa-east-1',
  'ca-central-1'
]
const BUILD_ACCOUNT = '111122223333'
const FAMILY = 'bench-fleet'
/** Emulator default copy time of an 8 GiB AMI: 4 min + 30 s/GiB. */
const COPY_MS = 240_000 + 8 * 30_000

export interface FleetRun {
  accounts: number
  regions: number
  /** Copies made (every target), and how many of them are in copy accounts. */
  copies: number
  copyWallMs: number
  slowestCopyMs: number
  ratio: number
  /** AssumeRole calls per copy account over the whole run (1 = once per run). */
  assumeRolePerAccount: number
  callsPerCopy: number
  statusReadsPerCopy: number
  callsByAction: Record<string, number>
  throttledCalls: number
  throttlingErrorsSurfaced: number
  medianDetectionMs: number
  peakRssMiB?: number
  wallMs: number
}

export async function runFleetOnce(
  accounts: number,
  regions: number,
  TIME_SCALE = 0.05
): Promise<FleetRun> {
  const emu = await startEmulator({ timeScale: TIME_SCALE, throttling: true })
  try {
    const used = FLEET_REGIONS.slice(0, regions)
    const slowdown = Object.fromEntries(used.map((r, i) => [r, 1 + (0.35 * i) / 7]))
    emu.configure({ ec2: { copySlowdown: slowdown } } as never)
    const past = Array.from({ length: 5 }, (_, i) => ({
      accountId: BUILD_ACCOUNT,
      region: 'us-east-1',
      name: `fleet-old-${i}`,
      creationDate: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(),
      tags: {
        'ami-share-action:family': FAMILY,
        'ami-share-action:build-ms': '600000',
        // What an earlier run measured, in the action's (compressed) ms, ± 5 % run to run.
        ...Object.fromEntries(
          used.map((r) => [
            `ami-share-action:copy-ms:${r}`,
            String(Math.round(COPY_MS * slowdown[r] * TIME_SCALE * (0.95 + 0.1 * Math.random())))
          ])
        )
      }
    }))
    const seeded = emu.seed({
      ec2: {
        images: [{ accountId: BUILD_ACCOUNT, region: 'us-east-1', name: 'fleet-source' }, ...past]
      }
    }) as { ec2: { images: string[] } }
    const imageId = seeded.ec2.images[0]
    const accountIds = Array.from(
      { length: accounts },
      (_, i) => `${String(200000000000 + i * 1_000_003).slice(0, 12)}`
    )
    const run = await runActionProcess({
      emulator: emu,
      inputs: {
        'ami-id': imageId,
        family: FAMILY,
        ...(regions > 1 && { 'copy-regions': used.slice(1).join(',') }),
        'copy-accounts': accountIds.map((a) => `arn:aws:iam::${a}:role/ami-copier`).join('\n')
      },
      pollMs: Math.round(5000 * TIME_SCALE),
      measureRss: true,
      timeoutMs: 600_000
    })
    assertSucceeded(run, `fleet ${accounts} × ${regions}`)
    const calls = emu.calls()
    const images = Object.values(
      (
        emu.sim.state.ec2 as {
          images: Record<
            string,
            {
              imageId: string
              region: string
              readyAt: number
              creationDate: number
              sourceImageId?: string
            }
          >
        }
      ).images
    ).filter((i) => i.sourceImageId === imageId)
    const firstCopy = Math.min(...calls.filter((c) => c.action === 'CopyImage').map((c) => c.simAt))
    let lastSeen = 0
    let slowest = 0
    const latencies: number[] = []
    let statusReads = 0
    for (const copy of images) {
      const reads = calls.filter(
        (c) => isStatusRead(c) && c.region === copy.region && c.params['ImageId.1'] === copy.imageId
      )
      statusReads += reads.length
      const d = detection(copy.region, reads, copy.readyAt)
      if (!d) throw new Error(`copy ${copy.imageId} in ${copy.region} was never seen available`)
      latencies.push(d.latencyMs)
      lastSeen = Math.max(lastSeen, copy.readyAt + d.latencyMs)
      slowest = Math.max(slowest, copy.readyAt - copy.creationDate)
    }
    latencies.sort((a, b) => a - b)
    const byAction = countBy(calls)
    const log = run.stdout + run.stderr
    return {
      accounts,
      regions,
      copies: images.length,
      copyWallMs: lastSeen - firstCopy,
      slowestCopyMs: slowest,
      ratio: (lastSeen - firstCopy) / slowest,
      assumeRolePerAccount: (byAction.AssumeRole ?? 0) / accounts,
      callsPerCopy: calls.length / images.length,
      statusReadsPerCopy: statusReads / images.length,
      callsByAction: byAction,
      throttledCalls: calls.filter((c) => /Throttl|RequestLimitExceeded/.test(c.errorCode ?? ''))
        .length,
      throttlingErrorsSurfaced: (log.match(/RequestLimitExceeded|Rate exceeded|throttl/gi) ?? [])
        .length,
      medianDetectionMs: latencies[Math.floor(latencies.length / 2)] ?? 0,
      peakRssMiB: run.peakRssMiB,
      wallMs: run.exitedAt - run.spawnedAt
    }
  } finally {
    await emu.close()
  }
}
