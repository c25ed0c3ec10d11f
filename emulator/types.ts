// The emulator's internal contract. The framework (server, SigV4 routing, protocols, clock,
// throttling, faults, IAM allow-list, call log, admin API) is written against it, and so is every
// service module (services/ec2, services/ssm, services/sts, services/kms, github).
// Nothing in src/ imports anything under emulator/.
// Follows: the error shape of the AWS protocols (EC2 API Reference "Error codes for the Amazon EC2 API").

/** Who is calling: from the SigV4 Authorization header of the request. */
export interface Caller {
  accessKeyId: string
  /** From the access key: AKIA<12-digit account><anything>, or a key handed out by AssumeRole. */
  accountId: string
  /** From the credential scope …/<region>/<service>/aws4_request. */
  region: string
  /** From the credential scope: ec2 | ssm | sts | kms. */
  service: string
}

/** A decoded AWS request. */
export interface AwsRequest {
  caller: Caller
  /** e.g. DescribeImages, StartAutomationExecution. */
  action: string
  /**
   * Query protocol (EC2, STS): the flat form parameters, e.g. { 'ImageId.1': 'ami-1', 'Filter.1.Name': 'name' }.
   * JSON protocol (SSM, KMS): the parsed JSON body.
   */
  params: Record<string, unknown>
}

/** An AWS error; the framework serializes it in the service's wire format. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** EC2 client errors are 400, RequestLimitExceeded 503, UnauthorizedOperation 403, SSM/KMS 400. */
    readonly status = 400
  ) {
    super(message)
    this.name = 'AwsError'
  }
}

/**
 * A service module. `handle` returns the response payload:
 * - EC2: a plain object whose keys are EC2's XML element names (imagesSet, imageId, tagSet, …).
 *   Arrays are serialized as repeated <item> children; Date as ISO 8601; booleans as true/false.
 *   The framework wraps it in <{Action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"> with <requestId>.
 * - STS: a plain object serialized inside <{Action}Response><{Action}Result>…; arrays as <member>.
 * - SSM, KMS: a JSON object (the framework sets Content-Type application/x-amz-json-1.1).
 * Throw AwsError for an AWS error.
 */
export interface ServiceModule {
  name: 'ec2' | 'ssm' | 'sts' | 'kms' | 'servicequotas' | 'autoscaling' | 'rbin'
  protocol: 'ec2-query' | 'query' | 'json' | 'rest-json'
  /** Query protocol: the response XML namespace (default STS's). */
  xmlns?: string
  /** REST-JSON: the action and path parameters of a request, from its method and path. */
  route?(
    method: string,
    path: string
  ): { action: string; params: Record<string, unknown> } | undefined
  /** REST-JSON: the HTTP status of a successful answer (default 200). */
  successStatus?(action: string): number
  handle(req: AwsRequest, sim: Sim): unknown | Promise<unknown>
  /** Whether an action changes state (for dry-run proofs and the mutating-call count). */
  isMutating(action: string): boolean
  /** POST /_sim/seed { <service name>: data }: add resources (shape documented by the service). */
  seed?(data: unknown, sim: Sim): unknown
  /** GET /_sim/state: a JSON-able view of the service's state, for tests comparing before/after. */
  snapshot?(sim: Sim): unknown
}

/** One request as the call log records it. */
export interface CallRecord {
  seq: number
  /** Real wall-clock ms (Date.now()) when the request arrived. */
  at: number
  /** Simulated ms (sim.now()) when the request arrived. */
  simAt: number
  service: string
  action: string
  accountId: string
  region: string
  /** HTTP status sent. */
  status: number
  /** AWS error code when the call failed (incl. injected faults and throttling). */
  errorCode?: string
  mutating: boolean
  params: Record<string, unknown>
}

/** The simulated clock: simulated time runs 1/timeScale times as fast as real time. */
export interface Clock {
  /** Simulated epoch ms. Starts at the real time the emulator started. */
  now(): number
  timeScale: number
  /** Real ms a simulated duration takes. */
  toReal(simMs: number): number
}

/** Shared by the framework and all services. Each service keeps its own state on it. */
export interface Sim {
  clock: Clock
  /** Per-service state, created by the service module, reset by POST /_sim/reset. */
  state: Record<string, unknown>
  /** Settings changed through POST /_sim/configure (timings, faults); services read their own keys. */
  settings: Record<string, unknown>
  calls: CallRecord[]
  /** New ID like ami-0123456789abcdef0 (17 hex digits), unique within the emulator. */
  newId(prefix: string): string
}
