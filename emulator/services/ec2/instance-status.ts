// DescribeInstanceStatus and GetConsoleOutput (user guide: "Status checks for Amazon EC2
// instances"; API reference: DescribeInstanceStatus, GetConsoleOutput).
import { AwsError, type Caller, type Sim } from '../../types.js'
import { dryRunGate } from './access.js'
import {
  callerInstances,
  instanceTimings,
  listed,
  runningSince,
  STATE_CODES,
  stateXml
} from './instance-state.js'
import { bool, filters, globMatch, list, paginate, str, type Params } from './params.js'
import { ec2State, type Instance } from './state.js'

const iso = (ms: number) => new Date(ms).toISOString()

type CheckStatus = 'ok' | 'impaired' | 'initializing' | 'not-applicable'

/** Status checks (user guide: "Status checks for Amazon EC2 instances"): initializing after boot, then ok or impaired. */
function checksOf(sim: Sim, inst: Instance, now: number) {
  const since = runningSince(inst)
  if (since === undefined)
    return {
      system: 'not-applicable' as CheckStatus,
      instance: 'not-applicable' as CheckStatus,
      at: undefined
    }
  const at = since + (inst.launch ? instanceTimings(sim).statusCheckMs : 0)
  if (now < at)
    return { system: 'initializing' as CheckStatus, instance: 'initializing' as CheckStatus, at }
  const instance: CheckStatus = inst.behaviour?.statusCheck === 'impaired' ? 'impaired' : 'ok'
  return { system: 'ok' as CheckStatus, instance, at }
}

function summary(status: CheckStatus, at: number | undefined, name: string) {
  const detail =
    status === 'ok'
      ? 'passed'
      : status === 'impaired'
        ? 'failed'
        : status === 'initializing'
          ? 'initializing'
          : undefined
  return {
    status,
    ...(detail
      ? {
          details: [
            {
              name,
              status: detail,
              ...(status === 'impaired' && at !== undefined ? { impairedSince: iso(at) } : {})
            }
          ]
        }
      : {})
  }
}

const STATUS_FILTERS: Record<
  string,
  (x: { inst: Instance; c: ReturnType<typeof checksOf> }) => string[]
> = {
  'instance-state-name': (x) => [x.inst.state],
  'instance-state-code': (x) => [String(STATE_CODES[x.inst.state])],
  'instance-status.status': (x) => [x.c.instance],
  'system-status.status': (x) => [x.c.system],
  'instance-status.reachability': (x) => [
    summary(x.c.instance, x.c.at, 'reachability').details?.[0]?.status ?? ''
  ],
  'system-status.reachability': (x) => [
    summary(x.c.system, x.c.at, 'reachability').details?.[0]?.status ?? ''
  ],
  'attached-ebs-status.status': (x) => [x.c.system],
  'availability-zone': (x) => [x.inst.launch?.availabilityZone ?? `${x.inst.region}a`]
}

// API reference: DescribeInstanceStatus (running instances only unless IncludeAllInstances;
// MaxResults 5-1000, not with InstanceIds).
export function describeInstanceStatus(sim: Sim, caller: Caller, params: Params) {
  const now = sim.clock.now()
  const ids = list(params, 'InstanceId')
  if (ids.length && str(params, 'MaxResults') !== undefined) {
    throw new AwsError(
      'InvalidParameterCombination',
      'The parameter instancesSet cannot be used with the parameter maxResults'
    )
  }
  const all = bool(params, 'IncludeAllInstances') ?? false
  const fs = filters(params)
  for (const f of fs)
    if (!STATUS_FILTERS[f.name])
      throw new AwsError('InvalidParameterValue', `The filter '${f.name}' is invalid`)
  const candidates = ids.length
    ? callerInstances(sim, caller, ids)
    : Object.values(ec2State(sim).instances).filter(
        (i) => i.accountId === caller.accountId && i.region === caller.region && listed(sim, i, now)
      )
  const rows = candidates
    .filter((inst) => all || inst.state === 'running')
    .map((inst) => ({ inst, c: checksOf(sim, inst, now) }))
    .filter((x) =>
      fs.every((f) => f.values.some((p) => STATUS_FILTERS[f.name](x).some((v) => globMatch(p, v))))
    )
  dryRunGate(params)
  const { page, nextToken } = paginate('DescribeInstanceStatus', rows, params, {
    min: 5,
    max: 1000
  })
  return {
    instanceStatusSet: page.map(({ inst, c }) => ({
      instanceId: inst.instanceId,
      availabilityZone: inst.launch?.availabilityZone ?? `${inst.region}a`,
      instanceState: stateXml(inst.state),
      systemStatus: summary(c.system, c.at, 'reachability'),
      instanceStatus: summary(c.instance, c.at, 'reachability'),
      attachedEbsStatus: summary(c.system, c.at, 'reachability'),
      eventsSet: []
    })),
    ...(nextToken ? { nextToken } : {})
  }
}

function bootLog(inst: Instance, from: number): string {
  const stamp = (ms: number) => new Date(ms).toUTCString()
  if (inst.launch?.platform === 'windows') {
    return (
      [
        `${iso(from)} Message: Windows sysprep configuration complete.`,
        `${iso(from + 20_000)} Message: Windows is Ready to use`
      ].join('\r\n') + '\r\n'
    )
  }
  return (
    [
      '[    0.000000] Linux version 6.1.0-1.amzn2023.x86_64 (mockbuild@ip-10-0-0-1) #1 SMP',
      `[    0.000000] Command line: BOOT_IMAGE=(hd0,gpt1)/boot/vmlinuz root=UUID=${inst.instanceId} ro`,
      `Cloud-init v. 22.2.2 running 'init' at ${stamp(from)}. Up 6.20 seconds.`,
      `ci-info: instance-id: ${inst.instanceId}  image-id: ${inst.imageId ?? ''}`,
      `Cloud-init v. 22.2.2 finished at ${stamp(from + 15_000)}. Datasource DataSourceEc2.  Up 15.10 seconds`
    ].join('\n') + '\n'
  )
}

// API reference: GetConsoleOutput (Output is base64; absent until the instance has booted).
export function getConsoleOutput(sim: Sim, caller: Caller, params: Params) {
  const id = str(params, 'InstanceId')
  if (!id)
    throw new AwsError('MissingParameter', 'The request must contain the parameter InstanceId')
  const [inst] = callerInstances(sim, caller, [id])
  dryRunGate(params)
  const now = sim.clock.now()
  const booted = inst.launch?.runningAt ?? inst.launchTime
  const ranAtAll = !inst.launch?.failure && now >= booted
  const text = inst.behaviour?.consoleOutput ?? bootLog(inst, booted)
  return {
    instanceId: inst.instanceId,
    timestamp: iso(now),
    ...(ranAtAll ? { output: Buffer.from(text, 'utf8').toString('base64') } : {})
  }
}
