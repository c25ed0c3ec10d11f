// One test of one AMI, launch to verdict: the spec check (already passed: nothing launched), the
// read-only checks (type against the AMI's architecture and boot mode, placement), the consumer's
// launch permission, launch, running + status checks, test-command, verdict tag; the instance is
// terminated and a test-only grant withdrawn in `finally`, so on every path.
import {
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  type EC2Client,
  type Image as AwsImage
} from '@aws-sdk/client-ec2'
import { describeError } from '../aws/errors.js'
import { InputError } from '../errors.js'
import { CancelledError, type RunContext } from '../context.js'
import { TestFailedError } from '../errors.js'
import type { TestRun } from '../types.js'
import { runCommand, waitForSsm } from './command.js'
import { grantLaunch, kmsLaunchHint, withdrawLaunch, type ConsumerGrant } from './consumer.js'
import { terminateTestInstance } from './cleanup.js'
import { defaultInstanceType, instanceTypeProblem } from './instance-type.js'
import { launchTestInstance } from './launch.js'
import { resolvePlacement } from './placement.js'
import { recordPlace, testSession } from './session.js'
import { alreadyPassed, testSpec } from './spec.js'
import { consoleOutput, failureText, tagVerdict } from './verdict.js'
import { TestStop, waitRunning, waitStatusChecks } from './wait-instance.js'

/** The AMI under test, as its owner sees it. */
export interface TestTarget {
  imageId: string
  region: string
  ownerAccountId: string
  ownerEc2: EC2Client
  /** The owner is the account the action runs as (else: not tagged, no grant). */
  owned: boolean
  /** Dry run: the AMI does not exist yet. */
  planned?: boolean
}

/** Undefined: no test asked for in this region. Throws TestFailedError unless it passed. */
export async function testAmi(ctx: RunContext, target: TestTarget): Promise<TestRun | undefined> {
  const test = ctx.config.test
  if (!test || !test.regions.includes(target.region)) return undefined
  const { imageId, region } = target
  const spec = testSpec(test)
  const aws = target.planned ? undefined : await describe(target.ownerEc2, imageId)
  const consumer =
    test.account && test.account.accountId !== target.ownerAccountId ? test.account : undefined
  const accountId = consumer?.accountId ?? target.ownerAccountId
  const architecture = aws?.Architecture ?? testSession(ctx).sourceArchitecture
  const run: TestRun = {
    region,
    imageId,
    accountId,
    instanceType: test.instanceType ?? defaultInstanceType(architecture),
    verdict: 'planned'
  }
  if (aws && alreadyPassed(tagsOf(aws), spec)) {
    ctx.log.info(
      `${imageId} in ${region} already passed this test (same test-spec): not tested again`
    )
    return { ...run, verdict: 'passed', alreadyPassed: true }
  }

  const ec2 = ctx.clients.ec2(region, consumer)
  const where = `${region} (account ${accountId}${consumer ? ', test-account-role' : ''})`
  const placement = await readOnlyChecks()
  if (!placement) return run
  run.subnetId = placement.subnetId

  const started = ctx.now().getTime()
  const deadline = started + test.timeoutMinutes * 60_000
  let grant: ConsumerGrant | undefined
  let stop: unknown
  try {
    if (consumer && target.owned) {
      grant = await grantLaunch(
        ctx,
        target.ownerEc2,
        { ...target, accountId: target.ownerAccountId },
        consumer.accountId
      )
    }
    recordPlace(ctx, { region, ...(consumer && { roleArn: consumer.roleArn }) })
    const instanceId = await launchTestInstance(ctx, ec2, {
      imageId,
      region,
      accountId,
      instanceType: run.instanceType,
      placement,
      // Dry run: a probe from the consumer would fail for want of the grant only planned above.
      ...((target.planned || (ctx.plan.dryRun && grant)) && { planned: true })
    })
    if (!instanceId) {
      // Dry run: the plan has the launch; the verdict tag is part of it.
      if (target.owned) await tagVerdict(ctx, target.ownerEc2, owner(target), true, spec)
      return run
    }
    run.instanceId = instanceId
    try {
      await waitRunning(ctx, ec2, instanceId, deadline)
      await waitStatusChecks(ctx, ec2, instanceId, deadline)
      if (test.command) {
        const ssm = await ctx.clients.ssm(region, consumer)
        await waitForSsm(ctx, ssm, instanceId, deadline)
        const windows = (aws?.Platform ?? '').toLowerCase() === 'windows'
        const outcome = await runCommand(ctx, ssm, instanceId, test.command, windows, deadline)
        Object.assign(run, {
          ...(outcome.exitCode !== undefined && { exitCode: outcome.exitCode }),
          ...(outcome.stdout && { stdout: outcome.stdout }),
          ...(outcome.stderr && { stderr: outcome.stderr })
        })
        if (outcome.status !== 'Success') {
          throw new TestStop(
            `test-command ended ${outcome.status}${outcome.exitCode !== undefined ? ` with exit code ${outcome.exitCode}` : ''}`,
            undefined,
            outcome.status === 'TimedOut'
          )
        }
      }
      run.verdict = 'passed'
    } catch (e) {
      stop = e
      run.verdict = 'failed'
      run.consoleOutput = await consoleOutput(ctx, ec2, instanceId)
    } finally {
      await terminateTestInstance(ctx, ec2, instanceId, where)
    }
  } catch (e) {
    stop = e
    run.verdict = 'failed'
  } finally {
    // Withdrawn after a pass only when no sharing input asked for it; after a failure always.
    if (grant && (grant.onlyForTest || run.verdict === 'failed')) {
      await withdrawLaunch(ctx, target.ownerEc2, target.ownerAccountId, grant.grant)
    }
    if (run.instanceId) run.durationMs = ctx.now().getTime() - started
  }

  if (run.verdict === 'passed') {
    ctx.log.info(`Test of ${imageId} in ${where} passed`)
    if (target.owned) await tagVerdict(ctx, target.ownerEc2, owner(target), true, spec)
    return run
  }
  const keys = stop instanceof TestStop && stop.code ? await kmsKeysOf(target.ownerEc2, aws) : []
  run.reason = reasonOf(stop, test.timeoutMinutes, keys, accountId)
  // The image's verdict (it did not boot, pass its checks or the command, in time); not a
  // cancellation or an AWS error of this action's own calls.
  if (stop instanceof TestStop && target.owned) {
    await tagVerdict(ctx, target.ownerEc2, owner(target), false, spec).catch((e: unknown) =>
      ctx.warn(`Could not tag ${imageId} test=failed: ${describeError(e)}`)
    )
  }
  throw new TestFailedError(failureText(run), run)

  async function readOnlyChecks() {
    const problem = aws
      ? await instanceTypeProblem(
          ec2,
          region,
          run.instanceType,
          { architecture: aws.Architecture, bootMode: aws.BootMode, what: `${imageId}` },
          test!.instanceType !== undefined
        )
      : undefined
    if (problem) {
      ctx.plan.problem('check', problem)
      return undefined
    }
    try {
      return await resolvePlacement(ec2, region, test!, `account ${accountId}`)
    } catch (e) {
      if (!(e instanceof InputError)) throw e
      ctx.plan.problem('check', e)
      return undefined
    }
  }
}

function owner(target: TestTarget) {
  return { imageId: target.imageId, region: target.region, accountId: target.ownerAccountId }
}

async function describe(ec2: EC2Client, imageId: string): Promise<AwsImage | undefined> {
  const { Images = [] } = await ec2.send(
    new DescribeImagesCommand({ ImageIds: [imageId], IncludeDisabled: true })
  )
  return Images[0]
}

function tagsOf(image: AwsImage): Record<string, string> {
  return Object.fromEntries((image.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']))
}

/** The KMS keys of the AMI's encrypted snapshots (DescribeImages may leave KmsKeyId out). */
async function kmsKeysOf(ec2: EC2Client, aws: AwsImage | undefined): Promise<string[]> {
  const ebs = (aws?.BlockDeviceMappings ?? []).flatMap((m) => (m.Ebs?.Encrypted ? [m.Ebs] : []))
  const keys = ebs.flatMap((e) => (e.KmsKeyId ? [e.KmsKeyId] : []))
  const unknown = ebs.filter((e) => !e.KmsKeyId && e.SnapshotId).map((e) => e.SnapshotId!)
  if (unknown.length > 0) {
    try {
      const { Snapshots = [] } = await ec2.send(
        new DescribeSnapshotsCommand({ SnapshotIds: unknown })
      )
      keys.push(...Snapshots.flatMap((s) => (s.KmsKeyId ? [s.KmsKeyId] : [])))
    } catch {
      // The hint is a courtesy: without the key it still names the StateReason.
    }
  }
  return [...new Set(keys)]
}

function reasonOf(
  stop: unknown,
  timeoutMinutes: number,
  keys: string[],
  accountId: string
): string {
  if (stop instanceof CancelledError) return 'the job was cancelled during the test'
  if (!(stop instanceof TestStop)) return describeError(stop)
  const hint = kmsLaunchHint(stop.code, keys, accountId)
  const timedOut = stop.timedOut ? ` when test-timeout-minutes (${timeoutMinutes}) ran out` : ''
  return `${stop.message}${timedOut}${hint ? `. ${hint}` : ''}`
}
