// What an image does when it boots and when Run Command runs a script on it: a small, explicit
// model seeded per image (`behaviour`), inherited by images made from its instances and by copies.
// The supported script forms are listed in emulator/services/README.md ("Image behaviour").
// Follows: Systems Manager API Reference GetCommandInvocation (ResponseCode, StandardOutputContent) and the AWS-RunShellScript document (commands run by the shell).

/** One seeded answer for a simple command whose text matches `match` (a regular expression). */
export interface CommandRule {
  match: string
  exitCode?: number
  stdout?: string
  stderr?: string
  /** Simulated run time of the command (default 0). */
  durationMs?: number
}

export interface ImageBehaviour {
  /** The SSM Agent is installed and starts at boot (default true, as on Amazon Linux and Windows AMIs). */
  ssmAgent?: boolean
  /** Default: `windows` when the image's platformDetails says Windows, else `linux`. */
  platform?: 'linux' | 'windows'
  /** A web server on port 80 of the instance: path → response body. No entry: nothing listens. */
  serves?: Record<string, string>
  /** Checked first, in order, for every simple command. */
  commands?: CommandRule[]
  /** Any other command (default: exit 127, "command not found", as a shell without that program). */
  unknownCommand?: { exitCode?: number; stdout?: string; stderr?: string }
  /** The instance reachability check after boot (default `ok`). */
  statusCheck?: 'ok' | 'impaired'
  /** GetConsoleOutput text (default: a short boot log). */
  consoleOutput?: string
  /** systemd units: name → `active` / `inactive` / `failed` (unlisted units are `inactive`). */
  services?: Record<string, 'active' | 'inactive' | 'failed'>
  /** Files on the instance: path → content (for `cat`, `test -f`, `[ -f … ]`, `grep … FILE`). */
  files?: Record<string, string>
  /** Simulated time every script takes besides its `sleep`s and rules (default 2000 ms). */
  commandMs?: number
}

export interface ScriptResult {
  exitCode: number
  stdout: string
  stderr: string
  durationMs: number
}

interface CommandResult {
  code: number
  out: string
  err: string
  ms: number
  exit?: boolean
}

/** Split a line into words and the operators `|`, `||`, `&&`, `;`; quotes group, `#` starts a comment. */
function tokenize(line: string): string[] {
  const tokens: string[] = []
  let cur = ''
  let has = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1)
      const stop = end < 0 ? line.length : end
      cur += line.slice(i + 1, stop)
      has = true
      i = stop
    } else if (c === ' ' || c === '\t') {
      if (has) tokens.push(cur)
      cur = ''
      has = false
    } else if (c === '#' && !has) {
      break
    } else if ('|&;'.includes(c)) {
      if (has) tokens.push(cur)
      cur = ''
      has = false
      const two = line.slice(i, i + 2)
      if (two === '||' || two === '&&') {
        tokens.push(two)
        i++
      } else if (c === '&') {
        cur = '&'
        has = true
      } else tokens.push(c)
    } else {
      cur += c
      has = true
    }
  }
  if (has) tokens.push(cur)
  return tokens
}

/** Drop redirections (`>/dev/null`, `2>&1`, `> file`): output goes where the script's output goes. */
function withoutRedirections(words: string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < words.length; i++) {
    const w = words[i]
    if (/^\d?>>?$/.test(w)) i++
    else if (!/^\d?>>?/.test(w) && !/^\d?>&\d$/.test(w)) out.push(w)
  }
  return out
}

function ruleFor(behaviour: ImageBehaviour, text: string): CommandRule | undefined {
  return behaviour.commands?.find((r) => new RegExp(r.match).test(text))
}

function fromRule(rule: CommandRule): CommandResult {
  return {
    code: rule.exitCode ?? 0,
    out: rule.stdout ?? '',
    err: rule.stderr ?? '',
    ms: rule.durationMs ?? 0
  }
}

function unknown(behaviour: ImageBehaviour, name: string, lineNo: number): CommandResult {
  const u = behaviour.unknownCommand ?? {}
  return {
    code: u.exitCode ?? 127,
    out: u.stdout ?? '',
    err: u.stderr ?? `_script.sh: line ${lineNo}: ${name}: command not found\n`,
    ms: 0
  }
}

/** GET a URL on the instance itself against `serves`; other hosts are not reachable. */
function fetchLocal(behaviour: ImageBehaviour, url: string) {
  const m = /^(?:https?:\/\/)?([^/:]+)(?::(\d+))?(\/[^?#]*)?/.exec(url)
  const host = m?.[1] ?? ''
  const port = m?.[2] ?? '80'
  const path = m?.[3] ?? '/'
  if (!['localhost', '127.0.0.1', '[::1]'].includes(host)) return { kind: 'resolve' as const, host }
  const served = behaviour.serves ?? {}
  if (port !== '80' || !Object.keys(served).length) return { kind: 'connect' as const, host, port }
  const body = served[path]
  return body === undefined
    ? { kind: 'status' as const, status: 404 }
    : { kind: 'ok' as const, body }
}

/** curl with -f/--fail, -s/--silent, -S/--show-error, -L, -o, -m; exit codes 6, 7 and 22 as curl's. */
function curl(behaviour: ImageBehaviour, args: string[]): CommandResult {
  let fail = false
  let silent = false
  let showError = false
  let url = ''
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    if (a === '--fail') fail = true
    else if (a === '--silent') silent = true
    else if (a === '--show-error') showError = true
    else if (['-o', '--output', '-m', '--max-time', '--retry', '-w', '-H', '-A'].includes(a)) i++
    else if (/^-[a-zA-Z]+$/.test(a)) {
      fail ||= a.includes('f')
      silent ||= a.includes('s')
      showError ||= a.includes('S')
    } else if (!a.startsWith('-')) url ||= a
  }
  const say = (text: string) => (!silent || showError ? text : '')
  const r = fetchLocal(behaviour, url)
  if (r.kind === 'resolve')
    return { code: 6, out: '', err: say(`curl: (6) Could not resolve host: ${r.host}\n`), ms: 0 }
  if (r.kind === 'connect') {
    const err = `curl: (7) Failed to connect to ${r.host} port ${r.port} after 0 ms: Couldn't connect to server\n`
    return { code: 7, out: '', err: say(err), ms: 0 }
  }
  if (r.kind === 'status') {
    if (fail)
      return {
        code: 22,
        out: '',
        err: say(`curl: (22) The requested URL returned error: ${r.status}\n`),
        ms: 0
      }
    return { code: 0, out: '<html><body><h1>404 Not Found</h1></body></html>\n', err: '', ms: 0 }
  }
  return { code: 0, out: r.body, err: '', ms: 0 }
}

/** grep [-q] [-i] [-F] [-E] [-v] PATTERN, over its standard input. */
function grep(behaviour: ImageBehaviour, args: string[], stdin: string): CommandResult | undefined {
  const flags = args.filter((a) => /^-[a-zA-Z]+$/.test(a)).join('')
  const operands = args.filter((a) => !/^-[a-zA-Z]+$/.test(a))
  if (operands.length < 1 || operands.length > 2) return undefined
  const [pattern, file] = operands
  if (file !== undefined) {
    const content = behaviour.files?.[file]
    if (content === undefined)
      return { code: 2, out: '', err: `grep: ${file}: No such file or directory\n`, ms: 0 }
    stdin = content
  }
  const escaped = flags.includes('F') ? pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : pattern
  const re = new RegExp(escaped, flags.includes('i') ? 'i' : '')
  const lines = stdin.split('\n').filter((l, i, all) => i < all.length - 1 || l !== '')
  const hits = lines.filter((l) => re.test(l) !== flags.includes('v'))
  const out = flags.includes('q') ? '' : hits.map((l) => `${l}\n`).join('')
  return { code: hits.length ? 0 : 1, out, err: '', ms: 0 }
}

/** wget -q -O - URL (or -qO-): the body, or wget's exit 8 (HTTP error) / 4 (network failure). */
function wget(behaviour: ImageBehaviour, args: string[]): CommandResult {
  const url = args.find((a, i) => !a.startsWith('-') && args[i - 1] !== '-O') ?? ''
  const r = fetchLocal(behaviour, url)
  if (r.kind === 'ok') return { code: 0, out: r.body, err: '', ms: 0 }
  if (r.kind === 'status')
    return {
      code: 8,
      out: '',
      err: `wget: server returned error: HTTP/1.1 ${r.status} Not Found\n`,
      ms: 0
    }
  return { code: 4, out: '', err: `wget: unable to connect to ${url}\n`, ms: 0 }
}

/** systemctl is-active [--quiet] UNIT…: each unit's state; exit 0 only when all are active. */
function systemctl(behaviour: ImageBehaviour, args: string[]): CommandResult | undefined {
  const [verb, ...rest] = args
  if (verb !== 'is-active') return undefined
  const quiet = rest.some((a) => a === '--quiet' || a === '-q')
  const units = rest.filter((a) => !a.startsWith('-')).map((u) => u.replace(/\.service$/, ''))
  const states = units.map((u) => behaviour.services?.[u] ?? 'inactive')
  return {
    code: states.every((x) => x === 'active') ? 0 : 3,
    out: quiet ? '' : states.map((x) => `${x}\n`).join(''),
    err: '',
    ms: 0
  }
}

function cat(behaviour: ImageBehaviour, files: string[], stdin: string): CommandResult {
  if (!files.length) return { code: 0, out: stdin, err: '', ms: 0 }
  let out = ''
  let err = ''
  for (const f of files) {
    const content = behaviour.files?.[f]
    if (content === undefined) err += `cat: ${f}: No such file or directory\n`
    else out += content
  }
  return { code: err ? 1 : 0, out, err, ms: 0 }
}

/** test -f / -e / -d / -s PATH (and `[ … ]`) against `files`; a directory is any file's prefix. */
function test(behaviour: ImageBehaviour, args: string[]): CommandResult | undefined {
  const negate = args[0] === '!'
  const [op, path] = negate ? args.slice(1) : args
  if (!path || !['-f', '-e', '-d', '-s'].includes(op)) return undefined
  const files = behaviour.files ?? {}
  const isFile = files[path] !== undefined
  const isDir = Object.keys(files).some((f) => f.startsWith(path.replace(/\/?$/, '/')))
  const ok =
    op === '-f'
      ? isFile
      : op === '-d'
        ? isDir
        : op === '-s'
          ? (files[path] ?? '') !== ''
          : isFile || isDir
  return { code: ok !== negate ? 0 : 1, out: '', err: '', ms: 0 }
}

function shellCommand(
  behaviour: ImageBehaviour,
  words: string[],
  stdin: string,
  lineNo: number
): CommandResult {
  const rule = ruleFor(behaviour, words.join(' '))
  if (rule) return fromRule(rule)
  const [name, ...args] = words
  switch (name) {
    case 'echo': {
      const newline = args[0] !== '-n'
      const text = (newline ? args : args.slice(1)).join(' ')
      return { code: 0, out: newline ? `${text}\n` : text, err: '', ms: 0 }
    }
    case 'true':
    case ':':
      return { code: 0, out: '', err: '', ms: 0 }
    case 'false':
      return { code: 1, out: '', err: '', ms: 0 }
    case 'exit':
      return { code: Number(args[0] ?? 0) & 255, out: '', err: '', ms: 0, exit: true }
    case 'sleep':
      return { code: 0, out: '', err: '', ms: Math.round(Number(args[0] ?? 0) * 1000) || 0 }
    case 'set':
      return { code: 0, out: '', err: '', ms: 0 }
    case 'curl':
      return curl(behaviour, args)
    case 'grep':
      return grep(behaviour, args, stdin) ?? unknown(behaviour, name, lineNo)
    case 'wget':
      return wget(behaviour, args)
    case 'systemctl':
      return systemctl(behaviour, args) ?? unknown(behaviour, name, lineNo)
    case 'cat':
      return cat(behaviour, args, stdin)
    case 'test':
      return test(behaviour, args) ?? unknown(behaviour, name, lineNo)
    case '[':
      return args[args.length - 1] === ']'
        ? (test(behaviour, args.slice(0, -1)) ?? unknown(behaviour, name, lineNo))
        : { code: 2, out: '', err: "[: missing `]'\n", ms: 0 }
    default:
      return unknown(behaviour, name, lineNo)
  }
}

/** Invoke-WebRequest / iwr with -Uri or a positional URL; `.Content` or not, the body is printed. */
function powershellCommand(behaviour: ImageBehaviour, text: string, lineNo: number): CommandResult {
  const rule = ruleFor(behaviour, text)
  if (rule) return fromRule(rule)
  const words = tokenize(text.replace(/^\(|\)(\.Content)?$/g, '')).filter((w) => w !== '(')
  const [name, ...args] = words
  const lower = (name ?? '').toLowerCase()
  if (lower === 'write-output' || lower === 'write-host' || lower === 'echo')
    return { code: 0, out: `${args.join(' ')}\n`, err: '', ms: 0 }
  if (lower === 'exit') return { code: Number(args[0] ?? 0), out: '', err: '', ms: 0, exit: true }
  if (lower === 'start-sleep') {
    const secs = Number(args.find((a) => /^\d+(\.\d+)?$/.test(a)) ?? 0)
    return { code: 0, out: '', err: '', ms: secs * 1000 }
  }
  if (lower === 'invoke-webrequest' || lower === 'iwr') {
    const url = args.find((a, i) => !a.startsWith('-') && args[i - 1]?.toLowerCase() !== '-method')
    const r = fetchLocal(behaviour, url ?? '')
    if (r.kind === 'ok') return { code: 0, out: r.body, err: '', ms: 0 }
    const why =
      r.kind === 'status'
        ? `The remote server returned an error: (${r.status}) Not Found.`
        : 'Unable to connect to the remote server'
    return { code: 1, out: '', err: `Invoke-WebRequest : ${why}\n`, ms: 0 }
  }
  const u = unknown(behaviour, name ?? '', lineNo)
  return {
    ...u,
    code: behaviour.unknownCommand?.exitCode ?? 1,
    err:
      behaviour.unknownCommand?.stderr ??
      `${name} : The term '${name}' is not recognized as the name of a cmdlet, function, script file, or operable program.\n`
  }
}

/** One shell line: `a | b && c || d ; e`, left to right, with `set -e` honoured by the caller. */
function shellLine(behaviour: ImageBehaviour, line: string, lineNo: number): CommandResult {
  const tokens = tokenize(line)
  const total: CommandResult = { code: 0, out: '', err: '', ms: 0 }
  let skip = false
  let pipeline: string[][] = [[]]
  const runPipeline = () => {
    let stdin = ''
    let last: CommandResult = { code: 0, out: '', err: '', ms: 0 }
    for (const cmd of pipeline) {
      const words = withoutRedirections(cmd)
      if (!words.length) continue
      last = shellCommand(behaviour, words, stdin, lineNo)
      total.err += last.err
      total.ms += last.ms
      stdin = last.out
      if (last.exit) break
    }
    total.out += stdin
    total.code = last.code
    total.exit = last.exit
    pipeline = [[]]
  }
  for (const t of tokens) {
    if (total.exit) break
    if (t === '|') pipeline.push([])
    else if (t === '&&' || t === '||' || t === ';') {
      if (!skip) runPipeline()
      else pipeline = [[]]
      skip = (t === '&&' && total.code !== 0) || (t === '||' && total.code === 0)
    } else pipeline[pipeline.length - 1].push(t)
  }
  if (!skip && !total.exit) runPipeline()
  return total
}

/**
 * Runs the lines of AWS-RunShellScript / AWS-RunPowerShellScript `commands` against the model.
 * The exit code is the last command's (or `exit N`, or the first failure under `set -e`).
 */
export function runScript(
  behaviour: ImageBehaviour,
  commands: string[],
  shell: 'sh' | 'powershell'
): ScriptResult {
  const lines = commands.flatMap((c) => c.split('\n'))
  const result: ScriptResult = {
    exitCode: 0,
    stdout: '',
    stderr: '',
    durationMs: behaviour.commandMs ?? 2000
  }
  let errexit = false
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    if (shell === 'sh' && /^set\s+(-\w*e\w*|-o\s+errexit)/.test(line)) errexit = true
    const r =
      shell === 'sh' ? shellLine(behaviour, line, i + 1) : powershellCommand(behaviour, line, i + 1)
    result.stdout += r.out
    result.stderr += r.err
    result.durationMs += r.ms
    result.exitCode = r.code
    if (r.exit || (errexit && r.code !== 0)) break
  }
  return result
}

/** The instance's platform: the behaviour's, else from the image's platform details. */
export function platformOf(
  behaviour: ImageBehaviour | undefined,
  platformDetails: string | undefined
): 'linux' | 'windows' {
  return behaviour?.platform ?? (/windows/i.test(platformDetails ?? '') ? 'windows' : 'linux')
}
