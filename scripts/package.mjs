// npm run package: bundle the main and post entry points with ncc into dist/ (committed).
// Builds into a scratch folder and swaps it in, so tests running meanwhile never see a half dist/.
//
// licenses.txt is written here, not by ncc's --license: the SDK clients loaded on demand
// (src/aws/clients.ts) become extra chunk files, and ncc's license plugin writes one file per
// chunk under the same name (the last wins) and misses concatenated ESM modules in chunks. The
// source maps name every bundled file, so every package in any chunk is listed, in the plugin's
// format: name, license, license text.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

const scratch = `.dist-build-${process.pid}`
const ncc = ['ncc', 'build', '--source-map', '--quiet']

/** Package folders (node_modules/…) named by the source maps of one output folder. */
function bundledPackages(dir) {
  const roots = new Set()
  for (const map of readdirSync(dir).filter((f) => f.endsWith('.js.map'))) {
    for (const source of JSON.parse(readFileSync(join(dir, map), 'utf8')).sources ?? []) {
      // Paths are relative to the project ("../././node_modules/..."); the innermost
      // node_modules/<package>/ is the package (a nested copy is a package of its own).
      const m = /^(?:\.\.?\/)*(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(source)
      if (m) roots.add(resolve(m[1]))
    }
  }
  return [...roots]
}

function writeLicenses(dir) {
  const entries = []
  for (const root of bundledPackages(dir)) {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
    const file = existsSync(root)
      ? readdirSync(root).find((f) => /^(licen[cs]e|copying)(\..*)?$/i.test(f))
      : undefined
    const text = file ? readFileSync(join(root, file), 'utf8').trim() : ''
    entries.push([manifest.name, `${manifest.name}\n${manifest.license ?? 'UNKNOWN'}\n${text}`])
  }
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  writeFileSync(join(dir, 'licenses.txt'), entries.map(([, e]) => e).join('\n\n') + '\n')
}

try {
  for (const [entry, out] of [
    ['src/index.ts', scratch],
    ['src/post.ts', `${scratch}/post`]
  ]) {
    execFileSync('npx', [...ncc, entry, '-o', out], { stdio: 'inherit' })
    writeLicenses(out)
  }
  rmSync('dist', { recursive: true, force: true })
  renameSync(scratch, 'dist')
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
