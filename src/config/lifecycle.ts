// The "Lifecycle" section of the inputs: deprecate-after (a date or a duration, within EC2's
// limit), deregistration-protection and ssm-parameter. A section reader: problems go to
// `inputs.problems`.
import { InputError } from '../errors.js'
import * as aws from './aws-ids.js'
import type { Inputs } from './problems.js'
import { DURATION_HELP, parseDate, parseDuration, quote } from './values.js'

export interface LifecycleConfig {
  deprecateAt?: Date
  /** `deprecate-after` as written: an AMI tagged with the same value keeps its deprecation time. */
  deprecateAfter?: string
  deregistrationProtection: boolean
  ssmParameter?: string
}

/** `isPublic`: share-public, under which EC2 allows a shorter deprecation time. */
export function readLifecycle(inputs: Inputs, isPublic: boolean, now: Date): LifecycleConfig {
  const { input, problems } = inputs
  const raw = input('deprecate-after')
  const deprecateAt = raw ? problems.attempt(() => deprecation(raw, isPublic, now)) : undefined
  const deregistrationProtection = inputs.bool('deregistration-protection', false)
  const rawParameter = input('ssm-parameter')
  const ssmParameter = rawParameter
    ? problems.attempt(() => aws.ssmParameterName('ssm-parameter', rawParameter))
    : undefined
  return {
    ...(deprecateAt !== undefined && { deprecateAt, deprecateAfter: raw }),
    deregistrationProtection,
    ...(ssmParameter !== undefined && { ssmParameter })
  }
}

function deprecation(raw: string, isPublic: boolean, now: Date): Date {
  const date = parseDate('deprecate-after', raw) ?? readDurationOrDate(raw, now)
  if (date.getTime() <= now.getTime()) {
    throw new InputError(
      'deprecate-after',
      `deprecate-after: ${quote(raw)} is in the past. Give a future date or a duration (e.g. 90d).`
    )
  }
  const years = isPublic ? 2 : 10
  const limit = new Date(now)
  limit.setUTCFullYear(limit.getUTCFullYear() + years)
  if (date.getTime() > limit.getTime()) {
    const why = isPublic ? ' for a public AMI (share-public)' : ''
    throw new InputError(
      'deprecate-after',
      `deprecate-after: ${quote(raw)} is more than ${years} years ahead; EC2 allows at most ${years} years${why}. Give an earlier date.`
    )
  }
  return date
}

/** deprecate-after is a date when it looks like one, else a duration from now. */
function readDurationOrDate(raw: string, now: Date): Date {
  try {
    return new Date(now.getTime() + parseDuration('deprecate-after', raw))
  } catch {
    throw new InputError(
      'deprecate-after',
      `deprecate-after: ${quote(raw)} is neither a duration nor a date. Write ${DURATION_HELP}, or an RFC 3339 date such as 2030-01-31T00:00:00Z.`
    )
  }
}
