// SSM state kept on sim.state.ssm.
// Follows: Systems Manager API Reference data types AutomationExecution, Parameter.
import type { Sim } from '../../types.js'
import { builtinDocuments, type Document, type FailureDetails } from './documents.js'

export type StepStatus = 'Pending' | 'InProgress' | 'Success' | 'Failed' | 'TimedOut' | 'Cancelled'

export interface StepRun {
  stepExecutionId: string
  name: string
  action: string
  onFailure: 'Abort' | 'Continue'
  status: StepStatus
  startTime?: number
  endTime?: number
  inputs: Record<string, string>
  outputs: Record<string, string[]>
  failureMessage?: string
  failureDetails?: FailureDetails
  /** aws:createImage: the image it made in EC2 state. */
  imageId?: string
}

export type ExecutionStatus =
  'Pending' | 'InProgress' | 'Success' | 'Failed' | 'TimedOut' | 'Cancelling' | 'Cancelled'

export interface Execution {
  id: string
  accountId: string
  region: string
  documentName: string
  documentVersion: string
  parameters: Record<string, string[]>
  status: ExecutionStatus
  startTime: number
  endTime?: number
  steps: StepRun[]
  outputs: Record<string, string[]>
  failureMessage?: string
  executedBy: string
  clientToken?: string
  fingerprint: string
  /** StartAutomationExecution Tags. */
  tags?: Record<string, string>
  cancelRequestedAt?: number
  /** Set by the `ssm.cancelExternally` setting: someone else stops it at this simulated ms. */
  externalCancelAt?: number
}

export interface Parameter {
  name: string
  accountId: string
  region: string
  type: 'String' | 'StringList' | 'SecureString'
  dataType: string
  value: string
  version: number
  description?: string
  lastModified: number
}

export interface SsmState {
  documents: Document[]
  executions: Record<string, Execution>
  /** `${accountId}/${region}/${name}` → parameter. */
  parameters: Record<string, Parameter>
  /** aws:ec2:image values that failed SSM's asynchronous validation and were not stored. */
  rejectedParameters: {
    name: string
    accountId: string
    region: string
    value: string
    at: number
    reason: string
  }[]
  /**
   * aws:ec2:image writes SSM is still validating: PutParameter has answered 200, but readers see
   * the previous version until `validAt` (PutParameter, DataType; "Native parameter support for
   * Amazon Machine Image IDs").
   */
  pendingParameters?: (Parameter & { validAt: number; forceReject?: string })[]
}

export function ssmState(sim: Sim): SsmState {
  let s = sim.state.ssm as SsmState | undefined
  if (!s) {
    s = {
      documents: builtinDocuments(sim.clock.now()),
      executions: {},
      parameters: {},
      rejectedParameters: []
    }
    sim.state.ssm = s
  }
  return s
}

export const TERMINAL: ExecutionStatus[] = ['Success', 'Failed', 'TimedOut', 'Cancelled']
