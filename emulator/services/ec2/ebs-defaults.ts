// EBS encryption by default and the default KMS key, per account and region. Both follow the EC2
// API reference pages GetEbsEncryptionByDefault / GetEbsDefaultKmsKeyId (and their Enable/Disable,
// Modify/Reset counterparts): off, and the AWS-managed key alias/aws/ebs, until changed.
import { AwsError, type Caller, type Sim } from '../../types.js'
import { dryRunGate } from './access.js'
import { required, type Params } from './params.js'
import { ec2State } from './state.js'

export interface EbsDefaults {
  encryptionByDefault: boolean
  /** Unset: the AWS-managed key (alias/aws/ebs). */
  kmsKeyId?: string
}

const placeKey = (accountId: string, region: string): string => `${accountId}/${region}`

export function ebsDefaults(sim: Sim, accountId: string, region: string): EbsDefaults {
  const s = ec2State(sim)
  return s.ebsDefaults?.[placeKey(accountId, region)] ?? { encryptionByDefault: false }
}

export function setEbsDefaults(
  sim: Sim,
  accountId: string,
  region: string,
  change: Partial<EbsDefaults>
): void {
  const s = ec2State(sim)
  s.ebsDefaults ??= {}
  s.ebsDefaults[placeKey(accountId, region)] = { ...ebsDefaults(sim, accountId, region), ...change }
}

/** GetEbsDefaultKmsKeyId answers an ARN; for the AWS-managed default, the alias ARN. */
export function defaultKmsKeyArn(sim: Sim, accountId: string, region: string): string {
  return (
    ebsDefaults(sim, accountId, region).kmsKeyId ??
    `arn:aws:kms:${region}:${accountId}:alias/aws/ebs`
  )
}

export function getEbsEncryptionByDefault(sim: Sim, caller: Caller, params: Params) {
  dryRunGate(params)
  return {
    ebsEncryptionByDefault: ebsDefaults(sim, caller.accountId, caller.region).encryptionByDefault,
    sseType: 'sse-ebs'
  }
}

export function getEbsDefaultKmsKeyId(sim: Sim, caller: Caller, params: Params) {
  dryRunGate(params)
  return { kmsKeyId: defaultKmsKeyArn(sim, caller.accountId, caller.region) }
}

export function setEncryptionByDefault(on: boolean) {
  return (sim: Sim, caller: Caller, params: Params) => {
    dryRunGate(params)
    setEbsDefaults(sim, caller.accountId, caller.region, { encryptionByDefault: on })
    return { ebsEncryptionByDefault: on }
  }
}

export function modifyEbsDefaultKmsKeyId(sim: Sim, caller: Caller, params: Params) {
  const keyId = required(params, 'KmsKeyId')
  if (/(^|:)alias\/aws\//.test(keyId)) {
    // ModifyEbsDefaultKmsKeyId: the default key is a customer managed key; ResetEbsDefaultKmsKeyId restores aws/ebs.
    throw new AwsError(
      'InvalidParameterValue',
      `Value (${keyId}) for parameter KmsKeyId is invalid.`
    )
  }
  dryRunGate(params)
  setEbsDefaults(sim, caller.accountId, caller.region, { kmsKeyId: keyId })
  return { kmsKeyId: keyId }
}

export function resetEbsDefaultKmsKeyId(sim: Sim, caller: Caller, params: Params) {
  dryRunGate(params)
  setEbsDefaults(sim, caller.accountId, caller.region, { kmsKeyId: undefined })
  return { kmsKeyId: defaultKmsKeyArn(sim, caller.accountId, caller.region) }
}
