// readConfig(): the full Config from realistic inputs, defaults, and every malformed input refused
// with an InputError whose message starts with the input's name.
import { jest, describe, it, expect, beforeEach } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'

jest.unstable_mockModule('@actions/core', () => core)
const { readConfig } = await import('../../src/config.js')
const { InputError } = await import('../../src/errors.js')

const NOW = new Date('2026-01-15T10:20:30Z')
const ENV = { AWS_REGION: 'us-east-1' }
const ORG = 'arn:aws:organizations::123456789012:organization/o-abcde12345'
const OU = 'arn:aws:organizations::123456789012:ou/o-abcde12345/ou-ab12-cdef3456'
const ROLE = 'arn:aws:iam::210987654321:role/ami-copy'
const KEY = '1234abcd-12ab-34cd-56ef-1234567890ab'

function read(inputs: Record<string, string>, env: NodeJS.ProcessEnv = ENV) {
  core.setInputs(inputs)
  return readConfig({ now: NOW, env })
}

function failure(inputs: Record<string, string>, env: NodeJS.ProcessEnv = ENV) {
  try {
    read(inputs, env)
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error('readConfig accepted ' + JSON.stringify(inputs))
}

beforeEach(() => core.reset())

describe('readConfig: valid inputs', () => {
  it('builds the whole Config from every input', () => {
    const config = read({
      'automation-document': 'AWS-UpdateLinuxAmi',
      'automation-document-version': '3',
      'automation-output': 'createImage.ImageId',
      'automation-parameters':
        'SourceAmiId: ami-0123456789abcdef0\nIncludePackages: [curl, jq]\nCount: 01',
      'aws-region': 'eu-west-1',
      'ami-name': 'web {{timestamp}}',
      'ami-description': 'Web server',
      family: 'web',
      tags: 'Team=platform\nCost=1=2',
      'if-exists': 'REUSE',
      'share-accounts': '111122223333, 444455556666\n111122223333',
      'share-organizations': ORG,
      'share-organizational-units': OU,
      'share-public': 'false',
      'share-snapshots': 'True',
      'sharing-mode': 'exact',
      'copy-regions': 'us-east-1\neu-west-1, ap-southeast-2,us-west-2',
      'copy-accounts': ROLE,
      'kms-key-id': 'alias/ami',
      'region-kms-key-ids': `{"ap-southeast-2": "arn:aws:kms:ap-southeast-2:123456789012:key/${KEY}"}`,
      'deprecate-after': '90d',
      'deregistration-protection': 'TRUE',
      'ssm-parameter': '/images/web/latest',
      'prune-keep': '5',
      'prune-older-than': '12w',
      'prune-skip-in-use': 'false',
      'prune-dry-run': 'true',
      'timeout-minutes': '240',
      'dry-run': 'false',
      'comment-on-pr': 'true',
      'comment-header': 'web image',
      'github-token': 'ghs_fakefakefake'
    })
    expect(config).toEqual({
      source: {
        kind: 'automation',
        document: 'AWS-UpdateLinuxAmi',
        documentVersion: '3',
        output: 'createImage.ImageId',
        parameters: {
          SourceAmiId: ['ami-0123456789abcdef0'],
          IncludePackages: ['curl', 'jq'],
          Count: ['01']
        }
      },
      region: 'eu-west-1',
      amiName: 'web 20260115102030',
      amiDescription: 'Web server',
      family: 'web',
      tags: { Team: 'platform', Cost: '1=2', 'ami-share-action:family': 'web' },
      ifExists: 'reuse',
      share: {
        accounts: ['111122223333', '444455556666'],
        organizations: [ORG],
        organizationalUnits: [OU],
        public: false,
        snapshots: true,
        mode: 'exact'
      },
      copy: {
        regions: ['us-east-1', 'ap-southeast-2', 'us-west-2'],
        accounts: [{ roleArn: ROLE, accountId: '210987654321' }],
        kmsKeyId: 'alias/ami',
        regionKmsKeyIds: {
          'ap-southeast-2': `arn:aws:kms:ap-southeast-2:123456789012:key/${KEY}`
        }
      },
      deprecateAt: new Date(NOW.getTime() + 90 * 86_400_000),
      deprecateAfter: '90d',
      deregistrationProtection: true,
      ssmParameter: '/images/web/latest',
      prune: {
        family: 'web',
        keep: 5,
        olderThanMs: 12 * 7 * 86_400_000,
        skipInUse: false,
        dryRun: true,
        retire: { action: 'deregister', requireRecycleBin: false }
      },
      rebuild: { mode: 'always', namePattern: 'web {{timestamp}}' },
      timeoutMinutes: 240,
      dryRun: false,
      comment: { enabled: true, header: 'web image', token: 'ghs_fakefakefake' },
      pollIntervalMs: 5000
    })
    expect(core.setSecret).toHaveBeenCalledWith('ghs_fakefakefake')
  })

  it('applies every default with the fewest inputs', () => {
    expect(read({ 'ami-id': 'ami-0123456789abcdef0' })).toEqual({
      source: { kind: 'existing', amiId: 'ami-0123456789abcdef0' },
      region: 'us-east-1',
      tags: {},
      ifExists: 'fail',
      share: {
        accounts: [],
        organizations: [],
        organizationalUnits: [],
        public: false,
        snapshots: false,
        mode: 'add'
      },
      copy: { regions: [], accounts: [], regionKmsKeyIds: {} },
      deregistrationProtection: false,
      rebuild: { mode: 'always' },
      timeoutMinutes: 120,
      dryRun: false,
      comment: { enabled: false, header: 'ami-share-action' },
      pollIntervalMs: 5000
    })
  })

  it('reads an instance source with no-reboot and a name', () => {
    const config = read({
      'instance-id': 'i-0abc1234def567890',
      'no-reboot': 'true',
      'ami-name': 'base'
    })
    expect(config.source).toEqual({
      kind: 'instance',
      instanceId: 'i-0abc1234def567890',
      noReboot: true,
      amiName: 'base'
    })
    expect(config.amiName).toBe('base')
    expect(config.comment.header).toBe('base')
  })

  it('takes the region from AWS_REGION, then AWS_DEFAULT_REGION', () => {
    const inputs = { 'ami-id': 'ami-12345678' }
    expect(read(inputs, { AWS_REGION: 'cn-north-1', AWS_DEFAULT_REGION: 'eu-west-1' }).region).toBe(
      'cn-north-1'
    )
    expect(read(inputs, { AWS_DEFAULT_REGION: 'eu-west-1' }).region).toBe('eu-west-1')
    expect(read({ ...inputs, 'aws-region': 'ap-south-1' }, { AWS_REGION: 'x' }).region).toBe(
      'ap-south-1'
    )
  })

  it('takes the poll interval from AMI_SHARE_ACTION_POLL_MS', () => {
    expect(
      read({ 'ami-id': 'ami-12345678' }, { ...ENV, AMI_SHARE_ACTION_POLL_MS: '25' }).pollIntervalMs
    ).toBe(25)
  })

  it('accepts an RFC 3339 date and a plain date for deprecate-after', () => {
    const base = { 'ami-id': 'ami-12345678' }
    expect(read({ ...base, 'deprecate-after': '2027-03-01T12:00:00+02:00' }).deprecateAt).toEqual(
      new Date('2027-03-01T10:00:00Z')
    )
    expect(read({ ...base, 'deprecate-after': '2030-01-31' }).deprecateAt).toEqual(
      new Date('2030-01-31T00:00:00Z')
    )
    expect(read({ ...base, 'deprecate-after': '6 months' }).deprecateAt).toEqual(
      new Date(NOW.getTime() + 180 * 86_400_000)
    )
  })

  it('lets a public AMI deprecate within 2 years', () => {
    const config = read({
      'ami-id': 'ami-12345678',
      'share-public': 'true',
      'deprecate-after': '1y'
    })
    expect(config.share.public).toBe(true)
    expect(config.deprecateAt).toEqual(new Date(NOW.getTime() + 365 * 86_400_000))
  })

  it('comment header falls back to family, then ami-name', () => {
    const base = { 'instance-id': 'i-12345678', 'ami-name': 'named' }
    expect(read({ ...base, family: 'fam' }).comment.header).toBe('fam')
    expect(read(base).comment.header).toBe('named')
    // Stable across runs, so the same PR comment is found and updated.
    expect(read({ ...base, 'ami-name': 'web-{{timestamp}}' }).comment.header).toBe(
      'web-{{timestamp}}'
    )
  })

  it('accepts every KMS key form', () => {
    const base = { 'ami-id': 'ami-12345678', 'copy-regions': 'eu-west-1' }
    for (const key of [
      KEY,
      'mrk-1234abcd12ab34cd56ef1234567890ab',
      'alias/ami/key_1',
      `arn:aws:kms:eu-west-1:123456789012:key/${KEY}`,
      'arn:aws:kms:eu-west-1:123456789012:alias/ami'
    ]) {
      expect(read({ ...base, 'kms-key-id': key }).copy.kmsKeyId).toBe(key)
    }
  })

  it('accepts Key=Value region-kms-key-ids and role ARNs with paths', () => {
    const config = read({
      'ami-id': 'ami-12345678',
      'copy-regions': 'eu-west-1',
      'copy-accounts': 'arn:aws:iam::210987654321:role/path/to/copier',
      'region-kms-key-ids': 'eu-west-1=alias/eu\nus-east-1 = alias/us'
    })
    expect(config.copy.accounts).toEqual([
      { roleArn: 'arn:aws:iam::210987654321:role/path/to/copier', accountId: '210987654321' }
    ])
    expect(config.copy.regionKmsKeyIds).toEqual({
      'eu-west-1': 'alias/eu',
      'us-east-1': 'alias/us'
    })
  })
})

/** Every entry must fail and name `input` (first line of the message starts with it). */
const BAD: Array<[string, string, Record<string, string>, NodeJS.ProcessEnv?]> = [
  ['no source', 'automation-document', {}],
  [
    'two sources',
    'automation-document',
    { 'automation-document': 'AWS-CreateImage', 'ami-id': 'ami-12345678' }
  ],
  [
    'three sources',
    'automation-document',
    { 'automation-document': 'X-doc', 'instance-id': 'i-12345678', 'ami-id': 'ami-12345678' }
  ],
  ['bad AMI ID', 'ami-id', { 'ami-id': 'ami-XYZ' }],
  ['bad instance ID', 'instance-id', { 'instance-id': 'instance-1', 'ami-name': 'abc' }],
  ['bad document name', 'automation-document', { 'automation-document': 'a b' }],
  [
    'bad document ARN',
    'automation-document',
    { 'automation-document': 'arn:aws:ssm:us-east-1:123:document/x' }
  ],
  [
    'bad document version',
    'automation-document-version',
    { 'automation-document': 'AWS-CreateImage', 'automation-document-version': 'latest' }
  ],
  [
    'bad automation output',
    'automation-output',
    { 'automation-document': 'AWS-CreateImage', 'automation-output': 'ImageId' }
  ],
  [
    'parameters without runbook',
    'automation-parameters',
    { 'ami-id': 'ami-12345678', 'automation-parameters': 'A=b' }
  ],
  [
    'bad YAML parameters',
    'automation-parameters',
    { 'automation-document': 'AWS-CreateImage', 'automation-parameters': 'a: [b' }
  ],
  [
    'bad JSON parameters',
    'automation-parameters',
    { 'automation-document': 'AWS-CreateImage', 'automation-parameters': '{"a": "b",}x' }
  ],
  [
    'parameters not a map',
    'automation-parameters',
    { 'automation-document': 'AWS-CreateImage', 'automation-parameters': '- a\n- b' }
  ],
  [
    'nested parameter value',
    'automation-parameters',
    { 'automation-document': 'AWS-CreateImage', 'automation-parameters': 'a: {b: c}' }
  ],
  [
    'duplicate Key=Value',
    'automation-parameters',
    { 'automation-document': 'AWS-CreateImage', 'automation-parameters': 'A=1\nA=2' }
  ],
  [
    'half Key=Value, half text',
    'tags',
    { 'ami-id': 'ami-12345678', tags: 'Team=platform\njust text' }
  ],
  ['no-reboot without instance', 'no-reboot', { 'ami-id': 'ami-12345678', 'no-reboot': 'true' }],
  [
    'bad no-reboot',
    'no-reboot',
    { 'instance-id': 'i-12345678', 'ami-name': 'abc', 'no-reboot': 'yes' }
  ],
  ['no region anywhere', 'aws-region', { 'ami-id': 'ami-12345678' }, {}],
  ['bad region input', 'aws-region', { 'ami-id': 'ami-12345678', 'aws-region': 'us-east' }],
  ['bad region from env', 'aws-region', { 'ami-id': 'ami-12345678' }, { AWS_REGION: 'Frankfurt' }],
  ['instance without name', 'ami-name', { 'instance-id': 'i-12345678' }],
  ['name too short', 'ami-name', { 'instance-id': 'i-12345678', 'ami-name': 'ab' }],
  ['name too long', 'ami-name', { 'instance-id': 'i-12345678', 'ami-name': 'a'.repeat(129) }],
  ['name charset', 'ami-name', { 'instance-id': 'i-12345678', 'ami-name': 'web#1' }],
  ['name with ami-id', 'ami-name', { 'ami-id': 'ami-12345678', 'ami-name': 'web' }],
  [
    'name twice',
    'ami-name',
    {
      'automation-document': 'AWS-UpdateLinuxAmi',
      'ami-name': 'web',
      'automation-parameters': 'TargetAmiName=x'
    }
  ],
  [
    'description too long',
    'ami-description',
    { 'ami-id': 'ami-12345678', 'ami-description': 'd'.repeat(256) }
  ],
  ['family wildcard', 'family', { 'ami-id': 'ami-12345678', family: 'web*' }],
  ['aws: tag', 'tags', { 'ami-id': 'ami-12345678', tags: 'aws:cloudformation=x' }],
  ['reserved tag prefix', 'tags', { 'ami-id': 'ami-12345678', tags: 'ami-share-action:keep=true' }],
  ['tag value too long', 'tags', { 'ami-id': 'ami-12345678', tags: `a=${'v'.repeat(257)}` }],
  ['tag key too long', 'tags', { 'ami-id': 'ami-12345678', tags: `${'k'.repeat(129)}=v` }],
  [
    'too many tags',
    'tags',
    {
      'ami-id': 'ami-12345678',
      family: 'f',
      tags: Array.from({ length: 50 }, (_, i) => `k${i}=v`).join('\n')
    }
  ],
  ['tag list value', 'tags', { 'ami-id': 'ami-12345678', tags: 'a: [b, c]' }],
  [
    'bad if-exists',
    'if-exists',
    { 'instance-id': 'i-12345678', 'ami-name': 'abc', 'if-exists': 'overwrite' }
  ],
  ['if-exists with ami-id', 'if-exists', { 'ami-id': 'ami-12345678', 'if-exists': 'replace' }],
  [
    'short account ID',
    'share-accounts',
    { 'ami-id': 'ami-12345678', 'share-accounts': '12345678901' }
  ],
  [
    'account ID letters',
    'share-accounts',
    { 'ami-id': 'ami-12345678', 'share-accounts': '111122223333,abcdabcdabcd' }
  ],
  [
    'bad org ARN',
    'share-organizations',
    { 'ami-id': 'ami-12345678', 'share-organizations': 'o-abcde12345' }
  ],
  [
    'bad OU ARN',
    'share-organizational-units',
    {
      'ami-id': 'ami-12345678',
      'share-organizational-units': 'arn:aws:organizations::123456789012:ou/o-abcde12345/ou-1'
    }
  ],
  ['bad share-public', 'share-public', { 'ami-id': 'ami-12345678', 'share-public': '1' }],
  [
    'snapshots without accounts',
    'share-snapshots',
    { 'ami-id': 'ami-12345678', 'share-snapshots': 'true' }
  ],
  ['bad sharing-mode', 'sharing-mode', { 'ami-id': 'ami-12345678', 'sharing-mode': 'replace' }],
  [
    'too many share entities',
    'share-accounts',
    {
      'ami-id': 'ami-12345678',
      'share-accounts': Array.from({ length: 1001 }, (_, i) => String(100000000000 + i)).join(',')
    }
  ],
  [
    'bad copy region',
    'copy-regions',
    { 'ami-id': 'ami-12345678', 'copy-regions': 'eu-west-1,mars-north-1x' }
  ],
  [
    'bad role ARN',
    'copy-accounts',
    { 'ami-id': 'ami-12345678', 'copy-accounts': 'arn:aws:iam::123:role/x' }
  ],
  [
    'user ARN, not role',
    'copy-accounts',
    { 'ami-id': 'ami-12345678', 'copy-accounts': 'arn:aws:iam::123456789012:user/x' }
  ],
  [
    'two roles one account',
    'copy-accounts',
    { 'ami-id': 'ami-12345678', 'copy-accounts': `${ROLE}\narn:aws:iam::210987654321:role/other` }
  ],
  [
    'role in other partition',
    'copy-accounts',
    { 'ami-id': 'ami-12345678', 'copy-accounts': 'arn:aws-cn:iam::210987654321:role/x' }
  ],
  [
    'bad KMS key',
    'kms-key-id',
    { 'ami-id': 'ami-12345678', 'copy-regions': 'eu-west-1', 'kms-key-id': 'my-key' }
  ],
  ['KMS without copies', 'kms-key-id', { 'ami-id': 'ami-12345678', 'kms-key-id': 'alias/x' }],
  [
    'KMS ARN in another region',
    'kms-key-id',
    {
      'ami-id': 'ami-12345678',
      'copy-regions': 'eu-west-1',
      'kms-key-id': `arn:aws:kms:us-west-2:123456789012:key/${KEY}`
    }
  ],
  [
    'aws/ebs with sharing',
    'kms-key-id',
    {
      'ami-id': 'ami-12345678',
      'copy-regions': 'eu-west-1',
      'kms-key-id': 'alias/aws/ebs',
      'share-accounts': '111122223333'
    }
  ],
  [
    'region map bad region',
    'region-kms-key-ids',
    {
      'ami-id': 'ami-12345678',
      'copy-regions': 'eu-west-1',
      'region-kms-key-ids': 'europe=alias/x'
    }
  ],
  [
    'region map not copied',
    'region-kms-key-ids',
    {
      'ami-id': 'ami-12345678',
      'copy-regions': 'eu-west-1',
      'region-kms-key-ids': 'ap-south-1=alias/x'
    }
  ],
  [
    'region map ARN mismatch',
    'region-kms-key-ids',
    {
      'ami-id': 'ami-12345678',
      'copy-regions': 'eu-west-1',
      'region-kms-key-ids': `eu-west-1=arn:aws:kms:us-east-1:123456789012:key/${KEY}`
    }
  ],
  ['bad duration', 'deprecate-after', { 'ami-id': 'ami-12345678', 'deprecate-after': '90 dayz' }],
  ['zero duration', 'deprecate-after', { 'ami-id': 'ami-12345678', 'deprecate-after': '0d' }],
  [
    'past date',
    'deprecate-after',
    { 'ami-id': 'ami-12345678', 'deprecate-after': '2020-01-01T00:00:00Z' }
  ],
  [
    'impossible date',
    'deprecate-after',
    { 'ami-id': 'ami-12345678', 'deprecate-after': '2027-02-30' }
  ],
  ['more than 10 years', 'deprecate-after', { 'ami-id': 'ami-12345678', 'deprecate-after': '11y' }],
  [
    'public more than 2 years',
    'deprecate-after',
    { 'ami-id': 'ami-12345678', 'share-public': 'true', 'deprecate-after': '2029-01-01' }
  ],
  [
    'bad protection boolean',
    'deregistration-protection',
    { 'ami-id': 'ami-12345678', 'deregistration-protection': 'on' }
  ],
  [
    'reserved SSM name',
    'ssm-parameter',
    { 'ami-id': 'ami-12345678', 'ssm-parameter': '/aws/service/x' }
  ],
  ['bad SSM name', 'ssm-parameter', { 'ami-id': 'ami-12345678', 'ssm-parameter': 'a b' }],
  [
    'negative prune-keep',
    'prune-keep',
    { 'ami-id': 'ami-12345678', family: 'f', 'prune-keep': '-1' }
  ],
  ['zero prune-keep', 'prune-keep', { 'ami-id': 'ami-12345678', family: 'f', 'prune-keep': '0' }],
  [
    'fractional prune-keep',
    'prune-keep',
    { 'ami-id': 'ami-12345678', family: 'f', 'prune-keep': '2.5' }
  ],
  ['prune-keep without family', 'prune-keep', { 'ami-id': 'ami-12345678', 'prune-keep': '3' }],
  [
    'older-than without keep',
    'prune-older-than',
    { 'ami-id': 'ami-12345678', family: 'f', 'prune-older-than': '30d' }
  ],
  [
    'skip-in-use without keep',
    'prune-skip-in-use',
    { 'ami-id': 'ami-12345678', 'prune-skip-in-use': 'false' }
  ],
  [
    'prune dry run without keep',
    'prune-dry-run',
    { 'ami-id': 'ami-12345678', 'prune-dry-run': 'true' }
  ],
  [
    'bad prune-older-than',
    'prune-older-than',
    { 'ami-id': 'ami-12345678', family: 'f', 'prune-keep': '2', 'prune-older-than': '30' }
  ],
  [
    'non-numeric timeout',
    'timeout-minutes',
    { 'ami-id': 'ami-12345678', 'timeout-minutes': 'ten' }
  ],
  ['zero timeout', 'timeout-minutes', { 'ami-id': 'ami-12345678', 'timeout-minutes': '0' }],
  ['timeout too long', 'timeout-minutes', { 'ami-id': 'ami-12345678', 'timeout-minutes': '4321' }],
  ['bad dry-run', 'dry-run', { 'ami-id': 'ami-12345678', 'dry-run': 'maybe' }],
  ['bad comment-on-pr', 'comment-on-pr', { 'ami-id': 'ami-12345678', 'comment-on-pr': 'y' }],
  ['comment without token', 'github-token', { 'ami-id': 'ami-12345678', 'comment-on-pr': 'true' }],
  [
    'comment header marker',
    'comment-header',
    { 'ami-id': 'ami-12345678', 'comment-header': 'x -->' }
  ],
  [
    'bad poll env',
    'AMI_SHARE_ACTION_POLL_MS',
    { 'ami-id': 'ami-12345678' },
    { ...ENV, AMI_SHARE_ACTION_POLL_MS: '-5' }
  ]
]

describe('readConfig: malformed inputs', () => {
  // Every row gets an explicit env: a callback with more parameters than the row is a `done` test.
  const rows = BAD.map(([label, input, inputs, env]) => [label, input, inputs, env ?? ENV] as const)

  it.each(rows)('%s -> InputError naming %s', (_label, input, inputs, env) => {
    const error = failure(inputs, env)
    expect(error.input).toBe(input)
    expect(error.message.startsWith(input)).toBe(true)
    expect(error.message).not.toMatch(/\n\s+at /)
  })

  it('quotes the bad value and says how to fix it', () => {
    expect(failure({ 'ami-id': 'ami-12345678', 'share-accounts': '12345' }).message).toBe(
      'share-accounts: "12345" is not a 12-digit AWS account ID. Write it like 123456789012.'
    )
    expect(failure({ 'ami-id': 'ami-12345678', 'dry-run': 'yes' }).message).toBe(
      'dry-run: "yes" is not a boolean. Use true or false.'
    )
  })

  it('reports every problem at once, one line each', () => {
    const error = failure({ 'ami-id': 'bad', 'share-accounts': '1', 'timeout-minutes': '-3' }, {})
    const lines = error.message.split('\n')
    expect(lines.map((line) => line.split(':')[0])).toEqual([
      'ami-id',
      'aws-region',
      'share-accounts',
      'timeout-minutes'
    ])
    expect(error.problems.map((p) => p.input)).toEqual([
      'ami-id',
      'aws-region',
      'share-accounts',
      'timeout-minutes'
    ])
    expect(error.input).toBe('ami-id')
  })

  it('never puts the token in a message', () => {
    const error = failure({
      'ami-id': 'x',
      'github-token': 'ghp_secret123',
      'comment-on-pr': 'true'
    })
    expect(error.message).not.toContain('ghp_secret123')
  })
})
