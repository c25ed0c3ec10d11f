// One SDK client per (service, account, region). The build account uses the default credential
// chain; a copy account uses credentials from STS AssumeRole on its role. Endpoints are never set
// here: the SDK honours AWS_ENDPOINT_URL itself (that is how the emulator is reached).
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling'
import { EC2Client } from '@aws-sdk/client-ec2'
import type { KMSClient } from '@aws-sdk/client-kms'
import type { RbinClient } from '@aws-sdk/client-rbin'
import type { ServiceQuotasClient } from '@aws-sdk/client-service-quotas'
import type { SSMClient } from '@aws-sdk/client-ssm'
import type { STSClient } from '@aws-sdk/client-sts'
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types'
import type { CopyAccount } from '../config.js'

export const USER_AGENT = 'ami-share-action/1'

/**
 * Lazy loading. Every run needs EC2, so it is imported statically; each other SDK package is
 * loaded on a run's first use of it: ncc puts a dynamic import() in its own chunk file, which
 * Node parses and compiles only then (client-ec2 alone is most of the start-up). Callers take
 * the client and their command classes from the same loader:
 *   const { PutParameterCommand } = await sdk.ssm(); await (await ctx.clients.ssm(r)).send(...)
 * A new service: one loader here, one async accessor in Clients, `import type` for its types.
 */
export const sdk = {
  ssm: () => import('@aws-sdk/client-ssm'),
  kms: () => import('@aws-sdk/client-kms'),
  serviceQuotas: () => import('@aws-sdk/client-service-quotas'),
  sts: () => import('@aws-sdk/client-sts'),
  autoScaling: () => import('@aws-sdk/client-auto-scaling'),
  rbin: () => import('@aws-sdk/client-rbin')
}

/** Retry budget for throttling storms: the SDK default of 3 attempts gives up too soon on EC2. */
export const MAX_ATTEMPTS = 10

const common = {
  maxAttempts: MAX_ATTEMPTS,
  retryMode: 'standard',
  customUserAgent: USER_AGENT
} as const

/** `undefined` account means the build account (default credential chain). */
export interface Clients {
  ec2(region: string, account?: CopyAccount): EC2Client
  /** `account`: a role's account (test-account-role runs its test-command there). */
  ssm(region: string, account?: CopyAccount): Promise<SSMClient>
  kms(region: string, account?: CopyAccount): Promise<KMSClient>
  serviceQuotas(region: string, account?: CopyAccount): Promise<ServiceQuotasClient>
  sts(region: string): Promise<STSClient>
  /** Auto Scaling: which launch-template versions groups launch from (prune's template pins). */
  autoScaling(region: string, account?: CopyAccount): Promise<AutoScalingClient>
  /** Recycle Bin rules (prune's recoverability report). */
  rbin(region: string, account?: CopyAccount): Promise<RbinClient>
  /** The account the default chain resolves to (GetCallerIdentity, asked once). */
  buildAccountId(): Promise<string>
  /** Assume the role now; throws the STS error (used to fail early and in dry runs). */
  checkRole(account: CopyAccount): Promise<void>
  destroy(): void
}

export function createClients(buildRegion: string, sessionName = 'ami-share-action'): Clients {
  const cache = new Map<string, { destroy(): void }>()
  const providers = new Map<string, AwsCredentialIdentityProvider>()
  let callerAccount: Promise<string> | undefined

  function memo<T extends { destroy(): void }>(key: string, make: () => T): T {
    let client = cache.get(key) as T | undefined
    if (!client) {
      client = make()
      cache.set(key, client)
    }
    return client
  }

  /** The memoised client of a lazily loaded service (the import itself is cached by Node). */
  async function lazy<T extends { destroy(): void }>(
    key: string,
    make: () => Promise<T>
  ): Promise<T> {
    const existing = cache.get(key) as T | undefined
    if (existing) return existing
    const client = await make()
    // Two first callers may both have loaded: keep the first client, drop the other.
    const winner = (cache.get(key) as T | undefined) ?? client
    if (winner !== client) client.destroy()
    cache.set(key, winner)
    return winner
  }

  const sts = (region: string): Promise<STSClient> =>
    lazy(`sts/${region}`, async () => new (await sdk.sts()).STSClient({ ...common, region }))

  async function assumeRole(account: CopyAccount): Promise<AwsCredentialIdentity> {
    const { AssumeRoleCommand } = await sdk.sts()
    const { Credentials: c } = await (
      await sts(buildRegion)
    ).send(new AssumeRoleCommand({ RoleArn: account.roleArn, RoleSessionName: sessionName }))
    if (!c?.AccessKeyId || !c.SecretAccessKey) {
      throw new Error(`AssumeRole on ${account.roleArn} returned no credentials`)
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration
    }
  }

  function roleCredentials(account: CopyAccount): AwsCredentialIdentityProvider {
    let provider = providers.get(account.roleArn)
    if (!provider) {
      // One AssumeRole in flight per role: parallel first requests share it.
      let current: Promise<AwsCredentialIdentity> | undefined
      let expiration = 0
      provider = () => {
        // Refresh five minutes before expiry; the SDK calls the provider before every request.
        if (!current || expiration - Date.now() < 300_000) {
          current = assumeRole(account).then((credentials) => {
            expiration = credentials.expiration?.getTime() ?? Infinity
            return credentials
          })
          current.catch(() => (current = undefined))
          expiration = Infinity
        }
        return current
      }
      providers.set(account.roleArn, provider)
    }
    return provider
  }

  return {
    ec2: (region, account) =>
      memo(
        `ec2/${account?.accountId ?? ''}/${region}`,
        () =>
          new EC2Client({
            ...common,
            region,
            ...(account ? { credentials: roleCredentials(account) } : {})
          })
      ),
    ssm: (region, account) =>
      lazy(
        `ssm/${account?.accountId ?? ''}/${region}`,
        async () =>
          new (await sdk.ssm()).SSMClient({
            ...common,
            region,
            ...(account ? { credentials: roleCredentials(account) } : {})
          })
      ),
    kms: (region, account) =>
      lazy(
        `kms/${account?.accountId ?? ''}/${region}`,
        async () =>
          new (await sdk.kms()).KMSClient({
            ...common,
            region,
            ...(account ? { credentials: roleCredentials(account) } : {})
          })
      ),
    serviceQuotas: (region, account) =>
      lazy(
        `servicequotas/${account?.accountId ?? ''}/${region}`,
        async () =>
          new (await sdk.serviceQuotas()).ServiceQuotasClient({
            ...common,
            region,
            ...(account ? { credentials: roleCredentials(account) } : {})
          })
      ),
    autoScaling: (region, account) =>
      lazy(
        `autoscaling/${account?.accountId ?? ''}/${region}`,
        async () =>
          new (await sdk.autoScaling()).AutoScalingClient({
            ...common,
            region,
            ...(account ? { credentials: roleCredentials(account) } : {})
          })
      ),
    rbin: (region, account) =>
      lazy(
        `rbin/${account?.accountId ?? ''}/${region}`,
        async () =>
          new (await sdk.rbin()).RbinClient({
            ...common,
            region,
            ...(account ? { credentials: roleCredentials(account) } : {})
          })
      ),
    sts,
    buildAccountId() {
      callerAccount ??= (async () => {
        const { GetCallerIdentityCommand } = await sdk.sts()
        const r = await (await sts(buildRegion)).send(new GetCallerIdentityCommand({}))
        if (!r.Account) throw new Error('STS GetCallerIdentity returned no account')
        return r.Account
      })()
      return callerAccount
    },
    async checkRole(account) {
      await roleCredentials(account)()
    },
    destroy() {
      for (const client of cache.values()) client.destroy()
      cache.clear()
    }
  }
}
