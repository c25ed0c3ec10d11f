// The test phase (issue #15): launch a test instance from an adopted AMI, wait for running, status
// checks and SSM, run test-command, tag the verdict. Overhead = launch to verdict minus what the
// emulated AWS itself takes (boot + SSM registration + command delivery + command run), at real
// time (timeScale 1) with the action's default polling. Also: status reads per waited minute and
// the AWS calls one test makes.
import { startEmulator, type CallRecord } from '../../emulator/index.js'
import { assertSucceeded, runActionProcess } from '../lib/action.js'

const REGION = 'us-east-1'
const BUILD = '111122223333'
const HELLO = 'Hello from my custom AMI!'
/** Emulated AWS durations (ms): short so a run takes seconds, every other cost real. */
const AWS = {
  bootMs: 3000,
  statusCheckMs: 2000,
  registerMs: 4000,
  deliveryMs: 1000,
  commandMs: 2000
}
/** Status checks pass before the agent registers, so the command's path is the critical one. */
const AWS_CRITICAL_MS = AWS.bootMs + AWS.registerMs + AWS.deliveryMs + AWS.commandMs

/** Reads that poll something the test waits for. */
const STATUS_READS = new Set([
  'DescribeInstances',
  'DescribeInstanceStatus',
  'DescribeInstanceInformation',
  'GetCommandInvocation',
  'ListCommandInvocations'
])

export interface TestPhaseRun {
  /** RunInstances to the verdict tag (CreateTags with ami-share-action:test), simulated = real ms. */
  launchToVerdictMs: number
  awsCriticalPathMs: number
  overheadMs: number
  statusReads: number
  readsPerWaitedMinute: number
  /** AWS calls from RunInstances to TerminateInstances, by service:Action. */
  callsPerTest: Record<string, number>
  callCount: number
  testResult: string
}

const isVerdict = (c: CallRecord): boolean =>
  c.action === 'CreateTags' && JSON.stringify(c.params).includes('ami-share-action:test')

export async function runTestPhaseOnce(): Promise<TestPhaseRun> {
  const emu = await startEmulator({ timeScale: 1 })
  try {
    emu.configure({
      'ec2.instanceBootMs': AWS.bootMs,
      'ec2.statusCheckMs': AWS.statusCheckMs,
      'ssm.agentRegisterMs': AWS.registerMs,
      'ssm.commandDeliveryMs': AWS.deliveryMs
    } as never)
    const seeded = emu.seed({
      ec2: {
        images: [
          {
            accountId: BUILD,
            region: REGION,
            name: 'golden-bench-1',
            behaviour: { serves: { '/': `${HELLO}\n` }, commandMs: AWS.commandMs }
          }
        ],
        instanceProfiles: [{ accountId: BUILD, name: 'ssm-core' }]
      }
    } as never) as { ec2: { images: string[] } }
    const run = await runActionProcess({
      emulator: emu,
      inputs: {
        'ami-id': seeded.ec2.images[0],
        'test-command': `curl -fsS http://localhost/ | grep -q "${HELLO}"`,
        'test-instance-profile': 'ssm-core'
      },
      accountId: BUILD,
      region: REGION,
      timeoutMs: 120_000
    })
    assertSucceeded(run, 'test phase')
    const calls = emu.calls().filter((c) => c.service !== 'github')
    const launch = calls.find((c) => c.action === 'RunInstances' && c.status < 400)
    const verdict = calls.find(isVerdict)
    const end = calls.find((c) => c.action === 'TerminateInstances')
    if (!launch || !verdict || !end) throw new Error('test phase: no launch, verdict or terminate')
    const during = calls.filter((c) => c.seq >= launch.seq && c.seq <= end.seq)
    const callsPerTest: Record<string, number> = {}
    for (const c of during) {
      const key = `${c.service}:${c.action}`
      callsPerTest[key] = (callsPerTest[key] ?? 0) + 1
    }
    const reads = during.filter((c) => c.seq <= verdict.seq && STATUS_READS.has(c.action)).length
    const launchToVerdictMs = verdict.simAt - launch.simAt
    return {
      launchToVerdictMs,
      awsCriticalPathMs: AWS_CRITICAL_MS,
      overheadMs: launchToVerdictMs - AWS_CRITICAL_MS,
      statusReads: reads,
      readsPerWaitedMinute: reads / (launchToVerdictMs / 60_000),
      callsPerTest,
      callCount: during.length,
      testResult: run.outputs['test-result'] ?? ''
    }
  } finally {
    await emu.close()
  }
}
