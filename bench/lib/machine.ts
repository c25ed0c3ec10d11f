// The machine a figure was measured on: CPU model, cores, memory, OS and the Node versions used.
import { execFileSync } from 'node:child_process'
import { node24 } from '../../emulator/runner.js'
import { cpus, release, totalmem, type as osType } from 'node:os'

export interface Machine {
  cpuModel: string
  cores: number
  memoryGiB: number
  os: string
  benchNode: string
  node24: string | undefined
  node24Path: string | undefined
}

/** The Node 24 binary, fetched through npm (`npx -y node@24`), or undefined when offline. */
export function findNode24(): string | undefined {
  const found = node24()
  return found.note === undefined ? found.node : undefined
}

export function describeMachine(node24Path: string | undefined): Machine {
  const list = cpus()
  let node24: string | undefined
  if (node24Path) {
    node24 = execFileSync(node24Path, ['-v'], { encoding: 'utf8' }).trim()
  }
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${osType()} ${release()}`,
    benchNode: process.version,
    node24,
    node24Path
  }
}
