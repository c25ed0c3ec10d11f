// Regenerates the README's Inputs and Outputs tables from action.yml, so the two cannot drift.
// Usage: npx tsx scripts/readme-tables.ts [--check]   (--check exits 1 when README is stale)
import { readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { format, resolveConfig } from 'prettier'
import { parse } from 'yaml'

interface ActionInput {
  description?: string
  default?: string
  required?: boolean
}
interface ActionYml {
  inputs?: Record<string, ActionInput>
  outputs?: Record<string, { description?: string }>
}

/** Table cells: a pipe would split the cell, `<name>` would read as an HTML tag. */
function cell(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|').replace(/</g, '&lt;')
}

export function inputsTable(action: ActionYml): string {
  const rows = Object.entries(action.inputs ?? {}).map(([name, input]) => {
    const fallback = input.default === undefined ? '' : `\`${String(input.default)}\``
    return `| \`${name}\` | ${cell(input.description ?? '')} | ${fallback} |`
  })
  return ['| name | description | default |', '|---|---|---|', ...rows].join('\n')
}

export function outputsTable(action: ActionYml): string {
  const rows = Object.entries(action.outputs ?? {}).map(
    ([name, output]) => `| \`${name}\` | ${cell(output.description ?? '')} |`
  )
  return ['| name | description |', '|---|---|', ...rows].join('\n')
}

/** Replace what sits between `<!-- <marker>:start -->` and `<!-- <marker>:end -->`. */
export function replaceSection(readme: string, marker: string, body: string): string {
  const start = `<!-- ${marker}:start -->`
  const end = `<!-- ${marker}:end -->`
  const from = readme.indexOf(start)
  const to = readme.indexOf(end)
  if (from < 0 || to < from) throw new Error(`README.md has no ${start} ... ${end} section`)
  return `${readme.slice(0, from + start.length)}\n\n${body.trim()}\n\n${readme.slice(to)}`
}

/** Prettier aligns table columns and CI checks formatting, so each table is written as Prettier would. */
async function prettify(markdown: string): Promise<string> {
  const options = (await resolveConfig(fileURLToPath(import.meta.url))) ?? {}
  return format(markdown, { ...options, parser: 'markdown' })
}

/** The README with both tables regenerated from the action.yml text; nothing else changes. */
export async function renderReadme(readme: string, actionYml: string): Promise<string> {
  const action = parse(actionYml) as ActionYml
  const inputs = await prettify(inputsTable(action))
  const outputs = await prettify(outputsTable(action))
  return replaceSection(replaceSection(readme, 'inputs', inputs), 'outputs', outputs)
}

async function main(): Promise<void> {
  const root = fileURLToPath(new URL('..', import.meta.url))
  const readmePath = resolve(root, 'README.md')
  const readme = readFileSync(readmePath, 'utf8')
  const next = await renderReadme(readme, readFileSync(resolve(root, 'action.yml'), 'utf8'))
  if (process.argv.includes('--check')) {
    if (next !== readme) {
      console.error('README.md tables differ from action.yml: run npx tsx scripts/readme-tables.ts')
      process.exit(1)
    }
    return
  }
  writeFileSync(readmePath, next)
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main()
}
