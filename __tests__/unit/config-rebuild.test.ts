// rebuild: if-changed is read with the other inputs; the combinations it cannot serve are input
// errors naming `rebuild` and the fix, reported with every other problem.
import { jest, describe, it, expect, beforeEach } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'

jest.unstable_mockModule('@actions/core', () => core)
const { readConfig } = await import('../../src/config.js')
const { InputError } = await import('../../src/errors.js')

const ENV = { AWS_REGION: 'us-east-1' }
const RUNBOOK = {
  'automation-document': 'AWS-UpdateLinuxAmi',
  'automation-parameters': 'SourceAmiId: ami-0123456789abcdef0',
  'ami-name': 'web-{{timestamp}}'
}

function problems(inputs: Record<string, string>): string[] {
  core.setInputs(inputs)
  try {
    readConfig({ env: ENV })
  } catch (error) {
    if (error instanceof InputError) return error.message.split('\n')
    throw error
  }
  return []
}

beforeEach(() => core.reset())

describe('rebuild', () => {
  it('if-changed with a runbook and a family: the mode and the raw name pattern', () => {
    core.setInputs({ ...RUNBOOK, family: 'web', rebuild: 'If-Changed' })
    const config = readConfig({ env: ENV, now: new Date('2026-01-01T00:00:00Z') })
    expect(config.rebuild).toEqual({ mode: 'if-changed', namePattern: 'web-{{timestamp}}' })
    expect(config.amiName).toBe('web-20260101000000')
  })

  it('defaults to always', () => {
    core.setInputs({ ...RUNBOOK })
    expect(readConfig({ env: ENV }).rebuild?.mode).toBe('always')
  })

  it.each([
    [{ 'instance-id': 'i-0123456789abcdef0', 'ami-name': 'web-x', family: 'web' }, 'instance-id'],
    [{ 'ami-id': 'ami-0123456789abcdef0', family: 'web' }, 'ami-id']
  ])('if-changed with %o is refused, naming the other source', (inputs, other) => {
    const lines = problems({ ...inputs, rebuild: 'if-changed' })
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^rebuild: .*${other} is set`))])
    expect(lines[0]).toContain(`Remove ${other}`)
  })

  it('if-changed without family is refused, naming family', () => {
    const lines = problems({ ...RUNBOOK, rebuild: 'if-changed' })
    expect(lines).toEqual([expect.stringMatching(/^rebuild: if-changed needs family/)])
  })

  it('an unknown mode is refused with the allowed values, together with other problems', () => {
    const lines = problems({ ...RUNBOOK, rebuild: 'sometimes', 'share-public': 'maybe' })
    expect(lines.map((l) => l.split(':')[0]).sort()).toEqual(['rebuild', 'share-public'])
    expect(lines.find((l) => l.startsWith('rebuild'))).toContain('always, if-changed')
  })
})
