// The verdict on one AMI: tagged `ami-share-action:test=passed` with the spec, or `test=failed`;
// on failure the error names the exit code, the last lines of the command's output, the
// instance's console output (GetConsoleOutput, base64: EC2 API reference) and its console link.
import { CreateTagsCommand, GetConsoleOutputCommand, type EC2Client } from '@aws-sdk/client-ec2'
import { describeError } from '../aws/errors.js'
import type { RunContext } from '../context.js'
import type { TestRun } from '../types.js'
import { tail } from './command.js'
import { TEST_SPEC_TAG, TEST_TAG } from './spec.js'

export async function tagVerdict(
  ctx: RunContext,
  ownerEc2: EC2Client,
  owner: { imageId: string; region: string; accountId: string },
  passed: boolean,
  spec: string
): Promise<void> {
  const Tags = passed
    ? [
        { Key: TEST_TAG, Value: 'passed' },
        { Key: TEST_SPEC_TAG, Value: spec }
      ]
    : [{ Key: TEST_TAG, Value: 'failed' }]
  await ctx.plan.change(
    {
      phase: 'test',
      text: `Tag ${owner.imageId} in ${owner.region} ${TEST_TAG}=${passed ? 'passed' : 'failed'}`,
      calls: [{ action: 'ec2:CreateTags', accountId: owner.accountId, region: owner.region }],
      planned: undefined
    },
    async () => {
      await ownerEc2.send(new CreateTagsCommand({ Resources: [owner.imageId], Tags }))
    }
  )
}

/** The instance's console output, last lines; undefined when it has none (yet) or cannot be read. */
export async function consoleOutput(
  ctx: RunContext,
  ec2: EC2Client,
  instanceId: string
): Promise<string | undefined> {
  try {
    const { Output } = await ec2.send(
      new GetConsoleOutputCommand({ InstanceId: instanceId, Latest: true })
    )
    if (!Output) return undefined
    return tail(Buffer.from(Output, 'base64').toString('utf8'))
  } catch (e) {
    ctx.log.debug(`GetConsoleOutput ${instanceId}: ${describeError(e)}`)
    return undefined
  }
}

export function instanceConsoleUrl(region: string, instanceId: string): string {
  return `https://${region}.console.aws.amazon.com/ec2/home?region=${region}#InstanceDetails:instanceId=${instanceId}`
}

/** The failure message: what failed, then exit code, output, console output, link. */
export function failureText(run: TestRun): string {
  const where = `${run.imageId} in ${run.region} (account ${run.accountId})`
  const lines = [`Test of ${where} failed: ${run.reason ?? 'unknown reason'}.`]
  if (run.exitCode !== undefined) lines.push(`Exit code: ${run.exitCode}.`)
  if (run.stdout) lines.push(`Last lines of stdout:\n${indent(run.stdout)}`)
  if (run.stderr) lines.push(`Last lines of stderr:\n${indent(run.stderr)}`)
  if (run.consoleOutput) lines.push(`Console output (last lines):\n${indent(run.consoleOutput)}`)
  if (run.instanceId) {
    lines.push(
      `Instance ${run.instanceId} (terminated): ${instanceConsoleUrl(run.region, run.instanceId)}`
    )
  }
  lines.push(
    `The AMI is kept and tagged ${TEST_TAG}=failed; nothing further was shared, copied or promoted.`
  )
  return lines.join('\n')
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n')
}
