// Nightly rebuilds, end to end: a runbook parameter resolved from a public SSM parameter, the base
// AMI checked and recorded, `rebuild: if-changed` adopting the last night's AMI when nothing
// changed (and building, saying why, when the base or the runbook moved), and two runs of one
// recipe at once building it only once.
import { describe, expect, it } from '@jest/globals'
import { CreateTagsCommand, EC2Client } from '@aws-sdk/client-ec2'
import type { Emulator } from '../../emulator/index.js'
import { callsTo, imagesIn, TEST_TIMEOUT, withEmulator } from './fixtures.js'
import { credentialsEnv, runAction, type RunResult } from './harness.js'
import { BUILD, errorLines, REGION, SHARE, warningLines } from './faults-world.js'

const AL2023 = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64'
const AMAZON = '137112412989'
const BASE_1 = 'ami-0b1b1b1b1b1b1b1b1'
const BASE_2 = 'ami-0b2b2b2b2b2b2b2b2'
const DOC = 'Nightly-Build'

const emu = withEmulator({ timeScale: 0.001 })

/** A public Amazon Linux image per night and the public parameter pointing at the first. */
function seedNight(e: Emulator, options: { patchMinutes?: number } = {}): void {
  e.seed({
    ec2: {
      images: [
        {
          imageId: BASE_1,
          accountId: AMAZON,
          region: REGION,
          name: 'al2023-ami-2026.1',
          ownerAlias: 'amazon',
          public: true,
          creationDate: '2026-11-01T00:00:00Z'
        },
        {
          imageId: BASE_2,
          accountId: AMAZON,
          region: REGION,
          name: 'al2023-ami-2026.2',
          ownerAlias: 'amazon',
          public: true,
          creationDate: '2026-11-20T00:00:00Z'
        }
      ]
    },
    ssm: {
      parameters: [{ name: AL2023, region: REGION, value: BASE_1, dataType: 'aws:ec2:image' }]
    }
  })
  seedRunbook(e, options.patchMinutes ?? 5)
}

/** A runbook that launches the base AMI, patches it for `patchMinutes`, and images it. */
function seedRunbook(e: Emulator, patchMinutes: number): void {
  e.seed({
    ssm: {
      documents: [
        {
          name: DOC,
          accountId: BUILD,
          region: REGION,
          parameters: [
            { name: 'SourceAmiId', type: 'String' },
            { name: 'TargetAmiName', type: 'String', defaultValue: 'nightly-{{global:DATE_TIME}}' }
          ],
          steps: [
            {
              name: 'launch',
              action: 'aws:runInstances',
              durationMs: 60_000,
              inputs: { ImageId: '{{SourceAmiId}}', InstanceType: 't3.micro' }
            },
            { name: 'patch', action: 'aws:runCommand', durationMs: patchMinutes * 60_000 },
            {
              name: 'createImage',
              action: 'aws:createImage',
              inputs: { InstanceId: '{{launch.InstanceIds}}', ImageName: '{{TargetAmiName}}' }
            }
          ],
          outputs: ['createImage.ImageId']
        }
      ]
    }
  })
}

function nightlyInputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'automation-document': DOC,
    'automation-parameters': `SourceAmiId: resolve:ssm:${AL2023}`,
    'ami-name': 'nightly-{{timestamp}}',
    family: 'nightly',
    rebuild: 'if-changed',
    'share-accounts': SHARE,
    'deprecate-after': '90d',
    'deregistration-protection': 'true',
    'ssm-parameter': '/golden/nightly',
    'prune-keep': '3',
    'timeout-minutes': '60',
    ...extra
  }
}

let night = 0
/** One scheduled run: each night has its own workflow run ID. */
function runNight(inputs: Record<string, string>): Promise<RunResult> {
  night += 1
  return runAction({
    emulator: emu,
    inputs,
    eventName: 'schedule',
    env: { GITHUB_RUN_ID: String(5000 + night) },
    timeoutMs: 90_000
  })
}

/** Matches src/report/index.ts PLANNED_CALLS_PREFIX (the debug line a dry run writes). */
const PLANNED_CALLS = '::debug::Planned AWS calls: '
const callKey = (c: { action: string; accountId: string; region: string }): string =>
  `${c.action} ${c.accountId} ${c.region}`

function plannedCalls(result: RunResult): string[] {
  const line = result.stdout.split('\n').find((l) => l.startsWith(PLANNED_CALLS))
  if (!line)
    throw new Error(`no planned calls in the dry run's log:\n${result.stdout.slice(-3000)}`)
  const calls = JSON.parse(line.slice(PLANNED_CALLS.length)) as {
    action: string
    accountId: string
    region: string
  }[]
  return calls.map(callKey).sort()
}

const lastSeq = (): number => Math.max(0, ...emu.calls().map((c) => c.seq))

/** Mutating AWS calls the emulator accepted after `fromSeq`. */
function madeCalls(fromSeq: number): string[] {
  return emu
    .calls()
    .filter((c) => c.seq > fromSeq && c.mutating && c.status < 400 && c.service !== 'github')
    .map((c) => callKey({ ...c, action: `${c.service}:${c.action}` }))
    .sort()
}

function tagsOf(imageId: string): Record<string, string> {
  const image = imagesIn(emu).find((i) => i.imageId === imageId)
  return Object.fromEntries(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (image?.tags ?? []).map((t: any) => [t.key ?? t.Key, t.value ?? t.Value])
  )
}

/** A copy of the SSM document with other content: a new runbook hash, same name. */
function changeRunbook(): void {
  seedRunbook(emu, 7)
}

describe('rebuild: if-changed with a resolve:ssm: base', () => {
  it(
    'builds the first night, adopts on an unchanged night with no mutating call, builds again when the base moves',
    async () => {
      seedNight(emu)
      const first = await runNight(nightlyInputs())
      expect(errorLines(first)).toBe('')
      expect(first.outputs.built).toBe('true')
      expect(first.outputs['base-ami-id']).toBe(BASE_1)
      const built = first.outputs['ami-id']
      const tags = tagsOf(built)
      expect(tags['ami-share-action:base-ami']).toBe(BASE_1)
      expect(tags['ami-share-action:recipe']).toMatch(/^[0-9a-f]{64}$/)
      expect(tags['ami-share-action:deprecate-after']).toBe('90d')
      // The runbook was given the resolved value, and the summary says where it came from.
      const start = callsTo(emu, 'StartAutomationExecution')
      expect(JSON.stringify(start[0].params.Parameters)).toContain(BASE_1)
      expect(first.summary).toContain(`Base AMI: ${BASE_1} (al2023-ami-2026.1), created`)
      expect(first.summary).toContain('al2023-ami-2026.1')
      expect(first.summary).toContain('2026-11-01 00:00 UTC')

      // Night 2: nothing changed.
      const seen = emu.calls().length
      const second = await runNight(nightlyInputs())
      expect(errorLines(second)).toBe('')
      expect(second.code).toBe(0)
      expect(second.outputs.built).toBe('false')
      expect(second.outputs['ami-id']).toBe(built)
      expect(second.outputs['base-ami-id']).toBe(BASE_1)
      const calls = emu.calls().slice(seen)
      expect(calls.filter((c) => c.action === 'StartAutomationExecution')).toEqual([])
      expect(
        calls
          .filter((c) => c.mutating && c.service !== 'github')
          .map((c) => `${c.service}:${c.action}`)
      ).toEqual([])
      expect(second.summary).toMatch(/Unchanged since \d{4}-\d\d-\d\d \d\d:\d\d UTC/)
      expect(second.summary).toContain(`same base AMI ${BASE_1}`)
      expect(second.summary).toContain('same runbook hash')

      // Night 3: Amazon published a new base; the public parameter moved.
      emu.seed({
        ssm: {
          parameters: [{ name: AL2023, region: REGION, value: BASE_2, dataType: 'aws:ec2:image' }]
        }
      })
      const third = await runNight(nightlyInputs())
      expect(errorLines(third)).toBe('')
      expect(third.outputs.built).toBe('true')
      expect(third.outputs['ami-id']).not.toBe(built)
      expect(third.outputs['base-ami-id']).toBe(BASE_2)
      expect(third.summary).toContain(`the base AMI changed from ${BASE_1} to ${BASE_2}`)
      expect(tagsOf(third.outputs['ami-id'])['ami-share-action:base-ami']).toBe(BASE_2)
    },
    TEST_TIMEOUT
  )

  it(
    'builds when the runbook content changed under the same name, and says so',
    async () => {
      seedNight(emu)
      const first = await runNight(nightlyInputs())
      expect(first.outputs.built).toBe('true')
      changeRunbook()
      const second = await runNight(nightlyInputs())
      expect(errorLines(second)).toBe('')
      expect(second.outputs.built).toBe('true')
      expect(second.summary).toContain('the runbook content changed')
    },
    TEST_TIMEOUT
  )

  it(
    'never adopts a version that failed its test',
    async () => {
      seedNight(emu)
      const first = await runNight(nightlyInputs())
      expect(first.outputs.built).toBe('true')
      // A test of that AMI failed (as the testing phase tags it).
      const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY } = credentialsEnv(BUILD)
      const ec2 = new EC2Client({
        region: REGION,
        endpoint: emu.url,
        credentials: { accessKeyId: AWS_ACCESS_KEY_ID, secretAccessKey: AWS_SECRET_ACCESS_KEY }
      })
      await ec2.send(
        new CreateTagsCommand({
          Resources: [first.outputs['ami-id']],
          Tags: [{ Key: 'ami-share-action:test', Value: 'failed' }]
        })
      )
      ec2.destroy()
      const second = await runNight(nightlyInputs())
      expect(errorLines(second)).toBe('')
      expect(second.outputs.built).toBe('true')
      expect(second.outputs['ami-id']).not.toBe(first.outputs['ami-id'])
    },
    TEST_TIMEOUT
  )

  it(
    'a dry run says whether it would build or adopt, and why, and plans exactly the calls the real run makes',
    async () => {
      seedNight(emu)
      const plan1 = await runNight(nightlyInputs({ 'dry-run': 'true' }))
      expect(plan1.summary).toContain('Would build: no available AMI of family nightly')
      const seen1 = lastSeq()
      const first = await runNight(nightlyInputs())
      expect(first.outputs.built).toBe('true')
      expect(plannedCalls(plan1)).toEqual(madeCalls(seen1))

      const seen = lastSeq()
      const plan2 = await runNight(nightlyInputs({ 'dry-run': 'true' }))
      expect(errorLines(plan2)).toBe('')
      expect(plan2.summary).toContain(`Would adopt ${first.outputs['ami-id']} instead of building`)
      // An unchanged night: nothing to plan, nothing done.
      expect(plannedCalls(plan2)).toEqual([])
      expect(madeCalls(seen)).toEqual([])
    },
    TEST_TIMEOUT
  )
})

describe('resolve:ssm: and the base AMI are judged before the runbook starts', () => {
  it.each([
    [
      'a missing parameter',
      (e: Emulator) => seedRunbook(e, 5),
      `resolve:ssm:/aws/service/nothing/here`,
      /automation-parameters: SSM parameter \/aws\/service\/nothing\/here .*does not exist in us-east-1/
    ],
    [
      'a SecureString parameter',
      (e: Emulator) => {
        seedRunbook(e, 5)
        e.seed({
          ssm: {
            parameters: [
              {
                name: '/team/base',
                accountId: BUILD,
                region: REGION,
                value: BASE_1,
                type: 'SecureString'
              }
            ]
          }
        })
      },
      'resolve:ssm:/team/base',
      /automation-parameters: resolve:ssm:\/team\/base is a SecureString/
    ],
    [
      'a base AMI that does not exist',
      (e: Emulator) => seedRunbook(e, 5),
      'ami-0deadbeefdeadbeef',
      /automation-parameters: the base AMI ami-0deadbeefdeadbeef .*does not exist in us-east-1 or is not visible/
    ],
    [
      'a disabled base AMI',
      (e: Emulator) => {
        seedRunbook(e, 5)
        e.seed({
          ec2: {
            images: [
              {
                imageId: BASE_1,
                accountId: BUILD,
                region: REGION,
                name: 'old-base',
                state: 'disabled'
              }
            ]
          }
        })
      },
      BASE_1,
      /automation-parameters: the base AMI ami-0b1b1b1b1b1b1b1b1 .*is disabled, so nothing can launch it/
    ]
  ])(
    '%s is an error naming automation-parameters',
    async (_what, seed, value, message) => {
      seed(emu)
      const r = await runNight(nightlyInputs({ 'automation-parameters': `SourceAmiId: ${value}` }))
      expect(r.code).toBe(1)
      expect(errorLines(r)).toMatch(message)
      expect(callsTo(emu, 'StartAutomationExecution')).toEqual([])
    },
    TEST_TIMEOUT
  )

  it(
    'a deprecated base AMI is a warning naming its deprecation time; the build goes on',
    async () => {
      seedRunbook(emu, 5)
      emu.seed({
        ec2: {
          images: [
            {
              imageId: BASE_1,
              accountId: BUILD,
              region: REGION,
              name: 'old-base',
              deprecationTime: '2026-01-01T00:00:00Z'
            }
          ]
        }
      })
      const r = await runNight(nightlyInputs({ 'automation-parameters': `SourceAmiId: ${BASE_1}` }))
      expect(errorLines(r)).toBe('')
      expect(r.outputs.built).toBe('true')
      expect(warningLines(r)).toContain('deprecated since 2026-01-01T00:00:00.000Z')
    },
    TEST_TIMEOUT
  )
})

describe('overlapping nights', () => {
  it(
    'two runs of one recipe at once build it once; the other adopts that execution and its AMI',
    async () => {
      // An hour of patching (3.6 s at this time scale): the runs overlap for sure.
      seedNight(emu, { patchMinutes: 60 })
      const inputs = nightlyInputs({ 'prune-keep': '' })
      const [a, b] = await Promise.all([runNight(inputs), runNight(inputs)])
      for (const r of [a, b]) {
        expect(errorLines(r)).toBe('')
        expect(r.code).toBe(0)
      }
      expect(a.outputs['ami-id']).toBe(b.outputs['ami-id'])
      expect(a.outputs['automation-execution-id']).toBe(b.outputs['automation-execution-id'])
      expect([a.outputs.built, b.outputs.built].sort()).toEqual(['false', 'true'])
      // One execution ran to the end; a second one, if both started at the same moment, was stopped.
      const executions = (emu.state() as { ssm: { executions: { id: string; status: string }[] } })
        .ssm.executions
      expect(executions.filter((e) => e.status === 'Success').map((e) => e.id)).toEqual([
        a.outputs['automation-execution-id']
      ])
      expect(
        executions.filter((e) => !['Success', 'Cancelled', 'Cancelling'].includes(e.status))
      ).toEqual([])
      const images = imagesIn(emu).filter((i) => i.name?.startsWith('nightly-'))
      expect(images).toHaveLength(1)
    },
    TEST_TIMEOUT
  )

  it(
    'a run that starts while another builds the recipe waits for it instead of starting its own',
    async () => {
      seedNight(emu, { patchMinutes: 60 })
      const inputs = nightlyInputs({ 'prune-keep': '' })
      const a = runNight(inputs)
      // Start the second run once the first one's runbook is running.
      while (!callsTo(emu, 'StartAutomationExecution').some((c) => c.status < 400)) {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      const b = await runNight(inputs)
      const first = await a
      expect(errorLines(b)).toBe('')
      expect(b.outputs.built).toBe('false')
      expect(b.outputs['automation-execution-id']).toBe(first.outputs['automation-execution-id'])
      expect(b.outputs['ami-id']).toBe(first.outputs['ami-id'])
      expect(callsTo(emu, 'StartAutomationExecution')).toHaveLength(1)
      expect(callsTo(emu, 'StopAutomationExecution')).toEqual([])
    },
    TEST_TIMEOUT
  )
})
