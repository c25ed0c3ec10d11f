// Validators for AWS identifiers: account IDs, ARNs, regions, AMI names, KMS keys, tags.
// Patterns follow the AWS API documentation; each error quotes the value and shows a good one.
import { InputError } from '../errors.js'
import { charCount, quote } from './values.js'

const PARTITION = 'aws(?:-cn|-us-gov)?'
const ACCOUNT = '\\d{12}'

function check(
  input: string,
  value: string,
  pattern: RegExp,
  what: string,
  example: string
): string {
  if (!pattern.test(value)) {
    throw new InputError(
      input,
      `${input}: ${quote(value)} is not ${what}. Write it like ${example}.`
    )
  }
  return value
}

export function accountId(input: string, value: string): string {
  return check(input, value, /^\d{12}$/, 'a 12-digit AWS account ID', '123456789012')
}

export function organizationArn(input: string, value: string): string {
  return check(
    input,
    value,
    new RegExp(`^arn:${PARTITION}:organizations::${ACCOUNT}:organization/o-[a-z0-9]{10,32}$`),
    'an organization ARN',
    'arn:aws:organizations::123456789012:organization/o-abcde12345'
  )
}

export function organizationalUnitArn(input: string, value: string): string {
  return check(
    input,
    value,
    new RegExp(
      `^arn:${PARTITION}:organizations::${ACCOUNT}:ou/o-[a-z0-9]{10,32}/ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`
    ),
    'an organizational unit ARN',
    'arn:aws:organizations::123456789012:ou/o-abcde12345/ou-ab12-cdef3456'
  )
}

/** IAM role ARN (with optional path); returns the account the role lives in. */
export function roleArn(input: string, value: string): { roleArn: string; accountId: string } {
  const match = new RegExp(
    `^arn:(${PARTITION}):iam::(${ACCOUNT}):role/(?:[\\w+=,.@-]+/)*[\\w+=,.@-]{1,64}$`
  ).exec(value)
  if (!match) {
    throw new InputError(
      input,
      `${input}: ${quote(value)} is not an IAM role ARN. Write it like arn:aws:iam::123456789012:role/ami-copy.`
    )
  }
  return { roleArn: value, accountId: match[2] }
}

export function partitionOfArn(arn: string): string {
  return arn.split(':')[1] ?? ''
}

export function partitionOfRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn'
  if (region.startsWith('us-gov-')) return 'aws-us-gov'
  if (region.startsWith('us-isob-')) return 'aws-iso-b'
  if (region.startsWith('us-iso-')) return 'aws-iso'
  return 'aws'
}

const REGION =
  /^(?:[a-z]{2})(?:-gov|-iso[a-z]?)?-(?:north|south|east|west|central|northeast|northwest|southeast|southwest)-\d{1,2}$/

export function region(input: string, value: string): string {
  return check(input, value, REGION, 'an AWS region', 'us-east-1 or eu-west-1')
}

export const TIMESTAMP_TOKEN = '{{timestamp}}'

/** UTC `YYYYMMDDhhmmss`, the value of `{{timestamp}}`. */
export function timestamp(now: Date): string {
  return now.toISOString().replace(/\D/g, '').slice(0, 14)
}

/** Replace `{{timestamp}}`, then check EC2's rules for image names. */
export function amiName(input: string, raw: string, now: Date): string {
  const name = raw.split(TIMESTAMP_TOKEN).join(timestamp(now))
  if (!/^[A-Za-z0-9 ()[\]./\-'@_]*$/.test(name)) {
    const bad = [...new Set(name.replace(/[A-Za-z0-9 ()[\]./\-'@_]/g, ''))].join('')
    throw new InputError(
      input,
      `${input}: ${quote(raw)} contains characters EC2 does not allow in an AMI name (${quote(bad)}). Use only letters, digits, spaces and ( ) [ ] . / - ' @ _ (and {{timestamp}}).`
    )
  }
  if (name.length < 3 || name.length > 128) {
    throw new InputError(
      input,
      `${input}: ${quote(name)} is ${name.length} characters long; an AMI name needs 3 to 128.`
    )
  }
  return name
}

export function amiId(input: string, value: string): string {
  return check(input, value, /^ami-[0-9a-f]{8,17}$/, 'an AMI ID', 'ami-0123456789abcdef0')
}

export function instanceId(input: string, value: string): string {
  return check(input, value, /^i-[0-9a-f]{8,17}$/, 'an EC2 instance ID', 'i-0123456789abcdef0')
}

/** SSM document name, or the ARN of a document shared from another account. */
export function documentName(input: string, value: string): string {
  if (value.startsWith('arn:')) {
    return check(
      input,
      value,
      new RegExp(
        `^arn:${PARTITION}:ssm:[a-z0-9-]+:${ACCOUNT}:(?:automation-definition|document)/[a-zA-Z0-9_.:/-]{3,128}$`
      ),
      'an SSM document ARN',
      'arn:aws:ssm:us-east-1:123456789012:document/MyRunbook'
    )
  }
  return check(
    input,
    value,
    /^[a-zA-Z0-9_.-]{3,128}$/,
    'an SSM document name (3 to 128 letters, digits, _ . -)',
    'AWS-UpdateLinuxAmi'
  )
}

export function documentVersion(input: string, value: string): string {
  return check(
    input,
    value,
    /^(?:\$LATEST|\$DEFAULT|[1-9]\d{0,9})$/,
    'a document version',
    '3, $LATEST or $DEFAULT'
  )
}

export function automationOutput(input: string, value: string): string {
  return check(
    input,
    value,
    /^[A-Za-z0-9_-]+\.[A-Za-z0-9_.-]+$/,
    'a runbook output (step.Output)',
    'createImage.ImageId'
  )
}

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}'
const MRK = 'mrk-[0-9a-fA-F]{32}'
const ALIAS = 'alias/[a-zA-Z0-9/_-]{1,250}'
const KMS_ARN = new RegExp(
  `^arn:${PARTITION}:kms:([a-z0-9-]+):${ACCOUNT}:(?:key/(?:${UUID}|${MRK})|${ALIAS})$`
)

/** KMS key as ID, multi-Region ID, alias or ARN; `region` is set for ARNs (keys are regional). */
export function kmsKey(input: string, value: string): { key: string; region?: string } {
  if (new RegExp(`^(?:${UUID}|${MRK}|${ALIAS})$`).test(value)) return { key: value }
  const match = KMS_ARN.exec(value)
  if (match) return { key: value, region: match[1] }
  throw new InputError(
    input,
    `${input}: ${quote(value)} is not a KMS key. Give a key ID (1234abcd-12ab-34cd-56ef-1234567890ab), an alias (alias/ami-key) or a key or alias ARN.`
  )
}

/** The AWS-managed EBS key cannot be shared with anyone, so copies made with it cannot be. */
export function isAwsManagedEbsAlias(key: string): boolean {
  return /(^|:)alias\/aws\/ebs$/.test(key)
}

/** SSM parameter name: letters, digits and _ . - /, no aws/ssm prefix, at most 15 levels. */
export function ssmParameterName(input: string, value: string): string {
  check(
    input,
    value,
    /^\/?[a-zA-Z0-9_.-]+(?:\/[a-zA-Z0-9_.-]+)*$/,
    'an SSM parameter name',
    '/images/web/latest'
  )
  if (value.length > 1011) {
    throw new InputError(
      input,
      `${input}: the name is ${value.length} characters; use at most 1011.`
    )
  }
  if (/^\/?(aws|ssm)/i.test(value)) {
    throw new InputError(
      input,
      `${input}: ${quote(value)} starts with "aws" or "ssm", which AWS reserves. Choose another name, e.g. /images/web/latest.`
    )
  }
  if (value.replace(/^\//, '').split('/').length > 15) {
    throw new InputError(
      input,
      `${input}: ${quote(value)} has more than 15 levels; use at most 15.`
    )
  }
  return value
}

export const FAMILY_TAG = 'ami-share-action:family'
export const RESERVED_TAG_PREFIX = 'ami-share-action:'
export const MAX_TAGS = 50

/** Tags on AMIs and snapshots: EC2's limits, no `aws:` keys, and our own prefix kept for us. */
export function tags(input: string, map: Record<string, string>): Record<string, string> {
  for (const [key, value] of Object.entries(map)) {
    if (charCount(key) < 1 || charCount(key) > 128) {
      throw new InputError(
        input,
        `${input}: tag key ${quote(key)} has ${charCount(key)} characters; use 1 to 128.`
      )
    }
    if (key.toLowerCase().startsWith('aws:')) {
      throw new InputError(
        input,
        `${input}: tag key ${quote(key)} starts with "aws:", which AWS reserves. Rename it.`
      )
    }
    if (key.toLowerCase().startsWith(RESERVED_TAG_PREFIX)) {
      throw new InputError(
        input,
        `${input}: tag key ${quote(key)} uses the prefix "${RESERVED_TAG_PREFIX}", which this action reserves (set the family with the family input). Rename it.`
      )
    }
    if (charCount(value) > 256) {
      throw new InputError(
        input,
        `${input}: the value of tag ${quote(key)} has ${charCount(value)} characters; use at most 256.`
      )
    }
  }
  return map
}

/** Family is a tag value and a DescribeImages filter value, where * and ? are wildcards. */
export function family(input: string, value: string): string {
  if (charCount(value) > 128 || /[*?\p{Cc}]/u.test(value)) {
    throw new InputError(
      input,
      `${input}: ${quote(value)} is not a usable family. Use up to 128 characters without * ? or control characters, e.g. web-server.`
    )
  }
  return value
}
