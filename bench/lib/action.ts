// Run the bundled action (dist/index.js) as the runner would, against the emulator, and measure
// it: spawn time, exit, outputs, and peak RSS (GNU time's %M when /usr/bin/time exists, else
// VmHWM sampled from /proc/<pid>/status).
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Emulator } from '../../emulator/index.js'
import { baseEnv, credentialsEnv, inputEnvName, parseFileCommands } from '../../emulator/runner.js'

export const ROOT = resolve(import.meta.dirname, '..', '..')
export const ACTION_ENTRY = join(ROOT, 'dist', 'index.js')
const GNU_TIME = '/usr/bin/time'

export { credentialsEnv }

export interface ActionRun {
  code: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  /** Date.now() just before spawn. */
  spawnedAt: number
  exitedAt: number
  /** Peak resident set size of the action process, in MiB (undefined if not measurable). */
  peakRssMiB?: number
  timedOut: boolean
}

export interface ActionOptions {
  emulator: Emulator
  inputs: Record<string, string>
  accountId?: string
  region?: string
  /** Poll interval override; undefined = the action's default (5 s). */
  pollMs?: number
  node?: string
  timeoutMs?: number
  /** Measure peak RSS (wraps the process in GNU time). */
  measureRss?: boolean
  /** Another bundle's entry (a baseline build); default dist/index.js. */
  entry?: string
  /** Called when the action opens a log group (`::group::Build`), as the line arrives. */
  onGroup?: (name: string) => void
}

function peakFromProc(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : undefined
  } catch {
    return undefined
  }
}

export function runActionProcess(options: ActionOptions): Promise<ActionRun> {
  const entry = options.entry ?? ACTION_ENTRY
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run package\``)
  const temp = mkdtempSync(join(tmpdir(), 'ami-share-bench-'))
  const output = join(temp, 'output')
  const rssFile = join(temp, 'rss')
  for (const f of ['output', 'summary.md', 'state', 'env', 'path']) writeFileSync(join(temp, f), '')
  writeFileSync(join(temp, 'event.json'), '{}')
  // The e2e tests' clean runner environment, with the bench's job name and the action's own
  // poll interval unless the scenario sets one.
  const env: Record<string, string> = {
    ...baseEnv(temp, options),
    GITHUB_JOB: 'bench',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: join(temp, 'event.json'),
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: join(temp, 'summary.md'),
    GITHUB_STATE: join(temp, 'state'),
    GITHUB_ENV: join(temp, 'env'),
    GITHUB_PATH: join(temp, 'path')
  }
  delete env.AMI_SHARE_ACTION_POLL_MS
  if (options.pollMs !== undefined) env.AMI_SHARE_ACTION_POLL_MS = String(options.pollMs)
  for (const [name, value] of Object.entries(options.inputs)) env[inputEnvName(name)] = value
  const node = options.node ?? process.execPath
  const useTime = options.measureRss === true && existsSync(GNU_TIME)
  const [command, args] = useTime
    ? [GNU_TIME, ['-f', '%M', '-o', rssFile, node, entry]]
    : [node, [entry]]
  const spawnedAt = Date.now()
  const child = spawn(command, args, { cwd: temp, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  let sampledKb = 0
  child.stdout.on('data', (chunk: Buffer) => {
    const text = chunk.toString()
    stdout += text
    for (const m of text.matchAll(/^::group::(.*)$/gm)) options.onGroup?.(m[1].trim())
  })
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const sampler =
    options.measureRss && !useTime
      ? setInterval(() => {
          sampledKb = Math.max(sampledKb, peakFromProc(child.pid ?? 0) ?? 0)
        }, 25)
      : undefined
  let timedOut = false
  const killer = setTimeout(() => {
    timedOut = true
    child.kill('SIGKILL')
  }, options.timeoutMs ?? 300_000)
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject)
    child.on('close', (code) => {
      const exitedAt = Date.now()
      clearTimeout(killer)
      if (sampler) clearInterval(sampler)
      let peakKb: number | undefined = sampledKb || undefined
      if (useTime && existsSync(rssFile)) {
        const last = readFileSync(rssFile, 'utf8').trim().split('\n').pop() ?? ''
        if (/^\d+$/.test(last)) peakKb = Number(last)
      }
      const result: ActionRun = {
        code,
        stdout,
        stderr,
        outputs: parseFileCommands(readFileSync(output, 'utf8')),
        spawnedAt,
        exitedAt,
        peakRssMiB: peakKb === undefined ? undefined : Math.round((peakKb / 1024) * 10) / 10,
        timedOut
      }
      rmSync(temp, { recursive: true, force: true })
      resolvePromise(result)
    })
  })
}

/** Throw with the action's log tail when a run that should succeed did not. */
export function assertSucceeded(run: ActionRun, what: string): void {
  if (run.code === 0) return
  const tail = (run.stdout + '\n' + run.stderr).split('\n').slice(-30).join('\n')
  throw new Error(
    `${what}: the action exited ${run.code}${run.timedOut ? ' (timed out)' : ''}\n${tail}`
  )
}
