// Whether kms-key-id and region-kms-key-ids fit the copies (a key for a region where a copy is
// made, in that region) and the sharing (the AWS-managed EBS key cannot be shared).
import * as aws from './aws-ids.js'
import type { CopyConfig } from './copies.js'
import type { Problems } from './problems.js'
import type { ShareConfig } from './sharing.js'
import { quote } from './values.js'

export function checkCopyKeys(
  problems: Problems,
  copy: CopyConfig,
  share: ShareConfig,
  buildRegion: string | undefined
): void {
  const fail = (input: string, message: string): void => problems.fail(input, message)
  const destinations = new Set(copy.regions)
  if (copy.accounts.length > 0 && buildRegion) destinations.add(buildRegion)
  const copies = copy.regions.length > 0 || copy.accounts.length > 0
  if (copy.kmsKeyId !== undefined && !copies) {
    fail(
      'kms-key-id',
      'is set but nothing is copied. Set copy-regions or copy-accounts, or remove kms-key-id.'
    )
  }
  if (Object.keys(copy.regionKmsKeyIds).length > 0 && !copies) {
    fail(
      'region-kms-key-ids',
      'is set but nothing is copied. Set copy-regions or copy-accounts, or remove it.'
    )
  } else {
    for (const keyRegion of Object.keys(copy.regionKmsKeyIds)) {
      if (copies && !destinations.has(keyRegion)) {
        fail(
          'region-kms-key-ids',
          `names ${keyRegion}, where no copy is made (copies go to ${[...destinations].join(', ')}). Remove it or add it to copy-regions.`
        )
      }
    }
  }
  if (copy.kmsKeyId !== undefined) {
    const keyRegion = aws.kmsKey('kms-key-id', copy.kmsKeyId).region
    const elsewhere = [...destinations].filter(
      (r) => keyRegion && r !== keyRegion && !(r in copy.regionKmsKeyIds)
    )
    if (elsewhere.length > 0) {
      fail(
        'kms-key-id',
        `${quote(copy.kmsKeyId)} is a key in ${keyRegion}, but copies also go to ${elsewhere.join(', ')}. Use an alias (alias/…) that exists in every region, or region-kms-key-ids.`
      )
    }
  }
  const shared =
    share.public ||
    share.accounts.length + share.organizations.length + share.organizationalUnits.length > 0
  const managed = [
    ...(copy.kmsKeyId !== undefined ? [['kms-key-id', copy.kmsKeyId]] : []),
    ...Object.values(copy.regionKmsKeyIds).map((key) => ['region-kms-key-ids', key])
  ].filter(([, key]) => aws.isAwsManagedEbsAlias(key))
  for (const [name, key] of shared ? managed : []) {
    fail(
      name,
      `${quote(key)} is the AWS-managed EBS key, and AMIs encrypted with it cannot be shared. Use a customer-managed KMS key.`
    )
  }
}
