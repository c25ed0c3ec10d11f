// Retirement you can undo, and that sees every consumer: the bundled action against the emulator.
// Each rule of issue #17 by what the user (and AWS state) would notice: disabled versions and the
// permissions they had, the way back with ami-id, deregistering what this action disabled long
// ago, the last-launch window, consumer use through image usage reports, launch templates that
// pin only through launchable versions, Recycle Bin coverage (and restoring from the bin).
import { describe, expect, it } from '@jest/globals'
import {
  EC2Client,
  ListImagesInRecycleBinCommand,
  RestoreImageFromRecycleBinCommand,
  RestoreSnapshotFromRecycleBinCommand
} from '@aws-sdk/client-ec2'
import { BUILD, withEmulator } from './fixtures.js'
import { runAction } from './harness.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

const HOME = 'us-east-1'
const EU = 'eu-west-1'
const CONSUMER = '444455556666'
const FAMILY_TAG = 'ami-share-action:family'
const DISABLED_AT = 'ami-share-action:disabled-at'
const SOURCE = 'ami-0f0000000000000a1'
const DAY = 86_400_000

const emu = withEmulator({ timeScale: 0.001 })

let counter = 0
const hexId = (prefix: string): string => `${prefix}-0${(++counter).toString(16).padStart(16, '0')}`

/** `n` monthly versions in 2025 (web-01 oldest), then this run's source (newest). */
function versions(n: number, extra: (i: number) => Json = () => ({})): Json[] {
  const images: Json[] = []
  for (let i = 1; i <= n; i++) {
    images.push({
      imageId: hexId('ami'),
      accountId: BUILD,
      region: HOME,
      name: `web-${String(i).padStart(2, '0')}`,
      creationDate: `2025-${String(i).padStart(2, '0')}-01T00:00:00.000Z`,
      tags: { [FAMILY_TAG]: 'web' },
      snapshots: [{ snapshotId: hexId('snap'), sizeGiB: 8 }],
      ...extra(i)
    })
  }
  images.push({
    imageId: SOURCE,
    accountId: BUILD,
    region: HOME,
    name: 'web-new',
    creationDate: '2026-01-01T00:00:00.000Z',
    tags: { [FAMILY_TAG]: 'web' }
  })
  return images
}

const state = (): Json => (emu.state() as Json).ec2
const imageIn = (id: string): Json => state().images.find((i: Json) => i.imageId === id)
const calls = (action: string) => emu.calls().filter((c) => c.action === action && c.status < 400)
const ok = (r: { code: number | null; stderr: string }) =>
  expect({ code: r.code, stderr: r.stderr.slice(-2000) }).toEqual({ code: 0, stderr: '' })
const rowOf = (summary: string, id: string): string =>
  summary.split('\n').find((l) => l.includes(id) && l.startsWith('|')) ?? ''
const base = { 'ami-id': SOURCE, family: 'web', 'prune-keep': '2' }

describe('prune-action: disable', () => {
  it('disables the old versions, tags them, records the permissions they had, keeps their snapshots', async () => {
    counter = 0
    const images = versions(4, () => ({ launchPermissions: [{ userId: CONSUMER }] }))
    emu.seed({ ec2: { images } })
    const r = await runAction({
      emulator: emu,
      inputs: { ...base, 'prune-action': 'disable', 'prune-skip-in-use': 'false' },
      timeoutMs: 60_000
    })
    ok(r)
    // Newest 2 available: this run's and web-04. web-01..03 disabled.
    const old = images.slice(0, 3).map((i) => i.imageId)
    expect(JSON.parse(r.outputs['disabled-ami-ids'])[HOME].sort()).toEqual(old.sort())
    expect(JSON.parse(r.outputs['pruned-ami-ids'])).toEqual({ [HOME]: [] })
    for (const id of old) {
      const img = imageIn(id)
      expect(img.state).toBe('disabled')
      expect(img.launchPermissions).toEqual([])
      const tag = img.tags.find((t: Json) => t.key === DISABLED_AT)
      expect(Date.parse(tag.value)).toBeGreaterThan(Date.now() - 600_000)
      expect(rowOf(r.summary, id)).toContain(CONSUMER)
    }
    expect(imageIn(images[3].imageId).state).toBe('available')
    expect(calls('DeregisterImage')).toEqual([])
    // Snapshots stay.
    const snaps = new Set(state().snapshots.map((s: Json) => s.snapshotId))
    for (const img of images.slice(0, 3)) expect(snaps.has(img.snapshots[0].snapshotId)).toBe(true)
    expect(r.summary).toMatch(/Only available versions count toward prune-keep/)

    // A re-run changes nothing: disabled versions do not take a keep place, nor are they touched.
    const before = calls('DisableImage').length
    const again = await runAction({
      emulator: emu,
      inputs: { ...base, 'prune-action': 'disable', 'prune-skip-in-use': 'false' },
      timeoutMs: 60_000
    })
    ok(again)
    expect(calls('DisableImage')).toHaveLength(before)
    expect(JSON.parse(again.outputs['disabled-ami-ids'])).toEqual({})
  }, 90_000)

  it('prune-deregister-disabled-after deregisters what this action disabled long ago, never what others disabled', async () => {
    counter = 0
    const long = new Date(Date.now() - 40 * DAY).toISOString()
    const recent = new Date(Date.now() - 5 * DAY).toISOString()
    const images = versions(5, (i) =>
      i === 1
        ? { state: 'disabled', tags: { [FAMILY_TAG]: 'web', [DISABLED_AT]: long } }
        : i === 2
          ? { state: 'disabled' } // someone else's doing: no tag
          : i === 3
            ? { state: 'disabled', tags: { [FAMILY_TAG]: 'web', [DISABLED_AT]: recent } }
            : {}
    )
    emu.seed({ ec2: { images } })
    const r = await runAction({
      emulator: emu,
      inputs: {
        ...base,
        'prune-action': 'disable',
        'prune-deregister-disabled-after': '30d',
        'prune-skip-in-use': 'false'
      },
      timeoutMs: 60_000
    })
    ok(r)
    const [v1, v2, v3, v4, v5] = images.map((i) => i.imageId)
    expect(JSON.parse(r.outputs['pruned-ami-ids'])).toEqual({ [HOME]: [v1] })
    expect(imageIn(v1)).toBeUndefined()
    const snaps = new Set(state().snapshots.map((s: Json) => s.snapshotId))
    expect(snaps.has(images[0].snapshots[0].snapshotId)).toBe(false)
    expect(imageIn(v2).state).toBe('disabled')
    expect(imageIn(v3).state).toBe('disabled')
    // Available: this run's, v5 and v4 -> keep 2 means v4 is disabled now.
    expect(JSON.parse(r.outputs['disabled-ami-ids'])).toEqual({ [HOME]: [v4] })
    expect(imageIn(v5).state).toBe('available')
    expect(r.summary).toContain('permanent')
  }, 90_000)
})

describe('the way back: ami-id of a disabled version', () => {
  it('re-enables it and its lineage copy, re-shares both per the sharing inputs, drops the tag', async () => {
    counter = 0
    const copyId = hexId('ami')
    const at = new Date(Date.now() - DAY).toISOString()
    emu.seed({
      ec2: {
        images: [
          {
            imageId: SOURCE,
            accountId: BUILD,
            region: HOME,
            name: 'web-back',
            state: 'disabled',
            tags: { [FAMILY_TAG]: 'web', [DISABLED_AT]: at }
          },
          {
            imageId: copyId,
            accountId: BUILD,
            region: EU,
            name: 'web-back',
            state: 'disabled',
            tags: {
              [FAMILY_TAG]: 'web',
              [DISABLED_AT]: at,
              'ami-share-action:source-image': `${SOURCE}@${HOME}`
            }
          }
        ]
      }
    })
    const r = await runAction({
      emulator: emu,
      inputs: { 'ami-id': SOURCE, family: 'web', 'copy-regions': EU, 'share-accounts': CONSUMER },
      timeoutMs: 60_000
    })
    ok(r)
    for (const id of [SOURCE, copyId]) {
      const img = imageIn(id)
      expect(img.state).toBe('available')
      expect(img.launchPermissions).toEqual([{ userId: CONSUMER }])
      expect(img.tags.some((t: Json) => t.key === DISABLED_AT)).toBe(false)
    }
    expect(
      calls('EnableImage')
        .map((c) => c.region)
        .sort()
    ).toEqual([EU, HOME])
    expect(calls('CopyImage')).toEqual([])
    expect(JSON.parse(r.outputs['ami-ids'])).toEqual({ [HOME]: SOURCE, [EU]: copyId })
  }, 90_000)
})

describe('guards', () => {
  it('prune-unused-for keeps a version launched within the window, by lastLaunchedTime or creation', async () => {
    counter = 0
    const images = versions(4, (i) =>
      i === 1 ? { lastLaunchedTime: new Date(Date.now() - 3 * DAY).toISOString() } : {}
    )
    emu.seed({ ec2: { images } })
    const r = await runAction({
      emulator: emu,
      inputs: { ...base, 'prune-unused-for': '30d' },
      timeoutMs: 60_000
    })
    ok(r)
    const [v1, v2, v3] = images.map((i) => i.imageId)
    expect(JSON.parse(r.outputs['pruned-ami-ids'])[HOME].sort()).toEqual([v2, v3].sort())
    expect(rowOf(r.summary, v1)).toMatch(/launched .* within prune-unused-for/)
    expect(
      calls('DescribeImageAttribute').some((c) => c.params.Attribute === 'lastLaunchedTime')
    ).toBe(true)
  }, 90_000)

  it('a version shared with a consumer that runs it is kept; the others are checked by usage reports, deleted after', async () => {
    counter = 0
    const images = versions(4, () => ({ launchPermissions: [{ userId: CONSUMER }] }))
    const used = images[1].imageId
    emu.seed({
      ec2: {
        images,
        instances: [{ accountId: CONSUMER, region: HOME, imageId: used, volumes: [{ sizeGiB: 8 }] }]
      }
    })
    const r = await runAction({ emulator: emu, inputs: base, timeoutMs: 60_000 })
    ok(r)
    const [v1, , v3] = images.map((i) => i.imageId)
    expect(JSON.parse(r.outputs['pruned-ami-ids'])[HOME].sort()).toEqual([v1, v3].sort())
    expect(rowOf(r.summary, used)).toContain(
      `used in consumer accounts: ${CONSUMER} (1 ec2:Instance)`
    )
    // One report per candidate, for its accounts and both resource types; each deleted once read.
    const created = calls('CreateImageUsageReport')
    expect(created.map((c) => c.params.ImageId).sort()).toEqual([v1, used, v3].sort())
    expect(created.every((c) => c.params['AccountId.1'] === CONSUMER)).toBe(true)
    expect(calls('DeleteImageUsageReport')).toHaveLength(3)
    expect(Object.keys((emu.state() as Json).ec2UsageReports ?? {})).toEqual([])
  }, 90_000)

  it('launch templates pin an AMI only through their default, latest or Auto Scaling versions', async () => {
    counter = 0
    const images = versions(5)
    const [v1, v2, v3, v4] = images.map((i) => i.imageId)
    emu.seed({
      ec2: {
        images,
        launchTemplates: [
          // v1 only in an old version (1 of 3; default 3): does not pin.
          {
            accountId: BUILD,
            region: HOME,
            name: 'web-nightly',
            versions: [{ imageId: v1 }, { imageId: v4 }, { imageId: SOURCE }],
            defaultVersion: 3
          },
          // v2 in version 1 of 2, which an Auto Scaling group names: pins.
          {
            accountId: BUILD,
            region: HOME,
            name: 'web-asg',
            versions: [{ imageId: v2 }, { imageId: SOURCE }],
            defaultVersion: 2
          }
        ]
      },
      autoscaling: {
        groups: [
          {
            accountId: BUILD,
            region: HOME,
            name: 'web',
            launchTemplate: { launchTemplateName: 'web-asg', version: '1' },
            minSize: 0,
            maxSize: 1
          }
        ]
      }
    })
    const r = await runAction({ emulator: emu, inputs: base, timeoutMs: 60_000 })
    ok(r)
    expect(JSON.parse(r.outputs['pruned-ami-ids'])[HOME].sort()).toEqual([v1, v3, v4].sort())
    expect(rowOf(r.summary, v2)).toMatch(/in use by ec2:LaunchTemplate/)
    expect(calls('DescribeAutoScalingGroups').length).toBeGreaterThan(0)
  }, 90_000)
})

const rules = (snapshotDays: number) => ({
  rbin: {
    rules: [
      { accountId: BUILD, region: HOME, resourceType: 'EC2_IMAGE', retentionDays: 30 },
      {
        accountId: BUILD,
        region: HOME,
        resourceType: 'EBS_SNAPSHOT',
        retentionDays: snapshotDays
      }
    ]
  }
})

describe('Recycle Bin', () => {
  it('says per version until when it is recoverable, warns where snapshots go sooner, and it can be restored', async () => {
    counter = 0
    const images = versions(3)
    emu.seed({ ec2: { images }, ...rules(7) })
    const r = await runAction({ emulator: emu, inputs: base, timeoutMs: 60_000 })
    ok(r)
    const gone = images[0]
    expect(JSON.parse(r.outputs['pruned-ami-ids'])[HOME].sort()).toEqual(
      [gone.imageId, images[1].imageId].sort()
    )
    expect(rowOf(r.summary, gone.imageId)).toMatch(/recoverable until \d{4}-\d\d-\d\dT.*30 days/)
    expect(r.stdout + r.summary).toMatch(/snapshots are retained 7 days, the AMI 30/)

    // The README's restore: snapshots first, then the AMI.
    const ec2 = new EC2Client({
      endpoint: emu.url,
      region: HOME,
      credentials: { accessKeyId: `AKIA${BUILD}EXAMPLE`, secretAccessKey: 'emulator' }
    })
    const binned = await ec2.send(new ListImagesInRecycleBinCommand({ ImageIds: [gone.imageId] }))
    expect(binned.Images?.map((i) => i.ImageId)).toEqual([gone.imageId])
    await ec2.send(
      new RestoreSnapshotFromRecycleBinCommand({ SnapshotId: gone.snapshots[0].snapshotId })
    )
    await ec2.send(new RestoreImageFromRecycleBinCommand({ ImageId: gone.imageId }))
    ec2.destroy()
    expect(imageIn(gone.imageId)).toBeDefined()
  }, 90_000)

  it('prune-require-recycle-bin skips what the rules do not cover as long, AMI and snapshots', async () => {
    counter = 0
    const images = versions(3)
    emu.seed({ ec2: { images }, ...rules(7) })
    const r = await runAction({
      emulator: emu,
      inputs: { ...base, 'prune-require-recycle-bin': 'true' },
      timeoutMs: 60_000
    })
    ok(r)
    expect(JSON.parse(r.outputs['pruned-ami-ids'])).toEqual({ [HOME]: [] })
    expect(rowOf(r.summary, images[0].imageId)).toMatch(/prune-require-recycle-bin/)
    expect(calls('DeregisterImage')).toEqual([])
  }, 90_000)
})

describe('dry run', () => {
  it('lists what would be disabled and deregistered, with coverage and usage, and changes nothing', async () => {
    counter = 0
    const long = new Date(Date.now() - 40 * DAY).toISOString()
    const images = versions(4, (i) =>
      i === 1
        ? { state: 'disabled', tags: { [FAMILY_TAG]: 'web', [DISABLED_AT]: long } }
        : { launchPermissions: [{ userId: CONSUMER }] }
    )
    emu.seed({ ec2: { images }, ...rules(30) })
    const r = await runAction({
      emulator: emu,
      inputs: {
        ...base,
        'dry-run': 'true',
        'prune-action': 'disable',
        'prune-deregister-disabled-after': '30d'
      },
      timeoutMs: 60_000
    })
    ok(r)
    expect(emu.calls().filter((c) => c.mutating)).toEqual([])
    const [v1, v2, v3] = images.map((i) => i.imageId)
    expect(JSON.parse(r.outputs['pruned-ami-ids'])).toEqual({ [HOME]: [v1] })
    expect(JSON.parse(r.outputs['disabled-ami-ids'])[HOME].sort()).toEqual([v2, v3].sort())
    expect(r.summary).toMatch(new RegExp(`Would deregister ${v1}.*recoverable until`))
    expect(r.summary).toMatch(
      new RegExp(
        `Would disable ${v2}.*accounts ${CONSUMER}.*consumer usage not checked in a dry run`
      )
    )
  }, 90_000)
})

describe('plan agreement', () => {
  /** Matches src/report/index.ts PLANNED_CALLS_PREFIX (the debug line a dry run writes). */
  const PLANNED_CALLS = '::debug::Planned AWS calls: '
  const key = (c: { action: string; accountId: string; region: string }): string =>
    `${c.action} ${c.accountId} ${c.region}`

  it('the dry run plans exactly the mutating calls of the real run: re-enable, disable, deregister', async () => {
    counter = 0
    const long = new Date(Date.now() - 40 * DAY).toISOString()
    const images = versions(4, (i) =>
      i === 1 ? { state: 'disabled', tags: { [FAMILY_TAG]: 'web', [DISABLED_AT]: long } } : {}
    )
    // This run adopts a disabled AMI: the way back is part of the plan too.
    const source = images[images.length - 1]
    source.state = 'disabled'
    source.tags = { [FAMILY_TAG]: 'web', [DISABLED_AT]: long }
    emu.seed({ ec2: { images } })
    const inputs = {
      ...base,
      'share-accounts': CONSUMER,
      'prune-action': 'disable',
      'prune-deregister-disabled-after': '30d',
      'prune-skip-in-use': 'false'
    }
    const dry = await runAction({
      emulator: emu,
      inputs: { ...inputs, 'dry-run': 'true' },
      timeoutMs: 60_000
    })
    ok(dry)
    const line = dry.stdout.split('\n').find((l) => l.startsWith(PLANNED_CALLS))!
    const planned = (JSON.parse(line.slice(PLANNED_CALLS.length)) as Json[]).map(key).sort()
    const before = Math.max(0, ...emu.calls().map((c) => c.seq))
    const real = await runAction({ emulator: emu, inputs, timeoutMs: 60_000 })
    ok(real)
    const made = emu
      .calls()
      .filter((c) => c.seq > before && c.mutating && c.status < 400)
      .map((c) => key({ ...c, action: `${c.service}:${c.action}` }))
      .sort()
    expect(made).toContain(`ec2:EnableImage ${BUILD} ${HOME}`)
    expect(made).toContain(`ec2:DisableImage ${BUILD} ${HOME}`)
    expect(made).toContain(`ec2:DeregisterImage ${BUILD} ${HOME}`)
    expect(planned).toEqual(made)
  }, 90_000)
})
