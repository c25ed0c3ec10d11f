// Checks that only AWS can judge but that need no AMI, run before the build (or the adoption's
// first change): a 30-minute build must not be wasted on a refusal that was known in advance.
import { DescribeRegionsCommand, DescribeVolumesCommand } from '@aws-sdk/client-ec2'
import { describeError, errorCode } from '../aws/errors.js'
import { sdk } from '../aws/clients.js'
import type { RunContext } from '../context.js'
import { copyKmsKey, copyTargets, type CopyTarget } from '../image/copy.js'
import { error, settleFindings, type Finding } from '../image/findings.js'
import { mapLimit } from '../pool.js'
import { checkPublicSharing } from '../image/share.js'
import { checkTemplates } from '../promote/find-template.js'
import { testPreflight } from '../test/preflight.js'
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
  const [volumes, regions, keys, publicAccess, templates, test] = await Promise.all([
    instanceVolumesShareable(ctx),
    regionsExist(ctx),
    kmsKeysExist(ctx, targets),
    publicSharingAllowed(ctx, accountId, targets),
    checkTemplates(ctx),
    testPreflight(ctx, accountId)
  ])
  settleFindings(ctx, [...volumes, ...regions, ...keys, ...publicAccess, ...templates, ...test])
}

/**
 * instance-id with sharing inputs (or copy-accounts): a volume encrypted with the AWS managed key
 * makes an AMI that can never be shared, so say so before imaging the instance rather than after.
 * DescribeVolumes and DescribeKey the role may not call skip the check (distribute() repeats it).
 */
async function instanceVolumesShareable(ctx: RunContext): Promise<Finding[]> {
  const { source, share, copy, region } = ctx.config
  if (source.kind !== 'instance') return []
  const shared =
    share.public ||
    share.accounts.length + share.organizations.length + share.organizationalUnits.length > 0 ||
    copy.accounts.length > 0
  if (!shared) return []
  try {
    const { Volumes = [] } = await ctx.clients.ec2(region).send(
      new DescribeVolumesCommand({
        Filters: [{ Name: 'attachment.instance-id', Values: [source.instanceId] }]
      })
    )
    const byKey = new Map<string, string[]>()
    for (const v of Volumes) {
      if (!v.Encrypted || !v.KmsKeyId || !v.VolumeId) continue
      byKey.set(v.KmsKeyId, [...(byKey.get(v.KmsKeyId) ?? []), v.VolumeId])
    }
    const findings: Finding[] = []
    for (const [keyId, volumeIds] of byKey) {
      const { DescribeKeyCommand } = await sdk.kms()
      const kms = await ctx.clients.kms(region)
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }))
      if (KeyMetadata?.KeyManager !== 'AWS') continue
      findings.push(
        error(
          `instance-id: volume(s) ${volumeIds.join(', ')} of ${source.instanceId} are encrypted with the AWS managed key ${keyId} (alias/aws/ebs), so the AMI made from it could never be shared (share-accounts, share-organizations, share-organizational-units, share-public, copy-accounts). Nothing was built. Re-encrypt the volumes with a customer managed KMS key (or build from an instance that uses one), or remove the sharing inputs.`
        )
      )
    }
    return findings
  } catch (e) {
    ctx.log.debug(`Volume encryption pre-check skipped: ${describeError(e)}`)
    return []
  }
}

/**
 * copy-regions (and aws-region with them) must name regions that exist and are enabled for the
 * account: DescribeRegions with AllRegions lists both. A role that may not call it skips the check
 * (CopyImage then judges); nothing is asked when nothing is copied to another region.
 */
async function regionsExist(ctx: RunContext): Promise<Finding[]> {
  const { region, copy } = ctx.config
  if (copy.regions.length === 0) return []
  let known: Map<string, string | undefined>
  try {
    const { Regions = [] } = await ctx.clients
      .ec2(region)
      .send(new DescribeRegionsCommand({ AllRegions: true }))
    known = new Map(Regions.map((r) => [r.RegionName ?? '', r.OptInStatus]))
  } catch (e) {
    ctx.log.debug(`DescribeRegions: ${describeError(e)}; region names are left to CopyImage`)
    return []
  }
  return [region, ...copy.regions].flatMap((name) => {
    const input = name === region ? 'aws-region' : 'copy-regions'
    if (!known.has(name)) {
      return [
        error(
          `${input}: ${name} is not an AWS region (DescribeRegions in ${region} does not list it). Check the spelling, e.g. eu-west-1.`
        )
      ]
    }
    if (known.get(name) === 'not-opted-in') {
      return [
        error(
          `${input}: ${name} is not enabled for this account (opt-in region). Enable it in the account settings, or remove it.`
        )
      ]
    }
    return []
  })
}

/**
 * `kms-key-id` / `region-kms-key-ids`: the key (ID, ARN or alias) must exist in each copy target,
 * the copy accounts' targets included (CopyImage runs there, so an alias resolves in that
 * account). A key this role may not describe, or a role not assumable yet, is left to the copy
 * lookup and CopyImage to judge.
 */
async function kmsKeysExist(ctx: RunContext, targets: CopyTarget[]): Promise<Finding[]> {
  const wanted = new Map<string, { target: CopyTarget; key: string }>()
  for (const target of targets) {
    const key = copyKmsKey(ctx.config, target.region)
    if (key) wanted.set(`${target.accountId} ${target.region}`, { target, key })
  }
  const found = await mapLimit([...wanted.values()], 8, async ({ target, key }) => {
    const { region, accountId } = target
    try {
      const { DescribeKeyCommand } = await sdk.kms()
      const kms = await ctx.clients.kms(region, target.account)
      await kms.send(new DescribeKeyCommand({ KeyId: key }))
      return []
    } catch (e) {
      if (errorCode(e) !== 'NotFoundException') {
        ctx.log.debug(
          `DescribeKey ${key} in ${region} (account ${accountId}): ${describeError(e)}; CopyImage will judge`
        )
        return []
      }
      const input = region in ctx.config.copy.regionKmsKeyIds ? 'region-kms-key-ids' : 'kms-key-id'
      return [
        error(
          `${input}: KMS key ${key} does not exist in ${region} (account ${accountId}), where a copy would be encrypted with it. Create the key or alias there, or name that region's key in region-kms-key-ids.`
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
