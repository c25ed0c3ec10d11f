// Scenario 1: `node dist/index.js` to its first AWS request, and the bundle size.
import { readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { startEmulator } from '../../emulator/index.js'
import { ACTION_ENTRY, runActionProcess } from '../lib/action.js'
import { median } from '../lib/stats.js'

export interface ColdStart {
  bundleBytes: number
  /** The chunks ncc split off (SDK clients and octokit loaded on demand), together. */
  chunkBytes: number
  /** Per Node binary label: every sample (ms) and the median. */
  byNode: Record<string, { samples: number[]; medianMs: number }>
}

export async function measureColdStart(
  nodes: Record<string, string>,
  repetitions: number
): Promise<ColdStart> {
  const emu = await startEmulator({ timeScale: 1 })
  const byNode: ColdStart['byNode'] = {}
  try {
    const [imageId] = (
      emu.seed({
        ec2: { images: [{ accountId: '111122223333', region: 'us-east-1', name: 'adopted' }] }
      }) as { ec2: { images: string[] } }
    ).ec2.images
    for (const [label, node] of Object.entries(nodes)) {
      const samples: number[] = []
      // One warm-up run: the runner has just downloaded the action, so the page cache is warm.
      for (let i = -1; i < repetitions; i++) {
        const before = emu.calls().length
        const run = await runActionProcess({ emulator: emu, inputs: { 'ami-id': imageId }, node })
        const first = emu.calls()[before]
        if (run.code !== 0 || !first)
          throw new Error(`cold start run failed: ${run.stdout.slice(-2000)}`)
        if (i >= 0) samples.push(first.at - run.spawnedAt)
      }
      byNode[label] = { samples, medianMs: median(samples) }
    }
  } finally {
    await emu.close()
  }
  const dist = dirname(ACTION_ENTRY)
  const chunkBytes = readdirSync(dist)
    .filter((f) => /^\d+\.index\.js$/.test(f))
    .reduce((sum, f) => sum + statSync(join(dist, f)).size, 0)
  return { bundleBytes: statSync(ACTION_ENTRY).size, chunkBytes, byNode }
}
