// The "Source" section of the inputs: exactly one of automation-document (build with an SSM
// runbook), instance-id (image an instance) or ami-id (adopt an existing AMI), and the inputs
// that only one of them takes. A section reader: every problem goes to `inputs.problems`.
import { InputError } from '../errors.js'
import * as aws from './aws-ids.js'
import type { Inputs } from './problems.js'
import { parseMap, setOwn } from './values.js'

export interface AutomationSource {
  kind: 'automation'
  document: string
  documentVersion?: string
  /** Runbook parameter -> values (SSM takes string lists). */
  parameters: Record<string, string[]>
  /** `automation-output`; undefined means "apply the default rules". */
  output?: string
}

export interface InstanceSource {
  kind: 'instance'
  instanceId: string
  noReboot: boolean
  /** ami-name, which an instance build requires (readConfig refuses it missing). */
  amiName: string
}

export interface ExistingSource {
  kind: 'existing'
  amiId: string
}

export type Source = AutomationSource | InstanceSource | ExistingSource

/** The source as read here: an instance build gets its amiName from the image section. */
export type SourceInput = AutomationSource | Omit<InstanceSource, 'amiName'> | ExistingSource

const SOURCES = ['automation-document', 'instance-id', 'ami-id'] as const
const AUTOMATION_ONLY = [
  'automation-parameters',
  'automation-document-version',
  'automation-output'
] as const

/** The source, or undefined when it is missing or malformed (the problem is recorded). */
export function readSource(inputs: Inputs): SourceInput | undefined {
  const { input, problems } = inputs
  const given = SOURCES.filter((name) => input(name) !== '')
  const noReboot = inputs.bool('no-reboot', false)
  const automationOnly = AUTOMATION_ONLY.filter((name) => input(name) !== '')
  if (given.length !== 1) {
    const what =
      given.length === 0
        ? 'none is set'
        : `${given.join(' and ')} are ${given.length === 2 ? 'both' : 'all'} set`
    const first = given[0] ?? SOURCES[0]
    problems.add(
      new InputError(
        first,
        `${given.length ? given.join(', ') : SOURCES.join(', ')}: ${what}. Set exactly one: automation-document (build with an SSM runbook), instance-id (image an instance) or ami-id (adopt an existing AMI).`
      )
    )
  }
  const kind = given.length === 1 ? given[0] : undefined
  if (kind !== 'automation-document') {
    for (const name of automationOnly) {
      problems.fail(
        name,
        'works only with automation-document. Remove it or set automation-document.'
      )
    }
  }
  if (noReboot && kind !== 'instance-id') {
    problems.fail('no-reboot', 'is true but works only with instance-id. Remove it.')
  }
  if (kind === 'instance-id') {
    const instanceId = problems.attempt(() => aws.instanceId('instance-id', input('instance-id')))
    return instanceId === undefined ? undefined : { kind: 'instance', instanceId, noReboot }
  }
  if (kind === 'ami-id') {
    const amiId = problems.attempt(() => aws.amiId('ami-id', input('ami-id')))
    return amiId === undefined ? undefined : { kind: 'existing', amiId }
  }
  return kind === 'automation-document' ? readAutomation(inputs) : undefined
}

function readAutomation({ input, problems }: Inputs): AutomationSource | undefined {
  const document = problems.attempt(() =>
    aws.documentName('automation-document', input('automation-document'))
  )
  const rawVersion = input('automation-document-version')
  const documentVersion = rawVersion
    ? problems.attempt(() => aws.documentVersion('automation-document-version', rawVersion))
    : undefined
  const rawOutput = input('automation-output')
  const output = rawOutput
    ? problems.attempt(() => aws.automationOutput('automation-output', rawOutput))
    : undefined
  const map = problems.attempt(() =>
    parseMap('automation-parameters', input('automation-parameters'), true)
  )
  if (document === undefined || map === undefined) return undefined
  if ((rawVersion && !documentVersion) || (rawOutput && !output)) return undefined
  const parameters: Record<string, string[]> = {}
  for (const [key, value] of Object.entries(map)) {
    setOwn(parameters, key, Array.isArray(value) ? value : [value])
  }
  return {
    kind: 'automation',
    document,
    ...(documentVersion !== undefined && { documentVersion }),
    parameters,
    ...(output !== undefined && { output })
  }
}
