// The adaptive cadence as a schedule (pure), the per-client rate ceiling on a fake clock, and the
// family's recorded durations feeding a real wait.
import { beforeEach, describe, expect, it } from '@jest/globals'
import {
  CreateTagsCommand,
  DescribeImagesCommand,
  EC2Client,
  type Image as AwsImage
} from '@aws-sdk/client-ec2'
import { mockClient } from 'aws-sdk-client-mock'
import { createPoller, nextDelay, windowFrom, type ExpectedWindow } from '../../src/aws/poller.js'
import {
  BUILD_MS_TAG,
  COPY_MS_TAG_PREFIX,
  durationTags,
  expectedBuild,
  expectedCopy,
  recordDurations
} from '../../src/image/durations.js'
import { waitForImage } from '../../src/image/wait.js'
import type { FleetMember, Image } from '../../src/types.js'
import { makeContext, REGION } from './source-context.js'

const BASE = 5000

/** Reads of one wait that ends at `doneAt` ms: detection latency and reads per waited minute. */
function simulate(doneAt: number, window: ExpectedWindow | undefined) {
  let t = 0
  let reads = 1
  while (t < doneAt) {
    t += nextDelay(t, BASE, window)
    reads++
  }
  return { latencyMs: t - doneAt, readsPerMinute: (reads - 1) / (t / 60_000) }
}

describe('nextDelay', () => {
  it('without an expectation polls at the base interval', () => {
    expect(nextDelay(0, BASE, undefined)).toBe(BASE)
    expect(nextDelay(3_600_000, BASE, undefined)).toBe(BASE)
  })

  it.each([
    ['a 10-minute copy', 600_000],
    ['a 20-minute build', 1_200_000],
    ['a 20-second copy', 20_000]
  ])(
    'near the recorded duration of %s: detected within 1.5 s, at most 15 reads per waited minute',
    (_what, ms) => {
      const window = windowFrom([ms], BASE)
      for (const doneAt of [ms * 0.95, ms, ms * 1.05]) {
        const { latencyMs, readsPerMinute } = simulate(doneAt, window)
        expect(latencyMs).toBeLessThanOrEqual(1500)
        expect(readsPerMinute).toBeLessThanOrEqual(15)
      }
    }
  )

  it('sleeps at most 30 s while the end is far, and backs off to the base interval when overdue', () => {
    const window = windowFrom([600_000], BASE)!
    expect(nextDelay(0, BASE, window)).toBe(30_000)
    expect(nextDelay(window.latestMs + 1, BASE, window)).toBeCloseTo(1000, -1)
    expect(nextDelay(window.latestMs + 600_000, BASE, window)).toBe(BASE)
    // Much faster than ever before: still seen within one sparse interval.
    expect(simulate(60_000, window).latencyMs).toBeLessThanOrEqual(30_000)
  })

  it('polls a window wide for its wait less densely, keeping under 15 reads per minute', () => {
    // Past copies took 5 to 15 minutes: the end is not known to within a few seconds.
    const window = windowFrom([300_000, 900_000], BASE)
    for (const doneAt of [300_000, 600_000, 900_000]) {
      const { latencyMs, readsPerMinute } = simulate(doneAt, window)
      expect(latencyMs).toBeLessThanOrEqual(BASE)
      expect(readsPerMinute).toBeLessThanOrEqual(15)
    }
  })

  it('widens the window over the spread of past durations', () => {
    expect(windowFrom([], BASE)).toBeUndefined()
    const w = windowFrom([100_000, 140_000, 120_000], BASE)!
    expect(w.earliestMs).toBeLessThan(100_000)
    expect(w.latestMs).toBeGreaterThan(140_000)
  })
})

describe('rate ceiling', () => {
  it('holds all waits on one client to 2 reads per second together', async () => {
    const t = makeContext()
    const client = new EC2Client({ region: REGION })
    const pollers = Array.from({ length: 10 }, () => createPoller(t.ctx, client))
    const at: number[] = []
    for (let round = 0; round < 3; round++) {
      for (const p of pollers) {
        await p.beforeRead()
        at.push(t.ctx.now().getTime())
      }
    }
    const span = (at[at.length - 1] - at[0]) / 1000
    // 30 reads: 2 at once, then 2 per second.
    expect(span).toBeGreaterThanOrEqual(14)
    // A poller on another client (another account or region) is not held back.
    const before = t.ctx.now().getTime()
    await createPoller(t.ctx, new EC2Client({ region: 'us-west-2' })).beforeRead()
    expect(t.ctx.now().getTime()).toBe(before)
  })
})

describe('recorded durations', () => {
  const ec2Mock = mockClient(EC2Client)
  beforeEach(() => {
    ec2Mock.reset()
  })

  const built: Image = {
    id: 'ami-0aaaaaaaaaaaaaaaa',
    name: 'golden-3',
    region: REGION,
    ownerId: '111122223333',
    accountId: '111122223333',
    snapshots: [],
    source: 'automation',
    reused: false,
    buildMs: 612_345
  }
  const copy = (region: string, durationMs: number, extra: Partial<FleetMember> = {}) =>
    ({
      role: 'copy',
      accountId: '111122223333',
      region,
      imageId: 'ami-0bbbbbbbbbbbbbbbb',
      state: 'available',
      reused: false,
      durationMs,
      snapshots: [],
      ...extra
    }) as unknown as FleetMember

  it('tags the built AMI with its build time and each region’s slowest new copy', async () => {
    expect(
      durationTags(built, [
        copy('us-west-2', 300_000),
        copy('us-west-2', 420_000),
        copy('ap-south-1', 100_000, { reused: true })
      ])
    ).toEqual({ [BUILD_MS_TAG]: '612345', [`${COPY_MS_TAG_PREFIX}us-west-2`]: '420000' })
    const t = makeContext({ family: 'web' })
    ec2Mock.on(CreateTagsCommand).resolves({})
    await recordDurations(t.ctx, built, [copy('us-west-2', 300_000)])
    expect(ec2Mock.commandCalls(CreateTagsCommand)[0].args[0].input).toEqual({
      Resources: [built.id],
      Tags: [
        { Key: BUILD_MS_TAG, Value: '612345' },
        { Key: `${COPY_MS_TAG_PREFIX}us-west-2`, Value: '300000' }
      ]
    })
    // An adopted AMI is the user's: nothing is written on it.
    ec2Mock.reset()
    await recordDurations(t.ctx, { ...built, source: 'existing' }, [])
    expect(ec2Mock.commandCalls(CreateTagsCommand)).toHaveLength(0)
  })

  it('reads the newest versions’ tags once, and a copy wait polls densely only near them', async () => {
    const t = makeContext({ family: 'web' })
    const version = (day: number, copyMs: number): AwsImage => ({
      ImageId: `ami-0${String(day).padStart(16, '0')}`,
      CreationDate: `2026-01-${String(day).padStart(2, '0')}T00:00:00.000Z`,
      Tags: [
        { Key: BUILD_MS_TAG, Value: '900000' },
        { Key: `${COPY_MS_TAG_PREFIX}us-west-2`, Value: String(copyMs) }
      ]
    })
    const copyId = 'ami-0cccccccccccccccc'
    let listed = 0
    const readyAt = t.ctx.now().getTime() + 600_000
    ec2Mock.on(DescribeImagesCommand).callsFake((input: { ImageIds?: string[] }) => {
      if (!input.ImageIds) {
        listed++
        return { Images: [version(1, 580_000), version(2, 610_000), version(3, 600_000)] }
      }
      const state = t.ctx.now().getTime() >= readyAt ? 'available' : 'pending'
      return { Images: [{ ImageId: copyId, State: state }] }
    })
    expect(await expectedBuild(t.ctx)).toBeDefined()
    const window = await expectedCopy(t.ctx, 'us-west-2')
    expect(window!.earliestMs).toBeLessThan(580_000)
    expect(window!.latestMs).toBeGreaterThan(610_000)
    expect(await expectedCopy(t.ctx, 'eu-west-1')).toBeUndefined()
    expect(listed).toBe(1)

    await waitForImage(t.ctx, new EC2Client({ region: 'us-west-2' }), copyId, {
      timeoutMs: 3_600_000,
      label: copyId,
      expected: expectedCopy(t.ctx, 'us-west-2')
    })
    const reads = ec2Mock.commandCalls(DescribeImagesCommand).length - listed
    const latency = t.ctx.now().getTime() - readyAt
    expect(latency).toBeLessThanOrEqual(1200) // one dense interval, + 20 % jitter
    expect((reads - 1) / 10).toBeLessThanOrEqual(15) // a 10-minute wait
    expect(reads).toBeLessThan(600_000 / 5000) // fewer than a fixed 5 s poll would make
  })
})
