import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import { CreateTagsCommand, DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2'
import {
  AutomationExecutionStatus,
  DescribeAutomationStepExecutionsCommand,
  DescribeDocumentCommand,
  GetAutomationExecutionCommand,
  SSMClient,
  StartAutomationExecutionCommand,
  StopAutomationExecutionCommand,
  type AutomationExecution,
  type DocumentParameter
} from '@aws-sdk/client-ssm'
import { mockClient } from 'aws-sdk-client-mock'
import * as core from '../../__fixtures__/core.js'
import { awsError, makeContext, REGION, ACCOUNT } from './source-context.js'

jest.unstable_mockModule('@actions/core', () => core)
const { buildImage } = await import('../../src/source/build.js')
const { runbookClientToken } = await import('../../src/source/automation.js')
const { RUNBOOK_STATUS, classifyStatus, isTerminal } =
  await import('../../src/source/runbook-status.js')
const { RunbookFailedError, WaitTimeoutError } = await import('../../src/aws/errors.js')
const { InputError } = await import('../../src/errors.js')

const ssmMock = mockClient(SSMClient)
const ec2Mock = mockClient(EC2Client)

const EXEC = '4f6c1e2a-0b9e-4a57-9b7a-0123456789ab'
const AMI = 'ami-0aaaabbbbccccdddd'
const DOC = 'AWS-UpdateLinuxAmi'
const BASE = 'ami-0123456789abcdef0'

const LINUX_PARAMS: DocumentParameter[] = [
  { Name: 'SourceAmiId', Type: 'String' },
  { Name: 'SecurityGroupIds', Type: 'StringList' },
  { Name: 'IamInstanceProfileName', Type: 'String', DefaultValue: 'ManagedInstanceProfile' },
  { Name: 'AutomationAssumeRole', Type: 'String', DefaultValue: '' },
  { Name: 'TargetAmiName', Type: 'String', DefaultValue: 'UpdateLinuxAmi_from_{{SourceAmiId}}' },
  { Name: 'InstanceType', Type: 'String', DefaultValue: 't2.micro' }
]

function runbookContext(
  source: Partial<{
    parameters: Record<string, string[]>
    output: string
    documentVersion: string
  }> = {},
  overrides: Parameters<typeof makeContext>[0] = {}
) {
  return makeContext({
    source: {
      kind: 'automation',
      document: DOC,
      parameters: { SourceAmiId: ['ami-0123456789abcdef0'], SecurityGroupIds: ['sg-1', 'sg-2'] },
      ...source
    },
    tags: { team: 'platform', 'ami-share-action:family': 'golden' },
    ...overrides
  })
}

function execution(status: string, extra: Partial<AutomationExecution> = {}): AutomationExecution {
  return {
    AutomationExecutionId: EXEC,
    AutomationExecutionStatus: status as AutomationExecution['AutomationExecutionStatus'],
    ...extra
  }
}

const availableImage = {
  ImageId: AMI,
  Name: 'golden-20260102030405',
  OwnerId: ACCOUNT,
  State: 'available' as const,
  CreationDate: '2026-01-02T03:20:00.000Z',
  BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-1', VolumeSize: 8 } }]
}

beforeEach(() => {
  core.reset()
  ssmMock.reset()
  ec2Mock.reset()
  ssmMock.on(DescribeDocumentCommand).resolves({
    Document: { Name: DOC, DocumentType: 'Automation', Parameters: LINUX_PARAMS }
  })
  ssmMock.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: EXEC })
  ssmMock.on(DescribeAutomationStepExecutionsCommand).resolves({ StepExecutions: [] })
  ec2Mock.on(DescribeImagesCommand, { Owners: ['self'] }).resolves({ Images: [] })
  ec2Mock.on(DescribeImagesCommand, { ImageIds: [AMI] }).resolves({ Images: [availableImage] })
  // The base AMI the runbook parameters name: checked before the runbook starts.
  ec2Mock.on(DescribeImagesCommand, { ImageIds: [BASE] }).resolves({
    Images: [
      { ImageId: BASE, Name: 'base', State: 'available', CreationDate: '2025-12-01T00:00:00.000Z' }
    ]
  })
})

describe('runbook build', () => {
  it('validates, starts with TargetAmiName and a ClientToken, saves state, polls, tags and returns the AMI', async () => {
    const t = runbookContext({ documentVersion: '3' })
    ssmMock
      .on(GetAutomationExecutionCommand)
      .resolvesOnce({ AutomationExecution: execution('Pending') })
      .resolvesOnce({
        AutomationExecution: execution('InProgress', {
          CurrentStepName: 'updateOSSoftware',
          CurrentAction: 'aws:runCommand'
        })
      })
      .resolves({
        AutomationExecution: execution('Success', {
          Outputs: { 'createImage.ImageId': [AMI] },
          ExecutionStartTime: new Date('2026-01-02T03:04:06Z'),
          ExecutionEndTime: new Date('2026-01-02T03:20:00Z'),
          // The whole step list, not truncated: no DescribeAutomationStepExecutions needed.
          StepExecutionsTruncated: false,
          StepExecutions: [
            {
              StepName: 'launchInstance',
              Action: 'aws:runInstances',
              StepStatus: 'Success',
              ExecutionStartTime: new Date('2026-01-02T03:04:06Z'),
              ExecutionEndTime: new Date('2026-01-02T03:05:00Z')
            },
            { StepName: 'createImage', Action: 'aws:createImage', StepStatus: 'Success' }
          ]
        })
      })

    const image = await buildImage(t.ctx)

    expect(ssmMock.commandCalls(DescribeDocumentCommand)[0].args[0].input).toEqual({
      Name: DOC,
      DocumentVersion: '3'
    })
    const start = ssmMock.commandCalls(StartAutomationExecutionCommand)
    expect(start).toHaveLength(1)
    expect(start[0].args[0].input).toEqual({
      DocumentName: DOC,
      DocumentVersion: '3',
      Parameters: {
        SourceAmiId: ['ami-0123456789abcdef0'],
        SecurityGroupIds: ['sg-1', 'sg-2'],
        TargetAmiName: ['golden-20260102030405']
      },
      ClientToken: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
      ),
      // Tagged with the recipe, so an overlapping run of the same recipe finds it.
      Tags: [{ Key: 'ami-share-action:recipe', Value: expect.stringMatching(/^[0-9a-f]{64}$/) }]
    })
    expect(core.state).toEqual({
      'automation-execution-id': EXEC,
      'automation-execution-region': REGION
    })
    expect(ssmMock.commandCalls(GetAutomationExecutionCommand)).toHaveLength(3)
    expect(ssmMock.commandCalls(DescribeAutomationStepExecutionsCommand)).toHaveLength(0)
    expect(ssmMock.commandCalls(StopAutomationExecutionCommand)).toHaveLength(0)
    // progress: one line per status/step change
    expect(t.logs.filter((l) => l.includes(`Runbook ${DOC}: status`))).toEqual([
      expect.stringContaining('status Pending'),
      expect.stringContaining('status InProgress at step "updateOSSoftware" (aws:runCommand)'),
      expect.stringContaining('status Success')
    ])
    // a runbook cannot tag: the action tags the AMI and its snapshots
    expect(ec2Mock.commandCalls(CreateTagsCommand)[0].args[0].input).toEqual({
      Resources: [AMI, 'snap-1'],
      Tags: [
        { Key: 'team', Value: 'platform' },
        { Key: 'ami-share-action:family', Value: 'golden' },
        { Key: 'ami-share-action:recipe', Value: expect.stringMatching(/^[0-9a-f]{64}$/) },
        { Key: 'ami-share-action:base-ami', Value: 'ami-0123456789abcdef0' }
      ]
    })
    expect(image).toMatchObject({
      id: AMI,
      name: 'golden-20260102030405',
      region: REGION,
      ownerId: ACCOUNT,
      accountId: ACCOUNT,
      source: 'automation',
      reused: false,
      snapshots: [{ id: 'snap-1', sizeGiB: 8, encrypted: false }],
      creationDate: new Date('2026-01-02T03:20:00.000Z'),
      execution: {
        id: EXEC,
        document: DOC,
        status: 'Success',
        startTime: new Date('2026-01-02T03:04:06Z'),
        steps: [
          {
            name: 'launchInstance',
            action: 'aws:runInstances',
            status: 'Success',
            startTime: new Date('2026-01-02T03:04:06Z'),
            endTime: new Date('2026-01-02T03:05:00Z')
          },
          { name: 'createImage', action: 'aws:createImage', status: 'Success' }
        ]
      }
    })
    expect(image.buildMs).toBeGreaterThan(0)
  })

  it('the ClientToken is a deterministic UUID of run, runbook and parameters', () => {
    const plan = { document: DOC, parameters: { A: ['1'], B: ['2'] } }
    const token = runbookClientToken('run-1', plan)
    expect(runbookClientToken('run-1', { document: DOC, parameters: { B: ['2'], A: ['1'] } })).toBe(
      token
    )
    expect(runbookClientToken('run-2', plan)).not.toBe(token)
    expect(runbookClientToken('run-1', { ...plan, document: 'Other' })).not.toBe(token)
    expect(runbookClientToken('run-1', { ...plan, parameters: { A: ['9'] } })).not.toBe(token)
  })

  it('a user-given TargetAmiName wins; without tags inputs only the provenance is tagged', async () => {
    const t = runbookContext({
      parameters: {
        SourceAmiId: ['ami-0123456789abcdef0'],
        SecurityGroupIds: ['sg-1'],
        TargetAmiName: ['mine']
      }
    })
    t.ctx.config.tags = {}
    ssmMock.on(GetAutomationExecutionCommand).resolves({
      AutomationExecution: execution('Success', { Outputs: { 'createImage.ImageId': [AMI] } })
    })
    await buildImage(t.ctx)
    expect(
      ssmMock.commandCalls(StartAutomationExecutionCommand)[0].args[0].input.Parameters
        ?.TargetAmiName
    ).toEqual(['mine'])
    const tags = ec2Mock.commandCalls(CreateTagsCommand)[0].args[0].input.Tags ?? []
    expect(tags.map((tag) => tag.Key)).toEqual([
      'ami-share-action:recipe',
      'ami-share-action:base-ami'
    ])
  })

  it('does not pass ami-name to a runbook without TargetAmiName, and says so', async () => {
    const t = makeContext({
      source: {
        kind: 'automation',
        document: 'AWS-CreateImage',
        parameters: { InstanceId: ['i-1'] }
      }
    })
    ssmMock.on(DescribeDocumentCommand).resolves({
      Document: {
        DocumentType: 'Automation',
        Parameters: [
          { Name: 'InstanceId', Type: 'String' },
          { Name: 'NoReboot', Type: 'String', DefaultValue: 'false' }
        ]
      }
    })
    ssmMock.on(GetAutomationExecutionCommand).resolves({
      AutomationExecution: execution('Success', { Outputs: { 'createImage.ImageId': [AMI] } })
    })
    await buildImage(t.ctx)
    expect(
      ssmMock.commandCalls(StartAutomationExecutionCommand)[0].args[0].input.Parameters
    ).toEqual({ InstanceId: ['i-1'] })
    expect(t.ctx.warnings).toEqual([expect.stringContaining('declares no TargetAmiName')])
  })

  it.each([
    [
      'an unknown parameter',
      { SourceAmiId: ['ami-1'], SecurityGroupIds: ['sg-1'], InstanceTyp: ['t3.micro'] },
      'automation-parameters: runbook AWS-UpdateLinuxAmi has no parameter "InstanceTyp"; it declares: AutomationAssumeRole, IamInstanceProfileName, InstanceType, SecurityGroupIds, SourceAmiId, TargetAmiName'
    ],
    [
      'a missing required parameter',
      { SourceAmiId: ['ami-1'] },
      'automation-parameters: runbook AWS-UpdateLinuxAmi requires "SecurityGroupIds" (no default value)'
    ],
    [
      'several values for a String parameter',
      { SourceAmiId: ['ami-1', 'ami-2'], SecurityGroupIds: ['sg-1'] },
      'automation-parameters: runbook parameter "SourceAmiId" is a String and takes one value, got 2'
    ]
  ])('%s fails before anything starts', async (_label, parameters, message) => {
    const t = runbookContext({ parameters })
    const error = await buildImage(t.ctx).catch((e) => e)
    expect(error).toBeInstanceOf(InputError)
    expect(error.input).toBe('automation-parameters')
    expect(error.message).toBe(message)
    expect(ssmMock.commandCalls(StartAutomationExecutionCommand)).toHaveLength(0)
    expect(ec2Mock.calls()).toHaveLength(0)
  })

  it('refuses a document that is not an Automation runbook', async () => {
    const t = runbookContext()
    ssmMock.on(DescribeDocumentCommand).resolves({ Document: { DocumentType: 'Command' } })
    await expect(buildImage(t.ctx)).rejects.toThrow(
      'automation-document: AWS-UpdateLinuxAmi is a Command document, not an Automation runbook'
    )
  })

  it('failure names the failed step, its action, FailureMessage and FailureDetails', async () => {
    const t = runbookContext()
    ssmMock.on(GetAutomationExecutionCommand).resolves({
      AutomationExecution: execution('Failed', {
        FailureMessage: 'Step fails when it is executing',
        // Even a complete list is listed again on failure, for FailureDetails.
        StepExecutionsTruncated: false,
        StepExecutions: []
      })
    })
    ssmMock.on(DescribeAutomationStepExecutionsCommand).resolves({
      StepExecutions: [
        {
          StepName: 'launchInstance',
          Action: 'aws:runInstances',
          StepStatus: 'Success',
          Outputs: { InstanceIds: ['i-0feed'] }
        },
        {
          StepName: 'updateOSSoftware',
          Action: 'aws:runCommand',
          StepStatus: 'Failed',
          FailureMessage: 'Step fails when it is Executing. Command failed: yum exited 1',
          FailureDetails: {
            FailureStage: 'Invocation',
            FailureType: 'Action',
            Details: { ExitCode: ['1'] }
          }
        }
      ]
    })
    const error = await buildImage(t.ctx).catch((e) => e)
    expect(error).toBeInstanceOf(RunbookFailedError)
    expect(error.message).toBe(
      `Runbook ${DOC} ended Failed (execution ${EXEC}):\n` +
        'step "updateOSSoftware" (aws:runCommand) Failed: Step fails when it is Executing. Command failed: yum exited 1 [FailureStage Invocation, FailureType Action, Details ExitCode=1]\n' +
        "the runbook's instance i-0feed may still be running: terminate it if so"
    )
    expect(error.execution.steps[1]).toMatchObject({ name: 'updateOSSoftware', status: 'Failed' })
    expect(ec2Mock.commandCalls(CreateTagsCommand)).toHaveLength(0)
  })

  it('failure without step details uses the execution FailureMessage', async () => {
    const t = runbookContext()
    ssmMock.on(GetAutomationExecutionCommand).resolves({
      AutomationExecution: execution('Rejected', { FailureMessage: 'Approval rejected by ops' })
    })
    ssmMock.on(DescribeAutomationStepExecutionsCommand).rejects(awsError('AccessDeniedException'))
    await expect(buildImage(t.ctx)).rejects.toThrow(
      `Runbook ${DOC} ended Rejected (execution ${EXEC}):\nApproval rejected by ops`
    )
    expect(t.ctx.warnings).toEqual([expect.stringContaining("Could not list the runbook's steps")])
  })

  it('timeout stops the execution and says where it stood', async () => {
    const t = runbookContext({}, { timeoutMinutes: 1 })
    ssmMock.on(GetAutomationExecutionCommand).resolves({
      AutomationExecution: execution('InProgress', {
        CurrentStepName: 'createImage',
        CurrentAction: 'aws:createImage'
      })
    })
    ssmMock.on(StopAutomationExecutionCommand).resolves({})
    const error = await buildImage(t.ctx).catch((e) => e)
    expect(error).toBeInstanceOf(WaitTimeoutError)
    expect(error.message).toBe(
      `Runbook ${DOC} did not finish within 1 minutes (timeout-minutes): execution ${EXEC} stood at status InProgress at step "createImage" (aws:createImage); it has been stopped`
    )
    expect(ssmMock.commandCalls(StopAutomationExecutionCommand)[0].args[0].input).toEqual({
      AutomationExecutionId: EXEC,
      Type: 'Cancel'
    })
    // ~12 polls at 5 s ± 20 % within one minute, not a busy loop
    const polls = ssmMock.commandCalls(GetAutomationExecutionCommand).length
    expect(polls).toBeGreaterThan(8)
    expect(polls).toBeLessThan(18)
  })

  it('tolerates throttling and 5xx while polling', async () => {
    const t = runbookContext()
    ssmMock
      .on(GetAutomationExecutionCommand)
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
      .rejectsOnce(awsError('InternalServerError', 'oops', 500))
      .resolves({
        AutomationExecution: execution('Success', { Outputs: { 'createImage.ImageId': [AMI] } })
      })
    await expect(buildImage(t.ctx)).resolves.toMatchObject({ id: AMI })
    expect(ssmMock.commandCalls(GetAutomationExecutionCommand)).toHaveLength(3)
  })

  it('other polling errors fail the build', async () => {
    const t = runbookContext()
    ssmMock.on(GetAutomationExecutionCommand).rejects(awsError('AccessDeniedException', 'denied'))
    await expect(buildImage(t.ctx)).rejects.toThrow('denied')
    expect(ssmMock.commandCalls(GetAutomationExecutionCommand)).toHaveLength(1)
  })
})

describe('AMI ID from the runbook outputs', () => {
  async function amiFrom(
    outputs: Record<string, string[]>,
    steps: object[] = [],
    output?: string
  ): Promise<string> {
    const t = runbookContext({ ...(output ? { output } : {}) })
    ssmMock
      .on(GetAutomationExecutionCommand)
      .resolves({ AutomationExecution: execution('Success', { Outputs: outputs }) })
    ssmMock.on(DescribeAutomationStepExecutionsCommand).resolves({ StepExecutions: steps })
    ec2Mock.on(DescribeImagesCommand).callsFake((input: { ImageIds?: string[] }) => ({
      Images: input.ImageIds ? [{ ...availableImage, ImageId: input.ImageIds[0] }] : []
    }))
    return (await buildImage(t.ctx)).id
  }
  const A = 'ami-0000000000000000a'
  const B = 'ami-0000000000000000b'

  it('automation-output when given', async () => {
    expect(
      await amiFrom({ 'createImage.ImageId': [A], 'copy.ImageId': [B] }, [], 'copy.ImageId')
    ).toBe(B)
  })
  it('automation-output naming a step output the runbook does not re-declare', async () => {
    expect(
      await amiFrom(
        {},
        [{ StepName: 'bake', Action: 'aws:executeScript', Outputs: { AmiId: [B] } }],
        'bake.AmiId'
      )
    ).toBe(B)
  })
  it('createImage.ImageId by default', async () => {
    expect(await amiFrom({ 'createImage.ImageId': [A], 'other.Id': [B] })).toBe(A)
  })
  it('else the one output whose value is an AMI ID', async () => {
    expect(await amiFrom({ 'bake.Name': ['x'], 'bake.Image': [B] })).toBe(B)
  })
  it('else the ImageId output of the aws:createImage step (paginated step list)', async () => {
    const t = runbookContext()
    ssmMock
      .on(GetAutomationExecutionCommand)
      .resolves({ AutomationExecution: execution('Success') })
    ssmMock
      .on(DescribeAutomationStepExecutionsCommand)
      .resolvesOnce({
        StepExecutions: [{ StepName: 'launch', Action: 'aws:runInstances' }],
        NextToken: 'page2'
      })
      .resolves({
        StepExecutions: [
          {
            StepName: 'snap',
            Action: 'aws:createImage',
            Outputs: { ImageId: [AMI], ImageState: ['available'] }
          }
        ]
      })
    expect((await buildImage(t.ctx)).id).toBe(AMI)
    expect(
      ssmMock.commandCalls(DescribeAutomationStepExecutionsCommand).map((c) => c.args[0].input)
    ).toEqual([
      { AutomationExecutionId: EXEC, NextToken: undefined },
      { AutomationExecutionId: EXEC, NextToken: 'page2' }
    ])
  })
  it('a step list SSM truncated is listed in full with DescribeAutomationStepExecutions', async () => {
    const t = runbookContext()
    ssmMock.on(GetAutomationExecutionCommand).resolves({
      AutomationExecution: execution('Success', {
        StepExecutionsTruncated: true,
        StepExecutions: [{ StepName: 'launch', Action: 'aws:runInstances' }]
      })
    })
    ssmMock.on(DescribeAutomationStepExecutionsCommand).resolves({
      StepExecutions: [
        { StepName: 'launch', Action: 'aws:runInstances' },
        { StepName: 'snap', Action: 'aws:createImage', Outputs: { ImageId: [AMI] } }
      ]
    })
    const image = await buildImage(t.ctx)
    expect(image.id).toBe(AMI)
    expect(image.execution?.steps.map((s) => s.name)).toEqual(['launch', 'snap'])
    expect(ssmMock.commandCalls(DescribeAutomationStepExecutionsCommand)).toHaveLength(1)
  })
  it('the aws:createImage step output from a complete GetAutomationExecution, with no listing', async () => {
    const t = runbookContext()
    ssmMock.on(GetAutomationExecutionCommand).resolves({
      AutomationExecution: execution('Success', {
        StepExecutionsTruncated: false,
        StepExecutions: [
          { StepName: 'snap', Action: 'aws:createImage', Outputs: { ImageId: [AMI] } }
        ]
      })
    })
    expect((await buildImage(t.ctx)).id).toBe(AMI)
    expect(ssmMock.commandCalls(DescribeAutomationStepExecutionsCommand)).toHaveLength(0)
  })
  it('step outputs missing from GetAutomationExecution are looked up in the step listing', async () => {
    const t = runbookContext()
    ssmMock.on(GetAutomationExecutionCommand).resolves({
      AutomationExecution: execution('Success', {
        StepExecutionsTruncated: false,
        StepExecutions: [{ StepName: 'snap', Action: 'aws:createImage' }]
      })
    })
    ssmMock.on(DescribeAutomationStepExecutionsCommand).resolves({
      StepExecutions: [{ StepName: 'snap', Action: 'aws:createImage', Outputs: { ImageId: [AMI] } }]
    })
    expect((await buildImage(t.ctx)).id).toBe(AMI)
    expect(ssmMock.commandCalls(DescribeAutomationStepExecutionsCommand)).toHaveLength(1)
  })
  it.each([
    [
      {},
      [],
      'bake.Id',
      'automation-output: runbook AWS-UpdateLinuxAmi returned no output "bake.Id" (outputs: none)'
    ],
    [
      { 'bake.Id': ['nope'] },
      [],
      'bake.Id',
      'automation-output: output "bake.Id" of runbook AWS-UpdateLinuxAmi is ["nope"], not an AMI ID'
    ],
    [
      { 'a.Id': [A], 'b.Id': [B] },
      [],
      undefined,
      `automation-output: runbook AWS-UpdateLinuxAmi returned several AMI IDs (${A}, ${B}); set automation-output to the one to use (outputs: a.Id, b.Id)`
    ],
    [
      { 'a.Name': ['x'] },
      [],
      undefined,
      'automation-output: runbook AWS-UpdateLinuxAmi succeeded but no output holds an AMI ID (outputs: a.Name) and no aws:createImage step returned one; set automation-output'
    ]
  ])(
    'error when no rule finds an AMI ID (%j, output %s)',
    async (outputs, steps, output, message) => {
      const error = await amiFrom(outputs, steps, output).catch((e) => e)
      expect(error).toBeInstanceOf(InputError)
      expect(error.input).toBe('automation-output')
      expect(error.message).toBe(message)
    }
  )
})

describe('runbook statuses', () => {
  it('the table covers all 19 AutomationExecutionStatus values', () => {
    const all = Object.values(AutomationExecutionStatus)
    expect(all).toHaveLength(19)
    expect(Object.keys(RUNBOOK_STATUS).sort()).toEqual([...all].sort())
  })
  it.each([
    ['Success', 'success'],
    ['CompletedWithSuccess', 'success'],
    ['Failed', 'failure'],
    ['TimedOut', 'failure'],
    ['Cancelled', 'failure'],
    ['Rejected', 'failure'],
    ['ChangeCalendarOverrideRejected', 'failure'],
    ['CompletedWithFailure', 'failure'],
    ['Exited', 'failure'],
    ['Pending', 'running'],
    ['InProgress', 'running'],
    ['Waiting', 'running'],
    ['Cancelling', 'running'],
    ['PendingApproval', 'running'],
    ['Approved', 'running'],
    ['Scheduled', 'running'],
    ['RunbookInProgress', 'running'],
    ['PendingChangeCalendarOverride', 'running'],
    ['ChangeCalendarOverrideApproved', 'running']
  ])('%s is %s', (status, expected) => {
    expect(classifyStatus(status)).toBe(expected)
    expect(isTerminal(status)).toBe(expected !== 'running')
  })
  it('unknown or missing statuses keep polling', () => {
    expect(classifyStatus('SomethingNew')).toBe('running')
    expect(classifyStatus(undefined)).toBe('running')
  })
  it('every terminal status ends the poll loop with the matching outcome', async () => {
    for (const [status, kind] of Object.entries(RUNBOOK_STATUS)) {
      if (kind === 'running') continue
      ssmMock.reset()
      ssmMock.on(DescribeDocumentCommand).resolves({ Document: { Parameters: LINUX_PARAMS } })
      ssmMock.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: EXEC })
      ssmMock.on(DescribeAutomationStepExecutionsCommand).resolves({})
      ssmMock.on(GetAutomationExecutionCommand).resolves({
        AutomationExecution: execution(status, { Outputs: { 'createImage.ImageId': [AMI] } })
      })
      const outcome = await buildImage(runbookContext().ctx).then(
        () => 'success',
        (e) => (e instanceof RunbookFailedError ? 'failure' : String(e))
      )
      expect([status, outcome]).toEqual([status, kind])
    }
  })
})
