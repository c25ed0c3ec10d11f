// Runs automation executions lazily: each read moves an execution's steps forward to the simulated
// now. Step effects happen at the simulated time the step started (an aws:createImage step creates
// a real image in EC2 state, dated then), so the result does not depend on how often anyone polls.
import { AwsError, type Caller, type Sim } from '../../types.js'
import { createImageFromInstance } from '../ec2/images.js'
import { canSeeImage } from '../ec2/access.js'
import { ec2State, setting, settle } from '../ec2/state.js'
import type { Document, StepDef } from './documents.js'
import { ssmState, TERMINAL, type Execution, type StepRun } from './state.js'

/** A view of the sim whose clock reads `at`: effects dated when the step started. */
function simAt(sim: Sim, at: number): Sim {
  return {
    clock: { now: () => at, timeScale: sim.clock.timeScale, toReal: (ms) => sim.clock.toReal(ms) },
    state: sim.state,
    settings: sim.settings,
    calls: sim.calls,
    newId: (prefix) => sim.newId(prefix)
  }
}

function pad(n: number): string {
  return String(n).padStart(2, '0')
}

function dateTime(ms: number): string {
  const d = new Date(ms)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}_${pad(d.getUTCHours())}.${pad(d.getUTCMinutes())}.${pad(d.getUTCSeconds())}`
}

/** Resolve {{Param}}, {{step.Output}}, {{automation:EXECUTION_ID}}, {{global:DATE_TIME}}; twice, for defaults that are templates. */
export function resolveTemplate(exec: Execution, text: string): string {
  const lookup = (key: string): string => {
    if (key === 'automation:EXECUTION_ID') return exec.id
    if (key === 'global:DATE_TIME') return dateTime(exec.startTime)
    if (key === 'global:ACCOUNT_ID') return exec.accountId
    if (key === 'global:REGION') return exec.region
    if (exec.parameters[key]) return exec.parameters[key].join(',')
    const [stepName, output] = key.split('.')
    const step = exec.steps.find((s) => s.name === stepName)
    if (step && output && step.outputs[output]) return step.outputs[output][0] ?? ''
    return `{{${key}}}`
  }
  const once = (t: string) => t.replace(/\{\{\s*([\w:.-]+)\s*\}\}/g, (_, k: string) => lookup(k))
  return once(once(text))
}

function failStep(
  step: StepRun,
  at: number,
  message: string,
  details?: StepRun['failureDetails']
): void {
  step.status = 'Failed'
  step.endTime = at
  step.failureMessage = message
  step.failureDetails = details ?? {
    FailureStage: 'Invocation',
    FailureType: 'Action',
    Details: {}
  }
}

/** Entry effects of a step, at its start time. */
function enterStep(sim: Sim, exec: Execution, def: StepDef, step: StepRun, at: number): void {
  step.status = 'InProgress'
  step.startTime = at
  step.inputs = Object.fromEntries(
    Object.entries(def.inputs ?? {}).map(([k, v]) => [k, resolveTemplate(exec, v)])
  )
  const caller: Caller = {
    accessKeyId: 'ssm-automation',
    accountId: exec.accountId,
    region: exec.region,
    service: 'ec2'
  }
  const past = simAt(sim, at)
  try {
    if (def.action === 'aws:createImage' && !def.fail && !def.timesOut) {
      const img = createImageFromInstance(past, caller, {
        instanceId: step.inputs.InstanceId ?? '',
        name: step.inputs.ImageName ?? `${step.inputs.InstanceId}_${exec.id}`,
        description: step.inputs.ImageDescription,
        noReboot: step.inputs.NoReboot === 'true'
      })
      step.imageId = img.imageId
    } else if (def.action === 'aws:runInstances' && !def.fail && !def.timesOut) {
      const ec2 = ec2State(sim)
      const source = ec2.images[step.inputs.ImageId ?? '']
      if (!source || !canSeeImage(ec2, source, caller, at) || source.state !== 'available') {
        throw new AwsError(
          'InvalidAMIID.NotFound',
          `The image id '[${step.inputs.ImageId}]' does not exist`
        )
      }
      const instanceId = sim.newId('i')
      ec2.instances[instanceId] = {
        instanceId,
        accountId: exec.accountId,
        region: exec.region,
        imageId: source.imageId,
        instanceType: step.inputs.InstanceType || 't2.micro',
        state: 'running',
        launchTime: at,
        volumes: source.blockDevices.map((d) => ({
          sizeGiB: d.volumeSize,
          encrypted: d.encrypted,
          kmsKeyId: d.kmsKeyId
        })),
        tags: [{ key: 'Name', value: `Automation-${exec.id}` }],
        subnetId: step.inputs.SubnetId || undefined
      }
      step.outputs = { InstanceIds: [instanceId] }
    }
  } catch (e) {
    if (!(e instanceof AwsError)) throw e
    failStep(step, at, `${e.code}: ${e.message}`, {
      FailureStage: 'Invocation',
      FailureType: 'Action',
      Details: { ExceptionMessage: [e.message], ErrorCode: [e.code] }
    })
  }
}

/** Whether the step has finished by `now`; applies its exit effects when it has. */
function finishStep(sim: Sim, def: StepDef, step: StepRun, now: number): boolean {
  if (step.status !== 'InProgress') return true
  const start = step.startTime ?? now
  if (def.action === 'aws:createImage' && step.imageId) {
    const img = ec2State(sim).images[step.imageId]
    if (!img) {
      failStep(step, now, `Image ${step.imageId} no longer exists`)
      return true
    }
    if (img.state === 'pending' || img.readyAt > now) return false
    step.outputs = { ...(def.outputs ?? {}), ImageId: [img.imageId], ImageState: [img.state] }
    if (img.state === 'failed') {
      failStep(
        step,
        img.readyAt,
        `Image ${img.imageId} failed: ${img.stateReason?.message ?? 'unknown reason'}`,
        {
          FailureStage: 'PostVerification',
          FailureType: 'Verification',
          Details: { ImageState: ['failed'], StateReason: [img.stateReason?.code ?? ''] }
        }
      )
      return true
    }
    step.status = 'Success'
    step.endTime = img.readyAt
    return true
  }
  const end = start + (def.durationMs ?? 30_000)
  if (now < end) return false
  step.endTime = end
  if (def.timesOut) {
    step.status = 'TimedOut'
    step.failureMessage = `Step timed out while step is verifying the ${def.action} action.`
    return true
  }
  if (def.fail) {
    failStep(step, end, def.fail.message, def.fail.details)
    return true
  }
  if (def.action === 'aws:changeInstanceState') {
    const inst = ec2State(sim).instances[step.inputs.InstanceIds ?? '']
    const desired = step.inputs.DesiredState
    if (inst && (desired === 'stopped' || desired === 'terminated' || desired === 'running'))
      inst.state = desired
  }
  step.outputs = { ...(def.outputs ?? {}), ...step.outputs }
  step.status = 'Success'
  return true
}

function endExecution(
  exec: Execution,
  status: Execution['status'],
  at: number,
  message?: string
): void {
  exec.status = status
  exec.endTime = at
  if (message) exec.failureMessage = message
}

/** Move one execution forward to the simulated now; a stop request freezes the steps at its time. */
export function advance(sim: Sim, exec: Execution): void {
  if (TERMINAL.includes(exec.status)) return
  const doc = ssmState(sim).documents.find((d) => d.name === exec.documentName)
  if (!doc) return
  settle(sim)
  const now = sim.clock.now()
  if (
    exec.externalCancelAt !== undefined &&
    exec.cancelRequestedAt === undefined &&
    exec.externalCancelAt <= now
  ) {
    exec.cancelRequestedAt = exec.externalCancelAt
  }
  if (
    runSteps(sim, exec, doc, exec.cancelRequestedAt ?? now) ||
    exec.cancelRequestedAt === undefined
  )
    return
  const cancelledAt = exec.cancelRequestedAt + setting(sim, 'ssm', 'cancelMs', 10_000)
  if (now < cancelledAt) {
    exec.status = 'Cancelling'
    return
  }
  const running = exec.steps.find((s) => s.status === 'InProgress')
  if (running) {
    running.status = 'Cancelled'
    running.endTime = cancelledAt
  }
  endExecution(exec, 'Cancelled', cancelledAt)
  exec.outputs = collectOutputs(doc.outputs, exec)
}

/** Runs steps up to `horizon`; true when the execution reached a terminal state. */
function runSteps(sim: Sim, exec: Execution, doc: Document, horizon: number): boolean {
  for (;;) {
    const index = exec.steps.findIndex((s) => s.status === 'Pending' || s.status === 'InProgress')
    const step = exec.steps[index]
    if (!step) {
      const last = exec.steps.reduce((t, s) => Math.max(t, s.endTime ?? 0), exec.startTime)
      const failed = exec.steps.find((s) => s.status === 'Failed')
      if (failed) endExecution(exec, 'Failed', last, stepFailureMessage(failed))
      else endExecution(exec, 'Success', last)
      exec.outputs = collectOutputs(doc.outputs, exec)
      return true
    }
    const def = doc.steps[index]
    if (step.status === 'Pending') {
      const startAt = exec.steps[index - 1]?.endTime ?? exec.startTime
      if (startAt > horizon) return false
      enterStep(sim, exec, def, step, startAt)
      settle(sim)
      exec.status = 'InProgress'
    }
    if (!finishStep(sim, def, step, horizon)) {
      exec.status = 'InProgress'
      return false
    }
    if (step.status === 'TimedOut') {
      endExecution(exec, 'TimedOut', step.endTime ?? horizon, `Step ${step.name} timed out.`)
      exec.outputs = collectOutputs(doc.outputs, exec)
      return true
    }
    if (step.status === 'Failed' && step.onFailure !== 'Continue') {
      endExecution(exec, 'Failed', step.endTime ?? horizon, stepFailureMessage(step))
      exec.outputs = collectOutputs(doc.outputs, exec)
      return true
    }
  }
}

function stepFailureMessage(step: StepRun): string {
  return (
    `Step fails when it is Execute/Cancelling action. ${step.failureMessage ?? ''}. ` +
    'Please refer to Automation Service Troubleshooting Guide for more diagnosis details.'
  )
}

/** Document outputs like `createImage.ImageId` → arrays from the step outputs (empty when not produced). */
function collectOutputs(names: string[], exec: Execution): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const name of names) {
    const [stepName, key] = name.split('.')
    const values = exec.steps.find((s) => s.name === stepName)?.outputs[key]
    if (values) out[name] = values
  }
  return out
}
