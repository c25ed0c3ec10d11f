// `aws-region`, the build region: the input, else the AWS_REGION / AWS_DEFAULT_REGION that
// aws-actions/configure-aws-credentials exports. A section reader: problems go to `inputs.problems`.
import { InputError } from '../errors.js'
import * as aws from './aws-ids.js'
import type { Inputs } from './problems.js'

export function readRegion(
  { input, problems }: Inputs,
  env: NodeJS.ProcessEnv
): string | undefined {
  const given = input('aws-region')
  const fromEnv = env.AWS_REGION ? 'AWS_REGION' : env.AWS_DEFAULT_REGION ? 'AWS_DEFAULT_REGION' : ''
  const value = given || (fromEnv ? env[fromEnv]!.trim() : '')
  if (!value) {
    problems.fail(
      'aws-region',
      'is not set and neither is AWS_REGION or AWS_DEFAULT_REGION. Set aws-region (e.g. us-east-1) or configure credentials with aws-actions/configure-aws-credentials.'
    )
    return undefined
  }
  return problems.attempt(() => {
    try {
      return aws.region('aws-region', value)
    } catch (error) {
      // A bad value the user never typed: say where it came from.
      if (given || !(error instanceof InputError)) throw error
      throw new InputError('aws-region', `${error.message} (The value came from ${fromEnv}.)`)
    }
  })
}
