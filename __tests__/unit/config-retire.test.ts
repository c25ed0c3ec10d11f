// The retirement inputs of pruning: read into Config.prune.retire; bad input is an InputError naming
// the input, reported with every other problem, before any AWS call.
import { jest, describe, it, expect, beforeEach } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'

jest.unstable_mockModule('@actions/core', () => core)
const { readConfig } = await import('../../src/config.js')
const { InputError } = await import('../../src/errors.js')

const ENV = { AWS_REGION: 'us-east-1' }
const BASE = { 'ami-id': 'ami-0123456789abcdef0', family: 'web', 'prune-keep': '3' }
const DAY = 86_400_000

function read(inputs: Record<string, string>) {
  core.setInputs({ ...BASE, ...inputs })
  return readConfig({ env: ENV })
}

function problems(inputs: Record<string, string>, base: Record<string, string> = BASE): string[] {
  core.setInputs({ ...base, ...inputs })
  try {
    readConfig({ env: ENV })
  } catch (error) {
    if (error instanceof InputError) return error.message.split('\n')
    throw error
  }
  return []
}

beforeEach(() => core.reset())

describe('retirement inputs', () => {
  it('default: deregister, no guards', () => {
    expect(read({}).prune?.retire).toEqual({ action: 'deregister', requireRecycleBin: false })
  })

  it('reads disable, the deregister window, the launch window and the Recycle Bin requirement', () => {
    expect(
      read({
        'prune-action': 'Disable',
        'prune-deregister-disabled-after': '30d',
        'prune-unused-for': '2w',
        'prune-require-recycle-bin': 'true'
      }).prune?.retire
    ).toEqual({
      action: 'disable',
      deregisterDisabledAfterMs: 30 * DAY,
      unusedForMs: 14 * DAY,
      requireRecycleBin: true
    })
  })

  it.each([
    [{ 'prune-action': 'delete' }, 'prune-action: "delete"'],
    [
      { 'prune-deregister-disabled-after': '30d' },
      'prune-deregister-disabled-after: works only with prune-action: disable'
    ],
    [
      { 'prune-action': 'disable', 'prune-deregister-disabled-after': 'a month' },
      'prune-deregister-disabled-after: "a month" is not a duration'
    ],
    [{ 'prune-unused-for': '30' }, 'prune-unused-for: "30" is not a duration'],
    [{ 'prune-require-recycle-bin': 'yes' }, 'prune-require-recycle-bin: "yes" is not a boolean']
  ])('%j is refused naming the input', (inputs, start) => {
    const lines = problems(inputs)
    expect(lines).toHaveLength(1)
    expect(lines[0].startsWith(start)).toBe(true)
  })

  it('without prune-keep, each one that asks for something is an error naming it', () => {
    const lines = problems(
      {
        'prune-action': 'disable',
        'prune-deregister-disabled-after': '30d',
        'prune-unused-for': '30d',
        'prune-require-recycle-bin': 'true'
      },
      { 'ami-id': 'ami-0123456789abcdef0' }
    )
    expect(lines.map((l) => l.split(':')[0]).sort()).toEqual([
      'prune-action',
      'prune-deregister-disabled-after',
      'prune-require-recycle-bin',
      'prune-unused-for'
    ])
    expect(lines.every((l) => l.includes('prune-keep is empty'))).toBe(true)
  })
})
