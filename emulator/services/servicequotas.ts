// Service Quotas, GetServiceQuota only (Service Quotas API reference, GetServiceQuota): the applied
// value of a quota per account and region. The EC2 AMI quotas come from the EC2 User Guide page
// "AMI quotas" (ami-quotas): adjustable, with these defaults per Region. EC2 enforces the applied
// value (emulator/services/ec2/sharing.ts), so a raised quota allows what AWS would allow.
import { AwsError, type ServiceModule, type Sim } from '../types.js'

interface QuotaDefinition {
  serviceCode: string
  serviceName: string
  quotaName: string
  defaultValue: number
}

/** Quota code → definition; codes as Service Quotas lists them for EC2. */
export const QUOTAS: Record<string, QuotaDefinition> = {
  'L-0E3CBAB9': {
    serviceCode: 'ec2',
    serviceName: 'Amazon Elastic Compute Cloud (Amazon EC2)',
    quotaName: 'Public AMIs',
    defaultValue: 5
  },
  'L-70015FFA': {
    serviceCode: 'ec2',
    serviceName: 'Amazon Elastic Compute Cloud (Amazon EC2)',
    quotaName: 'AMI sharing',
    defaultValue: 1000
  },
  'L-B665C33B': {
    serviceCode: 'ec2',
    serviceName: 'Amazon Elastic Compute Cloud (Amazon EC2)',
    quotaName: 'AMIs',
    defaultValue: 50000
  }
}

export const PUBLIC_AMIS_QUOTA = 'L-0E3CBAB9'
export const AMI_SHARING_QUOTA = 'L-70015FFA'

interface QuotaState {
  /** `${accountId}/${region}/${quotaCode}` → applied value. */
  applied: Record<string, number>
}

function quotaState(sim: Sim): QuotaState {
  let s = sim.state.servicequotas as QuotaState | undefined
  if (!s) sim.state.servicequotas = s = { applied: {} }
  return s
}

/** The value in force: the raised one if seeded, else AWS's default. */
export function appliedQuota(sim: Sim, accountId: string, region: string, code: string): number {
  return quotaState(sim).applied[`${accountId}/${region}/${code}`] ?? QUOTAS[code].defaultValue
}

export const serviceQuotas: ServiceModule = {
  name: 'servicequotas',
  protocol: 'json',
  handle(req, sim) {
    if (req.action !== 'GetServiceQuota') {
      throw new AwsError('UnknownOperationException', `Unknown operation ${req.action}`)
    }
    const serviceCode = String(req.params.ServiceCode ?? '')
    const quotaCode = String(req.params.QuotaCode ?? '')
    const def = QUOTAS[quotaCode]
    if (!def || def.serviceCode !== serviceCode) {
      throw new AwsError(
        'NoSuchResourceException',
        `The request failed because the specified service quota ${quotaCode} for ${serviceCode} does not exist.`
      )
    }
    const { accountId, region } = req.caller
    return {
      Quota: {
        ServiceCode: def.serviceCode,
        ServiceName: def.serviceName,
        QuotaArn: `arn:aws:servicequotas:${region}:${accountId}:${serviceCode}/${quotaCode}`,
        QuotaCode: quotaCode,
        QuotaName: def.quotaName,
        Value: appliedQuota(sim, accountId, region, quotaCode),
        Unit: 'None',
        Adjustable: true,
        GlobalQuota: false
      }
    }
  },
  isMutating: () => false,
  /** `{ quotas: [{ accountId, region, quotaCode, value }] }`: raised (applied) values. */
  seed(data, sim) {
    const seed = (data ?? {}) as {
      quotas?: { accountId: string; region: string; quotaCode: string; value: number }[]
    }
    for (const q of seed.quotas ?? []) {
      if (!QUOTAS[q.quotaCode]) throw new AwsError('InvalidSeed', `unknown quota ${q.quotaCode}`)
      quotaState(sim).applied[`${q.accountId}/${q.region}/${q.quotaCode}`] = q.value
    }
    return { quotas: (seed.quotas ?? []).length }
  },
  snapshot: (sim) => quotaState(sim)
}
