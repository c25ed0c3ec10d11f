import { describe, expect, it } from '@jest/globals'
import { ec2 } from '../../../emulator/services/ec2/index.js'
import { ssm } from '../../../emulator/services/ssm/index.js'
import { caller, errorOf, makeSim } from './ec2-sim.js'

const ACCOUNT = '111122223333'
const R = 'us-east-1'
const MIN = 60_000

function setup(settings: Record<string, unknown> = {}) {
  const sim = makeSim(settings)
  const callSsm = caller(ssm, sim)
  const callEc2 = caller(ec2, sim)
  const seeded = ec2.seed!(
    {
      images: [{ accountId: ACCOUNT, region: R, name: 'base' }],
      instances: [{ accountId: ACCOUNT, region: R, volumes: [{ sizeGiB: 8 }] }]
    },
    sim
  ) as { images: string[]; instances: string[] }
  ssm.seed!(
    {
      documents: [
        {
          name: 'Build-Broken',
          parameters: [{ name: 'Flavor', type: 'String', defaultValue: 'plain' }],
          steps: [
            { name: 'prepare', action: 'aws:executeScript', durationMs: MIN },
            {
              name: 'install',
              action: 'aws:runCommand',
              durationMs: 2 * MIN,
              fail: {
                message: 'yum exited with 1',
                details: {
                  FailureStage: 'Invocation',
                  FailureType: 'Action',
                  Details: { ExitCode: ['1'] }
                }
              }
            },
            { name: 'never', action: 'aws:executeScript', durationMs: MIN }
          ],
          outputs: []
        },
        {
          name: 'Build-Slow',
          steps: [{ name: 'wait', action: 'aws:sleep', durationMs: 10 * MIN, timesOut: true }]
        }
      ]
    },
    sim
  )
  const run = (doc: string, params: Record<string, string[]> = {}) =>
    callSsm(ACCOUNT, R, 'StartAutomationExecution', { DocumentName: doc, Parameters: params })
      .AutomationExecutionId as string
  const get = (id: string) =>
    callSsm(ACCOUNT, R, 'GetAutomationExecution', { AutomationExecutionId: id }).AutomationExecution
  return {
    sim,
    callSsm,
    callEc2,
    run,
    get,
    imageId: seeded.images[0],
    instanceId: seeded.instances[0]
  }
}

describe('runbooks', () => {
  it('describes AWS-UpdateLinuxAmi parameters; a parameter without DefaultValue is required', () => {
    const { callSsm } = setup()
    const doc = callSsm(ACCOUNT, R, 'DescribeDocument', { Name: 'AWS-UpdateLinuxAmi' }).Document
    const required = doc.Parameters.filter(
      (p: { DefaultValue?: string }) => p.DefaultValue === undefined
    ).map((p: { Name: string }) => p.Name)
    expect(required).toEqual(['SourceAmiId', 'SecurityGroupIds'])
    expect(
      doc.Parameters.find((p: { Name: string }) => p.Name === 'InstanceType').DefaultValue
    ).toBe('t2.micro')
    expect(errorOf(() => callSsm(ACCOUNT, R, 'DescribeDocument', { Name: 'Nope' })).code).toBe(
      'InvalidDocument'
    )
  })

  it('validates parameters like AWS: unknown and missing both fail', () => {
    const { run, instanceId } = setup()
    expect(
      errorOf(() => run('AWS-CreateImage', { InstanceId: [instanceId], Colour: ['red'] })).code
    ).toBe('InvalidAutomationExecutionParametersException')
    const missing = errorOf(() => run('AWS-CreateImage', {}))
    expect([missing.code, missing.message]).toEqual([
      'InvalidAutomationExecutionParametersException',
      'The following required parameters are missing: InstanceId.'
    ])
    expect(
      errorOf(() => run('AWS-CreateImage', { InstanceId: [instanceId], NoReboot: ['maybe'] })).code
    ).toBe('InvalidAutomationExecutionParametersException')
    expect(errorOf(() => run('No-Such-Doc')).code).toBe('AutomationDefinitionNotFoundException')
  })

  it('AWS-CreateImage makes a real image, pending then available, and outputs createImage.ImageId as an array', () => {
    const { sim, run, get, callEc2, callSsm, instanceId } = setup()
    const id = run('AWS-CreateImage', { InstanceId: [instanceId], NoReboot: ['true'] })
    sim.advance(MIN)
    let exec = get(id)
    expect([exec.AutomationExecutionStatus, exec.CurrentStepName]).toEqual([
      'InProgress',
      'createImage'
    ])
    const pending = callEc2(ACCOUNT, R, 'DescribeImages', {
      'Owner.1': 'self',
      'Filter.1.Name': 'name',
      'Filter.1.Value.1': `${instanceId}_*`
    }).imagesSet
    expect(pending.map((i: { imageState: string }) => i.imageState)).toEqual(['pending'])
    sim.advance(30 * MIN)
    exec = get(id)
    expect(exec.AutomationExecutionStatus).toBe('Success')
    expect(exec.Outputs).toEqual({ 'createImage.ImageId': [pending[0].imageId] })
    expect(exec.ExecutionEndTime).toBeGreaterThan(exec.ExecutionStartTime)
    expect(
      callEc2(ACCOUNT, R, 'DescribeImages', { 'ImageId.1': pending[0].imageId }).imagesSet[0]
        .imageState
    ).toBe('available')
    // Same ClientToken, same execution.
    const a = callSsm(ACCOUNT, R, 'StartAutomationExecution', {
      DocumentName: 'AWS-CreateImage',
      Parameters: { InstanceId: [instanceId] },
      ClientToken: 'tok'
    })
    const b = callSsm(ACCOUNT, R, 'StartAutomationExecution', {
      DocumentName: 'AWS-CreateImage',
      Parameters: { InstanceId: [instanceId] },
      ClientToken: 'tok'
    })
    expect(b.AutomationExecutionId).toBe(a.AutomationExecutionId)
  })

  it('AWS-UpdateLinuxAmi launches, updates, stops, images and terminates', () => {
    const { sim, run, get, callEc2, imageId } = setup()
    const id = run('AWS-UpdateLinuxAmi', {
      SourceAmiId: [imageId],
      SecurityGroupIds: ['sg-1'],
      TargetAmiName: ['golden-{{global:DATE_TIME}}']
    })
    sim.advance(3 * 3600_000)
    const exec = get(id)
    expect(exec.AutomationExecutionStatus).toBe('Success')
    expect(
      exec.StepExecutions.map(
        (s: { StepName: string; StepStatus: string }) => `${s.StepName}:${s.StepStatus}`
      )
    ).toEqual([
      'launchInstance:Success',
      'updateOSSoftware:Success',
      'stopInstance:Success',
      'createImage:Success',
      'terminateInstance:Success'
    ])
    const newId = exec.Outputs['createImage.ImageId'][0]
    const img = callEc2(ACCOUNT, R, 'DescribeImages', { 'ImageId.1': newId }).imagesSet[0]
    expect(img.name).toMatch(/^golden-\d{4}-\d\d-\d\d_\d\d\.\d\d\.\d\d$/)
    expect(img.sourceImageId).toBe(imageId)
    const launched = exec.StepExecutions[0].Outputs.InstanceIds[0]
    const inst = callEc2(ACCOUNT, R, 'DescribeInstances', { 'InstanceId.1': launched })
      .reservationSet[0].instancesSet[0]
    expect(inst.instanceState.name).toBe('terminated')
  })

  it('fails at the named step with its message and FailureDetails; later steps never run', () => {
    const { sim, run, get, callSsm } = setup()
    const id = run('Build-Broken')
    sim.advance(10 * MIN)
    const exec = get(id)
    expect(exec.AutomationExecutionStatus).toBe('Failed')
    expect(exec.FailureMessage).toContain('yum exited with 1')
    const failed = callSsm(ACCOUNT, R, 'DescribeAutomationStepExecutions', {
      AutomationExecutionId: id,
      Filters: [{ Key: 'StepExecutionStatus', Values: ['Failed'] }]
    }).StepExecutions
    expect(failed).toHaveLength(1)
    expect(failed[0]).toMatchObject({
      StepName: 'install',
      FailureMessage: 'yum exited with 1',
      FailureDetails: {
        FailureStage: 'Invocation',
        FailureType: 'Action',
        Details: { ExitCode: ['1'] }
      }
    })
    expect(exec.StepExecutions[2].StepStatus).toBe('Pending')
    const page1 = callSsm(ACCOUNT, R, 'DescribeAutomationStepExecutions', {
      AutomationExecutionId: id,
      MaxResults: 1
    })
    const page2 = callSsm(ACCOUNT, R, 'DescribeAutomationStepExecutions', {
      AutomationExecutionId: id,
      MaxResults: 1,
      NextToken: page1.NextToken
    })
    expect([
      page1.StepExecutions[0].StepName,
      page2.StepExecutions[0].StepName,
      page2.NextToken
    ]).toEqual(['prepare', 'install', undefined])
  })

  it('ends TimedOut', () => {
    const { sim, run, get } = setup()
    const id = run('Build-Slow')
    sim.advance(11 * MIN)
    const exec = get(id)
    expect([exec.AutomationExecutionStatus, exec.StepExecutions[0].StepStatus]).toEqual([
      'TimedOut',
      'TimedOut'
    ])
  })

  it('stops: Cancelling, then Cancelled; stopping again is refused', () => {
    const { sim, run, get, callSsm } = setup()
    const id = run('Build-Slow')
    sim.advance(MIN)
    callSsm(ACCOUNT, R, 'StopAutomationExecution', { AutomationExecutionId: id })
    expect(get(id).AutomationExecutionStatus).toBe('Cancelling')
    expect(
      errorOf(() => callSsm(ACCOUNT, R, 'StopAutomationExecution', { AutomationExecutionId: id }))
        .code
    ).toBe('InvalidAutomationStatusUpdateException')
    sim.advance(MIN)
    const exec = get(id)
    expect([exec.AutomationExecutionStatus, exec.StepExecutions[0].StepStatus]).toEqual([
      'Cancelled',
      'Cancelled'
    ])
  })

  it('can be cancelled by someone else (setting) at a given time', () => {
    const { sim, run, get } = setup({
      'ssm.cancelExternally': { documentName: 'Build-Broken', afterMs: 30_000 }
    })
    const id = run('Build-Broken')
    sim.advance(5 * MIN)
    const exec = get(id)
    expect(exec.AutomationExecutionStatus).toBe('Cancelled')
    expect(exec.StepExecutions[0].StepStatus).toBe('Cancelled')
  })
})

describe('Parameter Store', () => {
  it('stores aws:ec2:image values only for AMIs visible in the region', () => {
    const { callSsm, imageId, sim } = setup()
    const put = (value: string, overwrite = false) =>
      callSsm(ACCOUNT, R, 'PutParameter', {
        Name: '/golden/latest',
        Value: value,
        Type: 'String',
        DataType: 'aws:ec2:image',
        Overwrite: overwrite
      })
    expect(errorOf(() => put('not-an-ami')).code).toBe('ValidationException')
    expect(
      errorOf(() => callSsm(ACCOUNT, R, 'GetParameter', { Name: '/golden/latest' })).code
    ).toBe('ParameterNotFound')
    // A well-formed ID of an AMI that does not exist: success returned, nothing stored (asynchronous validation).
    expect(put('ami-0123456789abcdef0').Version).toBe(1)
    sim.advance(10_000)
    expect(
      errorOf(() => callSsm(ACCOUNT, R, 'GetParameter', { Name: '/golden/latest' })).code
    ).toBe('ParameterNotFound')
    put(imageId)
    // Still being validated: not there yet.
    expect(
      errorOf(() => callSsm(ACCOUNT, R, 'GetParameter', { Name: '/golden/latest' })).code
    ).toBe('ParameterNotFound')
    sim.advance(10_000)
    expect(callSsm(ACCOUNT, R, 'GetParameter', { Name: '/golden/latest' }).Parameter).toMatchObject(
      { Value: imageId, Version: 1, DataType: 'aws:ec2:image' }
    )
    expect(errorOf(() => put(imageId)).code).toBe('ParameterAlreadyExists')
    expect(put(imageId, true).Version).toBe(2)
    sim.advance(10_000)
    expect(callSsm(ACCOUNT, R, 'GetParameter', { Name: '/golden/latest' }).Parameter.Version).toBe(
      2
    )
    expect(
      errorOf(() => callSsm(ACCOUNT, 'eu-west-1', 'GetParameter', { Name: '/golden/latest' })).code
    ).toBe('ParameterNotFound')
  })
})

describe('Parameter Store, aws:ec2:image validation told to reject', () => {
  it('answers 200 but never stores the value, and lists the rejection', () => {
    const { callSsm, imageId, sim } = setup({ 'ssm.rejectImageParameters': ['/golden/latest'] })
    const put = callSsm(ACCOUNT, R, 'PutParameter', {
      Name: '/golden/latest',
      Value: imageId,
      Type: 'String',
      DataType: 'aws:ec2:image'
    })
    expect(put.Version).toBe(1)
    sim.advance(10_000)
    expect(
      errorOf(() => callSsm(ACCOUNT, R, 'GetParameter', { Name: '/golden/latest' })).code
    ).toBe('ParameterNotFound')
    const state = ssm.snapshot!(sim) as { rejectedParameters: { name: string; reason: string }[] }
    expect(state.rejectedParameters).toEqual([
      expect.objectContaining({
        name: '/golden/latest',
        reason: expect.stringContaining('rejectImageParameters')
      })
    ])
  })
})
