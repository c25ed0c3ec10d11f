import { jest, describe, it, expect, beforeEach } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'
import { OTHER, RUN_ENV, config, prune, rawHtml, success, tables } from './report-helpers.js'

jest.unstable_mockModule('@actions/core', () => core)
const { buildSummary, writeSummary, SUMMARY_LIMIT_BYTES } =
  await import('../../src/report/summary.js')

beforeEach(() => core.reset())

const headersOf = (md: string): string[][] => tables(md).map((t) => t.headers)

describe('job summary', () => {
  it('success: headline, AMIs by account and region, shares, runbook, copies, prune, links', () => {
    const md = buildSummary(config(), success(), RUN_ENV)
    const url =
      'https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1#ImageDetails:imageId=ami-0123456789abcdef0'
    expect(md.split('\n')[0]).toBe(`## ✅ AMI [ami-0123456789abcdef0](${url}): golden-20261128`)
    expect(md).toContain('[Workflow run](https://github.com/octo/images/actions/runs/4242)')

    const [fleet] = tables(md)
    expect(fleet.headers).toEqual([
      'Account',
      'Region',
      'AMI',
      'State',
      'Copy duration',
      'Shared with',
      'Deprecation',
      'Protected'
    ])
    expect(fleet.rows).toHaveLength(4)
    // the source first, with a console link; copies with their durations
    expect(fleet.rows[0].slice(0, 4)).toEqual([
      '111122223333',
      'us-east-1',
      `[ami-0123456789abcdef0](${url})`,
      'available, source'
    ])
    expect(fleet.rows[0].slice(4)).toEqual([
      '—',
      `999988887777, ${OTHER}`,
      '2027-02-26 12:00 UTC',
      'yes'
    ])
    expect(fleet.rows.find((r) => r[1] === 'eu-west-1' && r[0] === OTHER)![4]).toBe('7m 00s')

    expect(headersOf(md)).toEqual([
      fleet.headers,
      ['Granted to', 'ID'],
      ['Key', 'Value'],
      ['Step', 'Action', 'Status', 'Duration', 'Failure'],
      ['Account', 'Region', 'AMI', 'Name', 'Created', 'Snapshots', 'Result', 'Recovery, usage'],
      ['Account', 'Region', 'AMI', 'Name', 'Reason']
    ])
    const steps = tables(md)[3].rows
    expect(steps[0]).toEqual(['launchInstance', 'aws:runInstances', 'Success', '1m 05s', '—'])
    expect(md).toContain('execution exec-1234: **Success** in 12m 34s')
    expect(md).toContain(
      '3 copies: 3 available. Slowest: 7m 00s (eu-west-1, account 444455556666).'
    )

    const pruned = tables(md)[4].rows
    expect(pruned[0][5]).toBe(
      'snap-0old1 (8 GiB) deleted; snap-0shared (8 GiB) kept: used by ami-0000000000000old9'
    )
    expect(pruned[0][6]).toBe('pruned')
    expect(tables(md)[5].rows[0][4]).toBe('in use by instance i-0123456789abcdef0')
    expect(md).toContain('Freed 16 GiB of snapshots (≈ $0.80/month); 40 GiB kept (≈ $2.00/month)')
    expect(md).not.toContain('### Warnings')
    expect(rawHtml(md)).toEqual([])
  })

  it('failure: headline with the reason, the full message, the copies that did not finish', () => {
    const result = success()
    result.error = 'Copy to eu-west-1 failed: Snapshot copy limit\nsecond line with ``` fence'
    result.fleet!.members[0] = {
      ...result.fleet!.members[0],
      state: 'failed',
      error: 'StateReason: Client.InternalError'
    }
    result.prune = undefined
    const md = buildSummary(config(), result, {})
    expect(md.split('\n')[0]).toBe('## ❌ Failed: Copy to eu-west-1 failed: Snapshot copy limit')
    expect(md).toContain(
      '### What failed\n\n````text\nCopy to eu-west-1 failed: Snapshot copy limit\nsecond line with ``` fence\n````'
    )
    const failed = tables(md).find((t) => t.headers.includes('Reason'))!
    expect(failed.rows).toEqual([
      [
        '111122223333',
        'eu-west-1',
        expect.stringContaining('ami-0eeeeeeeeeeeeeee1'),
        'failed',
        '5m 00s',
        'StateReason: Client.InternalError'
      ]
    ])
    expect(md).not.toContain('Workflow run')
    expect(md).not.toContain('### Pruning')
  })

  it('failure before any image: still a readable summary', () => {
    const md = buildSummary(
      config(),
      {
        warnings: ['KMS key policy lacks kms:Decrypt for 999988887777'],
        error: 'Runbook failed at step createImage',
        startedAt: new Date(0),
        finishedAt: new Date(65_000)
      },
      RUN_ENV
    )
    expect(md).toMatch(/^## ❌ Failed: Runbook failed at step createImage\n/)
    expect(md).toContain('Build region us-east-1. Run time 1m 05s.')
    expect(md).toContain('### Warnings\n\n- ⚠️ KMS key policy lacks kms:Decrypt for 999988887777')
    expect(md).not.toContain('### AMIs by account and region')
  })

  it('dry run: the plan by phase with problems marked, would-share, would-prune', () => {
    const result = success()
    result.image = { ...result.image!, planned: true, execution: undefined }
    result.fleet!.members = result.fleet!.members.map((m) => ({
      ...m,
      imageId: undefined,
      state: 'planned' as const,
      sharedWith: undefined,
      durationMs: undefined
    }))
    result.prune = prune({ dryRun: false })
    result.plan = [
      { phase: 'build', text: 'Run AWS-UpdateLinuxAmi in us-east-1' },
      { phase: 'copy', text: 'Copy to eu-west-1 in 444455556666' },
      { phase: 'check', text: 'Name golden-20261128 is free in us-east-1' },
      { phase: 'check', text: 'An AMI named golden-20261128 exists in eu-west-1', problem: true }
    ]
    const md = buildSummary(config({ dryRun: true }), result, {})
    expect(md.split('\n')[0]).toBe('## 🧪 Dry run: plan')
    expect(md).toContain(
      'Nothing was changed. **1 problem** the real run would hit (marked ⚠️ below); this step fails so that the check shows it.'
    )
    expect(md).toContain(
      '**Checks**\n\n- ⚠️ **Problem:** An AMI named golden-20261128 exists in eu-west-1\n- Name'
    )
    expect(md.indexOf('**Checks**')).toBeLessThan(md.indexOf('**Build**'))
    expect(md.indexOf('**Build**')).toBeLessThan(md.indexOf('**Copy**'))
    expect(md).toContain('### Launch permissions (would grant)')
    expect(md).toContain('### Pruning (dry run: nothing deleted)')
    expect(md).toContain('Would prune 2 versions')
    expect(md).toContain('Would free 16 GiB')
    expect(tables(md).find((t) => t.headers.includes('Snapshots'))!.rows[0][6]).toBe('would prune')
    expect(tables(md)[0].rows[0][2]).toBe('—')
    expect(tables(md)[0].rows[0][3]).toBe('planned, source')
    expect(md).toContain('3 copies: 3 planned.')
  })

  it('dry run without problems says so', () => {
    const md = buildSummary(config({ dryRun: true }), {
      warnings: [],
      plan: [],
      startedAt: new Date(),
      finishedAt: new Date()
    })
    expect(md).toContain('The read-only checks found no problem.')
    expect(md).toContain('### Plan\n\nNothing to do.')
  })

  it('stays under the limit: cuts between table rows and ends with a note', () => {
    const result = success()
    const many = Array.from({ length: 5000 }, (_, i) => ({
      ...result.prune!.skipped[0],
      imageId: `ami-${String(i).padStart(17, '0')}`
    }))
    result.prune = prune({ skipped: many })
    const md = buildSummary(config(), result, RUN_ENV, 20_000)
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(20_001)
    expect(md).toContain("cut to stay under GitHub's 1 MiB limit")
    const skipped = tables(md).at(-1)!
    expect(skipped.headers).toEqual(['Account', 'Region', 'AMI', 'Name', 'Reason'])
    expect(skipped.rows.length).toBeGreaterThan(10)
    expect(skipped.rows.length).toBeLessThan(5000)
    // the default limit is GitHub's 1 MiB step summary limit
    expect(SUMMARY_LIMIT_BYTES).toBeLessThan(1024 * 1024)
    const full = buildSummary(config(), result, RUN_ENV)
    expect(Buffer.byteLength(full)).toBeLessThan(1024 * 1024)
  })

  it('writeSummary sends the markdown to core.summary', async () => {
    await writeSummary('## hello\n', { GITHUB_STEP_SUMMARY: '/tmp/summary.md' })
    expect(core.summaryText.join('')).toBe('## hello\n')
  })

  it('writeSummary outside a runner prints the summary to the log', async () => {
    await writeSummary('## hello\n', {})
    expect(core.summaryText).toEqual([])
    expect(core.info).toHaveBeenCalledWith(expect.stringContaining('## hello'))
  })
})
