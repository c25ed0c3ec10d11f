// Scenario 4: wall time of a 16-region copy ÷ the slowest single copy. Scaled time: timeScale
// 0.01 with a 50 ms poll is the default 5 s poll in simulated time, so the run is a real run
// compressed 100×. Default copy timing (8 GiB ≈ 8 min) with per-region slowdowns 1.0–2.0×.
import { startEmulator } from '../../emulator/index.js'
import { assertSucceeded, runActionProcess } from '../lib/action.js'
import { detection, isStatusRead } from '../lib/calls.js'

export const SIXTEEN_REGIONS = [
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'sa-east-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-north-1',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'me-south-1'
]
const TIME_SCALE = 0.01

export interface FanOutRun {
  regions: number
  copyWallMs: number
  slowestCopyMs: number
  ratio: number
}

export async function runFanOutOnce(): Promise<FanOutRun> {
  const emu = await startEmulator({ timeScale: TIME_SCALE })
  try {
    const slowdown = Object.fromEntries(
      SIXTEEN_REGIONS.map((r, i) => [r, 1 + i / (SIXTEEN_REGIONS.length - 1)])
    )
    emu.configure({ ec2: { copySlowdown: slowdown } } as never)
    const [imageId] = (
      emu.seed({
        ec2: {
          images: [{ accountId: '111122223333', region: 'us-east-1', name: 'fan-out-source' }]
        }
      }) as { ec2: { images: string[] } }
    ).ec2.images
    const run = await runActionProcess({
      emulator: emu,
      inputs: { 'ami-id': imageId, 'copy-regions': SIXTEEN_REGIONS.join(',') },
      pollMs: 50,
      timeoutMs: 180_000
    })
    assertSucceeded(run, '16-region copy')
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
    if (images.length !== SIXTEEN_REGIONS.length)
      throw new Error(`expected 16 copies, got ${images.length}`)
    const firstCopy = Math.min(...calls.filter((c) => c.action === 'CopyImage').map((c) => c.simAt))
    let lastSeen = 0
    let slowest = 0
    for (const copy of images) {
      const reads = calls.filter(
        (c) => isStatusRead(c) && c.region === copy.region && c.params['ImageId.1'] === copy.imageId
      )
      const d = detection(copy.region, reads, copy.readyAt)
      if (!d) throw new Error(`copy in ${copy.region} was never seen available`)
      lastSeen = Math.max(lastSeen, copy.readyAt + d.latencyMs)
      slowest = Math.max(slowest, copy.readyAt - copy.creationDate)
    }
    const copyWallMs = lastSeen - firstCopy
    return {
      regions: images.length,
      copyWallMs,
      slowestCopyMs: slowest,
      ratio: copyWallMs / slowest
    }
  } finally {
    await emu.close()
  }
}
