// Scenario 1: `node dist/index.js` to its first AWS request, and the bundle size.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
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
  /**
   * With a baseline bundle (--baseline=<entry>): both bundles on Node 24, alternating run by run
   * so that the machine's load hits both alike; the ratio of medians is the figure.
   */
  baseline?: { entry: string; samples: number[]; current: number[]; ratio: number }
  /**
   * CPU time (user + sys, GNU time) of loading the bundle on Node 24 with no inputs (it exits at
   * the config check, after every module the main chunk loads at start): unlike wall time, CPU
   * time barely moves with the machine's load. Median of the runs; baseline alongside if given.
   */
  loadCpuMs?: { current: number[]; baseline?: number[]; ratio?: number }
}

/** user + sys ms of `node entry` with an empty environment, or undefined without GNU time. */
function loadCpu(node: string, entry: string): number | undefined {
  if (!existsSync('/usr/bin/time')) return undefined
  try {
    execFileSync('/usr/bin/time', ['-f', '%U %S', node, entry], {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'ignore', 'pipe']
    })
  } catch (error) {
    // The bundle exits 1 (no source input), as intended: GNU time's line is on stderr.
    const text = String((error as { stderr?: Buffer }).stderr ?? '')
    const m = /([\d.]+) ([\d.]+)\s*$/.exec(text.trim())
    if (m) return Math.round((Number(m[1]) + Number(m[2])) * 1000)
  }
  return undefined
}

export async function measureColdStart(
  nodes: Record<string, string>,
  repetitions: number,
  baseline?: { entry: string; node: string }
): Promise<ColdStart> {
  const emu = await startEmulator({ timeScale: 1 })
  const byNode: ColdStart['byNode'] = {}
  let coldBaseline: ColdStart['baseline']
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
    if (baseline) {
      const old: number[] = []
      const current: number[] = []
      for (let i = -1; i < repetitions; i++) {
        for (const [entry, into] of [
          [baseline.entry, old],
          [undefined, current]
        ] as const) {
          const before = emu.calls().length
          const run = await runActionProcess({
            emulator: emu,
            inputs: { 'ami-id': imageId },
            node: baseline.node,
            entry
          })
          const first = emu.calls()[before]
          if (run.code !== 0 || !first) throw new Error(`baseline cold start run failed`)
          if (i >= 0) into.push(first.at - run.spawnedAt)
        }
      }
      coldBaseline = {
        entry: baseline.entry,
        samples: old,
        current,
        ratio: median(current) / median(old)
      }
    }
  } finally {
    await emu.close()
  }
  let loadCpuMs: ColdStart['loadCpuMs']
  const node24 = Object.entries(nodes).find(([k]) => k.startsWith('Node v24'))?.[1]
  if (node24) {
    const current: number[] = []
    const old: number[] = []
    for (let i = 0; i < repetitions; i++) {
      const c = loadCpu(node24, ACTION_ENTRY)
      if (c !== undefined) current.push(c)
      const b = baseline && loadCpu(node24, baseline.entry)
      if (b) old.push(b)
    }
    if (current.length)
      loadCpuMs = {
        current,
        ...(old.length && { baseline: old, ratio: median(current) / median(old) })
      }
  }
  const dist = dirname(ACTION_ENTRY)
  const chunkBytes = readdirSync(dist)
    .filter((f) => /^\d+\.index\.js$/.test(f))
    .reduce((sum, f) => sum + statSync(join(dist, f)).size, 0)
  return {
    bundleBytes: statSync(ACTION_ENTRY).size,
    chunkBytes,
    byNode,
    ...(coldBaseline && { baseline: coldBaseline }),
    ...(loadCpuMs && { loadCpuMs })
  }
}
