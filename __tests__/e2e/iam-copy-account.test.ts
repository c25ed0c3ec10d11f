// Least privilege, the copy account: the role assumed in each `copy-accounts` account gets
// exactly the README's policy for it (parsed from README.md); the full pipeline passes, and
// removing any one action makes the run report that permission.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import {
  expectPermissionNamed,
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
const buildPolicy = policyFor(
  policies,
  'Every run',
  'Build from an instance',
  'Share (',
  'Share snapshots',
  'Copy to regions',
  'Cross-account copy (`copy-accounts`): the build account',
  'Prune',
  'Lifecycle'
)
const targetPolicy = policyFor(policies, 'Cross-account copy (`copy-accounts`): the role')
/** What DescribeImageReferences reads with the role's own permissions (see iam.test.ts). */
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
/** Survived on purpose with a warning (see iam.test.ts). */
const WARNING_ONLY = new Set([
  'ec2:DeleteSnapshot',
  'ec2:DescribeImageReferences',
  'ec2:GetEbsEncryptionByDefault',
  'rbin:ListRules',
  'rbin:GetRule',
  ...IN_USE_COMPANIONS
])
/** Read only when a shared copy would be encrypted without a copy key (see iam.test.ts). */
const DEFAULT_KEY_ONLY = new Set(['ec2:GetEbsDefaultKmsKeyId'])
/** A copy made by this run has no permissions to read in `sharing-mode: add`; exact mode reads them. */
const EXACT_MODE_ONLY = new Set(['ec2:DescribeImageAttribute', 'ec2:DescribeSnapshotAttribute'])

let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.001 })
})
afterAll(async () => {
  await emu?.close()
})
beforeEach(() => {
  emu.reset()
  seedWorld(emu)
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
})

describe('README IAM policy, the role in a copy account', () => {
  it('passes with exactly the README policy, and uses every action of it', async () => {
    emu.configure({ iam: { [BUILD]: buildPolicy, [COPY_ACCOUNT]: targetPolicy } })
    const r = await runPipeline(emu, pipelineInputs('instance'))
    expect(errorLines(r)).toBe('')
    expect(r.code).toBe(0)
    const used = new Set(
      emu
        .calls()
        .filter((c) => c.accountId === COPY_ACCOUNT)
        .map((c) => `${c.service}:${c.action}`)
    )
    const implied = new Set(['ec2:CreateTags', 'ec2:DeleteSnapshot', ...IN_USE_COMPANIONS])
    expect(
      targetPolicy.filter(
        (a) =>
          !used.has(a) && !implied.has(a) && !EXACT_MODE_ONLY.has(a) && !DEFAULT_KEY_ONLY.has(a)
      )
    ).toEqual([])
  }, 60_000)

  it('passes with exactly the README policy in sharing-mode exact, which reads the permissions', async () => {
    emu.configure({ iam: { [BUILD]: buildPolicy, [COPY_ACCOUNT]: targetPolicy } })
    const r = await runPipeline(emu, pipelineInputs('instance', { 'sharing-mode': 'exact' }))
    expect(errorLines(r)).toBe('')
    expect(r.code).toBe(0)
    const used = new Set(
      emu
        .calls()
        .filter((c) => c.accountId === COPY_ACCOUNT)
        .map((c) => `${c.service}:${c.action}`)
    )
    for (const action of EXACT_MODE_ONLY) expect(used).toContain(action)
  }, 60_000)

  it.each(targetPolicy.filter((a) => !DEFAULT_KEY_ONLY.has(a)))(
    'without %s the run reports that permission',
    async (action) => {
      emu.configure({
        iam: { [BUILD]: buildPolicy, [COPY_ACCOUNT]: targetPolicy.filter((a) => a !== action) }
      })
      const extra: Record<string, string> = EXACT_MODE_ONLY.has(action)
        ? { 'sharing-mode': 'exact' }
        : {}
      const r = await runPipeline(emu, pipelineInputs('instance', extra))
      expectPermissionNamed(r, action, WARNING_ONLY.has(action))
      if (IN_USE_COMPANIONS.has(action))
        expect(warningLines(r)).toContain(`not authorized to perform: ${action}`)
    },
    60_000
  )
})

describe('README IAM policy, the role in a copy account, sharing publicly', () => {
  const publicPolicy = [...targetPolicy, ...policyFor(policies, 'Public copies in copy accounts')]
  const publicBuild = [...buildPolicy, ...policyFor(policies, 'Share publicly')]
  const inputs = pipelineInputs('instance', {
    'share-accounts': '',
    'share-snapshots': 'false',
    'share-public': 'true',
    'copy-regions': ''
  })
  beforeEach(() => {
    emu.seed({
      ec2: {
        blockPublicAccess: [
          { accountId: BUILD, region: REGION, state: 'unblocked' },
          { accountId: COPY_ACCOUNT, region: REGION, state: 'unblocked' }
        ]
      }
    })
  })

  it('passes with the README policies and checks block public access in the copy account', async () => {
    emu.configure({ iam: { [BUILD]: publicBuild, [COPY_ACCOUNT]: publicPolicy } })
    const r = await runPipeline(emu, inputs)
    expect(errorLines(r)).toBe('')
    expect(r.code).toBe(0)
    expect(
      emu
        .calls()
        .some((c) => c.accountId === COPY_ACCOUNT && c.action === 'GetImageBlockPublicAccessState')
    ).toBe(true)
  }, 60_000)

  it('without ec2:GetImageBlockPublicAccessState in the copy account: fails naming it, nothing shared', async () => {
    emu.configure({
      iam: {
        [BUILD]: publicBuild,
        [COPY_ACCOUNT]: publicPolicy.filter((a) => a !== 'ec2:GetImageBlockPublicAccessState')
      }
    })
    const r = await runPipeline(emu, inputs)
    expectPermissionNamed(r, 'ec2:GetImageBlockPublicAccessState', false)
    expect(
      emu.calls().filter((c) => c.action === 'ModifyImageAttribute' && c.status < 400)
    ).toEqual([])
  }, 60_000)
})
