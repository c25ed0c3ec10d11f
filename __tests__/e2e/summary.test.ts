// The job summary and the PR comment of real runs (dist/index.js against the emulator), read the
// way GitHub renders them: through a CommonMark parser, with GFM's table rules on top (the
// tables() helper of the report unit tests). Hostile tag values must stay text.
import { describe, expect, it } from '@jest/globals'
import { HtmlRenderer, Parser } from 'commonmark'
import { rawHtml, tables, XSS } from '../unit/report-helpers.js'
import {
  BUILD,
  pullRequestEvent,
  seedBaseAndOldVersions,
  TEST_TIMEOUT,
  updateLinuxAmiInputs,
  withEmulator
} from './fixtures.js'
import { runAction, type RunResult } from './harness.js'

const COPY_ACCOUNT = '777788889999'
const CONSUMER = '444455556666'
const PR = 12
const HOSTILE = `${XSS} | col`

let baseAmi: string
let oldVersions: string[]

const emu = withEmulator({ timeScale: 0.001 }, (started) => {
  ;({ baseAmi, oldVersions } = seedBaseAndOldVersions(
    started,
    [3, 2].map((daysAgo) => [`web-old-${daysAgo}`, daysAgo])
  ))
})

function run(inputs: Record<string, string>): Promise<RunResult> {
  return runAction({
    emulator: emu,
    ...pullRequestEvent(PR),
    inputs: {
      ...updateLinuxAmiInputs(baseAmi),
      'ami-name': 'web-{{timestamp}}',
      family: 'web',
      tags: JSON.stringify({ team: HOSTILE, owner: 'platform' }),
      'share-accounts': CONSUMER,
      'comment-on-pr': 'true',
      'github-token': 'ghs_fakeTokenForTheEmulator0123456789',
      ...inputs
    },
    timeoutMs: 100_000
  })
}

function commentBody(): string {
  const comments = (emu.state().github as { comments: { body: string }[] }).comments
  expect(comments).toHaveLength(1)
  return comments[0].body
}

const html = (md: string): string => new HtmlRenderer().render(new Parser().parse(md))

/** The hostile value is text everywhere: no raw HTML node, no `<img` in the rendered page. */
function expectEscaped(markdown: string, allowedHtml: string[] = []): void {
  expect(markdown).not.toContain('<img')
  expect(markdown).not.toContain('</details>')
  expect(rawHtml(markdown)).toEqual(allowedHtml)
  const page = html(markdown)
  expect(page).not.toMatch(/<img/i)
  expect(page).toContain('&lt;/details&gt;&lt;img src=x onerror=alert(1)&gt; | col')
}

function tagRows(markdown: string): string[][] {
  const tagTable = tables(markdown).find((t) => t.headers.join() === 'Key,Value')
  expect(tagTable).toBeDefined()
  return tagTable!.rows
}

describe('a successful run: runbook, share, copy region and account, prune', () => {
  it(
    'summary and comment parse into the expected tables, hostile tags escaped',
    async () => {
      const result = await run({
        'copy-regions': 'eu-west-1',
        'copy-accounts': `arn:aws:iam::${COPY_ACCOUNT}:role/copier`,
        'prune-keep': '1'
      })
      if (result.code !== 0) throw new Error(`exit ${result.code}\n${result.stdout}`)
      const amiId = result.outputs['ami-id']
      const { summary } = result
      const comment = commentBody()

      // Summary: headline with the AMI ID, then every table with its columns.
      expect(summary.split('\n')[0]).toMatch(new RegExp(`^## ✅ AMI \\[${amiId}\\]\\(https://`))
      expect(tables(summary).map((t) => t.headers)).toEqual([
        [
          'Account',
          'Region',
          'AMI',
          'State',
          'Copy duration',
          'Shared with',
          'Deprecation',
          'Protected'
        ],
        ['Granted to', 'ID'],
        ['Key', 'Value'],
        ['Step', 'Action', 'Status', 'Duration', 'Failure'],
        ['Account', 'Region', 'AMI', 'Name', 'Created', 'Snapshots', 'Result', 'Recovery, usage']
      ])
      const [fleet, grants, , steps, pruned] = tables(summary)
      // Build region, copy region, copy account (build and copy region): 1 + 1 + 2.
      expect(fleet.rows).toHaveLength(4)
      expect(fleet.rows.map((r) => `${r[0]} ${r[1]}`).sort()).toEqual([
        `${BUILD} eu-west-1`,
        `${BUILD} us-east-1`,
        `${COPY_ACCOUNT} eu-west-1`,
        `${COPY_ACCOUNT} us-east-1`
      ])
      expect(fleet.rows.every((r) => r[3].startsWith('available'))).toBe(true)
      expect(fleet.rows[0][2]).toContain(amiId)
      // The consumer, and the copy account (it must see the source to copy it).
      expect(grants.rows).toEqual([
        ['Account', CONSUMER],
        ['Account', COPY_ACCOUNT]
      ])
      expect(steps.rows.length).toBeGreaterThan(0)
      expect(steps.rows.every((r) => r[2] === 'Success')).toBe(true)
      expect(pruned.rows).toHaveLength(2)
      expect(pruned.rows.map((r) => r[2]).join()).toContain(oldVersions[0])
      expect(pruned.rows.map((r) => r[2]).join()).toContain(oldVersions[1])
      expect(summary).toMatch(/Freed 16 GiB of snapshots \(≈ \$0\.80\/month\)/)

      // Comment: the compact tables, the run link.
      expect(tables(comment).map((t) => t.headers)).toEqual([
        ['Account', 'Region', 'AMI', 'State', 'Shared with', 'Deprecation'],
        ['Granted to', 'ID'],
        ['Key', 'Value'],
        ['Account', 'Region', 'AMI', 'Name', 'Result']
      ])
      expect(comment).toContain('https://github.com/acme/infra/actions/runs/4242')

      // The hostile tag value: one cell, escaped, in both.
      for (const md of [summary, comment]) {
        expect(tagRows(md)).toContainEqual([
          'team',
          '&lt;/details&gt;&lt;img src=x onerror=alert(1)&gt; &#124; col'
        ])
      }
      expectEscaped(summary)
      const marker = comment.split('\n')[0]
      expect(marker).toMatch(/^<!-- ami-share-action:.* -->$/)
      expectEscaped(comment, [marker])

      // And AWS holds the tag exactly as given.
      const ec2 = emu.state().ec2 as { images: { imageId: string; tags: unknown }[] }
      expect(JSON.stringify(ec2)).toContain(JSON.stringify(HOSTILE).slice(1, -1))
    },
    TEST_TIMEOUT
  )
})

describe('a failed run', () => {
  it(
    'a failed copy: the summary says what failed and why, and the comment too',
    async () => {
      emu.configure({
        'ec2.failCopy': {
          region: 'eu-west-1',
          code: 'Client.InternalError',
          message: 'Snapshot copy failed: source snapshot is corrupted'
        }
      } as never)
      const result = await run({ 'copy-regions': 'eu-west-1\neu-central-1' })
      expect(result.code).not.toBe(0)
      const { summary } = result
      const comment = commentBody()
      for (const md of [summary, comment]) {
        expect(md.split('\n').find((l) => l.startsWith('#'))).toMatch(
          /^#+ ❌ Failed: Distribution incomplete: 1 of 3 AMIs failed/
        )
        const failed = md.indexOf('### What failed')
        expect(failed).toBeGreaterThan(0)
        expect(md.slice(failed)).toMatch(
          new RegExp(`FAILED +copy ${BUILD} eu-west-1 ami-\\w+: .*source snapshot is corrupted`)
        )
        expectEscaped(md, md === comment ? [md.split('\n')[0]] : [])
      }
      // The copies table names the failed copy and its reason; the other region finished.
      const copies = tables(summary).find((t) => t.headers.includes('Reason'))
      expect(copies?.headers).toEqual(['Account', 'Region', 'AMI', 'State', 'Duration', 'Reason'])
      expect(copies!.rows).toHaveLength(1)
      expect(copies!.rows[0][1]).toBe('eu-west-1')
      expect(copies!.rows[0][3]).toBe('failed')
      expect(copies!.rows[0][5]).toContain('source snapshot is corrupted')
      const fleet = tables(summary)[0]
      expect(fleet.rows.find((r) => r[1] === 'eu-central-1')?.[3]).toMatch(/^available/)
      // One error annotation, carrying the reason.
      const errors = result.stdout.split('\n').filter((l) => l.startsWith('::error'))
      expect(errors).toHaveLength(1)
      expect(errors[0]).toContain('source snapshot is corrupted')
    },
    TEST_TIMEOUT
  )
})
