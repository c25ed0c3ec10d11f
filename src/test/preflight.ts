// Before the build: the test instance type against the architecture and boot mode of what the
// AMI is made from (the base AMI a runbook parameter names, the source instance, the adopted AMI),
// and the subnet and security groups of every tested region, all judged by AWS read-only, so a
// long build is not wasted on a test that could never launch. testAmi() checks again on the AMI.
import { DescribeImagesCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2'
import { describeError } from '../aws/errors.js'
import { InputError } from '../errors.js'
import type { RunContext } from '../context.js'
import { error, type Finding } from '../image/findings.js'
import { mapLimit } from '../pool.js'
import { baseAmiParameter } from '../source/base-ami.js'
import { defaultInstanceType, instanceTypeProblem, type LaunchNeeds } from './instance-type.js'
import { resolvePlacement } from './placement.js'
import { testSession } from './session.js'

export async function testPreflight(ctx: RunContext, buildAccountId: string): Promise<Finding[]> {
  const test = ctx.config.test
  if (!test) return []
  const findings: Finding[] = []
  const needs = await sourceNeeds(ctx).catch((e: unknown) => {
    ctx.log.debug(`Test pre-flight: could not read the source's architecture: ${describeError(e)}`)
    return undefined
  })
  if (needs?.architecture) testSession(ctx).sourceArchitecture = needs.architecture
  const consumer =
    test.account && test.account.accountId !== buildAccountId ? test.account : undefined
  const account = `account ${consumer?.accountId ?? buildAccountId}`
  const type = test.instanceType ?? defaultInstanceType(needs?.architecture)
  await mapLimit(test.regions, 4, async (region) => {
    const ec2 = ctx.clients.ec2(region, consumer)
    try {
      const problem = await instanceTypeProblem(
        ec2,
        region,
        type,
        needs ?? { what: 'the AMI' },
        test.instanceType !== undefined
      )
      if (problem) findings.push(error(problem.message))
      await resolvePlacement(ec2, region, test, account)
    } catch (e) {
      findings.push(
        error(
          e instanceof InputError
            ? e.message
            : `test: could not check the test instance's type and subnet in ${region} (${account}): ${describeError(e)}`
        )
      )
    }
  })
  return [...new Map(findings.map((f) => [f.message, f])).values()]
}

/** The architecture and boot mode the AMI will have, where known before it exists. */
async function sourceNeeds(ctx: RunContext): Promise<LaunchNeeds | undefined> {
  const { source, region } = ctx.config
  const ec2 = ctx.clients.ec2(region)
  if (source.kind === 'instance') {
    const { Reservations = [] } = await ec2.send(
      new DescribeInstancesCommand({ InstanceIds: [source.instanceId] })
    )
    const instance = Reservations[0]?.Instances?.[0]
    if (!instance) return undefined
    return {
      architecture: instance.Architecture,
      bootMode: instance.CurrentInstanceBootMode ?? instance.BootMode,
      what: `the source instance ${source.instanceId}`
    }
  }
  const id = source.kind === 'existing' ? source.amiId : baseAmiParameter(source.parameters)?.id
  if (!id) return undefined
  const { Images = [] } = await ec2.send(
    new DescribeImagesCommand({ ImageIds: [id], IncludeDisabled: true })
  )
  const image = Images[0]
  if (!image) return undefined
  return {
    architecture: image.Architecture,
    bootMode: image.BootMode,
    what: source.kind === 'existing' ? `ami-id ${id}` : `the base AMI ${id}`
  }
}
