// A dry run and a real run of the same inputs agree (dist/index.js against the emulator): the
// dry run's plan lists exactly the mutating AWS calls the real run then makes, account by account
// and region by region, and the grants the dry run's summary says it would make are the grants the
// real run leaves in AWS. Both runs go through the one pipeline (src/plan.ts); this test is what
// keeps a step from acting without planning, or planning without acting.
import { describe, expect, it } from '@jest/globals'
import { tables } from '../unit/report-helpers.js'
import { BUILD, REGION, TEST_TIMEOUT, withEmulator } from './fixtures.js'
import { runAction, type RunResult } from './harness.js'

const CONSUMER = '444455556666'
const COPY_A = '777788889999'
const COPY_B = '222233334444'
const SOURCE = 'ami-0aaaaaaaaaaaaaaaa'
/** Matches src/report/index.ts PLANNED_CALLS_PREFIX (the debug line a dry run writes). */
const PLANNED_CALLS = '::debug::Planned AWS calls: '

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

const emu = withEmulator({ timeScale: 0.001 }, (started) => {
  started.seed({
    ec2: {
      images: [
        {
          imageId: SOURCE,
          accountId: BUILD,
          region: REGION,
          name: 'web-20261101',
          snapshots: [{ sizeGiB: 8 }, { sizeGiB: 20 }]
        }
      ],
      // Rolled out where the build account gets the AMI: here and in eu-west-1 (not us-west-2).
      launchTemplates: [REGION, 'eu-west-1'].map((region) => ({
        accountId: BUILD,
        region,
        name: 'web',
        versions: [{ instanceType: 't3.micro' }]
      }))
    }
  })
})

const inputs = {
  'ami-id': SOURCE,
  family: 'web',
  tags: 'team=platform',
  'share-accounts': CONSUMER,
  'share-snapshots': 'true',
  'copy-regions': 'eu-west-1\nus-west-2',
  'copy-accounts': `arn:aws:iam::${COPY_A}:role/copier\narn:aws:iam::${COPY_B}:role/copier`,
  'deprecate-after': '90d',
  'deregistration-protection': 'true',
  'ssm-parameter': '/golden/web/latest',
  'launch-templates': 'web',
  // The test phase: an instance in the consumer account per region, before each AMI is shared.
  'test-launch': 'true',
  'test-account-role': `arn:aws:iam::${CONSUMER}:role/ami-test`,
  'test-regions': 'all'
}

function run(dryRun: boolean): Promise<RunResult> {
  return runAction({
    emulator: emu,
    inputs: { ...inputs, 'dry-run': String(dryRun) },
    timeoutMs: 100_000
  })
}

/** `service:Action account region`, sorted: a multiset of calls. */
const key = (c: { action: string; accountId: string; region: string }): string =>
  `${c.action} ${c.accountId} ${c.region}`

function plannedCalls(result: RunResult): string[] {
  const line = result.stdout.split('\n').find((l) => l.startsWith(PLANNED_CALLS))
  if (!line)
    throw new Error(`no planned calls in the dry run's log:\n${result.stdout.slice(-3000)}`)
  return (JSON.parse(line.slice(PLANNED_CALLS.length)) as Json[]).map(key).sort()
}

/** Mutating calls the emulator accepted since `fromSeq` (a DryRun probe is refused, so left out). */
function madeCalls(fromSeq: number): string[] {
  return emu
    .calls()
    .filter((c) => c.seq > fromSeq && c.mutating && c.status < 400)
    .map((c) => key({ ...c, action: `${c.service}:${c.action}` }))
    .sort()
}

/** Launch permissions by `account/region` of every AMI the emulator holds. */
function grantsInAws(): Record<string, string[]> {
  const images: Json[] = (emu.state() as Json).ec2.images
  return Object.fromEntries(
    images.map((i) => [
      `${i.ownerId}/${i.region}`,
      i.launchPermissions.map((p: Json) => p.userId ?? p.group ?? p.organizationArn).sort()
    ])
  )
}

/** The summary's "Launch permissions" table: who is granted launch on the source. */
function grantsInSummary(summary: string): string[] {
  const table = tables(summary).find((t) => t.headers.join() === 'Granted to,ID')
  return (table?.rows ?? []).map((r) => r[1]).sort()
}

describe('a dry run plans exactly what the real run does', () => {
  it(
    'same mutating calls per account and region, same grants',
    async () => {
      const dry = await run(true)
      expect({ code: dry.code, stderr: dry.stderr.slice(-2000) }).toEqual({ code: 0, stderr: '' })
      const planned = plannedCalls(dry)
      expect(madeCalls(0)).toEqual([])

      const before = Math.max(0, ...emu.calls().map((c) => c.seq))
      const real = await run(false)
      expect({ code: real.code, stderr: real.stderr.slice(-2000) }).toEqual({ code: 0, stderr: '' })
      const made = madeCalls(before)

      // Share, snapshot grants, copies into 2 regions x 1 + 3 regions x 2 accounts, lifecycle.
      expect(made).toContain(`ec2:CopyImage ${COPY_A} ${REGION}`)
      expect(made).toContain(`ssm:PutParameter ${BUILD} ${REGION}`)
      expect(made).toContain(`ec2:CreateLaunchTemplateVersion ${BUILD} eu-west-1`)
      expect(made).toContain(`ec2:ModifyLaunchTemplate ${BUILD} ${REGION}`)
      expect(made).toContain(`ec2:RunInstances ${CONSUMER} eu-west-1`)
      expect(made).toContain(`ec2:TerminateInstances ${CONSUMER} ${REGION}`)
      expect(planned).toEqual(made)

      // The source's grants: share-accounts AND the copy accounts (the would-grant table once
      // left the copy accounts out).
      const granted = grantsInAws()[`${BUILD}/${REGION}`]
      expect(granted).toEqual([CONSUMER, COPY_A, COPY_B].sort())
      expect(grantsInSummary(dry.summary)).toEqual(granted)
      expect(dry.summary).toContain('Launch permissions (would grant)')
      expect(grantsInSummary(real.summary)).toEqual(granted)
    },
    TEST_TIMEOUT
  )
})
