// `npm run emulator -- --port 0 --time-scale 0.01 [--no-throttling] [--seed seed.json]`
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { startEmulator } from './index.js'

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4566' },
      'time-scale': { type: 'string', default: '1' },
      'no-throttling': { type: 'boolean', default: false },
      seed: { type: 'string' }
    }
  })
  const port = Number(values.port)
  const timeScale = Number(values['time-scale'])
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0..65535, got ${values.port}`)
  if (!(timeScale > 0))
    throw new Error(`--time-scale must be a positive number, got ${values['time-scale']}`)
  const seed = values.seed ? JSON.parse(readFileSync(values.seed, 'utf8')) : undefined
  const emulator = await startEmulator({
    port,
    timeScale,
    throttling: !values['no-throttling'],
    seed
  })
  console.log(`AWS emulator listening on ${emulator.url}`)
  console.log(`GitHub API at ${emulator.githubUrl}; admin API at ${emulator.url}/_sim/`)
  const stop = () => {
    void emulator.close().then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((error: unknown) => {
  console.error(`emulator: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
