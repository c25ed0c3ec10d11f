import { jest, describe, it, expect } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'
import { config, success } from './report-helpers.js'

jest.unstable_mockModule('@actions/core', () => core)
const format = await import('../../src/report/format.js')
const { permissionsSection } = await import('../../src/report/sections.js')

describe('formatters', () => {
  it('durations', () => {
    expect(format.duration(undefined)).toBe('—')
    expect(format.duration(-5)).toBe('—')
    expect(format.duration(400)).toBe('<1s')
    expect(format.duration(59_000)).toBe('59s')
    expect(format.duration(3_725_000)).toBe('1h 02m')
  })

  it('dates, sizes and the monthly estimate at $0.05 per GB-month', () => {
    expect(format.date(new Date('invalid'))).toBe('—')
    expect(format.gib(12.25)).toBe('12.3 GiB')
    expect(format.monthlyCost(100)).toBe('$5.00/month')
    expect(format.SNAPSHOT_USD_PER_GB_MONTH).toBe(0.05)
  })

  it('console links only for IDs and regions that look like AWS ones', () => {
    expect(format.consoleUrl('eu-central-1', 'ami-0abc1234')).toBe(
      'https://eu-central-1.console.aws.amazon.com/ec2/home?region=eu-central-1#ImageDetails:imageId=ami-0abc1234'
    )
    expect(format.consoleUrl('evil.com/x', 'ami-0abc1234')).toBeUndefined()
    expect(format.amiLink('us-east-1', 'ami-<x>')).toBe('ami-&lt;x&gt;')
    expect(format.amiLink('us-east-1', undefined)).toBe('—')
  })

  it('run link from the runner environment, and none from odd values', () => {
    expect(format.runUrl({ GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '7' })).toBe(
      'https://github.com/o/r/actions/runs/7'
    )
    expect(
      format.runUrl({
        GITHUB_SERVER_URL: 'https://ghe.example/',
        GITHUB_REPOSITORY: 'o/r',
        GITHUB_RUN_ID: '7'
      })
    ).toBe('https://ghe.example/o/r/actions/runs/7')
    expect(format.runUrl({ GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '7)' })).toBeUndefined()
    expect(format.runUrl({ GITHUB_REPOSITORY: 'o/r](x', GITHUB_RUN_ID: '7' })).toBeUndefined()
    expect(
      format.runUrl({
        GITHUB_SERVER_URL: 'javascript:x',
        GITHUB_REPOSITORY: 'o/r',
        GITHUB_RUN_ID: '7'
      })
    ).toBeUndefined()
  })
})

describe('launch permissions', () => {
  it('dry run: what would be granted, including copy accounts, organizations, OUs and public', () => {
    const cfg = config({
      share: {
        accounts: [],
        organizations: ['arn:aws:organizations::111122223333:organization/o-abc'],
        organizationalUnits: ['arn:aws:organizations::111122223333:ou/o-abc/ou-x'],
        public: true,
        snapshots: true,
        mode: 'add'
      }
    })
    const result = { ...success(), fleet: undefined, plan: [] }
    expect(permissionsSection(cfg, result)).toEqual([
      '### Launch permissions (would grant)',
      [
        '| Granted to | ID |',
        '| --- | --- |',
        // A copy account is granted launch permission on the source so that it can copy it.
        `| Account | ${cfg.copy.accounts[0].accountId} |`,
        '| Organization | arn:aws:organizations::111122223333:organization/o-abc |',
        '| Organizational unit | arn:aws:organizations::111122223333:ou/o-abc/ou-x |',
        '| Public | everyone |'
      ].join('\n'),
      'The listed accounts may also create volumes from its snapshots (`share-snapshots`).'
    ])
  })

  it('not shared', () => {
    const result = success()
    result.fleet!.members[1].sharedWith = {
      accounts: [],
      organizations: [],
      organizationalUnits: [],
      public: false
    }
    expect(permissionsSection(config(), result)[1]).toBe(
      'Not shared: only the owner account can launch it.'
    )
  })
})
