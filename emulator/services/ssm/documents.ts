// Automation runbooks: the two AWS-owned ones the action uses, and custom ones registered by seed.
import { MINUTE } from '../ec2/state.js'

export interface DocParameter {
  name: string
  type: 'String' | 'StringList' | 'Boolean' | 'Integer' | 'MapList' | 'StringMap'
  description?: string
  /** A parameter without a default is required. */
  defaultValue?: string
}

export interface FailureDetails {
  FailureStage?: string
  FailureType?: string
  Details?: Record<string, string[]>
}

export interface StepDef {
  name: string
  /** e.g. aws:runInstances, aws:runCommand, aws:changeInstanceState, aws:createImage, aws:executeScript. */
  action: string
  /** Simulated run time. An aws:createImage step instead lasts until its image is available. */
  durationMs?: number
  /** Static outputs, e.g. { Result: ['ok'] }; aws:createImage adds ImageId/ImageState itself. */
  outputs?: Record<string, string[]>
  /** Input templates with {{Param}}, {{automation:EXECUTION_ID}}, {{global:DATE_TIME}}, {{step.Output}}. */
  inputs?: Record<string, string>
  /** The step fails after durationMs with this message and details. */
  fail?: { message: string; details?: FailureDetails }
  /** The step runs out of time after durationMs: the execution ends TimedOut. */
  timesOut?: boolean
  /** `Continue`: a failure here does not stop the execution (the runbook's cleanup steps). */
  onFailure?: 'Abort' | 'Continue'
}

export interface Document {
  name: string
  /** 'Amazon' for AWS-owned runbooks, else the owning account. */
  owner: string
  /** Custom runbooks may be limited to one account and/or region. */
  accountId?: string
  region?: string
  description: string
  versions: string[]
  defaultVersion: string
  parameters: DocParameter[]
  steps: StepDef[]
  outputs: string[]
  createdDate: number
}

const ROLE: DocParameter = {
  name: 'AutomationAssumeRole',
  type: 'String',
  description:
    '(Optional) The ARN of the role that allows Automation to perform the actions on your behalf.',
  defaultValue: ''
}

export function builtinDocuments(now: number): Document[] {
  return [
    {
      name: 'AWS-CreateImage',
      owner: 'Amazon',
      description: 'Create a new AMI from an EC2 instance',
      versions: ['1'],
      defaultVersion: '1',
      parameters: [
        {
          name: 'InstanceId',
          type: 'String',
          description: '(Required) The ID of the Amazon EC2 instance.'
        },
        {
          name: 'NoReboot',
          type: 'Boolean',
          description: '(Optional) Do not reboot the instance before creating the image.',
          defaultValue: 'false'
        },
        ROLE
      ],
      steps: [
        {
          name: 'createImage',
          action: 'aws:createImage',
          inputs: {
            InstanceId: '{{InstanceId}}',
            ImageName: '{{InstanceId}}_{{automation:EXECUTION_ID}}',
            NoReboot: '{{NoReboot}}'
          }
        }
      ],
      outputs: ['createImage.ImageId'],
      createdDate: now
    },
    {
      name: 'AWS-UpdateLinuxAmi',
      owner: 'Amazon',
      description:
        'Updates a Linux AMI: launches an instance from the source AMI, applies OS and package updates, and creates a new AMI.',
      versions: ['1'],
      defaultVersion: '1',
      parameters: [
        {
          name: 'SourceAmiId',
          type: 'String',
          description: '(Required) The source Amazon Machine Image ID.'
        },
        {
          name: 'IamInstanceProfileName',
          type: 'String',
          description:
            '(Required) The instance profile that enables Systems Manager (SSM) to manage the instance.',
          defaultValue: 'ManagedInstanceProfile'
        },
        ROLE,
        {
          name: 'TargetAmiName',
          type: 'String',
          description: '(Optional) The name of the new AMI that will be created.',
          defaultValue: 'UpdateLinuxAmi_from_{{SourceAmiId}}_on_{{global:DATE_TIME}}'
        },
        {
          name: 'InstanceType',
          type: 'String',
          description: '(Optional) Type of instance to launch as the workspace host.',
          defaultValue: 't2.micro'
        },
        {
          name: 'SecurityGroupIds',
          type: 'StringList',
          description: '(Required) The security group IDs for the workspace instance.'
        },
        {
          name: 'SubnetId',
          type: 'String',
          description: '(Optional) The ID of the subnet to launch the workspace instance in.',
          defaultValue: ''
        },
        {
          name: 'MetadataOptions',
          type: 'StringMap',
          description: '(Optional) The metadata options for the instance.',
          defaultValue: '{"HttpEndpoint":"enabled","HttpTokens":"optional"}'
        },
        {
          name: 'PreUpdateScript',
          type: 'String',
          description: '(Optional) URL of a script to run before updates.',
          defaultValue: 'none'
        },
        {
          name: 'PostUpdateScript',
          type: 'String',
          description: '(Optional) URL of a script to run after updates.',
          defaultValue: 'none'
        },
        {
          name: 'IncludePackages',
          type: 'String',
          description: '(Optional) Only update these named packages.',
          defaultValue: 'all'
        },
        {
          name: 'ExcludePackages',
          type: 'String',
          description: '(Optional) Names of packages to hold back from updates.',
          defaultValue: 'none'
        }
      ],
      steps: [
        {
          name: 'launchInstance',
          action: 'aws:runInstances',
          durationMs: 2 * MINUTE,
          inputs: {
            ImageId: '{{SourceAmiId}}',
            InstanceType: '{{InstanceType}}',
            SubnetId: '{{SubnetId}}'
          }
        },
        { name: 'updateOSSoftware', action: 'aws:runCommand', durationMs: 6 * MINUTE },
        {
          name: 'stopInstance',
          action: 'aws:changeInstanceState',
          durationMs: MINUTE,
          inputs: { InstanceIds: '{{launchInstance.InstanceIds}}', DesiredState: 'stopped' }
        },
        {
          name: 'createImage',
          action: 'aws:createImage',
          inputs: {
            InstanceId: '{{launchInstance.InstanceIds}}',
            ImageName: '{{TargetAmiName}}',
            NoReboot: 'true',
            ImageDescription:
              'AMI Generated by EC2 Automation on {{global:DATE_TIME}} from {{SourceAmiId}}'
          }
        },
        {
          name: 'terminateInstance',
          action: 'aws:changeInstanceState',
          durationMs: MINUTE,
          onFailure: 'Continue',
          inputs: { InstanceIds: '{{launchInstance.InstanceIds}}', DesiredState: 'terminated' }
        }
      ],
      outputs: ['createImage.ImageId'],
      createdDate: now
    }
  ]
}
