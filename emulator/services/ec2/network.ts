// VPCs, subnets and security groups per (account, region): the default VPC every account has
// (user guide: "Default VPCs": 172.31.0.0/16, one default /20 subnet per Availability Zone, a
// `default` security group), seeded ones, and DescribeVpcs / DescribeSubnets / DescribeSecurityGroups.
import { AwsError, type Caller, type Sim } from '../../types.js'
import { dryRunGate } from './access.js'
import { filters, globMatch, list, paginate, type Params, type Tag } from './params.js'
import { tagSet } from './render.js'

export interface Vpc {
  vpcId: string
  accountId: string
  region: string
  cidrBlock: string
  isDefault: boolean
  tags: Tag[]
}

export interface Subnet {
  subnetId: string
  vpcId: string
  accountId: string
  region: string
  availabilityZone: string
  cidrBlock: string
  defaultForAz: boolean
  mapPublicIpOnLaunch: boolean
  /**
   * Whether instances here reach the Systems Manager endpoints (a public IP with an internet
   * gateway, a NAT, or VPC endpoints). Without it the SSM Agent never registers
   * (user guide: "Troubleshooting managed node availability").
   */
  reachesSsm: boolean
  tags: Tag[]
}

export interface SecurityGroup {
  groupId: string
  groupName: string
  description: string
  vpcId: string
  accountId: string
  region: string
  tags: Tag[]
}

interface NetworkState {
  vpcs: Record<string, Vpc>
  subnets: Record<string, Subnet>
  securityGroups: Record<string, SecurityGroup>
  /** `${account}/${region}` → whether the default VPC was made (or deliberately left out). */
  defaults: Record<string, 'made' | 'none'>
}

function networkState(sim: Sim): NetworkState {
  return (sim.state.ec2Network ??= {
    vpcs: {},
    subnets: {},
    securityGroups: {},
    defaults: {}
  }) as NetworkState
}

const AZ_LETTERS = ['a', 'b', 'c']

/** The default VPC of (account, region), made on first use unless the seed removed it. */
function ensureDefaults(sim: Sim, accountId: string, region: string): void {
  const s = networkState(sim)
  const key = `${accountId}/${region}`
  if (s.defaults[key]) return
  s.defaults[key] = 'made'
  const vpcId = sim.newId('vpc')
  s.vpcs[vpcId] = {
    vpcId,
    accountId,
    region,
    cidrBlock: '172.31.0.0/16',
    isDefault: true,
    tags: []
  }
  AZ_LETTERS.forEach((letter, i) => {
    const subnetId = sim.newId('subnet')
    s.subnets[subnetId] = {
      subnetId,
      vpcId,
      accountId,
      region,
      availabilityZone: `${region}${letter}`,
      cidrBlock: `172.31.${i * 16}.0/20`,
      defaultForAz: true,
      mapPublicIpOnLaunch: true,
      reachesSsm: true,
      tags: []
    }
  })
  const groupId = sim.newId('sg')
  s.securityGroups[groupId] = {
    groupId,
    groupName: 'default',
    description: 'default VPC security group',
    vpcId,
    accountId,
    region,
    tags: []
  }
}

export interface SeedVpc {
  vpcId?: string
  accountId: string
  region: string
  cidrBlock?: string
  /** Replaces the default VPC of the (account, region). */
  isDefault?: boolean
  subnets?: {
    subnetId?: string
    availabilityZone?: string
    cidrBlock?: string
    tags?: Record<string, string>
    /** Default true; false: no route to the SSM endpoints, so the agent never registers. */
    reachesSsm?: boolean
  }[]
  securityGroups?: { groupId?: string; groupName: string; description?: string }[]
  tags?: Record<string, string>
}

const toTags = (t: Record<string, string> | undefined): Tag[] =>
  Object.entries(t ?? {}).map(([key, value]) => ({ key, value }))

/** Seed: extra VPCs (with subnets and groups), and (account, region) pairs without a default VPC. */
export function seedNetwork(
  sim: Sim,
  vpcs: SeedVpc[] = [],
  noDefaultVpc: { accountId: string; region: string }[] = []
) {
  const s = networkState(sim)
  const created = { vpcs: [] as string[], subnets: [] as string[], securityGroups: [] as string[] }
  for (const n of noDefaultVpc) s.defaults[`${n.accountId}/${n.region}`] = 'none'
  for (const v of vpcs) {
    if (!v.accountId || !v.region)
      throw new AwsError('InvalidSeed', 'ec2 seed: a VPC needs accountId and region')
    if (v.isDefault) s.defaults[`${v.accountId}/${v.region}`] = 'none'
    const vpcId = v.vpcId ?? sim.newId('vpc')
    s.vpcs[vpcId] = {
      vpcId,
      accountId: v.accountId,
      region: v.region,
      cidrBlock: v.cidrBlock ?? '10.0.0.0/16',
      isDefault: v.isDefault ?? false,
      tags: toTags(v.tags)
    }
    created.vpcs.push(vpcId)
    ;(v.subnets ?? []).forEach((sn, i) => {
      const subnetId = sn.subnetId ?? sim.newId('subnet')
      s.subnets[subnetId] = {
        subnetId,
        vpcId,
        accountId: v.accountId,
        region: v.region,
        availabilityZone: sn.availabilityZone ?? `${v.region}${AZ_LETTERS[i % 3]}`,
        cidrBlock: sn.cidrBlock ?? `10.0.${i}.0/24`,
        defaultForAz: v.isDefault ?? false,
        mapPublicIpOnLaunch: v.isDefault ?? false,
        reachesSsm: sn.reachesSsm ?? true,
        tags: toTags(sn.tags)
      }
      created.subnets.push(subnetId)
    })
    const groups = v.securityGroups ?? []
    if (!groups.some((g) => g.groupName === 'default'))
      groups.unshift({ groupName: 'default', description: 'default VPC security group' })
    for (const g of groups) {
      const groupId = g.groupId ?? sim.newId('sg')
      s.securityGroups[groupId] = {
        groupId,
        groupName: g.groupName,
        description: g.description ?? g.groupName,
        vpcId,
        accountId: v.accountId,
        region: v.region,
        tags: []
      }
      created.securityGroups.push(groupId)
    }
  }
  return created
}

function owned<T extends { accountId: string; region: string }>(
  sim: Sim,
  caller: Caller,
  items: Record<string, T>
): T[] {
  ensureDefaults(sim, caller.accountId, caller.region)
  return Object.values(items).filter(
    (x) => x.accountId === caller.accountId && x.region === caller.region
  )
}

/** A subnet by ID, whoever owns it (for the SSM reachability of its instances). */
export function subnetById(sim: Sim, subnetId: string): Subnet | undefined {
  return networkState(sim).subnets[subnetId]
}

export function defaultVpc(sim: Sim, caller: Caller): Vpc | undefined {
  return owned(sim, caller, networkState(sim).vpcs).find((v) => v.isDefault)
}

/** The subnet a launch uses: the named one, else the default VPC's first default subnet. */
export function launchSubnet(sim: Sim, caller: Caller, subnetId: string | undefined): Subnet {
  const subnets = owned(sim, caller, networkState(sim).subnets)
  if (subnetId) {
    const found = subnets.find((x) => x.subnetId === subnetId)
    // API reference: RunInstances / EC2 error codes: InvalidSubnetID.NotFound.
    if (!found)
      throw new AwsError('InvalidSubnetID.NotFound', `The subnet ID '${subnetId}' does not exist`)
    return found
  }
  const vpc = defaultVpc(sim, caller)
  const subnet = vpc && subnets.find((x) => x.vpcId === vpc.vpcId && x.defaultForAz)
  // EC2 error codes: VPCIdNotSpecified "You have no default VPC in which to carry out this request."
  if (!subnet) {
    throw new AwsError(
      'VPCIdNotSpecified',
      'No default VPC for this user. Specify a subnet with SubnetId.'
    )
  }
  return subnet
}

/** The groups a launch uses: by ID and/or name, in the subnet's VPC; none named → the VPC's default. */
export function launchSecurityGroups(
  sim: Sim,
  caller: Caller,
  subnet: Subnet,
  ids: string[],
  names: string[]
): SecurityGroup[] {
  const groups = owned(sim, caller, networkState(sim).securityGroups)
  const picked: SecurityGroup[] = []
  for (const id of ids) {
    const g = groups.find((x) => x.groupId === id)
    // EC2 error codes: InvalidGroup.NotFound.
    if (!g) throw new AwsError('InvalidGroup.NotFound', `The security group '${id}' does not exist`)
    if (g.vpcId !== subnet.vpcId) {
      throw new AwsError(
        'InvalidParameter',
        `Security group ${id} and subnet ${subnet.subnetId} belong to different networks.`
      )
    }
    picked.push(g)
  }
  for (const name of names) {
    const g = groups.find((x) => x.groupName === name && x.vpcId === subnet.vpcId)
    if (!g) {
      throw new AwsError(
        'InvalidGroup.NotFound',
        `The security group '${name}' does not exist in VPC '${subnet.vpcId}'`
      )
    }
    picked.push(g)
  }
  if (picked.length) return picked
  return groups.filter((x) => x.vpcId === subnet.vpcId && x.groupName === 'default')
}

function matches<T>(
  item: T,
  fs: { name: string; values: string[] }[],
  fields: Record<string, (x: T) => string[]>,
  tagsOf: (x: T) => Tag[]
): boolean {
  return fs.every((f) => {
    let values: string[]
    if (f.name.startsWith('tag:'))
      values = tagsOf(item)
        .filter((t) => t.key === f.name.slice(4))
        .map((t) => t.value)
    else if (f.name === 'tag-key') values = tagsOf(item).map((t) => t.key)
    else {
      const get = fields[f.name]
      if (!get) throw new AwsError('InvalidParameterValue', `The filter '${f.name}' is invalid`)
      values = get(item)
    }
    return f.values.some((p) => values.some((v) => globMatch(p, v)))
  })
}

function byIds<T>(
  all: T[],
  ids: string[],
  idOf: (x: T) => string,
  notFound: (id: string) => AwsError
): T[] {
  for (const id of ids) if (!all.some((x) => idOf(x) === id)) throw notFound(id)
  return ids.length ? all.filter((x) => ids.includes(idOf(x))) : all
}

// API reference: DescribeVpcs (VpcId.N, filters vpc-id, is-default, cidr, owner-id, tag:).
export function describeVpcs(sim: Sim, caller: Caller, params: Params) {
  const all = byIds(
    owned(sim, caller, networkState(sim).vpcs),
    list(params, 'VpcId'),
    (x) => x.vpcId,
    (id) => new AwsError('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`)
  )
  const fields: Record<string, (x: Vpc) => string[]> = {
    'vpc-id': (x) => [x.vpcId],
    'is-default': (x) => [String(x.isDefault)],
    cidr: (x) => [x.cidrBlock],
    'cidr-block-association.cidr-block': (x) => [x.cidrBlock],
    'owner-id': (x) => [x.accountId],
    state: () => ['available']
  }
  const fs = filters(params)
  const selected = all.filter((x) => matches(x, fs, fields, (v) => v.tags))
  dryRunGate(params)
  const { page, nextToken } = paginate('DescribeVpcs', selected, params, { min: 5, max: 1000 })
  return {
    vpcSet: page.map((v) => ({
      vpcId: v.vpcId,
      ownerId: v.accountId,
      state: 'available',
      cidrBlock: v.cidrBlock,
      dhcpOptionsId: 'dopt-0a1b2c3d',
      instanceTenancy: 'default',
      isDefault: v.isDefault,
      ...(v.tags.length ? { tagSet: tagSet(v.tags) } : {})
    })),
    ...(nextToken ? { nextToken } : {})
  }
}

// API reference: DescribeSubnets (SubnetId.N, filters subnet-id, vpc-id, default-for-az,
// availability-zone, cidr-block, tag:); an unknown ID is InvalidSubnetID.NotFound.
export function describeSubnets(sim: Sim, caller: Caller, params: Params) {
  const all = byIds(
    owned(sim, caller, networkState(sim).subnets),
    list(params, 'SubnetId'),
    (x) => x.subnetId,
    (id) => new AwsError('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`)
  )
  const fields: Record<string, (x: Subnet) => string[]> = {
    'subnet-id': (x) => [x.subnetId],
    'vpc-id': (x) => [x.vpcId],
    'default-for-az': (x) => [String(x.defaultForAz)],
    defaultForAz: (x) => [String(x.defaultForAz)],
    'availability-zone': (x) => [x.availabilityZone],
    availabilityZone: (x) => [x.availabilityZone],
    'cidr-block': (x) => [x.cidrBlock],
    'owner-id': (x) => [x.accountId],
    state: () => ['available']
  }
  const fs = filters(params)
  const selected = all.filter((x) => matches(x, fs, fields, (v) => v.tags))
  dryRunGate(params)
  const { page, nextToken } = paginate('DescribeSubnets', selected, params, { min: 5, max: 1000 })
  return {
    subnetSet: page.map((x) => ({
      subnetId: x.subnetId,
      subnetArn: `arn:aws:ec2:${x.region}:${x.accountId}:subnet/${x.subnetId}`,
      state: 'available',
      ownerId: x.accountId,
      vpcId: x.vpcId,
      cidrBlock: x.cidrBlock,
      availableIpAddressCount: 4091,
      availabilityZone: x.availabilityZone,
      availabilityZoneId: `${x.region.replace(/-/g, '').slice(0, 4)}-az${AZ_LETTERS.indexOf(x.availabilityZone.slice(-1)) + 1}`,
      defaultForAz: x.defaultForAz,
      mapPublicIpOnLaunch: x.mapPublicIpOnLaunch,
      ...(x.tags.length ? { tagSet: tagSet(x.tags) } : {})
    })),
    ...(nextToken ? { nextToken } : {})
  }
}

// API reference: DescribeSecurityGroups (GroupId.N, GroupName.N, filters group-id, group-name, vpc-id).
export function describeSecurityGroups(sim: Sim, caller: Caller, params: Params) {
  const s = networkState(sim)
  const all = owned(sim, caller, s.securityGroups)
  const ids = list(params, 'GroupId')
  const names = list(params, 'GroupName')
  for (const id of ids)
    if (!all.some((g) => g.groupId === id))
      throw new AwsError('InvalidGroup.NotFound', `The security group '${id}' does not exist`)
  const vpc = defaultVpc(sim, caller)
  for (const name of names) {
    // By name, EC2 looks in the default VPC.
    if (!all.some((g) => g.groupName === name && g.vpcId === vpc?.vpcId)) {
      throw new AwsError(
        'InvalidGroup.NotFound',
        `The security group '${name}' does not exist in default VPC '${vpc?.vpcId ?? 'none'}'`
      )
    }
  }
  const fields: Record<string, (x: SecurityGroup) => string[]> = {
    'group-id': (x) => [x.groupId],
    'group-name': (x) => [x.groupName],
    'vpc-id': (x) => [x.vpcId],
    'owner-id': (x) => [x.accountId],
    description: (x) => [x.description]
  }
  const fs = filters(params)
  const selected = all
    .filter((g) => !ids.length || ids.includes(g.groupId))
    .filter((g) => !names.length || (names.includes(g.groupName) && g.vpcId === vpc?.vpcId))
    .filter((g) => matches(g, fs, fields, (x) => x.tags))
  dryRunGate(params)
  const { page, nextToken } = paginate('DescribeSecurityGroups', selected, params, {
    min: 5,
    max: 1000
  })
  return {
    securityGroupInfo: page.map((g) => ({
      ownerId: g.accountId,
      groupId: g.groupId,
      groupName: g.groupName,
      groupDescription: g.description,
      vpcId: g.vpcId,
      securityGroupArn: `arn:aws:ec2:${g.region}:${g.accountId}:security-group/${g.groupId}`,
      ipPermissions: [],
      ipPermissionsEgress: [
        {
          ipProtocol: '-1',
          ipRanges: [{ cidrIp: '0.0.0.0/0' }],
          groups: [],
          ipv6Ranges: [],
          prefixListIds: []
        }
      ],
      ...(g.tags.length ? { tagSet: tagSet(g.tags) } : {})
    })),
    ...(nextToken ? { nextToken } : {})
  }
}

export function networkSnapshot(sim: Sim) {
  const s = networkState(sim)
  return {
    vpcs: Object.values(s.vpcs),
    subnets: Object.values(s.subnets),
    securityGroups: Object.values(s.securityGroups)
  }
}
