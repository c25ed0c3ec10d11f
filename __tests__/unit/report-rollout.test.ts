// The roll-out in the report: the launch-template-versions output and the "Rolled out" section.
import { jest, describe, it, expect, beforeEach } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'
import type { Promotion } from '../../src/types.js'
import { config, success, tables } from './report-helpers.js'

jest.unstable_mockModule('@actions/core', () => core)
const { computeOutputs } = await import('../../src/report/outputs.js')
const { buildSummary } = await import('../../src/report/summary.js')

beforeEach(() => core.reset())

const EU_AMI = 'ami-0eeeeeeeeeeeeeee1'
const HOME_AMI = 'ami-0123456789abcdef0'

function promoted(): Promotion {
  return {
    parameters: [
      { region: 'us-east-1', name: '/golden/web', imageId: HOME_AMI, outcome: 'set' },
      { region: 'eu-west-1', name: '/golden/web', imageId: EU_AMI, outcome: 'already' }
    ],
    templates: [
      {
        region: 'us-east-1',
        template: 'web',
        templateId: 'lt-0123456789abcdef0',
        templateName: 'web',
        imageId: HOME_AMI,
        outcome: 'created',
        version: 7,
        isDefault: true
      },
      {
        region: 'eu-west-1',
        template: 'lt-0fedcba9876543210',
        templateId: 'lt-0fedcba9876543210',
        templateName: 'web-eu',
        imageId: EU_AMI,
        outcome: 'already',
        version: 3,
        isDefault: false
      },
      { region: 'eu-west-1', template: 'web', outcome: 'missing' }
    ]
  }
}

describe('launch-template-versions', () => {
  it('is region -> template name -> version, new or already there; a missing region is left out', () => {
    const result = { ...success(), promoted: promoted() }
    expect(JSON.parse(computeOutputs(config(), result)['launch-template-versions'])).toEqual({
      'us-east-1': { web: 7 },
      'eu-west-1': { 'web-eu': 3 }
    })
  })

  it('is {} when nothing was rolled out, or the run stopped before', () => {
    expect(computeOutputs(config(), success())['launch-template-versions']).toBe('{}')
    const none = { ...success(), promoted: { parameters: [], templates: [] } }
    expect(computeOutputs(config(), none)['launch-template-versions']).toBe('{}')
  })

  it('leaves out a failed create', () => {
    const result = { ...success(), promoted: promoted() }
    result.promoted.templates[0] = {
      ...result.promoted.templates[0],
      outcome: 'failed',
      error: 'x'
    }
    delete result.promoted.templates[0].version
    expect(JSON.parse(computeOutputs(config(), result)['launch-template-versions'])).toEqual({
      'eu-west-1': { 'web-eu': 3 }
    })
  })
})

describe('the Rolled out section', () => {
  it('lists template, region, version and default, and the SSM parameter per region', () => {
    const summary = buildSummary(config(), { ...success(), promoted: promoted() }, {})
    expect(summary).toContain('### Rolled out')
    const [templates, parameters] = tables(summary).filter((t) =>
      ['Launch template', 'SSM parameter'].includes(t.headers[0])
    )
    expect(templates.rows.map((r) => [r[0], r[1], r[2], r[4], r[5]])).toEqual([
      ['web', 'lt-0123456789abcdef0', 'us-east-1', '7', 'default'],
      ['web-eu', 'lt-0fedcba9876543210', 'eu-west-1', '3 (already at this AMI)', 'not default'],
      ['web', '—', 'eu-west-1', '—', 'no such template in this region']
    ])
    expect(parameters.rows.map((r) => [r[0], r[1], r[3]])).toEqual([
      ['/golden/web', 'us-east-1', 'set'],
      ['/golden/web', 'eu-west-1', 'already at this AMI']
    ])
  })

  it('is absent when there was nothing to promote', () => {
    expect(buildSummary(config(), success(), {})).not.toContain('Rolled out')
  })
})
