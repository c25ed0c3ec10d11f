// ssm-parameter: point the aws:ec2:image parameter of one region (build account) at the new AMI.
// Only when the value changes; reported set only once SSM holds it (it validates asynchronously).
import type { SSMClient } from '@aws-sdk/client-ssm'
import { sdk } from '../aws/clients.js'
import { describeError, errorCode } from '../aws/errors.js'
import type { RunContext } from '../context.js'
import type { ParameterUpdate } from '../types.js'
import type { PromoteTarget } from './targets.js'

/**
 * Waits between read-backs of an aws:ec2:image parameter: short first (SSM usually validates
 * within a second or two), doubling to ~12.7 s in all before warning.
 */
const PARAMETER_CHECKS_MS = [100, 200, 400, 800, 1600, 3200, 6400]

/**
 * Sets the aws:ec2:image parameter to the AMI ID and reports it set only once SSM holds it:
 * PutParameter answers 200 before SSM validates the value asynchronously, and a rejected value is
 * simply not stored (PutParameter, DataType). A value that is already the AMI ID is left alone.
 */
export async function publishParameter(
  ctx: RunContext,
  name: string,
  target: PromoteTarget
): Promise<ParameterUpdate> {
  const ssm = await ctx.clients.ssm(target.region)
  const where = `SSM parameter ${name} in ${target.region}`
  const update = (outcome: ParameterUpdate['outcome']): ParameterUpdate => ({
    region: target.region,
    name,
    ...(target.imageId && { imageId: target.imageId }),
    outcome
  })
  const first = await readParameter(ssm, name)
  if (target.imageId && first.value === target.imageId) {
    ctx.log.info(`${where} already holds ${target.imageId}`)
    return update('already')
  }
  const set = await ctx.plan.change(
    {
      phase: 'promote',
      text: `Set ${where} to ${target.label}`,
      calls: [{ action: 'ssm:PutParameter', accountId: target.accountId, region: target.region }],
      planned: undefined
    },
    () => putParameter(ctx, ssm, name, target.imageId!, target, first)
  )
  if (set === undefined) return update('planned')
  if (set) ctx.log.info(`${where} set to ${target.imageId}`)
  return update(set ? 'set' : 'not-set')
}

/** PutParameter, then read it back until SSM holds it (it validates asynchronously). */
async function putParameter(
  ctx: RunContext,
  ssm: SSMClient,
  name: string,
  imageId: string,
  target: PromoteTarget,
  first: { value?: string; error?: string }
): Promise<boolean> {
  const where = `SSM parameter ${name} in ${target.region}`
  const { PutParameterCommand } = await sdk.ssm()
  await attempt(
    `write SSM parameter ${name} = ${imageId} in ${target.region}`,
    `ssm:PutParameter on parameter ${name} (and ec2:DescribeImages, which SSM uses to validate the aws:ec2:image data type)`,
    () =>
      ssm.send(
        new PutParameterCommand({
          Name: name,
          Value: imageId,
          Type: 'String',
          DataType: 'aws:ec2:image',
          Overwrite: true
        })
      )
  )
  let last = first
  for (const delay of [0, ...PARAMETER_CHECKS_MS]) {
    if (delay) await ctx.sleep(delay)
    last = await readParameter(ssm, name)
    if (last.value === imageId) return true
    if (last.error) break
  }
  const total = PARAMETER_CHECKS_MS.reduce((a, b) => a + b, 0) / 1000
  ctx.warn(
    last.error
      ? `${where}: PutParameter was accepted, but reading it back failed (${last.error}), so it is not reported as set; the read needs ssm:GetParameter.`
      : `${where}: PutParameter was accepted, but after ${total}s it still holds ${last.value ?? 'no value'}, not ${imageId}: SSM validates aws:ec2:image values asynchronously and drops a value it rejects (the AMI must be available to account ${target.accountId} in ${target.region}; ec2:DescribeImages is used for the check). Not reported as set.`
  )
  return false
}

async function readParameter(
  ssm: SSMClient,
  name: string
): Promise<{ value?: string; error?: string }> {
  try {
    const { GetParameterCommand } = await sdk.ssm()
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name }))
    return { value: Parameter?.Value }
  } catch (e) {
    if (errorCode(e) === 'ParameterNotFound') return {}
    return { error: describeError(e).split('\n')[0] }
  }
}

/** The call, or an error naming what failed and the permission it needs. */
export async function attempt<T>(
  what: string,
  permission: string,
  call: () => Promise<T>
): Promise<T> {
  try {
    return await call()
  } catch (e) {
    throw new Error(`Could not ${what}: ${describeError(e)}. This needs ${permission}.`, {
      cause: e
    })
  }
}
