// Checks that only AWS can judge but that need no AMI, run before the build (or the adoption's
// first change): a 30-minute build must not be wasted on a refusal that was known in advance.
import { DescribeKeyCommand } from '@aws-sdk/client-kms'
import { describeError, errorCode } from '../aws/errors.js'
import type { RunContext } from '../context.js'
import { copyKmsKey, copyTargets, type CopyTarget } from '../image/copy.js'
import { error, settleFindings, type Finding } from '../image/findings.js'
import { mapLimit } from '../image/semaphore.js'
import { checkPublicSharing } from '../image/share.js'
import type { Image } from '../types.js'

export async function preflight(ctx: RunContext, accountId: string): Promise<void> {
  const targets = copyTargets(ctx.config, {
    id: '',
    name: '',
    region: ctx.config.region,
    ownerId: accountId,
    accountId,
    snapshots: [],
    source: ctx.config.source.kind,
    reused: false
  } satisfies Image)
  const [keys, publicAccess] = await Promise.all([
    kmsKeysExist(ctx, targets),
    // A dry run checks block public access in its plan of the distribution already.
    ctx.config.dryRun ? [] : publicSharingAllowed(ctx, accountId, targets)
  ])
  settleFindings(ctx, [...keys, ...publicAccess])
}

/**
 * `kms-key-id` / `region-kms-key-ids`: the key (ID, ARN or alias) must exist in each copy region
 * of the build account. A key this role may not describe is left to CopyImage to judge.
 */
async function kmsKeysExist(ctx: RunContext, targets: CopyTarget[]): Promise<Finding[]> {
  const wanted = new Map<string, string>()
  for (const t of targets) {
    const key = copyKmsKey(ctx.config, t.region)
    if (key && !t.account) wanted.set(t.region, key)
  }
  const found = await mapLimit([...wanted], 8, async ([region, key]) => {
    try {
      await ctx.clients.kms(region).send(new DescribeKeyCommand({ KeyId: key }))
      return []
    } catch (e) {
      if (errorCode(e) !== 'NotFoundException') {
        ctx.log.debug(`DescribeKey ${key} in ${region}: ${describeError(e)}; CopyImage will judge`)
        return []
      }
      const input = region in ctx.config.copy.regionKmsKeyIds ? 'region-kms-key-ids' : 'kms-key-id'
      return [
        error(
          `${input}: KMS key ${key} does not exist in ${region} (account ${targets.find((t) => t.region === region)!.accountId}), where a copy would be encrypted with it. Create the key or alias there, or name that region's key in region-kms-key-ids.`
        )
      ]
    }
  })
  return found.flat()
}

/** share-public: block public access and the public-AMI quota, wherever an AMI would be made public. */
async function publicSharingAllowed(
  ctx: RunContext,
  accountId: string,
  targets: CopyTarget[]
): Promise<Finding[]> {
  if (!ctx.config.share.public) return []
  const places: CopyTarget[] = [{ accountId, region: ctx.config.region }, ...targets]
  const results = await mapLimit(places, 8, async (p) => {
    try {
      return await checkPublicSharing(ctx.clients.ec2(p.region, p.account), p.region, p.accountId)
    } catch (e) {
      // An unreachable copy account is reported by the copy lookup after the build.
      if (p.account) return []
      throw e
    }
  })
  return results.flat()
}
