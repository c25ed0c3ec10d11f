// Check automation-parameters against the parameters the runbook declares, before starting it.
import type { DocumentParameter } from '@aws-sdk/client-ssm'
import { InputError } from '../errors.js'

export interface ResolvedParameters {
  parameters: Record<string, string[]>
  /** Why ami-name was not passed, when it was set but could not be. */
  note?: string
}

const SINGLE_VALUE_TYPES = new Set(['String', 'Integer', 'Boolean'])

/**
 * Unknown name -> error listing the declared ones; a required parameter (no DefaultValue) not
 * given -> error; ami-name becomes TargetAmiName when the runbook declares it and the user did
 * not set it.
 */
export function resolveRunbookParameters(
  document: string,
  declared: DocumentParameter[],
  given: Record<string, string[]>,
  amiName: string | undefined
): ResolvedParameters {
  const byName = new Map(declared.filter((p) => p.Name).map((p) => [p.Name!, p]))
  const names = [...byName.keys()].sort()
  const listing = names.length ? names.join(', ') : '(none)'
  const unknown = Object.keys(given).filter((name) => !byName.has(name))
  if (unknown.length) {
    throw new InputError(
      'automation-parameters',
      `automation-parameters: runbook ${document} has no parameter ${unknown.map((n) => `"${n}"`).join(', ')}; it declares: ${listing}`
    )
  }
  for (const [name, values] of Object.entries(given)) {
    const type = byName.get(name)?.Type
    if (type && SINGLE_VALUE_TYPES.has(type) && values.length > 1) {
      throw new InputError(
        'automation-parameters',
        `automation-parameters: runbook parameter "${name}" is a ${type} and takes one value, got ${values.length}`
      )
    }
  }
  const parameters = { ...given }
  let note: string | undefined
  if (amiName !== undefined && !('TargetAmiName' in given)) {
    if (byName.has('TargetAmiName')) parameters.TargetAmiName = [amiName]
    else
      note = `runbook ${document} declares no TargetAmiName parameter, so ami-name is only used to look for an existing AMI`
  }
  const missing = names.filter(
    (name) => byName.get(name)!.DefaultValue === undefined && !(name in parameters)
  )
  if (missing.length) {
    throw new InputError(
      'automation-parameters',
      `automation-parameters: runbook ${document} requires ${missing.map((n) => `"${n}"`).join(', ')} (no default value)`
    )
  }
  return { parameters, note }
}
