// Escaping and well-formedness of the summary and the PR comment, checked with a CommonMark
// parser. CommonMark core has no GFM tables, so the check is in two parts (see tables() in
// report-helpers.ts): commonmark proves the block structure (each table is one intact paragraph,
// no raw HTML anywhere but our own marker), and the GFM table rules are applied to those lines.
import { jest, describe, it, expect } from '@jest/globals'
import fc from 'fast-check'
import { HtmlRenderer, Parser } from 'commonmark'
import * as core from '../../__fixtures__/core.js'
import { RUN_ENV, XSS, config, rawHtml, success, tables } from './report-helpers.js'

jest.unstable_mockModule('@actions/core', () => core)
const { text, cell, codeBlock, table, joinWithin, list } =
  await import('../../src/report/markdown.js')
const { buildSummary } = await import('../../src/report/summary.js')
const { buildComment, marker } = await import('../../src/report/comment.js')

const html = (md: string): string => new HtmlRenderer().render(new Parser().parse(md))
const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** A result in which every string a user or AWS controls carries the attack. */
function hostile() {
  const evil = `${XSS} | *bold* _it_ [x](javascript:alert(1)) \`code\``
  const result = success()
  result.image!.name = `name ${evil}`
  result.image!.description = `desc\n# heading ${evil}`
  result.image!.execution!.steps[1] = {
    name: `step ${evil}`,
    action: 'aws:createImage',
    status: 'Failed',
    failureMessage: `line1\nline2 ${evil}`
  }
  result.fleet!.members[0].error = `copy failed ${evil}`
  result.fleet!.members[0].state = 'failed'
  result.prune!.skipped[0].reason = `kept because ${evil}`
  result.prune!.pruned[0].name = `old ${evil}`
  result.warnings.push(`- warning ${evil}`)
  result.error = `Failed: ${evil}\n</details>\n\`\`\`\nend`
  const cfg = config({
    tags: { team: `a|b ${XSS}`, [`key|${XSS}`]: 'v' },
    comment: { enabled: true, header: `hdr --> ${XSS}`, token: 't' }
  })
  return { result, cfg }
}

/** Arbitrary text, weighted towards the characters that mean something in Markdown or HTML. */
const markdownish = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', maxLength: 60 }),
  fc.string({ unit: fc.constantFrom(...'|<>&`*_[]\\~#!-+=1.) \n\t:/"\'ax'), maxLength: 30 })
)

describe('escaping', () => {
  it('turns HTML and Markdown syntax into literal characters', () => {
    expect(text(XSS)).toBe('&lt;/details&gt;&lt;img src=x onerror=alert(1)&gt;')
    expect(text('a|b*c_d`e[f]g\\h~i#j!k&l"m')).toBe(
      'a&#124;b&#42;c&#95;d&#96;e&#91;f&#93;g&#92;h&#126;i&#35;j&#33;k&amp;l&quot;m'
    )
    expect(text('- item')).toBe('&#45; item')
    expect(text('  12. item')).toBe('12&#46; item')
    expect(text('= x')).toBe('&#61; x')
    expect(cell('one\ntwo\r\nthree')).toBe('one two three')
    expect(cell('   ')).toBe('—')
    expect(cell(undefined)).toBe('—')
  })

  it('any string renders as exactly itself: one paragraph of text, no markup', () => {
    fc.assert(
      fc.property(markdownish, (s) => {
        const expected = s
          .replace(/\r\n?|\n/g, ' ')
          .trim()
          .replace(/\0/g, '\uFFFD')
        const rendered = html(text(s))
        if (expected === '') return rendered === ''
        // inside a table row too: still exactly two cells
        expect(tables(table(['a', 'b'], [['x', cell(s)]]))[0].rows[0]).toHaveLength(2)
        return rendered === `<p>${escapeHtml(expected)}</p>\n`
      }),
      { numRuns: 500 }
    )
  })

  it('a code block cannot be closed by the text inside it', () => {
    const md = codeBlock('a\n```\n<img src=x>\n````')
    expect(md.startsWith('`````text\n')).toBe(true)
    expect(html(md)).toBe(
      '<pre><code class="language-text">a\n```\n&lt;img src=x&gt;\n````\n</code></pre>\n'
    )
  })

  it('the XSS tag value and | appear escaped in the summary and the comment', () => {
    const { result, cfg } = hostile()
    for (const md of [buildSummary(cfg, result, RUN_ENV), buildComment(cfg, result, RUN_ENV)]) {
      expect(md).toContain('a&#124;b &lt;/details&gt;&lt;img src=x onerror=alert(1)&gt;')
      const rendered = html(md)
      expect(rendered).not.toMatch(/<img|<\/details>|href="javascript/i)
      expect(rendered).toContain(escapeHtml(`a|b ${XSS}`))
      const tags = tables(md).find((t) => t.headers[0] === 'Key')!
      expect(tags.rows).toHaveLength(2)
      expect(html(tags.rows[0][1])).toBe(`<p>${escapeHtml(`a|b ${XSS}`)}</p>\n`)
      expect(html(tags.rows[1][0])).toBe(`<p>${escapeHtml(`key|${XSS}`)}</p>\n`)
    }
  })

  it('the only raw HTML is the comment marker, and it survives a hostile header', () => {
    const { result, cfg } = hostile()
    expect(rawHtml(buildSummary(cfg, result, RUN_ENV))).toEqual([])
    const comment = buildComment(cfg, result, RUN_ENV)
    expect(rawHtml(comment)).toEqual([marker(cfg.comment.header)])
    expect(marker(cfg.comment.header)).not.toMatch(/-->.*-->/)
    expect(comment.startsWith(`${marker(cfg.comment.header)}\n`)).toBe(true)
  })
})

describe('tables parse with the expected columns', () => {
  const summaryTables = [
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
    ['Account', 'Region', 'AMI', 'State', 'Duration', 'Reason'],
    ['Account', 'Region', 'AMI', 'Name', 'Created', 'Snapshots', 'Result', 'Recovery, usage'],
    ['Account', 'Region', 'AMI', 'Name', 'Reason']
  ]
  const commentTables = [
    ['Account', 'Region', 'AMI', 'State', 'Shared with', 'Deprecation'],
    ['Granted to', 'ID'],
    ['Key', 'Value'],
    ['Account', 'Region', 'AMI', 'Name', 'Result'],
    ['Account', 'Region', 'AMI', 'Name', 'Reason']
  ]

  it('summary (hostile strings everywhere)', () => {
    const { result, cfg } = hostile()
    const md = buildSummary(cfg, result, RUN_ENV)
    const found = tables(md)
    expect(found.map((t) => t.headers)).toEqual(summaryTables)
    expect(found[0].rows).toHaveLength(4)
    expect(found[3].rows).toHaveLength(2)
    // the failure message is whole, verbatim, in a code block
    const codes: string[] = []
    const walker = new Parser().parse(md).walker()
    for (let e = walker.next(); e; e = walker.next()) {
      if (e.entering && e.node.type === 'code_block') codes.push(e.node.literal ?? '')
    }
    expect(codes).toEqual([`${result.error}\n`])
  })

  it('comment (hostile strings everywhere)', () => {
    const { result, cfg } = hostile()
    const found = tables(buildComment(cfg, result, RUN_ENV))
    expect(found.map((t) => t.headers)).toEqual(commentTables)
    expect(found[0].rows).toHaveLength(4)
  })
})

describe('joinWithin', () => {
  const size = (s: string): number => s.length
  it('returns everything when it fits', () => {
    expect(joinWithin(['a', '', 'b'], 100, size, 'NOTE')).toEqual({
      markdown: 'a\n\nb',
      truncated: false
    })
  })
  it('cuts a list between items and a table between rows, keeping the header', () => {
    const items = list(Array.from({ length: 50 }, (_, i) => `item ${i}`))
    const cut = joinWithin(['intro', items], 100, size, 'NOTE')
    expect(cut.truncated).toBe(true)
    expect(cut.markdown.length).toBeLessThanOrEqual(100)
    expect(cut.markdown).toMatch(/^intro\n\n- item 0\n[\s\S]*\n\nNOTE$/)
    const rows = Array.from({ length: 50 }, (_, i) => [`r${i}`])
    const t = joinWithin([table(['h'], rows)], 60, size, 'NOTE')
    expect(t.markdown).toMatch(/^\| h \|\n\| --- \|\n\| r0 \|[\s\S]*\n\nNOTE$/)
    expect(tables(t.markdown)[0].rows.length).toBeGreaterThan(1)
  })
  it('cuts a 10,000-row table measuring each row once, to the longest prefix that fits', () => {
    let measured = 0
    const counting = (s: string): number => {
      measured += s.length
      return Buffer.byteLength(s, 'utf8')
    }
    const rows = Array.from({ length: 10_000 }, (_, i) => [`ami-${i}`, 'é'.repeat(i % 7)])
    const block = table(['AMI', 'Name'], rows)
    const cut = joinWithin(['intro', block], 50_000, counting, 'NOTE')
    // The old cut re-joined and re-measured every shorter prefix: ~10,000 × 300 KB of text.
    expect(measured).toBeLessThan(4 * block.length)
    expect(Buffer.byteLength(cut.markdown)).toBeLessThanOrEqual(50_000)
    const kept = tables(cut.markdown)[0].rows.length
    // The longest prefix: one more row would not fit.
    const next = cut.markdown.replace(/\n\nNOTE$/, '') + '\n' + block.split('\n')[kept + 2]
    expect(Buffer.byteLength(`${next}\n\nNOTE`)).toBeGreaterThan(50_000)
    expect(kept).toBeGreaterThan(1000)
  })
  it('drops a block that cannot be cut (a code block) rather than leave it open', () => {
    const cut = joinWithin(['head', codeBlock('x'.repeat(500)), 'tail'], 100, size, 'NOTE')
    expect(cut).toEqual({ markdown: 'head\n\nNOTE', truncated: true })
    expect(joinWithin([codeBlock('x'.repeat(500))], 50, size, 'NOTE').markdown).toBe('NOTE')
  })
  it('the comment stays within 65,536 characters', () => {
    const result = success()
    result.prune!.skipped = Array.from({ length: 3000 }, (_, i) => ({
      ...result.prune!.skipped[0],
      imageId: `ami-${String(i).padStart(17, '0')}`
    }))
    const md = buildComment(config(), result, RUN_ENV)
    expect(md.length).toBeLessThanOrEqual(65_536)
    expect(md).toContain("This comment was cut to GitHub's limit")
    expect(md.startsWith(marker('golden'))).toBe(true)
  })
})
