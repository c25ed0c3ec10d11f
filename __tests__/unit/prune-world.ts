// A small in-memory EC2 for the prune tests: images per (account, region), references, and the
// calls each scope received. Each scope gets its own EC2Client whose `send` is mocked, so tests
// can tell which account and region a request went to.
import { createPlanner } from '../../src/plan.js'
import { jest } from '@jest/globals'
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling'
import { GetRuleCommand, ListRulesCommand, RbinClient } from '@aws-sdk/client-rbin'
import {
  CreateImageUsageReportCommand,
  CreateTagsCommand,
  DeleteImageUsageReportCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImageAttributeCommand,
  DescribeImageUsageReportEntriesCommand,
  DescribeImageUsageReportsCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DisableImageCommand,
  type LaunchPermission,
  DescribeImageReferencesCommand,
  DescribeImagesCommand,
  EC2Client,
  type DescribeImageReferencesCommandInput,
  type DescribeImagesCommandInput,
  type Image as Ec2Image
} from '@aws-sdk/client-ec2'
import { mockClient } from 'aws-sdk-client-mock'
import type { Clients } from '../../src/aws/clients.js'
import type { Config, CopyAccount, PruneConfig } from '../../src/config.js'
import type { RunContext } from '../../src/context.js'
import type { Fleet, Image } from '../../src/types.js'

export const BUILD = '111111111111'
export const OTHER = '222222222222'
export const FOREIGN = '999999999999'
export const FAMILY = 'web'
export const NOW = new Date('2026-06-01T00:00:00Z')
export const DAY = 86_400_000

export interface Call {
  account: string
  region: string
  action: string
  input: Record<string, unknown>
}

export class AwsError extends Error {
  constructor(code: string, message: string) {
    super(message)
    this.name = code
  }
}

export class World {
  images = new Map<string, Ec2Image[]>()
  references = new Map<string, { Arn: string; ResourceType: string }[]>()
  calls: Call[] = []
  /** image ID -> error DeregisterImage throws for it. */
  deregisterErrors = new Map<string, Error>()
  /** scope key -> error DescribeImages throws there. */
  listErrors = new Map<string, Error>()
  referenceError?: Error
  /** Images per DescribeImages page when the request sets no smaller MaxResults. */
  pageSize = 1000
  referencePageSize = 3
  /** image ID -> its lastLaunchedTime (absent: never launched). */
  lastLaunched = new Map<string, string>()
  /** image ID -> its launch permissions. */
  permissions = new Map<string, LaunchPermission[]>()
  /** image ID -> consumer-account use an image usage report finds. */
  usage = new Map<string, { AccountId: string; ResourceType: string; UsageCount: number }[]>()
  /** Recycle Bin rules of every scope. */
  rules: { Identifier: string; ResourceType: string; days: number }[] = []
  /**
   * Launch templates by ID: their versions' AMIs (version n = index n-1) and default version.
   * A template only references name is one version, default and latest, using every AMI
   * that names it.
   */
  templates = new Map<string, { name: string; versions: string[]; defaultVersion: number }>()
  /** Auto Scaling groups' launch templates (by ID) and versions. */
  groups: { LaunchTemplateId: string; Version?: string }[] = []
  /** Images whose DescribeImageAttribute fails (launchPermission / lastLaunchedTime). */
  permissionErrors = new Set<string>()
  lastLaunchErrors = new Set<string>()
  private reports = new Map<string, string>()

  /** A usage report of this AMI made earlier (within the last 24 hours). */
  seedReport(imageId: string): void {
    this.reports.set(`amiur-seed-${imageId}`, imageId)
  }
  private clients = new Map<string, EC2Client>()
  private others = new Map<string, object>()

  add(account: string, region: string, image: Ec2Image): void {
    const key = `${account}/${region}`
    this.images.set(key, [...(this.images.get(key) ?? []), image])
  }

  imagesIn(account: string, region: string): Ec2Image[] {
    return this.images.get(`${account}/${region}`) ?? []
  }

  callsOf(action: string): Call[] {
    return this.calls.filter((c) => c.action === action)
  }

  mutatingCalls(): Call[] {
    return this.calls.filter((c) => !/^(Describe|List|Get)/.test(c.action))
  }

  client(region: string, account: string): EC2Client {
    const key = `${account}/${region}`
    let client = this.clients.get(key)
    if (client) return client
    client = new EC2Client({
      region,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' }
    })
    const mock = mockClient(client)
    const record = (action: string, input: object): void => {
      this.calls.push({ account, region, action, input: { ...input } })
    }
    mock.on(DescribeImagesCommand).callsFake((input: DescribeImagesCommandInput) => {
      record('DescribeImages', input)
      const error = this.listErrors.get(key)
      if (error) throw error
      const all = this.imagesIn(account, region)
      const size = Math.min(input.MaxResults ?? this.pageSize, this.pageSize)
      const start = input.NextToken ? Number(input.NextToken) : 0
      const end = start + size
      return {
        Images: all.slice(start, end),
        NextToken: end < all.length ? String(end) : undefined
      }
    })
    mock
      .on(DescribeImageReferencesCommand)
      .callsFake((input: DescribeImageReferencesCommandInput) => {
        record('DescribeImageReferences', input)
        if (this.referenceError) throw this.referenceError
        if ((input.ImageIds ?? []).length > 10) {
          throw new AwsError('InvalidParameterValue', 'at most 10 image IDs')
        }
        const all = (input.ImageIds ?? []).flatMap((id) =>
          (this.references.get(id) ?? []).map((r) => ({ ImageId: id, ...r }))
        )
        const start = input.NextToken ? Number(input.NextToken) : 0
        const end = start + this.referencePageSize
        return {
          ImageReferences: all.slice(start, end),
          NextToken: end < all.length ? String(end) : undefined
        }
      })
    mock.on(DeregisterImageCommand).callsFake((input: { ImageId?: string }) => {
      record('DeregisterImage', input)
      const error = this.deregisterErrors.get(input.ImageId ?? '')
      if (error) throw error
      const list = this.imagesIn(account, region)
      const image = list.find((i) => i.ImageId === input.ImageId)
      if (!image)
        throw new AwsError(
          'InvalidAMIID.NotFound',
          `The image id '[${input.ImageId}]' does not exist`
        )
      const rest = list.filter((i) => i !== image)
      this.images.set(key, rest)
      const stillUsed = new Set(
        rest.flatMap((i) => (i.BlockDeviceMappings ?? []).map((m) => m.Ebs?.SnapshotId))
      )
      return {
        Return: true,
        DeleteSnapshotResults: (image.BlockDeviceMappings ?? [])
          .map((m) => m.Ebs?.SnapshotId)
          .filter((id): id is string => !!id)
          .map((id) => ({ SnapshotId: id, ReturnCode: stillUsed.has(id) ? 'skipped' : 'success' }))
      }
    })
    mock.on(DeleteSnapshotCommand).callsFake((input: object) => {
      record('DeleteSnapshot', input)
      return {}
    })
    const image = (id: string | undefined): Ec2Image => {
      const found = this.imagesIn(account, region).find((i) => i.ImageId === id)
      if (!found)
        throw new AwsError('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`)
      return found
    }
    mock
      .on(DescribeImageAttributeCommand)
      .callsFake((input: { ImageId?: string; Attribute?: string }) => {
        record('DescribeImageAttribute', input)
        image(input.ImageId)
        const id = input.ImageId ?? ''
        if (input.Attribute === 'lastLaunchedTime') {
          if (this.lastLaunchErrors.has(id)) throw new AwsError('RequestLimitExceeded', 'slow down')
          const at = this.lastLaunched.get(id)
          return { ImageId: id, ...(at && { LastLaunchedTime: { Value: at } }) }
        }
        if (this.permissionErrors.has(id)) throw new AwsError('RequestLimitExceeded', 'slow down')
        return { ImageId: id, LaunchPermissions: this.permissions.get(id) ?? [] }
      })
    const template = (id: string) =>
      this.templates.get(id) ?? {
        name: id,
        versions: [...this.references]
          .filter(([, refs]) => refs.some((r) => r.Arn.endsWith(`/${id}`)))
          .map(([imageId]) => imageId),
        defaultVersion: 1
      }
    mock.on(DescribeLaunchTemplatesCommand).callsFake((input: { LaunchTemplateIds?: string[] }) => {
      record('DescribeLaunchTemplates', input)
      return {
        LaunchTemplates: (input.LaunchTemplateIds ?? []).map((id) => {
          const t = template(id)
          return {
            LaunchTemplateId: id,
            LaunchTemplateName: t.name,
            DefaultVersionNumber: t.defaultVersion,
            LatestVersionNumber: t.versions.length
          }
        })
      }
    })
    mock
      .on(DescribeLaunchTemplateVersionsCommand)
      .callsFake((input: { LaunchTemplateId?: string; Versions?: string[] }) => {
        record('DescribeLaunchTemplateVersions', input)
        const t = template(input.LaunchTemplateId ?? '')
        const numbers = (input.Versions ?? []).map((v) =>
          v === '$Default' ? t.defaultVersion : v === '$Latest' ? t.versions.length : Number(v)
        )
        // A template the world derived from references: every version is launchable.
        const derived = !this.templates.has(input.LaunchTemplateId ?? '')
        return {
          LaunchTemplateVersions: (derived ? t.versions.map((_, i) => i + 1) : numbers).map(
            (n) => ({
              LaunchTemplateId: input.LaunchTemplateId,
              VersionNumber: n,
              LaunchTemplateData: { ImageId: t.versions[n - 1] }
            })
          )
        }
      })
    mock.on(CreateImageUsageReportCommand).callsFake((input: { ImageId?: string }) => {
      record('CreateImageUsageReport', input)
      const id = `amiur-${this.reports.size + 1}`
      this.reports.set(id, input.ImageId ?? '')
      return { ReportId: id }
    })
    mock
      .on(DescribeImageUsageReportsCommand)
      .callsFake((input: { ReportIds?: string[]; ImageIds?: string[] }) => {
        record('DescribeImageUsageReports', input)
        return {
          ImageUsageReports: [...this.reports]
            .filter(
              ([r, i]) =>
                (input.ReportIds ?? [r]).includes(r) && (input.ImageIds ?? [i]).includes(i)
            )
            .map(([ReportId, ImageId]) => ({
              ReportId,
              ImageId,
              State: 'available',
              CreationTime: NOW,
              ResourceTypes: [
                { ResourceType: 'ec2:Instance' },
                { ResourceType: 'ec2:LaunchTemplate' }
              ]
            }))
        }
      })
    mock.on(DescribeImageUsageReportEntriesCommand).callsFake((input: { ReportIds?: string[] }) => {
      record('DescribeImageUsageReportEntries', input)
      const imageId = this.reports.get(input.ReportIds?.[0] ?? '') ?? ''
      return {
        ImageUsageReportEntries: (this.usage.get(imageId) ?? []).map((e) => ({
          ...e,
          ImageId: imageId,
          ReportId: input.ReportIds?.[0]
        }))
      }
    })
    mock.on(DeleteImageUsageReportCommand).callsFake((input: { ReportId?: string }) => {
      record('DeleteImageUsageReport', input)
      this.reports.delete(input.ReportId ?? '')
      return { Return: true }
    })
    mock.on(DisableImageCommand).callsFake((input: { ImageId?: string }) => {
      record('DisableImage', input)
      const found = image(input.ImageId)
      found.State = 'disabled'
      this.permissions.delete(input.ImageId ?? '')
      return { Return: true }
    })
    mock
      .on(CreateTagsCommand)
      .callsFake((input: { Resources?: string[]; Tags?: { Key?: string; Value?: string }[] }) => {
        record('CreateTags', input)
        for (const id of input.Resources ?? []) {
          const found = image(id)
          found.Tags = [...(found.Tags ?? []), ...(input.Tags ?? [])]
        }
        return {}
      })
    this.clients.set(key, client)
    return client
  }

  rbin(region: string, account: string): RbinClient {
    const key = `rbin ${account}/${region}`
    const existing = this.others.get(key) as RbinClient | undefined
    if (existing) return existing
    const client = new RbinClient({
      region,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' }
    })
    // The old rbin client's types do not fit aws-sdk-client-mock's; its runtime does.
    const mock = mockClient(client as unknown as EC2Client) as unknown as ReturnType<
      typeof mockClient
    >
    mock.on(ListRulesCommand as never).callsFake((input: { ResourceType?: string }) => {
      this.calls.push({ account, region, action: 'ListRules', input: { ...input } })
      return {
        Rules: this.rules
          .filter((r) => r.ResourceType === input.ResourceType)
          .map((r) => ({ Identifier: r.Identifier }))
      }
    })
    mock.on(GetRuleCommand as never).callsFake((input: { Identifier?: string }) => {
      this.calls.push({ account, region, action: 'GetRule', input: { ...input } })
      const r = this.rules.find((x) => x.Identifier === input.Identifier)!
      return {
        Identifier: r.Identifier,
        ResourceType: r.ResourceType,
        RetentionPeriod: { RetentionPeriodValue: r.days, RetentionPeriodUnit: 'DAYS' },
        Status: 'available'
      }
    })
    this.others.set(key, client)
    return client
  }

  autoScaling(region: string, account: string): AutoScalingClient {
    const key = `asg ${account}/${region}`
    const existing = this.others.get(key) as AutoScalingClient | undefined
    if (existing) return existing
    const client = new AutoScalingClient({
      region,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' }
    })
    mockClient(client)
      .on(DescribeAutoScalingGroupsCommand)
      .callsFake(() => ({
        AutoScalingGroups: this.groups.map((g, i) => ({
          AutoScalingGroupName: `asg-${i}`,
          LaunchTemplate: g
        }))
      }))
    this.others.set(key, client)
    return client
  }
}

let counter = 0
/** An AMI as DescribeImages returns it. */
export function ami(
  fields: {
    id?: string
    owner?: string
    family?: string | null
    created?: Date
    state?: string
    keep?: string
    protection?: string
    snapshots?: { id: string; size: number }[]
    tags?: Record<string, string>
  } = {}
): Ec2Image {
  const id = fields.id ?? `ami-${(++counter).toString(16).padStart(8, '0')}`
  const tags: Record<string, string> = { ...fields.tags }
  if (fields.family !== null) tags['ami-share-action:family'] = fields.family ?? FAMILY
  if (fields.keep !== undefined) tags['ami-share-action:keep'] = fields.keep
  return {
    ImageId: id,
    Name: `name-${id}`,
    OwnerId: fields.owner ?? BUILD,
    State: (fields.state ?? 'available') as Ec2Image['State'],
    CreationDate: (fields.created ?? new Date(NOW.getTime() - 30 * DAY)).toISOString(),
    DeregistrationProtection: fields.protection,
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    BlockDeviceMappings: (fields.snapshots ?? [{ id: `snap-${id.slice(4)}`, size: 8 }]).map(
      (s, i) => ({
        DeviceName: `/dev/xvd${String.fromCharCode(97 + i)}`,
        Ebs: { SnapshotId: s.id, VolumeSize: s.size }
      })
    )
  }
}

export function daysAgo(days: number): Date {
  return new Date(NOW.getTime() - days * DAY)
}

export interface ContextOptions {
  prune?: Partial<PruneConfig> | null
  dryRun?: boolean
  regions?: string[]
  accounts?: string[]
  family?: string
  aborted?: boolean
}

export function roleOf(account: string): CopyAccount {
  return { accountId: account, roleArn: `arn:aws:iam::${account}:role/ami-copy` }
}

export function makeContext(
  world: World,
  options: ContextOptions = {}
): RunContext & {
  sleep: jest.Mock<(ms: number) => Promise<void>>
} {
  const prune: PruneConfig | undefined =
    options.prune === null
      ? undefined
      : {
          family: FAMILY,
          keep: 2,
          skipInUse: true,
          dryRun: false,
          retire: { action: 'deregister', requireRecycleBin: false },
          ...options.prune
        }
  const config = {
    region: 'us-east-1',
    family: 'family' in options ? options.family : FAMILY,
    tags: {},
    copy: {
      regions: options.regions ?? [],
      accounts: (options.accounts ?? []).map(roleOf),
      regionKmsKeyIds: {}
    },
    prune,
    dryRun: options.dryRun ?? false
  } as unknown as Config
  const clients = {
    ec2: (region: string, account?: CopyAccount) =>
      world.client(region, account?.accountId ?? BUILD),
    rbin: async (region: string, account?: CopyAccount) =>
      world.rbin(region, account?.accountId ?? BUILD),
    autoScaling: async (region: string, account?: CopyAccount) =>
      world.autoScaling(region, account?.accountId ?? BUILD),
    buildAccountId: async () => BUILD
  } as unknown as Clients
  const controller = new AbortController()
  if (options.aborted) controller.abort()
  const warnings: string[] = []
  return {
    config,
    clients,
    log: { info: jest.fn(), warning: jest.fn(), debug: jest.fn() },
    sleep: jest.fn(async (_ms: number) => {}),
    now: () => NOW,
    signal: controller.signal,
    runId: 'test-run',
    warnings,
    warn: (message: string) => {
      warnings.push(message)
    },
    plan: createPlanner(config.dryRun)
  }
}

export function thisRunImage(id = 'ami-new', fields: Partial<Image> = {}): Image {
  return {
    id,
    name: 'web-new',
    region: 'us-east-1',
    ownerId: BUILD,
    accountId: BUILD,
    snapshots: [{ id: 'snap-new', sizeGiB: 8, encrypted: false }],
    source: 'instance',
    reused: false,
    creationDate: NOW,
    ...fields
  }
}

export function fleetOf(members: { id: string; account: string; region: string }[]): Fleet {
  return {
    members: members.map((m) => ({
      accountId: m.account,
      region: m.region,
      imageId: m.id,
      name: `copy-${m.id}`,
      role: 'copy' as const,
      state: 'available' as const,
      reused: false,
      snapshots: [{ id: `snap-${m.id}`, sizeGiB: 8, encrypted: false }]
    }))
  }
}
