// The input parsers on their own: what each accepts, what it returns, and what it refuses.
import { describe, it, expect } from '@jest/globals'
import {
  parseBoolean,
  parseDate,
  parseDuration,
  parseEnum,
  parseInteger,
  parseList,
  parseMap
} from '../../src/config/values.js'
import * as aws from '../../src/config/aws-ids.js'
import { InputError } from '../../src/errors.js'

const DAY = 86_400_000

function refusal(fn: () => unknown): InputError {
  try {
    fn()
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error('accepted')
}

describe('parseList', () => {
  it('splits on commas and new lines, trims, drops blanks and duplicates', () => {
    expect(parseList(' a, b\n\nc ,, a\r\nd ')).toEqual(['a', 'b', 'c', 'd'])
    expect(parseList('')).toEqual([])
  })
})

describe('parseBoolean', () => {
  it('empty means the default; true/false in any case', () => {
    expect(parseBoolean('x', '', true)).toBe(true)
    expect(parseBoolean('x', 'TRUE', false)).toBe(true)
    expect(parseBoolean('x', 'False', true)).toBe(false)
  })
  it.each(['yes', 'no', '1', '0', 'on', 't'])('refuses %s', (raw) => {
    expect(refusal(() => parseBoolean('dry-run', raw, false)).message).toMatch(/^dry-run: /)
  })
})

describe('parseEnum and parseInteger', () => {
  it('accepts allowed values in any case', () => {
    expect(parseEnum('m', 'EXACT', ['add', 'exact'], 'add')).toBe('exact')
    expect(parseEnum('m', '', ['add', 'exact'], 'add')).toBe('add')
  })
  it('accepts whole numbers within range only', () => {
    expect(parseInteger('n', '007', 1, 10)).toBe(7)
    for (const raw of ['-1', '1.5', '1e3', '0x10', '11', '0', ' ', 'NaN']) {
      expect(refusal(() => parseInteger('n', raw, 1, 10)).message).toMatch(/^n: .*from 1 to 10/)
    }
  })
})

describe('parseDuration', () => {
  it.each([
    ['36h', 36 * 3_600_000],
    ['90d', 90 * DAY],
    ['12w', 84 * DAY],
    ['6m', 180 * DAY],
    ['1y', 365 * DAY],
    ['2 weeks', 14 * DAY],
    ['3 Months', 90 * DAY],
    ['1 day', DAY]
  ])('%s', (raw, ms) => expect(parseDuration('d', raw)).toBe(ms))

  it.each(['90', 'd', '0d', '-1d', '1.5d', '10 minutes', '5s', 'P90D', '90dd'])(
    'refuses %s',
    (raw) => {
      expect(refusal(() => parseDuration('prune-older-than', raw)).message).toMatch(
        /^prune-older-than: /
      )
    }
  )
})

describe('parseDate', () => {
  it('reads RFC 3339 date-times and full dates, undefined for other text', () => {
    expect(parseDate('d', '2027-01-31T23:59:59.5Z')).toEqual(new Date('2027-01-31T23:59:59.500Z'))
    expect(parseDate('d', '2027-01-31t10:00:00-05:00')).toEqual(new Date('2027-01-31T15:00:00Z'))
    expect(parseDate('d', '2027-01-31')).toEqual(new Date('2027-01-31T00:00:00Z'))
    expect(parseDate('d', '90d')).toBeUndefined()
  })
  it.each([
    '2027-13-01',
    '2027-02-29',
    '2027-04-31',
    '2027-01-01T24:00:00Z',
    '2027-01-01T10:60:00Z'
  ])('refuses %s', (raw) =>
    expect(refusal(() => parseDate('deprecate-after', raw)).message).toMatch(/^deprecate-after: /)
  )
})

describe('parseMap', () => {
  it('reads Key=Value lines (values may hold "=" and ":"), skipping blanks and comments', () => {
    expect(parseMap('t', 'A=1\n\n# note\n team:owner = x=y \nEmpty=', false)).toEqual({
      A: '1',
      'team:owner': 'x=y',
      Empty: ''
    })
  })
  it('reads YAML and JSON as text, exactly as written', () => {
    expect(parseMap('t', 'a: 01\nb: true\nc: "x=y"', false)).toEqual({
      a: '01',
      b: 'true',
      c: 'x=y'
    })
    expect(parseMap('t', '{"a": 1, "b": ["x", 2]}', true)).toEqual({ a: '1', b: ['x', '2'] })
    expect(parseMap('t', 'url: http://x?a=b', false)).toEqual({ url: 'http://x?a=b' })
    expect(parseMap('t', '', false)).toEqual({})
  })
  it.each([
    ['list where text is needed', 'a: [x]', false],
    ['nested map', 'a:\n  b: c', true],
    ['a YAML list', '- a=b', true],
    ['a bare word', 'word', false],
    ['broken JSON', '{"a": ', false],
    ['duplicate YAML keys', 'a: 1\na: 2', false],
    ['duplicate Key=Value keys', 'a=1\na=2', false]
  ])('refuses %s', (_label, raw, lists) => {
    expect(refusal(() => parseMap('tags', raw as string, lists as boolean)).message).toMatch(
      /^tags: /
    )
  })
})

describe('AWS identifiers', () => {
  it.each([
    'us-east-1',
    'eu-west-1',
    'ap-southeast-2',
    'us-gov-west-1',
    'cn-north-1',
    'il-central-1',
    'ca-west-1'
  ])('region %s', (region) => expect(aws.region('r', region)).toBe(region))
  it.each(['us-east', 'US-EAST-1', 'useast1', 'us-middle-1', 'eu-west-1a', 'mars-north-1'])(
    'refuses region %s',
    (region) => expect(refusal(() => aws.region('copy-regions', region)).input).toBe('copy-regions')
  )
  it('role ARN gives its account, in every partition', () => {
    expect(aws.roleArn('c', 'arn:aws-us-gov:iam::123456789012:role/a/b/c_d')).toEqual({
      roleArn: 'arn:aws-us-gov:iam::123456789012:role/a/b/c_d',
      accountId: '123456789012'
    })
  })
  it('AMI names: {{timestamp}} is the UTC time, the rules apply after substitution', () => {
    const now = new Date('2026-03-04T05:06:07.890Z')
    expect(aws.amiName('n', "Web (x) [y] ./-'@_ {{timestamp}}", now)).toBe(
      "Web (x) [y] ./-'@_ 20260304050607"
    )
    expect(aws.amiName('n', '{{timestamp}}', now)).toBe('20260304050607')
    expect(
      refusal(() => aws.amiName('ami-name', `${'a'.repeat(115)}{{timestamp}}`, now)).message
    ).toMatch(/129 characters/)
  })
  it('organization and OU ARNs', () => {
    expect(
      aws.organizationArn('o', 'arn:aws:organizations::123456789012:organization/o-a1b2c3d4e5')
    ).toBeTruthy()
    expect(
      aws.organizationalUnitArn(
        'u',
        'arn:aws:organizations::123456789012:ou/o-a1b2c3d4e5/ou-a1b2-c3d4e5f6'
      )
    ).toBeTruthy()
    expect(() =>
      aws.organizationArn('o', 'arn:aws:organizations::123456789012:organization/o-short')
    ).toThrow(InputError)
  })
  it('KMS keys report their region when given as ARNs', () => {
    expect(aws.kmsKey('k', 'arn:aws:kms:eu-west-1:123456789012:alias/x')).toEqual({
      key: 'arn:aws:kms:eu-west-1:123456789012:alias/x',
      region: 'eu-west-1'
    })
    expect(aws.isAwsManagedEbsAlias('alias/aws/ebs')).toBe(true)
    expect(aws.isAwsManagedEbsAlias('arn:aws:kms:eu-west-1:123456789012:alias/aws/ebs')).toBe(true)
    expect(aws.isAwsManagedEbsAlias('alias/aws/ebs-custom')).toBe(false)
  })
  it('SSM parameter names', () => {
    expect(aws.ssmParameterName('s', 'golden-ami')).toBe('golden-ami')
    expect(() => aws.ssmParameterName('s', '/ssm/x')).toThrow(InputError)
    expect(() =>
      aws.ssmParameterName('s', '/' + Array.from({ length: 16 }, () => 'a').join('/'))
    ).toThrow(/15 levels/)
  })
})
