// Automation execution statuses -> what the poll loop does. One row per value of the SDK enum, so
// a status AWS adds later shows up as a type error here rather than as an endless wait.
import type { AutomationExecutionStatus } from '@aws-sdk/client-ssm'

export type StatusClass = 'success' | 'failure' | 'running'

export const RUNBOOK_STATUS: Record<AutomationExecutionStatus, StatusClass> = {
  Success: 'success',
  CompletedWithSuccess: 'success',
  Failed: 'failure',
  TimedOut: 'failure',
  Cancelled: 'failure',
  Rejected: 'failure',
  ChangeCalendarOverrideRejected: 'failure',
  CompletedWithFailure: 'failure',
  Exited: 'failure',
  Pending: 'running',
  InProgress: 'running',
  Waiting: 'running',
  Cancelling: 'running',
  PendingApproval: 'running',
  Approved: 'running',
  Scheduled: 'running',
  RunbookInProgress: 'running',
  PendingChangeCalendarOverride: 'running',
  ChangeCalendarOverrideApproved: 'running'
}

/** Unknown or missing statuses count as running: the timeout still bounds the wait. */
export function classifyStatus(status: string | undefined): StatusClass {
  return (status && RUNBOOK_STATUS[status as AutomationExecutionStatus]) || 'running'
}

export function isTerminal(status: string | undefined): boolean {
  return classifyStatus(status) !== 'running'
}
