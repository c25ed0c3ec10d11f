// The one place that reads @actions/core inputs. Everything else receives a Config.
// OWNER: config helper. The types below are the contract the rest of src/ is written against.

export type IfExists = 'fail' | 'reuse' | 'replace'
export type SharingMode = 'add' | 'exact'

export type Source =
  | {
      kind: 'automation'
      document: string
      documentVersion?: string
      /** Runbook parameter -> values (SSM takes string lists). */
      parameters: Record<string, string[]>
      /** `automation-output`; undefined means "apply the default rules". */
      output?: string
    }
  | { kind: 'instance'; instanceId: string; noReboot: boolean }
  | { kind: 'existing'; amiId: string }

export interface CopyAccount {
  roleArn: string
  accountId: string
}

export interface ShareConfig {
  accounts: string[]
  organizations: string[]
  organizationalUnits: string[]
  public: boolean
  snapshots: boolean
  mode: SharingMode
}

export interface CopyConfig {
  /** Destination regions, build region removed, de-duplicated, input order. */
  regions: string[]
  accounts: CopyAccount[]
  kmsKeyId?: string
  regionKmsKeyIds: Record<string, string>
}

export interface PruneConfig {
  keep: number
  /** Only versions older than this many milliseconds are pruned. */
  olderThanMs?: number
  skipInUse: boolean
  dryRun: boolean
}

export interface CommentConfig {
  enabled: boolean
  /** Distinguishes several images in one PR: `comment-header`, else family, else ami-name. */
  header: string
  token?: string
}

export interface Config {
  source: Source
  region: string
  /** Resolved name (`{{timestamp}}` replaced); required with instance-id. */
  amiName?: string
  amiDescription?: string
  family?: string
  /** User tags plus `ami-share-action:family` when family is set. */
  tags: Record<string, string>
  ifExists: IfExists
  share: ShareConfig
  copy: CopyConfig
  deprecateAt?: Date
  deregistrationProtection: boolean
  ssmParameter?: string
  prune?: PruneConfig
  timeoutMinutes: number
  dryRun: boolean
  comment: CommentConfig
  /** Poll interval for runbook and image waits (ms). 5000 unless AMI_SHARE_ACTION_POLL_MS is set (tests, bench). */
  pollIntervalMs: number
}

/** A problem with an input; the message always names the input and the fix. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    message: string
  ) {
    super(message)
    this.name = 'InputError'
  }
}

/** Reads and validates every input. OWNER: config helper (stub). */
export function readConfig(): Config {
  throw new InputError('automation-document', 'not implemented')
}
