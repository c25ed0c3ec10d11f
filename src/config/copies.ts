// The "Copies" section of the inputs: copy-regions, copy-accounts (one role per account, within
// the build partition), kms-key-id and region-kms-key-ids. How the keys fit the copies and the
// sharing is judged in copy-keys.ts. A section reader: every problem goes to `inputs.problems`.
import * as aws from './aws-ids.js'
import type { Inputs } from './problems.js'
import { parseMap, quote } from './values.js'

export interface CopyAccount {
  roleArn: string
  accountId: string
}

export interface CopyConfig {
  /** Destination regions, build region removed, de-duplicated, input order. */
  regions: string[]
  accounts: CopyAccount[]
  kmsKeyId?: string
  regionKmsKeyIds: Record<string, string>
}

/** `buildRegion` is undefined when aws-region had a problem (the partition checks are skipped). */
export function readCopies(inputs: Inputs, buildRegion: string | undefined): CopyConfig {
  const { input, problems } = inputs
  const regions = readRegions(inputs, buildRegion)
  const accounts = readAccounts(inputs, buildRegion)
  const rawKey = input('kms-key-id')
  const kmsKeyId = rawKey ? problems.attempt(() => aws.kmsKey('kms-key-id', rawKey).key) : undefined
  return {
    regions,
    accounts,
    ...(kmsKeyId !== undefined && { kmsKeyId }),
    regionKmsKeyIds: readRegionKeys(inputs)
  }
}

function readRegions({ list, problems }: Inputs, buildRegion: string | undefined): string[] {
  const regions = list('copy-regions', (item) => aws.region('copy-regions', item)).filter(
    (item) => item !== buildRegion
  )
  // CopyImage works only within one partition: a cn-* or us-gov-* region is another AWS.
  const foreign = buildRegion
    ? regions.filter((r) => aws.partitionOfRegion(r) !== aws.partitionOfRegion(buildRegion))
    : []
  if (foreign.length > 0) {
    problems.fail(
      'copy-regions',
      `${foreign.join(', ')} ${foreign.length === 1 ? 'is' : 'are'} outside partition ${aws.partitionOfRegion(buildRegion!)} of aws-region ${buildRegion}; AMIs cannot be copied across partitions. Remove ${foreign.length === 1 ? 'it' : 'them'}.`
    )
  }
  return regions
}

function readAccounts({ list, problems }: Inputs, buildRegion: string | undefined): CopyAccount[] {
  const accounts: CopyAccount[] = []
  for (const account of list('copy-accounts', (item) => aws.roleArn('copy-accounts', item))) {
    const twin = accounts.find((other) => other.accountId === account.accountId)
    if (twin) {
      problems.fail(
        'copy-accounts',
        `${quote(account.roleArn)} and ${quote(twin.roleArn)} are in the same account ${account.accountId}. Give one role per account.`
      )
    } else if (
      buildRegion &&
      aws.partitionOfArn(account.roleArn) !== aws.partitionOfRegion(buildRegion)
    ) {
      problems.fail(
        'copy-accounts',
        `${quote(account.roleArn)} is in partition ${aws.partitionOfArn(account.roleArn)} but aws-region ${buildRegion} is in ${aws.partitionOfRegion(buildRegion)}. Use a role ARN of the build partition.`
      )
    } else {
      accounts.push(account)
    }
  }
  return accounts
}

function readRegionKeys({ input, problems }: Inputs): Record<string, string> {
  const regionKmsKeyIds: Record<string, string> = {}
  const map = problems.attempt(() =>
    parseMap('region-kms-key-ids', input('region-kms-key-ids'), false)
  )
  for (const [key, value] of Object.entries(map ?? {})) {
    const keyRegion = problems.attempt(() => aws.region('region-kms-key-ids', key))
    const kms = problems.attempt(() => aws.kmsKey('region-kms-key-ids', value as string))
    if (!keyRegion || !kms) continue
    if (kms.region && kms.region !== keyRegion) {
      problems.fail(
        'region-kms-key-ids',
        `the key for ${keyRegion} is ${quote(kms.key)}, a key in ${kms.region}. KMS keys are regional: give a key of ${keyRegion}.`
      )
      continue
    }
    regionKmsKeyIds[keyRegion] = kms.key
  }
  return regionKmsKeyIds
}
