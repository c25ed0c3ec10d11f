// RunInstances for one test: tags at creation (the run's test-run tag above all: the post step
// finds leftovers by it), a ClientToken so a retried call never launches twice (EC2 API reference,
// "Ensuring idempotency"), the instance profile, placement. Through the planner: a dry run
// records the launch and probes it with DryRun.
import { createHash } from 'node:crypto'
import {
  RunInstancesCommand,
  type EC2Client,
  type RunInstancesCommandInput
} from '@aws-sdk/client-ec2'
import type { RunContext } from '../context.js'
import type { Placement } from './placement.js'
import { TEST_RUN_TAG, testSpec } from './spec.js'
import { testSession } from './session.js'

export interface LaunchSpec {
  imageId: string
  region: string
  /** Where it launches (build account or test account). */
  accountId: string
  instanceType: string
  placement: Placement
  planned?: boolean
}

export function runInstancesRequest(ctx: RunContext, spec: LaunchSpec): RunInstancesCommandInput {
  const test = ctx.config.test!
  const { testRunId } = testSession(ctx)
  const tags = [
    { Key: 'Name', Value: `ami-share-action test of ${spec.imageId}` },
    { Key: TEST_RUN_TAG, Value: testRunId },
    { Key: 'ami-share-action:test-of', Value: spec.imageId }
  ]
  const token = createHash('sha256')
    .update(`${testRunId}/${spec.region}/${spec.imageId}/${testSpec(test)}`)
    .digest('hex')
    .slice(0, 64)
  const profile = test.instanceProfile
  return {
    ImageId: spec.imageId,
    InstanceType: spec.instanceType as never,
    MinCount: 1,
    MaxCount: 1,
    SubnetId: spec.placement.subnetId,
    ...(spec.placement.securityGroupIds.length > 0 && {
      SecurityGroupIds: spec.placement.securityGroupIds
    }),
    ...(profile && {
      IamInstanceProfile: profile.arn ? { Arn: profile.arn } : { Name: profile.name }
    }),
    ClientToken: token,
    // A failed test must never leave a running instance: the OS stopping it ends it for good.
    InstanceInitiatedShutdownBehavior: 'terminate',
    TagSpecifications: [
      { ResourceType: 'instance', Tags: tags },
      { ResourceType: 'volume', Tags: tags }
    ]
  }
}

export async function launchTestInstance(
  ctx: RunContext,
  ec2: EC2Client,
  spec: LaunchSpec
): Promise<string | undefined> {
  const request = runInstancesRequest(ctx, spec)
  const where = `${spec.region} (account ${spec.accountId})`
  return ctx.plan.change(
    {
      phase: 'test',
      text: `Launch test instance ${spec.instanceType} in ${spec.placement.subnetId} of ${where} from ${spec.imageId}, ${ctx.config.test!.command ? 'run test-command through SSM' : 'wait for the status checks'}, then terminate it`,
      calls: [
        { action: 'ec2:RunInstances', accountId: spec.accountId, region: spec.region },
        ...(ctx.config.test!.command
          ? [{ action: 'ssm:SendCommand', accountId: spec.accountId, region: spec.region }]
          : []),
        { action: 'ec2:TerminateInstances', accountId: spec.accountId, region: spec.region }
      ],
      planned: undefined,
      ...(!spec.planned && {
        probe: {
          permission: 'ec2:RunInstances',
          where,
          send: () => ec2.send(new RunInstancesCommand({ ...request, DryRun: true }))
        }
      })
    },
    async () => {
      const { Instances = [] } = await ec2.send(new RunInstancesCommand(request))
      const id = Instances[0]?.InstanceId
      if (!id) throw new Error(`RunInstances from ${spec.imageId} in ${where} returned no instance`)
      ctx.log.info(
        `Test instance ${id} (${spec.instanceType}) launched from ${spec.imageId} in ${where}`
      )
      return id
    }
  )
}
