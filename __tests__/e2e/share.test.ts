// End to end: dist/index.js shares with accounts, an organization and an OU (a member account
// then sees the AMI as AWS's "Shared with me" does), shares snapshots, refuses a public share
// under block public access, and rides out throttling on 30 % of calls.
import { beforeAll, describe, expect, it } from '@jest/globals'
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2'
import {
  BASE_AMI,
  BUILD,
  callsTo,
  errorMessages,
  imagesIn,
  INSTANCE,
  REGION,
  TEST_TIMEOUT,
  updateLinuxAmiInputs,
  withEmulator
} from './fixtures.js'
import { credentialsEnv, runAction } from './harness.js'

const ORG = 'arn:aws:organizations::111122223333:organization/o-abcdefghij'
const OU = 'arn:aws:organizations::111122223333:ou/o-abcdefghij/ou-ab12-cdefghij'
/** In the OU (and so the organization), listed nowhere in the inputs. */
const OU_MEMBER = '444455556666'
/** In the organization but not the OU. */
const ORG_MEMBER = '888899990000'
/** In neither. */
const OUTSIDER = '123412341234'
const LISTED = ['555566667777', '666677778888']

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(() => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
})
const emu = withEmulator({ timeScale: 0.001 }, (started) => {
  started.seed({
    ec2: {
      accounts: {
        [OU_MEMBER]: { organizationArn: ORG, ouArns: [OU] },
        [ORG_MEMBER]: { organizationArn: ORG, ouArns: [] }
      },
      images: [{ imageId: BASE_AMI, accountId: BUILD, region: REGION, name: 'base' }],
      instances: [
        {
          instanceId: INSTANCE,
          accountId: BUILD,
          region: REGION,
          volumes: [{ sizeGiB: 8 }]
        }
      ]
    }
  })
})

/** What `account` may launch, asked through the real SDK as that account. */
async function launchableBy(account: string): Promise<string[]> {
  const keys = credentialsEnv(account)
  const ec2 = new EC2Client({
    region: REGION,
    endpoint: emu.url,
    credentials: {
      accessKeyId: keys.AWS_ACCESS_KEY_ID,
      secretAccessKey: keys.AWS_SECRET_ACCESS_KEY
    }
  })
  try {
    const { Images = [] } = await ec2.send(new DescribeImagesCommand({ ExecutableUsers: ['self'] }))
    return Images.map((image) => image.ImageId!)
  } finally {
    ec2.destroy()
  }
}

describe('sharing', () => {
  it(
    'accounts + organization + OU in one call; an OU member sees it with ExecutableUsers=self',
    async () => {
      const result = await runAction({
        emulator: emu,
        inputs: {
          'instance-id': 'i-0123456789abcdef0',
          'ami-name': 'web-shared',
          'share-accounts': LISTED.join(','),
          'share-organizations': ORG,
          'share-organizational-units': OU
        }
      })
      expect(errorMessages(result)).toEqual([])
      expect(result.code).toBe(0)
      const amiId = result.outputs['ami-id']

      const modify = callsTo(emu, 'ModifyImageAttribute')
      expect(modify).toHaveLength(1)
      expect(modify[0].params).toMatchObject({
        ImageId: amiId,
        'LaunchPermission.Add.1.UserId': LISTED[0],
        'LaunchPermission.Add.2.UserId': LISTED[1],
        'LaunchPermission.Add.3.OrganizationArn': ORG,
        'LaunchPermission.Add.4.OrganizationalUnitArn': OU
      })
      expect(JSON.parse(result.outputs['shared-with'])).toEqual({
        accounts: LISTED,
        organizations: [ORG],
        organizationalUnits: [OU],
        public: false
      })
      expect(imagesIn(emu).find((i) => i.imageId === amiId)!.launchPermissions).toEqual([
        { userId: LISTED[0] },
        { userId: LISTED[1] },
        { organizationArn: ORG },
        { organizationalUnitArn: OU }
      ])

      expect(await launchableBy(OU_MEMBER)).toContain(amiId)
      expect(await launchableBy(ORG_MEMBER)).toContain(amiId)
      expect(await launchableBy(LISTED[1])).toContain(amiId)
      expect(await launchableBy(OUTSIDER)).not.toContain(amiId)
    },
    TEST_TIMEOUT
  )

  it(
    'share-snapshots grants createVolumePermission on every snapshot to the listed accounts',
    async () => {
      const result = await runAction({
        emulator: emu,
        inputs: {
          'instance-id': 'i-0123456789abcdef0',
          'ami-name': 'web-snapshots',
          'share-accounts': LISTED.join('\n'),
          'share-snapshots': 'true'
        }
      })
      expect(errorMessages(result)).toEqual([])
      expect(result.code).toBe(0)
      const [snapshotId] = JSON.parse(result.outputs['snapshot-ids'])[REGION]
      const modify = callsTo(emu, 'ModifySnapshotAttribute')
      expect(modify).toHaveLength(1)
      expect(modify[0].params).toMatchObject({
        SnapshotId: snapshotId,
        Attribute: 'createVolumePermission',
        'CreateVolumePermission.Add.1.UserId': LISTED[0],
        'CreateVolumePermission.Add.2.UserId': LISTED[1]
      })
      const snapshot = (emu.state() as Json).ec2.snapshots.find(
        (s: Json) => s.snapshotId === snapshotId
      )
      expect(snapshot.createVolumePermissions).toEqual([
        { userId: LISTED[0] },
        { userId: LISTED[1] }
      ])
    },
    TEST_TIMEOUT
  )

  it(
    'share-public under block public access fails with no share call and names the setting',
    async () => {
      const result = await runAction({
        emulator: emu,
        inputs: { 'ami-id': BASE_AMI, 'share-public': 'true', 'share-accounts': LISTED[0] }
      })
      expect(result.code).not.toBe(0)
      const message = errorMessages(result).join('\n')
      expect(message).toMatch(/block public access/i)
      expect(message).toContain('share-public')
      // The fix is given once, not once more as a generic hint.
      expect(message.match(/disable-image-block-public-access/g)).toHaveLength(1)
      expect(callsTo(emu, 'GetImageBlockPublicAccessState')).not.toHaveLength(0)
      expect(callsTo(emu, 'ModifyImageAttribute')).toHaveLength(0)
      expect(imagesIn(emu).find((i) => i.imageId === BASE_AMI)).toMatchObject({
        launchPermissions: []
      })
    },
    TEST_TIMEOUT
  )
})

describe('throttling', () => {
  it(
    'a runbook build, share and copy succeed with 30 % of all AWS calls throttled',
    async () => {
      emu.configure({ faults: [{ kind: 'throttle', probability: 0.3 }], faultSeed: 7 })
      const result = await runAction({
        emulator: emu,
        inputs: {
          ...updateLinuxAmiInputs(BASE_AMI),
          'ami-name': 'web-throttled',
          'share-accounts': LISTED[0],
          'copy-regions': 'eu-west-1'
        }
      })
      expect(errorMessages(result)).toEqual([])
      expect(result.code).toBe(0)

      const aws = emu.calls().filter((c) => c.service !== 'github')
      const throttled = aws.filter((c) =>
        ['RequestLimitExceeded', 'ThrottlingException', 'Throttling'].includes(c.errorCode ?? '')
      )
      // Roughly 30 % (seeded PRNG), and on more than one service.
      expect(throttled.length / aws.length).toBeGreaterThan(0.15)
      expect(new Set(throttled.map((c) => c.service)).size).toBeGreaterThan(1)

      const ids = JSON.parse(result.outputs['ami-ids'])
      expect(Object.keys(ids).sort()).toEqual(['eu-west-1', REGION])
      const byId = new Map(imagesIn(emu).map((i) => [i.imageId, i]))
      for (const id of Object.values(ids) as string[]) {
        expect(byId.get(id)).toMatchObject({ state: 'available' })
        expect(byId.get(id)!.launchPermissions).toEqual([{ userId: LISTED[0] }])
      }
      // Retries reused ClientTokens: one runbook execution, one copy.
      expect((emu.state() as Json).ssm.executions).toHaveLength(1)
      expect(imagesIn(emu).filter((i) => i.region === 'eu-west-1')).toHaveLength(1)
    },
    TEST_TIMEOUT
  )
})
