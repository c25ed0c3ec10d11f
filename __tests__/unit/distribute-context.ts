// Harness for the distribution tests: a RunContext whose clients are one SDK client per
// (account, region), each labelled "account/region" so a test can tell where a request went.
// aws-sdk-client-mock mocks the classes; `where(call)` reads the label of the client that sent it.
import { createPlanner } from '../../src/plan.js'
import { EC2Client, type Image as AwsImage } from '@aws-sdk/client-ec2'
import { KMSClient } from '@aws-sdk/client-kms'
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas'
import {
  GetParameterCommand,
  PutParameterCommand,
  SSMClient,
  SSMServiceException
} from '@aws-sdk/client-ssm'
import { STSClient } from '@aws-sdk/client-sts'
import type { Clients } from '../../src/aws/clients.js'
import type { Config, CopyAccount } from '../../src/config.js'
import type { RunContext } from '../../src/context.js'
import type { Image } from '../../src/types.js'
import { ACCOUNT, makeConfig, REGION } from './source-context.js'

export { ACCOUNT, REGION, awsError } from './source-context.js'

export const COPY_ACCOUNT: CopyAccount = {
  roleArn: 'arn:aws:iam::999988887777:role/ami-copier',
  accountId: '999988887777'
}

const labels = new WeakMap<object, string>()

/** "account/region" of the client that sent a mocked call (`call.thisValue`) or `getClient()`. */
export function where(clientOrCall: unknown): string {
  const client =
    (clientOrCall as { thisValue?: unknown }).thisValue ?? (clientOrCall as object | undefined)
  return labels.get(client as object) ?? 'unknown'
}

export interface Harness {
  ctx: RunContext
  logs: string[]
  roleErrors: Map<string, Error>
}

export function makeHarness(overrides: Partial<Config> = {}): Harness {
  const logs: string[] = []
  const roleErrors = new Map<string, Error>()
  const cache = new Map<string, object>()
  const memo = <T extends object>(key: string, make: () => T): T => {
    if (!cache.has(key)) {
      const client = make()
      labels.set(client, key)
      cache.set(key, client)
    }
    return cache.get(key) as T
  }
  const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' }
  const clients: Clients = {
    ec2: (region, account) =>
      memo(
        `${account?.accountId ?? ACCOUNT}/${region}`,
        () => new EC2Client({ region, credentials })
      ),
    ssm: async (region) =>
      memo(`ssm ${ACCOUNT}/${region}`, () => new SSMClient({ region, credentials })),
    kms: async (region, account) =>
      memo(
        `kms ${account?.accountId ?? ACCOUNT}/${region}`,
        () => new KMSClient({ region, credentials })
      ),
    serviceQuotas: async (region, account) =>
      memo(
        `quotas ${account?.accountId ?? ACCOUNT}/${region}`,
        () => new ServiceQuotasClient({ region, credentials })
      ),
    autoScaling: async () => {
      throw new Error('no Auto Scaling in these tests')
    },
    rbin: async () => {
      throw new Error('no Recycle Bin in these tests')
    },
    sts: async (region) => new STSClient({ region, credentials }),
    buildAccountId: async () => ACCOUNT,
    checkRole: async (account) => {
      const e = roleErrors.get(account.accountId)
      if (e) throw e
    },
    destroy: () => {}
  }
  let now = Date.parse('2026-01-02T03:04:05Z')
  const warnings: string[] = []
  const ctx: RunContext = {
    config: makeConfig({ pollIntervalMs: 0, ...overrides }),
    clients,
    log: {
      info: (m) => logs.push(`info: ${m}`),
      warning: (m) => logs.push(`warning: ${m}`),
      debug: (m) => logs.push(`debug: ${m}`)
    },
    sleep: async (ms) => {
      now += ms
    },
    now: () => new Date(now),
    signal: new AbortController().signal,
    runId: '9876543210-1-build',
    warnings,
    warn: (m) => {
      warnings.push(m)
      logs.push(`warn: ${m}`)
    },
    plan: createPlanner(Boolean(overrides.dryRun))
  }
  return { ctx, logs, roleErrors }
}

export function makeImage(overrides: Partial<Image> = {}): Image {
  return {
    id: 'ami-0source',
    name: 'golden-1',
    region: REGION,
    ownerId: ACCOUNT,
    accountId: ACCOUNT,
    description: 'Golden image',
    snapshots: [{ id: 'snap-0a', sizeGiB: 8, encrypted: false }],
    source: 'instance',
    reused: false,
    ...overrides
  }
}

/** DescribeImages answer for an available copy with `n` snapshots. */
export function availableImage(imageId: string, n = 1): AwsImage {
  return {
    ImageId: imageId,
    Name: 'golden-1',
    State: 'available',
    BlockDeviceMappings: Array.from({ length: n }, (_, i) => ({
      DeviceName: `/dev/xvd${'abcdefgh'[i]}`,
      Ebs: { SnapshotId: `snap-${imageId}-${i}`, VolumeSize: 8, Encrypted: false }
    }))
  }
}

/** Names of EC2/SSM commands that change state. */
export const MUTATING = [
  'ModifyImageAttributeCommand',
  'ModifySnapshotAttributeCommand',
  'CopyImageCommand',
  'DeregisterImageCommand',
  'EnableImageDeprecationCommand',
  'EnableImageDeregistrationProtectionCommand',
  'CreateTagsCommand',
  'PutParameterCommand'
]

/**
 * Parameter Store in memory for an SSM mock, per client ("ssm account/region"): PutParameter
 * stores the value (or, for names in `rejected`, drops it as SSM's asynchronous aws:ec2:image
 * validation does), GetParameter answers it. Returns the store, keyed "<client> <name>".
 */
export function fakeParameterStore(
  ssmMock: {
    on: (command: never) => {
      callsFake: (fn: (input: never, getClient: () => unknown) => unknown) => unknown
    }
  },
  rejected: string[] = []
): Map<string, string> {
  const values = new Map<string, string>()
  ssmMock
    .on(PutParameterCommand as never)
    .callsFake((input: { Name: string; Value: string }, getClient) => {
      if (!rejected.includes(input.Name))
        values.set(`${where(getClient())} ${input.Name}`, input.Value)
      return { Version: 1 }
    })
  ssmMock.on(GetParameterCommand as never).callsFake((input: { Name: string }, getClient) => {
    const value = values.get(`${where(getClient())} ${input.Name}`)
    if (value === undefined) {
      throw new SSMServiceException({
        name: 'ParameterNotFound',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: ''
      })
    }
    return { Parameter: { Name: input.Name, Value: value, DataType: 'aws:ec2:image' } }
  })
  return values
}
