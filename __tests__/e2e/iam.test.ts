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
  COPY_REGION,
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
const DEFAULT_CMK = '5555eeee-12ab-34cd-56ef-1234567890ab'
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
 * What DescribeImageReferences reads with the caller's own permissions (the Prune block's second
 * statement): the emulator denies the call naming the first one missing, as AWS checks them.
 */
/**
 * What pruning reads besides the in-use check: launch permissions of each candidate (is it shared
 * with other accounts?) and the Recycle Bin rules. Without them versions are kept or their
 * recoverability is unknown, with a warning naming the permission.
 */
const RETIRE_READS = ['ec2:DescribeImageAttribute', 'rbin:ListRules', 'rbin:GetRule']
const IN_USE_COMPANIONS = new Set(
  policyFor(policies, 'Prune').filter(
    (a) =>
      ![
        'ec2:DescribeImageReferences',
        'ec2:DeregisterImage',
        'ec2:DeleteSnapshot',
        ...RETIRE_READS
      ].includes(a)
  )
)
/**
 * Actions whose absence the action survives on purpose, with a warning naming them: without
 * ec2:DeleteSnapshot pruned AMIs' snapshots stay; without ec2:DescribeImageReferences or one of
 * the permissions it reads with, nothing is pruned (in-use cannot be ruled out); without
 * ec2:GetEbsEncryptionByDefault the default-key check cannot run; without ssm:GetParameter the
 * parameter cannot be read back, so it is not reported as set.
 */
const WARNING_ONLY = new Set([
  'ec2:DeleteSnapshot',
  'ec2:DescribeImageReferences',
  'ec2:GetEbsEncryptionByDefault',
  'rbin:ListRules',
  'rbin:GetRule',
  'ssm:GetParameter',
  ...IN_USE_COMPANIONS
])
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
/**
 * Called only when a shared copy would be encrypted without a copy key (encrypted source, or EBS
 * encryption by default on there): proven below with encryption by default on.
 */
const DEFAULT_KEY_ONLY = new Set(['ec2:GetEbsDefaultKmsKeyId'])
const notOnThisRun = (a: string): boolean =>
  CANCEL_ONLY.has(a) ||
  EXACT_MODE_ONLY.has(a) ||
  RUNBOOK_FAILURE_ONLY.has(a) ||
  KEY_LOOKUP_ONLY.has(a) ||
  DEFAULT_KEY_ONLY.has(a)

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
    },
    // A Recycle Bin rule in each account, so pruning reads it (rbin:ListRules, rbin:GetRule).
    rbin: {
      rules: [BUILD, COPY_ACCOUNT].map((accountId) => ({
        accountId,
        region: REGION,
        resourceType: 'EC2_IMAGE',
        retentionDays: 7
      }))
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
    // Tag-on-create, per-snapshot deletes and what DescribeImageReferences reads are authorised
    // without a call of their own.
    const implied = new Set(['ec2:CreateTags', 'ec2:DeleteSnapshot', ...IN_USE_COMPANIONS])
    expect(buildPolicy.filter((a) => !used.has(a) && !implied.has(a) && !notOnThisRun(a))).toEqual(
      []
    )
    // Pruning reads launch permissions too, so only the snapshot attribute is exact mode's alone.
    for (const action of [
      ...[...EXACT_MODE_ONLY].filter((a) => a !== 'ec2:DescribeImageAttribute'),
      ...RUNBOOK_FAILURE_ONLY,
      ...KEY_LOOKUP_ONLY,
      ...DEFAULT_KEY_ONLY
    ]) {
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
      (a) =>
        !CANCEL_ONLY.has(a) &&
        !RUNBOOK_FAILURE_ONLY.has(a) &&
        !KEY_LOOKUP_ONLY.has(a) &&
        !DEFAULT_KEY_ONLY.has(a)
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
      // AWS's own denial names the companion permission, not only our hint.
      if (IN_USE_COMPANIONS.has(action))
        expect(warningLines(r)).toContain(`not authorized to perform: ${action}`)
    },
    90_000
  )
})

describe('README IAM policy, EBS encryption by default in a copy region', () => {
  /** The copy region encrypts new copies by default, with a customer managed default key. */
  function seedEncryptionByDefault(): void {
    seedFullWorld()
    emu.seed({
      kms: { keys: [{ accountId: BUILD, region: COPY_REGION, keyId: DEFAULT_CMK }] },
      ec2: {
        ebsDefaults: [
          {
            accountId: BUILD,
            region: COPY_REGION,
            encryptionByDefault: true,
            kmsKeyId: `arn:aws:kms:${COPY_REGION}:${BUILD}:key/${DEFAULT_CMK}`
          }
        ]
      }
    })
  }
  const policy = [...buildPolicy, 'kms:DescribeKey']

  it('reads the default key with ec2:GetEbsDefaultKmsKeyId and passes', async () => {
    seedEncryptionByDefault()
    emu.configure({ iam: { [BUILD]: policy, [COPY_ACCOUNT]: targetPolicy } })
    const r = await runPipeline(emu, pipelineInputs('runbook'))
    expect(errorLines(r)).toBe('')
    expect(r.code).toBe(0)
    expect(
      emu.calls().some((c) => c.action === 'GetEbsDefaultKmsKeyId' && c.region === COPY_REGION)
    ).toBe(true)
  }, 90_000)

  it('without ec2:GetEbsDefaultKmsKeyId: a warning naming it', async () => {
    seedEncryptionByDefault()
    emu.configure({
      iam: {
        [BUILD]: policy.filter((a) => a !== 'ec2:GetEbsDefaultKmsKeyId'),
        [COPY_ACCOUNT]: targetPolicy
      }
    })
    const r = await runPipeline(emu, pipelineInputs('runbook'))
    expectPermissionNamed(r, 'ec2:GetEbsDefaultKmsKeyId', true)
  }, 90_000)
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
