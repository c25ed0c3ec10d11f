// Token-bucket throttling per (account, region, service, action), with EC2's published bucket
// sizes and refill rates (reference/performance-and-limits.md §2.1).
//
// Buckets refill in SIMULATED time: a run at timeScale 0.01 makes 100× more calls per real
// second than a real run (its sleeps are scaled), and the same number per simulated second, so
// refilling on the simulated clock throttles a scaled run exactly as AWS would throttle the real one.
// Follows: EC2 API Reference "Request throttling for the Amazon EC2 API" (token bucket sizes and refill rates).

export interface BucketSize {
  capacity: number
  refillPerSec: number
}

const EC2_NON_MUTATING: BucketSize = { capacity: 100, refillPerSec: 20 }
const EC2_MUTATING: BucketSize = { capacity: 50, refillPerSec: 5 }
// Unfiltered, unpaginated calls to these use the small bucket (50 / 10 per second).
const EC2_SMALL_UNFILTERED = new Set(['DescribeInstances', 'DescribeSnapshots', 'DescribeVolumes'])
const EC2_SMALL: BucketSize = { capacity: 50, refillPerSec: 10 }
const EC2_ACTIONS: Record<string, BucketSize> = {
  CopyImage: { capacity: 100, refillPerSec: 1 },
  ModifyImageAttribute: { capacity: 100, refillPerSec: 5 },
  ModifySnapshotAttribute: { capacity: 100, refillPerSec: 5 },
  DeregisterImage: { capacity: 100, refillPerSec: 5 },
  DeleteSnapshot: { capacity: 100, refillPerSec: 5 },
  CreateSnapshot: { capacity: 100, refillPerSec: 5 },
  CreateTags: { capacity: 100, refillPerSec: 10 },
  DeleteTags: { capacity: 100, refillPerSec: 10 }
}
// AWS publishes no per-action figures for these; generous assumptions, overridable by settings.
const OTHER_SERVICES: Record<string, BucketSize> = {
  ssm: { capacity: 50, refillPerSec: 10 },
  sts: { capacity: 100, refillPerSec: 50 },
  kms: { capacity: 100, refillPerSec: 100 },
  servicequotas: { capacity: 20, refillPerSec: 10 },
  autoscaling: { capacity: 40, refillPerSec: 20 },
  rbin: { capacity: 20, refillPerSec: 10 }
}

function isNonMutatingName(action: string): boolean {
  return /^(Describe|List|Search|Get)/.test(action)
}

/**
 * The bucket size for a call. `params` decides the small EC2 bucket: a call with a filter, an ID
 * list or MaxResults is "filtered or paginated" and uses the large one.
 * `overrides` keys are `service:Action` (e.g. `ec2:CopyImage`) or `service:*`.
 */
export function bucketSizeFor(
  service: string,
  action: string,
  params: Record<string, unknown> = {},
  overrides: Record<string, BucketSize> = {}
): BucketSize {
  const override = overrides[`${service}:${action}`] ?? overrides[`${service}:*`]
  if (override) return override
  if (service !== 'ec2') return OTHER_SERVICES[service] ?? { capacity: 100, refillPerSec: 20 }
  if (EC2_ACTIONS[action]) return EC2_ACTIONS[action]
  if (EC2_SMALL_UNFILTERED.has(action)) {
    const narrowed = Object.keys(params).some((k) =>
      /^(Filter|MaxResults|NextToken|\w+Id\.)/.test(k)
    )
    return narrowed ? EC2_NON_MUTATING : EC2_SMALL
  }
  return isNonMutatingName(action) ? EC2_NON_MUTATING : EC2_MUTATING
}

interface Bucket {
  tokens: number
  lastRefill: number
}

/** The buckets of one emulator. `take` answers whether a call may proceed, consuming a token. */
export class Throttler {
  private buckets = new Map<string, Bucket>()

  take(key: string, size: BucketSize, simNow: number): boolean {
    let bucket = this.buckets.get(key)
    if (!bucket) {
      bucket = { tokens: size.capacity, lastRefill: simNow }
      this.buckets.set(key, bucket)
    }
    const elapsedSec = Math.max(0, simNow - bucket.lastRefill) / 1000
    bucket.tokens = Math.min(size.capacity, bucket.tokens + elapsedSec * size.refillPerSec)
    bucket.lastRefill = simNow
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }

  reset(): void {
    this.buckets.clear()
  }
}

export function bucketKey(
  accountId: string,
  region: string,
  service: string,
  action: string
): string {
  return `${accountId}|${region}|${service}|${action}`
}
