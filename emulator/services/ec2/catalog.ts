// The instance-type catalogue and DescribeInstanceTypes
// (API reference: DescribeInstanceTypes; user guide: "Amazon EC2 instance types", "Boot modes").
// Seedable: `ec2.instanceTypes` adds or replaces entries.
import { AwsError, type Caller, type Sim } from '../../types.js'
import { dryRunGate } from './access.js'
import { filters, globMatch, list, paginate, type Params } from './params.js'

export interface InstanceTypeInfo {
  instanceType: string
  architectures: string[]
  bootModes: string[]
  vCpus: number
  memoryMiB: number
  hypervisor: 'xen' | 'nitro'
  currentGeneration: boolean
  freeTier?: boolean
}

const t = (
  instanceType: string,
  architectures: string[],
  bootModes: string[],
  vCpus: number,
  memoryMiB: number,
  hypervisor: 'xen' | 'nitro',
  currentGeneration = true,
  freeTier = false
): InstanceTypeInfo => ({
  instanceType,
  architectures,
  bootModes,
  vCpus,
  memoryMiB,
  hypervisor,
  currentGeneration,
  freeTier
})

const X86 = ['x86_64']
const ARM = ['arm64']
const NITRO_X86_BOOT = ['legacy-bios', 'uefi']
const GRAVITON_BOOT = ['uefi']

/** A representative subset of AWS's catalogue, with each type's architectures and boot modes. */
const BUILT_IN: InstanceTypeInfo[] = [
  t('m1.small', ['i386', 'x86_64'], ['legacy-bios'], 1, 1740, 'xen', false),
  t('t2.nano', ['i386', 'x86_64'], ['legacy-bios'], 1, 512, 'xen'),
  t('t2.micro', ['i386', 'x86_64'], ['legacy-bios'], 1, 1024, 'xen', true, true),
  t('t2.small', ['i386', 'x86_64'], ['legacy-bios'], 1, 2048, 'xen'),
  t('t2.medium', ['i386', 'x86_64'], ['legacy-bios'], 2, 4096, 'xen'),
  t('t3.nano', X86, NITRO_X86_BOOT, 2, 512, 'nitro'),
  t('t3.micro', X86, NITRO_X86_BOOT, 2, 1024, 'nitro', true, true),
  t('t3.small', X86, NITRO_X86_BOOT, 2, 2048, 'nitro'),
  t('t3.medium', X86, NITRO_X86_BOOT, 2, 4096, 'nitro'),
  t('t3.large', X86, NITRO_X86_BOOT, 2, 8192, 'nitro'),
  t('t3a.micro', X86, NITRO_X86_BOOT, 2, 1024, 'nitro'),
  t('m5.large', X86, NITRO_X86_BOOT, 2, 8192, 'nitro'),
  t('c5.large', X86, NITRO_X86_BOOT, 2, 4096, 'nitro'),
  t('m6i.large', X86, NITRO_X86_BOOT, 2, 8192, 'nitro'),
  t('m7i.large', X86, NITRO_X86_BOOT, 2, 8192, 'nitro'),
  t('t4g.nano', ARM, GRAVITON_BOOT, 2, 512, 'nitro'),
  t('t4g.micro', ARM, GRAVITON_BOOT, 2, 1024, 'nitro'),
  t('t4g.small', ARM, GRAVITON_BOOT, 2, 2048, 'nitro'),
  t('t4g.medium', ARM, GRAVITON_BOOT, 2, 4096, 'nitro'),
  t('m6g.large', ARM, GRAVITON_BOOT, 2, 8192, 'nitro'),
  t('c6g.large', ARM, GRAVITON_BOOT, 2, 4096, 'nitro'),
  t('m7g.large', ARM, GRAVITON_BOOT, 2, 8192, 'nitro')
]

/** Seeded entries (`ec2.instanceTypes`), by name; they replace built-in ones. */
function seeded(sim: Sim): Record<string, InstanceTypeInfo> {
  return (sim.state.ec2InstanceTypes ??= {}) as Record<string, InstanceTypeInfo>
}

export interface SeedInstanceType {
  instanceType: string
  architectures?: string[]
  bootModes?: string[]
  vCpus?: number
  memoryMiB?: number
}

export function seedInstanceTypes(sim: Sim, types: SeedInstanceType[]): void {
  for (const x of types) {
    if (!x.instanceType)
      throw new AwsError('InvalidSeed', 'ec2 seed: an instance type needs a name')
    seeded(sim)[x.instanceType] = t(
      x.instanceType,
      x.architectures ?? X86,
      x.bootModes ?? NITRO_X86_BOOT,
      x.vCpus ?? 2,
      x.memoryMiB ?? 4096,
      'nitro'
    )
  }
}

export function allInstanceTypes(sim: Sim): InstanceTypeInfo[] {
  const extra = seeded(sim)
  return [...BUILT_IN.filter((x) => !extra[x.instanceType]), ...Object.values(extra)].sort((a, b) =>
    a.instanceType.localeCompare(b.instanceType)
  )
}

export function instanceType(sim: Sim, name: string): InstanceTypeInfo | undefined {
  return allInstanceTypes(sim).find((x) => x.instanceType === name)
}

const TYPE_FILTERS: Record<string, (x: InstanceTypeInfo) => string[]> = {
  'instance-type': (x) => [x.instanceType],
  'processor-info.supported-architecture': (x) => x.architectures,
  'supported-boot-mode': (x) => x.bootModes,
  'current-generation': (x) => [String(x.currentGeneration)],
  'free-tier-eligible': (x) => [String(x.freeTier ?? false)],
  hypervisor: (x) => [x.hypervisor],
  'vcpu-info.default-vcpus': (x) => [String(x.vCpus)],
  'memory-info.size-in-mib': (x) => [String(x.memoryMiB)]
}

function typeXml(x: InstanceTypeInfo) {
  return {
    instanceType: x.instanceType,
    currentGeneration: x.currentGeneration,
    freeTierEligible: x.freeTier ?? false,
    supportedUsageClasses: ['on-demand', 'spot'],
    supportedRootDeviceTypes: ['ebs'],
    supportedVirtualizationTypes: ['hvm'],
    bareMetal: false,
    hypervisor: x.hypervisor,
    processorInfo: { supportedArchitectures: x.architectures },
    vCpuInfo: { defaultVCpus: x.vCpus },
    memoryInfo: { sizeInMiB: x.memoryMiB },
    instanceStorageSupported: false,
    ebsInfo: {
      ebsOptimizedSupport: 'default',
      encryptionSupport: 'supported',
      nvmeSupport: 'required'
    },
    networkInfo: {
      networkPerformance: 'Up to 5 Gigabit',
      maximumNetworkInterfaces: 3,
      enaSupport: 'required'
    },
    supportedBootModes: x.bootModes
  }
}

// API reference: DescribeInstanceTypes (InstanceTypes, Filters, MaxResults 5-100, NextToken).
export function describeInstanceTypes(sim: Sim, _caller: Caller, params: Params) {
  const names = list(params, 'InstanceType')
  if (names.length > 100)
    throw new AwsError('InvalidParameterValue', 'You can specify up to 100 instance types.')
  const all = allInstanceTypes(sim)
  const missing = names.filter((n) => !all.some((x) => x.instanceType === n))
  if (missing.length) {
    throw new AwsError(
      'InvalidInstanceType',
      `The following supplied instance types do not exist: [${missing.join(', ')}]`
    )
  }
  const fs = filters(params)
  for (const f of fs)
    if (!TYPE_FILTERS[f.name])
      throw new AwsError('InvalidParameterValue', `The filter '${f.name}' is invalid`)
  const selected = all
    .filter((x) => !names.length || names.includes(x.instanceType))
    .filter((x) =>
      fs.every((f) => f.values.some((p) => TYPE_FILTERS[f.name](x).some((v) => globMatch(p, v))))
    )
  dryRunGate(params)
  const { page, nextToken } = paginate('DescribeInstanceTypes', selected, params, {
    min: 5,
    max: 100
  })
  return { instanceTypeSet: page.map(typeXml), ...(nextToken ? { nextToken } : {}) }
}
