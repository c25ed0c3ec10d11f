// SSM Run Command against EC2 instances (user guide: "AWS Systems Manager Run Command";
// API reference: DescribeInstanceInformation, SendCommand, GetCommandInvocation,
// ListCommandInvocations, ListCommands, CancelCommand; "Understanding command statuses").
// An instance becomes a managed node some simulated seconds after it is running, when its image has
// the SSM Agent and it has an instance profile whose role allows Systems Manager (user guide:
// "Setting up Systems Manager for EC2 instances"). What a script does comes from the instance's
// behaviour model (ec2/behaviour.ts), decided when the command is sent.
import { randomUUID } from 'node:crypto'
import { AwsError, type Caller, type Sim } from '../../types.js'
import { runScript, type ScriptResult } from '../ec2/behaviour.js'
import { checkResourceTags } from '../ec2/conditions.js'
import {
  instanceProfileByArn,
  resourceOf,
  runningSince,
  settleInstances
} from '../ec2/instance-state.js'
import { subnetById } from '../ec2/network.js'
import { ec2State, setting, settle, type Instance } from '../ec2/state.js'

type Body = Record<string, unknown>

const DOCUMENTS: Record<string, { plugin: string; platform: 'linux' | 'windows' }> = {
  'AWS-RunShellScript': { plugin: 'aws:runShellScript', platform: 'linux' },
  'AWS-RunPowerShellScript': { plugin: 'aws:runPowerShellScript', platform: 'windows' }
}

interface Invocation {
  instanceId: string
  result: ScriptResult
  /** Simulated ms: delivered (Pending → InProgress), finished. */
  startAt: number
  endAt: number
}

interface Command {
  commandId: string
  accountId: string
  region: string
  documentName: string
  comment?: string
  parameters: Record<string, string[]>
  instanceIds: string[]
  targets: unknown[]
  requestedAt: number
  timeoutSeconds: number
  executionTimeoutSeconds: number
  cancelledAt?: number
  invocations: Invocation[]
  maxConcurrency: string
  maxErrors: string
}

interface RunCommandState {
  commands: Record<string, Command>
}

function runState(sim: Sim): RunCommandState {
  return (sim.state.ssmRunCommand ??= { commands: {} }) as RunCommandState
}

export function runCommandTimings(sim: Sim) {
  return {
    registerMs: setting(sim, 'ssm', 'agentRegisterMs', 45_000),
    invocationNotFoundMs: setting(sim, 'ssm', 'invocationNotFoundMs', 1_000),
    deliveryMs: setting(sim, 'ssm', 'commandDeliveryMs', 1_000)
  }
}

const OUTPUT_LIMIT = 24_000
const LIST_OUTPUT_LIMIT = 2_500

function validation(message: string): AwsError {
  return new AwsError('ValidationException', message)
}

/** When the instance registered as a managed node, or undefined when it is not one now. */
function registeredAt(sim: Sim, inst: Instance): number | undefined {
  const since = runningSince(inst)
  if (since === undefined) return undefined
  if (inst.behaviour?.ssmAgent === false) return undefined
  const profileArn = inst.launch?.iamInstanceProfile?.arn
  // Seeded instances (no launch record) are managed when their behaviour says ssmAgent: true.
  if (!inst.launch) return inst.behaviour?.ssmAgent === true ? since : undefined
  if (!profileArn || !instanceProfileByArn(sim, profileArn)?.ssmManaged) return undefined
  const subnet = inst.subnetId ? subnetById(sim, inst.subnetId) : undefined
  if (subnet && !subnet.reachesSsm) return undefined
  const at = since + runCommandTimings(sim).registerMs
  return sim.clock.now() >= at ? at : undefined
}

function managedNodes(sim: Sim, caller: Caller): { inst: Instance; at: number }[] {
  settle(sim)
  settleInstances(sim)
  return Object.values(ec2State(sim).instances)
    .filter((i) => i.accountId === caller.accountId && i.region === caller.region)
    .map((inst) => ({ inst, at: registeredAt(sim, inst) }))
    .filter((x): x is { inst: Instance; at: number } => x.at !== undefined)
}

function platformOfNode(inst: Instance): 'linux' | 'windows' {
  return inst.launch?.platform ?? inst.behaviour?.platform ?? 'linux'
}

function page<T>(items: T[], body: Body, min: number, max: number) {
  const size = body.MaxResults === undefined ? max : Number(body.MaxResults)
  if (!Number.isInteger(size) || size < min || size > max) {
    throw validation(
      `1 validation error detected: Value '${String(body.MaxResults)}' at 'maxResults' failed to satisfy constraint: Member must have value between ${min} and ${max}`
    )
  }
  let offset = 0
  if (body.NextToken !== undefined) {
    offset = Number(Buffer.from(String(body.NextToken), 'base64').toString('utf8'))
    if (!Number.isInteger(offset) || offset < 0)
      throw new AwsError('InvalidNextToken', 'The specified token is not valid.')
  }
  const slice = items.slice(offset, offset + size)
  const next =
    offset + size < items.length ? Buffer.from(String(offset + size)).toString('base64') : undefined
  return { slice, next }
}

// API reference: DescribeInstanceInformation (InstanceInformationFilterList / Filters with
// InstanceIds, PingStatus, PlatformTypes, ResourceType; MaxResults 5-50).
export function describeInstanceInformation(sim: Sim, caller: Caller, body: Body) {
  const old = (body.InstanceInformationFilterList ?? []) as { key?: string; valueSet?: string[] }[]
  const modern = (body.Filters ?? []) as { Key?: string; Values?: string[] }[]
  const fs = [
    ...old.map((f) => ({ key: f.key ?? '', values: f.valueSet ?? [] })),
    ...modern.map((f) => ({ key: f.Key ?? '', values: f.Values ?? [] }))
  ]
  const known = ['InstanceIds', 'PingStatus', 'PlatformTypes', 'ResourceType', 'AgentVersion']
  for (const f of fs) {
    if (!known.includes(f.key) && !f.key.startsWith('tag:'))
      throw new AwsError(
        'InvalidInstanceInformationFilterValue',
        `The filter key ${f.key} is not valid.`
      )
  }
  const nodes = managedNodes(sim, caller).filter(({ inst }) =>
    fs.every((f) => {
      const platform = platformOfNode(inst) === 'windows' ? 'Windows' : 'Linux'
      const value: Record<string, string[]> = {
        InstanceIds: [inst.instanceId],
        PingStatus: ['Online'],
        PlatformTypes: [platform],
        ResourceType: ['EC2Instance'],
        AgentVersion: ['3.3.1345.0']
      }
      const have = f.key.startsWith('tag:')
        ? inst.tags.filter((t) => t.key === f.key.slice(4)).map((t) => t.value)
        : value[f.key]
      return f.values.some((v) => have.includes(v))
    })
  )
  const { slice, next } = page(nodes, body, 5, 50)
  const now = sim.clock.now()
  return {
    InstanceInformationList: slice.map(({ inst, at }) => {
      const windows = platformOfNode(inst) === 'windows'
      return {
        InstanceId: inst.instanceId,
        PingStatus: 'Online',
        LastPingDateTime: new Date(now),
        AgentVersion: '3.3.1345.0',
        IsLatestVersion: true,
        PlatformType: windows ? 'Windows' : 'Linux',
        PlatformName: windows ? 'Microsoft Windows Server 2022 Datacenter' : 'Amazon Linux',
        PlatformVersion: windows ? '10.0.20348' : '2023',
        ResourceType: 'EC2Instance',
        IPAddress: inst.launch?.privateIpAddress ?? '172.31.0.10',
        ComputerName: `ip-${(inst.launch?.privateIpAddress ?? '172.31.0.10').replace(/\./g, '-')}.ec2.internal`,
        RegistrationDate: new Date(at),
        SourceId: inst.instanceId,
        SourceType: 'AWS::EC2::Instance'
      }
    }),
    ...(next ? { NextToken: next } : {})
  }
}

function commandStatus(sim: Sim, cmd: Command, inv: Invocation) {
  const now = sim.clock.now()
  if (cmd.cancelledAt !== undefined && cmd.cancelledAt < inv.endAt) {
    return { status: 'Cancelled', details: 'Cancelled', code: -1, done: true, lost: true }
  }
  if (now < inv.startAt) {
    return { status: 'Pending', details: 'Pending', code: -1, done: false, lost: false }
  }
  // The agent stops with the instance: a script it had not finished fails.
  const inst = ec2State(sim).instances[inv.instanceId]
  const stoppedAt = inst?.launch?.shutdownAt
  if (!inst || (stoppedAt !== undefined && stoppedAt < inv.endAt && now >= stoppedAt)) {
    const before = stoppedAt !== undefined && stoppedAt < inv.startAt
    return {
      status: 'Failed',
      details: before ? 'Undeliverable' : 'Failed',
      code: -1,
      done: true,
      lost: true
    }
  }
  if (now < inv.endAt)
    return { status: 'InProgress', details: 'InProgress', code: -1, done: false, lost: false }
  if (inv.result.durationMs > cmd.executionTimeoutSeconds * 1000) {
    return { status: 'TimedOut', details: 'ExecutionTimedOut', code: -1, done: true, lost: false }
  }
  const ok = inv.result.exitCode === 0
  return {
    status: ok ? 'Success' : 'Failed',
    details: ok ? 'Success' : 'Failed',
    code: inv.result.exitCode,
    done: true,
    lost: false
  }
}

function overallStatus(sim: Sim, cmd: Command): string {
  const states = cmd.invocations.map((inv) => commandStatus(sim, cmd, inv))
  if (cmd.cancelledAt !== undefined && states.some((s) => s.status === 'Cancelled'))
    return 'Cancelled'
  if (states.some((s) => !s.done))
    return sim.clock.now() < Math.min(...cmd.invocations.map((i) => i.startAt))
      ? 'Pending'
      : 'InProgress'
  if (states.every((s) => s.status === 'Success')) return 'Success'
  if (states.some((s) => s.status === 'TimedOut')) return 'TimedOut'
  return 'Failed'
}

function commandJson(sim: Sim, cmd: Command) {
  const states = cmd.invocations.map((inv) => commandStatus(sim, cmd, inv))
  const status = overallStatus(sim, cmd)
  return {
    CommandId: cmd.commandId,
    DocumentName: cmd.documentName,
    DocumentVersion: '$DEFAULT',
    ...(cmd.comment !== undefined ? { Comment: cmd.comment } : {}),
    ExpiresAfter: new Date(
      cmd.requestedAt + (cmd.timeoutSeconds + cmd.executionTimeoutSeconds) * 1000
    ),
    Parameters: cmd.parameters,
    InstanceIds: cmd.instanceIds,
    Targets: cmd.targets,
    RequestedDateTime: new Date(cmd.requestedAt),
    Status: status,
    StatusDetails: status,
    MaxConcurrency: cmd.maxConcurrency,
    MaxErrors: cmd.maxErrors,
    TargetCount: cmd.invocations.length,
    CompletedCount: states.filter((s) => s.done).length,
    ErrorCount: states.filter((s) => s.done && s.status !== 'Success').length,
    DeliveryTimedOutCount: 0,
    TimeoutSeconds: cmd.timeoutSeconds
  }
}

function stringList(body: Body, key: string): string[] {
  const v = body[key]
  if (v === undefined) return []
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw validation(`1 validation error detected: Value at '${key}' failed to satisfy constraint`)
  return v as string[]
}

// API reference: SendCommand (InvalidInstanceId for a node that is not managed or not in a valid
// state, UnsupportedPlatformType when the document does not run on its platform, InvalidDocument,
// InvalidParameters).
export function sendCommand(sim: Sim, caller: Caller, body: Body) {
  const name = body.DocumentName
  if (typeof name !== 'string' || !name)
    throw validation(
      "1 validation error detected: Value null at 'documentName' failed to satisfy constraint: Member must not be null"
    )
  const doc = DOCUMENTS[name.includes(':document/') ? name.split(':document/')[1] : name]
  if (!doc) throw new AwsError('InvalidDocument', `Document with name ${name} does not exist.`)
  const params = (body.Parameters ?? {}) as Record<string, unknown>
  const commands = params.commands
  if (!Array.isArray(commands) || !commands.length || commands.some((c) => typeof c !== 'string')) {
    throw new AwsError(
      'InvalidParameters',
      'Parameter "commands" is required and must be a list of strings.'
    )
  }
  for (const key of Object.keys(params)) {
    if (!['commands', 'workingDirectory', 'executionTimeout'].includes(key))
      throw new AwsError('InvalidParameters', `Parameter "${key}" is not defined in the document.`)
  }
  const execTimeout = Number((params.executionTimeout as string[] | undefined)?.[0] ?? 3600)
  if (!Number.isInteger(execTimeout) || execTimeout < 1 || execTimeout > 172800)
    throw new AwsError(
      'InvalidParameters',
      'Parameter "executionTimeout" must be an integer between 1 and 172800.'
    )
  let ids = stringList(body, 'InstanceIds')
  const targets = (body.Targets ?? []) as { Key?: string; Values?: string[] }[]
  if (ids.length && targets.length)
    throw validation('Specify either InstanceIds or Targets, not both.')
  const nodes = managedNodes(sim, caller)
  if (targets.length) {
    ids = nodes
      .filter(({ inst }) =>
        targets.every((t) =>
          t.Key === 'InstanceIds'
            ? (t.Values ?? []).includes(inst.instanceId)
            : t.Key?.startsWith('tag:')
              ? inst.tags.some(
                  (x) => x.key === t.Key!.slice(4) && (t.Values ?? []).includes(x.value)
                )
              : false
        )
      )
      .map(({ inst }) => inst.instanceId)
  }
  if (!ids.length && !targets.length)
    throw validation('1 validation error detected: InstanceIds or Targets must be specified.')
  if (ids.length > 50)
    throw validation(
      "1 validation error detected: Value at 'instanceIds' failed to satisfy constraint: Member must have length less than or equal to 50"
    )
  const unmanaged = ids.filter((id) => !nodes.some((n) => n.inst.instanceId === id))
  if (unmanaged.length) {
    throw new AwsError(
      'InvalidInstanceId',
      `Instances [[${unmanaged.join(', ')}]] not in a valid state for account ${caller.accountId}`
    )
  }
  const wrong = ids.filter(
    (id) => platformOfNode(nodes.find((n) => n.inst.instanceId === id)!.inst) !== doc.platform
  )
  if (wrong.length) {
    throw new AwsError(
      'UnsupportedPlatformType',
      `The platform type of instances [${wrong.join(', ')}] is not supported by document ${name}.`
    )
  }
  // ssm:SendCommand conditioned on the instances' tags (aws:ResourceTag).
  checkResourceTags(
    sim,
    caller,
    'ssm:SendCommand',
    ids.map((id) => resourceOf(ec2State(sim).instances[id]))
  )
  const now = sim.clock.now()
  const t = runCommandTimings(sim)
  const shell = doc.platform === 'windows' ? 'powershell' : 'sh'
  const cmd: Command = {
    commandId: randomUUID(),
    accountId: caller.accountId,
    region: caller.region,
    documentName: name,
    comment: body.Comment as string | undefined,
    parameters: Object.fromEntries(
      Object.entries(params).map(([k, v]) => [k, Array.isArray(v) ? (v as string[]) : [String(v)]])
    ),
    instanceIds: stringList(body, 'InstanceIds'),
    targets,
    requestedAt: now,
    timeoutSeconds: Number(body.TimeoutSeconds ?? 3600),
    executionTimeoutSeconds: execTimeout,
    maxConcurrency: String(body.MaxConcurrency ?? '50'),
    maxErrors: String(body.MaxErrors ?? '0'),
    invocations: ids.map((instanceId) => {
      const inst = ec2State(sim).instances[instanceId]
      const result = runScript(inst.behaviour ?? {}, commands as string[], shell)
      const startAt = now + t.deliveryMs
      return {
        instanceId,
        result,
        startAt,
        endAt: startAt + Math.min(result.durationMs, execTimeout * 1000)
      }
    })
  }
  runState(sim).commands[cmd.commandId] = cmd
  return { Command: commandJson(sim, cmd) }
}

function ownCommand(sim: Sim, caller: Caller, id: unknown): Command | undefined {
  const cmd = typeof id === 'string' ? runState(sim).commands[id] : undefined
  return cmd && cmd.accountId === caller.accountId && cmd.region === caller.region ? cmd : undefined
}

const iso = (ms: number) => new Date(ms).toISOString()
const elapsed = (ms: number) => `PT${(Math.max(0, ms) / 1000).toFixed(3)}S`

// API reference: GetCommandInvocation: InvocationDoesNotExist for an unknown pair and, as AWS
// documents, for a short while right after SendCommand.
export function getCommandInvocation(sim: Sim, caller: Caller, body: Body) {
  settleInstances(sim)
  const cmd = ownCommand(sim, caller, body.CommandId)
  if (typeof body.CommandId !== 'string' || typeof body.InstanceId !== 'string')
    throw validation(
      "1 validation error detected: Value null at 'commandId' failed to satisfy constraint: Member must not be null"
    )
  if (!/^[0-9a-f-]{36}$/.test(body.CommandId))
    throw new AwsError('InvalidCommandId', 'Invalid command ID.')
  const inv = cmd?.invocations.find((i) => i.instanceId === body.InstanceId)
  const now = sim.clock.now()
  if (!cmd || !inv || now < cmd.requestedAt + runCommandTimings(sim).invocationNotFoundMs) {
    throw new AwsError(
      'InvocationDoesNotExist',
      'An error occurred (InvocationDoesNotExist) when calling the GetCommandInvocation operation'
    )
  }
  const doc = DOCUMENTS[cmd.documentName]
  if (
    body.PluginName !== undefined &&
    body.PluginName !== doc.plugin.replace(/^aws:/, '') &&
    body.PluginName !== doc.plugin
  )
    throw new AwsError(
      'InvalidPluginName',
      `The plugin name ${String(body.PluginName)} is not valid.`
    )
  const st = commandStatus(sim, cmd, inv)
  const started = now >= inv.startAt
  const ended = st.done && !st.lost
  return {
    CommandId: cmd.commandId,
    InstanceId: inv.instanceId,
    ...(cmd.comment !== undefined ? { Comment: cmd.comment } : {}),
    DocumentName: cmd.documentName,
    DocumentVersion: '$DEFAULT',
    PluginName: doc.plugin,
    ResponseCode: st.code,
    ExecutionStartDateTime: started ? iso(inv.startAt) : '',
    ExecutionElapsedTime: started ? elapsed(Math.min(now, inv.endAt) - inv.startAt) : '',
    ExecutionEndDateTime: ended ? iso(inv.endAt) : '',
    Status: st.status,
    StatusDetails: st.details,
    StandardOutputContent: ended ? inv.result.stdout.slice(0, OUTPUT_LIMIT) : '',
    StandardOutputUrl: '',
    StandardErrorContent: ended ? inv.result.stderr.slice(0, OUTPUT_LIMIT) : '',
    StandardErrorUrl: '',
    CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false }
  }
}

// API reference: ListCommandInvocations (CommandId, InstanceId, Details, MaxResults 1-50).
export function listCommandInvocations(sim: Sim, caller: Caller, body: Body) {
  settleInstances(sim)
  const all = Object.values(runState(sim).commands).filter(
    (c) =>
      c.accountId === caller.accountId &&
      c.region === caller.region &&
      (body.CommandId === undefined || c.commandId === body.CommandId)
  )
  if (body.CommandId !== undefined && !all.length)
    throw new AwsError('InvalidCommandId', 'Invalid command ID.')
  const rows = all
    .sort((a, b) => b.requestedAt - a.requestedAt)
    .flatMap((cmd) => cmd.invocations.map((inv) => ({ cmd, inv })))
    .filter(({ inv }) => body.InstanceId === undefined || inv.instanceId === body.InstanceId)
  const { slice, next } = page(rows, body, 1, 50)
  return {
    CommandInvocations: slice.map(({ cmd, inv }) => {
      const st = commandStatus(sim, cmd, inv)
      const doc = DOCUMENTS[cmd.documentName]
      const ended = st.done && !st.lost
      const output = ended ? inv.result.stdout + inv.result.stderr : ''
      return {
        CommandId: cmd.commandId,
        InstanceId: inv.instanceId,
        InstanceName: '',
        ...(cmd.comment !== undefined ? { Comment: cmd.comment } : {}),
        DocumentName: cmd.documentName,
        DocumentVersion: '$DEFAULT',
        RequestedDateTime: new Date(cmd.requestedAt),
        Status: st.status,
        StatusDetails: st.details,
        TraceOutput: '',
        StandardOutputUrl: '',
        StandardErrorUrl: '',
        ...(body.Details === true
          ? {
              CommandPlugins: [
                {
                  Name: doc.plugin,
                  Status: st.status,
                  StatusDetails: st.details,
                  ResponseCode: st.code,
                  ...(now(sim) >= inv.startAt
                    ? { ResponseStartDateTime: new Date(inv.startAt) }
                    : {}),
                  ...(ended ? { ResponseFinishDateTime: new Date(inv.endAt) } : {}),
                  Output: output.slice(0, LIST_OUTPUT_LIMIT),
                  StandardOutputUrl: '',
                  StandardErrorUrl: ''
                }
              ]
            }
          : {})
      }
    }),
    ...(next ? { NextToken: next } : {})
  }
}

const now = (sim: Sim) => sim.clock.now()

// API reference: ListCommands (CommandId, InstanceId, MaxResults 1-50).
export function listCommands(sim: Sim, caller: Caller, body: Body) {
  settleInstances(sim)
  const cmds = Object.values(runState(sim).commands)
    .filter(
      (c) =>
        c.accountId === caller.accountId &&
        c.region === caller.region &&
        (body.CommandId === undefined || c.commandId === body.CommandId) &&
        (body.InstanceId === undefined ||
          c.invocations.some((i) => i.instanceId === body.InstanceId))
    )
    .sort((a, b) => b.requestedAt - a.requestedAt)
  if (body.CommandId !== undefined && !cmds.length)
    throw new AwsError('InvalidCommandId', 'Invalid command ID.')
  const { slice, next } = page(cmds, body, 1, 50)
  return { Commands: slice.map((c) => commandJson(sim, c)), ...(next ? { NextToken: next } : {}) }
}

// API reference: CancelCommand: invocations that have not finished end Cancelled.
export function cancelCommand(sim: Sim, caller: Caller, body: Body) {
  const cmd = ownCommand(sim, caller, body.CommandId)
  if (!cmd) throw new AwsError('InvalidCommandId', 'Invalid command ID.')
  cmd.cancelledAt ??= sim.clock.now()
  return {}
}

export function runCommandSnapshot(sim: Sim) {
  return Object.values(runState(sim).commands).map((c) => ({
    ...c,
    requestedAt: iso(c.requestedAt),
    invocations: c.invocations.map((i) => ({ ...i, startAt: iso(i.startAt), endAt: iso(i.endAt) }))
  }))
}
