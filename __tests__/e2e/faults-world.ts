// Shared world for the reliability e2e tests (faults, IAM, secrets, idempotence): a seed with a
// base AMI, a builder instance and two old versions of the family, the inputs of a full pipeline,
// and the "nothing lost" checks every fault case ends with.
import { expect } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Emulator } from '../../emulator/index.js'
import type { CallRecord } from '../../emulator/types.js'
import { BASE_AMI, BUILD, INSTANCE, REGION } from './fixtures.js'
import { runAction, type RunOptions, type RunResult } from './harness.js'

export { BASE_AMI, BUILD, INSTANCE, REGION }
export const SHARE = '444455556666'
export const COPY_ACCOUNT = '777788889999'
export const COPY_ROLE = `arn:aws:iam::${COPY_ACCOUNT}:role/ami-copier`
export const COPY_REGION = 'eu-west-1'
export const PR = 7

export type Source = 'runbook' | 'instance' | 'adopt'

/** Seed the build account: base AMI, builder instance, two prunable old versions, a PR. */
export function seedWorld(emu: Emulator): { oldVersions: string[] } {
  const seeded = emu.seed({
    ec2: {
      images: [
        { imageId: BASE_AMI, accountId: BUILD, region: REGION, name: 'base' },
        ...[1, 2].map((n) => ({
          accountId: BUILD,
          region: REGION,
          name: `web-old-${n}`,
          tags: { 'ami-share-action:family': 'web' },
          creationDate: `2025-0${n}-01T00:00:00Z`
        }))
      ],
      instances: [
        { instanceId: INSTANCE, accountId: BUILD, region: REGION, volumes: [{ sizeGiB: 8 }] }
      ]
    },
    github: { pulls: [{ owner: 'acme', repo: 'infra', number: PR, title: 'golden AMI' }] }
  }) as { ec2: { images: string[] } }
  return { oldVersions: seeded.ec2.images.slice(1) }
}

/** Inputs of the whole pipeline: build, share (+ snapshots), copy region and account, lifecycle, prune, comment. */
export function pipelineInputs(
  source: Source,
  extra: Record<string, string> = {}
): Record<string, string> {
  const inputs: Record<string, string> = {
    'ami-name': 'web-{{timestamp}}',
    family: 'web',
    'share-accounts': SHARE,
    'share-snapshots': 'true',
    'copy-regions': COPY_REGION,
    'copy-accounts': COPY_ROLE,
    'deprecate-after': '90d',
    'deregistration-protection': 'true',
    'ssm-parameter': '/golden/web',
    'prune-keep': '1',
    'comment-on-pr': 'true',
    'github-token': 'ghs_e2etoken',
    'timeout-minutes': '60'
  }
  if (source === 'runbook') {
    inputs['automation-document'] = 'AWS-UpdateLinuxAmi'
    inputs['automation-parameters'] =
      `SourceAmiId: ${BASE_AMI}\nSecurityGroupIds: sg-0123456789abcdef0`
  } else if (source === 'instance') {
    inputs['instance-id'] = INSTANCE
    inputs['no-reboot'] = 'true'
  } else {
    inputs['ami-id'] = BASE_AMI
    delete inputs['ami-name']
  }
  return { ...inputs, ...extra }
}

/** Run the action as a pull_request job of PR #7. */
export function runPipeline(
  emu: Emulator,
  inputs: Record<string, string>,
  options: Partial<RunOptions> = {}
): Promise<RunResult> {
  return runAction({
    emulator: emu,
    inputs,
    eventName: 'pull_request',
    event: { number: PR, pull_request: { number: PR } },
    timeoutMs: 90_000,
    ...options
  })
}

interface StateImage {
  imageId: string
  ownerId: string
  region: string
  name: string
  state: string
}
interface StateSnapshot {
  snapshotId: string
  ownerId: string
}
interface StateExecution {
  id: string
  status: string
}
export interface WorldState {
  images: StateImage[]
  snapshots: StateSnapshot[]
  executions: StateExecution[]
  comments: { body: string }[]
  parameters: { name: string; value: string; accountId: string; region: string }[]
  /** Length of the call log when this was taken: later checks look only at calls after it. */
  callCount: number
}

export function worldState(emu: Emulator): WorldState {
  const s = emu.state() as {
    ec2: { images: StateImage[]; snapshots: StateSnapshot[] }
    ssm: { executions: StateExecution[]; parameters: WorldState['parameters'] }
    github: { comments: { body: string }[] }
  }
  return {
    images: s.ec2.images,
    snapshots: s.ec2.snapshots,
    executions: s.ssm.executions,
    comments: s.github.comments,
    parameters: s.ssm.parameters,
    callCount: emu.calls().length
  }
}

/** Images (by ID) whose AMI record exists now. */
export function imageIds(state: WorldState): Set<string> {
  return new Set(state.images.map((i) => i.imageId))
}

/**
 * Nothing lost: every AMI and snapshot that existed before still exists (except `pruned`, which a
 * successful run may retire), no AMI the run created was deregistered, and no runbook execution is
 * still running.
 */
export function expectNothingLost(
  emu: Emulator,
  before: WorldState,
  pruned: readonly string[] = []
): void {
  const after = worldState(emu)
  const now = imageIds(after)
  const missing = before.images.filter((i) => !now.has(i.imageId) && !pruned.includes(i.imageId))
  expect(missing.map((i) => i.imageId)).toEqual([])
  const prunedSnapshots = new Set(
    emu
      .calls()
      .slice(before.callCount)
      .filter((c) => c.action === 'DeregisterImage' && c.status < 400)
      .map((c) => String(c.params.ImageId))
  )
  for (const id of prunedSnapshots) expect(pruned).toContain(id)
  const snapshotsNow = new Set(after.snapshots.map((s) => s.snapshotId))
  const prunedImageSnapshots = new Set(
    before.images
      .filter((i) => pruned.includes(i.imageId))
      .flatMap((i) => (i as unknown as { blockDevices: { snapshotId: string }[] }).blockDevices)
      .map((d) => d.snapshotId)
  )
  expect(
    before.snapshots
      .filter((s) => !snapshotsNow.has(s.snapshotId) && !prunedImageSnapshots.has(s.snapshotId))
      .map((s) => s.snapshotId)
  ).toEqual([])
  expect(
    after.executions
      .filter((e) => ['Pending', 'InProgress', 'Waiting'].includes(e.status))
      .map((e) => `${e.id} ${e.status}`)
  ).toEqual([])
}

/** The distinct `service:Action` names of successful calls, optionally for one account. */
export function actionsCalled(calls: readonly CallRecord[], accountId?: string): string[] {
  return [
    ...new Set(
      calls
        .filter(
          (c) => c.service !== 'github' && (accountId === undefined || c.accountId === accountId)
        )
        .map((c) => `${c.service}:${c.action}`)
    )
  ].sort()
}

/** Everything the run printed, for "the error names the cause" assertions. */
export function allOutput(r: RunResult): string {
  return `${r.stdout}\n${r.stderr}`
}

/** The `::error::` lines (the failure message the user sees). */
export function errorLines(r: RunResult): string {
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('::error'))
    .join('\n')
}

/** The `::warning::` lines. */
export function warningLines(r: RunResult): string {
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('::warning'))
    .join('\n')
}

/**
 * A run without `action` names it: as the failure (exit 1), or, for a permission the action can
 * do without (it degrades), as a warning or in the summary with exit 0.
 */
export function expectPermissionNamed(r: RunResult, action: string, degrades: boolean): void {
  if (degrades) {
    expect(r.code).toBe(0)
    expect(warningLines(r) + r.summary).toContain(action)
  } else {
    expect(r.code).toBe(1)
    expect(errorLines(r)).toContain(action)
  }
}

/** The README's "IAM policy" section: heading of each feature → the actions of its JSON block. */
export function readmePolicies(): Map<string, string[]> {
  const readme = readFileSync(resolve(import.meta.dirname, '..', '..', 'README.md'), 'utf8')
  const start = readme.indexOf('\n## IAM policy\n')
  if (start < 0) throw new Error('README.md has no "## IAM policy" section')
  const end = readme.indexOf('\n## ', start + 1)
  const section = readme.slice(start, end < 0 ? undefined : end)
  const policies = new Map<string, string[]>()
  for (const part of section.split('\n### ').slice(1)) {
    const heading = part.slice(0, part.indexOf('\n')).trim()
    const block = /```json\n([\s\S]*?)```/.exec(part)
    if (!block) continue
    const doc = JSON.parse(block[1]) as { Statement: { Effect: string; Action: string[] }[] }
    const actions = doc.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action)
    policies.set(heading, [...new Set(actions)])
  }
  return policies
}

/** The actions of the README policies whose heading starts with one of `prefixes`. */
export function policyFor(policies: Map<string, string[]>, ...prefixes: string[]): string[] {
  const actions = new Set<string>()
  for (const prefix of prefixes) {
    const matches = [...policies.keys()].filter((h) => h.startsWith(prefix))
    if (matches.length !== 1)
      throw new Error(`README IAM policy: ${matches.length} headings start with "${prefix}"`)
    for (const a of policies.get(matches[0])!) actions.add(a)
  }
  return [...actions].sort()
}
