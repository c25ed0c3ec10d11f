// Which runbook output holds the AMI ID (the `automation-output` input, see the README).
import type { StepExecution } from '@aws-sdk/client-ssm'
import { InputError } from '../errors.js'

const AMI_ID = /^ami-[0-9a-f]{8,17}$/
export const DEFAULT_OUTPUT = 'createImage.ImageId'

export function isAmiId(value: string | undefined): value is string {
  return value !== undefined && AMI_ID.test(value)
}

/** `step.Output` -> that step's output, for runbooks that do not re-declare it as a document output. */
function stepOutput(steps: StepExecution[], name: string): string[] | undefined {
  const dot = name.indexOf('.')
  if (dot < 0) return undefined
  const step = steps.find((s) => s.StepName === name.slice(0, dot))
  return step?.Outputs?.[name.slice(dot + 1)]
}

function available(outputs: Record<string, string[]>): string {
  const names = Object.keys(outputs)
  return names.length ? names.join(', ') : 'none'
}

/**
 * `automation-output` if given; else `createImage.ImageId`; else the one output whose value is an
 * AMI ID; else the ImageId output of the `aws:createImage` step. Throws when none applies.
 */
export function amiIdFromRunbook(
  document: string,
  outputs: Record<string, string[]>,
  steps: StepExecution[],
  requested?: string
): string {
  if (requested) {
    const values = outputs[requested] ?? stepOutput(steps, requested)
    if (!values) {
      throw new InputError(
        'automation-output',
        `automation-output: runbook ${document} returned no output "${requested}" (outputs: ${available(outputs)})`
      )
    }
    const id = values.find(isAmiId)
    if (!id) {
      throw new InputError(
        'automation-output',
        `automation-output: output "${requested}" of runbook ${document} is ${JSON.stringify(values)}, not an AMI ID`
      )
    }
    return id
  }
  const fromDefault = outputs[DEFAULT_OUTPUT]?.find(isAmiId)
  if (fromDefault) return fromDefault
  const candidates = new Set(Object.values(outputs).flat().filter(isAmiId))
  if (candidates.size === 1) return [...candidates][0]
  if (candidates.size > 1) {
    throw new InputError(
      'automation-output',
      `automation-output: runbook ${document} returned several AMI IDs (${[...candidates].join(', ')}); set automation-output to the one to use (outputs: ${available(outputs)})`
    )
  }
  const created = steps
    .filter((s) => s.Action === 'aws:createImage')
    .map((s) => s.Outputs?.ImageId?.find(isAmiId))
    .filter(isAmiId)
  if (created.length) return created[created.length - 1]
  throw new InputError(
    'automation-output',
    `automation-output: runbook ${document} succeeded but no output holds an AMI ID (outputs: ${available(outputs)}) and no aws:createImage step returned one; set automation-output`
  )
}
