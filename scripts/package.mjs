// npm run package: bundle the main and post entry points with ncc into dist/ (committed).
// Builds into a scratch folder and swaps it in, so tests running meanwhile never see a half dist/.
import { execFileSync } from 'node:child_process'
import { renameSync, rmSync } from 'node:fs'

const scratch = `.dist-build-${process.pid}`
const ncc = ['ncc', 'build', '--source-map', '--license', 'licenses.txt', '--quiet']
try {
  for (const [entry, out] of [
    ['src/index.ts', scratch],
    ['src/post.ts', `${scratch}/post`]
  ]) {
    execFileSync('npx', [...ncc, entry, '-o', out], { stdio: 'inherit' })
  }
  rmSync('dist', { recursive: true, force: true })
  renameSync(scratch, 'dist')
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
