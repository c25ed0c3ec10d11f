// Shared by the EC2 and KMS services: every (account, region) has the AWS-managed EBS key
// `alias/aws/ebs`, with a deterministic ID so EC2 can tell it from customer keys without KMS state.
const AWS_MANAGED_PREFIX = 'a0a0a0a0-0000-4000-8000-'

export function awsManagedEbsKey(
  accountId: string,
  region: string
): { keyId: string; arn: string } {
  const keyId = AWS_MANAGED_PREFIX + accountId
  return { keyId, arn: `arn:aws:kms:${region}:${accountId}:key/${keyId}` }
}

/** True for the AWS-managed EBS key, by ID or ARN. */
export function isAwsManagedKey(keyIdOrArn: string): boolean {
  return keyIdOrArn.split('/').pop()!.startsWith(AWS_MANAGED_PREFIX)
}
