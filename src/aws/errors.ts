// AWS error -> one message with the service's reason and a hint the user can act on.
// Also the error classes the build and wait phases throw, so other phases can recognise them.
import {
  CancelledError,
  ImageExistsError,
  ImageFailedError,
  InputError,
  PartialFailure,
  RunbookFailedError,
  TestFailedError,
  WaitTimeoutError
} from '../errors.js'
import type { ExecutionReport, Image } from '../types.js'

// The classes live in src/errors.ts; re-exported for the modules that import them from here.
export { ImageExistsError, ImageFailedError, RunbookFailedError, WaitTimeoutError }

/** Attach the runbook execution a failure happened in, so the report can still name it. */
export function withExecution<E extends Error>(error: E, execution: ExecutionReport): E {
  return Object.assign(error, { execution })
}

/** Attach the AMI that exists although the step failed, so the report still names it. */
export function withImage<E extends Error>(error: E, image: Image): E {
  return Object.assign(error, { image })
}

/** The AMI an error carries (see withImage). */
export function imageOf(error: unknown): Image | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  return (error as { image?: Image }).image
}

/** The runbook execution an error carries (RunbookFailedError, or a stopped/timed-out one). */
export function executionOf(error: unknown): ExecutionReport | undefined {
  if (error instanceof RunbookFailedError) return error.execution
  if (typeof error !== 'object' || error === null) return undefined
  return (error as { execution?: ExecutionReport }).execution
}

interface AwsLikeError {
  name?: string
  Code?: string
  code?: string
  message?: string
  $metadata?: { attempts?: number; httpStatusCode?: number }
}

/** The AWS error code of an SDK exception (`InvalidAMIID.NotFound`, `ThrottlingException`, …). */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const e = error as AwsLikeError
  const code = e.Code ?? e.code ?? e.name
  return code && code !== 'Error' ? code : undefined
}

const THROTTLING = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown'
])

export function isThrottling(error: unknown): boolean {
  return THROTTLING.has(errorCode(error) ?? '')
}

/** Throttling or a 5xx that survived the SDK's retries: worth another poll, not a failure. */
export function isTransient(error: unknown): boolean {
  if (isThrottling(error)) return true
  const status = (error as AwsLikeError | undefined)?.$metadata?.httpStatusCode
  return typeof status === 'number' && status >= 500
}

const IAM_POLICY = 'the IAM policy in the README (section "IAM policy")'

/** Hints keyed on code and message, most specific first. */
function hintsFor(code: string | undefined, message: string): string[] {
  const c = code ?? ''
  const hints: string[] = []
  if (
    /^(ExpiredToken|ExpiredTokenException|RequestExpired)$/.test(c) ||
    /expired token/i.test(message)
  ) {
    hints.push(
      'credentials expired mid-run: raise `role-duration-seconds` in aws-actions/configure-aws-credentials'
    )
  }
  if (c === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    hints.push('no AWS credentials: run aws-actions/configure-aws-credentials before this step')
  }
  if (/^(UnauthorizedOperation|AccessDenied|AuthFailure)/.test(c)) {
    const action = /not authorized to perform:?\s+([a-z0-9-]+:[A-Za-z0-9*]+)/i.exec(message)?.[1]
    hints.push(
      action
        ? `the role lacks permission ${action}: add it (see ${IAM_POLICY})`
        : `the role lacks a permission: compare it with ${IAM_POLICY}`
    )
  }
  // Our own block-public-access refusal already says how to turn it off.
  const bpa = /block public access/i.test(message) || /BlockPublicAccess/i.test(c)
  if (bpa && !message.includes('disable-image-block-public-access')) {
    hints.push(
      'image block public access is on in this region: `aws ec2 disable-image-block-public-access --region <region>` (or set share-public: false)'
    )
  }
  if (/kms/i.test(c) || /\bkms\b|KMS key|customer master key/i.test(message)) {
    hints.push(
      'check that the KMS key exists and is enabled, and that its key policy or a grant lets this role (and, for copies, the destination account) use it: kms:DescribeKey, kms:CreateGrant, kms:Decrypt, kms:ReEncrypt*, kms:GenerateDataKey*'
    )
  }
  if (THROTTLING.has(c)) {
    hints.push(
      'AWS throttled this request even after retries: too many calls in this account and region; retry later or run fewer jobs at once'
    )
  }
  if (c === 'ResourceLimitExceeded') {
    hints.push(
      'an AWS quota was reached (AMI quotas "Public AMIs" and "AMI sharing" are adjustable in Service Quotas; concurrent copies per region and account are not): raise the quota, or free some of it and re-run'
    )
  }
  if (c === 'AutomationExecutionLimitExceededException') {
    hints.push(
      'the account is at its concurrent Automation quota (100 by default): wait for running executions or raise the quota'
    )
  }
  if (/^InvalidInstanceID\.(NotFound|Malformed)$/.test(c)) {
    hints.push(
      'check `instance-id`: the instance must exist in the build region (`aws-region`) of the account the credentials belong to'
    )
  }
  if (c === 'InvalidAMIName.Duplicate') {
    hints.push(
      'another AMI took this name a moment ago, most likely a concurrent run of the same workflow ({{timestamp}} has one-second resolution): give the job a `concurrency:` group per family (see "Two runs at once" in the README) and re-run'
    )
  }
  if (c === 'InvalidDocument') {
    hints.push(
      'check `automation-document`: a runbook shared from another account must be given by ARN'
    )
  }
  return hints
}

/** Drops EC2's long encoded authorization blob: it drowns the useful part of the line. */
function trimMessage(message: string): string {
  return message
    .replace(
      /\s*Encoded authorization failure message:\s*\S+/i,
      ' (decode details with `aws sts decode-authorization-message`)'
    )
    .trim()
}

/** One line (or a few) for the user: AWS code and message plus a hint. Never a stack trace. */
export function describeError(error: unknown): string {
  if (error instanceof CancelledError) return `Cancelled: ${error.message}`
  if (error instanceof InputError) return error.message
  if (!(error instanceof Error)) {
    if (typeof error === 'object' && error !== null && 'message' in error) {
      return describeError(Object.assign(new Error(String(error.message)), error))
    }
    return String(error)
  }
  const ours =
    error instanceof ImageFailedError ||
    error instanceof WaitTimeoutError ||
    error instanceof RunbookFailedError ||
    error instanceof PartialFailure ||
    error instanceof TestFailedError
  const code = ours ? undefined : errorCode(error)
  const message = trimMessage(error.message || code || 'unknown error')
  const head = code && !message.startsWith(code) ? `${code}: ${message}` : message
  const call = ours ? undefined : callOf(error)
  const where = call ? ` (${describeCall(call)})` : ''
  return [head + where, ...hintsFor(code, message).map((hint) => `Hint: ${hint}`)].join('\n')
}

/** Which AWS call failed, where: attached to every SDK error by `withErrorContext`. */
export interface CallContext {
  call: string
  region: string
  account?: string
}

/** The call an SDK error came from, if the client was wrapped by withErrorContext. */
export function callOf(error: unknown): CallContext | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  return (error as { $call?: CallContext }).$call
}

interface StackClient {
  config?: { region?: unknown }
  middlewareStack: {
    add(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
        context: { commandName?: string }
      ) => (args: unknown) => Promise<unknown>,
      options: { step: 'initialize'; name: string; override: boolean }
    ): void
  }
}

const wrapped = new WeakSet<object>()

/**
 * Adds one middleware to an SDK client that stamps every error leaving it (AWS errors, STS and
 * credential failures, connection resets alike) with the command, region and account, so that
 * no message is just "InternalError: An internal error has occurred".
 */
export function stampErrors<C extends object>(
  client: C,
  region: string,
  account: () => Promise<string | undefined>
): C {
  // A Promise would slip through `object`: stamp the client itself.
  if (client instanceof Promise) throw new TypeError('stampErrors takes a client, not a Promise')
  if (wrapped.has(client)) return client
  wrapped.add(client)
  ;(client as unknown as StackClient).middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args)
      } catch (error) {
        if (typeof error === 'object' && error !== null && !callOf(error)) {
          const call = (context.commandName ?? 'AWS call').replace(/Command$/, '')
          const id = await account().catch(() => undefined)
          Object.assign(error, { $call: { call, region, ...(id ? { account: id } : {}) } })
        }
        throw error
      }
    },
    { step: 'initialize', name: 'amiShareActionErrorContext', override: true }
  )
  return client
}

/** "CopyImage in account 111122223333, eu-west-1" */
export function describeCall(call: CallContext): string {
  return `${call.call} in ${call.account ? `account ${call.account}, ` : ''}${call.region}`
}
