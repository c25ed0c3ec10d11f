import { beforeEach, describe, expect, it } from '@jest/globals'
import { DescribeImagesCommand, EC2Client, type Image as AwsImage } from '@aws-sdk/client-ec2'
import { mockClient } from 'aws-sdk-client-mock'
import { ImageFailedError, WaitTimeoutError } from '../../src/aws/errors.js'
import { CancelledError } from '../../src/context.js'
import { findOwnImageByName } from '../../src/image/find.js'
import { formatDuration } from '../../src/duration.js'
import { snapshotsOf, waitForImage } from '../../src/image/wait.js'
import { awsError, makeContext, REGION } from './source-context.js'

const ec2Mock = mockClient(EC2Client)
const AMI = 'ami-0123456789abcdef0'
const image = (State: string, extra: Partial<AwsImage> = {}): AwsImage => ({
  ImageId: AMI,
  Name: 'golden',
  State: State as AwsImage['State'],
  ...extra
})
const options = { timeoutMs: 10 * 60_000, label: `${AMI} in ${REGION}` }

beforeEach(() => {
  ec2Mock.reset()
})

describe('waitForImage', () => {
  it('treats InvalidAMIID.NotFound as "not yet", logs progress and returns the available image', async () => {
    const t = makeContext()
    ec2Mock
      .on(DescribeImagesCommand)
      .rejectsOnce(awsError('InvalidAMIID.NotFound', `The image id '[${AMI}]' does not exist`))
      .resolvesOnce({ Images: [image('pending')] })
      .resolves({ Images: [image('available')] })
    const result = await waitForImage(t.ctx, new EC2Client({ region: REGION }), AMI, options)
    expect(result.State).toBe('available')
    const calls = ec2Mock.commandCalls(DescribeImagesCommand)
    expect(calls).toHaveLength(3)
    expect(calls[0].args[0].input).toEqual({ ImageIds: [AMI] })
    expect(t.logs).toEqual([
      `info: ${AMI} in ${REGION}: not visible yet (<1s elapsed)`,
      expect.stringMatching(new RegExp(`^info: ${AMI} in ${REGION}: pending \\(\\d+s elapsed\\)$`)),
      expect.stringMatching(/available after \d+s$/)
    ])
    // 5 s ± 20 % between polls
    expect(t.sleeps).toHaveLength(2)
    for (const ms of t.sleeps) expect(ms >= 4000 && ms <= 6000).toBe(true)
  })

  it('state failed -> ImageFailedError with the StateReason code and message', async () => {
    const t = makeContext()
    ec2Mock.on(DescribeImagesCommand).resolves({
      Images: [
        image('failed', {
          StateReason: { Code: 'Server.InternalError', Message: 'Internal error creating snapshot' }
        })
      ]
    })
    const error = await waitForImage(t.ctx, new EC2Client({}), AMI, options).catch((e) => e)
    expect(error).toBeInstanceOf(ImageFailedError)
    expect(error.message).toBe(
      `${AMI} in ${REGION} is in state failed (StateReason Server.InternalError: Internal error creating snapshot)`
    )
    expect((error as ImageFailedError).reasonCode).toBe('Server.InternalError')
  })

  it('timeout -> WaitTimeoutError saying the last state', async () => {
    const t = makeContext({ pollIntervalMs: 60_000 })
    ec2Mock.on(DescribeImagesCommand).resolves({ Images: [image('pending')] })
    const error = await waitForImage(t.ctx, new EC2Client({}), AMI, {
      ...options,
      timeoutMs: 5 * 60_000
    }).catch((e) => e)
    expect(error).toBeInstanceOf(WaitTimeoutError)
    expect(error.message).toBe(
      `${AMI} in ${REGION} was not available after 5m 00s (timeout-minutes); last state: pending`
    )
    // bounded: roughly one poll per interval, no busy loop
    expect(ec2Mock.commandCalls(DescribeImagesCommand).length).toBeLessThan(10)
    // heartbeat lines while nothing changes
    expect(t.logs.filter((l) => l.includes('pending')).length).toBeGreaterThan(1)
  })

  it('polls at least once even when no time is left', async () => {
    const t = makeContext()
    ec2Mock.on(DescribeImagesCommand).resolves({ Images: [image('available')] })
    await expect(
      waitForImage(t.ctx, new EC2Client({}), AMI, { ...options, timeoutMs: 0 })
    ).resolves.toMatchObject({ State: 'available' })
  })

  it('rides out throttling that outlived the SDK retries', async () => {
    const t = makeContext()
    ec2Mock
      .on(DescribeImagesCommand)
      .rejectsOnce(awsError('RequestLimitExceeded', 'Request limit exceeded.', 503))
      .resolves({ Images: [image('available')] })
    await expect(waitForImage(t.ctx, new EC2Client({}), AMI, options)).resolves.toBeDefined()
  })

  it('rethrows any other error at once', async () => {
    const t = makeContext()
    ec2Mock
      .on(DescribeImagesCommand)
      .rejects(awsError('UnauthorizedOperation', 'not authorized to perform: ec2:DescribeImages'))
    await expect(waitForImage(t.ctx, new EC2Client({}), AMI, options)).rejects.toThrow(
      'ec2:DescribeImages'
    )
    expect(ec2Mock.commandCalls(DescribeImagesCommand)).toHaveLength(1)
  })

  it('cancellation rejects with CancelledError', async () => {
    const t = makeContext()
    ec2Mock.on(DescribeImagesCommand).resolves({ Images: [image('pending')] })
    t.onSleep = (n) => n === 2 && t.controller.abort()
    await expect(waitForImage(t.ctx, new EC2Client({}), AMI, options)).rejects.toBeInstanceOf(
      CancelledError
    )
    t.onSleep = undefined
    await expect(waitForImage(t.ctx, new EC2Client({}), AMI, options)).rejects.toBeInstanceOf(
      CancelledError
    )
  })
})

describe('snapshotsOf', () => {
  it('reads EBS snapshots from the block device mappings', () => {
    expect(
      snapshotsOf(
        image('available', {
          BlockDeviceMappings: [
            {
              DeviceName: '/dev/xvda',
              Ebs: { SnapshotId: 'snap-1', VolumeSize: 8, Encrypted: true, KmsKeyId: 'arn:key/1' }
            },
            { DeviceName: '/dev/xvdb', Ebs: { SnapshotId: 'snap-2', VolumeSize: 20 } },
            { DeviceName: '/dev/sdc', VirtualName: 'ephemeral0' }
          ]
        })
      )
    ).toEqual([
      { id: 'snap-1', sizeGiB: 8, encrypted: true, kmsKeyId: 'arn:key/1' },
      { id: 'snap-2', sizeGiB: 20, encrypted: false }
    ])
    expect(snapshotsOf(image('available'))).toEqual([])
  })
})

describe('findOwnImageByName', () => {
  it('asks for own images by name, deprecated and disabled included (DescribeImages hides disabled ones otherwise), and keeps the exact match only', async () => {
    ec2Mock.on(DescribeImagesCommand).resolves({
      Images: [
        image('available', { Name: 'golden-1', ImageId: 'ami-1' }),
        image('available', { Name: 'golden-?' })
      ]
    })
    const found = await findOwnImageByName(new EC2Client({}), 'golden-?')
    expect(found?.ImageId).toBe(AMI)
    expect(ec2Mock.commandCalls(DescribeImagesCommand)[0].args[0].input).toEqual({
      Owners: ['self'],
      Filters: [{ Name: 'name', Values: ['golden-?'] }],
      IncludeDeprecated: true,
      IncludeDisabled: true
    })
    ec2Mock.on(DescribeImagesCommand).resolves({})
    expect(await findOwnImageByName(new EC2Client({}), 'x')).toBeUndefined()
  })
})

describe('formatDuration', () => {
  it('formats seconds, minutes and hours', () => {
    expect(formatDuration(4_400)).toBe('4s')
    expect(formatDuration(125_000)).toBe('2m 05s')
    expect(formatDuration(2 * 3600_000 + 7 * 60_000)).toBe('2h 07m')
  })
})
