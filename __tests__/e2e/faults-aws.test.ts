// Fault matrix, part 3: AWS really fails. Eventual consistency (NotFound windows), runbooks that
// fail, time out or are cancelled by someone else, images and copies that end `failed`, a copy
// role that cannot be assumed, credentials expiring mid-run, a denied SSM parameter write, and
// GitHub refusing the PR comment. Each: the exit status, the error naming the cause, nothing lost.
import { describe, expect, it } from '@jest/globals'
import { instanceRunbook, withEmulator } from './fixtures.js'
import {
  allOutput,
  BUILD,
  COPY_ACCOUNT,
  COPY_REGION,
  COPY_ROLE,
  errorLines,
  expectNothingLost,
  INSTANCE,
  pipelineInputs,
  REGION,
  runPipeline,
  seedWorld,
  warningLines,
  worldState,
  type WorldState
} from './faults-world.js'

const emu = withEmulator({ timeScale: 0.001 })

const oldVersions = (s: WorldState) =>
  s.images.filter((i) => i.name.startsWith('web-old')).map((i) => i.imageId)

/** A runbook that builds from an instance; `extraSteps` run before its createImage step. */
function seedRunbook(extraSteps: unknown[]): void {
  emu.seed({
    ssm: {
      documents: [
        instanceRunbook('Build-Golden', [
          { name: 'install', action: 'aws:runCommand', durationMs: 120_000 },
          ...extraSteps
        ])
      ]
    }
  })
}

const runbookInputs = () =>
  pipelineInputs('runbook', {
    'automation-document': 'Build-Golden',
    'automation-parameters': `InstanceId: ${INSTANCE}`
  })

describe('eventual consistency', () => {
  it.each([
    ['CreateImage', 'instance' as const],
    ['the runbook', 'runbook' as const]
  ])(
    'new image (%s) and its copies unknown for 10 simulated minutes: waited out, exit 0',
    async (_, source) => {
      seedWorld(emu)
      emu.configure({ 'ec2.notFoundWindowMs': 600_000 })
      const before = worldState(emu)
      const r = await runPipeline(emu, pipelineInputs(source))
      expect(errorLines(r)).toBe('')
      expect(r.code).toBe(0)
      const notFound = emu.calls().filter((c) => c.errorCode === 'InvalidAMIID.NotFound')
      // Both the new image and every copy (2 regions × 2 accounts - the source) answered NotFound.
      const ids = new Set(notFound.map((c) => String(c.params['ImageId.1'])))
      expect(ids.size).toBeGreaterThanOrEqual(4)
      expect(Object.keys(JSON.parse(r.outputs['ami-ids']))).toEqual([REGION, COPY_REGION])
      expectNothingLost(emu, before, oldVersions(before))
    },
    90_000
  )
})

describe('runbook ends badly', () => {
  it('Failed: exit 1 naming the step and its reason, nothing shared or pruned', async () => {
    seedWorld(emu)
    seedRunbook([
      {
        name: 'hardenOs',
        action: 'aws:runCommand',
        durationMs: 60_000,
        fail: { message: 'yum exited with 1' }
      }
    ])
    const before = worldState(emu)
    const r = await runPipeline(emu, runbookInputs())
    expect(r.code).toBe(1)
    expect(errorLines(r)).toMatch(/Failed/)
    expect(errorLines(r)).toMatch(/hardenOs/)
    expect(errorLines(r)).toMatch(/yum exited with 1/)
    expect(r.outputs['automation-execution-id']).toMatch(/\S/)
    const awsMutations = emu
      .calls()
      .filter((c) => c.mutating && c.service !== 'github')
      .map((c) => c.action)
    expect(awsMutations).toEqual(['StartAutomationExecution'])
    // The PR comment reports the failure.
    expect(worldState(emu).comments[0].body).toMatch(/yum exited with 1/)
    expect(worldState(emu).executions.map((e) => e.status)).toEqual(['Failed'])
    expectNothingLost(emu, before)
  }, 60_000)

  it('TimedOut: exit 1 naming the timed-out step', async () => {
    seedWorld(emu)
    seedRunbook([{ name: 'slowPatch', action: 'aws:sleep', durationMs: 600_000, timesOut: true }])
    const before = worldState(emu)
    const r = await runPipeline(emu, runbookInputs())
    expect(r.code).toBe(1)
    expect(errorLines(r)).toMatch(/TimedOut/)
    expect(errorLines(r)).toMatch(/slowPatch/)
    expect(worldState(emu).executions.map((e) => e.status)).toEqual(['TimedOut'])
    expectNothingLost(emu, before)
  }, 60_000)

  it('Cancelled by someone else: exit 1 saying so, no AMI adopted', async () => {
    seedWorld(emu)
    seedRunbook([])
    emu.configure({ 'ssm.cancelExternally': { documentName: 'Build-Golden', afterMs: 60_000 } })
    const before = worldState(emu)
    const r = await runPipeline(emu, runbookInputs())
    expect(r.code).toBe(1)
    expect(errorLines(r)).toMatch(/Cancel/)
    expect(r.outputs['ami-id'] ?? '').toBe('')
    // The action did not stop it: someone else did.
    expect(emu.calls().filter((c) => c.action === 'StopAutomationExecution')).toEqual([])
    expect(['Cancelling', 'Cancelled']).toContain(worldState(emu).executions[0].status)
    expectNothingLost(emu, before)
  }, 60_000)
})

describe('images and copies that fail', () => {
  it('the new image ends `failed`: exit 1 with its StateReason, nothing distributed', async () => {
    seedWorld(emu)
    emu.configure({
      'ec2.failCreateImage': { code: 'Client.InternalError', message: 'Volume snapshot failed' }
    })
    const before = worldState(emu)
    const r = await runPipeline(emu, pipelineInputs('instance'))
    expect(r.code).toBe(1)
    expect(errorLines(r)).toMatch(/failed/)
    expect(errorLines(r)).toMatch(/Volume snapshot failed/)
    expect(emu.calls().filter((c) => c.action === 'CopyImage')).toEqual([])
    expectNothingLost(emu, before)
  }, 60_000)

  it('one copy ends `failed`: exit 1 naming that copy, the others finished and reported', async () => {
    seedWorld(emu)
    emu.configure({
      'ec2.failCopy': {
        accountId: BUILD,
        region: COPY_REGION,
        code: 'Client.InternalError',
        message: 'Snapshot copy failed'
      }
    })
    const before = worldState(emu)
    const r = await runPipeline(emu, pipelineInputs('instance'))
    expect(r.code).toBe(1)
    expect(errorLines(r)).toMatch(new RegExp(COPY_REGION))
    expect(errorLines(r)).toMatch(/Snapshot copy failed/)
    const accountIds = JSON.parse(r.outputs['account-ami-ids']) as Record<string, object>
    expect(Object.keys(accountIds[COPY_ACCOUNT]).sort()).toEqual([COPY_REGION, REGION].sort())
    expect(worldState(emu).images.map((i) => i.imageId)).toContain(r.outputs['ami-id'])
    // A failed distribution prunes nothing.
    expect(emu.calls().filter((c) => c.action === 'DeregisterImage')).toEqual([])
    expectNothingLost(emu, before)
  }, 60_000)

  it('AssumeRole denied for one of two copy accounts: exit 1 naming the role and AccessDenied', async () => {
    seedWorld(emu)
    const denied = 'arn:aws:iam::999988887777:role/ami-copier'
    emu.configure({ assumeRoleDenied: [denied] })
    const before = worldState(emu)
    const r = await runPipeline(
      emu,
      pipelineInputs('instance', { 'copy-accounts': `${COPY_ROLE}\n${denied}` })
    )
    expect(r.code).toBe(1)
    expect(errorLines(r)).toMatch(/AccessDenied/)
    expect(errorLines(r)).toContain(denied)
    expectNothingLost(emu, before)
  }, 60_000)
})

describe('credentials and permissions', () => {
  it('ExpiredToken mid-run: exit 1 with the role-duration-seconds hint, the built AMI kept', async () => {
    seedWorld(emu)
    emu.configure({
      faults: [
        { service: 'ec2', accountId: BUILD, kind: 'expired-token', afterSimMs: 600_000 },
        { service: 'ssm', accountId: BUILD, kind: 'expired-token', afterSimMs: 600_000 }
      ]
    })
    const before = worldState(emu)
    const r = await runPipeline(emu, pipelineInputs('instance'))
    expect(r.code).toBe(1)
    expect(errorLines(r)).toMatch(/ExpiredToken/)
    expect(errorLines(r)).toMatch(/role-duration-seconds/)
    expect(emu.calls().some((c) => c.errorCode === 'ExpiredToken')).toBe(true)
    expect(emu.calls().filter((c) => c.action === 'DeregisterImage')).toEqual([])
    expectNothingLost(emu, before)
  }, 60_000)

  it('ssm:PutParameter not allowed: exit 1 naming ssm:PutParameter, the AMIs kept', async () => {
    seedWorld(emu)
    emu.configure({
      iam: {
        [BUILD]: [
          'ec2:*',
          'sts:*',
          'kms:*',
          'ssm:Describe*',
          'ssm:Get*',
          'ssm:StartAutomationExecution',
          'ssm:StopAutomationExecution'
        ]
      }
    })
    const before = worldState(emu)
    const r = await runPipeline(emu, pipelineInputs('instance'))
    expect(r.code).toBe(1)
    expect(errorLines(r)).toMatch(/ssm:PutParameter/)
    expect(errorLines(r)).toMatch(/AccessDenied/)
    expect(worldState(emu).parameters).toEqual([])
    expect(worldState(emu).images.map((i) => i.imageId)).toContain(r.outputs['ami-id'])
    expectNothingLost(emu, before)
  }, 60_000)
})

describe('GitHub refuses the PR comment: the build stays green with a warning', () => {
  it.each([
    ['403 on CreateComment', 'CreateComment', 403, /403|not accessible/i],
    ['500 on CreateComment', 'CreateComment', 500, /500|Server Error/i],
    ['500 on ListComments', 'ListComments', 500, /500|Server Error/i]
  ])(
    '%s',
    async (_, action, status, cause) => {
      seedWorld(emu)
      emu.configure({
        faults: [
          {
            service: 'github',
            action,
            kind: 'error',
            status,
            ...(status === 403 ? { message: 'Resource not accessible by integration' } : {})
          }
        ]
      })
      const before = worldState(emu)
      const r = await runPipeline(emu, pipelineInputs('instance', { 'copy-accounts': '' }))
      expect(errorLines(r)).toBe('')
      expect(r.code).toBe(0)
      expect(warningLines(r)).toMatch(/comment/i)
      expect(warningLines(r)).toMatch(cause)
      expect(r.outputs['comment-url'] ?? '').toBe('')
      expect(worldState(emu).comments).toEqual([])
      expect(allOutput(r)).not.toMatch(/at .*\.js:\d+/)
      expectNothingLost(emu, before, oldVersions(before))
    },
    60_000
  )
})
