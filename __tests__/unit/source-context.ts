// Test harness for the sources, wait and post tests: a RunContext with a fake clock whose sleep
// advances time instantly, SDK clients mocked by aws-sdk-client-mock, and AWS-shaped errors.
import { createPlanner } from '../../src/plan.js'
import { EC2Client, EC2ServiceException } from '@aws-sdk/client-ec2'
import { KMSClient } from '@aws-sdk/client-kms'
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas'
import { SSMClient } from '@aws-sdk/client-ssm'
import { STSClient } from '@aws-sdk/client-sts'
import type { Clients } from '../../src/aws/clients.js'
import type { Config } from '../../src/config.js'
import { CancelledError, type RunContext } from '../../src/context.js'

export const ACCOUNT = '111122223333'
export const OTHER_ACCOUNT = '444455556666'
export const REGION = 'eu-west-1'
export const T0 = new Date('2026-01-02T03:04:05Z')

export function makeConfig(overrides: Partial<Config> = {}): Config {
  return {
    source: {
      kind: 'instance',
      instanceId: 'i-0123456789abcdef0',
      noReboot: false,
      amiName: overrides.amiName ?? 'golden-20260102030405'
    },
    region: REGION,
    amiName: 'golden-20260102030405',
    tags: {},
    ifExists: 'fail',
    share: {
      accounts: [],
      organizations: [],
      organizationalUnits: [],
      public: false,
      snapshots: false,
      mode: 'add'
    },
    copy: { regions: [], accounts: [], regionKmsKeyIds: {} },
    deregistrationProtection: false,
    timeoutMinutes: 120,
    dryRun: false,
    comment: { enabled: false, header: 'golden' },
    pollIntervalMs: 5000,
    ...overrides
  }
}

export interface TestContext {
  ctx: RunContext
  controller: AbortController
  /** Every log line, prefixed with its level. */
  logs: string[]
  /** Durations passed to ctx.sleep. */
  sleeps: number[]
  /** Called at each sleep (before time advances): tests abort or inspect here. */
  onSleep?: (n: number) => void
}

export function makeContext(overrides: Partial<Config> = {}): TestContext {
  const controller = new AbortController()
  const logs: string[] = []
  const sleeps: number[] = []
  let now = T0.getTime()
  const clients: Clients = {
    ec2: (region) => new EC2Client({ region }),
    autoScaling: async () => {
      throw new Error('no Auto Scaling in these tests')
    },
    rbin: async () => {
      throw new Error('no Recycle Bin in these tests')
    },
    ssm: async (region) => new SSMClient({ region }),
    kms: async (region) => new KMSClient({ region }),
    serviceQuotas: async (region) => new ServiceQuotasClient({ region }),
    sts: async (region) => new STSClient({ region }),
    buildAccountId: async () => ACCOUNT,
    checkRole: async () => {},
    destroy: () => {}
  }
  const test: TestContext = {
    controller,
    logs,
    sleeps,
    ctx: {
      config: makeConfig(overrides),
      clients,
      log: {
        info: (m) => logs.push(`info: ${m}`),
        warning: (m) => logs.push(`warning: ${m}`),
        debug: (m) => logs.push(`debug: ${m}`)
      },
      async sleep(ms) {
        sleeps.push(ms)
        test.onSleep?.(sleeps.length)
        if (controller.signal.aborted) throw new CancelledError()
        now += ms
      },
      now: () => new Date(now),
      signal: controller.signal,
      runId: '9876543210-1-build',
      warnings: [],
      warn(message) {
        test.ctx.warnings.push(message)
        logs.push(`warn: ${message}`)
      },
      plan: createPlanner(Boolean(overrides.dryRun))
    }
  }
  return test
}

/** An SDK service exception with this code, as the SDK throws it after its retries. */
export function awsError(code: string, message = code, httpStatusCode = 400): Error {
  return new EC2ServiceException({
    name: code,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode, attempts: 10 },
    message
  })
}
