import { describe, expect, it } from '@jest/globals'
import { ec2 } from '../../../emulator/services/ec2/index.js'
import { awsManagedEbsKey } from '../../../emulator/kms-keys.js'
import { caller, errorOf, makeSim } from './ec2-sim.js'

const OWNER = '111122223333'
const CONSUMER = '444455556666'
const STRANGER = '777788889999'
const R = 'us-east-1'
const ORG = 'arn:aws:organizations::111122223333:organization/o-abcdefghij'
const OU = 'arn:aws:organizations::111122223333:ou/o-abcdefghij/ou-ab12-cdefghij'

function setup(settings: Record<string, unknown> = {}) {
  const sim = makeSim(settings)
  const call = caller(ec2, sim)
  const seeded = ec2.seed!(
    {
      accounts: { [CONSUMER]: { organizationArn: ORG, ouArns: [OU] } },
      images: [
        {
          accountId: OWNER,
          region: R,
          name: 'base-1',
          tags: { family: 'base' },
          snapshots: [{ sizeGiB: 8 }]
        },
        { accountId: STRANGER, region: R, name: 'public-thing', public: true },
        { accountId: STRANGER, region: R, name: 'private-thing' },
        { accountId: OWNER, region: 'eu-west-1', name: 'base-eu' }
      ],
      instances: [{ accountId: OWNER, region: R, volumes: [{ sizeGiB: 8 }, { sizeGiB: 20 }] }],
      launchTemplates: []
    },
    sim
  ) as { images: string[]; instances: string[] }
  return { sim, call, images: seeded.images, instanceId: seeded.instances[0] }
}

const names = (r: Record<string, unknown>) =>
  (r.imagesSet as { name: string }[]).map((i) => i.name).sort()

describe('DescribeImages visibility', () => {
  it('shows own, public and shared images in the caller region only', () => {
    const { call } = setup()
    expect(names(call(OWNER, R, 'DescribeImages'))).toEqual(['base-1', 'public-thing'])
    expect(names(call(OWNER, R, 'DescribeImages', { 'Owner.1': 'self' }))).toEqual(['base-1'])
    expect(names(call(CONSUMER, R, 'DescribeImages'))).toEqual(['public-thing'])
  })

  it('shares by account, organization and OU, and ExecutableBy=self sees all three but not public ones', () => {
    const { call, images } = setup()
    call(OWNER, R, 'ModifyImageAttribute', {
      ImageId: images[0],
      'LaunchPermission.Add.1.OrganizationalUnitArn': OU
    })
    expect(names(call(CONSUMER, R, 'DescribeImages', { 'ExecutableBy.1': 'self' }))).toEqual([
      'base-1'
    ])
    call(OWNER, R, 'ModifyImageAttribute', {
      ImageId: images[0],
      'LaunchPermission.Remove.1.OrganizationalUnitArn': OU
    })
    expect(names(call(CONSUMER, R, 'DescribeImages', { 'ExecutableBy.1': 'self' }))).toEqual([])
    call(OWNER, R, 'ModifyImageAttribute', {
      ImageId: images[0],
      'LaunchPermission.Add.1.OrganizationArn': ORG
    })
    expect(names(call(CONSUMER, R, 'DescribeImages', { 'ExecutableBy.1': 'self' }))).toEqual([
      'base-1'
    ])
    // The legacy form: Attribute + OperationType + UserId.N.
    call(OWNER, R, 'ModifyImageAttribute', {
      ImageId: images[0],
      Attribute: 'launchPermission',
      OperationType: 'add',
      'UserId.1': STRANGER
    })
    expect(names(call(STRANGER, R, 'DescribeImages', { 'ExecutableBy.1': 'self' }))).toEqual([
      'base-1'
    ])
    expect(names(call(CONSUMER, R, 'DescribeImages', { 'ExecutableBy.1': 'all' }))).toEqual([
      'public-thing'
    ])
  })

  it('hides tags of a shared image from the consumer and filters by tag only for the owner', () => {
    const { call, images } = setup()
    call(OWNER, R, 'ModifyImageAttribute', {
      ImageId: images[0],
      'LaunchPermission.Add.1.UserId': CONSUMER
    })
    const own = call(OWNER, R, 'DescribeImages', {
      'Filter.1.Name': 'tag:family',
      'Filter.1.Value.1': 'ba?e'
    })
    expect(names(own)).toEqual(['base-1'])
    expect(own.imagesSet[0].tagSet).toEqual([{ key: 'family', value: 'base' }])
    const theirs = call(CONSUMER, R, 'DescribeImages', { 'ImageId.1': images[0] })
    expect(theirs.imagesSet[0].tagSet).toBeUndefined()
    expect(
      names(
        call(CONSUMER, R, 'DescribeImages', { 'Filter.1.Name': 'tag-key', 'Filter.1.Value.1': '*' })
      )
    ).toEqual([])
  })

  it('answers InvalidAMIID.NotFound / Malformed for IDs the caller cannot see', () => {
    const { call, images } = setup()
    expect(errorOf(() => call(OWNER, R, 'DescribeImages', { 'ImageId.1': images[2] })).code).toBe(
      'InvalidAMIID.NotFound'
    )
    expect(errorOf(() => call(OWNER, R, 'DescribeImages', { 'ImageId.1': 'ami-xyz' })).code).toBe(
      'InvalidAMIID.Malformed'
    )
    expect(
      errorOf(() =>
        call(OWNER, R, 'DescribeImages', { 'Filter.1.Name': 'bogus', 'Filter.1.Value.1': 'x' })
      ).code
    ).toBe('InvalidParameterValue')
  })

  it('hides deprecated images from others unless IncludeDeprecated or asked by ID', () => {
    const { sim, call, images } = setup()
    const img = images[1] // public, owned by STRANGER
    call(STRANGER, R, 'EnableImageDeprecation', {
      ImageId: img,
      DeprecateAt: new Date(sim.clock.now() + 120_000).toISOString()
    })
    sim.advance(10 * 60_000)
    expect(names(call(OWNER, R, 'DescribeImages'))).toEqual(['base-1'])
    expect(names(call(OWNER, R, 'DescribeImages', { IncludeDeprecated: 'true' }))).toEqual([
      'base-1',
      'public-thing'
    ])
    expect(names(call(OWNER, R, 'DescribeImages', { 'ImageId.1': img }))).toEqual(['public-thing'])
    expect(names(call(STRANGER, R, 'DescribeImages', { 'Owner.1': 'self' }))).toEqual([
      'private-thing',
      'public-thing'
    ])
  })

  it('paginates with MaxResults/NextToken and refuses MaxResults with ImageIds', () => {
    const sim = makeSim()
    const call = caller(ec2, sim)
    ec2.seed!(
      {
        images: Array.from({ length: 7 }, (_, i) => ({
          accountId: OWNER,
          region: R,
          name: `img-${i}`
        }))
      },
      sim
    )
    const seen: string[] = []
    let token: string | undefined
    let pages = 0
    do {
      const page = call(OWNER, R, 'DescribeImages', {
        MaxResults: '3',
        ...(token ? { NextToken: token } : {})
      })
      seen.push(...page.imagesSet.map((i: { name: string }) => i.name))
      token = page.nextToken
      pages++
    } while (token)
    expect(pages).toBe(3)
    expect(seen.sort()).toEqual(Array.from({ length: 7 }, (_, i) => `img-${i}`))
    expect(
      errorOf(() =>
        call(OWNER, R, 'DescribeImages', { 'ImageId.1': 'ami-00000000000000001', MaxResults: '5' })
      ).code
    ).toBe('InvalidParameterCombination')
  })
})

describe('CreateImage', () => {
  it('creates one snapshot per volume, tags at creation, goes pending then available', () => {
    const { sim, call, instanceId } = setup()
    const { imageId } = call(OWNER, R, 'CreateImage', {
      InstanceId: instanceId,
      Name: 'golden-1',
      NoReboot: 'true',
      'TagSpecification.1.ResourceType': 'image',
      'TagSpecification.1.Tag.1.Key': 'run',
      'TagSpecification.1.Tag.1.Value': '42',
      'TagSpecification.2.ResourceType': 'snapshot',
      'TagSpecification.2.Tag.1.Key': 'run',
      'TagSpecification.2.Tag.1.Value': 'snap'
    })
    let img = call(OWNER, R, 'DescribeImages', { 'ImageId.1': imageId }).imagesSet[0]
    expect(img.imageState).toBe('pending')
    expect(img.sourceInstanceId).toBe(instanceId)
    expect(img.tagSet).toEqual([{ key: 'run', value: '42' }])
    const snapIds = img.blockDeviceMapping.map(
      (b: { ebs: { snapshotId: string } }) => b.ebs.snapshotId
    )
    expect(
      img.blockDeviceMapping.map((b: { ebs: { volumeSize: number } }) => b.ebs.volumeSize)
    ).toEqual([8, 20])
    const snaps = call(OWNER, R, 'DescribeSnapshots', {
      'SnapshotId.1': snapIds[0],
      'SnapshotId.2': snapIds[1]
    }).snapshotSet
    expect(snaps.map((s: { status: string }) => s.status)).toEqual(['pending', 'pending'])
    expect(snaps[0].tagSet).toEqual([{ key: 'run', value: 'snap' }])
    sim.advance(60_000)
    const mid = call(OWNER, R, 'DescribeSnapshots', { 'SnapshotId.1': snapIds[0] }).snapshotSet[0]
    expect(mid.progress).toMatch(/^[1-9]\d?%$/)
    sim.advance(30 * 60_000)
    img = call(OWNER, R, 'DescribeImages', { 'ImageId.1': imageId }).imagesSet[0]
    expect(img.imageState).toBe('available')
  })

  it('rejects duplicate and malformed names, honours ClientToken and DryRun', () => {
    const { call, instanceId } = setup()
    expect(
      errorOf(() => call(OWNER, R, 'CreateImage', { InstanceId: instanceId, Name: 'base-1' })).code
    ).toBe('InvalidAMIName.Duplicate')
    expect(
      errorOf(() => call(OWNER, R, 'CreateImage', { InstanceId: instanceId, Name: 'no*stars' }))
        .code
    ).toBe('InvalidAMIName.Malformed')
    const dry = errorOf(() =>
      call(OWNER, R, 'CreateImage', { InstanceId: instanceId, Name: 'fine-name', DryRun: 'true' })
    )
    expect([dry.code, dry.status, dry.message]).toEqual([
      'DryRunOperation',
      412,
      'Request would have succeeded, but DryRun flag is set.'
    ])
    // DryRun does not mask a bad request.
    expect(
      errorOf(() =>
        call(OWNER, R, 'CreateImage', {
          InstanceId: 'i-00000000000000999',
          Name: 'x-1',
          DryRun: 'true'
        })
      ).code
    ).toBe('InvalidInstanceID.NotFound')
    const a = call(OWNER, R, 'CreateImage', {
      InstanceId: instanceId,
      Name: 'tok',
      ClientToken: 't1'
    })
    const b = call(OWNER, R, 'CreateImage', {
      InstanceId: instanceId,
      Name: 'tok',
      ClientToken: 't1'
    })
    expect(b.imageId).toBe(a.imageId)
    expect(
      errorOf(() =>
        call(OWNER, R, 'CreateImage', { InstanceId: instanceId, Name: 'tok2', ClientToken: 't1' })
      ).code
    ).toBe('IdempotentParameterMismatch')
  })

  it('ends failed with the configured StateReason, and a new ID is NotFound for the window', () => {
    const { sim, call, instanceId } = setup({
      'ec2.notFoundWindowMs': 5_000,
      'ec2.failCreateImage': {
        namePattern: 'bad-*',
        code: 'Client.VolumeLimitExceeded',
        message: 'Volume limit exceeded'
      }
    })
    const { imageId } = call(OWNER, R, 'CreateImage', { InstanceId: instanceId, Name: 'bad-1' })
    expect(errorOf(() => call(OWNER, R, 'DescribeImages', { 'ImageId.1': imageId })).code).toBe(
      'InvalidAMIID.NotFound'
    )
    sim.advance(60 * 60_000)
    const img = call(OWNER, R, 'DescribeImages', { 'ImageId.1': imageId }).imagesSet[0]
    expect(img.imageState).toBe('failed')
    expect(img.stateReason).toEqual({
      code: 'Client.VolumeLimitExceeded',
      message: 'Volume limit exceeded'
    })
  })
})

describe('sharing rules', () => {
  it('refuses public sharing under block public access, then counts the 5-public-AMI quota', () => {
    const sim = makeSim()
    const call = caller(ec2, sim)
    const { images } = ec2.seed!(
      {
        images: Array.from({ length: 6 }, (_, i) => ({
          accountId: OWNER,
          region: R,
          name: `p-${i}`
        }))
      },
      sim
    ) as { images: string[] }
    expect(call(OWNER, R, 'GetImageBlockPublicAccessState').imageBlockPublicAccessState).toBe(
      'block-new-sharing'
    )
    const blocked = errorOf(() =>
      call(OWNER, R, 'ModifyImageAttribute', {
        ImageId: images[0],
        'LaunchPermission.Add.1.Group': 'all'
      })
    )
    expect(blocked.code).toBe('OperationNotPermitted')
    expect(blocked.message).toContain('block public access for AMIs is enabled')
    ec2.seed!({ blockPublicAccess: [{ accountId: OWNER, region: R, state: 'unblocked' }] }, sim)
    for (const id of images.slice(0, 5))
      call(OWNER, R, 'ModifyImageAttribute', { ImageId: id, 'LaunchPermission.Add.1.Group': 'all' })
    expect(
      errorOf(() =>
        call(OWNER, R, 'ModifyImageAttribute', {
          ImageId: images[5],
          'LaunchPermission.Add.1.Group': 'all'
        })
      ).code
    ).toBe('ResourceLimitExceeded')
  })

  it('refuses to share AWS-managed-key snapshots and images, and a non-owner cannot share', () => {
    const sim = makeSim()
    const call = caller(ec2, sim)
    const { images, snapshots } = ec2.seed!(
      {
        images: [
          { accountId: OWNER, region: R, name: 'enc', snapshots: [{ sizeGiB: 8, encrypted: true }] }
        ]
      },
      sim
    ) as { images: string[]; snapshots: string[] }
    const snap = call(OWNER, R, 'DescribeSnapshots', { 'SnapshotId.1': snapshots[0] })
      .snapshotSet[0]
    expect(snap.kmsKeyId).toBe(awsManagedEbsKey(OWNER, R).arn)
    expect(
      errorOf(() =>
        call(OWNER, R, 'ModifyImageAttribute', {
          ImageId: images[0],
          'LaunchPermission.Add.1.UserId': CONSUMER
        })
      ).code
    ).toBe('InvalidParameter')
    const e = errorOf(() =>
      call(OWNER, R, 'ModifySnapshotAttribute', {
        SnapshotId: snapshots[0],
        Attribute: 'createVolumePermission',
        'CreateVolumePermission.Add.1.UserId': CONSUMER
      })
    )
    expect([e.code, e.message]).toEqual([
      'OperationNotPermitted',
      'Encrypted snapshots with EBS default key cannot be shared'
    ])
    expect(
      errorOf(() =>
        call(CONSUMER, R, 'ModifyImageAttribute', {
          ImageId: images[0],
          'LaunchPermission.Add.1.UserId': CONSUMER
        })
      ).code
    ).toBe('InvalidAMIID.NotFound')
  })

  it('validates account IDs, caps sharing entities at 1,000 and reports permissions', () => {
    const { call, images } = setup()
    expect(
      errorOf(() =>
        call(OWNER, R, 'ModifyImageAttribute', {
          ImageId: images[0],
          'LaunchPermission.Add.1.UserId': '123'
        })
      ).code
    ).toBe('InvalidAMIAttributeItemValue')
    const many: Record<string, string> = { ImageId: images[0] }
    for (let i = 1; i <= 1001; i++)
      many[`LaunchPermission.Add.${i}.UserId`] = String(100000000000 + i)
    expect(errorOf(() => call(OWNER, R, 'ModifyImageAttribute', many)).code).toBe(
      'ResourceLimitExceeded'
    )
    call(OWNER, R, 'ModifyImageAttribute', {
      ImageId: images[0],
      'LaunchPermission.Add.1.UserId': CONSUMER,
      'LaunchPermission.Add.2.OrganizationArn': ORG
    })
    const attr = call(OWNER, R, 'DescribeImageAttribute', {
      ImageId: images[0],
      Attribute: 'launchPermission'
    })
    expect(attr.launchPermission).toEqual([{ userId: CONSUMER }, { organizationArn: ORG }])
    expect(
      errorOf(() =>
        call(CONSUMER, R, 'DescribeImageAttribute', {
          ImageId: images[0],
          Attribute: 'launchPermission'
        })
      ).code
    ).toBe('AuthFailure')
  })
})

describe('CopyImage', () => {
  it('copies in the destination region with lineage, tags and a per-GiB duration', () => {
    const { sim, call, images } = setup({ 'ec2.copySlowdown': { 'eu-west-1': 2 } })
    const { imageId } = call(OWNER, 'eu-west-1', 'CopyImage', {
      SourceRegion: R,
      SourceImageId: images[0],
      Name: 'base-1-copy',
      CopyImageTags: 'true',
      'TagSpecification.1.ResourceType': 'image',
      'TagSpecification.1.Tag.1.Key': 'copied',
      'TagSpecification.1.Tag.1.Value': 'yes'
    })
    const img = call(OWNER, 'eu-west-1', 'DescribeImages', { 'ImageId.1': imageId }).imagesSet[0]
    expect([img.imageState, img.sourceImageId, img.sourceImageRegion]).toEqual([
      'pending',
      images[0],
      R
    ])
    expect(img.tagSet).toEqual([
      { key: 'family', value: 'base' },
      { key: 'copied', value: 'yes' }
    ])
    expect(img.description).toBe(`[Copied ${images[0]} from ${R}] base-1`)
    // Base 4 min + 8 GiB × 30 s = 8 min, doubled by the slowdown → 16 min.
    sim.advance(15 * 60_000)
    expect(
      call(OWNER, 'eu-west-1', 'DescribeImages', { 'ImageId.1': imageId }).imagesSet[0].imageState
    ).toBe('pending')
    sim.advance(2 * 60_000)
    expect(
      call(OWNER, 'eu-west-1', 'DescribeImages', { 'ImageId.1': imageId }).imagesSet[0].imageState
    ).toBe('available')
  })

  it('needs launch permission and createVolumePermission across accounts; CopyImageTags never crosses', () => {
    const { call, images } = setup()
    const src = images[0]
    const params = {
      SourceRegion: R,
      SourceImageId: src,
      Name: 'their-copy',
      CopyImageTags: 'true'
    }
    expect(errorOf(() => call(CONSUMER, R, 'CopyImage', params)).code).toBe('InvalidAMIID.NotFound')
    call(OWNER, R, 'ModifyImageAttribute', {
      ImageId: src,
      'LaunchPermission.Add.1.UserId': CONSUMER
    })
    const e = errorOf(() => call(CONSUMER, R, 'CopyImage', params))
    expect(e.message).toBe('You do not have permission to access the storage of this ami')
    const snapId = call(OWNER, R, 'DescribeImages', { 'ImageId.1': src }).imagesSet[0]
      .blockDeviceMapping[0].ebs.snapshotId
    call(OWNER, R, 'ModifySnapshotAttribute', {
      SnapshotId: snapId,
      Attribute: 'createVolumePermission',
      'CreateVolumePermission.Add.1.UserId': CONSUMER
    })
    expect(
      call(OWNER, R, 'DescribeSnapshotAttribute', {
        SnapshotId: snapId,
        Attribute: 'createVolumePermission'
      }).createVolumePermission
    ).toEqual([{ userId: CONSUMER }])
    const { imageId } = call(CONSUMER, R, 'CopyImage', params)
    const copy = call(CONSUMER, R, 'DescribeImages', { 'ImageId.1': imageId }).imagesSet[0]
    expect(copy.imageOwnerId).toBe(CONSUMER)
    expect(copy.tagSet).toBeUndefined()
  })

  it('allows at most 20 snapshot copies in flight per destination region', () => {
    const sim = makeSim()
    const call = caller(ec2, sim)
    const { images } = ec2.seed!(
      {
        images: [
          {
            accountId: OWNER,
            region: R,
            name: 'seven',
            snapshots: Array.from({ length: 7 }, () => ({ sizeGiB: 1 }))
          }
        ]
      },
      sim
    ) as { images: string[] }
    for (let i = 0; i < 2; i++)
      call(OWNER, 'us-west-2', 'CopyImage', {
        SourceRegion: R,
        SourceImageId: images[0],
        Name: `c-${i}`
      })
    // 14 in flight; 7 more would be 21.
    const e = errorOf(() =>
      call(OWNER, 'us-west-2', 'CopyImage', {
        SourceRegion: R,
        SourceImageId: images[0],
        Name: 'c-2'
      })
    )
    expect(e.code).toBe('ResourceLimitExceeded')
    // Another region has its own limit.
    call(OWNER, 'eu-west-1', 'CopyImage', {
      SourceRegion: R,
      SourceImageId: images[0],
      Name: 'c-2'
    })
    sim.advance(60 * 60_000)
    call(OWNER, 'us-west-2', 'CopyImage', {
      SourceRegion: R,
      SourceImageId: images[0],
      Name: 'c-2'
    })
  })

  it('fails a copy in a given region with the configured StateReason', () => {
    const { sim, call, images } = setup({
      'ec2.failCopy': [{ region: 'eu-west-1', message: 'copy broke' }]
    })
    const ok = call(OWNER, 'us-west-2', 'CopyImage', {
      SourceRegion: R,
      SourceImageId: images[0],
      Name: 'x-ok'
    })
    const bad = call(OWNER, 'eu-west-1', 'CopyImage', {
      SourceRegion: R,
      SourceImageId: images[0],
      Name: 'x-bad'
    })
    sim.advance(60 * 60_000)
    expect(
      call(OWNER, 'us-west-2', 'DescribeImages', { 'ImageId.1': ok.imageId }).imagesSet[0]
        .imageState
    ).toBe('available')
    const failed = call(OWNER, 'eu-west-1', 'DescribeImages', { 'ImageId.1': bad.imageId })
      .imagesSet[0]
    expect([failed.imageState, failed.stateReason.message]).toEqual(['failed', 'copy broke'])
  })
})

describe('deregistering and deleting', () => {
  it('keeps a snapshot another AMI uses, reports per-snapshot results, and DeleteSnapshot says InUse', () => {
    const sim = makeSim()
    const call = caller(ec2, sim)
    ec2.seed!(
      {
        images: [
          {
            accountId: OWNER,
            region: R,
            name: 'a',
            snapshots: [
              { snapshotId: 'snap-0000000000000000a', sizeGiB: 8 },
              { snapshotId: 'snap-0000000000000000b', sizeGiB: 8 }
            ]
          }
        ]
      },
      sim
    )
    const { images } = ec2.seed!(
      { images: [{ accountId: OWNER, region: R, name: 'b', snapshots: [] }] },
      sim
    ) as { images: string[] }
    // Make image b share snapshot a (as a re-registered AMI would).
    const state = sim.state.ec2 as { images: Record<string, { blockDevices: unknown[] }> }
    const a = Object.values(state.images).find(
      (i) => (i as unknown as { name: string }).name === 'a'
    ) as unknown as { imageId: string; blockDevices: unknown[] }
    state.images[images[0]].blockDevices = [a.blockDevices[0]]
    const inUse = errorOf(() =>
      call(OWNER, R, 'DeleteSnapshot', { SnapshotId: 'snap-0000000000000000b' })
    )
    expect([inUse.code, inUse.message]).toEqual([
      'InvalidSnapshot.InUse',
      `The snapshot snap-0000000000000000b is currently in use by ${a.imageId}`
    ])
    call(OWNER, R, 'EnableImageDeregistrationProtection', { ImageId: a.imageId })
    expect(errorOf(() => call(OWNER, R, 'DeregisterImage', { ImageId: a.imageId })).code).toBe(
      'OperationNotPermitted'
    )
    call(OWNER, R, 'DisableImageDeregistrationProtection', { ImageId: a.imageId })
    const out = call(OWNER, R, 'DeregisterImage', {
      ImageId: a.imageId,
      DeleteAssociatedSnapshots: 'true'
    })
    expect(out.deleteSnapshotResultSet).toEqual([
      { snapshotId: 'snap-0000000000000000a', returnCode: 'skipped' },
      { snapshotId: 'snap-0000000000000000b', returnCode: 'success' }
    ])
    expect(
      call(OWNER, R, 'DescribeSnapshots', { 'Owner.1': 'self' }).snapshotSet.map(
        (s: { snapshotId: string }) => s.snapshotId
      )
    ).toEqual(['snap-0000000000000000a'])
  })

  it('keeps protection with cooldown for 24 hours', () => {
    const { sim, call, images } = setup()
    call(OWNER, R, 'EnableImageDeregistrationProtection', {
      ImageId: images[0],
      WithCooldown: 'true'
    })
    expect(
      call(OWNER, R, 'DisableImageDeregistrationProtection', { ImageId: images[0] }).return
    ).toMatch(/^disabled-until-/)
    expect(errorOf(() => call(OWNER, R, 'DeregisterImage', { ImageId: images[0] })).code).toBe(
      'OperationNotPermitted'
    )
    sim.advance(25 * 3600_000)
    expect(call(OWNER, R, 'DeregisterImage', { ImageId: images[0] }).return).toBe(true)
  })
})

describe('deprecation, references, tags', () => {
  it('limits deprecation to 10 years, 2 years for public AMIs', () => {
    const { sim, call, images } = setup()
    const years = (n: number) => new Date(sim.clock.now() + n * 365 * 86_400_000).toISOString()
    expect(
      errorOf(() =>
        call(OWNER, R, 'EnableImageDeprecation', { ImageId: images[0], DeprecateAt: years(11) })
      ).code
    ).toBe('InvalidParameterValue')
    call(OWNER, R, 'EnableImageDeprecation', { ImageId: images[0], DeprecateAt: years(9) })
    expect(
      errorOf(() =>
        call(STRANGER, R, 'EnableImageDeprecation', { ImageId: images[1], DeprecateAt: years(3) })
      ).code
    ).toBe('InvalidParameterValue')
    call(STRANGER, R, 'EnableImageDeprecation', { ImageId: images[1], DeprecateAt: years(1) })
  })

  it('finds references from instances and launch templates, at most 10 IDs', () => {
    const sim = makeSim()
    const call = caller(ec2, sim)
    const { images } = ec2.seed!(
      { images: [{ accountId: OWNER, region: R, name: 'used' }] },
      sim
    ) as { images: string[] }
    const seeded = ec2.seed!(
      {
        instances: [{ accountId: OWNER, region: R, imageId: images[0] }],
        launchTemplates: [
          {
            accountId: OWNER,
            region: R,
            imageId: images[0],
            launchTemplateId: 'lt-0123456789abcdef0'
          }
        ]
      },
      sim
    ) as { instances: string[] }
    const refs = call(OWNER, R, 'DescribeImageReferences', {
      'ImageId.1': images[0],
      IncludeAllResourceTypes: 'true'
    }).imageReferenceSet
    expect(refs).toEqual([
      {
        imageId: images[0],
        resourceType: 'ec2:Instance',
        arn: `arn:aws:ec2:${R}:${OWNER}:instance/${seeded.instances[0]}`
      },
      {
        imageId: images[0],
        resourceType: 'ec2:LaunchTemplate',
        arn: `arn:aws:ec2:${R}:${OWNER}:launch-template/lt-0123456789abcdef0`
      }
    ])
    const eleven: Record<string, string> = { IncludeAllResourceTypes: 'true' }
    for (let i = 1; i <= 11; i++) eleven[`ImageId.${i}`] = images[0]
    expect(errorOf(() => call(OWNER, R, 'DescribeImageReferences', eleven)).code).toBe(
      'InvalidParameterValue'
    )
  })

  it('creates, describes and deletes tags on owned resources', () => {
    const { call, images } = setup()
    call(OWNER, R, 'CreateTags', {
      'ResourceId.1': images[0],
      'Tag.1.Key': 'keep',
      'Tag.1.Value': 'true'
    })
    const rows = call(OWNER, R, 'DescribeTags', {
      'Filter.1.Name': 'resource-id',
      'Filter.1.Value.1': images[0]
    }).tagSet
    expect(rows).toEqual([
      { resourceId: images[0], resourceType: 'image', key: 'family', value: 'base' },
      { resourceId: images[0], resourceType: 'image', key: 'keep', value: 'true' }
    ])
    call(OWNER, R, 'DeleteTags', { 'ResourceId.1': images[0], 'Tag.1.Key': 'keep' })
    expect(
      call(OWNER, R, 'DescribeTags', { 'Filter.1.Name': 'key', 'Filter.1.Value.1': 'keep' }).tagSet
    ).toEqual([])
    expect(
      errorOf(() =>
        call(CONSUMER, R, 'CreateTags', {
          'ResourceId.1': images[1],
          'Tag.1.Key': 'x',
          'Tag.1.Value': 'y'
        })
      ).code
    ).toBe('AuthFailure')
    expect(ec2.isMutating('CreateTags')).toBe(true)
    expect(ec2.isMutating('DescribeTags')).toBe(false)
  })
})
