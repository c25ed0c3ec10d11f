// A small in-memory EC2 for the prune tests: images per (account, region), references, and the
// calls each scope received. Each scope gets its own EC2Client whose `send` is mocked, so tests
// can tell which account and region a request went to.
import { createPlanner } from '../../src/plan.js'
import { jest } from '@jest/globals'
import {
  DeleteSnapshotCommand,
  DeregisterImageCommand,
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
  private clients = new Map<string, EC2Client>()

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
    return this.calls.filter((c) => !/^Describe/.test(c.action))
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
    this.clients.set(key, client)
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
      : { family: FAMILY, keep: 2, skipInUse: true, dryRun: false, ...options.prune }
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
