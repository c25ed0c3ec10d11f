// A small Sim for driving the EC2 and SSM modules directly: a hand-moved clock and a local newId.
import { AwsError, type AwsRequest, type ServiceModule, type Sim } from '../../../emulator/types.js'

export interface TestSim extends Sim {
  advance(ms: number): void
}

export function makeSim(settings: Record<string, unknown> = {}): TestSim {
  let now = Date.parse('2026-03-01T12:00:00Z')
  let counter = 0
  return {
    clock: { now: () => now, timeScale: 1, toReal: (ms) => ms },
    state: {},
    settings: { 'ec2.notFoundWindowMs': 0, ...settings },
    calls: [],
    newId: (prefix) => `${prefix}-${(++counter).toString(16).padStart(17, '0')}`,
    advance(ms) {
      now += ms
    }
  }
}

/** Call an action as `account` in `region`; returns the payload or throws the AwsError. */
export function caller(mod: ServiceModule, sim: Sim) {
  return (
    account: string,
    region: string,
    action: string,
    params: Record<string, unknown> = {}
  ) => {
    const req: AwsRequest = {
      caller: {
        accessKeyId: `AKIA${account}EXAMPLE`,
        accountId: account,
        region,
        service: mod.name
      },
      action,
      params
    }
    return mod.handle(req, sim) as Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
  }
}

/** The AwsError a call throws (fails the test if it does not throw one). */
export function errorOf(fn: () => unknown): AwsError {
  try {
    fn()
  } catch (e) {
    if (e instanceof AwsError) return e
    throw e
  }
  throw new Error('expected an AwsError, but the call succeeded')
}
