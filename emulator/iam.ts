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

/**
 * Permissions AWS checks on the caller besides the action itself, when the service acts on the
 * caller's behalf. DescribeImageReferences reads each resource type with the caller's own
 * permissions (EC2 User Guide, "Identify your resources referencing specified AMIs": the policy
 * grants them with aws:CalledVia ec2-images.amazonaws.com; managed policy
 * AmazonEC2ImageReferencesAccessPolicy).
 */
const IMAGE_REFERENCE_COMPANIONS: Record<string, string[]> = {
  'ec2:Instance': ['ec2:DescribeInstances'],
  'ec2:LaunchTemplate': ['ec2:DescribeLaunchTemplates', 'ec2:DescribeLaunchTemplateVersions'],
  'ssm:Parameter': ['ssm:DescribeParameters', 'ssm:GetParameters'],
  'imagebuilder:ImageRecipe': ['imagebuilder:ListImageRecipes'],
  'imagebuilder:ContainerRecipe': [
    'imagebuilder:ListContainerRecipes',
    'imagebuilder:GetContainerRecipe'
  ]
}

/** The companion permissions a request needs (`service:Action`), for the resource types it asks about. */
export function companionPermissions(
  service: string,
  action: string,
  params: Record<string, unknown>
): string[] {
  if (service !== 'ec2' || action !== 'DescribeImageReferences') return []
  const all = String(params.IncludeAllResourceTypes ?? '').toLowerCase() === 'true'
  const asked = Object.entries(params)
    .filter(([k]) => /^ResourceType\.\d+\.ResourceType$/.test(k))
    .map(([, v]) => String(v))
  const types = all ? Object.keys(IMAGE_REFERENCE_COMPANIONS) : asked
  return [...new Set(types.flatMap((t) => IMAGE_REFERENCE_COMPANIONS[t] ?? []))]
}

/** The first companion permission the account's allow-list lacks, if any. */
export function missingCompanion(
  iam: IamSettings | undefined,
  accountId: string,
  service: string,
  action: string,
  params: Record<string, unknown>
): string | undefined {
  return companionPermissions(service, action, params).find((name) => {
    const [svc, act] = name.split(':')
    return !isAllowed(iam, accountId, svc, act)
  })
}
