// Two projects: fast unit tests (SDK mocked) and e2e tests (dist/ against the emulator).
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }]
  },
  testEnvironment: 'node'
}

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/__tests__/unit/**/*.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/__tests__/e2e/**/*.test.ts'] }
  ],
  collectCoverageFrom: ['src/**/*.ts', '!src/index.ts', '!src/post.ts'],
  coverageReporters: ['text-summary', 'json-summary', 'lcov'],
  verbose: false,
  // Tests that talk to a real emulator server must not fail on a loaded 2-core machine. A global
  // option: inside `projects` Jest ignores it (and falls back to 5 s).
  testTimeout: 30_000,
  // e2e files mostly wait on child processes and the emulator: three workers keep two cores busy.
  maxWorkers: 3
}
