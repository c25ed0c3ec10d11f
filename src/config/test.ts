// The "Testing the image before anyone uses it" inputs (INTERFACE.md): what to run on the test
// instance, where to launch it, in which account, which regions' AMIs are tested, for how long.
// A section reader: every problem goes to `problems`, nothing is thrown.
import type { CopyAccount } from '../config.js'
import * as aws from './aws-ids.js'
import type { Inputs } from './problems.js'
import { parseInteger, parseList, parseMap, quote } from './values.js'

export interface InstanceProfileRef {
  /** Exactly one of the two, as RunInstances' IamInstanceProfile takes it. */
  name?: string
  arn?: string
}

export interface TestConfig {
  /** test-command; undefined: launch only (test-launch), pass on running + status checks. */
  command?: string
  /** test-instance-type; undefined: t3.micro for x86_64 AMIs, t4g.micro for arm64. */
  instanceType?: string
  /** test-subnet-id per region; a region not named uses a default subnet of its default VPC. */
  subnets: Record<string, string>
  /** Where test-subnet-id names the subnet (else the VPC's default group). */
  securityGroupIds: string[]
  instanceProfile?: InstanceProfileRef
  /** test-account-role: launch in that consumer account; undefined: the build account. */
  account?: CopyAccount
  /** Regions whose AMI is tested, the build region first. */
  regions: string[]
  timeoutMinutes: number
}

export const TEST_INPUTS = [
  'test-command',
  'test-launch',
  'test-instance-type',
  'test-subnet-id',
  'test-security-group-ids',
  'test-instance-profile',
  'test-account-role',
  'test-regions',
  'test-timeout-minutes'
] as const

export const DEFAULT_TEST_TIMEOUT_MINUTES = 15
/** Six hours: the longest a GitHub-hosted job runs. */
const MAX_TEST_TIMEOUT_MINUTES = 360

// EC2 API reference, RunInstances / DescribeInstanceTypes: instance types are family.size.
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/
const GROUP_ID = /^sg-[0-9a-f]{8,17}$/
// IAM user guide, "IAM identifiers": instance profile names are [\w+=,.@-]{1,128}.
const PROFILE_NAME = /^[\w+=,.@-]{1,128}$/
const PROFILE_ARN =
  /^arn:aws(?:-cn|-us-gov)?:iam::\d{12}:instance-profile\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/

/**
 * `where`: the build region and the copy regions (build region removed), so that test-regions and
 * a test-subnet-id map are judged against the regions that get an AMI. Undefined: no test asked.
 */
export function readTest(
  inputs: Inputs,
  where: { region?: string; copyRegions: string[] }
): TestConfig | undefined {
  const { input, problems } = inputs
  const command = input('test-command') || undefined
  const launch = inputs.bool('test-launch', false)
  if (!command && !launch) {
    for (const name of TEST_INPUTS.slice(2)) {
      if (input(name)) {
        problems.fail(
          name,
          'is set but no test is asked for. Set test-command (a script run on the test instance) or test-launch: true, or remove it.'
        )
      }
    }
    return undefined
  }

  const rawType = input('test-instance-type')
  if (rawType && !INSTANCE_TYPE.test(rawType)) {
    problems.fail(
      'test-instance-type',
      `${quote(rawType)} is not an instance type. Write it like t3.micro.`
    )
  }
  const regions = readRegions(inputs, where)
  const subnets = readSubnets(inputs, where.region, regions ?? [])
  const securityGroupIds = readGroups(inputs, Object.keys(subnets).length > 0)
  const instanceProfile = readProfile(inputs)
  const rawRole = input('test-account-role')
  const account = rawRole
    ? problems.attempt(() => aws.roleArn('test-account-role', rawRole))
    : undefined
  if (account && where.region) {
    const [arnPartition, buildPartition] = [
      aws.partitionOfArn(account.roleArn),
      aws.partitionOfRegion(where.region)
    ]
    if (arnPartition !== buildPartition) {
      problems.fail(
        'test-account-role',
        `${quote(account.roleArn)} is in partition ${arnPartition} but aws-region ${where.region} is in ${buildPartition}. Use a role ARN of the build partition.`
      )
    }
  }
  const rawTimeout = input('test-timeout-minutes')
  const timeoutMinutes = rawTimeout
    ? (problems.attempt(() =>
        parseInteger('test-timeout-minutes', rawTimeout, 1, MAX_TEST_TIMEOUT_MINUTES, 'minutes')
      ) ?? DEFAULT_TEST_TIMEOUT_MINUTES)
    : DEFAULT_TEST_TIMEOUT_MINUTES

  return {
    ...(command !== undefined && { command }),
    ...(rawType && { instanceType: rawType }),
    subnets,
    securityGroupIds,
    ...(instanceProfile && { instanceProfile }),
    ...(account && { account }),
    regions: regions ?? (where.region ? [where.region] : []),
    timeoutMinutes
  }
}

/** test-regions: the build region (default), any of copy-regions, or `all`. */
function readRegions(
  { input, problems }: Inputs,
  where: { region?: string; copyRegions: string[] }
): string[] | undefined {
  const raw = input('test-regions')
  const build = where.region
  if (!raw) return build ? [build] : undefined
  if (raw.trim().toLowerCase() === 'all') return build ? [build, ...where.copyRegions] : undefined
  const named = raw
    .split(/[\s,]+/)
    .filter(Boolean)
    .flatMap((r) => {
      const checked = problems.attempt(() => aws.region('test-regions', r))
      return checked === undefined ? [] : [checked]
    })
  const getsAmi = new Set([...(build ? [build] : []), ...where.copyRegions])
  const missing = named.filter((r) => !getsAmi.has(r))
  if (missing.length > 0 && build) {
    problems.fail(
      'test-regions',
      `${missing.join(', ')} ${missing.length === 1 ? 'gets' : 'get'} no AMI (the AMI is in ${[...getsAmi].join(', ')}). Name the build region or regions of copy-regions, or write all.`
    )
  }
  const ordered = [...getsAmi].filter((r) => named.includes(r))
  return ordered.length > 0 ? ordered : undefined
}

/** test-subnet-id: one subnet ID (the build region) or a map region -> subnet ID. */
function readSubnets(
  { input, problems }: Inputs,
  build: string | undefined,
  tested: string[]
): Record<string, string> {
  const raw = input('test-subnet-id')
  if (!raw) return {}
  const badId = (id: string): void =>
    problems.fail(
      'test-subnet-id',
      `${quote(id)} is not a subnet ID. Write it like subnet-0123456789abcdef0, or a map such as "us-east-1: subnet-…".`
    )
  if (!/[:=\s]/.test(raw)) {
    if (!SUBNET_ID.test(raw)) badId(raw)
    return SUBNET_ID.test(raw) && build ? { [build]: raw } : {}
  }
  const map = problems.attempt(() => parseMap('test-subnet-id', raw, false)) ?? {}
  const subnets: Record<string, string> = {}
  for (const [key, value] of Object.entries(map)) {
    const region = problems.attempt(() => aws.region('test-subnet-id', key))
    const id = String(value)
    if (!SUBNET_ID.test(id)) badId(id)
    else if (region && !tested.includes(region)) {
      problems.fail(
        'test-subnet-id',
        `names ${region}, where no AMI is tested (test-regions: ${tested.join(', ') || 'none'}). Remove it or add ${region} to test-regions.`
      )
    } else if (region) subnets[region] = id
  }
  return subnets
}

function readGroups({ input, problems }: Inputs, subnetGiven: boolean): string[] {
  const raw = input('test-security-group-ids')
  const ids = parseList(raw)
  for (const id of ids.filter((i) => !GROUP_ID.test(i))) {
    problems.fail(
      'test-security-group-ids',
      `${quote(id)} is not a security group ID. Write it like sg-0123456789abcdef0.`
    )
  }
  if (raw && !subnetGiven) {
    problems.fail(
      'test-security-group-ids',
      'works only where test-subnet-id names the subnet (a default subnet uses its VPC default group). Set test-subnet-id or remove test-security-group-ids.'
    )
  }
  return ids.filter((i) => GROUP_ID.test(i))
}

function readProfile({ input, problems }: Inputs): InstanceProfileRef | undefined {
  const raw = input('test-instance-profile')
  if (!raw) return undefined
  if (raw.startsWith('arn:')) {
    if (PROFILE_ARN.test(raw)) return { arn: raw }
  } else if (PROFILE_NAME.test(raw)) return { name: raw }
  problems.fail(
    'test-instance-profile',
    `${quote(raw)} is not an instance profile name or ARN. Write it like ssm-test or arn:aws:iam::123456789012:instance-profile/ssm-test.`
  )
  return undefined
}
