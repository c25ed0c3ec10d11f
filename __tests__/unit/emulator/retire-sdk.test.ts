// What retirement reads and undoes, through the real HTTP server and the unmodified AWS SDK:
// Auto Scaling groups, image usage reports, Recycle Bin rules and the bin itself.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  CreateImageUsageReportCommand,
  DeleteImageUsageReportCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeImageUsageReportEntriesCommand,
  DescribeImageUsageReportsCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  ListImagesInRecycleBinCommand,
  ListSnapshotsInRecycleBinCommand,
  RestoreImageFromRecycleBinCommand,
  RestoreSnapshotFromRecycleBinCommand,
  RunInstancesCommand
} from '@aws-sdk/client-ec2'
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  paginateDescribeAutoScalingGroups
} from '@aws-sdk/client-auto-scaling'
import {
  CreateRuleCommand,
  DeleteRuleCommand,
  GetRuleCommand,
  ListRulesCommand,
  RbinClient
} from '@aws-sdk/client-rbin'
import { startEmulator, type Emulator } from '../../../emulator/index.js'

const OWNER = '111122223333'
const CONSUMER = '444455556666'
const OTHER = '777788889999'
const REGION = 'us-east-1'
const DAY = 86_400_000

let emu: Emulator
const creds = (account: string) => ({
  accessKeyId: `AKIA${account}EXAMPLE`,
  secretAccessKey: 'emulator'
})
const opts = (account: string) => ({
  endpoint: emu.url,
  region: REGION,
  credentials: creds(account),
  maxAttempts: 1
})
const ec2For = (account: string) => new EC2Client(opts(account))

async function errorOf(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p
  } catch (e) {
    return e as { name: string; message: string }
  }
  throw new Error('expected the call to fail')
}

let shared: string
let keptImage: string
let plainImage: string
let keptSnapshot: string

beforeAll(async () => {
  emu = await startEmulator({ throttling: false })
  const out = emu.seed({
    ec2: {
      images: [
        {
          accountId: OWNER,
          region: REGION,
          name: 'shared-1',
          launchPermissions: [{ userId: CONSUMER }, { userId: OTHER }]
        },
        { accountId: OWNER, region: REGION, name: 'kept-1', tags: { keep: 'yes' } },
        { accountId: OWNER, region: REGION, name: 'plain-1' }
      ]
    }
  }) as { ec2: { images: string[]; snapshots: string[] } }
  ;[shared, keptImage, plainImage] = out.ec2.images
  keptSnapshot = out.ec2.snapshots[1]
  emu.seed({
    ec2: {
      launchTemplates: [
        {
          accountId: CONSUMER,
          region: REGION,
          name: 'app',
          versions: [{ imageId: shared }, { imageId: plainImage }, { imageId: plainImage }],
          defaultVersion: 3
        }
      ]
    },
    autoscaling: {
      groups: [
        {
          accountId: CONSUMER,
          region: REGION,
          name: 'app-asg',
          launchTemplate: { launchTemplateName: 'app', version: '1' },
          tags: { team: 'web' }
        },
        {
          accountId: CONSUMER,
          region: REGION,
          name: 'other-asg',
          launchTemplate: { launchTemplateName: 'app' }
        }
      ]
    }
  })
})

afterAll(async () => {
  await emu.close()
})

describe('Auto Scaling groups', () => {
  it('name the launch-template version they launch from ($Default when none was given)', async () => {
    const asg = new AutoScalingClient(opts(CONSUMER))
    const { AutoScalingGroups } = await asg.send(new DescribeAutoScalingGroupsCommand({}))
    expect(
      AutoScalingGroups!.map((g) => [g.AutoScalingGroupName, g.LaunchTemplate?.Version])
    ).toEqual([
      ['app-asg', '1'],
      ['other-asg', '$Default']
    ])
    expect(AutoScalingGroups![0].LaunchTemplate?.LaunchTemplateId).toMatch(/^lt-/)
    const names: string[] = []
    for await (const page of paginateDescribeAutoScalingGroups(
      { client: asg, pageSize: 1 },
      { Filters: [{ Name: 'tag:team', Values: ['web'] }] }
    ))
      names.push(...(page.AutoScalingGroups ?? []).map((g) => g.AutoScalingGroupName!))
    expect(names).toEqual(['app-asg'])
    // Another account sees none of them.
    const mine = await new AutoScalingClient(opts(OWNER)).send(
      new DescribeAutoScalingGroupsCommand({})
    )
    expect(mine.AutoScalingGroups).toEqual([])
  })

  it('denies with AccessDenied when the allow-list lacks autoscaling:DescribeAutoScalingGroups', async () => {
    emu.configure({ iam: { [CONSUMER]: ['ec2:*'] } })
    try {
      const err = await errorOf(
        new AutoScalingClient(opts(CONSUMER)).send(new DescribeAutoScalingGroupsCommand({}))
      )
      expect(err.name).toBe('AccessDenied')
      expect(err.message).toContain('autoscaling:DescribeAutoScalingGroups')
    } finally {
      emu.configure({ iam: {} })
    }
  })
})

describe('image usage reports', () => {
  it('are pending, then available with per-account counts of instances and launch templates', async () => {
    await ec2For(CONSUMER).send(
      new RunInstancesCommand({
        ImageId: shared,
        InstanceType: 't3.micro',
        MinCount: 2,
        MaxCount: 2
      })
    )
    const ec2 = ec2For(OWNER)
    const { ReportId } = await ec2.send(
      new CreateImageUsageReportCommand({
        ImageId: shared,
        ResourceTypes: [{ ResourceType: 'ec2:Instance' }, { ResourceType: 'ec2:LaunchTemplate' }],
        AccountIds: [CONSUMER, OTHER]
      })
    )
    const report = async () =>
      (await ec2.send(new DescribeImageUsageReportsCommand({ ReportIds: [ReportId!] })))
        .ImageUsageReports![0]
    expect((await report()).State).toBe('pending')
    emu.advance(10 * 60_000)
    expect(await report()).toMatchObject({
      State: 'available',
      ImageId: shared,
      AccountIds: [CONSUMER, OTHER]
    })
    const { ImageUsageReportEntries } = await ec2.send(
      new DescribeImageUsageReportEntriesCommand({ ReportIds: [ReportId!] })
    )
    expect(
      ImageUsageReportEntries!.map((e) => [e.AccountId, e.ResourceType, e.UsageCount]).sort()
    ).toEqual([
      [CONSUMER, 'ec2:Instance', 2],
      [CONSUMER, 'ec2:LaunchTemplate', 1]
    ])
    await ec2.send(new DeleteImageUsageReportCommand({ ReportId }))
    const gone = await errorOf(
      ec2.send(new DescribeImageUsageReportsCommand({ ReportIds: [ReportId!] }))
    )
    expect(gone.name).toBe('InvalidImageUsageReportId.NotFound')
  })

  it('version-depth limits which launch-template versions count', async () => {
    const ec2 = ec2For(OWNER)
    const create = async (depth?: string) =>
      (
        await ec2.send(
          new CreateImageUsageReportCommand({
            ImageId: shared,
            ResourceTypes: [
              {
                ResourceType: 'ec2:LaunchTemplate',
                ...(depth
                  ? {
                      ResourceTypeOptions: [{ OptionName: 'version-depth', OptionValues: [depth] }]
                    }
                  : {})
              }
            ]
          })
        )
      ).ReportId!
    // The template's newest versions (2, 3) use another AMI; version 1 uses this one.
    const shallow = await create('2')
    const deep = await create()
    emu.advance(10 * 60_000)
    const entries = async (id: string) =>
      (await ec2.send(new DescribeImageUsageReportEntriesCommand({ ReportIds: [id] })))
        .ImageUsageReportEntries!
    expect(await entries(shallow)).toEqual([])
    expect((await entries(deep)).map((e) => e.UsageCount)).toEqual([1])
    const { ImageUsageReports } = await ec2.send(
      new DescribeImageUsageReportsCommand({ ReportIds: [shallow] })
    )
    expect(ImageUsageReports![0].ResourceTypes).toEqual([
      {
        ResourceType: 'ec2:LaunchTemplate',
        ResourceTypeOptions: [{ OptionName: 'version-depth', OptionValues: ['2'] }]
      }
    ])
  })

  it('only the owner can ask', async () => {
    const err = await errorOf(
      ec2For(CONSUMER).send(
        new CreateImageUsageReportCommand({
          ImageId: shared,
          ResourceTypes: [{ ResourceType: 'ec2:Instance' }]
        })
      )
    )
    expect(err.name).toBe('AuthFailure')
  })
})

describe('Recycle Bin', () => {
  let imageRule: string

  it('creates, gets and lists rules per resource type', async () => {
    const rbin = new RbinClient(opts(OWNER))
    const created = await rbin.send(
      new CreateRuleCommand({
        ResourceType: 'EC2_IMAGE',
        RetentionPeriod: { RetentionPeriodValue: 7, RetentionPeriodUnit: 'DAYS' },
        ResourceTags: [{ ResourceTagKey: 'keep', ResourceTagValue: 'yes' }],
        Description: 'keep tagged AMIs'
      })
    )
    imageRule = created.Identifier!
    // The Region's first rule takes up to 30 minutes to become active.
    expect(created).toMatchObject({ Status: 'pending', ResourceType: 'EC2_IMAGE' })
    emu.advance(30 * 60_000)
    expect((await rbin.send(new GetRuleCommand({ Identifier: imageRule }))).Status).toBe(
      'available'
    )
    await rbin.send(
      new CreateRuleCommand({
        ResourceType: 'EBS_SNAPSHOT',
        RetentionPeriod: { RetentionPeriodValue: 3, RetentionPeriodUnit: 'DAYS' },
        LockConfiguration: { UnlockDelay: { UnlockDelayValue: 7, UnlockDelayUnit: 'DAYS' } }
      })
    )
    const got = await rbin.send(new GetRuleCommand({ Identifier: imageRule }))
    expect(got.ResourceTags).toEqual([{ ResourceTagKey: 'keep', ResourceTagValue: 'yes' }])
    const images = await rbin.send(new ListRulesCommand({ ResourceType: 'EC2_IMAGE' }))
    expect(images.Rules!.map((r) => r.Identifier)).toEqual([imageRule])
    const snaps = await rbin.send(new ListRulesCommand({ ResourceType: 'EBS_SNAPSHOT' }))
    expect(snaps.Rules![0]).toMatchObject({
      LockState: 'locked',
      RetentionPeriod: { RetentionPeriodValue: 3 }
    })
    const locked = await errorOf(
      rbin.send(new DeleteRuleCommand({ Identifier: snaps.Rules![0].Identifier }))
    )
    expect(locked.name).toBe('ConflictException')
    const missing = await errorOf(rbin.send(new GetRuleCommand({ Identifier: 'abcdefghijk' })))
    expect(missing.name).toBe('ResourceNotFoundException')
    const bad = await errorOf(
      rbin.send(
        new CreateRuleCommand({
          ResourceType: 'EC2_IMAGE',
          RetentionPeriod: { RetentionPeriodValue: 0, RetentionPeriodUnit: 'DAYS' }
        })
      )
    )
    expect(bad.name).toBe('ValidationException')
  })

  it('keeps a covered AMI and its snapshots, restorable until the retention ends', async () => {
    const ec2 = ec2For(OWNER)
    const out = await ec2.send(
      new DeregisterImageCommand({ ImageId: keptImage, DeleteAssociatedSnapshots: true })
    )
    expect(out.DeleteSnapshotResults).toEqual([{ SnapshotId: keptSnapshot, ReturnCode: 'success' }])
    expect(
      (await errorOf(ec2.send(new DescribeImagesCommand({ ImageIds: [keptImage] })))).name
    ).toBe('InvalidAMIID.NotFound')
    const { Images } = await ec2.send(new ListImagesInRecycleBinCommand({}))
    expect(Images!.map((i) => i.ImageId)).toEqual([keptImage])
    expect(
      Images![0].RecycleBinExitTime!.getTime() - Images![0].RecycleBinEnterTime!.getTime()
    ).toBe(7 * DAY)
    const { Snapshots } = await ec2.send(new ListSnapshotsInRecycleBinCommand({}))
    expect(Snapshots!.map((s) => s.SnapshotId)).toEqual([keptSnapshot])
    const early = await errorOf(
      ec2.send(new RestoreImageFromRecycleBinCommand({ ImageId: keptImage }))
    )
    expect(early.message).toContain('Restore it first')
    await ec2.send(new RestoreSnapshotFromRecycleBinCommand({ SnapshotId: keptSnapshot }))
    await ec2.send(new RestoreImageFromRecycleBinCommand({ ImageId: keptImage }))
    const back = await ec2.send(new DescribeImagesCommand({ ImageIds: [keptImage] }))
    expect(back.Images![0]).toMatchObject({
      State: 'available',
      Name: 'kept-1',
      Tags: [{ Key: 'keep', Value: 'yes' }]
    })
    await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [keptSnapshot] }))
  })

  it('an AMI no rule covers is gone; retention ends in simulated time', async () => {
    const ec2 = ec2For(OWNER)
    await ec2.send(new DeregisterImageCommand({ ImageId: plainImage }))
    const after = await ec2.send(new ListImagesInRecycleBinCommand({}))
    expect(after.Images).toEqual([])
    expect(
      (await errorOf(ec2.send(new RestoreImageFromRecycleBinCommand({ ImageId: plainImage })))).name
    ).toBe('InvalidAMIID.NotFound')
    // The Region-level snapshot rule (3 days) keeps the plain AMI's snapshot when it is deleted.
    const snaps = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }))
    const orphan = snaps.Snapshots!.find(
      (s) => s.SnapshotId !== keptSnapshot && !s.Description?.includes(shared)
    )
    await ec2.send(new DeleteSnapshotCommand({ SnapshotId: orphan!.SnapshotId }))
    expect((await ec2.send(new ListSnapshotsInRecycleBinCommand({}))).Snapshots).toHaveLength(1)
    emu.advance(3 * DAY)
    expect((await ec2.send(new ListSnapshotsInRecycleBinCommand({}))).Snapshots).toEqual([])
  })
})

describe('admin API', () => {
  it('seeds rules and groups over /_sim/seed and shows them in /_sim/state', async () => {
    const res = await fetch(`${emu.url}/_sim/seed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        rbin: {
          rules: [
            { accountId: OTHER, region: REGION, resourceType: 'EBS_SNAPSHOT', retentionDays: 10 }
          ]
        },
        autoscaling: {
          groups: [{ accountId: OTHER, region: REGION, name: 'seeded-asg' }]
        }
      })
    })
    expect(res.status).toBe(200)
    const seeded = (await res.json()) as {
      rbin: { rules: string[] }
      autoscaling: { groups: string[] }
    }
    expect(seeded.autoscaling.groups).toEqual(['seeded-asg'])
    const rules = await new RbinClient(opts(OTHER)).send(
      new ListRulesCommand({ ResourceType: 'EBS_SNAPSHOT' })
    )
    expect(rules.Rules!.map((r) => r.Identifier)).toEqual(seeded.rbin.rules)
    const state = (await (await fetch(`${emu.url}/_sim/state`)).json()) as Record<string, unknown>
    expect(state).toHaveProperty('rbin')
    expect(state).toHaveProperty('autoscaling')
    expect(state.ec2).toHaveProperty('recycleBin')
    const bad = await fetch(`${emu.url}/_sim/seed`, {
      method: 'POST',
      body: JSON.stringify({
        rbin: { rules: [{ accountId: OTHER, region: REGION, resourceType: 'X' }] }
      })
    })
    expect(bad.status).toBe(400)
  })
})
