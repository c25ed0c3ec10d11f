// The base AMI of a runbook build: the runbook parameter that holds an AMI ID (after resolving).
// It must exist, be visible and launchable before the runbook starts; a deprecated one is a warning.
import { DescribeImagesCommand, type EC2Client, type Image as AwsImage } from '@aws-sdk/client-ec2'
import { errorCode } from '../aws/errors.js'
import { InputError } from '../errors.js'
import type { RunContext } from '../context.js'
import type { BaseAmi, Provenance } from '../types.js'

const AMI_ID = /^ami-[0-9a-f]{8,17}$/
/** States from which no instance can be launched. */
const UNLAUNCHABLE = new Set(['disabled', 'failed', 'error', 'invalid', 'deregistered'])

/** SourceAmiId when it holds an AMI ID, else the only parameter that holds one. */
export function baseAmiParameter(
  parameters: Record<string, string[]>
): { parameter: string; id: string } | undefined {
  const named = Object.entries(parameters).filter(
    ([, values]) => values.length === 1 && AMI_ID.test(values[0])
  )
  const chosen =
    named.find(([name]) => name === 'SourceAmiId') ?? (named.length === 1 ? named[0] : undefined)
  return chosen && { parameter: chosen[0], id: chosen[1][0] }
}

/** DescribeImages by ID (disabled ones included: they must be named, not missed). */
export async function checkBaseAmi(
  ctx: RunContext,
  ec2: EC2Client,
  parameters: Record<string, string[]>,
  resolved: Provenance['resolved']
): Promise<BaseAmi | undefined> {
  const found = baseAmiParameter(parameters)
  if (!found) return undefined
  const { region } = ctx.config
  const from = resolved.find((r) => r.parameter === found.parameter)?.name
  const what = `base AMI ${found.id} (runbook parameter ${found.parameter}${from ? `, resolved from SSM parameter ${from}` : ''})`
  const notVisible = (): InputError =>
    new InputError(
      'automation-parameters',
      `automation-parameters: the ${what} does not exist in ${region} or is not visible to this account, so the runbook could not launch it. Give an AMI of ${region} that the account owns or that is shared with it.`
    )
  let images: AwsImage[]
  try {
    ;({ Images: images = [] } = await ec2.send(
      new DescribeImagesCommand({ ImageIds: [found.id], IncludeDisabled: true })
    ))
  } catch (error) {
    const code = errorCode(error)
    if (code === 'InvalidAMIID.NotFound' || code === 'InvalidAMIID.Unavailable') throw notVisible()
    throw error
  }
  const image = images.find((i) => i.ImageId === found.id)
  if (!image) throw notVisible()
  if (UNLAUNCHABLE.has(image.State ?? '')) {
    throw new InputError(
      'automation-parameters',
      `automation-parameters: the ${what} is ${image.State}, so nothing can launch it. Use an available AMI${image.State === 'disabled' ? ` or re-enable it (aws ec2 enable-image --image-id ${found.id} --region ${region})` : ''}.`
    )
  }
  const base: BaseAmi = {
    id: found.id,
    parameter: found.parameter,
    ...(from !== undefined && { resolvedFrom: from }),
    ...(image.Name !== undefined && { name: image.Name }),
    ...(image.CreationDate && { creationDate: new Date(image.CreationDate) }),
    ...(image.DeprecationTime && { deprecationTime: new Date(image.DeprecationTime) })
  }
  if (base.deprecationTime && base.deprecationTime.getTime() <= ctx.now().getTime()) {
    ctx.warn(
      `The ${what} ("${image.Name ?? ''}") is deprecated since ${base.deprecationTime.toISOString()}: it still launches, but its publisher no longer recommends it. Move to a newer base${from ? '' : ' (e.g. with resolve:ssm: on a public parameter)'}.`
    )
  }
  return base
}
