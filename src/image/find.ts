// Look up AMIs by name in one account and region. OWNER: sources helper (stub; signature is the contract).
import type { EC2Client, Image as AwsImage } from '@aws-sdk/client-ec2'

/** The AMI owned by the caller with exactly this name, if any (DescribeImages Owners=self, name filter). */
export async function findOwnImageByName(
  _ec2: EC2Client,
  _name: string
): Promise<AwsImage | undefined> {
  throw new Error('not implemented')
}
