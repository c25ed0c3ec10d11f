// `dry-run: true` on the whole pipeline, end to end (dist/index.js against the emulator): a
// runbook build, four copy regions, two copy accounts, sharing and pruning are planned with
// read-only calls only, and the problems a real run would hit are in the plan.
//
// "Zero mutating calls": the emulator flags calls by action, so an EC2 permission probe
// (CopyImage with DryRun=true) is flagged too. Those change nothing (EC2 answers DryRunOperation
// or UnauthorizedOperation before acting), which INTERFACE.md allows. The proof is therefore:
// every AWS call flagged mutating carried DryRun=true and was refused with a 4xx, and the
// emulator's AWS state is identical before and after the run.
import { describe, expect, it } from '@jest/globals'
import type { CallRecord } from '../../emulator/index.js'
import { tables } from '../unit/report-helpers.js'
import {
  BUILD,
  pullRequestEvent,
  seedBaseAndOldVersions,
  TEST_TIMEOUT,
  updateLinuxAmiInputs,
  withEmulator
} from './fixtures.js'
import { runAction, type RunResult } from './harness.js'

const COPY_A = '777788889999'
const COPY_B = '222233334444'
const CONSUMER = '444455556666'
const ROLE_A = `arn:aws:iam::${COPY_A}:role/copier`
const ROLE_B = `arn:aws:iam::${COPY_B}:role/copier`
const REGIONS = ['eu-west-1', 'eu-central-1', 'us-west-2', 'ap-southeast-2']
const NAME = 'web-v42'
const PR = 3

let baseAmi: string
let oldVersions: string[]

const emu = withEmulator({ timeScale: 0.001 }, (started) => {
  ;({ baseAmi, oldVersions } = seedBaseAndOldVersions(
    started,
    [4, 3, 2].map((daysAgo) => [`web-v${40 - daysAgo}`, daysAgo])
  ))
})

function dryRun(inputs: Record<string, string> = {}): Promise<RunResult> {
  return runAction({
    emulator: emu,
    ...pullRequestEvent(PR),
    inputs: {
      'dry-run': 'true',
      ...updateLinuxAmiInputs(baseAmi),
      'ami-name': NAME,
      family: 'web',
      'share-accounts': CONSUMER,
      'copy-regions': REGIONS.join('\n'),
      'copy-accounts': `${ROLE_A}\n${ROLE_B}`,
      'deregistration-protection': 'true',
      'prune-keep': '2',
      'comment-on-pr': 'true',
      'github-token': 'ghs_fakeTokenForTheEmulator0123456789',
      ...inputs
    },
    timeoutMs: 90_000
  })
}

/**
 * AWS resource state. Left out: `github` (the dry run writes its plan as the PR comment) and
 * `sts` (the temporary credentials AssumeRole handed out: bookkeeping, not a resource).
 */
function awsState(): Record<string, unknown> {
  const { github: _github, sts: _sts, ...aws } = emu.state()
  return JSON.parse(JSON.stringify(aws)) as Record<string, unknown>
}

function awsCalls(): CallRecord[] {
  return emu.calls().filter((c) => c.service !== 'github')
}

/** The proof that nothing changed: see the file comment. */
function expectNothingChanged(before: Record<string, unknown>): void {
  const calls = awsCalls()
  expect(calls.length).toBeGreaterThan(0)
  const mutating = calls.filter((c) => c.mutating)
  const changed = mutating.filter((c) => c.params.DryRun !== 'true' || c.status < 400)
  expect(changed.map((c) => `${c.service}:${c.action} ${c.status}`)).toEqual([])
  for (const c of mutating)
    expect(['DryRunOperation', 'UnauthorizedOperation']).toContain(c.errorCode)
  expect(calls.map((c) => c.action)).not.toContain('StartAutomationExecution')
  expect(calls.map((c) => c.action)).not.toContain('CreateImage')
  expect(awsState()).toEqual(before)
}

function problems(summary: string): string[] {
  return summary
    .split('\n')
    .filter((l) => l.startsWith('- ⚠️ **Problem:** '))
    .map((l) => l.slice('- ⚠️ **Problem:** '.length))
}

function comment(): string {
  const comments = (emu.state().github as { comments: { body: string }[] }).comments
  expect(comments).toHaveLength(1)
  return comments[0].body
}

describe('dry-run on the full pipeline', () => {
  it(
    'plans build, 4 regions × 2 accounts, share, lifecycle and prune with zero mutating calls',
    async () => {
      const before = awsState()
      const run = await dryRun()
      if (run.code !== 0) throw new Error(`exit ${run.code}\n${run.stdout}\n${run.summary}`)
      expectNothingChanged(before)

      // The read-only checks really ran: runbook, roles, names in every target.
      const actions = awsCalls().map((c) => `${c.service}:${c.action}`)
      expect(actions).toContain('ssm:DescribeDocument')
      expect(actions).toContain('sts:AssumeRole')
      expect(actions).toContain('ec2:DescribeImages')
      const described = new Set(
        awsCalls()
          .filter((c) => c.action === 'DescribeImages')
          .map((c) => `${c.accountId}/${c.region}`)
      )
      for (const account of [BUILD, COPY_A, COPY_B])
        for (const region of REGIONS) expect(described).toContain(`${account}/${region}`)
      for (const account of [COPY_A, COPY_B]) expect(described).toContain(`${account}/us-east-1`)

      const { summary } = run
      expect(summary.split('\n')[0]).toBe('## 🧪 Dry run: plan')
      expect(summary).toContain('Nothing was changed. The read-only checks found no problem.')
      expect(problems(summary)).toEqual([])
      expect(summary).toContain('AWS-UpdateLinuxAmi')
      // 1 source + 4 regions in the build account + (build region + 4) in each copy account.
      const fleet = tables(summary)[0]
      expect(fleet.rows).toHaveLength(1 + REGIONS.length + 2 * (1 + REGIONS.length))
      expect(fleet.rows.every((r) => r[3].startsWith('planned'))).toBe(true)
      const copies = summary.split('\n').filter((l) => /^- Copy .* to /.test(l))
      expect(copies).toHaveLength(REGIONS.length + 2 * (1 + REGIONS.length))
      for (const region of REGIONS)
        for (const account of [BUILD, COPY_A, COPY_B])
          expect(copies.some((l) => l.includes(`to ${region} (account ${account})`))).toBe(true)
      expect(summary).toContain('### Launch permissions (would grant)')
      expect(summary).toContain('### Pruning (dry run: nothing deleted)')
      expect(summary).toMatch(/Would prune 2 versions/)
      const pruned = tables(summary).find((t) => t.headers.includes('Snapshots'))!
      expect(pruned.rows.map((r) => r[2]).join()).toContain(oldVersions[0])
      expect(pruned.rows.map((r) => r[2]).join()).toContain(oldVersions[1])
      expect(pruned.rows.map((r) => r[2]).join()).not.toContain(oldVersions[2])
      expect(pruned.rows.every((r) => r[6] === 'would prune')).toBe(true)

      // The plan is the PR comment too; no "AMI ready" notice for an AMI that does not exist.
      expect(comment()).toContain('Dry run: plan')
      expect(tables(comment()).map((t) => t.headers)).toEqual([
        ['Account', 'Region', 'AMI', 'State', 'Shared with', 'Deprecation'],
        ['Granted to', 'ID'],
        ['Key', 'Value'],
        ['Account', 'Region', 'AMI', 'Name', 'Result']
      ])
      expect(tables(comment())[0].rows).toHaveLength(fleet.rows.length)
      expect(run.stdout).not.toMatch(/^::notice/m)
      expect(run.stdout).not.toMatch(/^::error/m)
      expect(run.outputs['ami-id'] ?? '').toBe('')
    },
    TEST_TIMEOUT
  )

  it(
    'a name conflict in one region, a role that cannot be assumed and block public access are each a problem in the plan; the step fails',
    async () => {
      emu.seed({ ec2: { images: [{ accountId: BUILD, region: 'eu-central-1', name: NAME }] } })
      emu.configure({ assumeRoleDenied: [ROLE_B] })
      const before = awsState()
      const run = await dryRun({ 'share-public': 'true' })
      expectNothingChanged(before)

      const found = problems(run.summary)
      const conflict = found.filter((p) => p.includes('eu-central-1') && p.includes(NAME))
      expect(conflict).toHaveLength(1)
      expect(found.filter((p) => p.includes(NAME) && !p.includes('eu-central-1'))).toEqual([])
      // The role: copying there is impossible, and so is pruning there (one line for all regions).
      // The same lookup a real run makes fails, once per copy target in that account.
      const role = found.filter((p) => p.includes(ROLE_B) && /would fail: lookup in/.test(p))
      expect(role).toHaveLength(REGIONS.length + 1)
      for (const line of role) expect(line).toMatch(/AccessDenied/)
      const pruneThere = found.filter((p) =>
        p.startsWith(`Pruning: listing the family in account ${COPY_B}`)
      )
      expect(pruneThere).toHaveLength(1)
      for (const region of ['us-east-1', ...REGIONS]) expect(pruneThere[0]).toContain(region)
      const bpa = found.filter((p) => /block public access/i.test(p))
      expect(bpa.length).toBeGreaterThan(0)
      expect(bpa.some((p) => p.includes('us-east-1'))).toBe(true)
      expect(run.summary).toMatch(
        new RegExp(
          `Nothing was changed\\. \\*\\*${found.length} problems\\*\\* the real run would hit`
        )
      )
      // The problems are in the PR comment too.
      for (const p of [conflict[0], role[0]]) expect(comment()).toContain(p)

      // Decision: a plan with problems fails the step (a red PR check), with the plan written.
      expect(run.code).not.toBe(0)
      const errors = run.stdout.split('\n').filter((l) => l.startsWith('::error'))
      expect(errors).toHaveLength(1)
      expect(errors[0]).toContain(`${found.length} problems`)
      expect(run.summary).toContain('this step fails')
    },
    TEST_TIMEOUT
  )

  it(
    'a copy account whose role lacks ec2:CopyImage: the DryRun probe names the permission',
    async () => {
      // The probe needs the source to exist and be visible to the copy account already.
      const [source] = (
        emu.seed({
          ec2: {
            images: [
              {
                accountId: BUILD,
                region: 'us-east-1',
                name: 'web-v41',
                launchPermissions: [{ userId: COPY_A }],
                snapshots: [{ sizeGiB: 8, createVolumePermissions: [{ userId: COPY_A }] }]
              }
            ]
          }
        }) as { ec2: { images: string[] } }
      ).ec2.images
      emu.configure({
        iam: { [COPY_A]: ['ec2:Describe*', 'ec2:CreateTags', 'ssm:*', 'kms:*'] }
      })
      const before = awsState()
      const run = await dryRun({
        'automation-document': '',
        'automation-parameters': '',
        'ami-id': source,
        'ami-name': '',
        'copy-regions': 'eu-west-1',
        'copy-accounts': ROLE_A
      })
      expectNothingChanged(before)
      const denied = awsCalls().filter(
        (c) => c.action === 'CopyImage' && c.errorCode === 'UnauthorizedOperation'
      )
      expect(denied.length).toBeGreaterThan(0)
      expect(denied.every((c) => c.accountId === COPY_A && c.params.DryRun === 'true')).toBe(true)
      const found = problems(run.summary)
      const missing = found.filter((p) => p.includes('ec2:CopyImage'))
      expect(missing.length).toBeGreaterThan(0)
      expect(missing.every((p) => p.includes(COPY_A))).toBe(true)
      expect(missing[0]).toMatch(/Missing permission ec2:CopyImage/)
      expect(run.code).not.toBe(0)
    },
    TEST_TIMEOUT
  )
})
