// Instances, networking, launch templates and Run Command through the real HTTP server, driven by
// the unmodified AWS SDK (as the action's test phase will drive them).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  CopyImageCommand,
  CreateImageCommand,
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  DescribeImageAttributeCommand,
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  DescribeInstanceTypesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  GetConsoleOutputCommand,
  ModifyImageAttributeCommand,
  ModifyLaunchTemplateCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  paginateDescribeInstances,
  type RunInstancesCommandInput,
  type _InstanceType
} from '@aws-sdk/client-ec2'
import {
  DescribeInstanceInformationCommand,
  GetAutomationExecutionCommand,
  StartAutomationExecutionCommand,
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  SendCommandCommand,
  SSMClient
} from '@aws-sdk/client-ssm'
import { startEmulator, type Emulator } from '../../../emulator/index.js'

const OWNER = '111122223333'
const CONSUMER = '444455556666'
const REGION = 'us-east-1'
const PAGE = 'Hello from my custom AMI!'
const CHECK = `curl -fsS http://localhost/ | grep -q "${PAGE}"`

let emu: Emulator
const creds = (account: string) => ({
  accessKeyId: `AKIA${account}EXAMPLE`,
  secretAccessKey: 'emulator'
})
const ec2For = (account: string, region = REGION) =>
  new EC2Client({ endpoint: emu.url, region, credentials: creds(account), maxAttempts: 1 })
const ssmFor = (account: string, region = REGION) =>
  new SSMClient({ endpoint: emu.url, region, credentials: creds(account), maxAttempts: 1 })

async function errorOf(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p
  } catch (e) {
    return e as { name: string; message: string }
  }
  throw new Error('expected the call to fail')
}

let webImage: string
let armImage: string
let encryptedImage: string
let keyArn: string

beforeAll(async () => {
  emu = await startEmulator({ throttling: false })
  emu.configure({ ec2: { notFoundWindowMs: 0 } })
  const kms = emu.seed({
    kms: { keys: [{ accountId: OWNER, region: REGION, aliases: ['alias/golden'] }] }
  }) as { kms: { keys: { arn: string }[] } }
  keyArn = kms.kms.keys[0].arn
  const out = emu.seed({
    ec2: {
      instanceProfiles: [
        { accountId: OWNER, name: 'ssm-core' },
        { accountId: CONSUMER, name: 'ssm-core' }
      ],
      images: [
        {
          accountId: OWNER,
          region: REGION,
          name: 'web-1',
          behaviour: { serves: { '/': `<h1>${PAGE}</h1>` } }
        },
        { accountId: OWNER, region: REGION, name: 'arm-1', architecture: 'arm64' },
        {
          accountId: OWNER,
          region: REGION,
          name: 'enc-1',
          snapshots: [{ sizeGiB: 8, encrypted: true, kmsKeyId: keyArn }],
          launchPermissions: [{ userId: CONSUMER }]
        }
      ]
    }
  }) as { ec2: { images: string[] } }
  ;[webImage, armImage, encryptedImage] = out.ec2.images
})

afterAll(async () => {
  await emu.close()
})

describe('instance types and the default VPC', () => {
  it('describes architectures and boot modes, and refuses unknown types', async () => {
    const { InstanceTypes } = await ec2For(OWNER).send(
      new DescribeInstanceTypesCommand({
        Filters: [{ Name: 'processor-info.supported-architecture', Values: ['arm64'] }]
      })
    )
    const t4g = InstanceTypes!.find((t) => t.InstanceType === 't4g.micro')!
    expect(t4g.ProcessorInfo?.SupportedArchitectures).toEqual(['arm64'])
    expect(t4g.SupportedBootModes).toEqual(['uefi'])
    expect(
      InstanceTypes!.every((t) => t.ProcessorInfo?.SupportedArchitectures?.includes('arm64'))
    ).toBe(true)
    const err = await errorOf(
      ec2For(OWNER).send(
        new DescribeInstanceTypesCommand({ InstanceTypes: ['t9.nano' as _InstanceType] })
      )
    )
    expect(err.name).toBe('InvalidInstanceType')
  })

  it('has a default VPC with one default subnet per AZ and a default security group', async () => {
    const { Vpcs } = await ec2For(OWNER).send(
      new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] })
    )
    expect(Vpcs).toHaveLength(1)
    expect(Vpcs![0]).toMatchObject({ CidrBlock: '172.31.0.0/16', IsDefault: true })
    const { Subnets } = await ec2For(OWNER).send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] })
    )
    expect(Subnets!.map((s) => s.AvailabilityZone)).toEqual([
      'us-east-1a',
      'us-east-1b',
      'us-east-1c'
    ])
    expect(Subnets!.every((s) => s.VpcId === Vpcs![0].VpcId)).toBe(true)
    const { SecurityGroups } = await ec2For(OWNER).send(new DescribeSecurityGroupsCommand({}))
    expect(SecurityGroups).toEqual([
      expect.objectContaining({ GroupName: 'default', VpcId: Vpcs![0].VpcId })
    ])
    const missing = await errorOf(
      ec2For(OWNER).send(new DescribeSubnetsCommand({ SubnetIds: ['subnet-0000000000000dead'] }))
    )
    expect(missing.name).toBe('InvalidSubnetID.NotFound')
    // Each account has its own default VPC.
    const other = await ec2For(CONSUMER).send(new DescribeVpcsCommand({}))
    expect(other.Vpcs![0].VpcId).not.toBe(Vpcs![0].VpcId)
  })
})

describe('RunInstances and the instance lifecycle', () => {
  let instanceId: string

  it('launches with tags at creation and a ClientToken that never launches twice', async () => {
    const input: RunInstancesCommandInput = {
      ImageId: webImage,
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      IamInstanceProfile: { Name: 'ssm-core' },
      ClientToken: 'test-run-1',
      TagSpecifications: [
        {
          ResourceType: 'instance',
          Tags: [{ Key: 'ami-share-action:test-run', Value: 'run-1' }]
        }
      ]
    }
    const first = await ec2For(OWNER).send(new RunInstancesCommand(input))
    const again = await ec2For(OWNER).send(new RunInstancesCommand(input))
    instanceId = first.Instances![0].InstanceId!
    expect(again.Instances![0].InstanceId).toBe(instanceId)
    expect(first.Instances![0]).toMatchObject({
      State: { Name: 'pending', Code: 0 },
      ImageId: webImage,
      Architecture: 'x86_64',
      IamInstanceProfile: { Arn: `arn:aws:iam::${OWNER}:instance-profile/ssm-core` },
      Tags: [{ Key: 'ami-share-action:test-run', Value: 'run-1' }]
    })
    expect(first.Instances![0].SubnetId).toMatch(/^subnet-/)
    expect(first.Instances![0].SecurityGroups![0].GroupName).toBe('default')
    const mismatch = await errorOf(
      ec2For(OWNER).send(new RunInstancesCommand({ ...input, InstanceType: 't3.small' }))
    )
    expect(mismatch.name).toBe('IdempotentParameterMismatch')
    // The new ID is not visible for a moment (eventual consistency), then it is.
    const early = await errorOf(
      ec2For(OWNER).send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))
    )
    expect(early.name).toBe('InvalidInstanceID.NotFound')
    emu.advance(1_000)
    const found = await ec2For(OWNER).send(
      new DescribeInstancesCommand({
        Filters: [{ Name: 'tag:ami-share-action:test-run', Values: ['run-1'] }]
      })
    )
    expect(found.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId))).toEqual([
      instanceId
    ])
  })

  it('goes running, then its status checks go initializing → ok', async () => {
    emu.advance(30_000)
    const { InstanceStatuses } = await ec2For(OWNER).send(
      new DescribeInstanceStatusCommand({ InstanceIds: [instanceId] })
    )
    expect(InstanceStatuses![0]).toMatchObject({
      InstanceState: { Name: 'running' },
      SystemStatus: { Status: 'initializing' },
      InstanceStatus: {
        Status: 'initializing',
        Details: [{ Name: 'reachability', Status: 'initializing' }]
      },
      AttachedEbsStatus: { Status: 'initializing' }
    })
    emu.advance(120_000)
    const later = await ec2For(OWNER).send(
      new DescribeInstanceStatusCommand({ InstanceIds: [instanceId] })
    )
    expect(later.InstanceStatuses![0]).toMatchObject({
      SystemStatus: { Status: 'ok' },
      InstanceStatus: { Status: 'ok', Details: [{ Name: 'reachability', Status: 'passed' }] },
      AttachedEbsStatus: { Status: 'ok' }
    })
  })

  it('an image whose instances fail reachability shows impaired after the checks', async () => {
    const seeded = emu.seed({
      ec2: {
        images: [
          {
            accountId: OWNER,
            region: REGION,
            name: 'broken-1',
            behaviour: { statusCheck: 'impaired' }
          }
        ]
      }
    }) as { ec2: { images: string[] } }
    const run = await ec2For(OWNER).send(
      new RunInstancesCommand({
        ImageId: seeded.ec2.images[0],
        InstanceType: 't3.micro',
        MinCount: 1,
        MaxCount: 1
      })
    )
    emu.advance(30_000 + 120_000)
    const { InstanceStatuses } = await ec2For(OWNER).send(
      new DescribeInstanceStatusCommand({
        InstanceIds: [run.Instances![0].InstanceId!]
      })
    )
    expect(InstanceStatuses![0]).toMatchObject({
      SystemStatus: { Status: 'ok' },
      InstanceStatus: { Status: 'impaired', Details: [{ Name: 'reachability', Status: 'failed' }] }
    })
  })

  it('records the launch as the image lastLaunchedTime', async () => {
    const attr = await ec2For(OWNER).send(
      new DescribeImageAttributeCommand({ ImageId: webImage, Attribute: 'lastLaunchedTime' })
    )
    expect(Date.parse(attr.LastLaunchedTime!.Value!)).toBeGreaterThan(Date.now() - 3_600_000)
  })

  it('refuses an instance type of another architecture with EC2 message', async () => {
    const err = await errorOf(
      ec2For(OWNER).send(
        new RunInstancesCommand({
          ImageId: armImage,
          InstanceType: 't3.micro',
          MinCount: 1,
          MaxCount: 1
        })
      )
    )
    expect(err.name).toBe('InvalidParameterValue')
    expect(err.message).toContain("does not match the architecture 'arm64' of the specified AMI")
    const ok = await ec2For(OWNER).send(
      new RunInstancesCommand({
        ImageId: armImage,
        InstanceType: 't4g.micro',
        MinCount: 1,
        MaxCount: 1
      })
    )
    expect(ok.Instances![0].Architecture).toBe('arm64')
  })

  it('refuses unknown subnets, foreign groups, profiles and a denied iam:PassRole', async () => {
    const base: RunInstancesCommandInput = {
      ImageId: webImage,
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1
    }
    expect(
      (
        await errorOf(
          ec2For(OWNER).send(
            new RunInstancesCommand({ ...base, SubnetId: 'subnet-0000000000000beef' })
          )
        )
      ).name
    ).toBe('InvalidSubnetID.NotFound')
    expect(
      (
        await errorOf(
          ec2For(OWNER).send(
            new RunInstancesCommand({ ...base, SecurityGroupIds: ['sg-0000000000000beef'] })
          )
        )
      ).name
    ).toBe('InvalidGroup.NotFound')
    const badProfile = await errorOf(
      ec2For(OWNER).send(new RunInstancesCommand({ ...base, IamInstanceProfile: { Name: 'nope' } }))
    )
    expect(badProfile.message).toContain('Invalid IAM Instance Profile name')
    emu.configure({ iam: { [OWNER]: ['ec2:*'] } })
    try {
      const denied = await errorOf(
        ec2For(OWNER).send(
          new RunInstancesCommand({ ...base, IamInstanceProfile: { Name: 'ssm-core' } })
        )
      )
      expect(denied.name).toBe('UnauthorizedOperation')
      expect(denied.message).toContain('iam:PassRole')
    } finally {
      emu.configure({ iam: {} })
    }
  })

  it('honours tag conditions: RunInstances needs the run tag, TerminateInstances only tagged instances', async () => {
    const base: RunInstancesCommandInput = {
      ImageId: webImage,
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1
    }
    const untagged = await ec2For(OWNER).send(new RunInstancesCommand(base))
    emu.configure({
      iamConditions: {
        [OWNER]: [
          { action: 'ec2:RunInstances', requestTags: { 'ami-share-action:test-run': '*' } },
          { action: 'ec2:TerminateInstances', resourceTags: { 'ami-share-action:test-run': '*' } }
        ]
      }
    })
    try {
      const refused = await errorOf(ec2For(OWNER).send(new RunInstancesCommand(base)))
      expect(refused.name).toBe('UnauthorizedOperation')
      expect(refused.message).toContain('ec2:RunInstances')
      const tagged = await ec2For(OWNER).send(
        new RunInstancesCommand({
          ...base,
          TagSpecifications: [
            { ResourceType: 'instance', Tags: [{ Key: 'ami-share-action:test-run', Value: 'r2' }] }
          ]
        })
      )
      emu.advance(1_000)
      const id = untagged.Instances![0].InstanceId!
      const notMine = await errorOf(
        ec2For(OWNER).send(new TerminateInstancesCommand({ InstanceIds: [id] }))
      )
      expect(notMine.name).toBe('UnauthorizedOperation')
      expect(notMine.message).toContain(`instance/${id}`)
      const ok = await ec2For(OWNER).send(
        new TerminateInstancesCommand({ InstanceIds: [tagged.Instances![0].InstanceId!] })
      )
      expect(ok.TerminatingInstances![0].CurrentState?.Name).toBe('shutting-down')
    } finally {
      emu.configure({ iamConditions: {} })
    }
  })

  it('refuses a ClientToken longer than 64 characters', async () => {
    const err = await errorOf(
      ec2For(OWNER).send(
        new RunInstancesCommand({
          ImageId: webImage,
          InstanceType: 't3.micro',
          MinCount: 1,
          MaxCount: 1,
          ClientToken: 'x'.repeat(65)
        })
      )
    )
    expect(err.name).toBe('InvalidParameterValue')
    expect(err.message).toContain('clientToken')
  })

  it('DryRun judges the launch (type, subnet, image) and launches nothing', async () => {
    const before = Object.keys((emu.state().ec2 as { instances: unknown[] }).instances).length
    const base: RunInstancesCommandInput = {
      ImageId: webImage,
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      DryRun: true
    }
    expect((await errorOf(ec2For(OWNER).send(new RunInstancesCommand(base)))).name).toBe(
      'DryRunOperation'
    )
    const badType = await errorOf(
      ec2For(OWNER).send(
        new RunInstancesCommand({ ...base, InstanceType: 't9.nano' as _InstanceType })
      )
    )
    expect(badType).toMatchObject({ name: 'InvalidParameterValue' })
    const badSubnet = await errorOf(
      ec2For(OWNER).send(new RunInstancesCommand({ ...base, SubnetId: 'subnet-0000000000000bad' }))
    )
    expect(badSubnet.name).toBe('InvalidSubnetID.NotFound')
    expect(Object.keys((emu.state().ec2 as { instances: unknown[] }).instances).length).toBe(before)
  })

  it('checks launch permission for the caller account, as sharing grants it', async () => {
    const denied = await errorOf(
      ec2For(CONSUMER).send(
        new RunInstancesCommand({
          ImageId: webImage,
          InstanceType: 't3.micro',
          MinCount: 1,
          MaxCount: 1
        })
      )
    )
    expect(denied.name).toBe('InvalidAMIID.NotFound')
    await ec2For(OWNER).send(
      new ModifyImageAttributeCommand({
        ImageId: webImage,
        LaunchPermission: { Add: [{ UserId: CONSUMER }] }
      })
    )
    const ok = await ec2For(CONSUMER).send(
      new RunInstancesCommand({
        ImageId: webImage,
        InstanceType: 't3.micro',
        MinCount: 1,
        MaxCount: 1
      })
    )
    expect(ok.Instances![0].ImageId).toBe(webImage)
    // The consumer's launch is the image's last launch, as its owner reads it.
    const attr = await ec2For(OWNER).send(
      new DescribeImageAttributeCommand({ ImageId: webImage, Attribute: 'lastLaunchedTime' })
    )
    expect(Date.parse(attr.LastLaunchedTime!.Value!)).toBe(ok.Instances![0].LaunchTime!.getTime())
  })

  it('launch permission through an organization, an OU or public reaches the caller account', async () => {
    const ORG = 'arn:aws:organizations::111122223333:organization/o-abcdefghij'
    const OU = 'arn:aws:organizations::111122223333:ou/o-abcdefghij/ou-ab12-cdefghij'
    const seeded = emu.seed({
      ec2: {
        accounts: { '555566667777': { organizationArn: ORG, ouArns: [OU] } },
        images: [
          {
            accountId: OWNER,
            region: REGION,
            name: 'org-1',
            launchPermissions: [{ organizationArn: ORG }]
          },
          {
            accountId: OWNER,
            region: REGION,
            name: 'ou-1',
            launchPermissions: [{ organizationalUnitArn: OU }]
          },
          { accountId: OWNER, region: REGION, name: 'pub-1', public: true }
        ]
      }
    }) as { ec2: { images: string[] } }
    for (const imageId of seeded.ec2.images) {
      const out = await ec2For('555566667777').send(
        new RunInstancesCommand({
          ImageId: imageId,
          InstanceType: 't3.micro',
          MinCount: 1,
          MaxCount: 1
        })
      )
      expect(out.Instances![0].ImageId).toBe(imageId)
    }
    // An account outside the organization sees only the public one.
    const outsider = await errorOf(
      ec2For('999900001111').send(
        new RunInstancesCommand({
          ImageId: seeded.ec2.images[0],
          InstanceType: 't3.micro',
          MinCount: 1,
          MaxCount: 1
        })
      )
    )
    expect(outsider.name).toBe('InvalidAMIID.NotFound')
  })

  it('terminates a consumer launch whose snapshot key it cannot use (Client.InvalidKMSKey.InvalidState)', async () => {
    const run = await ec2For(CONSUMER).send(
      new RunInstancesCommand({
        ImageId: encryptedImage,
        InstanceType: 't3.micro',
        MinCount: 1,
        MaxCount: 1
      })
    )
    const id = run.Instances![0].InstanceId!
    expect(run.Instances![0].State?.Name).toBe('pending')
    emu.advance(31_000)
    const { Reservations } = await ec2For(CONSUMER).send(
      new DescribeInstancesCommand({ InstanceIds: [id] })
    )
    expect(Reservations![0].Instances![0]).toMatchObject({
      State: { Name: 'terminated' },
      StateReason: { Code: 'Client.InvalidKMSKey.InvalidState' }
    })
    const console = await ec2For(CONSUMER).send(new GetConsoleOutputCommand({ InstanceId: id }))
    expect(console.Output).toBeUndefined()
    // The owner's own launch can use its key.
    const own = await ec2For(OWNER).send(
      new RunInstancesCommand({
        ImageId: encryptedImage,
        InstanceType: 't3.micro',
        MinCount: 1,
        MaxCount: 1
      })
    )
    emu.advance(31_000)
    const mine = await ec2For(OWNER).send(
      new DescribeInstancesCommand({ InstanceIds: [own.Instances![0].InstanceId!] })
    )
    expect(mine.Reservations![0].Instances![0].State?.Name).toBe('running')
  })

  it('a key policy granting the consumer lets its launch run', async () => {
    emu.seed({
      kms: {
        keys: [
          {
            accountId: OWNER,
            region: REGION,
            keyId: keyArn.split('/').pop(),
            policy: {
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { AWS: `arn:aws:iam::${OWNER}:root` },
                  Action: 'kms:*'
                },
                {
                  Effect: 'Allow',
                  Principal: { AWS: [`arn:aws:iam::${CONSUMER}:root`] },
                  Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:CreateGrant', 'kms:ReEncrypt*']
                }
              ]
            }
          }
        ]
      }
    })
    const run = await ec2For(CONSUMER).send(
      new RunInstancesCommand({
        ImageId: encryptedImage,
        InstanceType: 't3.micro',
        MinCount: 1,
        MaxCount: 1
      })
    )
    emu.advance(31_000)
    const { Reservations } = await ec2For(CONSUMER).send(
      new DescribeInstancesCommand({ InstanceIds: [run.Instances![0].InstanceId!] })
    )
    expect(Reservations![0].Instances![0].State?.Name).toBe('running')
  })

  it('paginates DescribeInstances and filters by state', async () => {
    const ids: string[] = []
    for await (const page of paginateDescribeInstances(
      { client: ec2For(OWNER), pageSize: 5 },
      { Filters: [{ Name: 'instance-state-name', Values: ['running'] }] }
    )) {
      for (const r of page.Reservations ?? [])
        for (const i of r.Instances ?? []) ids.push(i.InstanceId!)
    }
    expect(ids.length).toBeGreaterThanOrEqual(3)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('terminates: shutting-down, then terminated; console output is base64 of the boot log', async () => {
    const console = await ec2For(OWNER).send(
      new GetConsoleOutputCommand({ InstanceId: instanceId })
    )
    expect(Buffer.from(console.Output!, 'base64').toString('utf8')).toContain(instanceId)
    const { TerminatingInstances } = await ec2For(OWNER).send(
      new TerminateInstancesCommand({ InstanceIds: [instanceId] })
    )
    expect(TerminatingInstances![0]).toMatchObject({
      PreviousState: { Name: 'running' },
      CurrentState: { Name: 'shutting-down', Code: 32 }
    })
    emu.advance(30_000)
    const { Reservations } = await ec2For(OWNER).send(
      new DescribeInstancesCommand({ InstanceIds: [instanceId] })
    )
    expect(Reservations![0].Instances![0].State?.Name).toBe('terminated')
    const all = await ec2For(OWNER).send(
      new DescribeInstanceStatusCommand({ InstanceIds: [instanceId], IncludeAllInstances: true })
    )
    expect(all.InstanceStatuses![0].InstanceStatus?.Status).toBe('not-applicable')
  })
})

describe('Run Command on an instance, against its image behaviour', () => {
  let instanceId: string

  it('registers the instance some seconds after it runs; SendCommand refuses it before', async () => {
    const run = await ec2For(OWNER).send(
      new RunInstancesCommand({
        ImageId: webImage,
        InstanceType: 't3.micro',
        MinCount: 1,
        MaxCount: 1,
        IamInstanceProfile: { Name: 'ssm-core' }
      })
    )
    instanceId = run.Instances![0].InstanceId!
    emu.advance(31_000)
    const early = await errorOf(
      ssmFor(OWNER).send(
        new SendCommandCommand({
          DocumentName: 'AWS-RunShellScript',
          InstanceIds: [instanceId],
          Parameters: { commands: [CHECK] }
        })
      )
    )
    expect(early.name).toBe('InvalidInstanceId')
    emu.advance(45_000)
    const info = await ssmFor(OWNER).send(
      new DescribeInstanceInformationCommand({
        Filters: [{ Key: 'InstanceIds', Values: [instanceId] }]
      })
    )
    expect(info.InstanceInformationList).toEqual([
      expect.objectContaining({
        InstanceId: instanceId,
        PingStatus: 'Online',
        PlatformType: 'Linux'
      })
    ])
  })

  it('runs the page check: InvocationDoesNotExist first, then InProgress, then Success', async () => {
    const { Command } = await ssmFor(OWNER).send(
      new SendCommandCommand({
        DocumentName: 'AWS-RunShellScript',
        InstanceIds: [instanceId],
        Parameters: { commands: [CHECK, 'echo page-ok'] }
      })
    )
    const ask = () =>
      ssmFor(OWNER).send(
        new GetCommandInvocationCommand({ CommandId: Command!.CommandId!, InstanceId: instanceId })
      )
    expect((await errorOf(ask())).name).toBe('InvocationDoesNotExist')
    emu.advance(1_500)
    expect((await ask()).Status).toBe('InProgress')
    emu.advance(5_000)
    expect(await ask()).toMatchObject({
      Status: 'Success',
      ResponseCode: 0,
      StandardOutputContent: 'page-ok\n',
      PluginName: 'aws:runShellScript'
    })
  })

  it('a failing command reports its exit code and stderr', async () => {
    const { Command } = await ssmFor(OWNER).send(
      new SendCommandCommand({
        DocumentName: 'AWS-RunShellScript',
        InstanceIds: [instanceId],
        Parameters: { commands: ['curl -fsS http://localhost/health'] }
      })
    )
    emu.advance(10_000)
    const inv = await ssmFor(OWNER).send(
      new GetCommandInvocationCommand({ CommandId: Command!.CommandId!, InstanceId: instanceId })
    )
    expect(inv).toMatchObject({ Status: 'Failed', ResponseCode: 22 })
    expect(inv.StandardErrorContent).toContain('The requested URL returned error: 404')
    const listed = await ssmFor(OWNER).send(
      new ListCommandInvocationsCommand({ CommandId: Command!.CommandId!, Details: true })
    )
    expect(listed.CommandInvocations![0]).toMatchObject({
      Status: 'Failed',
      CommandPlugins: [expect.objectContaining({ ResponseCode: 22, Name: 'aws:runShellScript' })]
    })
  })

  it('refuses PowerShell on a Linux node', async () => {
    const err = await errorOf(
      ssmFor(OWNER).send(
        new SendCommandCommand({
          DocumentName: 'AWS-RunPowerShellScript',
          InstanceIds: [instanceId],
          Parameters: { commands: ['Write-Output hi'] }
        })
      )
    )
    expect(err.name).toBe('UnsupportedPlatformType')
  })

  it('images made from the instance and their copies serve the same page', async () => {
    const { ImageId } = await ec2For(OWNER).send(
      new CreateImageCommand({ InstanceId: instanceId, Name: 'web-2', NoReboot: true })
    )
    emu.advance(10 * 60_000)
    const copy = await ec2For(OWNER, 'eu-west-1').send(
      new CopyImageCommand({ SourceImageId: ImageId!, SourceRegion: REGION, Name: 'web-2' })
    )
    emu.advance(20 * 60_000)
    const run = await ec2For(OWNER, 'eu-west-1').send(
      new RunInstancesCommand({
        ImageId: copy.ImageId!,
        InstanceType: 't3.micro',
        MinCount: 1,
        MaxCount: 1,
        IamInstanceProfile: { Name: 'ssm-core' }
      })
    )
    const id = run.Instances![0].InstanceId!
    emu.advance(80_000)
    const { Command } = await ssmFor(OWNER, 'eu-west-1').send(
      new SendCommandCommand({
        DocumentName: 'AWS-RunShellScript',
        InstanceIds: [id],
        Parameters: { commands: [CHECK] }
      })
    )
    emu.advance(10_000)
    const inv = await ssmFor(OWNER, 'eu-west-1').send(
      new GetCommandInvocationCommand({ CommandId: Command!.CommandId!, InstanceId: id })
    )
    expect(inv).toMatchObject({ Status: 'Success', ResponseCode: 0 })
  })

  it('Windows nodes run AWS-RunPowerShellScript (and refuse AWS-RunShellScript)', async () => {
    const seeded = emu.seed({
      ec2: {
        images: [
          {
            accountId: OWNER,
            region: REGION,
            name: 'win-1',
            platformDetails: 'Windows',
            behaviour: { serves: { '/': PAGE } }
          }
        ]
      }
    }) as { ec2: { images: string[] } }
    const run = await ec2For(OWNER).send(
      new RunInstancesCommand({
        ImageId: seeded.ec2.images[0],
        InstanceType: 't3.micro',
        MinCount: 1,
        MaxCount: 1,
        IamInstanceProfile: { Name: 'ssm-core' }
      })
    )
    const id = run.Instances![0].InstanceId!
    expect(run.Instances![0].Platform).toBe('windows')
    emu.advance(80_000)
    const info = await ssmFor(OWNER).send(
      new DescribeInstanceInformationCommand({
        Filters: [{ Key: 'InstanceIds', Values: [id] }]
      })
    )
    expect(info.InstanceInformationList![0].PlatformType).toBe('Windows')
    const wrong = await errorOf(
      ssmFor(OWNER).send(
        new SendCommandCommand({
          DocumentName: 'AWS-RunShellScript',
          InstanceIds: [id],
          Parameters: { commands: ['echo hi'] }
        })
      )
    )
    expect(wrong.name).toBe('UnsupportedPlatformType')
    const { Command } = await ssmFor(OWNER).send(
      new SendCommandCommand({
        DocumentName: 'AWS-RunPowerShellScript',
        InstanceIds: [id],
        Parameters: {
          commands: ['(Invoke-WebRequest -UseBasicParsing -Uri http://localhost/).Content']
        }
      })
    )
    emu.advance(10_000)
    const inv = await ssmFor(OWNER).send(
      new GetCommandInvocationCommand({ CommandId: Command!.CommandId!, InstanceId: id })
    )
    expect(inv).toMatchObject({
      Status: 'Success',
      ResponseCode: 0,
      PluginName: 'aws:runPowerShellScript',
      StandardOutputContent: PAGE
    })
  })

  it('an AMI built by AWS-UpdateLinuxAmi from it still serves the page', async () => {
    const { AutomationExecutionId } = await ssmFor(OWNER).send(
      new StartAutomationExecutionCommand({
        DocumentName: 'AWS-UpdateLinuxAmi',
        Parameters: { SourceAmiId: [webImage], SecurityGroupIds: ['sg-1'] }
      })
    )
    emu.advance(3 * 3_600_000)
    const exec = await ssmFor(OWNER).send(
      new GetAutomationExecutionCommand({ AutomationExecutionId })
    )
    expect(exec.AutomationExecution?.AutomationExecutionStatus).toBe('Success')
    const built = exec.AutomationExecution!.Outputs!['createImage.ImageId'][0]
    const run = await ec2For(OWNER).send(
      new RunInstancesCommand({
        ImageId: built,
        InstanceType: 't3.micro',
        MinCount: 1,
        MaxCount: 1,
        IamInstanceProfile: { Name: 'ssm-core' }
      })
    )
    const id = run.Instances![0].InstanceId!
    emu.advance(80_000)
    const { Command } = await ssmFor(OWNER).send(
      new SendCommandCommand({
        DocumentName: 'AWS-RunShellScript',
        InstanceIds: [id],
        Parameters: { commands: [CHECK] }
      })
    )
    emu.advance(10_000)
    const inv = await ssmFor(OWNER).send(
      new GetCommandInvocationCommand({ CommandId: Command!.CommandId!, InstanceId: id })
    )
    expect(inv.Status).toBe('Success')
  })

  it('an instance in a subnet without a route to SSM never registers', async () => {
    const seeded = emu.seed({
      ec2: {
        vpcs: [
          {
            accountId: OWNER,
            region: REGION,
            subnets: [{ subnetId: 'subnet-0a0a0a0a0a0a0a0a0', reachesSsm: false }]
          }
        ]
      }
    }) as { ec2: { subnets: string[] } }
    const run = await ec2For(OWNER).send(
      new RunInstancesCommand({
        ImageId: webImage,
        InstanceType: 't3.micro',
        MinCount: 1,
        MaxCount: 1,
        SubnetId: seeded.ec2.subnets[0],
        IamInstanceProfile: { Name: 'ssm-core' }
      })
    )
    expect(run.Instances![0].VpcId).not.toBe(undefined)
    emu.advance(10 * 60_000)
    const info = await ssmFor(OWNER).send(
      new DescribeInstanceInformationCommand({
        Filters: [{ Key: 'InstanceIds', Values: [run.Instances![0].InstanceId!] }]
      })
    )
    expect(info.InstanceInformationList).toEqual([])
  })

  it('an instance without an instance profile never becomes a managed node', async () => {
    const run = await ec2For(OWNER).send(
      new RunInstancesCommand({
        ImageId: webImage,
        InstanceType: 't3.micro',
        MinCount: 1,
        MaxCount: 1
      })
    )
    emu.advance(10 * 60_000)
    const info = await ssmFor(OWNER).send(
      new DescribeInstanceInformationCommand({
        Filters: [{ Key: 'InstanceIds', Values: [run.Instances![0].InstanceId!] }]
      })
    )
    expect(info.InstanceInformationList).toEqual([])
  })
})

describe('launch templates', () => {
  it('creates, versions from a source version, sets the default, and launches from it', async () => {
    const ec2 = ec2For(OWNER)
    const created = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: 'web',
        LaunchTemplateData: { ImageId: webImage, InstanceType: 't3.small' }
      })
    )
    const id = created.LaunchTemplate!.LaunchTemplateId!
    expect(created.LaunchTemplate).toMatchObject({
      DefaultVersionNumber: 1,
      LatestVersionNumber: 1
    })
    const dup = await errorOf(
      ec2.send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: 'web',
          LaunchTemplateData: { InstanceType: 't3.micro' }
        })
      )
    )
    expect(dup.name).toBe('InvalidLaunchTemplateName.AlreadyExistsException')
    const v2 = await ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: id,
        SourceVersion: '$Default',
        LaunchTemplateData: { ImageId: armImage }
      })
    )
    expect(v2.LaunchTemplateVersion).toMatchObject({
      VersionNumber: 2,
      DefaultVersion: false,
      LaunchTemplateData: { ImageId: armImage, InstanceType: 't3.small' }
    })
    const latest = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateName: 'web',
        Versions: ['$Latest', '$Default']
      })
    )
    expect(latest.LaunchTemplateVersions!.map((v) => [v.VersionNumber, v.DefaultVersion])).toEqual([
      [2, false],
      [1, true]
    ])
    await ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: id, DefaultVersion: '2' }))
    const { LaunchTemplates } = await ec2.send(
      new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['web'] })
    )
    expect(LaunchTemplates![0]).toMatchObject({ DefaultVersionNumber: 2, LatestVersionNumber: 2 })
    // Version 2 pairs an arm64 AMI with t3.small: launching it is refused like any mismatch.
    const mismatch = await errorOf(
      ec2.send(
        new RunInstancesCommand({
          LaunchTemplate: { LaunchTemplateId: id },
          MinCount: 1,
          MaxCount: 1
        })
      )
    )
    expect(mismatch.name).toBe('InvalidParameterValue')
    const run = await ec2.send(
      new RunInstancesCommand({
        LaunchTemplate: { LaunchTemplateName: 'web', Version: '1' },
        MinCount: 1,
        MaxCount: 1
      })
    )
    expect(run.Instances![0]).toMatchObject({ ImageId: webImage, InstanceType: 't3.small' })
    expect(run.Instances![0].Tags).toEqual(
      expect.arrayContaining([{ Key: 'aws:ec2launchtemplate:version', Value: '1' }])
    )
  })

  it('answers the NotFound codes for unknown IDs, names and versions', async () => {
    const ec2 = ec2For(OWNER)
    expect(
      (
        await errorOf(
          ec2.send(
            new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: ['lt-0123456789abcdef0'] })
          )
        )
      ).name
    ).toBe('InvalidLaunchTemplateId.NotFound')
    expect(
      (
        await errorOf(
          ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['nope'] }))
        )
      ).name
    ).toBe('InvalidLaunchTemplateName.NotFoundException')
    expect(
      (
        await errorOf(
          ec2.send(
            new DescribeLaunchTemplateVersionsCommand({
              LaunchTemplateName: 'web',
              Versions: ['9']
            })
          )
        )
      ).name
    ).toBe('InvalidLaunchTemplateId.VersionNotFound')
  })

  it('an ImageId of resolve:ssm:<parameter> resolves at launch and with ResolveAlias', async () => {
    emu.seed({
      ssm: {
        parameters: [
          {
            name: '/golden/latest',
            accountId: OWNER,
            region: REGION,
            value: webImage,
            dataType: 'aws:ec2:image'
          }
        ]
      }
    })
    const ec2 = ec2For(OWNER)
    await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: 'by-param',
        LaunchTemplateData: { ImageId: 'resolve:ssm:/golden/latest', InstanceType: 't3.micro' }
      })
    )
    const plain = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: 'by-param' })
    )
    expect(plain.LaunchTemplateVersions![0].LaunchTemplateData?.ImageId).toBe(
      'resolve:ssm:/golden/latest'
    )
    const resolved = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateName: 'by-param',
        ResolveAlias: true
      })
    )
    expect(resolved.LaunchTemplateVersions![0].LaunchTemplateData?.ImageId).toBe(webImage)
    const run = await ec2.send(
      new RunInstancesCommand({
        LaunchTemplate: { LaunchTemplateName: 'by-param' },
        MinCount: 1,
        MaxCount: 1
      })
    )
    expect(run.Instances![0].ImageId).toBe(webImage)
  })

  it('warns (does not fail) when a version names an AMI that does not exist', async () => {
    const out = await ec2For(OWNER).send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateName: 'web',
        LaunchTemplateData: { ImageId: 'ami-0000000000000dead' }
      })
    )
    expect(out.Warning?.Errors?.[0]?.Code).toBe('InvalidAMIID.NotFound')
  })
})
