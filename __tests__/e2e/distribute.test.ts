// Distribution end to end: the bundled action (dist/index.js) adopts an AMI and copies it into
// regions and accounts of the emulator. Assertions read what a user would see: the outputs, the
// requests the emulator received, and the AWS state it holds afterwards.
import { describe, expect, it } from '@jest/globals'
import { BUILD, withEmulator } from './fixtures.js'
import { runAction } from './harness.js'

const CONSUMER = '444455556666'
const ACCOUNT_A = '777788889999'
const ACCOUNT_B = '222233334444'
const ROLE_A = `arn:aws:iam::${ACCOUNT_A}:role/copier`
const ROLE_B = `arn:aws:iam::${ACCOUNT_B}:role/copier`
const HOME = 'us-east-1'
const COPY_REGIONS = ['eu-west-1', 'eu-central-1', 'ap-southeast-2', 'us-west-2']
const SOURCE = 'ami-0aaaaaaaaaaaaaaaa'
const FAMILY_TAG = 'ami-share-action:family'
const LINEAGE_TAG = 'ami-share-action:source-image'
const SSM_PARAMETER = '/golden/web/latest'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

const emu = withEmulator({ timeScale: 0.001 })

function seedSource(snapshots = 1): void {
  emu.seed({
    ec2: {
      images: [
        {
          imageId: SOURCE,
          accountId: BUILD,
          region: HOME,
          name: 'web-20261101',
          snapshots: Array.from({ length: snapshots }, () => ({ sizeGiB: 8 }))
        }
      ]
    }
  })
}

const tagMap = (tags: { key?: string; Key?: string; value?: string; Value?: string }[]) =>
  Object.fromEntries(tags.map((t) => [t.key ?? t.Key, t.value ?? t.Value]))

/** The images the emulator holds now, keyed `account/region`. */
function imagesByPlace(): Map<string, Json> {
  const images: Json[] = (emu.state() as Json).ec2.images
  return new Map(images.map((i) => [`${i.ownerId}/${i.region}`, i]))
}

function copyParamsTagSpecs(params: Json): Record<string, Record<string, string>> {
  // Query protocol: TagSpecification.N.ResourceType / TagSpecification.N.Tag.M.Key|Value
  const specs: Record<string, Record<string, string>> = {}
  for (let n = 1; params[`TagSpecification.${n}.ResourceType`]; n++) {
    const tags: Record<string, string> = {}
    for (let m = 1; params[`TagSpecification.${n}.Tag.${m}.Key`] !== undefined; m++)
      tags[params[`TagSpecification.${n}.Tag.${m}.Key`]] =
        params[`TagSpecification.${n}.Tag.${m}.Value`]
    specs[params[`TagSpecification.${n}.ResourceType`]] = tags
  }
  return specs
}

const baseInputs = {
  'ami-id': SOURCE,
  family: 'web',
  tags: 'team=platform',
  'share-accounts': CONSUMER,
  'share-snapshots': 'true',
  'deprecate-after': '90d',
  'deregistration-protection': 'true',
  'ssm-parameter': SSM_PARAMETER
}

describe('copies into regions and accounts', () => {
  it('makes 15 AMIs, each tagged at creation, shared, deprecated, protected; outputs match state', async () => {
    seedSource()
    const r = await runAction({
      emulator: emu,
      inputs: {
        ...baseInputs,
        'copy-regions': COPY_REGIONS.join(','),
        'copy-accounts': `${ROLE_A}\n${ROLE_B}`
      },
      timeoutMs: 100_000
    })
    expect({ code: r.code, stderr: r.stderr.slice(-2000) }).toEqual({ code: 0, stderr: '' })
    expect(r.stdout.split('\n').filter((l) => l.startsWith('::warning::'))).toEqual([])

    const state = (emu.state() as Json).ec2
    const images: Json[] = state.images
    expect(images).toHaveLength(15)
    const places = imagesByPlace()
    const expectedPlaces = [
      ...[HOME, ...COPY_REGIONS].map((region) => `${BUILD}/${region}`),
      ...[ACCOUNT_A, ACCOUNT_B].flatMap((a) => [HOME, ...COPY_REGIONS].map((rg) => `${a}/${rg}`))
    ]
    expect([...places.keys()].sort()).toEqual(expectedPlaces.sort())

    const calls = emu.calls()
    const copies = calls.filter((c) => c.action === 'CopyImage' && c.status < 400)
    expect(copies).toHaveLength(14)
    // Tagged at creation: CreateTags only ever touches the adopted source, never a copy.
    const copyIds = new Set(images.filter((i) => i.imageId !== SOURCE).map((i) => i.imageId))
    const snapshotIdsOfCopies = new Set(
      images
        .filter((i) => i.imageId !== SOURCE)
        .flatMap((i: Json) => i.blockDevices.map((d: Json) => d.snapshotId))
    )
    for (const c of calls.filter((c) => c.action === 'CreateTags')) {
      const resources = Object.entries(c.params)
        .filter(([k]) => k.startsWith('ResourceId'))
        .map(([, v]) => v as string)
      for (const id of resources) {
        expect(copyIds.has(id)).toBe(false)
        expect(snapshotIdsOfCopies.has(id)).toBe(false)
      }
    }
    for (const c of copies) {
      const specs = copyParamsTagSpecs(c.params)
      const expected = { team: 'platform', [FAMILY_TAG]: 'web', [LINEAGE_TAG]: `${SOURCE}@${HOME}` }
      expect(specs).toEqual({ image: expected, snapshot: expected })
    }

    const deprecationFloor = Date.now() + 80 * 86_400_000
    for (const image of images) {
      const where = `${image.ownerId}/${image.region}`
      const tags = tagMap(image.tags)
      expect({ where, family: tags[FAMILY_TAG], team: tags.team }).toEqual({
        where,
        family: 'web',
        team: 'platform'
      })
      if (image.imageId !== SOURCE) {
        expect({ where, lineage: tags[LINEAGE_TAG] }).toEqual({
          where,
          lineage: `${SOURCE}@${HOME}`
        })
        for (const d of image.blockDevices) {
          const snap = state.snapshots.find((s: Json) => s.snapshotId === d.snapshotId)
          expect(tagMap(snap.tags)).toEqual({
            team: 'platform',
            [FAMILY_TAG]: 'web',
            [LINEAGE_TAG]: `${SOURCE}@${HOME}`
          })
        }
      }
      // Shared per the inputs in its region: the consumer everywhere (not an owner's own copy),
      // and the copy accounts on the source only (they needed it to copy).
      const users = image.launchPermissions.map((p: Json) => p.userId).sort()
      const expectedUsers =
        image.imageId === SOURCE ? [ACCOUNT_B, CONSUMER, ACCOUNT_A].sort() : [CONSUMER]
      expect({ where, users }).toEqual({ where, users: expectedUsers })
      for (const d of image.blockDevices) {
        const snap = state.snapshots.find((s: Json) => s.snapshotId === d.snapshotId)
        const volumeUsers = snap.createVolumePermissions.map((p: Json) => p.userId).sort()
        expect({ where, volumeUsers }).toEqual({ where, volumeUsers: expectedUsers })
      }
      expect({ where, protected: Boolean(image.deregistrationProtection) }).toEqual({
        where,
        protected: true
      })
      expect(Date.parse(image.deprecationTime)).toBeGreaterThan(deprecationFloor)
    }

    // The SSM parameter in every region of the build account, pointing at that region's AMI.
    const parameters: Json[] = (emu.state() as Json).ssm.parameters
    for (const region of [HOME, ...COPY_REGIONS]) {
      const p = parameters.find(
        (x) => x.name === SSM_PARAMETER && x.region === region && x.accountId === BUILD
      )
      expect({ region, value: p?.value }).toEqual({
        region,
        value: places.get(`${BUILD}/${region}`).imageId
      })
    }
    expect(parameters.filter((p) => p.accountId !== BUILD)).toEqual([])

    // Outputs: exactly the emulator's images and snapshots.
    const amiIds = JSON.parse(r.outputs['ami-ids'])
    expect(amiIds).toEqual(
      Object.fromEntries(
        [HOME, ...COPY_REGIONS].map((region) => [region, places.get(`${BUILD}/${region}`).imageId])
      )
    )
    expect(JSON.parse(r.outputs['account-ami-ids'])).toEqual(
      Object.fromEntries(
        [ACCOUNT_A, ACCOUNT_B].map((a) => [
          a,
          Object.fromEntries(
            [HOME, ...COPY_REGIONS].map((rg) => [rg, places.get(`${a}/${rg}`).imageId])
          )
        ])
      )
    )
    expect(JSON.parse(r.outputs['snapshot-ids'])).toEqual(
      Object.fromEntries(
        [HOME, ...COPY_REGIONS].map((region) => [
          region,
          places.get(`${BUILD}/${region}`).blockDevices.map((d: Json) => d.snapshotId)
        ])
      )
    )
    expect(r.outputs['ami-id']).toBe(SOURCE)
  }, 120_000)

  it('encrypts copies with kms-key-id, and region-kms-key-ids where given', async () => {
    seedSource()
    const westKey = 'arn:aws:kms:us-west-2:111122223333:key/0000aaaa-0000-aaaa-0000-aaaa0000aaaa'
    // The keys exist where the copies go (the pre-flight checks that before anything changes).
    emu.seed({
      kms: {
        keys: [
          { accountId: BUILD, region: 'eu-west-1', aliases: ['alias/golden'] },
          { accountId: BUILD, region: 'us-west-2', keyId: '0000aaaa-0000-aaaa-0000-aaaa0000aaaa' }
        ]
      }
    })
    const r = await runAction({
      emulator: emu,
      inputs: {
        'ami-id': SOURCE,
        'copy-regions': 'eu-west-1,us-west-2',
        'kms-key-id': 'alias/golden',
        'region-kms-key-ids': `us-west-2: ${westKey}`
      },
      timeoutMs: 60_000
    })
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' })
    const copies = emu.calls().filter((c) => c.action === 'CopyImage' && c.status < 400)
    const sent = Object.fromEntries(
      copies.map((c) => [c.region, { Encrypted: c.params.Encrypted, KmsKeyId: c.params.KmsKeyId }])
    )
    expect(sent).toEqual({
      'eu-west-1': { Encrypted: 'true', KmsKeyId: 'alias/golden' },
      'us-west-2': { Encrypted: 'true', KmsKeyId: westKey }
    })
    // A retried CopyImage cannot duplicate: each carries a distinct ClientToken.
    const tokens = copies.map((c) => c.params.ClientToken)
    expect(new Set(tokens).size).toBe(2)
    const snapshots: Json[] = (emu.state() as Json).ec2.snapshots
    expect(snapshots.filter((x) => x.region === 'us-west-2').map((x) => x.kmsKeyId)).toEqual([
      westKey
    ])
    expect(snapshots.filter((x) => x.region === 'eu-west-1').map((x) => x.encrypted)).toEqual([
      true
    ])
  }, 60_000)
})
