// Pruning end to end: the bundled action adopts the newest version of a family, copies it into two
// regions and a copy account, and prunes the family in 3 regions x 2 accounts. The emulator's state
// before and after must differ by exactly the expected deregistrations and snapshot deletions
// (plus this run's copies); protected, in-use, keep-tagged, foreign, other-family and this-run
// images and a snapshot shared with a kept AMI stay as they were.
import { describe, expect, it } from '@jest/globals'
import { BUILD, withEmulator } from './fixtures.js'
import { runAction } from './harness.js'

const COPY_ACCOUNT = '777788889999'
const FOREIGN = '999988887777'
const ROLE = `arn:aws:iam::${COPY_ACCOUNT}:role/copier`
const HOME = 'us-east-1'
const REGIONS = [HOME, 'eu-west-1', 'ap-southeast-2']
const ACCOUNTS = [BUILD, COPY_ACCOUNT]
const FAMILY_TAG = 'ami-share-action:family'
const KEEP_TAG = 'ami-share-action:keep'
const SOURCE = 'ami-0f0000000000000a1'
const SHARED_SNAPSHOT = 'snap-0ee00000000000001'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

const emu = withEmulator({ timeScale: 0.001 })

let counter = 0
const hexId = (prefix: string): string => `${prefix}-0${(++counter).toString(16).padStart(16, '0')}`

interface SeededVersion {
  imageId: string
  snapshotId: string
  accountId: string
  region: string
  version: number
}

interface World {
  seed: Json
  versions: SeededVersion[]
  /** Image IDs the run must deregister. */
  expectedPruned: Set<string>
  /** Snapshot IDs the run must delete. */
  expectedDeleted: Set<string>
  /** Skipped versions and the words their reason must contain. */
  expectedSkipped: Map<string, string>
}

/**
 * 12 versions (web-01 … web-12, monthly in 2025) in each (account, region). With prune-keep 3
 * and this run's AMI counting as the newest, web-11 and web-12 are kept and web-01 … web-10 go,
 * except the ones a safety rule holds.
 */
function buildWorld(): World {
  counter = 0
  const images: Json[] = []
  const versions: SeededVersion[] = []
  const expectedPruned = new Set<string>()
  const expectedDeleted = new Set<string>()
  const expectedSkipped = new Map<string, string>()
  const instances: Json[] = []
  const launchTemplates: Json[] = []
  const at = (accountId: string, region: string, version: number) =>
    versions.find((v) => v.accountId === accountId && v.region === region && v.version === version)!

  for (const accountId of ACCOUNTS) {
    for (const region of REGIONS) {
      for (let version = 1; version <= 12; version++) {
        const imageId = hexId('ami')
        const snapshotId = hexId('snap')
        versions.push({ imageId, snapshotId, accountId, region, version })
        images.push({
          imageId,
          accountId,
          region,
          name: `web-${String(version).padStart(2, '0')}`,
          creationDate: `2025-${String(version).padStart(2, '0')}-01T00:00:00.000Z`,
          tags: { [FAMILY_TAG]: 'web' },
          snapshots: [{ snapshotId, sizeGiB: 8 }]
        })
        if (version <= 10) {
          expectedPruned.add(imageId)
          expectedDeleted.add(snapshotId)
        }
      }
    }
  }
  const hold = (v: SeededVersion, reason: string): void => {
    expectedPruned.delete(v.imageId)
    expectedDeleted.delete(v.snapshotId)
    expectedSkipped.set(v.imageId, reason)
  }
  const imageOf = (v: SeededVersion) => images.find((i) => i.imageId === v.imageId)

  // Protected (build account, home; copy account, ap-southeast-2).
  for (const v of [at(BUILD, HOME, 3), at(COPY_ACCOUNT, 'ap-southeast-2', 6)]) {
    imageOf(v).deregistrationProtection = 'enabled'
    hold(v, 'deregistration protection')
  }
  // In use: an instance (home) and a launch template (eu-west-1; copy account home).
  const used = at(BUILD, HOME, 5)
  instances.push({
    accountId: BUILD,
    region: HOME,
    imageId: used.imageId,
    volumes: [{ sizeGiB: 8 }]
  })
  hold(used, 'in use by')
  for (const v of [at(BUILD, 'eu-west-1', 4), at(COPY_ACCOUNT, HOME, 2)]) {
    launchTemplates.push({
      accountId: v.accountId,
      region: v.region,
      name: `lt-${v.version}`,
      imageId: v.imageId
    })
    hold(v, 'in use by')
  }
  // Keep-tagged.
  for (const v of [at(BUILD, HOME, 7), at(COPY_ACCOUNT, 'eu-west-1', 1)]) {
    imageOf(v).tags[KEEP_TAG] = 'true'
    hold(v, `${KEEP_TAG}=true`)
  }
  // A snapshot shared by a pruned version and an other-family AMI that stays: the snapshot stays.
  const sharing = at(BUILD, HOME, 2)
  expectedDeleted.delete(sharing.snapshotId)
  imageOf(sharing).snapshots = [{ snapshotId: SHARED_SNAPSHOT, sizeGiB: 8 }]
  sharing.snapshotId = SHARED_SNAPSHOT

  // Never candidates: other family, no family tag, foreign-owned (shared with the build account).
  const old = '2024-01-01T00:00:00.000Z'
  images.push(
    {
      imageId: hexId('ami'),
      accountId: BUILD,
      region: HOME,
      name: 'api-01',
      creationDate: old,
      tags: { [FAMILY_TAG]: 'api' },
      snapshots: [{ snapshotId: SHARED_SNAPSHOT, sizeGiB: 8 }]
    },
    {
      imageId: hexId('ami'),
      accountId: COPY_ACCOUNT,
      region: 'eu-west-1',
      name: 'api-01',
      creationDate: old,
      tags: { [FAMILY_TAG]: 'api' }
    },
    {
      imageId: hexId('ami'),
      accountId: BUILD,
      region: 'ap-southeast-2',
      name: 'untagged-01',
      creationDate: old
    },
    {
      imageId: hexId('ami'),
      accountId: FOREIGN,
      region: HOME,
      name: 'web-foreign',
      creationDate: old,
      tags: { [FAMILY_TAG]: 'web' },
      launchPermissions: [{ userId: BUILD }]
    },
    {
      imageId: hexId('ami'),
      accountId: FOREIGN,
      region: 'eu-west-1',
      name: 'web-foreign',
      creationDate: old,
      tags: { [FAMILY_TAG]: 'web' },
      launchPermissions: [{ userId: BUILD }, { userId: COPY_ACCOUNT }]
    },
    // This run's source: the newest version, adopted.
    {
      imageId: SOURCE,
      accountId: BUILD,
      region: HOME,
      name: 'web-13',
      creationDate: '2026-01-01T00:00:00.000Z',
      tags: { [FAMILY_TAG]: 'web' }
    }
  )
  return {
    seed: { ec2: { images, instances, launchTemplates } },
    versions,
    expectedPruned,
    expectedDeleted,
    expectedSkipped
  }
}

const inputs = {
  'ami-id': SOURCE,
  family: 'web',
  'copy-regions': REGIONS.slice(1).join(','),
  'copy-accounts': ROLE,
  'prune-keep': '3'
}

const ec2State = (): Json => (emu.state() as Json).ec2
const byId = (list: Json[], key: string): Map<string, Json> => new Map(list.map((x) => [x[key], x]))

/** region → sorted image IDs, every region examined present. */
function expectedPrunedOutput(world: World): Record<string, string[]> {
  return Object.fromEntries(
    REGIONS.map((region) => [
      region,
      world.versions
        .filter((v) => v.region === region && world.expectedPruned.has(v.imageId))
        .map((v) => v.imageId)
        .sort()
    ])
  )
}
const sortValues = (o: Record<string, string[]>) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, [...v].sort()]))

describe('prune', () => {
  it('deregisters exactly the expected versions and deletes exactly their unshared snapshots', async () => {
    const world = buildWorld()
    emu.seed(world.seed)
    const before = ec2State()
    const r = await runAction({ emulator: emu, inputs, timeoutMs: 100_000 })
    expect({ code: r.code, stderr: r.stderr.slice(-2000) }).toEqual({ code: 0, stderr: '' })
    const after = ec2State()

    // Images: the diff is exactly "expected ones gone" + "this run's 5 copies added".
    const afterImages = byId(after.images, 'imageId')
    const gone = before.images
      .filter((i: Json) => !afterImages.has(i.imageId))
      .map((i: Json) => i.imageId)
    expect(gone.sort()).toEqual([...world.expectedPruned].sort())
    for (const image of before.images as Json[]) {
      if (world.expectedPruned.has(image.imageId) || image.imageId === SOURCE) continue
      expect(afterImages.get(image.imageId)).toEqual(image)
    }
    const beforeIds = new Set(before.images.map((i: Json) => i.imageId))
    const added = after.images.filter((i: Json) => !beforeIds.has(i.imageId))
    expect(added.map((i: Json) => `${i.ownerId}/${i.region}`).sort()).toEqual(
      [
        `${BUILD}/eu-west-1`,
        `${BUILD}/ap-southeast-2`,
        ...REGIONS.map((region) => `${COPY_ACCOUNT}/${region}`)
      ].sort()
    )
    expect(afterImages.get(SOURCE)).toBeDefined()

    // Snapshots: exactly the pruned versions' own snapshots are gone; the shared one stays.
    const afterSnapshots = byId(after.snapshots, 'snapshotId')
    const deleted = before.snapshots
      .filter((s: Json) => !afterSnapshots.has(s.snapshotId))
      .map((s: Json) => s.snapshotId)
    expect(deleted.sort()).toEqual([...world.expectedDeleted].sort())
    expect(afterSnapshots.get(SHARED_SNAPSHOT)).toBeDefined()
    const sourceSnapshots = new Set(
      before.images
        .find((i: Json) => i.imageId === SOURCE)
        .blockDevices.map((d: Json) => d.snapshotId)
    )
    for (const snap of before.snapshots as Json[]) {
      if (world.expectedDeleted.has(snap.snapshotId) || sourceSnapshots.has(snap.snapshotId))
        continue
      expect(afterSnapshots.get(snap.snapshotId)).toEqual(snap)
    }
    expect(after.instances).toEqual(before.instances)
    expect(after.launchTemplates).toEqual(before.launchTemplates)

    // One DeregisterImage per pruned version, asking AWS to delete its snapshots; no DeleteSnapshot.
    const deregisters = emu.calls().filter((c) => c.action === 'DeregisterImage')
    expect(deregisters).toHaveLength(world.expectedPruned.size)
    expect(deregisters.every((c) => c.params.DeleteAssociatedSnapshots === 'true')).toBe(true)
    expect(emu.calls().filter((c) => c.action === 'DeleteSnapshot')).toEqual([])

    // Outputs and summary.
    expect(sortValues(JSON.parse(r.outputs['pruned-ami-ids']))).toEqual(expectedPrunedOutput(world))
    for (const id of world.expectedPruned) expect(r.summary).toContain(id)
    for (const [id, reason] of world.expectedSkipped) {
      const line = r.summary.split('\n').find((l) => l.includes(id))
      expect({ id, line: line?.includes(reason) }).toEqual({ id, line: true })
    }
  }, 120_000)

  it('prune-dry-run: no mutating call from the prune phase, the same list as the real run', async () => {
    const world = buildWorld()
    emu.seed(world.seed)
    const dry = await runAction({
      emulator: emu,
      inputs: { ...inputs, 'prune-dry-run': 'true' },
      timeoutMs: 100_000
    })
    expect({ code: dry.code, stderr: dry.stderr.slice(-2000) }).toEqual({ code: 0, stderr: '' })
    const calls = emu.calls()
    // The prune phase starts with its family listing (Owners=self, tag filter on the family).
    const pruneStart = calls.find(
      (c) => c.action === 'DescribeImages' && Object.values(c.params).includes(`tag:${FAMILY_TAG}`)
    )
    expect(pruneStart).toBeDefined()
    expect(calls.filter((c) => c.seq >= pruneStart!.seq && c.mutating)).toEqual([])
    expect(
      calls.filter((c) => c.action === 'DeregisterImage' || c.action === 'DeleteSnapshot')
    ).toEqual([])
    const dryList = sortValues(JSON.parse(dry.outputs['pruned-ami-ids']))
    expect(dryList).toEqual(expectedPrunedOutput(world))
    expect(dry.summary).toMatch(/would/i)
    for (const id of world.expectedPruned) expect(dry.summary).toContain(id)
    // Every seeded image is still there.
    const ids = new Set(ec2State().images.map((i: Json) => i.imageId))
    for (const v of world.versions) expect(ids.has(v.imageId)).toBe(true)

    // The real run, from the same world (this run's copies now exist and are reused), agrees.
    const real = await runAction({ emulator: emu, inputs, timeoutMs: 100_000 })
    expect({ code: real.code, stderr: real.stderr.slice(-2000) }).toEqual({ code: 0, stderr: '' })
    expect(sortValues(JSON.parse(real.outputs['pruned-ami-ids']))).toEqual(dryList)
  }, 120_000)

  it('prune-older-than holds young versions; a region with nothing to prune is listed with []', async () => {
    const day = 86_400_000
    const now = emu.sim.clock.now()
    const aged = [400, 200, 100, 10, 5].map((days) => ({
      imageId: hexId('ami'),
      accountId: BUILD,
      region: HOME,
      name: `web-${days}d`,
      creationDate: new Date(now - days * day).toISOString(),
      tags: { [FAMILY_TAG]: 'web' }
    }))
    emu.seed({
      ec2: {
        images: [
          ...aged,
          {
            imageId: SOURCE,
            accountId: BUILD,
            region: HOME,
            name: 'web-new',
            tags: { [FAMILY_TAG]: 'web' }
          }
        ]
      }
    })
    const r = await runAction({
      emulator: emu,
      inputs: {
        'ami-id': SOURCE,
        family: 'web',
        'copy-regions': 'eu-west-1',
        'prune-keep': '2',
        'prune-older-than': '150d'
      },
      timeoutMs: 60_000
    })
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' })
    // Newest 2: this run's and the 5-day one; 10 and 100 days are not older than 150 days.
    expect(sortValues(JSON.parse(r.outputs['pruned-ami-ids']))).toEqual({
      [HOME]: [aged[0].imageId, aged[1].imageId].sort(),
      'eu-west-1': []
    })
    const left = new Set(ec2State().images.map((i: Json) => i.imageId))
    expect(aged.map((a) => left.has(a.imageId))).toEqual([false, false, true, true, true])
  }, 60_000)
})
