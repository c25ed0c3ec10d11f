// action.yml keeps the INTERFACE.md promise, the README tables equal action.yml, and readConfig
// reads exactly the inputs action.yml declares.
import { jest, describe, it, expect } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import * as core from '../../__fixtures__/core.js'

jest.unstable_mockModule('@actions/core', () => core)
const { readConfig } = await import('../../src/config.js')
const { renderReadme } = await import('../../scripts/readme-tables.js')

const root = fileURLToPath(new URL('../..', import.meta.url))
const actionText = readFileSync(resolve(root, 'action.yml'), 'utf8')
const action = parse(actionText) as {
  name: string
  description: string
  author: string
  branding: { icon: string; color: string }
  inputs: Record<string, { description?: string; default?: string; required?: boolean }>
  outputs: Record<string, { description?: string }>
  runs: Record<string, string>
}
const readme = readFileSync(resolve(root, 'README.md'), 'utf8')

/** Used only when ../shared is not beside the clone; keep equal to INTERFACE.md. */
const EMBEDDED = {
  inputs: [
    'automation-document',
    'automation-parameters',
    'automation-document-version',
    'automation-output',
    'instance-id',
    'no-reboot',
    'ami-id',
    'aws-region',
    'ami-name',
    'ami-description',
    'family',
    'tags',
    'if-exists',
    'share-accounts',
    'share-organizations',
    'share-organizational-units',
    'share-public',
    'share-snapshots',
    'sharing-mode',
    'copy-regions',
    'copy-accounts',
    'kms-key-id',
    'region-kms-key-ids',
    'deprecate-after',
    'deregistration-protection',
    'ssm-parameter',
    'prune-keep',
    'prune-older-than',
    'prune-skip-in-use',
    'prune-dry-run',
    'timeout-minutes',
    'dry-run',
    'comment-on-pr',
    'comment-header',
    'github-token'
  ],
  outputs: [
    'ami-id',
    'ami-name',
    'region',
    'ami-ids',
    'account-ami-ids',
    'snapshot-ids',
    'automation-execution-id',
    'shared-with',
    'pruned-ami-ids',
    'comment-url'
  ],
  booleans: {
    'no-reboot': 'false',
    'share-public': 'false',
    'share-snapshots': 'false',
    'deregistration-protection': 'false',
    'prune-skip-in-use': 'true',
    'prune-dry-run': 'false',
    'dry-run': 'false',
    'comment-on-pr': 'false'
  } as Record<string, string>
}

/** Names from the first column of INTERFACE.md's tables; booleans from "`x` (default)". */
function readInterface(): typeof EMBEDDED {
  const path = resolve(root, '../shared/INTERFACE.md')
  if (!existsSync(path)) return EMBEDDED
  const text = readFileSync(path, 'utf8')
  const [before, after] = text.split(/^## Outputs$/m)
  const rows = (part: string) => [...part.matchAll(/^\| `([a-z0-9-]+)` \|(.*)\|$/gm)]
  const booleans: Record<string, string> = {}
  for (const [, name, meaning] of rows(before)) {
    const fallback = /`(true|false)` \(default\)/.exec(meaning)
    if (fallback) booleans[name] = fallback[1]
  }
  return {
    inputs: rows(before).map((row) => row[1]),
    outputs: rows(after).map((row) => row[1]),
    booleans
  }
}

/** Rows of the Markdown table between the README markers: [name, ...cells]. */
function readmeRows(marker: string): string[][] {
  const section = readme.split(`<!-- ${marker}:start -->`)[1]?.split(`<!-- ${marker}:end -->`)[0]
  if (!section) throw new Error(`README.md has no ${marker} section`)
  return section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2)
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) =>
          cell.trim().replace(/\\\|/g, '|').replace(/&lt;/g, '<').replace(/^`|`$/g, '')
        )
    )
}

const contract = readInterface()

describe('action.yml', () => {
  it('reads a real INTERFACE (or the embedded copy) with every name', () => {
    expect(contract.inputs.length).toBeGreaterThanOrEqual(35)
    expect(contract.outputs.length).toBeGreaterThanOrEqual(10)
    expect(Object.keys(contract.booleans).length).toBeGreaterThanOrEqual(8)
  })

  it('declares every input and output of INTERFACE.md, and no other', () => {
    expect(Object.keys(action.inputs).sort()).toEqual([...contract.inputs].sort())
    expect(Object.keys(action.outputs).sort()).toEqual([...contract.outputs].sort())
  })

  it('describes every input and output in one sentence', () => {
    for (const [name, entry] of [
      ...Object.entries(action.inputs),
      ...Object.entries(action.outputs)
    ]) {
      expect([name, entry.description?.trim().length ?? 0]).not.toEqual([name, 0])
      expect([name, entry.description!.trim().split(/\.\s+[A-Z]/).length]).toEqual([name, 1])
    }
  })

  it('gives every boolean its INTERFACE default, and the documented defaults', () => {
    for (const [name, fallback] of Object.entries(contract.booleans)) {
      expect([name, action.inputs[name].default]).toEqual([name, fallback])
    }
    expect(action.inputs['timeout-minutes'].default).toBe('120')
    expect(action.inputs['if-exists'].default).toBe('fail')
    expect(action.inputs['sharing-mode'].default).toBe('add')
    expect(action.inputs['github-token'].default).toBe('${{ github.token }}')
    expect(Object.values(action.inputs).filter((input) => input.required)).toEqual([])
  })

  it('runs on node24 with a post step that always runs', () => {
    expect(action.runs).toEqual({
      using: 'node24',
      main: 'dist/index.js',
      post: 'dist/post/index.js',
      'post-if': 'always()'
    })
    expect(action.name && action.description && action.author).toBeTruthy()
    expect(action.branding).toEqual({ icon: expect.any(String), color: expect.any(String) })
  })
})

describe('README tables', () => {
  it('list every input with its description and default, in action.yml order', () => {
    const expected = Object.entries(action.inputs).map(([name, input]) => [
      name,
      input.description!.replace(/\s+/g, ' ').trim(),
      input.default ?? ''
    ])
    expect(readmeRows('inputs')).toEqual(expected)
  })

  it('list every output with its description', () => {
    const expected = Object.entries(action.outputs).map(([name, output]) => [
      name,
      output.description!.replace(/\s+/g, ' ').trim()
    ])
    expect(readmeRows('outputs')).toEqual(expected)
  })

  it('are exactly what scripts/readme-tables.ts writes', async () => {
    expect(await renderReadme(readme, actionText)).toBe(readme)
  })
})

describe('readConfig', () => {
  it('reads every input action.yml declares, and only those', () => {
    core.reset()
    core.setInputs({ 'ami-id': 'ami-12345678' })
    readConfig({ env: { AWS_REGION: 'us-east-1' } })
    const read = new Set(core.getInput.mock.calls.map(([name]) => name))
    expect([...read].sort()).toEqual(Object.keys(action.inputs).sort())
  })
})
