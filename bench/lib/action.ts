// Run the bundled action (dist/index.js) as the runner would, against the emulator, and measure
// it: spawn time, exit, outputs, and peak RSS (GNU time's %M when /usr/bin/time exists, else
// VmHWM sampled from /proc/<pid>/status).
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Emulator } from '../../emulator/index.js'

export const ROOT = resolve(import.meta.dirname, '..', '..')
export const ACTION_ENTRY = join(ROOT, 'dist', 'index.js')
const GNU_TIME = '/usr/bin/time'

export function credentialsEnv(accountId: string): Record<string, string> {
  return { AWS_ACCESS_KEY_ID: `AKIA${accountId}EXAMPLE`, AWS_SECRET_ACCESS_KEY: 'emulator-secret' }
}

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
  /** Called when the action opens a log group (`::group::Build`), as the line arrives. */
  onGroup?: (name: string) => void
}

/** `name<<DELIM … DELIM` blocks and `name=value` lines (the runner's file-command format). */
function parseFileCommands(text: string): Record<string, string> {
  const result: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i])
    if (heredoc) {
      const value: string[] = []
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i])
      result[heredoc[1]] = value.join('\n')
      continue
    }
    const eq = lines[i].indexOf('=')
    if (eq > 0) result[lines[i].slice(0, eq)] = lines[i].slice(eq + 1)
  }
  return result
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
  if (!existsSync(ACTION_ENTRY)) throw new Error('dist/index.js is missing: run `npm run package`')
  const temp = mkdtempSync(join(tmpdir(), 'ami-share-bench-'))
  const output = join(temp, 'output')
  const rssFile = join(temp, 'rss')
  for (const f of ['output', 'summary.md', 'state', 'env', 'path']) writeFileSync(join(temp, f), '')
  writeFileSync(join(temp, 'event.json'), '{}')
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: temp,
    TZ: 'UTC',
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_REPOSITORY: 'acme/infra',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'bench',
    GITHUB_SHA: 'a'.repeat(40),
    GITHUB_REF: 'refs/heads/main',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: join(temp, 'event.json'),
    GITHUB_WORKSPACE: temp,
    GITHUB_API_URL: options.emulator.githubUrl,
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: join(temp, 'summary.md'),
    GITHUB_STATE: join(temp, 'state'),
    GITHUB_ENV: join(temp, 'env'),
    GITHUB_PATH: join(temp, 'path'),
    RUNNER_TEMP: temp,
    RUNNER_OS: 'Linux',
    AWS_ENDPOINT_URL: options.emulator.url,
    AWS_REGION: options.region ?? 'us-east-1',
    AWS_CONFIG_FILE: join(temp, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(temp, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...credentialsEnv(options.accountId ?? '111122223333')
  }
  if (options.pollMs !== undefined) env.AMI_SHARE_ACTION_POLL_MS = String(options.pollMs)
  for (const [name, value] of Object.entries(options.inputs)) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  }
  const node = options.node ?? process.execPath
  const useTime = options.measureRss === true && existsSync(GNU_TIME)
  const [command, args] = useTime
    ? [GNU_TIME, ['-f', '%M', '-o', rssFile, node, ACTION_ENTRY]]
    : [node, [ACTION_ENTRY]]
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
