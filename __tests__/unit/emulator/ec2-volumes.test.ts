// The emulator's DescribeVolumes and validateTag, as the EC2 API Reference describes them.
import { describe, expect, it } from '@jest/globals'
import { ec2 } from '../../../emulator/services/ec2/index.js'
import { awsManagedEbsKey } from '../../../emulator/kms-keys.js'
import { caller, errorOf, makeSim } from './ec2-sim.js'

const OWNER = '111122223333'
const R = 'us-east-1'

function setup() {
  const sim = makeSim()
  const call = caller(ec2, sim)
  const seeded = ec2.seed!(
    {
      instances: [
        {
          accountId: OWNER,
          region: R,
          volumes: [{ sizeGiB: 8, encrypted: true }, { sizeGiB: 20 }]
        },
        { accountId: OWNER, region: R, volumes: [{ sizeGiB: 4 }] }
      ]
    },
    sim
  ) as { instances: string[] }
  return { call, instances: seeded.instances }
}

describe('DescribeVolumes', () => {
  it('lists the volumes attached to one instance, with the aws/ebs key for a keyless encrypted one', () => {
    const { call, instances } = setup()
    const out = call(OWNER, R, 'DescribeVolumes', {
      'Filter.1.Name': 'attachment.instance-id',
      'Filter.1.Value.1': instances[0]
    })
    const volumes = out.volumeSet as Record<string, unknown>[]
    expect(volumes.map((v) => [v.size, v.encrypted, v.kmsKeyId])).toEqual([
      [8, true, awsManagedEbsKey(OWNER, R).arn],
      [20, false, undefined]
    ])
    expect(volumes[0].attachmentSet).toEqual([
      expect.objectContaining({ instanceId: instances[0], status: 'attached' })
    ])
    // The IDs are the ones DescribeInstances shows.
    const [reservation] = call(OWNER, R, 'DescribeInstances', { 'InstanceId.1': instances[0] })
      .reservationSet as {
      instancesSet: { blockDeviceMapping: { ebs: { volumeId: string } }[] }[]
    }[]
    expect(reservation.instancesSet[0].blockDeviceMapping.map((b) => b.ebs.volumeId)).toEqual(
      volumes.map((v) => v.volumeId)
    )
  })

  it('an unknown volume ID or filter is an error; another account sees nothing', () => {
    const { call } = setup()
    expect(
      errorOf(() => call(OWNER, R, 'DescribeVolumes', { 'VolumeId.1': 'vol-0nope' })).code
    ).toBe('InvalidVolume.NotFound')
    expect(
      errorOf(() =>
        call(OWNER, R, 'DescribeVolumes', { 'Filter.1.Name': 'bogus', 'Filter.1.Value.1': 'x' })
      ).code
    ).toBe('InvalidParameterValue')
    expect(call('444455556666', R, 'DescribeVolumes').volumeSet).toEqual([])
  })
})

describe('tags', () => {
  it('counts tag lengths in characters (code points), as EC2 does', () => {
    const { call, instances } = setup()
    const ok = { 'ResourceId.1': instances[0], 'Tag.1.Key': 'k', 'Tag.1.Value': '🚀'.repeat(256) }
    expect(() => call(OWNER, R, 'CreateTags', ok)).not.toThrow()
    const tooLong = { ...ok, 'Tag.1.Value': '🚀'.repeat(257) }
    expect(errorOf(() => call(OWNER, R, 'CreateTags', tooLong)).code).toBe('InvalidParameterValue')
  })
})
