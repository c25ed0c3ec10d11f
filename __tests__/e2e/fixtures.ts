// Shared pieces of the end-to-end tests: the build account and resources most files seed, one
// emulator per test file, the runbook shape the build tests use, and the filters their assertions
// read the call log and the run's output through.
import { afterAll, beforeAll, beforeEach } from '@jest/globals'
import {
  startEmulator,
  type CallRecord,
  type Emulator,
  type EmulatorOptions
} from '../../emulator/index.js'
import type { RunResult } from './harness.js'

export const BUILD = '111122223333'
export const REGION = 'us-east-1'
export const BASE_AMI = 'ami-0aaaaaaaaaaaaaaaa'
export const INSTANCE = 'i-0123456789abcdef0'
/** Per test: generous, the machine running the suite may be loaded. */
export const TEST_TIMEOUT = 120_000

/**
 * One emulator for the whole test file: started before the first test, reset before each one
 * (then `seed` gives it its world), closed after the last. The returned object stands for that
 * emulator, so tests write `emu.calls()` as if they held it; touching it outside a test or hook
 * throws, because it is not started yet.
 */
export function withEmulator(options: EmulatorOptions, seed?: (emu: Emulator) => void): Emulator {
  let started: Emulator | undefined
  const current = (): Emulator => {
    if (!started) throw new Error('the emulator is not started yet: use it inside a test or hook')
    return started
  }
  beforeAll(async () => {
    started = await startEmulator(options)
  })
  afterAll(async () => {
    await started?.close()
  })
  beforeEach(() => {
    current().reset()
    seed?.(current())
  })
  return new Proxy({} as Emulator, { get: (_target, key) => Reflect.get(current(), key) })
}

/**
 * An SSM Automation document in BUILD/REGION that takes an InstanceId, runs `steps`, then creates
 * an image named `<imagePrefix>-{{global:DATE_TIME}}` from that instance (its output).
 */
export function instanceRunbook(name: string, steps: unknown[], imagePrefix = 'golden') {
  return {
    name,
    accountId: BUILD,
    region: REGION,
    parameters: [{ name: 'InstanceId', type: 'String' }],
    steps: [
      ...steps,
      {
        name: 'createImage',
        action: 'aws:createImage',
        inputs: { InstanceId: '{{InstanceId}}', ImageName: `${imagePrefix}-{{global:DATE_TIME}}` }
      }
    ],
    outputs: ['createImage.ImageId']
  }
}

/**
 * Seeds an Amazon-owned base AMI and older versions of the `web` family (`[name, daysAgo]`) in
 * BUILD/REGION; returns their IDs.
 */
export function seedBaseAndOldVersions(
  emu: Emulator,
  versions: [name: string, daysAgo: number][]
): { baseAmi: string; oldVersions: string[] } {
  const family = { 'ami-share-action:family': 'web' }
  const seeded = emu.seed({
    ec2: {
      images: [
        { accountId: BUILD, region: REGION, name: 'base', ownerAlias: 'amazon' },
        ...versions.map(([name, daysAgo]) => ({
          accountId: BUILD,
          region: REGION,
          name,
          creationDate: new Date(Date.now() - daysAgo * 86_400_000).toISOString(),
          tags: family
        }))
      ]
    }
  }) as { ec2: { images: string[] } }
  const [baseAmi, ...oldVersions] = seeded.ec2.images
  return { baseAmi, oldVersions }
}

/** The inputs that build with AWS-UpdateLinuxAmi from `baseAmi`. */
export function updateLinuxAmiInputs(baseAmi: string): Record<string, string> {
  return {
    'automation-document': 'AWS-UpdateLinuxAmi',
    'automation-parameters': `SourceAmiId: ${baseAmi}\nSecurityGroupIds: sg-0123456789abcdef0`
  }
}

/** What GitHub hands a run triggered by pull request `number`. */
export function pullRequestEvent(number: number) {
  return { eventName: 'pull_request', event: { number, pull_request: { number } } }
}

/** The calls the emulator received for `action`, in order. */
export function callsTo(emu: Emulator, action: string): CallRecord[] {
  return emu.calls().filter((c) => c.action === action)
}

/** The images the emulator holds now. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function imagesIn(emu: Emulator): Record<string, any>[] {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return (emu.state() as any).ec2.images
}

/** The messages of the `::error::` workflow commands the run printed, unescaped. */
export function errorMessages(result: RunResult): string[] {
  return result.stdout
    .split('\n')
    .filter((line) => line.startsWith('::error'))
    .map((line) => line.replace(/^::error[^:]*::/, '').replace(/%0A/g, '\n'))
}
