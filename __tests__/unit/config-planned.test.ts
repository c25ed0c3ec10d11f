// Inputs INTERFACE.md promises for features this version lacks: the default passes, anything that
// asks for the feature is an InputError naming the input, reported with every other problem.
import { jest, describe, it, expect, beforeEach } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'

jest.unstable_mockModule('@actions/core', () => core)
const { readConfig } = await import('../../src/config.js')
const { InputError } = await import('../../src/errors.js')

const ENV = { AWS_REGION: 'us-east-1' }
const BASE = { 'ami-id': 'ami-0123456789abcdef0' }

function problems(inputs: Record<string, string>): string[] {
  core.setInputs({ ...BASE, ...inputs })
  try {
    readConfig({ env: ENV })
  } catch (error) {
    if (error instanceof InputError) return error.message.split('\n')
    throw error
  }
  return []
}

beforeEach(() => core.reset())

describe('planned inputs', () => {
  it('accept their defaults, in any letter case', () => {
    expect(
      problems({
        'test-launch': 'FALSE',
        'test-timeout-minutes': '15',
        'launch-template-set-default': 'false'
      })
    ).toEqual([])
  })

  it.each([
    ['test-command', 'curl -fsS http://localhost/', 'testing the image'],
    ['test-launch', 'true', 'testing the image'],
    ['test-instance-type', 't3.small', 'testing the image'],
    ['test-subnet-id', 'subnet-0123456789abcdef0', 'testing the image'],
    ['test-security-group-ids', 'sg-0123456789abcdef0', 'testing the image'],
    ['test-instance-profile', 'ssm-core', 'testing the image'],
    ['test-account-role', 'arn:aws:iam::444455556666:role/consumer', 'testing the image'],
    ['test-regions', 'all', 'testing the image'],
    ['test-timeout-minutes', '30', 'testing the image'],
    ['launch-templates', 'web', 'launch templates']
  ])('%s: %s is refused, naming the input and the fix', (name, value, feature) => {
    const [line, ...rest] = problems({ [name]: value })
    expect(rest).toEqual([])
    expect(line.startsWith(`${name}: "${value}" asks for `)).toBe(true)
    expect(line).toContain(feature)
    expect(line).toContain(`Remove ${name}`)
  })

  it('are reported together with the other input problems', () => {
    const lines = problems({ 'test-launch': 'true', 'share-public': 'maybe' })
    expect(lines.map((line) => line.split(':')[0]).sort()).toEqual(['share-public', 'test-launch'])
  })
})
