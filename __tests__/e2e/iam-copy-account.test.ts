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
  seedWorld
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
/** Survived on purpose with a warning (see iam.test.ts). */
const WARNING_ONLY = new Set(['ec2:DeleteSnapshot', 'ec2:DescribeImageReferences'])
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
    const implied = new Set(['ec2:CreateTags', 'ec2:DeleteSnapshot'])
    expect(
      targetPolicy.filter((a) => !used.has(a) && !implied.has(a) && !EXACT_MODE_ONLY.has(a))
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

  it.each(targetPolicy)(
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
    },
    60_000
  )
})
