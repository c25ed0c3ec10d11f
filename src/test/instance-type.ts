// The test instance type: the input, else the smallest burstable type of the AMI's architecture;
// checked with DescribeInstanceTypes against the AMI's architecture and boot mode before anything
// is launched (EC2 API reference, DescribeInstanceTypes: ProcessorInfo.SupportedArchitectures,
// SupportedBootModes).
import { DescribeInstanceTypesCommand, type EC2Client } from '@aws-sdk/client-ec2'
import { errorCode } from '../aws/errors.js'
import { InputError } from '../errors.js'

/** INTERFACE.md: t3.micro for x86_64 AMIs, t4g.micro for arm64. */
export function defaultInstanceType(architecture: string | undefined): string {
  return architecture === 'arm64' || architecture === 'arm64_mac' ? 't4g.micro' : 't3.micro'
}

/** What the type must run: the AMI's (or the base AMI's, the source instance's) facts. */
export interface LaunchNeeds {
  architecture?: string
  /** `uefi` or `legacy-bios` restricts the type; `uefi-preferred` or unset does not. */
  bootMode?: string
  /** e.g. "base AMI ami-1 (runbook parameter SourceAmiId)" or "ami-1". */
  what: string
}

/**
 * The problem with launching `type` for `needs` in `region`, as an InputError naming
 * test-instance-type (or undefined when the type fits). DescribeInstanceTypes is read-only.
 */
export async function instanceTypeProblem(
  ec2: EC2Client,
  region: string,
  type: string,
  needs: LaunchNeeds,
  chosen: boolean
): Promise<InputError | undefined> {
  const fix = chosen
    ? 'Set test-instance-type to a type that supports it'
    : 'Set test-instance-type to a type that supports it (the default follows the architecture)'
  let info
  try {
    const { InstanceTypes = [] } = await ec2.send(
      new DescribeInstanceTypesCommand({ InstanceTypes: [type as never] })
    )
    info = InstanceTypes[0]
  } catch (e) {
    if (errorCode(e) !== 'InvalidInstanceType') throw e
  }
  if (!info) {
    return new InputError(
      'test-instance-type',
      `test-instance-type: ${type} is not an instance type offered in ${region}. Give an existing type such as t3.micro.`
    )
  }
  const archs = info.ProcessorInfo?.SupportedArchitectures ?? []
  if (needs.architecture && !archs.includes(needs.architecture as never)) {
    return new InputError(
      'test-instance-type',
      `test-instance-type: ${type} runs ${archs.join(', ') || 'no listed architecture'}, but ${needs.what} is ${needs.architecture}. ${fix} (e.g. ${defaultInstanceType(needs.architecture)}).`
    )
  }
  const modes = info.SupportedBootModes ?? []
  if ((needs.bootMode === 'uefi' || needs.bootMode === 'legacy-bios') && modes.length > 0) {
    if (!modes.includes(needs.bootMode as never)) {
      return new InputError(
        'test-instance-type',
        `test-instance-type: ${type} supports boot modes ${modes.join(', ')}, but ${needs.what} boots with ${needs.bootMode}. ${fix}.`
      )
    }
  }
  return undefined
}
