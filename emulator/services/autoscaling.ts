// Auto Scaling (Query protocol, service `autoscaling`): DescribeAutoScalingGroups over seeded
// groups that name launch-template versions (API reference: DescribeAutoScalingGroups;
// user guide: "Use launch templates with Auto Scaling groups": a group without a Version uses
// `$Default`). The retirement phase reads which template versions a group can launch from.
import { randomUUID } from 'node:crypto'
import { AwsError, type Caller, type ServiceModule, type Sim } from '../types.js'
import { ec2State } from './ec2/state.js'

const XMLNS = 'http://autoscaling.amazonaws.com/doc/2011-01-01/'

export interface TemplateRef {
  launchTemplateId?: string
  launchTemplateName?: string
  /** `$Default` (the default when omitted), `$Latest` or a version number. */
  version?: string
}

interface Group {
  accountId: string
  region: string
  name: string
  arn: string
  launchTemplate?: TemplateRef
  /** MixedInstancesPolicy: the base template and per-override templates. */
  mixed?: {
    launchTemplate: TemplateRef
    overrides: { instanceType?: string; launchTemplate?: TemplateRef }[]
  }
  minSize: number
  maxSize: number
  desiredCapacity: number
  availabilityZones: string[]
  tags: { key: string; value: string; propagateAtLaunch: boolean }[]
  createdTime: number
}

export interface SeedGroup {
  accountId: string
  region: string
  name: string
  launchTemplate?: TemplateRef
  mixedInstancesPolicy?: {
    launchTemplate: TemplateRef
    overrides?: { instanceType?: string; launchTemplate?: TemplateRef }[]
  }
  minSize?: number
  maxSize?: number
  desiredCapacity?: number
  availabilityZones?: string[]
  tags?: Record<string, string>
}

function asgState(sim: Sim): { groups: Group[] } {
  return (sim.state.autoscaling ??= { groups: [] }) as { groups: Group[] }
}

function seedAutoScaling(data: unknown, sim: Sim) {
  const groups = ((data ?? {}) as { groups?: SeedGroup[] }).groups ?? []
  const s = asgState(sim)
  for (const g of groups) {
    if (!g.accountId || !g.region || !g.name)
      throw new AwsError(
        'InvalidSeed',
        'autoscaling seed: a group needs accountId, region and name'
      )
    s.groups = s.groups.filter(
      (x) => !(x.accountId === g.accountId && x.region === g.region && x.name === g.name)
    )
    s.groups.push({
      accountId: g.accountId,
      region: g.region,
      name: g.name,
      arn: `arn:aws:autoscaling:${g.region}:${g.accountId}:autoScalingGroup:${randomUUID()}:autoScalingGroupName/${g.name}`,
      launchTemplate: g.launchTemplate,
      mixed: g.mixedInstancesPolicy
        ? {
            launchTemplate: g.mixedInstancesPolicy.launchTemplate,
            overrides: g.mixedInstancesPolicy.overrides ?? []
          }
        : undefined,
      minSize: g.minSize ?? 1,
      maxSize: g.maxSize ?? 2,
      desiredCapacity: g.desiredCapacity ?? g.minSize ?? 1,
      availabilityZones: g.availabilityZones ?? [`${g.region}a`],
      tags: Object.entries(g.tags ?? {}).map(([key, value]) => ({
        key,
        value,
        propagateAtLaunch: true
      })),
      createdTime: sim.clock.now()
    })
  }
  return { groups: groups.map((g) => g.name) }
}

/** The template as DescribeAutoScalingGroups shows it: ID and name both, Version as configured. */
function templateXml(sim: Sim, group: Group, ref: TemplateRef) {
  const lt = Object.values(ec2State(sim).launchTemplates).find(
    (x) =>
      x.accountId === group.accountId &&
      x.region === group.region &&
      (x.launchTemplateId === ref.launchTemplateId || x.name === ref.launchTemplateName)
  )
  return {
    LaunchTemplateId: ref.launchTemplateId ?? lt?.launchTemplateId,
    LaunchTemplateName: ref.launchTemplateName ?? lt?.name,
    Version: ref.version ?? '$Default'
  }
}

function groupXml(sim: Sim, g: Group) {
  return {
    AutoScalingGroupName: g.name,
    AutoScalingGroupARN: g.arn,
    ...(g.launchTemplate ? { LaunchTemplate: templateXml(sim, g, g.launchTemplate) } : {}),
    ...(g.mixed
      ? {
          MixedInstancesPolicy: {
            LaunchTemplate: {
              LaunchTemplateSpecification: templateXml(sim, g, g.mixed.launchTemplate),
              Overrides: g.mixed.overrides.map((o) => ({
                ...(o.instanceType ? { InstanceType: o.instanceType } : {}),
                ...(o.launchTemplate
                  ? { LaunchTemplateSpecification: templateXml(sim, g, o.launchTemplate) }
                  : {})
              }))
            }
          }
        }
      : {}),
    MinSize: g.minSize,
    MaxSize: g.maxSize,
    DesiredCapacity: g.desiredCapacity,
    DefaultCooldown: 300,
    AvailabilityZones: g.availabilityZones,
    LoadBalancerNames: [],
    TargetGroupARNs: [],
    HealthCheckType: 'EC2',
    HealthCheckGracePeriod: 300,
    Instances: [],
    CreatedTime: new Date(g.createdTime),
    SuspendedProcesses: [],
    EnabledMetrics: [],
    Tags: g.tags.map((t) => ({
      ResourceId: g.name,
      ResourceType: 'auto-scaling-group',
      Key: t.key,
      Value: t.value,
      PropagateAtLaunch: t.propagateAtLaunch
    })),
    TerminationPolicies: ['Default'],
    NewInstancesProtectedFromScaleIn: false,
    ServiceLinkedRoleARN: `arn:aws:iam::${g.accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`
  }
}

/** `Prefix.member.1`, `Prefix.member.2`, … of a Query request. */
function members(params: Record<string, unknown>, prefix: string): string[] {
  const out: [number, string][] = []
  for (const [k, v] of Object.entries(params)) {
    const m = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.member\\.(\\d+)$`).exec(k)
    if (m) out.push([Number(m[1]), String(v)])
  }
  return out.sort((a, b) => a[0] - b[0]).map(([, v]) => v)
}

function validation(message: string): AwsError {
  return new AwsError('ValidationError', message)
}

// API reference: DescribeAutoScalingGroups (AutoScalingGroupNames, Filters tag-key / tag-value /
// tag:<key>, MaxRecords ≤ 100 (default 50), NextToken). Names that do not exist are left out.
function describeAutoScalingGroups(sim: Sim, caller: Caller, params: Record<string, unknown>) {
  const names = members(params, 'AutoScalingGroupNames')
  const filterIdx = new Set(
    Object.keys(params)
      .map((k) => /^Filters\.member\.(\d+)\./.exec(k)?.[1])
      .filter((x): x is string => !!x)
  )
  const fs = [...filterIdx].map((i) => ({
    name: String(params[`Filters.member.${i}.Name`] ?? ''),
    values: members(params, `Filters.member.${i}.Values`)
  }))
  const max = params.MaxRecords === undefined ? 50 : Number(params.MaxRecords)
  if (!Number.isInteger(max) || max < 1 || max > 100)
    throw validation(
      `1 validation error detected: Value '${String(params.MaxRecords)}' at 'maxRecords' failed to satisfy constraint: Member must have value less than or equal to 100`
    )
  const selected = asgState(sim)
    .groups.filter((g) => g.accountId === caller.accountId && g.region === caller.region)
    .filter((g) => !names.length || names.includes(g.name))
    .filter((g) =>
      fs.every((f) => {
        if (f.name === 'tag-key') return g.tags.some((t) => f.values.includes(t.key))
        if (f.name === 'tag-value') return g.tags.some((t) => f.values.includes(t.value))
        if (f.name.startsWith('tag:'))
          return g.tags.some((t) => t.key === f.name.slice(4) && f.values.includes(t.value))
        throw validation(`Filter name ${f.name} is not valid.`)
      })
    )
    .sort((a, b) => a.name.localeCompare(b.name))
  let offset = 0
  if (params.NextToken !== undefined) {
    offset = Number(Buffer.from(String(params.NextToken), 'base64').toString('utf8'))
    if (!Number.isInteger(offset) || offset < 0)
      throw new AwsError('InvalidNextToken', 'The token is invalid.')
  }
  const page = selected.slice(offset, offset + max)
  const next =
    offset + max < selected.length
      ? Buffer.from(String(offset + max)).toString('base64')
      : undefined
  return {
    AutoScalingGroups: page.map((g) => groupXml(sim, g)),
    ...(next ? { NextToken: next } : {})
  }
}

/** For the retirement phase's proofs: every template version the account's groups name. */
export function autoScalingTemplateRefs(
  sim: Sim,
  accountId: string,
  region: string
): TemplateRef[] {
  return asgState(sim)
    .groups.filter((g) => g.accountId === accountId && g.region === region)
    .flatMap((g) => [
      ...(g.launchTemplate ? [g.launchTemplate] : []),
      ...(g.mixed
        ? [
            g.mixed.launchTemplate,
            ...g.mixed.overrides.flatMap((o) => (o.launchTemplate ? [o.launchTemplate] : []))
          ]
        : [])
    ])
}

export const autoscaling: ServiceModule = {
  name: 'autoscaling',
  protocol: 'query',
  xmlns: XMLNS,
  handle(req, sim) {
    if (req.action === 'DescribeAutoScalingGroups')
      return describeAutoScalingGroups(sim, req.caller, req.params)
    throw new AwsError(
      'InvalidAction',
      `The action ${req.action} is not valid for this web service.`
    )
  },
  isMutating: () => false,
  seed: (data, sim) => seedAutoScaling(data, sim),
  snapshot: (sim) => asgState(sim).groups
}
