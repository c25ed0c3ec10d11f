// The AMI quotas AWS lets accounts raise (EC2 User Guide, "AMI quotas"): read the applied value
// from Service Quotas when the default would refuse, so a raised quota is never refused here.
// When it cannot be read, the caller warns and lets AWS decide.
import { GetServiceQuotaCommand, type ServiceQuotasClient } from '@aws-sdk/client-service-quotas'
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

export async function readQuota(
  client: ServiceQuotasClient,
  quota: AmiQuota
): Promise<QuotaReading> {
  try {
    const { Quota } = await client.send(
      new GetServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode: quota.quotaCode })
    )
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
