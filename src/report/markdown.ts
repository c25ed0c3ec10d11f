// Markdown building blocks for the job summary and the PR comment.
// Every string that comes from users or AWS goes through `text()` or `cell()`: the result is safe
// both as Markdown (no emphasis, links, code spans or table breaks) and as HTML (no tags).

/**
 * Characters that change meaning in Markdown or HTML, as numeric character references. CommonMark
 * treats a character reference as a literal character, and GFM splits table cells on a raw `|`
 * before references are decoded, so `&#124;` can never end a cell.
 */
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '|': '&#124;',
  '`': '&#96;',
  '*': '&#42;',
  _: '&#95;',
  '[': '&#91;',
  ']': '&#93;',
  '\\': '&#92;',
  '~': '&#126;',
  '#': '&#35;',
  '!': '&#33;'
}
const SPECIAL = /[&<>"|`*_[\]\\~#!]/g

/** Escapes one line of untrusted text for inline use (a paragraph, a list item, a heading). */
export function text(value: unknown): string {
  return (
    String(value ?? '')
      .replace(/\r\n?|\n/g, ' ')
      // Leading spaces could start an indented code block.
      .trim()
      .replace(SPECIAL, (ch) => ENTITIES[ch])
      // A line that starts like a list item or a setext underline would change the block structure.
      .replace(/^[-+=]/, (lead) => `&#${lead.charCodeAt(0)};`)
      .replace(/^(\d+)([.)])/, (_m, num: string, dot: string) => `${num}&#${dot.charCodeAt(0)};`)
  )
}

/** Escapes untrusted text for a table cell: like text(); empty shows as a dash. */
export function cell(value: unknown): string {
  const escaped = text(value)
  return escaped === '' ? '—' : escaped
}

/** A GFM table. Cells must already be escaped (use cell() for untrusted values). */
export function table(headers: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n')
}

/**
 * A fenced code block: untrusted multi-line text shown verbatim. Nothing inside a code block is
 * interpreted, so the only way out is a fence as long as ours: make ours longer than any run of
 * backticks in the text.
 */
export function codeBlock(value: string): string {
  const longest = Math.max(0, ...(value.match(/`+/g) ?? []).map((run) => run.length))
  const fence = '`'.repeat(Math.max(3, longest + 1))
  return `${fence}text\n${value.replace(/\r\n?/g, '\n')}\n${fence}`
}

/** A link whose target we built ourselves from validated parts. */
export function link(label: string, url: string): string {
  return `[${label}](${url.replace(/[()\s]/g, encodeURIComponent)})`
}

/** A bulleted list of already-escaped items. */
export function list(items: string[]): string {
  return items.map((item) => `- ${item}`).join('\n')
}

export interface Truncated {
  markdown: string
  truncated: boolean
}

/**
 * Joins blocks (paragraphs, tables, lists, code blocks) and keeps the result within `limit` as
 * measured by `size`. Cuts only between blocks or between table rows and list items, so what
 * remains is still well-formed, and ends with `note` when anything was left out.
 */
export function joinWithin(
  blocks: string[],
  limit: number,
  size: (s: string) => number,
  note: string
): Truncated {
  const all = blocks.filter((b) => b !== '').join('\n\n')
  if (size(all) <= limit) return { markdown: all, truncated: false }
  const budget = limit - size(`\n\n${note}`)
  let out = ''
  for (const block of blocks.filter((b) => b !== '')) {
    const joined = out === '' ? block : `${out}\n\n${block}`
    if (size(joined) <= budget) {
      out = joined
      continue
    }
    const partial = cutBlock(block, budget - size(out === '' ? '' : `${out}\n\n`), size)
    if (partial) out = out === '' ? partial : `${out}\n\n${partial}`
    break
  }
  return { markdown: out === '' ? note : `${out}\n\n${note}`, truncated: true }
}

/** The longest prefix of a table (header kept) or list that fits, or '' when none does. */
function cutBlock(block: string, budget: number, size: (s: string) => number): string {
  const lines = block.split('\n')
  const isTable = lines.length >= 2 && lines.every((l) => l.startsWith('|'))
  const isList = lines.every((l) => l.startsWith('- '))
  if (!isTable && !isList) return ''
  const keepAtLeast = isTable ? 3 : 1
  // One pass over the lines: re-joining and re-measuring every shorter prefix is quadratic, and a
  // 10,000-row prune table took a minute and ~100 MB of strings. `size` is additive over
  // concatenation (bytes or characters alike), and each line break counts one.
  let count = 0
  let used = 0
  for (const line of lines.slice(0, lines.length - 1)) {
    const next = used + (count > 0 ? 1 : 0) + size(line)
    if (next > budget) break
    used = next
    count++
  }
  return count >= keepAtLeast ? lines.slice(0, count).join('\n') : ''
}
