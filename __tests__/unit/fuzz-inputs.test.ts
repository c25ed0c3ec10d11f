// Fuzz: 10,000+ generated input sets, valid and invalid. readConfig() either returns a Config that
// holds every invariant or throws an InputError naming real inputs; nothing else ever escapes.
// A sample of the invalid sets then goes through run(): no AWS call, one clean failure message.
import { jest, describe, it, expect, beforeAll, afterAll } from '@jest/globals'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { mockClient } from 'aws-sdk-client-mock'
import { EC2Client } from '@aws-sdk/client-ec2'
import { KMSClient } from '@aws-sdk/client-kms'
import { SSMClient } from '@aws-sdk/client-ssm'
import { STSClient } from '@aws-sdk/client-sts'
import { parse } from 'yaml'
import * as core from '../../__fixtures__/core.js'

jest.unstable_mockModule('@actions/core', () => core)
const { readConfig } = await import('../../src/config.js')
const { InputError } = await import('../../src/errors.js')
const { TEST_INPUTS } = await import('../../src/config/test.js')
type Config = ReturnType<typeof readConfig>

const actionYml = parse(
  readFileSync(fileURLToPath(new URL('../../action.yml', import.meta.url)), 'utf8')
) as { inputs: Record<string, unknown> }
const INPUT_NAMES = Object.keys(actionYml.inputs)
const NAMEABLE = new Set([...INPUT_NAMES, 'AMI_SHARE_ACTION_POLL_MS'])

const NOW = new Date('2026-06-01T00:00:00Z')
const KEY = '1234abcd-12ab-34cd-56ef-1234567890ab'
const RUNS = 10_000
const RUN_SAMPLE = 300

/** Per input: values that should pass and values that should not (random text joins both). */
const VALUES: Record<string, { good: string[]; bad: string[] }> = {
  'automation-document': {
    good: [
      'AWS-UpdateLinuxAmi',
      'AWS-CreateImage',
      'arn:aws:ssm:us-east-1:123456789012:document/My.Doc'
    ],
    bad: ['a', 'bad name!', 'arn:aws:ssm:::document/x']
  },
  'automation-parameters': {
    good: [
      'InstanceId=i-12345678',
      'SourceAmiId: ami-12345678\nIncludePackages: [a, b]',
      '{"A": "1"}'
    ],
    bad: ['a: [b', 'a: {b: c}', '- x', 'A=1\nA=2', 'just text']
  },
  'automation-document-version': {
    good: ['1', '$LATEST', '$DEFAULT'],
    bad: ['0', 'v1', '$latest']
  },
  'automation-output': { good: ['createImage.ImageId', 'step.Out'], bad: ['ImageId', 'a.b c'] },
  'instance-id': { good: ['i-12345678', 'i-0123456789abcdef0'], bad: ['i-xyz', 'instance', 'i-1'] },
  'no-reboot': { good: ['true', 'false', 'FALSE'], bad: ['yes', '1'] },
  'ami-id': {
    good: ['ami-12345678', 'ami-0123456789abcdef0'],
    bad: ['ami-', 'AMI-12345678', 'ami-1234567g']
  },
  'aws-region': {
    good: ['us-east-1', 'eu-west-1', 'us-gov-west-1', 'cn-north-1'],
    bad: ['us-east', 'EU-WEST-1', 'moon-1']
  },
  'ami-name': {
    good: ['web {{timestamp}}', "base (x) [y] ./-'@_", 'abc'],
    bad: ['ab', 'web#1', 'x'.repeat(129), '{{timestamp}}'.repeat(10)]
  },
  'ami-description': { good: ['Web server image'], bad: ['d'.repeat(300)] },
  family: { good: ['web', 'team/web-1'], bad: ['web*', 'a?b', 'f'.repeat(129)] },
  tags: {
    good: ['Team=platform', 'Team: platform\nCost: "12"', '{"a": "b"}'],
    bad: ['aws:x=1', 'ami-share-action:keep=true', `k=${'v'.repeat(257)}`, 'a: [b]', 'text']
  },
  'if-exists': { good: ['fail', 'reuse', 'REPLACE'], bad: ['overwrite', 'skip'] },
  'share-accounts': {
    good: ['111122223333', '111122223333, 444455556666\n777788889999'],
    bad: ['123', '1111222233334', 'abcdabcdabcd']
  },
  'share-organizations': {
    good: ['arn:aws:organizations::123456789012:organization/o-abcde12345'],
    bad: ['o-abcde12345', 'arn:aws:organizations::123456789012:organization/o-1']
  },
  'share-organizational-units': {
    good: ['arn:aws:organizations::123456789012:ou/o-abcde12345/ou-ab12-cdef3456'],
    bad: ['ou-ab12-cdef3456', 'arn:aws:organizations::123456789012:ou/o-abcde12345/ou-1']
  },
  'share-public': { good: ['true', 'false'], bad: ['public', 'Y'] },
  'share-snapshots': { good: ['true', 'false'], bad: ['both'] },
  'sharing-mode': { good: ['add', 'exact', 'EXACT'], bad: ['replace', 'set'] },
  'copy-regions': {
    good: ['eu-west-1', 'us-east-1, ap-southeast-2\neu-central-1'],
    bad: ['europe', 'eu-west-1,x']
  },
  'copy-accounts': {
    good: ['arn:aws:iam::210987654321:role/copy', 'arn:aws:iam::210987654321:role/p/q/r'],
    bad: ['arn:aws:iam::123:role/x', 'arn:aws:iam::210987654321:user/x', '210987654321']
  },
  'kms-key-id': {
    good: [KEY, 'alias/ami', 'mrk-1234abcd12ab34cd56ef1234567890ab'],
    bad: ['key', 'alias/', `arn:aws:kms:eu-west-1:1:key/${KEY}`]
  },
  'region-kms-key-ids': {
    good: ['eu-west-1=alias/eu', '{"eu-west-1": "alias/x"}'],
    bad: ['europe=alias/x', 'eu-west-1=nokey']
  },
  'deprecate-after': {
    good: ['90d', '12w', '6m', '1y', '2027-01-01T00:00:00Z', '36h'],
    bad: ['90', '0d', '2020-01-01', '11y', '2027-02-30', 'soon']
  },
  'deregistration-protection': { good: ['true', 'false'], bad: ['enabled'] },
  'ssm-parameter': { good: ['/images/web/latest', 'golden'], bad: ['/aws/x', 'a b', 'ssm-x'] },
  'prune-keep': { good: ['1', '5', '30'], bad: ['0', '-1', '2.5', 'all'] },
  'prune-older-than': { good: ['30d', '2w'], bad: ['30', 'month'] },
  'prune-skip-in-use': { good: ['true', 'false'], bad: ['never'] },
  'prune-dry-run': { good: ['true', 'false'], bad: ['dry'] },
  'timeout-minutes': { good: ['1', '120', '4320'], bad: ['0', '4321', 'ten', '-5', '1.5'] },
  'dry-run': { good: ['true', 'false', 'True'], bad: ['maybe'] },
  'comment-on-pr': { good: ['true', 'false'], bad: ['sometimes'] },
  'comment-header': { good: ['web image'], bad: ['x -->', 'h'.repeat(200)] },
  'github-token': { good: ['ghs_FAKEfake000token'], bad: [] },
  'prune-action': { good: ['deregister', 'disable'], bad: ['delete'] },
  'prune-deregister-disabled-after': { good: ['30d'], bad: ['30', 'later'] },
  'prune-unused-for': { good: ['30d', '2w'], bad: ['30', 'recently'] },
  'prune-require-recycle-bin': { good: ['true', 'false'], bad: ['yes'] },
  'test-command': { good: ['curl -fsS http://localhost/ | grep -q Hello'], bad: [] },
  'test-launch': { good: ['true', 'false'], bad: ['yes'] },
  'test-instance-type': { good: ['t3.micro', 'm7g.large'], bad: ['t3', 'T3 micro'] },
  'test-subnet-id': { good: ['subnet-0123456789abcdef0'], bad: ['subnet-x', 'sn-1'] },
  'test-security-group-ids': { good: ['sg-0123456789abcdef0'], bad: ['default', 'sg-x'] },
  'test-instance-profile': { good: ['ssm-core'], bad: ['arn:aws:iam::1:role/x'] },
  'test-account-role': {
    good: ['arn:aws:iam::444455556666:role/consumer'],
    bad: ['arn:aws:iam::444455556666:user/consumer']
  },
  'test-regions': { good: ['all'], bad: ['mars-1'] },
  'test-timeout-minutes': { good: ['15', '30'], bad: ['0', 'ten'] },
  'launch-templates': {
    good: ['', 'web', 'lt-0123456789abcdef0', 'web\nlt-0123456789abcdef0'],
    bad: ['lt-12', 'ab', 'web template']
  },
  'launch-template-set-default': { good: ['true', 'false'], bad: ['yes'] },
  rebuild: { good: ['always', 'if-changed'], bad: ['sometimes'] }
}

const SOURCES = ['automation-document', 'instance-id', 'ami-id']

/** Mostly absent, sometimes a good value; in a dirty set also bad or random values. */
function valueOf(name: string, dirty: boolean): fc.Arbitrary<string | undefined> {
  const { good, bad } = VALUES[name]
  const arbitraries: Array<fc.WeightedArbitrary<string | undefined>> = [
    { arbitrary: fc.constant(undefined), weight: dirty ? 12 : 6 },
    { arbitrary: fc.constantFrom(...good), weight: SOURCES.includes(name) ? 0 : 2 }
  ]
  if (dirty) arbitraries.push({ arbitrary: fc.string({ maxLength: 20 }), weight: 1 })
  if (dirty && bad.length) arbitraries.push({ arbitrary: fc.constantFrom(...bad), weight: 1 })
  return fc.oneof(...arbitraries)
}

const valuesOf = (dirty: boolean) =>
  fc.record(Object.fromEntries(INPUT_NAMES.map((name) => [name, valueOf(name, dirty)])))

const inputSet = fc
  .record({
    source: fc.constantFrom(...SOURCES),
    // Half the sets hold only good values made coherent (see cohere), half anything at all.
    clean: fc.boolean(),
    cleanValues: valuesOf(false),
    dirtyValues: valuesOf(true),
    sourceValue: fc.oneof(
      { arbitrary: fc.constant('good'), weight: 8 },
      { arbitrary: fc.constant('bad'), weight: 1 }
    ),
    region: fc.oneof(
      { arbitrary: fc.constantFrom('us-east-1', 'eu-west-1', 'cn-north-1'), weight: 8 },
      { arbitrary: fc.constantFrom(undefined, 'nowhere'), weight: 1 }
    )
  })
  .map(({ source, clean, cleanValues, dirtyValues, sourceValue, region }) => {
    const inputs: Record<string, string> = {}
    for (const [name, value] of Object.entries(clean ? cleanValues : dirtyValues))
      if (value !== undefined) inputs[name] = value
    // Nearly always set the chosen source, so valid configurations are common.
    const pool = VALUES[source]
    inputs[source] = sourceValue === 'good' || !pool.bad.length ? pool.good[0] : pool.bad[0]
    if (source === 'instance-id' && !inputs['ami-name']) inputs['ami-name'] = 'web {{timestamp}}'
    if (clean) cohere(inputs, source)
    const env: NodeJS.ProcessEnv = region ? { AWS_REGION: region } : {}
    return { inputs, env }
  })

/** Make a set of good values consistent across inputs, the way a careful user would. */
function cohere(inputs: Record<string, string>, source: string): void {
  const drop = (...names: string[]) => names.forEach((name) => delete inputs[name])
  if (source !== 'automation-document') {
    drop('automation-parameters', 'automation-document-version', 'automation-output')
  } else if (inputs['automation-parameters']?.includes('TargetAmiName')) drop('ami-name')
  if (source !== 'instance-id') drop('no-reboot')
  if (source === 'ami-id') drop('ami-name', 'if-exists')
  if (inputs.rebuild === 'if-changed' && source !== 'automation-document') drop('rebuild')
  if (inputs.rebuild === 'if-changed') inputs.family ??= 'web'
  if (inputs['prune-keep']) inputs.family ??= 'web'
  else
    drop(
      'prune-older-than',
      'prune-skip-in-use',
      'prune-dry-run',
      'prune-action',
      'prune-deregister-disabled-after',
      'prune-unused-for',
      'prune-require-recycle-bin'
    )
  if (inputs['prune-deregister-disabled-after']) inputs['prune-action'] = 'disable'
  if (inputs['region-kms-key-ids']) inputs['copy-regions'] = 'eu-west-1'
  if (inputs['kms-key-id'] && !inputs['copy-regions'] && !inputs['copy-accounts'])
    inputs['copy-regions'] = 'eu-west-1'
  if (inputs['share-snapshots'] === 'true') inputs['share-accounts'] ??= '111122223333'
  if (inputs['comment-on-pr'] === 'true') inputs['github-token'] ??= 'ghs_FAKEfake000token'
  if (!inputs['test-command'] && inputs['test-launch'] !== 'true')
    drop(...TEST_INPUTS.filter((name) => name !== 'test-command' && name !== 'test-launch'))
  if (!inputs['test-subnet-id']) drop('test-security-group-ids')
}

// Plain assertions in the hot loop: expect() is too slow for 10,000 runs.
function checkConfig(config: Config, inputs: Record<string, string>): void {
  const given = SOURCES.filter((name) => inputs[name]?.trim())
  assert.equal(given.length, 1)
  const kind = {
    'automation-document': 'automation',
    'instance-id': 'instance',
    'ami-id': 'existing'
  }
  assert.equal(config.source.kind, kind[given[0] as keyof typeof kind])
  assert.match(config.region, /^[a-z]{2}(-gov)?-[a-z]+-\d+$/)
  if (config.source.kind === 'instance') assert.ok(config.amiName)
  if (config.amiName !== undefined) {
    assert.match(config.amiName, /^[A-Za-z0-9 ()[\]./\-'@_]{3,128}$/)
  }
  assert.ok(Object.keys(config.tags).length <= 50)
  for (const key of Object.keys(config.tags)) assert.ok(!key.toLowerCase().startsWith('aws:'))
  assert.equal(config.tags['ami-share-action:family'], config.family)
  for (const account of config.share.accounts) assert.match(account, /^\d{12}$/)
  const launch = new Set([
    ...config.share.accounts,
    ...config.copy.accounts.map((a) => a.accountId)
  ])
  const entities =
    launch.size + config.share.organizations.length + config.share.organizationalUnits.length
  assert.ok(entities <= 1000)
  assert.ok(!config.copy.regions.includes(config.region))
  assert.equal(new Set(config.copy.regions).size, config.copy.regions.length)
  for (const account of config.copy.accounts) {
    assert.ok(account.roleArn.includes(`::${account.accountId}:role/`))
  }
  if (config.prune) {
    assert.ok(config.prune.keep >= 1)
    assert.ok(config.family)
    if (config.prune.retire?.deregisterDisabledAfterMs !== undefined)
      assert.equal(config.prune.retire?.action, 'disable')
  } else {
    assert.ok(!inputs['prune-older-than'])
  }
  assert.ok(config.timeoutMinutes >= 1 && config.timeoutMinutes <= 4320)
  if (config.deprecateAt) {
    assert.ok(config.deprecateAt.getTime() > NOW.getTime())
    const limit = new Date(NOW)
    limit.setUTCFullYear(limit.getUTCFullYear() + (config.share.public ? 2 : 10))
    assert.ok(config.deprecateAt.getTime() <= limit.getTime())
  }
  assert.ok(config.comment.header.length > 0)
  if (config.comment.enabled) assert.ok(config.comment.token)
  assert.equal(config.pollIntervalMs, 5000)
  if (config.test) {
    assert.equal(config.test.regions[0], config.region)
    for (const r of config.test.regions)
      assert.ok(r === config.region || config.copy.regions.includes(r))
    assert.ok(config.test.timeoutMinutes >= 1 && config.test.timeoutMinutes <= 360)
  } else assert.ok(!inputs['test-instance-type'] && !inputs['test-regions'])
}

function checkError(error: unknown): void {
  assert.ok(error instanceof InputError, `not an InputError: ${String(error)}`)
  assert.ok(NAMEABLE.has(error.input), error.input)
  assert.ok(error.message.startsWith(error.input), error.message)
  assert.ok(!error.message.includes('    at '), error.message)
  for (const problem of error.problems) {
    assert.ok(NAMEABLE.has(problem.input), problem.input)
    assert.ok(problem.message.startsWith(problem.input), problem.message)
  }
}

const SEED = Number(process.env.FUZZ_SEED ?? 20260601)

/** readConfig's verdict on one set: its Config, or the InputError it threw (anything else escapes). */
function verdict(
  inputs: Record<string, string>,
  env: NodeJS.ProcessEnv
): Config | InstanceType<typeof InputError> {
  core.setInputs(inputs)
  core.getInput.mockClear()
  try {
    return readConfig({ now: NOW, env })
  } catch (error) {
    checkError(error)
    return error as InstanceType<typeof InputError>
  }
}

/** The first RUN_SAMPLE generated sets that readConfig refuses, made here for the run() test alone. */
function invalidSample(): Array<{ inputs: Record<string, string>; env: NodeJS.ProcessEnv }> {
  const sample = []
  for (const set of fc.sample(inputSet, { numRuns: RUNS, seed: SEED })) {
    if (verdict(set.inputs, set.env) instanceof InputError) sample.push(set)
    if (sample.length === RUN_SAMPLE) break
  }
  return sample
}

describe('fuzzed inputs', () => {
  it(`${RUNS} input sets: a valid Config or an InputError naming a real input`, () => {
    let valid = 0
    let refused = 0
    fc.assert(
      fc.property(inputSet, ({ inputs, env }) => {
        const config = verdict(inputs, env)
        if (config instanceof InputError) return void refused++
        valid++
        checkConfig(config, inputs)
      }),
      { numRuns: RUNS, seed: SEED }
    )
    // The generator must exercise both outcomes in earnest.
    expect(valid).toBeGreaterThan(RUNS / 10)
    expect(refused).toBeGreaterThan(RUNS / 10)
  }, 60_000)

  it('every good value of every input is accepted in a coherent set', () => {
    /** What an input only works with, as a careful user would add it. */
    const needs: Record<string, Record<string, string>> = {
      'no-reboot': { 'instance-id': VALUES['instance-id'].good[0] },
      ...Object.fromEntries(
        [
          'prune-older-than',
          'prune-skip-in-use',
          'prune-dry-run',
          'prune-action',
          'prune-unused-for',
          'prune-require-recycle-bin'
        ].map((name) => [name, { 'prune-keep': '5' }])
      ),
      'prune-deregister-disabled-after': { 'prune-keep': '5', 'prune-action': 'disable' },
      ...Object.fromEntries(
        [
          'test-instance-type',
          'test-subnet-id',
          'test-instance-profile',
          'test-account-role',
          'test-regions',
          'test-timeout-minutes'
        ].map((name) => [name, { 'test-launch': 'true' }])
      ),
      'test-security-group-ids': {
        'test-launch': 'true',
        'test-subnet-id': VALUES['test-subnet-id'].good[0]
      }
    }
    const refused: string[] = []
    for (const [name, { good }] of Object.entries(VALUES)) {
      for (const value of good) {
        const source =
          [name, ...Object.keys(needs[name] ?? {})].find((n) => SOURCES.includes(n)) ??
          'automation-document'
        const inputs: Record<string, string> = {
          [source]: VALUES[source].good[0],
          ...needs[name],
          [name]: value
        }
        if (source === 'instance-id') inputs['ami-name'] ??= 'web {{timestamp}}'
        cohere(inputs, source)
        inputs[name] = value
        const config = verdict(inputs, { AWS_REGION: 'us-east-1' })
        if (config instanceof InputError) refused.push(`${name}=${value}: ${config.message}`)
        else checkConfig(config, inputs)
      }
    }
    expect(refused).toEqual([])
  })
})

describe('run() with invalid inputs', () => {
  const mocks = [
    mockClient(EC2Client),
    mockClient(SSMClient),
    mockClient(STSClient),
    mockClient(KMSClient)
  ]
  const saved = { ...process.env }
  beforeAll(() => {
    delete process.env.AMI_SHARE_ACTION_POLL_MS
  })
  afterAll(() => {
    process.env = saved
    for (const mock of mocks) mock.restore()
  })

  it(`${RUN_SAMPLE} invalid sets: no AWS call, setFailed names the input, no stack trace`, async () => {
    const { run } = await import('../../src/main.js')
    const invalid = invalidSample()
    expect(invalid).toHaveLength(RUN_SAMPLE)
    for (const { inputs, env } of invalid) {
      core.reset()
      core.setInputs(inputs)
      delete process.env.AWS_REGION
      delete process.env.AWS_DEFAULT_REGION
      Object.assign(process.env, env)
      await run({ signal: new AbortController().signal })
      expect(core.setFailed).toHaveBeenCalledTimes(1)
      const message = String(core.setFailed.mock.calls[0][0])
      const named = message.split('\n').map((line) => line.split(':')[0].split(',')[0])
      for (const name of named) expect(NAMEABLE.has(name)).toBe(true)
      expect(message).not.toContain('    at ')
      expect(Object.keys(core.outputs)).toEqual([])
    }
    for (const mock of mocks) expect(mock.calls()).toHaveLength(0)
  }, 60_000)
})
