// The emulator framework with the real SDK clients: SigV4 routing, wire formats, throttling,
// IAM denials, STS and KMS.
import { describe, expect, it } from '@jest/globals'
import { CopyImageCommand, CreateImageCommand, DescribeImagesCommand } from '@aws-sdk/client-ec2'
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts'
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient } from '@aws-sdk/client-kms'
import { startEmulator } from '../../../emulator/index.js'
import { withEmulator } from '../../e2e/fixtures.js'
import { bucketSizeFor } from '../../../emulator/throttle.js'
import { createClock } from '../../../emulator/clock.js'
import { awsManagedEbsKey } from '../../../emulator/kms-keys.js'
import {
  ACCOUNT_A,
  ACCOUNT_B,
  ec2Client,
  kmsClient,
  rejectionOf,
  stsClient,
  testServices
} from './framework-helpers.js'

const emu = withEmulator({ services: testServices() })

describe('SigV4 routing', () => {
  it('takes the account from the access key and the region from the credential scope', async () => {
    const a = await ec2Client(emu.url, ACCOUNT_A, 'eu-west-1').send(new DescribeImagesCommand({}))
    const b = await ec2Client(emu.url, ACCOUNT_B, 'ap-south-1').send(new DescribeImagesCommand({}))
    expect([a.Images?.[0].OwnerId, a.Images?.[0].Name]).toEqual([ACCOUNT_A, 'eu-west-1'])
    expect([b.Images?.[0].OwnerId, b.Images?.[0].Name]).toEqual([ACCOUNT_B, 'ap-south-1'])
    expect(
      emu.calls().map((c) => [c.service, c.action, c.accountId, c.region, c.status, c.mutating])
    ).toEqual([
      ['ec2', 'DescribeImages', ACCOUNT_A, 'eu-west-1', 200, false],
      ['ec2', 'DescribeImages', ACCOUNT_B, 'ap-south-1', 200, false]
    ])
  })

  it('rejects a request without an Authorization header with 403, as AWS does', async () => {
    const response = await fetch(emu.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=DescribeImages&Version=2016-11-15'
    })
    expect(response.status).toBe(403)
    expect(await response.text()).toContain('<Code>MissingAuthenticationToken</Code>')
  })

  it('rejects an access key that names no account with AuthFailure', async () => {
    const client = ec2Client(emu.url, ACCOUNT_A, 'us-east-1', {
      accessKeyId: 'AKIANOTANACCOUNT',
      secretAccessKey: 'x'
    })
    const error = await rejectionOf(client.send(new DescribeImagesCommand({})))
    expect(error.name).toBe('AuthFailure')
  })

  it('records mutating calls with their parameters', async () => {
    await ec2Client(emu.url).send(new CreateImageCommand({ InstanceId: 'i-1', Name: 'golden' }))
    const [call] = emu.calls()
    expect(call).toMatchObject({
      action: 'CreateImage',
      mutating: true,
      params: { InstanceId: 'i-1', Name: 'golden' }
    })
  })
})

describe('wire format', () => {
  it('serializes EC2 XML the SDK parses: item lists, nested structures, dates, booleans, escaping', async () => {
    const name = `a<b>&"c'`
    const out = await ec2Client(emu.url).send(
      new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: [name] }] })
    )
    const image = out.Images?.[0]
    expect(image).toMatchObject({
      ImageId: 'ami-0123456789abcdef0',
      Name: name,
      CreationDate: '2024-01-02T03:04:05.000Z',
      Public: false,
      BlockDeviceMappings: [
        { DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-1', Encrypted: true } }
      ],
      Tags: [
        { Key: 'a', Value: '1' },
        { Key: 'b', Value: '2' }
      ]
    })
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('serializes EC2 errors so the SDK reports the code, message and status', async () => {
    const error = await rejectionOf(
      ec2Client(emu.url).send(new DescribeImagesCommand({ ImageIds: ['ami-missing'] }))
    )
    expect(error.name).toBe('InvalidAMIID.NotFound')
    expect(error.message).toBe("The image id '[ami-missing]' does not exist")
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(400)
    expect(emu.calls()[0]).toMatchObject({ status: 400, errorCode: 'InvalidAMIID.NotFound' })
  })
})

describe('throttling', () => {
  it('uses the published EC2 bucket sizes', () => {
    expect(bucketSizeFor('ec2', 'DescribeImages')).toEqual({ capacity: 100, refillPerSec: 20 })
    expect(bucketSizeFor('ec2', 'DescribeSnapshots')).toEqual({ capacity: 50, refillPerSec: 10 })
    expect(bucketSizeFor('ec2', 'DescribeSnapshots', { 'Filter.1.Name': 'x' })).toEqual({
      capacity: 100,
      refillPerSec: 20
    })
    expect(bucketSizeFor('ec2', 'CreateImage')).toEqual({ capacity: 50, refillPerSec: 5 })
    expect(bucketSizeFor('ec2', 'CopyImage')).toEqual({ capacity: 100, refillPerSec: 1 })
    expect(bucketSizeFor('ec2', 'ModifyImageAttribute')).toEqual({ capacity: 100, refillPerSec: 5 })
    expect(bucketSizeFor('ec2', 'CreateTags')).toEqual({ capacity: 100, refillPerSec: 10 })
  })

  it('answers RequestLimitExceeded 503 when the bucket is empty and refills on the simulated clock', async () => {
    emu.configure({ throttleBuckets: { 'ec2:CopyImage': { capacity: 2, refillPerSec: 1 } } })
    const copy = () =>
      ec2Client(emu.url).send(
        new CopyImageCommand({ Name: 'n', SourceImageId: 'ami-1', SourceRegion: 'us-east-1' })
      )
    await copy()
    await copy()
    const error = await rejectionOf(copy())
    expect(error.name).toBe('RequestLimitExceeded')
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(503)
    // Other accounts, regions and actions have their own buckets.
    await ec2Client(emu.url, ACCOUNT_B).send(
      new CopyImageCommand({ Name: 'n', SourceImageId: 'ami-1', SourceRegion: 'us-east-1' })
    )
    await ec2Client(emu.url).send(new DescribeImagesCommand({}))
    emu.advance(1000)
    await expect(copy()).resolves.toMatchObject({ ImageId: 'ami-0aaaaaaaaaaaaaaaa' })
    await expect(copy()).rejects.toThrow()
  })

  it('empties the default 100-token DescribeImages bucket after 100 calls', async () => {
    // Simulated time nearly stopped (timeScale 1000), so no refill during the burst.
    const slow = await startEmulator({ services: testServices(), timeScale: 1000 })
    try {
      const client = ec2Client(slow.url)
      const results = await Promise.allSettled(
        Array.from({ length: 110 }, () => client.send(new DescribeImagesCommand({})))
      )
      const throttled = results.filter((r) => r.status === 'rejected')
      expect(throttled).toHaveLength(10)
      expect(slow.calls().filter((c) => c.errorCode === 'RequestLimitExceeded')).toHaveLength(10)
    } finally {
      await slow.close()
    }
  })

  it('is off with configure({ throttling: false })', async () => {
    emu.configure({
      throttling: false,
      throttleBuckets: { 'ec2:*': { capacity: 1, refillPerSec: 0 } }
    })
    const client = ec2Client(emu.url)
    for (let i = 0; i < 3; i++) await client.send(new DescribeImagesCommand({}))
    expect(emu.calls().every((c) => c.status === 200)).toBe(true)
  })

  it('uses ThrottlingException for KMS and Throttling for STS', async () => {
    emu.configure({
      throttleBuckets: {
        'kms:*': { capacity: 0, refillPerSec: 0 },
        'sts:*': { capacity: 0, refillPerSec: 0 }
      }
    })
    const kmsError = await rejectionOf(
      kmsClient(emu.url).send(new DescribeKeyCommand({ KeyId: 'alias/aws/ebs' }))
    )
    expect([kmsError.name, kmsError.message]).toEqual(['ThrottlingException', 'Rate exceeded'])
    const stsError = await rejectionOf(stsClient(emu.url).send(new GetCallerIdentityCommand({})))
    expect([stsError.name, stsError.message]).toEqual(['Throttling', 'Rate exceeded'])
  })
})

describe('IAM allow-list', () => {
  it('denies EC2 actions outside the list with 403 UnauthorizedOperation naming the action', async () => {
    emu.configure({ iam: { [ACCOUNT_A]: ['ec2:Describe*'] } })
    await ec2Client(emu.url).send(new DescribeImagesCommand({}))
    const error = await rejectionOf(
      ec2Client(emu.url).send(new CreateImageCommand({ InstanceId: 'i-1', Name: 'x' }))
    )
    expect(error.name).toBe('UnauthorizedOperation')
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(403)
    expect(error.message).toMatch(
      /^You are not authorized to perform this operation\. User: arn:aws:iam::111122223333:user\/emulator is not authorized to perform: ec2:CreateImage on resource: /
    )
    // Accounts without a list are unrestricted.
    await ec2Client(emu.url, ACCOUNT_B).send(
      new CreateImageCommand({ InstanceId: 'i-1', Name: 'x' })
    )
  })

  it('denies KMS with AccessDeniedException and names the assumed role', async () => {
    const { Credentials } = await stsClient(emu.url).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${ACCOUNT_B}:role/deployer`,
        RoleSessionName: 'gha'
      })
    )
    emu.configure({ iam: { [ACCOUNT_B]: ['kms:GetKeyPolicy'] } })
    const assumed = new KMSClient({
      region: 'us-east-1',
      endpoint: emu.url,
      maxAttempts: 1,
      credentials: {
        accessKeyId: Credentials!.AccessKeyId!,
        secretAccessKey: Credentials!.SecretAccessKey!,
        sessionToken: Credentials!.SessionToken!
      }
    })
    const error = await rejectionOf(
      assumed.send(new DescribeKeyCommand({ KeyId: 'alias/aws/ebs' }))
    )
    expect(error.name).toBe('AccessDeniedException')
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(400)
    expect(error.message).toContain(
      `User: arn:aws:sts::${ACCOUNT_B}:assumed-role/deployer/gha is not authorized to perform: kms:DescribeKey`
    )
  })

  it('denies AssumeRole of a listed role with AccessDenied, and never denies GetCallerIdentity', async () => {
    const roleArn = `arn:aws:iam::${ACCOUNT_B}:role/copier`
    emu.configure({ assumeRoleDenied: [roleArn], iam: { [ACCOUNT_A]: [] } })
    await expect(stsClient(emu.url).send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
      Account: ACCOUNT_A
    })
    emu.configure({ iam: {} })
    const error = await rejectionOf(
      stsClient(emu.url).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 's1' }))
    )
    expect(error.name).toBe('AccessDenied')
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(403)
    expect(error.message).toContain(
      `is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`
    )
  })
})

describe('STS', () => {
  it('AssumeRole hands out keys of the role account, which route to that account', async () => {
    const out = await stsClient(emu.url).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${ACCOUNT_B}:role/path/deployer`,
        RoleSessionName: 'run-1'
      })
    )
    const creds = out.Credentials!
    expect(creds.AccessKeyId).toMatch(new RegExp(`^ASIA${ACCOUNT_B}`))
    const expiresIn = creds.Expiration!.getTime() - Date.now()
    expect(expiresIn).toBeGreaterThan(3590_000)
    expect(expiresIn).toBeLessThanOrEqual(3600_000)
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${ACCOUNT_B}:assumed-role/deployer/run-1`)
    const session = {
      accessKeyId: creds.AccessKeyId!,
      secretAccessKey: creds.SecretAccessKey!,
      sessionToken: creds.SessionToken!
    }
    const identity = await stsClient(emu.url, ACCOUNT_A, 'us-east-1', session).send(
      new GetCallerIdentityCommand({})
    )
    expect([identity.Account, identity.Arn]).toEqual([
      ACCOUNT_B,
      `arn:aws:sts::${ACCOUNT_B}:assumed-role/deployer/run-1`
    ])
    const images = await ec2Client(emu.url, ACCOUNT_A, 'us-west-2', session).send(
      new DescribeImagesCommand({})
    )
    expect(images.Images?.[0].OwnerId).toBe(ACCOUNT_B)
  })

  it('rejects a malformed role ARN with ValidationError', async () => {
    const error = await rejectionOf(
      stsClient(emu.url).send(
        new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::12:role/x', RoleSessionName: 's1' })
      )
    )
    expect(error.name).toBe('ValidationError')
  })

  it('GetCallerIdentity answers account, ARN and user ID', async () => {
    const out = await stsClient(emu.url).send(new GetCallerIdentityCommand({}))
    expect(out).toMatchObject({
      Account: ACCOUNT_A,
      Arn: `arn:aws:iam::${ACCOUNT_A}:user/emulator`
    })
    expect(out.UserId).toMatch(/^AIDA/)
  })
})

describe('KMS', () => {
  it('has the AWS-managed alias/aws/ebs key in every account and region', async () => {
    const out = await kmsClient(emu.url, ACCOUNT_B, 'eu-central-1').send(
      new DescribeKeyCommand({ KeyId: 'alias/aws/ebs' })
    )
    const expected = awsManagedEbsKey(ACCOUNT_B, 'eu-central-1')
    expect(out.KeyMetadata).toMatchObject({
      KeyManager: 'AWS',
      KeyId: expected.keyId,
      Arn: expected.arn,
      AWSAccountId: ACCOUNT_B
    })
    expect(out.KeyMetadata?.CreationDate).toBeInstanceOf(Date)
  })

  it('resolves a seeded customer key by ID, ARN, alias and alias ARN, and returns its policy', async () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT_B}:root` } }]
    }
    emu.seed({
      kms: {
        keys: [
          {
            accountId: ACCOUNT_A,
            region: 'us-east-1',
            keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
            aliases: ['alias/golden'],
            policy
          }
        ]
      }
    })
    const arn = `arn:aws:kms:us-east-1:${ACCOUNT_A}:key/1234abcd-12ab-34cd-56ef-1234567890ab`
    const client = kmsClient(emu.url)
    for (const ref of [
      '1234abcd-12ab-34cd-56ef-1234567890ab',
      arn,
      'alias/golden',
      `arn:aws:kms:us-east-1:${ACCOUNT_A}:alias/golden`
    ]) {
      const out = await client.send(new DescribeKeyCommand({ KeyId: ref }))
      expect([out.KeyMetadata?.Arn, out.KeyMetadata?.KeyManager]).toEqual([arn, 'CUSTOMER'])
    }
    const { Policy } = await client.send(
      new GetKeyPolicyCommand({ KeyId: arn, PolicyName: 'default' })
    )
    expect(JSON.parse(Policy!)).toEqual(policy)
  })

  it('answers NotFoundException for an unknown key or alias', async () => {
    const client = kmsClient(emu.url)
    const byId = await rejectionOf(
      client.send(new DescribeKeyCommand({ KeyId: '00000000-0000-0000-0000-000000000000' }))
    )
    expect(byId.name).toBe('NotFoundException')
    expect(byId.message).toContain('does not exist')
    const byAlias = await rejectionOf(client.send(new DescribeKeyCommand({ KeyId: 'alias/nope' })))
    expect([byAlias.name, byAlias.message]).toEqual([
      'NotFoundException',
      `Alias arn:aws:kms:us-east-1:${ACCOUNT_A}:alias/nope is not found.`
    ])
  })
})

describe('clock', () => {
  it('runs simulated time 1/timeScale as fast as real time, plus advances', () => {
    let real = 1_000_000
    const clock = createClock(0.01, () => real)
    real += 50
    expect(clock.now()).toBe(1_000_000 + 5_000)
    clock.advance(60_000)
    expect(clock.now()).toBe(1_000_000 + 65_000)
    expect(clock.toReal(3_600_000)).toBe(36_000)
  })
})
