// IAM allow-list: settings.iam = { '<account>': ['ec2:DescribeImages', 'ec2:*', …] }.
// An account without a list may do everything; with one, only the matching actions.

export type IamSettings = Record<string, string[]>

function wildcard(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${escaped}$`, 'i')
}

export function isAllowed(
  iam: IamSettings | undefined,
  accountId: string,
  service: string,
  action: string
): boolean {
  const allowed = iam?.[accountId]
  if (!allowed) return true
  const name = `${service}:${action}`
  return allowed.some((pattern) => wildcard(pattern).test(name))
}

/** The resource named in a denial message, as AWS shows it. */
export function deniedResource(service: string, region: string, accountId: string): string {
  if (service === 'ec2') return `arn:aws:ec2:${region}:${accountId}:*`
  if (service === 'ssm') return `arn:aws:ssm:${region}:${accountId}:*`
  if (service === 'kms') return `arn:aws:kms:${region}:${accountId}:key/*`
  if (service === 'autoscaling') return `arn:aws:autoscaling:${region}:${accountId}:*`
  if (service === 'rbin') return `arn:aws:rbin:${region}:${accountId}:rule/*`
  return '*'
}
