// DescribeDocument and the automation execution API.
import { createHash, randomUUID } from 'node:crypto'
import { AwsError, type Caller, type Sim } from '../../types.js'
import { setting } from '../ec2/state.js'
import type { Document } from './documents.js'
import { advance } from './engine.js'
import { ssmState, TERMINAL, type Execution, type StepRun } from './state.js'

type Body = Record<string, unknown>

const MAX_RUNNING = 100
const secs = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000)

function visibleDocument(sim: Sim, caller: Caller, name: string): Document | undefined {
  // A shared or own document may be named by ARN: arn:aws:ssm:<region>:<account>:document/<name>.
  const bare = name.includes(':document/') ? name.split(':document/')[1] : name
  return ssmState(sim).documents.find(
    (d) =>
      d.name === bare &&
      (d.accountId === undefined || d.accountId === caller.accountId) &&
      (d.region === undefined || d.region === caller.region)
  )
}

function requireString(body: Body, key: string): string {
  const v = body[key]
  if (typeof v !== 'string' || v === '') {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value null at '${key[0].toLowerCase()}${key.slice(1)}' failed to satisfy constraint: Member must not be null`
    )
  }
  return v
}

export function describeDocument(sim: Sim, caller: Caller, body: Body) {
  const name = requireString(body, 'Name')
  const doc = visibleDocument(sim, caller, name)
  if (!doc) throw new AwsError('InvalidDocument', `Document with name ${name} does not exist.`)
  const version = (body.DocumentVersion as string | undefined) ?? doc.defaultVersion
  const resolved =
    version === '$LATEST'
      ? doc.versions[doc.versions.length - 1]
      : version === '$DEFAULT'
        ? doc.defaultVersion
        : version
  if (!doc.versions.includes(resolved)) {
    throw new AwsError(
      'InvalidDocumentVersion',
      `The document version ${version} is not valid or does not exist.`
    )
  }
  return {
    Document: {
      Name: doc.name,
      Owner: doc.owner,
      DocumentType: 'Automation',
      DocumentFormat: 'YAML',
      SchemaVersion: '0.3',
      Status: 'Active',
      Description: doc.description,
      DocumentVersion: resolved,
      LatestVersion: doc.versions[doc.versions.length - 1],
      DefaultVersion: doc.defaultVersion,
      CreatedDate: secs(doc.createdDate),
      PlatformTypes: ['Windows', 'Linux', 'MacOS'],
      // DescribeDocument (DocumentDescription.Hash): the SHA-256 of the document's content, so it
      // changes when the content does and not when only the name or version does.
      Hash: documentHash(doc),
      HashType: 'Sha256',
      Parameters: doc.parameters.map((p) => ({
        Name: p.name,
        Type: p.type,
        Description: p.description ?? '',
        ...(p.defaultValue !== undefined ? { DefaultValue: p.defaultValue } : {})
      }))
    }
  }
}

/** SHA-256 hex of what the runbook does: description, parameters, steps, outputs. */
export function documentHash(doc: Document): string {
  const content = JSON.stringify([doc.description, doc.parameters, doc.steps, doc.outputs])
  return createHash('sha256').update(content).digest('hex')
}

function invalidParams(message: string): AwsError {
  return new AwsError('InvalidAutomationExecutionParametersException', message)
}

/** Parameters as AWS validates them: unknown → error, missing required → error, then defaults filled in. */
function validateParameters(doc: Document, given: unknown): Record<string, string[]> {
  const input = (given ?? {}) as Record<string, unknown>
  const out: Record<string, string[]> = {}
  for (const [name, raw] of Object.entries(input)) {
    const def = doc.parameters.find((p) => p.name === name)
    if (!def) throw invalidParams(`Parameter "${name}" is not defined in document ${doc.name}.`)
    if (!Array.isArray(raw) || raw.some((v) => typeof v !== 'string')) {
      throw invalidParams(`Parameter "${name}" must be a list of strings.`)
    }
    const values = raw as string[]
    if (def.type !== 'StringList' && def.type !== 'MapList' && values.length > 1) {
      throw invalidParams(`Parameter "${name}" is of type ${def.type} and takes a single value.`)
    }
    if (def.type === 'Boolean' && !['true', 'false'].includes(values[0])) {
      throw invalidParams(
        `Parameter "${name}" must be a Boolean (true or false), got "${values[0]}".`
      )
    }
    if (def.type === 'Integer' && !/^-?\d+$/.test(values[0] ?? '')) {
      throw invalidParams(`Parameter "${name}" must be an Integer, got "${values[0]}".`)
    }
    out[name] = values
  }
  const missing = doc.parameters.filter((p) => p.defaultValue === undefined && !out[p.name]?.length)
  if (missing.length) {
    throw invalidParams(
      `The following required parameters are missing: ${missing.map((p) => p.name).join(', ')}.`
    )
  }
  for (const p of doc.parameters)
    if (!(p.name in out) && p.defaultValue !== undefined) out[p.name] = [p.defaultValue]
  return out
}

export function startAutomationExecution(sim: Sim, caller: Caller, body: Body) {
  const s = ssmState(sim)
  const name = requireString(body, 'DocumentName')
  const doc = visibleDocument(sim, caller, name)
  if (!doc)
    throw new AwsError(
      'AutomationDefinitionNotFoundException',
      `Automation definition ${name}:$DEFAULT not found.`
    )
  const asked = body.DocumentVersion as string | undefined
  const version =
    !asked || asked === '$DEFAULT'
      ? doc.defaultVersion
      : asked === '$LATEST'
        ? doc.versions[doc.versions.length - 1]
        : asked
  if (!doc.versions.includes(version)) {
    throw new AwsError(
      'AutomationDefinitionVersionNotFoundException',
      `Automation definition ${name}:${asked} not found.`
    )
  }
  const parameters = validateParameters(doc, body.Parameters)
  const tags = validateTags(body.Tags)
  const clientToken = body.ClientToken as string | undefined
  const fingerprint = JSON.stringify([doc.name, version, parameters])
  if (clientToken) {
    const prior = Object.values(s.executions).find(
      (e) =>
        e.clientToken === clientToken &&
        e.accountId === caller.accountId &&
        e.region === caller.region
    )
    if (prior) {
      if (prior.fingerprint !== fingerprint) {
        throw new AwsError(
          'IdempotentParameterMismatch',
          `Client token ${clientToken} was already used with different parameters.`
        )
      }
      return { AutomationExecutionId: prior.id }
    }
  }
  const running = Object.values(s.executions).filter((e) => {
    if (e.accountId !== caller.accountId || e.region !== caller.region) return false
    advance(sim, e)
    return !TERMINAL.includes(e.status)
  })
  if (running.length >= MAX_RUNNING) {
    throw new AwsError(
      'AutomationExecutionLimitExceededException',
      'The number of simultaneously running Automation executions exceeded the allowable limit.'
    )
  }
  const now = sim.clock.now()
  const id = randomUUID()
  const steps: StepRun[] = doc.steps.map((d) => ({
    stepExecutionId: randomUUID(),
    name: d.name,
    action: d.action,
    onFailure: d.onFailure ?? 'Abort',
    status: 'Pending',
    inputs: {},
    outputs: {}
  }))
  const cancelRule = setting<{ documentName?: string; afterMs?: number } | undefined>(
    sim,
    'ssm',
    'cancelExternally',
    undefined
  )
  const exec: Execution = {
    id,
    accountId: caller.accountId,
    region: caller.region,
    documentName: doc.name,
    documentVersion: version,
    parameters,
    status: 'Pending',
    startTime: now,
    steps,
    outputs: {},
    executedBy: `arn:aws:iam::${caller.accountId}:user/emulator`,
    clientToken,
    fingerprint,
    tags,
    externalCancelAt:
      cancelRule && (!cancelRule.documentName || cancelRule.documentName === doc.name)
        ? now + (cancelRule.afterMs ?? 0)
        : undefined
  }
  s.executions[id] = exec
  return { AutomationExecutionId: id }
}

/**
 * StartAutomationExecution `Tags` (Systems Manager User Guide, "Tagging automations": at most five
 * tags on an automation; API Reference Tag: Key 1-128 characters, Value 0-256, "aws:" reserved).
 */
function validateTags(raw: unknown): Record<string, string> {
  if (raw === undefined) return {}
  if (!Array.isArray(raw) || raw.length > 5) {
    throw new AwsError('ValidationException', 'An automation can have at most 5 tags.')
  }
  const tags: Record<string, string> = {}
  for (const t of raw as { Key?: unknown; Value?: unknown }[]) {
    const key = typeof t.Key === 'string' ? t.Key : ''
    const value = typeof t.Value === 'string' ? t.Value : ''
    if (key.length < 1 || key.length > 128 || value.length > 256 || /^aws:/i.test(key)) {
      throw new AwsError(
        'ValidationException',
        `Tag key "${key}" or its value is not valid (key 1-128 characters, not starting with aws:, value at most 256).`
      )
    }
    tags[key] = value
  }
  return tags
}

const EXECUTION_FILTERS = [
  'DocumentNamePrefix',
  'ExecutionStatus',
  'ExecutionId',
  'ParentExecutionId',
  'CurrentAction',
  'StartTimeBefore',
  'StartTimeAfter',
  'AutomationType',
  'TagKey',
  'TargetResourceGroup',
  'AutomationSubtype',
  'OpsItemId'
]

/**
 * DescribeAutomationExecutions (SSM API Reference; AutomationExecutionFilter): filters AND
 * together, the values of one filter OR; TagKey matches executions that carry a tag with that
 * key. MaxResults 1-50; the metadata carries no tags (ListTagsForResource reads them).
 */
export function describeAutomationExecutions(sim: Sim, caller: Caller, body: Body) {
  const filters = (body.Filters as { Key: string; Values: string[] }[] | undefined) ?? []
  if (filters.length > 10) {
    throw new AwsError('ValidationException', 'Filters: at most 10 filters.')
  }
  for (const f of filters) {
    if (!EXECUTION_FILTERS.includes(f.Key))
      throw new AwsError('InvalidFilterKey', `The filter key ${f.Key} is not valid.`)
    if (!Array.isArray(f.Values) || f.Values.length < 1 || f.Values.length > 10) {
      throw new AwsError('InvalidFilterValue', `Filter ${f.Key} takes 1 to 10 values.`)
    }
  }
  const max = (body.MaxResults as number | undefined) ?? 50
  if (max < 1 || max > 50) {
    throw new AwsError(
      'ValidationException',
      `Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50`
    )
  }
  const mine = Object.values(ssmState(sim).executions)
    .filter((e) => e.accountId === caller.accountId && e.region === caller.region)
    .map((e) => (advance(sim, e), e))
    .filter((e) =>
      filters.every((f) => {
        switch (f.Key) {
          case 'DocumentNamePrefix':
            return f.Values.some((v) => e.documentName.startsWith(v))
          case 'ExecutionStatus':
            return f.Values.includes(e.status)
          case 'ExecutionId':
            return f.Values.includes(e.id)
          case 'TagKey':
            return f.Values.some((v) => v in (e.tags ?? {}))
          case 'StartTimeBefore':
            return f.Values.some((v) => e.startTime < Date.parse(v))
          case 'StartTimeAfter':
            return f.Values.some((v) => e.startTime > Date.parse(v))
          case 'CurrentAction':
            return f.Values.some((v) =>
              e.steps.some((s) => s.status === 'InProgress' && s.action === v)
            )
          default:
            // Child executions, targets, change requests and OpsItems are not modelled: nothing matches.
            return false
        }
      })
    )
    .sort((a, b) => b.startTime - a.startTime)
  const offset = body.NextToken
    ? Number(Buffer.from(String(body.NextToken), 'base64').toString('utf8'))
    : 0
  if (!Number.isInteger(offset) || offset < 0)
    throw new AwsError('InvalidNextToken', 'The specified token is not valid.')
  const page = mine.slice(offset, offset + max)
  const next =
    offset + max < mine.length ? Buffer.from(String(offset + max)).toString('base64') : undefined
  return {
    AutomationExecutionMetadataList: page.map((e) => {
      const current = e.steps.find((s) => s.status === 'InProgress')
      return {
        AutomationExecutionId: e.id,
        DocumentName: e.documentName,
        DocumentVersion: e.documentVersion,
        AutomationExecutionStatus: e.status,
        ExecutionStartTime: secs(e.startTime),
        ...(e.endTime !== undefined ? { ExecutionEndTime: secs(e.endTime) } : {}),
        ExecutedBy: e.executedBy,
        Mode: 'Auto',
        AutomationType: 'Local',
        Outputs: e.outputs,
        ...(current ? { CurrentStepName: current.name, CurrentAction: current.action } : {})
      }
    }),
    ...(next ? { NextToken: next } : {})
  }
}

/**
 * ListTagsForResource for ResourceType Automation (SSM API Reference: the resource types that
 * take tags include Automation executions, by execution ID).
 */
export function listTagsForResource(sim: Sim, caller: Caller, body: Body) {
  const type = requireString(body, 'ResourceType')
  const id = requireString(body, 'ResourceId')
  if (type !== 'Automation') {
    throw new AwsError(
      'InvalidResourceType',
      `The emulator models tags of Automation executions only, not ${type}.`
    )
  }
  const exec = ssmState(sim).executions[id]
  if (!exec || exec.accountId !== caller.accountId || exec.region !== caller.region) {
    throw new AwsError('InvalidResourceId', `The resource ID ${id} is not valid.`)
  }
  return { TagList: Object.entries(exec.tags ?? {}).map(([Key, Value]) => ({ Key, Value })) }
}

function findExecution(sim: Sim, caller: Caller, body: Body): Execution {
  const id = requireString(body, 'AutomationExecutionId')
  const exec = ssmState(sim).executions[id]
  if (!exec || exec.accountId !== caller.accountId || exec.region !== caller.region) {
    throw new AwsError(
      'AutomationExecutionNotFoundException',
      `Automation Execution ${id} not found.`
    )
  }
  advance(sim, exec)
  return exec
}

function stepJson(step: StepRun, def: { TimeoutSeconds?: number } = {}) {
  return {
    StepName: step.name,
    Action: step.action,
    StepExecutionId: step.stepExecutionId,
    StepStatus: step.status,
    OnFailure: step.onFailure,
    MaxAttempts: 1,
    ...(def.TimeoutSeconds ? { TimeoutSeconds: def.TimeoutSeconds } : {}),
    ...(step.startTime !== undefined ? { ExecutionStartTime: secs(step.startTime) } : {}),
    ...(step.endTime !== undefined ? { ExecutionEndTime: secs(step.endTime) } : {}),
    Inputs: Object.fromEntries(Object.entries(step.inputs).map(([k, v]) => [k, JSON.stringify(v)])),
    Outputs: step.outputs,
    ...(step.failureMessage ? { FailureMessage: step.failureMessage } : {}),
    ...(step.failureDetails ? { FailureDetails: step.failureDetails } : {}),
    IsEnd: false,
    IsCritical: true
  }
}

export function getAutomationExecution(sim: Sim, caller: Caller, body: Body) {
  const exec = findExecution(sim, caller, body)
  const current = exec.steps.find((s) => s.status === 'InProgress')
  return {
    AutomationExecution: {
      AutomationExecutionId: exec.id,
      DocumentName: exec.documentName,
      DocumentVersion: exec.documentVersion,
      ExecutionStartTime: secs(exec.startTime),
      ...(exec.endTime !== undefined ? { ExecutionEndTime: secs(exec.endTime) } : {}),
      AutomationExecutionStatus: exec.status,
      StepExecutions: exec.steps.map((s) => stepJson(s)),
      StepExecutionsTruncated: false,
      Parameters: exec.parameters,
      Outputs: exec.outputs,
      ...(exec.failureMessage ? { FailureMessage: exec.failureMessage } : {}),
      Mode: 'Auto',
      ExecutedBy: exec.executedBy,
      ...(current ? { CurrentStepName: current.name, CurrentAction: current.action } : {})
    }
  }
}

export function stopAutomationExecution(sim: Sim, caller: Caller, body: Body) {
  const exec = findExecution(sim, caller, body)
  const type = (body.Type as string | undefined) ?? 'Cancel'
  if (type !== 'Cancel' && type !== 'Complete') {
    throw new AwsError(
      'ValidationException',
      `Value '${type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [Complete, Cancel]`
    )
  }
  if (TERMINAL.includes(exec.status) || exec.cancelRequestedAt !== undefined) {
    throw new AwsError(
      'InvalidAutomationStatusUpdateException',
      `The specified update status operation is not valid: execution ${exec.id} is ${exec.status}.`
    )
  }
  exec.cancelRequestedAt = sim.clock.now()
  exec.status = 'Cancelling'
  return {}
}

const STEP_FILTERS = [
  'StartTimeBefore',
  'StartTimeAfter',
  'StepExecutionStatus',
  'StepExecutionId',
  'StepName',
  'Action'
]

export function describeAutomationStepExecutions(sim: Sim, caller: Caller, body: Body) {
  const exec = findExecution(sim, caller, body)
  const filters = (body.Filters as { Key: string; Values: string[] }[] | undefined) ?? []
  for (const f of filters) {
    if (!STEP_FILTERS.includes(f.Key))
      throw new AwsError('InvalidFilterKey', `The filter key ${f.Key} is not valid.`)
  }
  const started = exec.steps.filter((s) => s.status !== 'Pending')
  let steps = started.filter((s) =>
    filters.every((f) => {
      switch (f.Key) {
        case 'StepExecutionStatus':
          return f.Values.some((v) => v.toLowerCase() === s.status.toLowerCase())
        case 'StepExecutionId':
          return f.Values.includes(s.stepExecutionId)
        case 'StepName':
          return f.Values.includes(s.name)
        case 'Action':
          return f.Values.includes(s.action)
        case 'StartTimeBefore':
          return s.startTime !== undefined && f.Values.some((v) => s.startTime! < Date.parse(v))
        case 'StartTimeAfter':
          return s.startTime !== undefined && f.Values.some((v) => s.startTime! > Date.parse(v))
      }
      return true
    })
  )
  if (body.ReverseOrder === true) steps = [...steps].reverse()
  const max = (body.MaxResults as number | undefined) ?? 50
  if (max < 1 || max > 50) {
    throw new AwsError(
      'ValidationException',
      `Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50`
    )
  }
  const offset = body.NextToken
    ? Number(Buffer.from(String(body.NextToken), 'base64').toString('utf8'))
    : 0
  if (!Number.isInteger(offset) || offset < 0)
    throw new AwsError('InvalidNextToken', 'The specified token is not valid.')
  const page = steps.slice(offset, offset + max)
  const next =
    offset + max < steps.length ? Buffer.from(String(offset + max)).toString('base64') : undefined
  return { StepExecutions: page.map((s) => stepJson(s)), ...(next ? { NextToken: next } : {}) }
}
