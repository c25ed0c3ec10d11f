// Programmatic entry point: startEmulator() for tests, the demo and the bench.
import type { AddressInfo } from 'node:net'
import type { CallRecord, ServiceModule, Sim } from './types.js'
import { SimControl, type FrameworkSettings, type SeedData } from './admin.js'
import { createEmulatorServer } from './server.js'
import type { FaultRule } from './faults.js'

export type { FrameworkSettings, SeedData } from './admin.js'
export type { FaultRule, FaultKind } from './faults.js'
export type { CallRecord, Sim } from './types.js'

export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number
  /** Simulated time runs 1/timeScale as fast as real time (default 1; 0.01 = 100× faster). */
  timeScale?: number
  /** Token-bucket throttling (default true). */
  throttling?: boolean
  /** Initial seed, as POST /_sim/seed takes it. */
  seed?: SeedData
  /** Replace the service modules (framework tests). */
  services?: Record<string, ServiceModule>
}

export interface Emulator {
  /** http://127.0.0.1:PORT, for AWS_ENDPOINT_URL and endpoint. */
  url: string
  /** http://127.0.0.1:PORT/github, for GITHUB_API_URL. */
  githubUrl: string
  sim: Sim
  calls(): CallRecord[]
  configure(settings: FrameworkSettings): FrameworkSettings
  seed(data: SeedData): Record<string, unknown>
  state(): Record<string, unknown>
  addFault(rule: FaultRule): void
  /** Jump simulated time forward. */
  advance(simMs: number): void
  reset(): void
  close(): Promise<void>
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const control = new SimControl({
    timeScale: options.timeScale,
    throttling: options.throttling,
    // Loaded lazily so framework tests that bring their own modules do not load every service.
    services: options.services ?? (await import('./services/index.js')).defaultServices()
  })
  if (options.seed) control.seed(options.seed)
  const server = createEmulatorServer(control)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`
  return {
    url,
    githubUrl: `${url}/github`,
    sim: control.sim,
    calls: () => [...control.sim.calls],
    configure: (settings) => control.configure(settings),
    seed: (data) => control.seed(data),
    state: () => control.state(),
    addFault: (rule) => control.addFault(rule),
    advance: (simMs) => control.clock.advance(simMs),
    reset: () => control.reset(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      })
  }
}
