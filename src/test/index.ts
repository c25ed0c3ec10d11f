// The test phase's entry points: the build-region AMI between Build and Distribute (run()), and
// each copy in test-regions as it lands, before it is shared or given its lifecycle (distribute).
import type { EC2Client } from '@aws-sdk/client-ec2'
import type { RunContext } from '../context.js'
import { TestFailedError } from '../errors.js'
import type { FleetMember, Image, TestRun } from '../types.js'
import { testAmi } from './run.js'

/** The build-region test; [] when none is asked for. Throws TestFailedError on failure. */
export async function testImage(ctx: RunContext, image: Image): Promise<TestRun[]> {
  const run = await testAmi(ctx, {
    imageId: image.id,
    region: image.region,
    ownerAccountId: image.ownerId,
    ownerEc2: ctx.clients.ec2(image.region),
    owned: image.ownerId === image.accountId,
    ...(image.planned && { planned: true })
  })
  return run ? [run] : []
}

/**
 * A copy in the build account in a test-regions region (copies in copy-accounts are the copy
 * accounts' own AMIs, and the test proves what consumers of the build account see). The member
 * carries its test; a failure throws, and distribute() marks that copy failed.
 */
export async function testCopy(
  ctx: RunContext,
  member: FleetMember,
  ec2: EC2Client,
  buildAccountId: string
): Promise<void> {
  if (member.accountId !== buildAccountId || !member.imageId) return
  try {
    const run = await testAmi(ctx, {
      imageId: member.imageId,
      region: member.region,
      ownerAccountId: member.accountId,
      ownerEc2: ec2,
      owned: true,
      ...(member.state === 'planned' && { planned: true })
    })
    if (run) member.test = run
  } catch (e) {
    if (e instanceof TestFailedError) member.test = e.run
    throw e
  }
}

/** The test run a failure carries (main's catch keeps it for the report). */
export function testsOf(error: unknown): TestRun[] | undefined {
  return error instanceof TestFailedError ? [error.run] : undefined
}
