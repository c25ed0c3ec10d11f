// Where the test instance goes: the subnet test-subnet-id names for the region (and its security
// groups), else a default subnet of the region's default VPC with that VPC's default group. Both
// are judged by AWS with read-only calls before anything is launched (EC2 API reference,
// DescribeSubnets / DescribeSecurityGroups; "Default VPCs" in the VPC user guide).
import {
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  type EC2Client
} from '@aws-sdk/client-ec2'
import { errorCode } from '../aws/errors.js'
import type { TestConfig } from '../config.js'
import { InputError } from '../errors.js'

export interface Placement {
  subnetId: string
  vpcId?: string
  /** Empty: the VPC's default group (RunInstances' default). */
  securityGroupIds: string[]
}

/** `account`: where it is looked up, for the messages ("account 4444… (test-account-role)"). */
export async function resolvePlacement(
  ec2: EC2Client,
  region: string,
  test: TestConfig,
  account: string
): Promise<Placement> {
  const named = test.subnets[region]
  if (!named) return defaultSubnet(ec2, region, account)
  let subnet
  try {
    const { Subnets = [] } = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [named] }))
    subnet = Subnets[0]
  } catch (e) {
    if (errorCode(e) !== 'InvalidSubnetID.NotFound') throw e
  }
  if (!subnet?.SubnetId) {
    throw new InputError(
      'test-subnet-id',
      `test-subnet-id: subnet ${named} does not exist in ${region} (${account}). Give a subnet of that region and account.`
    )
  }
  const groups = test.securityGroupIds
  if (groups.length > 0) await checkGroups(ec2, region, groups, subnet.VpcId, account)
  return { subnetId: subnet.SubnetId, vpcId: subnet.VpcId, securityGroupIds: groups }
}

async function defaultSubnet(ec2: EC2Client, region: string, account: string): Promise<Placement> {
  const { Subnets = [] } = await ec2.send(
    new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] })
  )
  const subnet = Subnets.filter((s) => s.State !== 'pending' && s.SubnetId).sort((a, b) =>
    (a.AvailabilityZone ?? '').localeCompare(b.AvailabilityZone ?? '')
  )[0]
  if (!subnet) {
    throw new InputError(
      'test-subnet-id',
      `test-subnet-id: ${region} (${account}) has no default VPC with a default subnet, so the test instance has nowhere to go. Set test-subnet-id (one ID, or a map such as "${region}: subnet-…").`
    )
  }
  return { subnetId: subnet.SubnetId!, vpcId: subnet.VpcId, securityGroupIds: [] }
}

async function checkGroups(
  ec2: EC2Client,
  region: string,
  ids: string[],
  vpcId: string | undefined,
  account: string
): Promise<void> {
  let found: { GroupId?: string; VpcId?: string }[] = []
  try {
    found =
      (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ids }))).SecurityGroups ?? []
  } catch (e) {
    if (errorCode(e) !== 'InvalidGroup.NotFound') throw e
  }
  const missing = ids.filter((id) => !found.some((g) => g.GroupId === id))
  if (missing.length > 0) {
    throw new InputError(
      'test-security-group-ids',
      `test-security-group-ids: ${missing.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist in ${region} (${account}). Give groups of the test subnet's VPC.`
    )
  }
  const elsewhere = found.filter((g) => vpcId && g.VpcId !== vpcId).map((g) => g.GroupId)
  if (elsewhere.length > 0) {
    throw new InputError(
      'test-security-group-ids',
      `test-security-group-ids: ${elsewhere.join(', ')} ${elsewhere.length === 1 ? 'is' : 'are'} not in ${vpcId}, the VPC of the test subnet in ${region}. Give groups of that VPC.`
    )
  }
}
