// Helpers for the end-to-end tests: run the bundled action (dist/index.js, dist/post/index.js)
// as GitHub Actions would, against a running emulator, and read back what it wrote. The logic
// lives in emulator/runner.ts so that `npm run demo` uses the same code without importing tests.
export * from '../../emulator/runner.js'
