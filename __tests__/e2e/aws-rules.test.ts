// End to end against the emulator, for the places where the code and an earlier emulator agreed
// with each other but not with AWS (issue "Real AWS, not our mirror"). Each case runs dist/ and
// judges AWS state and what the user reads; each would fail on the code before the fix.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { CopyImageCommand, EC2Client } from '@aws-sdk/client-ec2'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { credentialsEnv } from './harness.js'
import {
  BASE_AMI,
  BUILD,
  COPY_REGION,
  errorLines,
  INSTANCE,
  REGION,
  runPipeline,
  seedWorld,
  SHARE,
  warningLines,
  worldState
} from './faults-world.js'

const CMK = '1234abcd-12ab-34cd-56ef-1234567890ab'
const CMK_ARN = `arn:aws:kms:${REGION}:${BUILD}:key/${CMK}`
const ENCRYPTED_AMI = 'ami-0eeeeeeeeeeeeeeee'
/** A key policy that lets every account use the key (consumers are not the point here). */
const OPEN_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:*', Resource: '*' }]
}
const MUTATING = new Set([
  'CopyImage',
  'ModifyImageAttribute',
  'ModifySnapshotAttribute',
  'CreateTags',
  'CreateImage',
  'DeregisterImage',
  'EnableImageDeprecation',
  'EnableImageDeregistrationProtection',
  'PutParameter'
])

let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.001 })
})
afterAll(async () => {
  await emu?.close()
})
beforeEach(() => {
  emu.reset()
  seedWorld(emu)
})

const mutations = (): string[] =>
  emu
    .calls()
    .filter((c) => MUTATING.has(c.action) && c.status < 400)
    .map((c) => c.action)

/** An AMI in BUILD/REGION whose one snapshot is encrypted with the customer managed key CMK. */
function seedEncryptedAmi(): void {
  emu.seed({
    kms: {
      keys: [{ accountId: BUILD, region: REGION, keyId: CMK, policy: OPEN_POLICY }]
    },
    ec2: {
      images: [
        {
          imageId: ENCRYPTED_AMI,
          accountId: BUILD,
          region: REGION,
          name: 'web-encrypted',
          snapshots: [{ sizeGiB: 8, encrypted: true, kmsKeyId: CMK_ARN }]
        }
      ]
    }
  })
}

/** Only what a test names: adopt `amiId`, no copies, lifecycle, prune or comment. */
function adopt(amiId: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'ami-id': amiId,
    'timeout-minutes': '60',
    ...extra
  }
}

describe('encrypted AMIs can never be public (point 2)', () => {
  it('share-public with an encrypted source fails before any change, naming share-public', async () => {
    seedEncryptedAmi()
    emu.seed({
      ec2: { blockPublicAccess: [{ accountId: BUILD, region: REGION, state: 'unblocked' }] }
    })
    const r = await runPipeline(
      emu,
      adopt(ENCRYPTED_AMI, { 'share-public': 'true', family: 'web' })
    )
    expect(r.code).toBe(1)
    expect(errorLines(r)).toMatch(/share-public: ami-0eeeeeeeeeeeeeeee has encrypted snapshots/)
    expect(mutations()).toEqual([])
  }, 60_000)

  it('in a dry run it is a plan problem, and nothing changes', async () => {
    seedEncryptedAmi()
    emu.seed({
      ec2: { blockPublicAccess: [{ accountId: BUILD, region: REGION, state: 'unblocked' }] }
    })
    const r = await runPipeline(
      emu,
      adopt(ENCRYPTED_AMI, { 'share-public': 'true', 'dry-run': 'true' })
    )
    expect(r.code).toBe(1)
    expect(r.summary).toMatch(/share-public: ami-0eeeeeeeeeeeeeeee has encrypted snapshots/)
    expect(mutations()).toEqual([])
  }, 60_000)
})

describe('copies that would land on the default EBS key (point 3)', () => {
  it('an encrypted source copied to a region without kms-key-id and shared: refused before any copy', async () => {
    seedEncryptedAmi()
    const r = await runPipeline(
      emu,
      adopt(ENCRYPTED_AMI, { 'share-accounts': SHARE, 'copy-regions': COPY_REGION })
    )
    expect(r.code).toBe(1)
    expect(errorLines(r)).toMatch(
      /kms-key-id \/ region-kms-key-ids: the copy in eu-west-1 \(account 111122223333\) would be encrypted with the default EBS key .*alias\/aws\/ebs/
    )
    expect(mutations()).toEqual([])
  }, 60_000)

  it('in a dry run the same is a plan problem, and nothing changes', async () => {
    seedEncryptedAmi()
    const r = await runPipeline(
      emu,
      adopt(ENCRYPTED_AMI, {
        'share-accounts': SHARE,
        'copy-regions': COPY_REGION,
        'dry-run': 'true'
      })
    )
    expect(r.code).toBe(1)
    expect(r.summary).toMatch(
      /the copy in eu-west-1 \(account 111122223333\) would be encrypted with the default EBS key/
    )
    expect(mutations()).toEqual([])
  }, 60_000)

  it('an unencrypted source into a region with EBS encryption by default on: refused too', async () => {
    emu.seed({
      ec2: { ebsDefaults: [{ accountId: BUILD, region: COPY_REGION, encryptionByDefault: true }] }
    })
    const r = await runPipeline(
      emu,
      adopt(BASE_AMI, { 'share-accounts': SHARE, 'copy-regions': COPY_REGION })
    )
    expect(r.code).toBe(1)
    expect(errorLines(r)).toMatch(/EBS encryption by default is on in eu-west-1/)
    expect(mutations()).toEqual([])
  }, 60_000)

  it('with region-kms-key-ids for that region the copy is made, encrypted with that key, and shared', async () => {
    seedEncryptedAmi()
    const regionKey = '9999aaaa-12ab-34cd-56ef-1234567890ab'
    emu.seed({
      kms: {
        keys: [{ accountId: BUILD, region: COPY_REGION, keyId: regionKey, policy: OPEN_POLICY }]
      }
    })
    const r = await runPipeline(
      emu,
      adopt(ENCRYPTED_AMI, {
        'share-accounts': SHARE,
        'copy-regions': COPY_REGION,
        'region-kms-key-ids': `${COPY_REGION}=arn:aws:kms:${COPY_REGION}:${BUILD}:key/${regionKey}`
      })
    )
    expect(errorLines(r)).toBe('')
    expect(r.code).toBe(0)
    const copy = worldState(emu).images.find((i) => i.region === COPY_REGION) as unknown as {
      blockDevices: { kmsKeyId: string }[]
      launchPermissions: { userId?: string }[]
    }
    expect(copy.blockDevices[0].kmsKeyId).toContain(regionKey)
    expect(copy.launchPermissions).toEqual([{ userId: SHARE }])
  }, 60_000)
})

describe('copy concurrency per (account, region) (point 4)', () => {
  it('waits out ResourceLimitExceeded from another copy in flight and copies within timeout-minutes', async () => {
    // One slot, and copies of 100 simulated minutes (6 s real): longer than the action takes to
    // start, shorter than its first wait before retrying.
    emu.configure({
      'ec2.maxConcurrentSnapshotCopies': 1,
      'ec2.copyBaseMs': 6_000_000,
      'ec2.copyMsPerGiB': 0
    })
    // "Another run" holds the only snapshot-copy slot of BUILD in eu-west-1.
    const keys = credentialsEnv(BUILD)
    const ec2 = new EC2Client({
      region: COPY_REGION,
      endpoint: emu.url,
      credentials: {
        accessKeyId: keys.AWS_ACCESS_KEY_ID,
        secretAccessKey: keys.AWS_SECRET_ACCESS_KEY
      }
    })
    await ec2.send(
      new CopyImageCommand({
        SourceImageId: BASE_AMI,
        SourceRegion: REGION,
        Name: 'other-run-copy'
      })
    )
    ec2.destroy()
    const r = await runPipeline(emu, adopt(BASE_AMI, { 'copy-regions': COPY_REGION }))
    expect(errorLines(r)).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/concurrent copy limit there is reached/)
    const refused = emu
      .calls()
      .filter((c) => c.action === 'CopyImage' && c.errorCode === 'ResourceLimitExceeded')
    expect(refused.length).toBeGreaterThan(0)
    expect(JSON.parse(r.outputs['ami-ids'])[COPY_REGION]).toMatch(/^ami-/)
  }, 90_000)
})

describe('AMI quotas are adjustable (point 5)', () => {
  const fivePublic = () =>
    emu.seed({
      ec2: {
        blockPublicAccess: [{ accountId: BUILD, region: REGION, state: 'unblocked' }],
        images: [1, 2, 3, 4, 5].map((n) => ({
          accountId: BUILD,
          region: REGION,
          name: `published-${n}`,
          public: true
        }))
      }
    })

  it('a raised "Public AMIs" quota lets a sixth public AMI through', async () => {
    fivePublic()
    emu.seed({
      servicequotas: {
        quotas: [{ accountId: BUILD, region: REGION, quotaCode: 'L-0E3CBAB9', value: 6 }]
      }
    })
    const r = await runPipeline(emu, adopt(BASE_AMI, { 'share-public': 'true' }))
    expect(errorLines(r)).toBe('')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.outputs['shared-with']).public).toBe(true)
  }, 60_000)

  it('an unreadable quota is a warning, and AWS decides, with its reason reported', async () => {
    fivePublic()
    emu.configure({ iam: { [BUILD]: ['ec2:*', 'ssm:*', 'kms:*', 'sts:*'] } })
    const r = await runPipeline(emu, adopt(BASE_AMI, { 'share-public': 'true' }))
    expect(warningLines(r)).toMatch(
      /Could not read the "Public AMIs" quota \(L-0E3CBAB9\).*servicequotas:GetServiceQuota/
    )
    expect(r.code).toBe(1)
    expect(errorLines(r)).toMatch(/ResourceLimitExceeded.*quota of 5 public images/)
  }, 60_000)
})

describe('SSM parameter with data type aws:ec2:image (point 6)', () => {
  const inputs = () => adopt(BASE_AMI, { 'ssm-parameter': '/golden/web' })

  it('is reported set only when SSM holds the AMI ID; a rejected value is a warning', async () => {
    emu.configure({ 'ssm.rejectImageParameters': ['/golden/web'] })
    const r = await runPipeline(emu, inputs())
    expect(r.code).toBe(0)
    expect(warningLines(r)).toMatch(
      /SSM parameter \/golden\/web in us-east-1: PutParameter was accepted, but .*not ami-0aaaaaaaaaaaaaaaa/
    )
    expect(worldState(emu).parameters).toEqual([])
  }, 60_000)

  it('holds the AMI ID after a run, and a re-run sends no PutParameter', async () => {
    const first = await runPipeline(emu, inputs())
    expect(first.code).toBe(0)
    expect(warningLines(first)).toBe('')
    expect(worldState(emu).parameters.map((p) => p.value)).toEqual([BASE_AMI])
    const before = emu.calls().length
    const again = await runPipeline(emu, inputs())
    expect(again.code).toBe(0)
    expect(
      emu
        .calls()
        .slice(before)
        .filter((c) => c.action === 'PutParameter')
    ).toEqual([])
  }, 60_000)
})

describe('disabled AMIs are hidden unless IncludeDisabled (point 7)', () => {
  it('a disabled AMI of the same name is found before CreateImage (if-exists: fail)', async () => {
    emu.seed({
      ec2: { images: [{ accountId: BUILD, region: REGION, name: 'web-fixed', state: 'disabled' }] }
    })
    const r = await runPipeline(emu, {
      'instance-id': INSTANCE,
      'ami-name': 'web-fixed',
      'timeout-minutes': '60'
    })
    expect(r.code).toBe(1)
    expect(errorLines(r)).toMatch(
      /ami-name: an AMI named "web-fixed" already exists in us-east-1: ami-\w+ \(disabled\)/
    )
    expect(emu.calls().filter((c) => c.action === 'CreateImage')).toEqual([])
  }, 60_000)
})

describe('the in-use check counts instances that are not terminated (point 8)', () => {
  it('a version only a terminated instance was launched from is pruned', async () => {
    const oldVersions = worldState(emu)
      .images.filter((i) => i.name.startsWith('web-old'))
      .map((i) => i.imageId)
    emu.seed({
      ec2: {
        instances: [
          { accountId: BUILD, region: REGION, imageId: oldVersions[0], state: 'terminated' },
          { accountId: BUILD, region: REGION, imageId: oldVersions[1], state: 'stopped' }
        ]
      }
    })
    const r = await runPipeline(emu, adopt(BASE_AMI, { family: 'web', 'prune-keep': '1' }))
    expect(errorLines(r)).toBe('')
    expect(r.code).toBe(0)
    const left = new Set(worldState(emu).images.map((i) => i.imageId))
    expect(left.has(oldVersions[0])).toBe(false)
    expect(left.has(oldVersions[1])).toBe(true)
  }, 60_000)
})

describe('deprecation time (point 9)', () => {
  it('is rounded to the nearest minute, as EC2 stores it, and reported so', async () => {
    const r = await runPipeline(emu, adopt(BASE_AMI, { 'deprecate-after': '2027-03-01T10:20:31Z' }))
    expect(errorLines(r)).toBe('')
    expect(r.code).toBe(0)
    const base = worldState(emu).images.find((i) => i.imageId === BASE_AMI) as unknown as {
      deprecationTime: string
    }
    expect(base.deprecationTime).toBe('2027-03-01T10:21:00.000Z')
    expect(r.summary).toContain('2027-03-01 10:21 UTC')
  }, 60_000)

  it('share-public: more than two years after the AMI was created is refused before any change', async () => {
    emu.seed({
      ec2: {
        blockPublicAccess: [{ accountId: BUILD, region: REGION, state: 'unblocked' }],
        images: [
          {
            imageId: 'ami-0bbbbbbbbbbbbbbbb',
            accountId: BUILD,
            region: REGION,
            name: 'old-public',
            creationDate: '2025-06-01T00:00:00Z'
          }
        ]
      }
    })
    const when = new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 19) + 'Z'
    const r = await runPipeline(
      emu,
      adopt('ami-0bbbbbbbbbbbbbbbb', { 'share-public': 'true', 'deprecate-after': when })
    )
    expect(r.code).toBe(1)
    expect(errorLines(r)).toMatch(
      /deprecate-after: .*two years after ami-0bbbbbbbbbbbbbbbb was created/
    )
    expect(mutations()).toEqual([])
  }, 60_000)
})

describe('sharing-mode exact and snapshot grants (point 11)', () => {
  it('removes createVolumePermission of accounts no longer listed, in its own call', async () => {
    emu.seed({
      ec2: {
        images: [
          {
            imageId: 'ami-0cccccccccccccccc',
            accountId: BUILD,
            region: REGION,
            name: 'web-shared',
            launchPermissions: [{ userId: '999999999999' }],
            snapshots: [{ sizeGiB: 8, createVolumePermissions: [{ userId: '999999999999' }] }]
          }
        ]
      }
    })
    const r = await runPipeline(
      emu,
      adopt('ami-0cccccccccccccccc', {
        'share-accounts': SHARE,
        'share-snapshots': 'true',
        'sharing-mode': 'exact'
      })
    )
    expect(errorLines(r)).toBe('')
    expect(r.code).toBe(0)
    const state = emu.state() as {
      ec2: {
        snapshots: { ownerId: string; createVolumePermissions: { userId?: string }[] }[]
        images: { imageId: string; blockDevices: { snapshotId: string }[] }[]
      }
    }
    const snapId = state.ec2.images.find((i) => i.imageId === 'ami-0cccccccccccccccc')!
      .blockDevices[0].snapshotId
    const snap = state.ec2.snapshots.find(
      (s) => (s as unknown as { snapshotId: string }).snapshotId === snapId
    )!
    expect(snap.createVolumePermissions).toEqual([{ userId: SHARE }])
    const snapshotCalls = emu
      .calls()
      .filter((c) => c.action === 'ModifySnapshotAttribute' && c.status < 400)
    expect(snapshotCalls).toHaveLength(2)
  }, 60_000)
})
