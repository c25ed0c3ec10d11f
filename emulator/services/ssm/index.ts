// The SSM service module (JSON 1.1): automation runbooks and Parameter Store.
// Follows: Systems Manager API Reference (actions listed in the handler table).
import { AwsError, type Caller, type ServiceModule, type Sim } from '../../types.js'
import {
  describeAutomationExecutions,
  describeAutomationStepExecutions,
  describeDocument,
  getAutomationExecution,
  listTagsForResource,
  startAutomationExecution,
  stopAutomationExecution
} from './automation.js'
import type { DocParameter, StepDef } from './documents.js'
import { advance } from './engine.js'
import { getParameter, publicOwner, putParameter, settleParameters } from './parameters.js'
import { ssmState } from './state.js'
import {
  cancelCommand,
  describeInstanceInformation,
  getCommandInvocation,
  listCommandInvocations,
  listCommands,
  runCommandSnapshot,
  sendCommand
} from './run-command.js'

type Handler = (sim: Sim, caller: Caller, body: Record<string, unknown>) => unknown

const HANDLERS: Record<string, Handler> = {
  DescribeDocument: describeDocument,
  StartAutomationExecution: startAutomationExecution,
  GetAutomationExecution: getAutomationExecution,
  StopAutomationExecution: stopAutomationExecution,
  DescribeAutomationStepExecutions: describeAutomationStepExecutions,
  DescribeAutomationExecutions: describeAutomationExecutions,
  ListTagsForResource: listTagsForResource,
  GetParameter: getParameter,
  PutParameter: putParameter,
  // Run Command (run-command.ts).
  DescribeInstanceInformation: describeInstanceInformation,
  SendCommand: sendCommand,
  GetCommandInvocation: getCommandInvocation,
  ListCommandInvocations: listCommandInvocations,
  ListCommands: listCommands,
  CancelCommand: cancelCommand
}

const MUTATING = new Set([
  'StartAutomationExecution',
  'StopAutomationExecution',
  'PutParameter',
  'SendCommand',
  'CancelCommand'
])

export interface SsmSeed {
  /** Custom runbooks; a name already registered is replaced. */
  documents?: {
    name: string
    accountId?: string
    region?: string
    description?: string
    versions?: string[]
    defaultVersion?: string
    parameters?: DocParameter[]
    steps: StepDef[]
    outputs?: string[]
  }[]
  /**
   * A parameter seeded again with the same name gets a new version (the value "moves", e.g. to a
   * new AMI between two runs). Without accountId, a name under /aws/service/ is a public
   * parameter of that region, readable by every account.
   */
  parameters?: {
    name: string
    accountId?: string
    region: string
    value: string
    type?: 'String' | 'StringList' | 'SecureString'
    dataType?: string
  }[]
  /** Someone else stops these executions now (they go Cancelling, then Cancelled). */
  cancelExecutions?: string[]
}

function seedSsm(data: unknown, sim: Sim) {
  const seed = (data ?? {}) as SsmSeed
  const s = ssmState(sim)
  const now = sim.clock.now()
  for (const d of seed.documents ?? []) {
    if (!d.name || !Array.isArray(d.steps) || !d.steps.length) {
      throw new AwsError('InvalidSeed', 'ssm seed: a document needs a name and at least one step')
    }
    s.documents = s.documents.filter(
      (x) => !(x.name === d.name && x.accountId === d.accountId && x.region === d.region)
    )
    const versions = d.versions ?? ['1']
    s.documents.push({
      name: d.name,
      owner: d.accountId ?? 'Self',
      accountId: d.accountId,
      region: d.region,
      description: d.description ?? '',
      versions,
      defaultVersion: d.defaultVersion ?? versions[0],
      parameters: d.parameters ?? [],
      steps: d.steps,
      outputs: d.outputs ?? [],
      createdDate: now
    })
  }
  for (const p of seed.parameters ?? []) {
    const owner = p.accountId ?? publicOwner(p.name)
    const key = `${owner}/${p.region}/${p.name}`
    s.parameters[key] = {
      name: p.name,
      accountId: owner,
      region: p.region,
      type: p.type ?? 'String',
      dataType: p.dataType ?? 'text',
      value: p.value,
      version: (s.parameters[key]?.version ?? 0) + 1,
      lastModified: now
    }
  }
  for (const id of seed.cancelExecutions ?? []) {
    const exec = s.executions[id]
    if (!exec) throw new AwsError('InvalidSeed', `ssm seed: no execution ${id}`)
    advance(sim, exec)
    if (
      exec.cancelRequestedAt === undefined &&
      !['Success', 'Failed', 'TimedOut', 'Cancelled'].includes(exec.status)
    ) {
      exec.cancelRequestedAt = now
      exec.status = 'Cancelling'
    }
  }
  return {
    documents: (seed.documents ?? []).map((d) => d.name),
    parameters: (seed.parameters ?? []).map((p) => p.name)
  }
}

function snapshotSsm(sim: Sim) {
  settleParameters(sim)
  const s = ssmState(sim)
  for (const e of Object.values(s.executions)) advance(sim, e)
  const iso = (ms: number | undefined) =>
    ms === undefined ? undefined : new Date(ms).toISOString()
  return {
    documents: s.documents.map((d) => ({
      name: d.name,
      owner: d.owner,
      accountId: d.accountId,
      region: d.region,
      steps: d.steps.map((x) => x.name)
    })),
    executions: Object.values(s.executions).map((e) => ({
      ...e,
      startTime: iso(e.startTime),
      endTime: iso(e.endTime),
      cancelRequestedAt: iso(e.cancelRequestedAt),
      externalCancelAt: iso(e.externalCancelAt),
      steps: e.steps.map((st) => ({
        ...st,
        startTime: iso(st.startTime),
        endTime: iso(st.endTime)
      }))
    })),
    parameters: Object.values(s.parameters).map((p) => ({
      ...p,
      lastModified: iso(p.lastModified)
    })),
    rejectedParameters: s.rejectedParameters.map((r) => ({ ...r, at: iso(r.at) })),
    commands: runCommandSnapshot(sim)
  }
}

export const ssm: ServiceModule = {
  name: 'ssm',
  protocol: 'json',
  handle(req, sim) {
    const handler = HANDLERS[req.action]
    if (!handler)
      throw new AwsError(
        'InvalidAction',
        `The action ${req.action} is not valid for this web service.`
      )
    settleParameters(sim)
    return handler(sim, req.caller, req.params)
  },
  isMutating: (action) => MUTATING.has(action),
  seed: (data, sim) => seedSsm(data, sim),
  snapshot: (sim) => snapshotSsm(sim)
}
