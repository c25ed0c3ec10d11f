// The EC2 and SSM modules through the real HTTP server, driven by the unmodified AWS SDK.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  CopyImageCommand,
  CreateImageCommand,
  DeregisterImageCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  ModifyImageAttributeCommand,
  paginateDescribeImages
} from '@aws-sdk/client-ec2'
import {
  GetAutomationExecutionCommand,
  SSMClient,
  StartAutomationExecutionCommand
} from '@aws-sdk/client-ssm'
import { startEmulator, type Emulator } from '../../../emulator/index.js'

const OWNER = '111122223333'
const CONSUMER = '444455556666'
const ORG = 'arn:aws:organizations::111122223333:organization/o-abcdefghij'

let emu: Emulator
const creds = (account: string) => ({
  accessKeyId: `AKIA${account}EXAMPLE`,
  secretAccessKey: 'emulator'
})
const ec2For = (account: string, region = 'us-east-1') =>
  new EC2Client({ endpoint: emu.url, region, credentials: creds(account), maxAttempts: 1 })

let instanceId: string
let baseId: string

beforeAll(async () => {
  emu = await startEmulator({ throttling: false })
  emu.configure({ ec2: { notFoundWindowMs: 0 } })
  const out = emu.seed({
    ec2: {
      accounts: { [CONSUMER]: { organizationArn: ORG } },
      images: Array.from({ length: 5 }, (_, i) => ({
        accountId: OWNER,
        region: 'us-east-1',
        name: `base-${i}`,
        tags: { family: 'base' }
      })),
      instances: [{ accountId: OWNER, region: 'us-east-1', volumes: [{ sizeGiB: 8 }] }]
    }
  }) as { ec2: { images: string[]; instances: string[] } }
  instanceId = out.ec2.instances[0]
  baseId = out.ec2.images[0]
})

afterAll(async () => {
  await emu.close()
})

describe('EC2 over the wire with the AWS SDK', () => {
  it('paginates DescribeImages and parses images, block devices and tags', async () => {
    const names: string[] = []
    for await (const page of paginateDescribeImages(
      { client: ec2For(OWNER), pageSize: 2 },
      { Owners: ['self'] }
    )) {
      for (const img of page.Images ?? []) names.push(img.Name!)
    }
    expect(names.sort()).toEqual(['base-0', 'base-1', 'base-2', 'base-3', 'base-4'])
    const { Images } = await ec2For(OWNER).send(new DescribeImagesCommand({ ImageIds: [baseId] }))
    expect(Images![0]).toMatchObject({
      ImageId: baseId,
      State: 'available',
      OwnerId: OWNER,
      Public: false,
      Tags: [{ Key: 'family', Value: 'base' }],
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 8, Encrypted: false } }]
    })
  })

  it('shares with an organization; the consumer sees it with ExecutableUsers=self', async () => {
    await ec2For(OWNER).send(
      new ModifyImageAttributeCommand({
        ImageId: baseId,
        LaunchPermission: { Add: [{ OrganizationArn: ORG }] }
      })
    )
    const attr = await ec2For(OWNER).send(
      new DescribeImageAttributeCommand({ ImageId: baseId, Attribute: 'launchPermission' })
    )
    expect(attr.LaunchPermissions).toEqual([{ OrganizationArn: ORG }])
    const shared = await ec2For(CONSUMER).send(
      new DescribeImagesCommand({ ExecutableUsers: ['self'] })
    )
    expect(shared.Images!.map((i) => i.ImageId)).toEqual([baseId])
    await expect(
      ec2For(OWNER).send(
        new ModifyImageAttributeCommand({
          ImageId: baseId,
          LaunchPermission: { Add: [{ Group: 'all' }] }
        })
      )
    ).rejects.toMatchObject({ name: 'OperationNotPermitted' })
  })

  it('creates, copies and deregisters with the SDK parsing every answer', async () => {
    const { ImageId } = await ec2For(OWNER).send(
      new CreateImageCommand({
        InstanceId: instanceId,
        Name: 'sdk-golden',
        NoReboot: true,
        TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'run', Value: '1' }] }]
      })
    )
    await expect(
      ec2For(OWNER).send(
        new CreateImageCommand({ InstanceId: instanceId, Name: 'sdk-golden', DryRun: true })
      )
    ).rejects.toMatchObject({
      name: 'InvalidAMIName.Duplicate'
    })
    await expect(
      ec2For(OWNER).send(
        new CreateImageCommand({ InstanceId: instanceId, Name: 'sdk-dry', DryRun: true })
      )
    ).rejects.toMatchObject({
      name: 'DryRunOperation',
      $metadata: { httpStatusCode: 412 }
    })
    const snaps = await ec2For(OWNER).send(
      new DescribeSnapshotsCommand({
        OwnerIds: ['self'],
        Filters: [{ Name: 'status', Values: ['pending'] }]
      })
    )
    expect(snaps.Snapshots![0].Progress).toBe('0%')
    emu.advance(60 * 60_000)
    const copy = await ec2For(OWNER, 'eu-west-1').send(
      new CopyImageCommand({
        SourceRegion: 'us-east-1',
        SourceImageId: ImageId!,
        Name: 'sdk-golden',
        CopyImageTags: true
      })
    )
    emu.advance(60 * 60_000)
    const { Images } = await ec2For(OWNER, 'eu-west-1').send(
      new DescribeImagesCommand({ ImageIds: [copy.ImageId!] })
    )
    expect(Images![0]).toMatchObject({
      State: 'available',
      SourceImageId: ImageId,
      SourceImageRegion: 'us-east-1',
      Tags: [{ Key: 'run', Value: '1' }]
    })
    const gone = await ec2For(OWNER, 'eu-west-1').send(
      new DeregisterImageCommand({ ImageId: copy.ImageId!, DeleteAssociatedSnapshots: true })
    )
    expect(gone.DeleteSnapshotResults).toEqual([
      { SnapshotId: Images![0].BlockDeviceMappings![0].Ebs!.SnapshotId, ReturnCode: 'success' }
    ])
  })
})

describe('SSM over the wire with the AWS SDK', () => {
  it('runs AWS-CreateImage to Success with the AMI ID in Outputs', async () => {
    const client = new SSMClient({
      endpoint: emu.url,
      region: 'us-east-1',
      credentials: creds(OWNER),
      maxAttempts: 1
    })
    const { AutomationExecutionId } = await client.send(
      new StartAutomationExecutionCommand({
        DocumentName: 'AWS-CreateImage',
        Parameters: { InstanceId: [instanceId] }
      })
    )
    emu.advance(60 * 60_000)
    const { AutomationExecution } = await client.send(
      new GetAutomationExecutionCommand({ AutomationExecutionId })
    )
    expect(AutomationExecution!.AutomationExecutionStatus).toBe('Success')
    expect(AutomationExecution!.ExecutionStartTime).toBeInstanceOf(Date)
    const amiId = AutomationExecution!.Outputs!['createImage.ImageId'][0]
    const { Images } = await ec2For(OWNER).send(new DescribeImagesCommand({ ImageIds: [amiId] }))
    expect(Images![0].State).toBe('available')
    await expect(
      client.send(
        new StartAutomationExecutionCommand({ DocumentName: 'AWS-CreateImage', Parameters: {} })
      )
    ).rejects.toMatchObject({ name: 'InvalidAutomationExecutionParametersException' })
  })
})
