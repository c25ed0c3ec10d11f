// Run the bundled action (dist/index.js, dist/post/index.js) as a GitHub Actions runner would,
// against a running emulator, and read back what it wrote (outputs, state, job summary).
// Shared by the e2e tests (__tests__/e2e/harness.ts re-exports it) and `npm run demo`.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Emulator } from './index.js'

const ROOT = resolve(import.meta.dirname, '..')

/** Static credentials the emulator maps to `accountId` (AKIA + account + anything). */
export function credentialsEnv(accountId: string): Record<string, string> {
  if (!/^\d{12}$/.test(accountId))
    throw new Error(`credentialsEnv: "${accountId}" is not a 12-digit account ID`)
  return { AWS_ACCESS_KEY_ID: `AKIA${accountId}EXAMPLE`, AWS_SECRET_ACCESS_KEY: 'emulator-secret' }
}

/** Send a signal after a delay, or once the emulator has seen a call, or once stdout matches. */
export interface SignalPlan {
  signal?: NodeJS.Signals
  afterMs?: number
  /** An action name in the emulator's call log, e.g. 'StartAutomationExecution'. */
  onCall?: string
  onStdout?: RegExp | string
}

export interface RunOptions {
  emulator: Emulator
  /** Action inputs by their action.yml name, e.g. { 'ami-id': 'ami-…', 'share-accounts': '…' }. */
  inputs?: Record<string, string>
  /** Extra or overriding environment (e.g. credentialsEnv(account)). */
  env?: Record<string, string | undefined>
  /** The build account (credentials), default 111122223333; ignored if env sets keys. */
  accountId?: string
  /** AWS_REGION, default us-east-1. */
  region?: string
  /** The event payload written to GITHUB_EVENT_PATH (default {}), or an existing file. */
  event?: unknown
  eventPath?: string
  eventName?: string
  /** Kill the run after this many ms (default 60 000). */
  timeoutMs?: number
  /** Number: SIGINT after that many ms. */
  signalAfter?: number | SignalPlan
  /** Node binary (default: the one running the tests). */
  node?: string
}

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** Parsed from the GITHUB_OUTPUT file. */
  outputs: Record<string, string>
  /** The GITHUB_STEP_SUMMARY file's content. */
  summary: string
  /** Parsed from the GITHUB_STATE file (saved for the post step). */
  state: Record<string, string>
  timedOut: boolean
  durationMs: number
}

/** `INPUT_<NAME>` as the runner names it: upper case, spaces → `_`, dashes kept. */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

/** Parse the runner's file-command format: `name<<DELIM\nvalue\nDELIM` blocks and `name=value` lines. */
export function parseFileCommands(text: string): Record<string, string> {
  const result: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, name, delimiter] = heredoc
      const value: string[] = []
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i])
      if (i >= lines.length)
        throw new Error(`file command "${name}": delimiter ${delimiter} not found`)
      result[name] = value.join('\n')
      continue
    }
    const eq = line.indexOf('=')
    if (eq > 0) result[line.slice(0, eq)] = line.slice(eq + 1)
  }
  return result
}

function readIfExists(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : ''
}

/** Environment of a clean runner: nothing from the test process leaks in (no real AWS config). */
export function baseEnv(temp: string, options: RunOptions): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: temp,
    TZ: 'UTC',
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_REPOSITORY: 'acme/infra',
    GITHUB_REPOSITORY_OWNER: 'acme',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: options.emulator.githubUrl,
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_NUMBER: '7',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SHA: 'a'.repeat(40),
    GITHUB_REF: 'refs/heads/main',
    GITHUB_WORKFLOW: 'golden-ami',
    GITHUB_JOB: 'build',
    GITHUB_ACTOR: 'octocat',
    GITHUB_WORKSPACE: temp,
    RUNNER_TEMP: temp,
    RUNNER_OS: 'Linux',
    AWS_ENDPOINT_URL: options.emulator.url,
    AWS_REGION: options.region ?? 'us-east-1',
    AWS_CONFIG_FILE: join(temp, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(temp, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    // Silences the SDK's "node >=22" NodeVersionSupportWarning when the tests run on Node 20.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AMI_SHARE_ACTION_POLL_MS: '50',
    ...credentialsEnv(options.accountId ?? '111122223333')
  }
}

/** Run a script (relative to the repository root, or absolute) as an action step. */
export function runScript(
  script: string,
  options: RunOptions,
  extraEnv: Record<string, string> = {}
): Promise<RunResult> {
  const entry = resolve(ROOT, script)
  if (!existsSync(entry))
    throw new Error(`${script} is missing: run \`npm run package\` before the e2e tests`)
  const temp = mkdtempSync(join(tmpdir(), 'ami-share-e2e-'))
  const files = {
    GITHUB_OUTPUT: join(temp, 'output'),
    GITHUB_STEP_SUMMARY: join(temp, 'summary.md'),
    GITHUB_STATE: join(temp, 'state'),
    GITHUB_ENV: join(temp, 'env'),
    GITHUB_PATH: join(temp, 'path')
  }
  for (const path of Object.values(files)) writeFileSync(path, '')
  let eventPath = options.eventPath
  if (!eventPath) {
    eventPath = join(temp, 'event.json')
    writeFileSync(eventPath, JSON.stringify(options.event ?? {}))
  }
  const env: Record<string, string> = {
    ...baseEnv(temp, options),
    ...files,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_EVENT_NAME: options.eventName ?? 'push',
    ...extraEnv
  }
  for (const [name, value] of Object.entries(options.inputs ?? {})) env[inputEnvName(name)] = value
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name]
    else env[name] = value
  }

  const started = Date.now()
  const child = spawn(options.node ?? process.execPath, [entry], {
    cwd: temp,
    env,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  let timedOut = false
  const plan: SignalPlan | undefined =
    typeof options.signalAfter === 'number' ? { afterMs: options.signalAfter } : options.signalAfter
  let signalled = false
  const sendSignal = () => {
    if (signalled || child.exitCode !== null) return
    signalled = true
    child.kill(plan?.signal ?? 'SIGINT')
  }
  const matchesStdout = () =>
    plan?.onStdout !== undefined &&
    (typeof plan.onStdout === 'string'
      ? stdout.includes(plan.onStdout)
      : plan.onStdout.test(stdout))
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
    if (matchesStdout()) sendSignal()
  })
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const timers: NodeJS.Timeout[] = []
  if (plan?.afterMs !== undefined && plan.onCall === undefined && plan.onStdout === undefined) {
    timers.push(setTimeout(sendSignal, plan.afterMs))
  }
  if (plan?.onCall !== undefined) {
    const seen = options.emulator.calls().length
    const poll = setInterval(() => {
      if (
        options.emulator
          .calls()
          .slice(seen)
          .some((c) => c.action === plan.onCall && c.status < 400)
      ) {
        clearInterval(poll)
        if (plan.afterMs) timers.push(setTimeout(sendSignal, plan.afterMs))
        else sendSignal()
      }
    }, 10)
    timers.push(poll)
  }
  timers.push(
    setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, options.timeoutMs ?? 60_000)
  )

  return new Promise<RunResult>((resolvePromise, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => {
      for (const timer of timers) clearTimeout(timer)
      try {
        resolvePromise({
          code,
          signal,
          stdout,
          stderr,
          outputs: parseFileCommands(readIfExists(files.GITHUB_OUTPUT)),
          summary: readIfExists(files.GITHUB_STEP_SUMMARY),
          state: parseFileCommands(readIfExists(files.GITHUB_STATE)),
          timedOut,
          durationMs: Date.now() - started
        })
      } catch (error) {
        reject(error)
      } finally {
        rmSync(temp, { recursive: true, force: true })
      }
    })
  })
}

/** Run the main step: `node dist/index.js`. */
export function runAction(options: RunOptions): Promise<RunResult> {
  return runScript('dist/index.js', options, {})
}

/**
 * Run the post step: `node dist/post/index.js`, with the main step's saved state as
 * `STATE_<name>` variables, as the runner passes it.
 */
export function runPost(
  options: RunOptions & { state?: Record<string, string> }
): Promise<RunResult> {
  const stateEnv: Record<string, string> = {}
  for (const [name, value] of Object.entries(options.state ?? {})) stateEnv[`STATE_${name}`] = value
  return runScript('dist/post/index.js', options, stateEnv)
}

/**
 * The Node that GitHub runs the action on (node24), fetched from the npm registry by npx (cached
 * after the first time). Falls back to the current Node, with a note saying why.
 */
export function node24(): { node: string; note?: string } {
  try {
    const path = execFileSync('npx', ['-y', 'node@24', '-p', 'process.execPath'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 180_000
    }).trim()
    if (existsSync(path)) return { node: path }
    throw new Error(`npx printed "${path}", which is not a file`)
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error)
    return {
      node: process.execPath,
      note: `could not get Node 24 from the npm registry (${reason}); using this Node (${process.version})`
    }
  }
}
