// Least privilege, build account: the emulator's IAM allow-list is set to exactly the README's
// policies (parsed from README.md, so the README cannot drift) for the features of a full
// pipeline (runbook build, share with snapshots, copy to a region and an account, lifecycle, SSM
// parameter, prune). The run passes; removing any one action makes it fail naming that action.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import {
  BUILD,
  COPY_ACCOUNT,
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
 * pruned (in-use cannot be ruled out); without ssm:DescribeAutomationStepExecutions the summary
 * lacks the runbook's steps.
 */
const WARNING_ONLY = new Set([
  'ec2:DeleteSnapshot',
  'ec2:DescribeImageReferences',
  'ssm:DescribeAutomationStepExecutions'
])
/** Used only when the job is cancelled: proven in iam-features.test.ts. */
const CANCEL_ONLY = new Set(['ssm:StopAutomationExecution'])

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
    expect(
      buildPolicy.filter((a) => !used.has(a) && !implied.has(a) && !CANCEL_ONLY.has(a))
    ).toEqual([])
  }, 90_000)

  it.each(buildPolicy.filter((a) => !CANCEL_ONLY.has(a)))(
    'without %s the run reports that permission',
    async (action) => {
      seedFullWorld()
      emu.configure({
        iam: { [BUILD]: buildPolicy.filter((a) => a !== action), [COPY_ACCOUNT]: targetPolicy }
      })
      const r = await runPipeline(emu, pipelineInputs('runbook'))
      if (WARNING_ONLY.has(action)) {
        expect(r.code).toBe(0)
        expect(warningLines(r) + r.summary).toContain(action)
      } else {
        expect(r.code).toBe(1)
        expect(errorLines(r)).toContain(action)
      }
    },
    90_000
  )
})
