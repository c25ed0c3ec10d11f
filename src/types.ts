// Plain values that flow between the phases (see docs/ARCHITECTURE.md "The pipeline").

export interface SnapshotInfo {
  id: string
  sizeGiB: number
  encrypted: boolean
  kmsKeyId?: string
}

export interface StepReport {
  name: string
  action: string
  status: string
  startTime?: Date
  endTime?: Date
  failureMessage?: string
  failureDetails?: string
}

export interface ExecutionReport {
  id: string
  document: string
  status: string
  steps: StepReport[]
  startTime?: Date
  endTime?: Date
}

/** What an AMI carried when this run first read it: the re-run checks compare against it. */
export interface ImageState {
  tags: Record<string, string>
  deprecationTime?: Date
  /** DescribeImages DeregistrationProtection ('disabled', 'enabled', 'enabled-with-cooldown'). */
  protection?: string
}

/** The base AMI a runbook builds from (a runbook parameter holding an AMI ID, after resolving). */
export interface BaseAmi {
  id: string
  /** The runbook parameter that holds it. */
  parameter: string
  /** The SSM parameter it was resolved from (`resolve:ssm:<name>`). */
  resolvedFrom?: string
  name?: string
  creationDate?: Date
  deprecationTime?: Date
}

/** Where a runbook build comes from, and what `rebuild: if-changed` decided. */
export interface Provenance {
  /** sha256 of the recipe (tag ami-share-action:recipe). */
  recipe: string
  /** DescribeDocument Hash of the version that runs. */
  runbookHash: string
  baseAmi?: BaseAmi
  /** `resolve:ssm:` parameters and the values they resolved to. */
  resolved: { parameter: string; name: string; value: string }[]
  /** rebuild: if-changed: build or adopt, and why (for the summary and the plan). */
  decision?: { adopt: boolean; why: string; since?: Date }
}

/** The one AMI in the build region (built, or adopted). */
export interface Image {
  id: string
  name: string
  region: string
  /** Owner account of the AMI. */
  ownerId: string
  /** Account the action runs as. */
  accountId: string
  description?: string
  creationDate?: Date
  snapshots: SnapshotInfo[]
  source: 'automation' | 'instance' | 'existing'
  /** Adopted through `if-exists: reuse` rather than created by this run. */
  reused: boolean
  execution?: ExecutionReport
  /** Milliseconds from the start of the build until the AMI was available. */
  buildMs?: number
  /** Dry run: the image does not exist; id is a placeholder. */
  planned?: boolean
  /** Tags, deprecation and protection as read before this run changed anything. */
  prior?: ImageState
  /** Runbook builds: recipe, base AMI, resolved parameters. */
  provenance?: Provenance
  /** Not built although a runbook was asked for: why (rebuild: if-changed). */
  adopted?: 'unchanged-recipe' | 'running-execution'
  /** Dry run: adopted while disabled; the plan re-enables it (it has no launch permissions yet). */
  reenablePlanned?: boolean
  /**
   * The run failed after this AMI came to exist and before it was fully set up: what is missing
   * and what to do about it (shown in the error and the summary; the outputs still name it).
   */
  leftover?: string
}

export interface LaunchPermissions {
  accounts: string[]
  organizations: string[]
  organizationalUnits: string[]
  public: boolean
}

/** One AMI of this run in one (account, region): the source or a copy. */
export interface FleetMember {
  accountId: string
  region: string
  /** Undefined when the copy failed before an ID existed. */
  imageId?: string
  name: string
  role: 'source' | 'copy'
  state: 'available' | 'failed' | 'pending' | 'planned'
  /** Existing AMI reused (if-exists: reuse) instead of created. */
  reused: boolean
  snapshots: SnapshotInfo[]
  sharedWith?: LaunchPermissions
  deprecateAt?: Date
  protected?: boolean
  /** CopyImage call until available. */
  durationMs?: number
  error?: string
  /** test-regions: the test of this copy (before it was shared). */
  test?: TestRun
}

export interface Fleet {
  members: FleetMember[]
}

export interface PrunedVersion {
  accountId: string
  region: string
  imageId: string
  name: string
  creationDate?: Date
  snapshots: { id: string; sizeGiB: number; deleted: boolean; reason?: string }[]
  /** "recoverable until <date> (Recycle Bin)" or "permanent", with any warning. */
  recycleBin?: string
  /** Consumer usage verdict (image usage report), when one was read or not checked. */
  usage?: string
}

/** A version this run disabled (prune-action: disable), or would disable in a dry run. */
export interface DisabledVersion {
  accountId: string
  region: string
  imageId: string
  name: string
  creationDate?: Date
  /** The launch permissions it had: DisableImage removes them and EnableImage does not restore them. */
  launchPermissions?: LaunchPermissions
  usage?: string
}

export interface SkippedVersion {
  accountId: string
  region: string
  imageId: string
  name: string
  creationDate?: Date
  reason: string
}

export interface PruneReport {
  dryRun: boolean
  /** Every (account, region) examined, "account/region". */
  examined: { accountId: string; region: string }[]
  pruned: PrunedVersion[]
  /** prune-action: disable (absent in older reports). */
  disabled?: DisabledVersion[]
  skipped: SkippedVersion[]
  kept: { accountId: string; region: string; imageId: string }[]
  freedGiB: number
  keptGiB: number
}

/** One mutating AWS call a real run makes, as the emulator's call log records it. */
export interface PlannedCall {
  /** `service:Action`, e.g. `ec2:CopyImage`. */
  action: string
  accountId: string
  region: string
}

/** One test of one AMI: the instance launched from it and what it showed. */
export interface TestRun {
  region: string
  imageId: string
  /** The account the instance was launched in (test-account-role, else the build account). */
  accountId: string
  instanceType: string
  subnetId?: string
  instanceId?: string
  /** `planned`: dry run; `passed` with `alreadyPassed`: tagged passed for this spec, not relaunched. */
  verdict: 'passed' | 'failed' | 'planned'
  alreadyPassed?: boolean
  /** Why it failed (launch, status checks, SSM, command, timeout, cancellation). */
  reason?: string
  exitCode?: number
  /** Last lines of the command's stdout and stderr. */
  stdout?: string
  stderr?: string
  /** Last lines of GetConsoleOutput after a failure. */
  consoleOutput?: string
  /** Launch to verdict. */
  durationMs?: number
}

export interface PlanItem {
  phase: 'build' | 'test' | 'share' | 'copy' | 'lifecycle' | 'promote' | 'prune' | 'check'
  /** What would happen, or what a check found. */
  text: string
  /** A check that found a problem the real run would hit. */
  problem?: boolean
  /** The mutating calls the real run makes for this line (see src/plan.ts). */
  calls?: PlannedCall[]
}

/** One launch template in one region where the build account has the AMI (INTERFACE.md "Rolling out"). */
export interface TemplateRollout {
  region: string
  /** As the input named it (a name or an lt- ID). */
  template: string
  templateId?: string
  templateName?: string
  /** The AMI the version launches; undefined for a dry run's planned copy. */
  imageId?: string
  /**
   * created: a new version; already: a version had this AMI; missing: no such template in the
   * region; planned: a dry run would create it; failed: see error.
   */
  outcome: 'created' | 'already' | 'missing' | 'planned' | 'failed'
  /** The version with this AMI (new, existing, or the number a dry run expects). */
  version?: number
  /** That version is the template's default version (after this run). */
  isDefault?: boolean
  error?: string
}

/** The ssm-parameter in one region of the build account. */
export interface ParameterUpdate {
  region: string
  name: string
  imageId?: string
  /** set: written and read back; already: held the AMI; planned: dry run; not-set: see the warning. */
  outcome: 'set' | 'already' | 'planned' | 'not-set' | 'failed'
  error?: string
}

/** What the promote phase pointed at the new AMIs, after every test passed. */
export interface Promotion {
  parameters: ParameterUpdate[]
  templates: TemplateRollout[]
}

export interface Result {
  image?: Image
  /** The runbook execution of a build that failed (on success it is image.execution). */
  execution?: ExecutionReport
  fleet?: Fleet
  /** SSM parameter and launch-template versions (the promote phase). */
  promoted?: Promotion
  prune?: PruneReport
  /** The build-region test (copies carry theirs in fleet.members[].test). */
  tested?: TestRun[]
  /** Dry run only. */
  plan?: PlanItem[]
  warnings: string[]
  /** Set when the run failed; the message shown to the user. */
  error?: string
  startedAt: Date
  finishedAt: Date
}

// The error class lives in src/errors.ts; re-exported for the phases that import it from here.
export { PartialFailure } from './errors.js'
