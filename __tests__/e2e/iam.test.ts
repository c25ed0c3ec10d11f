// Least privilege, build account: the emulator's IAM allow-list is set to exactly the README's
// policies (parsed from README.md, so the README cannot drift) for the features of a full
// pipeline (runbook build, share with snapshots, copy to a region and an account, lifecycle, SSM
// parameter, prune). The run passes; removing any one action makes it fail naming that action.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import {
  expectPermissionNamed,
  BUILD,
  COPY_ACCOUNT,
  INSTANCE,
  errorLines,
  pipelineInputs,
  policyFor,
  readmePolicies,
  REGION,
  runPipeline,
  seedWorld,
  warningLines
} from './faults-world.js'

const policies = readmePolicies()
const BUILD_FEATURES = [
  'Every run',
  'Build with a runbook',
  'Share (',
  'Share snapshots',
  'Copy to regions',
  'Cross-account copy (`copy-accounts`): the build account',
  'Prune',
  'Lifecycle'
]
const buildPolicy = policyFor(policies, ...BUILD_FEATURES)
const targetPolicy = policyFor(policies, 'Cross-account copy (`copy-accounts`): the role')

/**
 * Actions whose absence the action survives on purpose, with a warning naming them: without
 * ec2:DeleteSnapshot pruned AMIs' snapshots stay; without ec2:DescribeImageReferences nothing is
 * pruned (in-use cannot be ruled out).
 */
const WARNING_ONLY = new Set(['ec2:DeleteSnapshot', 'ec2:DescribeImageReferences'])
/** Used only when the job is cancelled: proven in iam-features.test.ts. */
const CANCEL_ONLY = new Set(['ssm:StopAutomationExecution'])
/**
 * Not called by a fresh build shared in `sharing-mode: add`: an AMI or copy created by the run has
 * no permissions to read first. `sharing-mode: exact` (and a reused or adopted AMI) reads them, so
 * these are proven with exact mode.
 */
const EXACT_MODE_ONLY = new Set(['ec2:DescribeImageAttribute', 'ec2:DescribeSnapshotAttribute'])
/** Called only when a runbook fails (or SSM truncates its step list): proven below. */
const RUNBOOK_FAILURE_ONLY = new Set(['ssm:DescribeAutomationStepExecutions'])
/**
 * Called only when DescribeImages does not name the KMS key of an encrypted snapshot; the
 * emulator always names it, so no run here reaches the call (kept in the README for AWS).
 */
const KEY_LOOKUP_ONLY = new Set(['ec2:DescribeSnapshots'])
const notOnThisRun = (a: string): boolean =>
  CANCEL_ONLY.has(a) ||
  EXACT_MODE_ONLY.has(a) ||
  RUNBOOK_FAILURE_ONLY.has(a) ||
  KEY_LOOKUP_ONLY.has(a)

let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.001 })
})
afterAll(async () => {
  await emu?.close()
})
beforeEach(() => emu.reset())

function seedFullWorld(): void {
  seedWorld(emu)
  // An old version in the copy account, so pruning there needs its permissions too.
  emu.seed({
    ec2: {
      images: [
        {
          accountId: COPY_ACCOUNT,
          region: REGION,
          name: 'web-old-copy',
          tags: { 'ami-share-action:family': 'web' },
          creationDate: '2025-01-01T00:00:00Z'
        }
      ]
    }
  })
}

const deregistered = () =>
  emu
    .calls()
    .filter((c) => c.action === 'DeregisterImage' && c.status < 400)
    .map((c) => c.accountId)

describe('README IAM policy, build account', () => {
  it('lists every feature with a JSON policy', () => {
    expect(buildPolicy).toEqual(expect.arrayContaining(['ec2:CreateTags', 'ssm:PutParameter']))
    expect(targetPolicy).toContain('ec2:CopyImage')
  })

  it('exactly the README policy: the full pipeline passes and every action is used', async () => {
    seedFullWorld()
    emu.configure({ iam: { [BUILD]: buildPolicy, [COPY_ACCOUNT]: targetPolicy } })
    const r = await runPipeline(emu, pipelineInputs('runbook'))
    expect(errorLines(r)).toBe('')
    expect(warningLines(r)).not.toMatch(/not authorized/)
    expect(r.code).toBe(0)
    expect(deregistered().sort()).toEqual([BUILD, BUILD, COPY_ACCOUNT])
    const used = new Set(
      emu
        .calls()
        .filter((c) => c.accountId === BUILD)
        .map((c) => `${c.service}:${c.action}`)
    )
    // Tag-on-create and per-snapshot deletes are authorised without a call of their own.
    const implied = new Set(['ec2:CreateTags', 'ec2:DeleteSnapshot'])
    expect(buildPolicy.filter((a) => !used.has(a) && !implied.has(a) && !notOnThisRun(a))).toEqual(
      []
    )
    for (const action of [...EXACT_MODE_ONLY, ...RUNBOOK_FAILURE_ONLY, ...KEY_LOOKUP_ONLY]) {
      expect(used).not.toContain(action)
    }
  }, 90_000)

  it('exactly the README policy, sharing-mode exact: passes and reads the permissions first', async () => {
    seedFullWorld()
    emu.configure({ iam: { [BUILD]: buildPolicy, [COPY_ACCOUNT]: targetPolicy } })
    const r = await runPipeline(emu, pipelineInputs('runbook', { 'sharing-mode': 'exact' }))
    expect(errorLines(r)).toBe('')
    expect(r.code).toBe(0)
    const used = new Set(emu.calls().map((c) => `${c.service}:${c.action}`))
    for (const action of EXACT_MODE_ONLY) expect(used).toContain(action)
  }, 90_000)

  it.each(
    buildPolicy.filter(
      (a) => !CANCEL_ONLY.has(a) && !RUNBOOK_FAILURE_ONLY.has(a) && !KEY_LOOKUP_ONLY.has(a)
    )
  )(
    'without %s the run reports that permission',
    async (action) => {
      seedFullWorld()
      emu.configure({
        iam: { [BUILD]: buildPolicy.filter((a) => a !== action), [COPY_ACCOUNT]: targetPolicy }
      })
      const extra: Record<string, string> = EXACT_MODE_ONLY.has(action)
        ? { 'sharing-mode': 'exact' }
        : {}
      const r = await runPipeline(emu, pipelineInputs('runbook', extra))
      expectPermissionNamed(r, action, WARNING_ONLY.has(action))
    },
    90_000
  )
})

describe('README IAM policy, a failed runbook', () => {
  const failing = pipelineInputs('runbook', {
    'automation-document': 'Build-Fails',
    'automation-parameters': `InstanceId: ${INSTANCE}`
  })
  function seedFailingRunbook(): void {
    seedFullWorld()
    emu.seed({
      ssm: {
        documents: [
          {
            name: 'Build-Fails',
            accountId: BUILD,
            region: REGION,
            parameters: [{ name: 'InstanceId', type: 'String' }],
            steps: [
              {
                name: 'patch',
                action: 'aws:runCommand',
                durationMs: 1000,
                fail: { message: 'yum update exited 1' }
              }
            ]
          }
        ]
      }
    })
  }

  it('lists the steps with ssm:DescribeAutomationStepExecutions to name the failed one', async () => {
    seedFailingRunbook()
    emu.configure({ iam: { [BUILD]: buildPolicy, [COPY_ACCOUNT]: targetPolicy } })
    const r = await runPipeline(emu, failing)
    expect(r.code).toBe(1)
    expect(errorLines(r)).toContain('step "patch" (aws:runCommand) Failed: yum update exited 1')
    expect(emu.calls().map((c) => c.action)).toContain('DescribeAutomationStepExecutions')
  }, 90_000)

  it('without ssm:DescribeAutomationStepExecutions: a warning naming it', async () => {
    seedFailingRunbook()
    emu.configure({
      iam: {
        [BUILD]: buildPolicy.filter((a) => !RUNBOOK_FAILURE_ONLY.has(a)),
        [COPY_ACCOUNT]: targetPolicy
      }
    })
    const r = await runPipeline(emu, failing)
    expect(r.code).toBe(1)
    expect(warningLines(r) + r.summary).toContain('ssm:DescribeAutomationStepExecutions')
  }, 90_000)
})
