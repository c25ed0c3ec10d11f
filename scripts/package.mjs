// npm run package: bundle the main and post entry points with ncc into dist/ (committed).
import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'

const ncc = ['ncc', 'build', '--source-map', '--license', 'licenses.txt', '--quiet']
rmSync('dist', { recursive: true, force: true })
for (const [entry, out] of [
  ['src/index.ts', 'dist'],
  ['src/post.ts', 'dist/post']
]) {
  execFileSync('npx', [...ncc, entry, '-o', out], { stdio: 'inherit' })
}
