// The in-use check: which instance states count, and what a denial tells the user to add.
import { beforeEach, describe, expect, it } from '@jest/globals'
import { DescribeImageReferencesCommand, EC2Client } from '@aws-sdk/client-ec2'
import { mockClient } from 'aws-sdk-client-mock'
import { describeError } from '../../src/aws/errors.js'
import { findImageReferences } from '../../src/prune/references.js'
import { awsError } from './distribute-context.js'

const ec2Mock = mockClient(EC2Client)
beforeEach(() => {
  ec2Mock.reset()
})

describe('findImageReferences', () => {
  it('asks for every resource type, but only instances that are not terminated', async () => {
    ec2Mock.on(DescribeImageReferencesCommand).resolves({
      ImageReferences: [
        { ImageId: 'ami-1', ResourceType: 'ec2:Instance', Arn: 'arn:aws:ec2:r:a:instance/i-1' }
      ]
    })
    const uses = await findImageReferences(new EC2Client({}), ['ami-1', 'ami-2'])
    expect(uses.get('ami-1')).toEqual([
      { arn: 'arn:aws:ec2:r:a:instance/i-1', resourceType: 'ec2:Instance' }
    ])
    expect(uses.get('ami-2')).toEqual([])
    expect(ec2Mock.commandCalls(DescribeImageReferencesCommand)[0].args[0].input).toEqual({
      ImageIds: ['ami-1', 'ami-2'],
      IncludeAllResourceTypes: true,
      ResourceTypes: [
        {
          ResourceType: 'ec2:Instance',
          ResourceTypeOptions: [
            {
              OptionName: 'state-name',
              OptionValues: ['pending', 'running', 'shutting-down', 'stopping', 'stopped']
            }
          ]
        }
      ]
    })
  })

  it('names every permission the check needs when AWS denies one of them', async () => {
    ec2Mock
      .on(DescribeImageReferencesCommand)
      .rejects(
        awsError(
          'UnauthorizedOperation',
          'You are not authorized to perform this operation. User: arn:aws:iam::1:user/x is not authorized to perform: ssm:GetParameters',
          403
        )
      )
    const error = await findImageReferences(new EC2Client({}), ['ami-1']).then(
      () => undefined,
      (e: unknown) => e
    )
    const text = describeError(error)
    expect(text).toContain('ssm:GetParameters')
    for (const permission of [
      'ec2:DescribeImageReferences',
      'ec2:DescribeInstances',
      'ec2:DescribeLaunchTemplates',
      'ec2:DescribeLaunchTemplateVersions',
      'ssm:DescribeParameters',
      'imagebuilder:ListImageRecipes',
      'imagebuilder:ListContainerRecipes',
      'imagebuilder:GetContainerRecipe'
    ])
      expect(text).toContain(permission)
    expect(text).toContain('AmazonEC2ImageReferencesAccessPolicy')
  })

  it('passes other errors through unchanged', async () => {
    const boom = awsError('InternalError', 'boom', 500)
    ec2Mock.on(DescribeImageReferencesCommand).rejects(boom)
    await expect(findImageReferences(new EC2Client({}), ['ami-1'])).rejects.toBe(boom)
  })
})
