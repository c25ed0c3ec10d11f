// Look up AMIs by name in one account and region.
import { DescribeImagesCommand, type EC2Client, type Image as AwsImage } from '@aws-sdk/client-ec2'

/** The AMI owned by the caller with exactly this name, if any (DescribeImages Owners=self, name filter). */
export async function findOwnImageByName(
  ec2: EC2Client,
  name: string
): Promise<AwsImage | undefined> {
  // Names are unique per account and region, so one page holds the answer. Deprecated and
  // disabled images still block the name; DescribeImages hides disabled ones even from their
  // owner unless IncludeDisabled is set.
  const { Images = [] } = await ec2.send(
    new DescribeImagesCommand({
      Owners: ['self'],
      Filters: [{ Name: 'name', Values: [name] }],
      IncludeDeprecated: true,
      IncludeDisabled: true
    })
  )
  // The name filter treats * and ? as wildcards; keep only the exact match.
  return Images.find((image) => image.Name === name)
}
