// Every error class of the action, so that each phase can recognise another's errors without
// importing that phase, and describeError (src/aws/errors.ts) decides per type in one place.
import type { ExecutionReport, Fleet, Promotion, PruneReport, TestRun } from './types.js'

/** A problem with an input; the message always names the input and the fix. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    message: string,
    /** When several inputs are wrong at once: each problem (the message lists them all). */
    readonly problems: readonly InputError[] = []
  ) {
    super(message)
    this.name = 'InputError'
  }
}

/** An AMI with the configured name already exists and `if-exists` says not to proceed. */
export class ImageExistsError extends InputError {
  constructor(
    readonly imageId: string,
    message: string
  ) {
    super('if-exists', message)
    this.name = 'ImageExistsError'
  }
}

/** An AMI reached a terminal bad state (`failed`, `error`, `invalid`, …); carries its StateReason. */
export class ImageFailedError extends Error {
  constructor(
    readonly imageId: string,
    readonly state: string,
    readonly reasonCode?: string,
    readonly reasonMessage?: string,
    label = imageId
  ) {
    // EC2's StateReason message usually repeats the code ("Server.InternalError: Internal …").
    const reason =
      reasonCode && reasonMessage?.startsWith(reasonCode)
        ? reasonMessage
        : [reasonCode, reasonMessage].filter(Boolean).join(': ')
    super(`${label} is in state ${state}${reason ? ` (StateReason ${reason})` : ''}`)
    this.name = 'ImageFailedError'
  }
}

/** A wait (image, copy or runbook) hit `timeout-minutes`; the message says where it stood. */
export class WaitTimeoutError extends Error {
  constructor(
    message: string,
    readonly lastState?: string
  ) {
    super(message)
    this.name = 'WaitTimeoutError'
  }
}

/** The runbook ended in a failure status; the message names the failed step and its reason. */
export class RunbookFailedError extends Error {
  constructor(
    message: string,
    readonly execution: ExecutionReport
  ) {
    super(message)
    this.name = 'RunbookFailedError'
  }
}

export class CancelledError extends Error {
  constructor(message = 'The job was cancelled') {
    super(message)
    this.name = 'CancelledError'
  }
}

/** Pruning stopped between versions because the job was cancelled. */
export class PruneCancelled extends CancelledError {
  constructor() {
    super('The job was cancelled while pruning')
    this.name = 'PruneCancelled'
  }
}

/** The AMI was already gone (another run pruned it, or eventual consistency). */
export class AlreadyGone extends Error {
  constructor(
    readonly imageId: string,
    readonly code: string
  ) {
    super(`${imageId} was already deregistered (${code})`)
    this.name = 'AlreadyGone'
  }
}

/** A phase failed after producing something the report must still show (e.g. copies that finished). */
export class PartialFailure extends Error {
  constructor(
    message: string,
    readonly fleet?: Fleet,
    readonly prune?: PruneReport,
    readonly promoted?: Promotion
  ) {
    super(message)
    this.name = 'PartialFailure'
  }
}

/** A test of the image failed or timed out: nothing further is shared, copied or promoted. */
export class TestFailedError extends Error {
  constructor(
    message: string,
    readonly run: TestRun
  ) {
    super(message)
    this.name = 'TestFailedError'
  }
}
