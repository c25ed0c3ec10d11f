// One SDK client per (service, account, region). The build account uses the default credential
// chain; a copy account uses credentials from STS AssumeRole on its role. Endpoints are never set
// here: the SDK honours AWS_ENDPOINT_URL itself (that is how the emulator is reached).
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling'
import { EC2Client } from '@aws-sdk/client-ec2'
import { KMSClient } from '@aws-sdk/client-kms'
import { RbinClient } from '@aws-sdk/client-rbin'
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas'
import { SSMClient } from '@aws-sdk/client-ssm'
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types'
import type { CopyAccount } from '../config.js'

export const USER_AGENT = 'ami-share-action/1'

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
  ssm(region: string): SSMClient
  kms(region: string, account?: CopyAccount): KMSClient
  serviceQuotas(region: string, account?: CopyAccount): ServiceQuotasClient
  /** Auto Scaling: which launch-template versions groups launch from (prune's template pins). */
  autoScaling(region: string, account?: CopyAccount): AutoScalingClient
  /** Recycle Bin rules (prune's recoverability report). */
  rbin(region: string, account?: CopyAccount): RbinClient
  sts(region: string): STSClient
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

  const sts = (region: string): STSClient =>
    memo(`sts/${region}`, () => new STSClient({ ...common, region }))

  async function assumeRole(account: CopyAccount): Promise<AwsCredentialIdentity> {
    const { Credentials: c } = await sts(buildRegion).send(
      new AssumeRoleCommand({ RoleArn: account.roleArn, RoleSessionName: sessionName })
    )
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
    ssm: (region) => memo(`ssm/${region}`, () => new SSMClient({ ...common, region })),
    kms: (region, account) =>
      memo(
        `kms/${account?.accountId ?? ''}/${region}`,
        () =>
          new KMSClient({
            ...common,
            region,
            ...(account ? { credentials: roleCredentials(account) } : {})
          })
      ),
    serviceQuotas: (region, account) =>
      memo(
        `servicequotas/${account?.accountId ?? ''}/${region}`,
        () =>
          new ServiceQuotasClient({
            ...common,
            region,
            ...(account ? { credentials: roleCredentials(account) } : {})
          })
      ),
    autoScaling: (region, account) =>
      memo(
        `autoscaling/${account?.accountId ?? ''}/${region}`,
        () =>
          new AutoScalingClient({
            ...common,
            region,
            ...(account ? { credentials: roleCredentials(account) } : {})
          })
      ),
    rbin: (region, account) =>
      memo(
        `rbin/${account?.accountId ?? ''}/${region}`,
        () =>
          new RbinClient({
            ...common,
            region,
            ...(account ? { credentials: roleCredentials(account) } : {})
          })
      ),
    sts,
    buildAccountId() {
      callerAccount ??= sts(buildRegion)
        .send(new GetCallerIdentityCommand({}))
        .then((r) => {
          if (!r.Account) throw new Error('STS GetCallerIdentity returned no account')
          return r.Account
        })
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
