// Nightly rebuilds: (1) an unchanged night with `rebuild: if-changed` (wall time, and the AWS
// calls beyond what distribution and pruning read; targets ≤ 3 s and ≤ 10 calls), and (2) the
// second of two identical runs (`if-exists: reuse`): its mutating AWS calls (target 0).
import { startEmulator, type CallRecord, type Emulator } from '../../emulator/index.js'
import { assertSucceeded, runActionProcess } from '../lib/action.js'

const REGION = 'us-east-1'
const AL2023 = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64'
const BASE = 'ami-0b1b1b1b1b1b1b1b1'

export interface NightlyRun {
  /** Unchanged night: spawn to exit. */
  unchangedWallMs: number
  /** Its AWS calls before distribution starts (credentials, runbook, base AMI, family lookup). */
  unchangedBuildCalls: Record<string, number>
  unchangedBuildCallCount: number
  /** Its AWS calls in distribution and pruning (what they read anyway). */
  unchangedDistributePruneCalls: number
  unchangedMutatingCalls: string[]
  unchangedBuilt: string
  /** Second of two identical runs (if-exists: reuse): its mutating AWS calls. */
  rerunMutatingCalls: string[]
  rerunCalls: number
}

function seed(emu: Emulator): void {
  emu.seed({
    ec2: {
      images: [
        {
          imageId: BASE,
          accountId: '137112412989',
          region: REGION,
          name: 'al2023-ami-2026.1',
          ownerAlias: 'amazon',
          public: true
        }
      ]
    },
    ssm: {
      parameters: [{ name: AL2023, region: REGION, value: BASE, dataType: 'aws:ec2:image' }]
    }
  })
}

function inputs(extra: Record<string, string>): Record<string, string> {
  return {
    'automation-document': 'AWS-UpdateLinuxAmi',
    'automation-parameters': `SourceAmiId: resolve:ssm:${AL2023}\nSecurityGroupIds: sg-0123456789abcdef0`,
    family: 'nightly',
    'share-accounts': '444455556666',
    'copy-regions': 'eu-west-1',
    'deprecate-after': '90d',
    'deregistration-protection': 'true',
    'ssm-parameter': '/golden/nightly',
    'prune-keep': '3',
    ...extra
  }
}

const aws = (calls: CallRecord[]): CallRecord[] => calls.filter((c) => c.service !== 'github')
const mutating = (calls: CallRecord[]): string[] =>
  aws(calls)
    .filter((c) => c.mutating)
    .map((c) => `${c.service}:${c.action} ${c.region}`)

async function twice(
  emu: Emulator,
  runInputs: Record<string, string>,
  what: string
): Promise<{ calls: CallRecord[]; wallMs: number; distributeAt: number; built: string }> {
  assertSucceeded(
    await runActionProcess({ emulator: emu, inputs: runInputs, pollMs: 50, timeoutMs: 180_000 }),
    `${what}, first run`
  )
  const seen = emu.calls().length
  let distributeAt = Infinity
  const second = await runActionProcess({
    emulator: emu,
    inputs: runInputs,
    pollMs: 50,
    timeoutMs: 180_000,
    onGroup: (name) => {
      if (name.startsWith('Distribute') && distributeAt === Infinity) distributeAt = Date.now()
    }
  })
  assertSucceeded(second, `${what}, second run`)
  return {
    calls: emu.calls().slice(seen),
    wallMs: second.exitedAt - second.spawnedAt,
    distributeAt,
    built: second.outputs.built ?? ''
  }
}

export async function runNightlyOnce(timeScale = 0.01): Promise<NightlyRun> {
  const emu = await startEmulator({ timeScale })
  try {
    seed(emu)
    const night = await twice(
      emu,
      inputs({ rebuild: 'if-changed', 'ami-name': 'nightly-{{timestamp}}' }),
      'unchanged night'
    )
    const build = aws(night.calls).filter((c) => c.at < night.distributeAt)
    const byAction: Record<string, number> = {}
    for (const c of build)
      byAction[`${c.service}:${c.action}`] = (byAction[`${c.service}:${c.action}`] ?? 0) + 1
    emu.reset()
    seed(emu)
    const rerun = await twice(
      emu,
      inputs({ 'ami-name': 'nightly-release-1', 'if-exists': 'reuse' }),
      'identical re-run'
    )
    return {
      unchangedWallMs: night.wallMs,
      unchangedBuildCalls: byAction,
      unchangedBuildCallCount: build.length,
      unchangedDistributePruneCalls: aws(night.calls).length - build.length,
      unchangedMutatingCalls: mutating(night.calls),
      unchangedBuilt: night.built,
      rerunMutatingCalls: mutating(rerun.calls),
      rerunCalls: aws(rerun.calls).length
    }
  } finally {
    await emu.close()
  }
}
