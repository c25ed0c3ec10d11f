// The emulator behaviours the "Real AWS, not our mirror" issue added, each as its AWS page says.
import { describe, expect, it } from '@jest/globals'
import { companionPermissions, missingCompanion } from '../../../emulator/iam.js'
import { ec2 } from '../../../emulator/services/ec2/index.js'
import { serviceQuotas } from '../../../emulator/services/servicequotas.js'
import { awsManagedEbsKey } from '../../../emulator/kms-keys.js'
import { caller, errorOf, makeSim } from './ec2-sim.js'

const OWNER = '111122223333'
const CONSUMER = '444455556666'
const R = 'us-east-1'
const EU = 'eu-west-1'
const CMK = `arn:aws:kms:${EU}:${OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`

function setup(settings: Record<string, unknown> = {}) {
  const sim = makeSim(settings)
  const call = caller(ec2, sim)
  const quotas = caller(serviceQuotas, sim)
  const seeded = ec2.seed!(
    {
      images: [
        { accountId: OWNER, region: R, name: 'plain', snapshots: [{ sizeGiB: 8 }] },
        {
          accountId: OWNER,
          region: R,
          name: 'encrypted',
          snapshots: [{ sizeGiB: 8, encrypted: true, kmsKeyId: CMK.replace(EU, R) }]
        }
      ]
    },
    sim
  ) as { images: string[] }
  return { sim, call, quotas, plain: seeded.images[0], encrypted: seeded.images[1] }
}

const copyTo = (call: ReturnType<typeof setup>['call'], imageId: string, extra = {}) =>
  call(OWNER, EU, 'CopyImage', {
    SourceRegion: R,
    SourceImageId: imageId,
    Name: `c-${imageId}`,
    ...extra
  }).imageId as string

const snapshotOf = (sim: ReturnType<typeof setup>['sim'], imageId: string) => {
  const s = sim.state.ec2 as {
    images: Record<string, { blockDevices: { encrypted: boolean; kmsKeyId?: string }[] }>
  }
  return s.images[imageId].blockDevices[0]
}

describe('IAM companions of DescribeImageReferences', () => {
  it("needs every resource type's read permission with IncludeAllResourceTypes, and only the asked types otherwise", () => {
    expect(
      companionPermissions('ec2', 'DescribeImageReferences', { IncludeAllResourceTypes: 'true' })
    ).toEqual([
      'ec2:DescribeInstances',
      'ec2:DescribeLaunchTemplates',
      'ec2:DescribeLaunchTemplateVersions',
      'ssm:DescribeParameters',
      'ssm:GetParameters',
      'imagebuilder:ListImageRecipes',
      'imagebuilder:ListContainerRecipes',
      'imagebuilder:GetContainerRecipe'
    ])
    expect(
      companionPermissions('ec2', 'DescribeImageReferences', {
        'ResourceType.1.ResourceType': 'ssm:Parameter'
      })
    ).toEqual(['ssm:DescribeParameters', 'ssm:GetParameters'])
    expect(companionPermissions('ec2', 'DescribeImages', {})).toEqual([])
    const iam = { [OWNER]: ['ec2:*', 'ssm:DescribeParameters', 'ssm:GetParameters'] }
    expect(
      missingCompanion(iam, OWNER, 'ec2', 'DescribeImageReferences', {
        IncludeAllResourceTypes: 'true'
      })
    ).toBe('imagebuilder:ListImageRecipes')
    expect(
      missingCompanion(undefined, OWNER, 'ec2', 'DescribeImageReferences', {
        IncludeAllResourceTypes: 'true'
      })
    ).toBeUndefined()
  })
})

describe('DescribeImageReferences instance states', () => {
  it('counts every state by default, terminated included, and only the states asked for ec2:Instance', () => {
    const { sim, call, plain } = setup()
    ec2.seed!(
      {
        instances: [
          { accountId: OWNER, region: R, imageId: plain, state: 'terminated' },
          { accountId: OWNER, region: R, imageId: plain, state: 'stopped' }
        ]
      },
      sim
    )
    const all = call(OWNER, R, 'DescribeImageReferences', {
      'ImageId.1': plain,
      IncludeAllResourceTypes: 'true'
    })
    expect(all.imageReferenceSet).toHaveLength(2)
    const live = call(OWNER, R, 'DescribeImageReferences', {
      'ImageId.1': plain,
      IncludeAllResourceTypes: 'true',
      'ResourceType.1.ResourceType': 'ec2:Instance',
      'ResourceType.1.ResourceTypeOption.1.OptionName': 'state-name',
      'ResourceType.1.ResourceTypeOption.1.OptionValue.1': 'running',
      'ResourceType.1.ResourceTypeOption.1.OptionValue.2': 'stopped'
    })
    expect(live.imageReferenceSet).toHaveLength(1)
    expect(
      errorOf(() =>
        call(OWNER, R, 'DescribeImageReferences', {
          'ImageId.1': plain,
          'ResourceType.1.ResourceType': 'ec2:Instance',
          'ResourceType.1.ResourceTypeOption.1.OptionName': 'state-name',
          'ResourceType.1.ResourceTypeOption.1.OptionValue.1': 'asleep'
        })
      ).code
    ).toBe('InvalidParameterValue')
  })
})

describe('DescribeImageReferences launch templates (API ResourceTypeOption version-depth)', () => {
  it('reports a template when one of its newest versions uses the AMI, default 10, or as deep as asked', () => {
    const { sim, call, plain } = setup()
    const other = 'ami-0bbbbbbbbbbbbbbbb'
    // Version 1 uses the AMI; versions 2..12 another: the default depth of 10 no longer reaches it.
    ec2.seed!(
      {
        launchTemplates: [
          {
            accountId: OWNER,
            region: R,
            name: 'web',
            versions: [plain, ...Array(11).fill(other)].map((imageId) => ({ imageId })),
            defaultVersion: 12
          },
          {
            accountId: OWNER,
            region: R,
            name: 'api',
            versions: [{ imageId: plain }, { imageId: other }]
          }
        ]
      },
      sim
    )
    const refs = (extra: Record<string, string> = {}) =>
      (
        call(OWNER, R, 'DescribeImageReferences', {
          'ImageId.1': plain,
          'ResourceType.1.ResourceType': 'ec2:LaunchTemplate',
          ...extra
        }).imageReferenceSet as unknown[]
      ).length
    // api: version 1 of 2 (not the default) still counts; web's version 1 is 12 deep.
    expect(refs()).toBe(1)
    expect(
      refs({
        'ResourceType.1.ResourceTypeOption.1.OptionName': 'version-depth',
        'ResourceType.1.ResourceTypeOption.1.OptionValue.1': '12'
      })
    ).toBe(2)
  })
})

describe('EBS encryption by default and the default KMS key, per account and region', () => {
  it('is off with the AWS-managed key until changed', () => {
    const { call } = setup()
    expect(call(OWNER, EU, 'GetEbsEncryptionByDefault').ebsEncryptionByDefault).toBe(false)
    expect(call(OWNER, EU, 'GetEbsDefaultKmsKeyId').kmsKeyId).toBe(
      `arn:aws:kms:${EU}:${OWNER}:alias/aws/ebs`
    )
    call(OWNER, EU, 'EnableEbsEncryptionByDefault')
    call(OWNER, EU, 'ModifyEbsDefaultKmsKeyId', { KmsKeyId: CMK })
    expect(call(OWNER, EU, 'GetEbsEncryptionByDefault').ebsEncryptionByDefault).toBe(true)
    expect(call(OWNER, EU, 'GetEbsDefaultKmsKeyId').kmsKeyId).toBe(CMK)
    // Another region and another account are untouched.
    expect(call(OWNER, R, 'GetEbsEncryptionByDefault').ebsEncryptionByDefault).toBe(false)
    expect(call(CONSUMER, EU, 'GetEbsEncryptionByDefault').ebsEncryptionByDefault).toBe(false)
  })

  it('CopyImage without KmsKeyId: an encrypted source lands on the destination default key', () => {
    const { sim, call, encrypted } = setup()
    const onAwsKey = copyTo(call, encrypted)
    expect(snapshotOf(sim, onAwsKey)).toMatchObject({
      encrypted: true,
      kmsKeyId: awsManagedEbsKey(OWNER, EU).arn
    })
    call(OWNER, EU, 'ModifyEbsDefaultKmsKeyId', { KmsKeyId: CMK })
    expect(snapshotOf(sim, copyTo(call, encrypted, { Name: 'second-copy' }))).toMatchObject({
      kmsKeyId: CMK
    })
  })

  it('CopyImage: an unencrypted source is encrypted where encryption by default is on', () => {
    const { sim, call, plain } = setup()
    expect(snapshotOf(sim, copyTo(call, plain)).encrypted).toBe(false)
    call(OWNER, EU, 'EnableEbsEncryptionByDefault')
    expect(snapshotOf(sim, copyTo(call, plain, { Name: 'second-copy' }))).toMatchObject({
      encrypted: true,
      kmsKeyId: awsManagedEbsKey(OWNER, EU).arn
    })
  })
})

describe('concurrent copies per destination region, per account', () => {
  it('limits snapshot copies per account: another account copying into the region is not counted', () => {
    const { call, plain } = setup({ 'ec2.maxConcurrentSnapshotCopies': 1 })
    copyTo(call, plain)
    expect(errorOf(() => copyTo(call, plain, { Name: 'second' })).code).toBe(
      'ResourceLimitExceeded'
    )
    call(OWNER, R, 'ModifyImageAttribute', {
      ImageId: plain,
      'LaunchPermission.Add.1.UserId': CONSUMER
    })
    call(OWNER, R, 'ModifySnapshotAttribute', {
      SnapshotId: call(OWNER, R, 'DescribeImages', { 'ImageId.1': plain }).imagesSet[0]
        .blockDeviceMapping[0].ebs.snapshotId as string,
      'CreateVolumePermission.Add.1.UserId': CONSUMER
    })
    expect(
      call(CONSUMER, EU, 'CopyImage', { SourceRegion: R, SourceImageId: plain, Name: 'theirs' })
        .imageId
    ).toMatch(/^ami-/)
  })

  it('limits AMI copies to 300 per account and region (setting ec2.maxConcurrentImageCopies)', () => {
    const { call, plain } = setup({ 'ec2.maxConcurrentImageCopies': 1 })
    copyTo(call, plain)
    expect(errorOf(() => copyTo(call, plain, { Name: 'second' })).message).toMatch(
      /concurrent AMI copies/
    )
  })
})

describe('DisableImage / EnableImage', () => {
  it('disables: no launch permissions, hidden from DescribeImages unless IncludeDisabled, for the owner too', () => {
    const { call, plain } = setup()
    call(OWNER, R, 'ModifyImageAttribute', {
      ImageId: plain,
      'LaunchPermission.Add.1.UserId': CONSUMER
    })
    expect(call(OWNER, R, 'DisableImage', { ImageId: plain }).return).toBe(true)
    const ids = (r: Record<string, unknown>) =>
      (r.imagesSet as { imageId: string }[]).map((i) => i.imageId)
    expect(ids(call(OWNER, R, 'DescribeImages', { 'Owner.1': 'self' }))).not.toContain(plain)
    expect(ids(call(OWNER, R, 'DescribeImages', { 'ImageId.1': plain }))).toEqual([])
    const listed = call(OWNER, R, 'DescribeImages', { 'ImageId.1': plain, IncludeDisabled: 'true' })
    expect(listed.imagesSet[0]).toMatchObject({ imageId: plain, imageState: 'disabled' })
    expect(
      call(OWNER, R, 'DescribeImageAttribute', { ImageId: plain, Attribute: 'launchPermission' })
        .launchPermission
    ).toEqual([])
    expect(
      errorOf(() =>
        call(CONSUMER, R, 'DescribeImages', { 'ImageId.1': plain, IncludeDisabled: 'true' })
      ).code
    ).toBe('InvalidAMIID.NotFound')
    expect(
      errorOf(() =>
        call(OWNER, R, 'ModifyImageAttribute', {
          ImageId: plain,
          'LaunchPermission.Add.1.UserId': CONSUMER
        })
      ).code
    ).toBe('InvalidParameter')
    expect(errorOf(() => call(CONSUMER, R, 'DisableImage', { ImageId: plain })).code).toBe(
      'InvalidAMIID.NotFound'
    )
  })

  it('EnableImage makes it available again without restoring its launch permissions', () => {
    const { call, plain } = setup()
    call(OWNER, R, 'ModifyImageAttribute', {
      ImageId: plain,
      'LaunchPermission.Add.1.UserId': CONSUMER
    })
    call(OWNER, R, 'DisableImage', { ImageId: plain })
    call(OWNER, R, 'EnableImage', { ImageId: plain })
    expect(call(OWNER, R, 'DescribeImages', { 'ImageId.1': plain }).imagesSet[0].imageState).toBe(
      'available'
    )
    expect(
      call(OWNER, R, 'DescribeImageAttribute', { ImageId: plain, Attribute: 'launchPermission' })
        .launchPermission
    ).toEqual([])
    expect(errorOf(() => call(OWNER, R, 'EnableImage', { ImageId: plain })).code).toBe(
      'IncorrectState'
    )
  })
})

describe('EnableImageDeprecation', () => {
  it('rounds seconds to the nearest minute', () => {
    const { sim, call, plain } = setup()
    call(OWNER, R, 'EnableImageDeprecation', {
      ImageId: plain,
      DeprecateAt: '2027-01-01T10:20:31Z'
    })
    const s = sim.state.ec2 as { images: Record<string, { deprecationTime: number }> }
    expect(new Date(s.images[plain].deprecationTime).toISOString()).toBe('2027-01-01T10:21:00.000Z')
    call(OWNER, R, 'EnableImageDeprecation', {
      ImageId: plain,
      DeprecateAt: '2027-01-01T10:20:29Z'
    })
    expect(new Date(s.images[plain].deprecationTime).toISOString()).toBe('2027-01-01T10:20:00.000Z')
  })
})

describe('ModifySnapshotAttribute', () => {
  it('takes Add or Remove in one call, not both', () => {
    const { call, plain } = setup()
    const snapshotId = call(OWNER, R, 'DescribeImages', { 'ImageId.1': plain }).imagesSet[0]
      .blockDeviceMapping[0].ebs.snapshotId as string
    const error = errorOf(() =>
      call(OWNER, R, 'ModifySnapshotAttribute', {
        SnapshotId: snapshotId,
        'CreateVolumePermission.Add.1.UserId': CONSUMER,
        'CreateVolumePermission.Remove.1.UserId': '999999999999'
      })
    )
    expect(error.code).toBe('InvalidParameterCombination')
  })
})

describe('Service Quotas GetServiceQuota and the applied AMI quotas', () => {
  it('answers the default, a seeded raised value, and NoSuchResourceException for an unknown code', () => {
    const { sim, quotas } = setup()
    expect(
      quotas(OWNER, R, 'GetServiceQuota', { ServiceCode: 'ec2', QuotaCode: 'L-0E3CBAB9' }).Quota
    ).toMatchObject({
      QuotaName: 'Public AMIs',
      Value: 5,
      Adjustable: true
    })
    serviceQuotas.seed!(
      { quotas: [{ accountId: OWNER, region: R, quotaCode: 'L-70015FFA', value: 2000 }] },
      sim
    )
    expect(
      quotas(OWNER, R, 'GetServiceQuota', { ServiceCode: 'ec2', QuotaCode: 'L-70015FFA' }).Quota
        .Value
    ).toBe(2000)
    expect(
      quotas(OWNER, EU, 'GetServiceQuota', { ServiceCode: 'ec2', QuotaCode: 'L-70015FFA' }).Quota
        .Value
    ).toBe(1000)
    expect(
      errorOf(() =>
        quotas(OWNER, R, 'GetServiceQuota', { ServiceCode: 'ec2', QuotaCode: 'L-NOPE' })
      ).code
    ).toBe('NoSuchResourceException')
  })

  it('EC2 enforces the applied "Public AMIs" quota, so a raised quota allows a sixth', () => {
    const { sim, call } = setup()
    const seeded = ec2.seed!(
      {
        blockPublicAccess: [{ accountId: OWNER, region: R, state: 'unblocked' }],
        images: [1, 2, 3, 4, 5, 6].map((n) => ({
          accountId: OWNER,
          region: R,
          name: `p${n}`,
          public: n < 6
        }))
      },
      sim
    ) as { images: string[] }
    const sixth = seeded.images[5]
    const makePublic = () =>
      call(OWNER, R, 'ModifyImageAttribute', {
        ImageId: sixth,
        'LaunchPermission.Add.1.Group': 'all'
      })
    expect(errorOf(makePublic).code).toBe('ResourceLimitExceeded')
    serviceQuotas.seed!(
      { quotas: [{ accountId: OWNER, region: R, quotaCode: 'L-0E3CBAB9', value: 6 }] },
      sim
    )
    expect(makePublic().return).toBe(true)
  })
})
