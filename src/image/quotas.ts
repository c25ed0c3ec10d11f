// The AMI quotas AWS lets accounts raise (EC2 User Guide, "AMI quotas"): read the applied value
// from Service Quotas when the default would refuse, so a raised quota is never refused here.
// When it cannot be read, the caller warns and lets AWS decide.
import type { ServiceQuotasClient } from '@aws-sdk/client-service-quotas'
import { sdk } from '../aws/clients.js'
import { describeError } from '../aws/errors.js'

export interface AmiQuota {
  quotaCode: string
  name: string
  /** AWS's default per Region. */
  defaultValue: number
}

export const PUBLIC_AMIS: AmiQuota = {
  quotaCode: 'L-0E3CBAB9',
  name: 'Public AMIs',
  defaultValue: 5
}
export const AMI_SHARING: AmiQuota = {
  quotaCode: 'L-70015FFA',
  name: 'AMI sharing',
  defaultValue: 1000
}

export type QuotaReading = { value: number } | { error: string }

/** Quotas are rarely read: the client (and its SDK package) is only made when one is. */
export type QuotasClient = () => Promise<ServiceQuotasClient>

export async function readQuota(client: QuotasClient, quota: AmiQuota): Promise<QuotaReading> {
  try {
    const { GetServiceQuotaCommand } = await sdk.serviceQuotas()
    const { Quota } = await (
      await client()
    ).send(new GetServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode: quota.quotaCode }))
    if (typeof Quota?.Value !== 'number') return { error: 'Service Quotas returned no value' }
    return { value: Quota.Value }
  } catch (e) {
    return { error: describeError(e).split('\n')[0] }
  }
}

/** The warning when the quota cannot be read: AWS will decide, and its error will say why. */
export function unreadQuotaWarning(quota: AmiQuota, where: string, reason: string): string {
  return (
    `Could not read the "${quota.name}" quota (${quota.quotaCode}) in ${where} (${reason}; needs servicequotas:GetServiceQuota); ` +
    `the default is ${quota.defaultValue}, so AWS may refuse this if the quota was not raised.`
  )
}
