// Build the AMI with an SSM Automation runbook: validate parameters, start, poll, stop on cancel or
// timeout, read the AMI ID from the outputs, explain failures by their failed step.
import * as core from '@actions/core'
import type { AutomationExecution, SSMClient, StepExecution } from '@aws-sdk/client-ssm'
import { createHash } from 'node:crypto'
import { sdk } from '../aws/clients.js'
import {
  describeError,
  ImageFailedError,
  isTransient,
  RunbookFailedError,
  WaitTimeoutError,
  withExecution
} from '../aws/errors.js'
import { CancelledError, type RunContext } from '../context.js'
import { createPoller } from '../aws/poller.js'
import { expectedBuild, pastDurations } from '../image/durations.js'
import { formatDuration } from '../duration.js'
import { waitForImage } from '../image/wait.js'
import type { ExecutionReport, Image, StepReport } from '../types.js'
import { tagImageAndSnapshots, toImage } from './image-record.js'
import { leftBehind } from './left-behind.js'
import { amiIdFromRunbook, isAmiId } from './runbook-output.js'
import { resolveRunbookParameters } from './runbook-params.js'
import { classifyStatus } from './runbook-status.js'

/** State keys shared with post.ts, which stops an execution the main step left running. */
export const EXECUTION_STATE = 'automation-execution-id'
export const EXECUTION_REGION_STATE = 'automation-execution-region'

export interface RunbookPlan {
  document: string
  documentVersion?: string
  parameters: Record<string, string[]>
}

type AutomationSource = Extract<RunContext['config']['source'], { kind: 'automation' }>

function automationSource(ctx: RunContext): AutomationSource {
  const { source } = ctx.config
  if (source.kind !== 'automation') throw new Error(`source is ${source.kind}, not automation`)
  return source
}

/**
 * A UUID derived from the run and what is started: a retried call within one run attempt reuses
 * it (SSM starts nothing twice), a different run or different parameters get a new one.
 */
export function runbookClientToken(runId: string, plan: RunbookPlan): string {
  const canonical = JSON.stringify([
    runId,
    plan.document,
    plan.documentVersion ?? '',
    Object.entries(plan.parameters).sort(([a], [b]) => (a < b ? -1 : 1))
  ])
  const hex = createHash('sha256').update(canonical).digest('hex')
  // RFC 4122 layout, version 5 style (name-based, hashed) and variant bits 10xx.
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

/** DescribeDocument, then check the parameters against what the runbook declares. */
export async function prepareRunbook(ctx: RunContext): Promise<RunbookPlan> {
  const source = automationSource(ctx)
  const { DescribeDocumentCommand } = await sdk.ssm()
  const ssm = await ctx.clients.ssm(ctx.config.region)
  const { Document } = await ssm.send(
    new DescribeDocumentCommand({ Name: source.document, DocumentVersion: source.documentVersion })
  )
  if (Document?.DocumentType && Document.DocumentType !== 'Automation') {
    throw new Error(
      `automation-document: ${source.document} is a ${Document.DocumentType} document, not an Automation runbook`
    )
  }
  const { parameters, note } = resolveRunbookParameters(
    source.document,
    Document?.Parameters ?? [],
    source.parameters,
    ctx.config.amiName
  )
  if (note) ctx.warn(note)
  return { document: source.document, documentVersion: source.documentVersion, parameters }
}

function describeParameters(parameters: Record<string, string[]>): string {
  const entries = Object.entries(parameters)
  return entries.length
    ? entries.map(([k, v]) => `${k}=${v.join(',')}`).join('; ')
    : 'no parameters'
}

/** The plan line of a runbook build. */
export function planRunbook(plan: RunbookPlan): string {
  const version = plan.documentVersion ? ` version ${plan.documentVersion}` : ''
  return `Would start runbook ${plan.document}${version} with ${describeParameters(plan.parameters)}, then tag and wait for its AMI`
}

function toStepReport(step: StepExecution): StepReport {
  const details = step.FailureDetails
  const detailText = details
    ? [
        details.FailureStage && `FailureStage ${details.FailureStage}`,
        details.FailureType && `FailureType ${details.FailureType}`,
        details.Details &&
          Object.keys(details.Details).length &&
          `Details ${Object.entries(details.Details)
            .map(([k, v]) => `${k}=${v.join(',')}`)
            .join('; ')}`
      ]
        .filter(Boolean)
        .join(', ')
    : ''
  return {
    name: step.StepName ?? '',
    action: step.Action ?? '',
    status: step.StepStatus ?? '',
    ...(step.ExecutionStartTime ? { startTime: step.ExecutionStartTime } : {}),
    ...(step.ExecutionEndTime ? { endTime: step.ExecutionEndTime } : {}),
    ...(step.FailureMessage ? { failureMessage: step.FailureMessage } : {}),
    ...(detailText ? { failureDetails: detailText } : {})
  }
}

/** Every step of the execution (paginated); GetAutomationExecution's own list may be truncated. */
async function stepsOf(
  ctx: RunContext,
  ssm: SSMClient,
  execution: AutomationExecution
): Promise<StepExecution[]> {
  const steps: StepExecution[] = []
  const { DescribeAutomationStepExecutionsCommand } = await sdk.ssm()
  try {
    let NextToken: string | undefined
    do {
      const page = await ssm.send(
        new DescribeAutomationStepExecutionsCommand({
          AutomationExecutionId: execution.AutomationExecutionId,
          NextToken
        })
      )
      steps.push(...(page.StepExecutions ?? []))
      NextToken = page.NextToken
    } while (NextToken)
    return steps
  } catch (error) {
    ctx.warn(`Could not list the runbook's steps: ${describeError(error)}`)
    return execution.StepExecutions ?? []
  }
}

function executionReport(
  execution: AutomationExecution,
  document: string,
  steps: StepExecution[]
): ExecutionReport {
  return {
    id: execution.AutomationExecutionId ?? '',
    document,
    status: execution.AutomationExecutionStatus ?? '',
    steps: steps.map(toStepReport),
    ...(execution.ExecutionStartTime ? { startTime: execution.ExecutionStartTime } : {}),
    ...(execution.ExecutionEndTime ? { endTime: execution.ExecutionEndTime } : {})
  }
}

/** "step "x" (aws:y) failed: message [details]" for each failed step, else the execution's message. */
function failureText(execution: AutomationExecution, steps: StepExecution[]): string {
  const failed = steps.filter((s) => classifyStatus(s.StepStatus) === 'failure')
  const lines = failed.map((s) => {
    const r = toStepReport(s)
    const details = r.failureDetails ? ` [${r.failureDetails}]` : ''
    return `step "${r.name}" (${r.action}) ${r.status}: ${r.failureMessage ?? 'no failure message'}${details}`
  })
  if (!lines.length) lines.push(execution.FailureMessage ?? 'no failure message from SSM')
  // AWS-UpdateLinuxAmi and friends leave their instance behind when a step fails.
  const instances = steps
    .filter((s) => s.Action === 'aws:runInstances')
    .flatMap((s) => s.Outputs?.InstanceIds ?? [])
  const terminated = steps.some(
    (s) =>
      s.Action === 'aws:changeInstanceState' &&
      s.StepStatus === 'Success' &&
      /terminat/i.test(s.StepName ?? '')
  )
  if (instances.length && !terminated) {
    lines.push(
      `the runbook's instance ${instances.join(', ')} may still be running: terminate it if so`
    )
  }
  return lines.join('\n')
}

async function stopExecution(
  ctx: RunContext,
  ssm: SSMClient,
  id: string,
  why: string
): Promise<boolean> {
  try {
    const { StopAutomationExecutionCommand } = await sdk.ssm()
    // Not tied to ctx.signal: on cancellation the signal is already aborted and this must still go out.
    await ssm.send(
      new StopAutomationExecutionCommand({ AutomationExecutionId: id, Type: 'Cancel' })
    )
    ctx.log.info(`Stopped runbook execution ${id} (${why})`)
    return true
  } catch (error) {
    ctx.log.warning(`Could not stop runbook execution ${id}: ${describeError(error)}`)
    return false
  }
}

function where(execution: AutomationExecution | undefined): string {
  if (!execution) return 'status unknown (no answer from SSM yet)'
  const step = execution.CurrentStepName
    ? ` at step "${execution.CurrentStepName}"${execution.CurrentAction ? ` (${execution.CurrentAction})` : ''}`
    : ''
  return `status ${execution.AutomationExecutionStatus ?? 'unknown'}${step}`
}

/**
 * Poll until a terminal status, on the adaptive cadence (aws/poller.ts) set by the family's past
 * build durations; stop the execution on timeout or cancellation.
 */
async function pollExecution(
  ctx: RunContext,
  ssm: SSMClient,
  id: string,
  document: string,
  deadline: number
): Promise<AutomationExecution> {
  let last: AutomationExecution | undefined
  let lastKey = ''
  const started = ctx.now().getTime()
  const { GetAutomationExecutionCommand } = await sdk.ssm()
  const poller = createPoller(ctx, ssm, expectedBuild(ctx))
  try {
    for (;;) {
      if (ctx.signal.aborted) throw new CancelledError()
      await poller.beforeRead()
      try {
        const { AutomationExecution: execution } = await ssm.send(
          new GetAutomationExecutionCommand({ AutomationExecutionId: id }),
          { abortSignal: ctx.signal }
        )
        if (execution) {
          last = execution
          const key = `${execution.AutomationExecutionStatus}/${execution.CurrentStepName ?? ''}`
          if (key !== lastKey) {
            const elapsed = formatDuration(ctx.now().getTime() - started)
            ctx.log.info(`Runbook ${document}: ${where(execution)} (${elapsed} elapsed)`)
            lastKey = key
          }
          if (classifyStatus(execution.AutomationExecutionStatus) !== 'running') return execution
        }
      } catch (error) {
        if (ctx.signal.aborted) throw new CancelledError()
        // Throttling that outlived the SDK's retries, or a 5xx: the next poll will do.
        if (!isTransient(error)) throw error
        ctx.log.debug(`GetAutomationExecution: ${describeError(error)}; polling on`)
      }
      if (ctx.now().getTime() >= deadline) {
        await stopExecution(ctx, ssm, id, 'timeout-minutes reached')
        throw withExecution(
          new WaitTimeoutError(
            `Runbook ${document} did not finish within ${ctx.config.timeoutMinutes} minutes (timeout-minutes): execution ${id} stood at ${where(last)}; it has been stopped`,
            last?.AutomationExecutionStatus
          ),
          executionReport(last ?? { AutomationExecutionId: id }, document, [])
        )
      }
      await poller.sleep(deadline)
    }
  } catch (error) {
    if (error instanceof CancelledError || ctx.signal.aborted) {
      const stopped = await stopExecution(ctx, ssm, id, 'job cancelled')
      // The report (automation-execution-id output, summary) still names the execution.
      throw withExecution(
        new CancelledError(
          `The job was cancelled; runbook execution ${id} ${stopped ? 'was stopped' : 'could not be stopped (the post step will try again)'}`
        ),
        executionReport(last ?? { AutomationExecutionId: id }, document, [])
      )
    }
    throw error
  }
}

export async function buildFromRunbook(
  ctx: RunContext,
  plan: RunbookPlan,
  accountId: string
): Promise<Image> {
  const { region } = ctx.config
  const { StartAutomationExecutionCommand } = await sdk.ssm()
  const ssm = await ctx.clients.ssm(region)
  const started = ctx.now().getTime()
  const deadline = started + ctx.config.timeoutMinutes * 60_000
  if (ctx.signal.aborted) throw new CancelledError()
  // Read alongside the start: by the first sleep the cadence knows when the build should end.
  void pastDurations(ctx)

  const { AutomationExecutionId: id } = await ssm.send(
    new StartAutomationExecutionCommand({
      DocumentName: plan.document,
      DocumentVersion: plan.documentVersion,
      Parameters: plan.parameters,
      ClientToken: runbookClientToken(ctx.runId, plan)
    })
  )
  if (!id) throw new Error(`StartAutomationExecution for ${plan.document} returned no execution ID`)
  // Right away: if the main step is killed from here on, post.ts stops the execution.
  core.saveState(EXECUTION_STATE, id)
  core.saveState(EXECUTION_REGION_STATE, region)
  ctx.log.info(
    `Started runbook ${plan.document} (${describeParameters(plan.parameters)}): execution ${id}, https://${region}.console.aws.amazon.com/systems-manager/automation/execution/${id}?region=${region}`
  )

  const execution = await pollExecution(ctx, ssm, id, plan.document, deadline)
  const failed = classifyStatus(execution.AutomationExecutionStatus) === 'failure'
  // On success the final GetAutomationExecution already holds every step unless SSM truncated
  // the list; a failure lists them again for FailureDetails.
  const complete = !failed && execution.StepExecutionsTruncated === false
  let steps = complete ? (execution.StepExecutions ?? []) : await stepsOf(ctx, ssm, execution)
  let report = executionReport(execution, plan.document, steps)
  if (failed) {
    const error = new RunbookFailedError(
      `Runbook ${plan.document} ended ${execution.AutomationExecutionStatus} (execution ${id}):\n${failureText(execution, steps)}`,
      report
    )
    // A runbook that fails after its createImage step leaves an AMI nobody tagged.
    const created = createdImageId(steps)
    if (!created) throw error
    throw leftBehind(ctx, error, {
      amiId: created,
      accountId,
      source: 'automation',
      tagged: false,
      execution: report
    })
  }

  const source = automationSource(ctx)
  const outputs = execution.Outputs ?? {}
  let amiId: string
  try {
    amiId = amiIdFromRunbook(plan.document, outputs, steps, source.output)
  } catch (error) {
    if (!complete) throw error
    // The step outputs may be fuller in the step listing: look there before giving up.
    steps = await stepsOf(ctx, ssm, execution)
    report = executionReport(execution, plan.document, steps)
    amiId = amiIdFromRunbook(plan.document, outputs, steps, source.output)
  }
  ctx.log.info(`Runbook ${plan.document} produced ${amiId}`)
  const ec2 = ctx.clients.ec2(region)
  let available
  try {
    available = await waitForImage(ctx, ec2, amiId, {
      timeoutMs: Math.max(deadline - ctx.now().getTime(), 0),
      label: `${amiId} in ${region}`
    })
    // A runbook cannot tag what it creates; tag as soon as the AMI (and its snapshots) exist.
    await tagImageAndSnapshots(ctx, ec2, available)
  } catch (error) {
    if (!(error instanceof Error) || error instanceof ImageFailedError) throw error
    throw leftBehind(ctx, error, {
      amiId,
      accountId,
      source: 'automation',
      tagged: false,
      execution: report
    })
  }
  return toImage(available, {
    region,
    accountId,
    source: 'automation',
    reused: false,
    execution: report,
    buildMs: ctx.now().getTime() - started
  })
}

/** The AMI an `aws:createImage` step of the execution created, if one did. */
function createdImageId(steps: StepExecution[]): string | undefined {
  return steps
    .filter((s) => s.Action === 'aws:createImage')
    .flatMap((s) => s.Outputs?.ImageId ?? [])
    .find(isAmiId)
}
