// launch-templates and launch-template-set-default are read with the other inputs; a value that
// is neither a template name nor an lt- ID is an input error naming launch-templates.
import { jest, describe, it, expect, beforeEach } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'

jest.unstable_mockModule('@actions/core', () => core)
const { readConfig } = await import('../../src/config.js')
const { InputError } = await import('../../src/errors.js')

const ENV = { AWS_REGION: 'us-east-1' }
const ADOPT = { 'ami-id': 'ami-0123456789abcdef0' }

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

describe('rollout inputs', () => {
  it('names and IDs, de-duplicated, set-default true by default', () => {
    core.setInputs({ ...ADOPT, 'launch-templates': 'web\nlt-0123456789abcdef0, web' })
    expect(readConfig({ env: ENV }).rollout).toEqual({
      templates: [{ name: 'web' }, { id: 'lt-0123456789abcdef0' }],
      setDefault: true
    })
  })

  it('launch-template-set-default: false', () => {
    core.setInputs({ ...ADOPT, 'launch-templates': 'web', 'launch-template-set-default': 'False' })
    expect(readConfig({ env: ENV }).rollout?.setDefault).toBe(false)
  })

  it('no templates: no rollout, whatever launch-template-set-default says', () => {
    core.setInputs({ ...ADOPT, 'launch-template-set-default': 'false' })
    expect(readConfig({ env: ENV }).rollout).toBeUndefined()
  })

  it('refuses a malformed ID or name, with every other problem, naming the input', () => {
    const lines = problems({
      ...ADOPT,
      'launch-templates': 'lt-12ab\nweb server\nok-name',
      'launch-template-set-default': 'yes'
    })
    expect(lines).toEqual([
      'launch-templates: "lt-12ab" is not a launch template ID (lt- followed by 17 lowercase hex digits, e.g. lt-0abcd1234ef567890). Write the ID as EC2 shows it, or the template\'s name.',
      'launch-templates: "web server" is not a launch template name (3-128 letters, digits and ( ) . - / _) or ID (lt-0abcd1234ef567890).',
      'launch-template-set-default: "yes" is not a boolean. Use true or false.'
    ])
  })
})
