// `resolve:ssm:<name>` in runbook parameters: replaced by the parameter's value in the build
// region (GetParameter) before the runbook's parameters are validated, so the runbook, the recipe
// and the summary all see the value that is used.
import type { SSMClient } from '@aws-sdk/client-ssm'
import { sdk } from '../aws/clients.js'
import { errorCode } from '../aws/errors.js'
import { InputError } from '../errors.js'
import type { Provenance } from '../types.js'

export const RESOLVE_PREFIX = 'resolve:ssm:'

export interface ResolvedParameters {
  parameters: Record<string, string[]>
  resolved: Provenance['resolved']
}

/**
 * One GetParameter per distinct name. A missing parameter or a SecureString (its value would reach
 * logs and tags) is an InputError naming automation-parameters and the parameter.
 */
export async function resolveSsmParameters(
  ssm: SSMClient,
  region: string,
  given: Record<string, string[]>
): Promise<ResolvedParameters> {
  const names = new Set(
    Object.values(given)
      .flat()
      .filter((v) => v.startsWith(RESOLVE_PREFIX))
      .map((v) => v.slice(RESOLVE_PREFIX.length))
  )
  const values = new Map<string, string>()
  for (const name of names) values.set(name, await readParameter(ssm, region, name))
  const parameters: Record<string, string[]> = {}
  const resolved: Provenance['resolved'] = []
  for (const [parameter, list] of Object.entries(given)) {
    parameters[parameter] = list.map((value) => {
      if (!value.startsWith(RESOLVE_PREFIX)) return value
      const name = value.slice(RESOLVE_PREFIX.length)
      resolved.push({ parameter, name, value: values.get(name)! })
      return values.get(name)!
    })
  }
  return { parameters, resolved }
}

async function readParameter(ssm: SSMClient, region: string, name: string): Promise<string> {
  if (!name) {
    throw new InputError(
      'automation-parameters',
      `automation-parameters: "${RESOLVE_PREFIX}" needs a parameter name after it, e.g. ${RESOLVE_PREFIX}/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64`
    )
  }
  const { GetParameterCommand } = await sdk.ssm()
  try {
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name }))
    if (Parameter?.Type === 'SecureString') {
      throw new InputError(
        'automation-parameters',
        `automation-parameters: ${RESOLVE_PREFIX}${name} is a SecureString parameter; its value would reach the logs, the summary and the AMI's tags. Use a String parameter, or pass the secret to the runbook another way.`
      )
    }
    return Parameter?.Value ?? ''
  } catch (error) {
    if (errorCode(error) === 'ParameterNotFound') {
      throw new InputError(
        'automation-parameters',
        `automation-parameters: SSM parameter ${name} (${RESOLVE_PREFIX}${name}) does not exist in ${region}. Check the name, and that it exists in the build region.`
      )
    }
    throw error
  }
}
