// DescribeVolumes over the EBS volumes of the caller's instances (volumes exist only attached).
// Follows the EC2 API Reference "DescribeVolumes": VolumeId.N, Filter.N (attachment.instance-id,
// encrypted, volume-id), an unknown ID is InvalidVolume.NotFound, an unknown filter is
// InvalidParameterValue; an encrypted volume without a key uses the AWS managed aws/ebs key.
import { awsManagedEbsKey } from '../../kms-keys.js'
import { AwsError, type Caller, type Sim } from '../../types.js'
import { dryRunGate } from './access.js'
import { filters, globMatch, list, type Params } from './params.js'
import { deviceName } from './render.js'
import { ec2State } from './state.js'

interface VolumeRow {
  volumeId: string
  instanceId: string
  device: string
  sizeGiB: number
  encrypted: boolean
  kmsKeyId?: string
  volumeType: string
  region: string
  launchTime: number
}

function volumesOf(sim: Sim, caller: Caller): VolumeRow[] {
  return Object.values(ec2State(sim).instances)
    .filter((i) => i.accountId === caller.accountId && i.region === caller.region)
    .filter((i) => i.state !== 'terminated')
    .flatMap((i) =>
      i.volumes.map((v, n) => ({
        // The same ID DescribeInstances shows in the block device mapping (render.ts).
        volumeId: `vol-${i.instanceId.slice(2)}${n}`,
        instanceId: i.instanceId,
        device: v.deviceName ?? deviceName(n),
        sizeGiB: v.sizeGiB,
        encrypted: v.encrypted ?? false,
        ...(v.encrypted
          ? { kmsKeyId: v.kmsKeyId ?? awsManagedEbsKey(caller.accountId, caller.region).arn }
          : {}),
        volumeType: v.volumeType ?? 'gp3',
        region: i.region,
        launchTime: i.launchTime
      }))
    )
}

export function describeVolumes(sim: Sim, caller: Caller, params: Params) {
  const all = volumesOf(sim, caller)
  const ids = list(params, 'VolumeId')
  const missing = ids.filter((id) => !all.some((v) => v.volumeId === id))
  if (missing.length) {
    throw new AwsError('InvalidVolume.NotFound', `The volume '${missing[0]}' does not exist.`)
  }
  const field: Record<string, (v: VolumeRow) => string[]> = {
    'attachment.instance-id': (v) => [v.instanceId],
    'volume-id': (v) => [v.volumeId],
    encrypted: (v) => [String(v.encrypted)]
  }
  const fs = filters(params)
  for (const f of fs) {
    if (!field[f.name])
      throw new AwsError('InvalidParameterValue', `The filter '${f.name}' is invalid`)
  }
  const selected = all
    .filter((v) => !ids.length || ids.includes(v.volumeId))
    .filter((v) =>
      fs.every((f) => f.values.some((p) => field[f.name](v).some((x) => globMatch(p, x))))
    )
  dryRunGate(params)
  return {
    volumeSet: selected.map((v) => ({
      volumeId: v.volumeId,
      size: v.sizeGiB,
      availabilityZone: `${v.region}a`,
      status: 'in-use',
      createTime: new Date(v.launchTime).toISOString(),
      attachmentSet: [
        {
          volumeId: v.volumeId,
          instanceId: v.instanceId,
          device: v.device,
          status: 'attached',
          attachTime: new Date(v.launchTime).toISOString(),
          deleteOnTermination: true
        }
      ],
      volumeType: v.volumeType,
      encrypted: v.encrypted,
      ...(v.kmsKeyId ? { kmsKeyId: v.kmsKeyId } : {})
    }))
  }
}
