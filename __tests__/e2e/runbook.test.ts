// End to end: dist/index.js builds with an SSM Automation runbook (AWS-UpdateLinuxAmi), explains a
// runbook that fails at a named step, and refuses an unknown parameter before starting anything.
import { describe, expect, it } from '@jest/globals'
import {
  BASE_AMI,
  BUILD,
  callsTo,
  errorMessages,
  INSTANCE,
  instanceRunbook,
  REGION,
  TEST_TIMEOUT,
  updateLinuxAmiInputs,
  withEmulator
} from './fixtures.js'
import { runAction } from './harness.js'

const UPDATE_LINUX_STEPS = [
  'launchInstance',
  'updateOSSoftware',
  'stopInstance',
  'createImage',
  'terminateInstance'
]

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

const emu = withEmulator({ timeScale: 0.001 }, (started) => {
  started.seed({
    ec2: {
      images: [{ imageId: BASE_AMI, accountId: BUILD, region: REGION, name: 'base' }],
      instances: [{ instanceId: INSTANCE, accountId: BUILD, region: REGION }]
    },
    ssm: {
      documents: [
        instanceRunbook('Build-Golden', [
          { name: 'install', action: 'aws:runCommand', durationMs: 120_000 },
          {
            name: 'harden',
            action: 'aws:runCommand',
            durationMs: 60_000,
            fail: {
              message: 'yum exited with 1',
              details: {
                FailureStage: 'Invocation',
                FailureType: 'Action',
                Details: { ExitCode: ['1'] }
              }
            }
          }
        ])
      ]
    }
  } as never)
})

function state(): Json {
  return emu.state() as Json
}

describe('automation-document', () => {
  it(
    'AWS-UpdateLinuxAmi: the AMI it creates is tagged, output, and the summary lists its steps',
    async () => {
      const result = await runAction({
        emulator: emu,
        inputs: {
          ...updateLinuxAmiInputs(BASE_AMI),
          'ami-name': 'web-runbook',
          family: 'web'
        }
      })
      expect(errorMessages(result)).toEqual([])
      expect(result.code).toBe(0)

      const [start] = callsTo(emu, 'StartAutomationExecution')
      expect(callsTo(emu, 'StartAutomationExecution')).toHaveLength(1)
      expect(start.params).toMatchObject({
        DocumentName: 'AWS-UpdateLinuxAmi',
        Parameters: {
          SourceAmiId: [BASE_AMI],
          SecurityGroupIds: ['sg-0123456789abcdef0'],
          TargetAmiName: ['web-runbook']
        }
      })
      expect(start.params.ClientToken).toMatch(/^[0-9a-f-]{36}$/)

      const [execution] = state().ssm.executions
      expect(result.outputs['automation-execution-id']).toBe(execution.id)
      expect(execution).toMatchObject({ documentName: 'AWS-UpdateLinuxAmi', status: 'Success' })

      const amiId = result.outputs['ami-id']
      const image = state().ec2.images.find((i: Json) => i.imageId === amiId)
      expect(image).toMatchObject({ name: 'web-runbook', state: 'available', ownerId: BUILD })
      // A runbook cannot tag at creation: the action tags the AMI and its snapshots afterwards.
      expect(image.tags).toContainEqual({ key: 'ami-share-action:family', value: 'web' })
      const snapshotIds = image.blockDevices.map((d: Json) => d.snapshotId)
      expect(JSON.parse(result.outputs['ami-ids'])).toEqual({ [REGION]: amiId })
      expect(JSON.parse(result.outputs['snapshot-ids'])).toEqual({ [REGION]: snapshotIds })

      expect(result.summary).toContain(amiId)
      expect(result.summary).toContain(execution.id)
      for (const step of UPDATE_LINUX_STEPS) expect(result.summary).toMatch(`| ${step} |`)
    },
    TEST_TIMEOUT
  )

  it(
    'a runbook failing at a step: the error names the step, its FailureMessage and details',
    async () => {
      const result = await runAction({
        emulator: emu,
        inputs: {
          'automation-document': 'Build-Golden',
          'automation-parameters': `InstanceId=${INSTANCE}`
        }
      })
      expect(result.code).not.toBe(0)
      const message = errorMessages(result).join('\n')
      expect(message).toContain('Build-Golden')
      expect(message).toContain('Failed')
      expect(message).toContain('step "harden"')
      expect(message).toContain('yum exited with 1')
      expect(message).toContain('ExitCode=1')

      const [execution] = state().ssm.executions
      expect(execution.status).toBe('Failed')
      expect(message).toContain(execution.id)
      // The summary still shows how far the runbook got.
      expect(result.summary).toMatch(/\| install \|[^\n]*Success/)
      expect(result.summary).toMatch(/\| harden \|[^\n]*Failed[^\n]*yum exited with 1/)
      // No image was produced, so nothing was shared or tagged.
      expect(callsTo(emu, 'CreateTags')).toHaveLength(0)
      expect(state().ec2.images.map((i: Json) => i.imageId)).toEqual([BASE_AMI])
    },
    TEST_TIMEOUT
  )

  it(
    'an unknown runbook parameter fails before StartAutomationExecution, naming it',
    async () => {
      const result = await runAction({
        emulator: emu,
        inputs: {
          'automation-document': 'AWS-UpdateLinuxAmi',
          'automation-parameters': `SourceAmiId: ${BASE_AMI}\nSecurityGroupIds: sg-0123456789abcdef0\nSourceAMI: ${BASE_AMI}`
        }
      })
      expect(result.code).not.toBe(0)
      const message = errorMessages(result).join('\n')
      expect(message).toContain('automation-parameters')
      expect(message).toContain('SourceAMI')
      expect(message).toContain('AWS-UpdateLinuxAmi')
      expect(callsTo(emu, 'DescribeDocument')).toHaveLength(1)
      expect(callsTo(emu, 'StartAutomationExecution')).toHaveLength(0)
      expect(state().ssm.executions).toEqual([])
    },
    TEST_TIMEOUT
  )
})
