// Where a copy lands when CopyImage gets no KmsKeyId: an encrypted source (or any source, where
// EBS encryption by default is on) is encrypted with the destination's default EBS key
// (GetEbsDefaultKmsKeyId), normally the AWS-managed aws/ebs key, which can never be shared.
// Checked per destination (account, region) before anything changes.
import { GetEbsDefaultKmsKeyIdCommand, GetEbsEncryptionByDefaultCommand } from '@aws-sdk/client-ec2'
import { describeError } from '../aws/errors.js'
import { sdk } from '../aws/clients.js'
import type { RunContext } from '../context.js'
import type { Image } from '../types.js'
import { copyKmsKey, targetLabel, type CopyTarget } from './copy.js'
import { error, warning, type Finding } from './findings.js'
import { mapLimit } from '../pool.js'

const LOOKUPS_IN_FLIGHT = 8
const AWS_MANAGED_ALIAS = /(^|:)alias\/aws\/ebs$/

/** Whether the copies are shared with anyone at all (they are, by copyShareSpec, with these inputs). */
export function copiesAreShared(ctx: RunContext): boolean {
  const s = ctx.config.share
  return s.accounts.length + s.organizations.length + s.organizationalUnits.length > 0 || s.public
}

/** What a copy into `target` is encrypted with when no copy key is configured there. */
interface DefaultKey {
  encrypted: boolean
  /** The default key's ARN, when the copy is encrypted. */
  keyId?: string
  awsManaged?: boolean
}

async function defaultKeyOf(
  ctx: RunContext,
  target: CopyTarget,
  sourceEncrypted: boolean
): Promise<DefaultKey> {
  const ec2 = ctx.clients.ec2(target.region, target.account)
  if (!sourceEncrypted) {
    const { EbsEncryptionByDefault } = await ec2.send(new GetEbsEncryptionByDefaultCommand({}))
    if (!EbsEncryptionByDefault) return { encrypted: false }
  }
  const { KmsKeyId } = await ec2.send(new GetEbsDefaultKmsKeyIdCommand({}))
  if (!KmsKeyId || AWS_MANAGED_ALIAS.test(KmsKeyId)) {
    return { encrypted: true, keyId: KmsKeyId ?? 'alias/aws/ebs', awsManaged: true }
  }
  const { DescribeKeyCommand } = await sdk.kms()
  const kms = await ctx.clients.kms(target.region, target.account)
  const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: KmsKeyId }))
  return { encrypted: true, keyId: KmsKeyId, awsManaged: KeyMetadata?.KeyManager === 'AWS' }
}

/**
 * Findings for every copy target without `kms-key-id` / `region-kms-key-ids`: a copy that lands
 * encrypted on an AWS-managed default key cannot be shared, and an encrypted copy cannot be public.
 */
export async function checkDefaultKeys(
  ctx: RunContext,
  image: Image,
  targets: CopyTarget[]
): Promise<Finding[]> {
  if (!copiesAreShared(ctx)) return []
  const unkeyed = targets.filter((t) => !copyKmsKey(ctx.config, t.region))
  if (unkeyed.length === 0) return []
  // A planned image (dry run before the build) has no snapshots to look at yet.
  const sourceEncrypted = image.snapshots.some((s) => s.encrypted)
  const results = await mapLimit(unkeyed, LOOKUPS_IN_FLIGHT, async (target) => {
    const where = targetLabel(target)
    let key: DefaultKey
    try {
      key = await defaultKeyOf(ctx, target, sourceEncrypted)
    } catch (e) {
      // An unreachable copy account is reported by the copy lookup; a denied read is named here.
      if (target.account && /AssumeRole/.test(describeError(e))) return []
      return [
        warning(
          `Could not read the EBS encryption defaults in ${where} (${describeError(e)}); ` +
            `the copy there is encrypted with that account's default EBS key when ${sourceEncrypted ? 'the source is encrypted' : 'EBS encryption by default is on'}, ` +
            `and a copy on the AWS-managed aws/ebs key cannot be shared: set kms-key-id or region-kms-key-ids to be sure ` +
            `(needs ec2:GetEbsEncryptionByDefault and ec2:GetEbsDefaultKmsKeyId).`
        )
      ]
    }
    if (!key.encrypted) return []
    const why = sourceEncrypted
      ? `${image.id} is encrypted`
      : `EBS encryption by default is on in ${where}`
    const found: Finding[] = []
    if (key.awsManaged) {
      found.push(
        error(
          `kms-key-id / region-kms-key-ids: the copy in ${where} would be encrypted with the default EBS key ${key.keyId} there (${why}, and no key is set for ${target.region}), ` +
            `which is AWS-managed and cannot be shared with share-accounts, share-organizations or share-organizational-units. ` +
            `Set kms-key-id (or region-kms-key-ids for ${target.region}) to a customer managed key the consumers may use.`
        )
      )
    }
    // An encrypted source is already refused for share-public (encryption.ts); this is the copy's own reason.
    if (ctx.config.share.public && !sourceEncrypted) {
      found.push(
        error(
          `share-public: the copy in ${where} would be encrypted (${why}), and AMIs with encrypted snapshots can never be public. ` +
            `Set share-public: false, or turn off EBS encryption by default there.`
        )
      )
    }
    return found
  })
  return results.flat()
}
