import { describe, expect, it } from '@jest/globals'
import { toCandidate } from '../../src/prune/candidates.js'
import { snapshotOutcomes } from '../../src/prune/deregister.js'
import { createPacer, DEREGISTER_PACE } from '../../src/prune/pacer.js'
import { mapBounded } from '../../src/pool.js'
import type { Candidate } from '../../src/prune/select.js'
import {
  SNAPSHOT_PRICE_PER_GB_MONTH,
  monthlySnapshotCost,
  snapshotsOf,
  uniqueGiB
} from '../../src/prune/storage.js'

describe('storage', () => {
  it('prices snapshots at $0.05 per GB-month, rounded to cents', () => {
    expect(SNAPSHOT_PRICE_PER_GB_MONTH).toBe(0.05)
    expect(monthlySnapshotCost(1000)).toBe(50)
    expect(monthlySnapshotCost(33)).toBe(1.65)
    expect(monthlySnapshotCost(10, 0.0125)).toBe(0.13)
  })

  it('sizes an AMI from its EBS mappings and ignores instance-store ones', () => {
    expect(
      snapshotsOf({
        BlockDeviceMappings: [
          { DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-1', VolumeSize: 30 } },
          { DeviceName: '/dev/sdb', VirtualName: 'ephemeral0' },
          { DeviceName: '/dev/sdc', Ebs: { SnapshotId: 'snap-2' } }
        ]
      })
    ).toEqual([
      { id: 'snap-1', sizeGiB: 30 },
      { id: 'snap-2', sizeGiB: 0 }
    ])
    expect(snapshotsOf({})).toEqual([])
  })

  it('counts a shared snapshot once', () => {
    expect(
      uniqueGiB([
        { id: 'a', sizeGiB: 8 },
        { id: 'a', sizeGiB: 8 },
        { id: 'b', sizeGiB: 2 }
      ])
    ).toBe(10)
  })
})

describe('snapshotOutcomes', () => {
  const candidate = {
    imageId: 'ami-1',
    snapshots: [
      { id: 'snap-ok', sizeGiB: 8 },
      { id: 'snap-perm', sizeGiB: 4 },
      { id: 'snap-err', sizeGiB: 2 },
      { id: 'snap-missing', sizeGiB: 1 }
    ]
  } as Candidate

  it('turns every AWS return code into deleted or kept with a reason', () => {
    expect(
      snapshotOutcomes(candidate, [
        { SnapshotId: 'snap-ok', ReturnCode: 'success' },
        { SnapshotId: 'snap-perm', ReturnCode: 'missing-permissions' },
        { SnapshotId: 'snap-err', ReturnCode: 'internal-error' },
        { SnapshotId: 'snap-extra', ReturnCode: 'success' }
      ])
    ).toEqual([
      { id: 'snap-ok', sizeGiB: 8, deleted: true },
      {
        id: 'snap-perm',
        sizeGiB: 4,
        deleted: false,
        reason: 'missing-permissions: the role may not call ec2:DeleteSnapshot'
      },
      { id: 'snap-err', sizeGiB: 2, deleted: false, reason: 'internal-error' },
      { id: 'snap-missing', sizeGiB: 1, deleted: false, reason: 'no result from DeregisterImage' },
      { id: 'snap-extra', sizeGiB: 0, deleted: true }
    ])
  })
})

describe('createPacer', () => {
  it('lets the burst through, then spaces calls at the refill rate', async () => {
    let clock = 0
    const waits: number[] = []
    const pace = createPacer({
      capacity: 3,
      refillPerSecond: 2,
      now: () => clock,
      sleep: async (ms) => {
        waits.push(ms)
      }
    })
    for (let i = 0; i < 5; i++) await pace()
    // Rounded up, plus the 1 ms by which two whole-millisecond clocks can disagree.
    expect(waits).toEqual([501, 1001])
    clock = 10_000 // long idle: the bucket refills to capacity, not beyond
    waits.length = 0
    for (let i = 0; i < 4; i++) await pace()
    expect(waits).toEqual([501])
  })

  it('as a ceiling of its own (first-call), credits refill from the first call', async () => {
    let clock = 0
    const waits: number[] = []
    const pace = createPacer({
      capacity: 2,
      refillPerSecond: 2,
      refillFrom: 'first-call',
      now: () => clock,
      sleep: async (ms) => {
        waits.push(ms)
      }
    })
    await pace()
    clock = 400 // 0.8 tokens refilled since the first call
    await pace()
    await pace()
    expect(waits).toEqual([101])
  })
})

describe('the pacer against a bucket that starts its clock when the first call arrives', () => {
  // AWS's DeregisterImage bucket (100, 5/s) sees a call when it arrives, not when it is sent: the
  // first calls of a run are the slow ones (a cold path on a loaded machine), the rest arrive
  // within a millisecond. Four calls in flight, as in the prune. An event-driven model: each worker paces, sends,
  // and paces again when the response is back.
  async function pruneWithLatency(
    versions: number,
    firstLatencyMs: number
  ): Promise<{ throttled: number; spanMs: number }> {
    let clock = 0
    const timers: { at: number; resolve: () => void }[] = []
    const sleep = async (ms: number): Promise<void> =>
      new Promise((resolve) => timers.push({ at: clock + ms, resolve }))
    const pace = createPacer({ ...DEREGISTER_PACE, now: () => clock, sleep })
    let tokens = 100
    let refilledAt: number | undefined
    let throttled = 0
    const arrivals: number[] = []
    const arrive = (): void => {
      refilledAt ??= clock
      tokens = Math.min(100, tokens + ((clock - refilledAt) / 1000) * 5)
      refilledAt = clock
      arrivals.push(clock)
      if (tokens < 1) throttled++
      else tokens -= 1
    }
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < versions) {
        const n = next++
        await pace()
        // The request travels, arrives, and the response travels back.
        const latency = n < 4 ? firstLatencyMs : 1
        await sleep(latency)
        arrive()
        await sleep(latency)
      }
    }
    const done = Promise.all([worker(), worker(), worker(), worker()])
    let finished = false
    void done.then(() => (finished = true))
    while (!finished) {
      await new Promise((resolve) => setImmediate(resolve))
      timers.sort((a, b) => a.at - b.at)
      const timer = timers.shift()
      if (!timer) continue
      clock = Math.max(clock, timer.at)
      timer.resolve()
    }
    return { throttled, spanMs: arrivals[arrivals.length - 1] - arrivals[0] }
  }

  it.each([1, 40, 200])(
    'is never throttled and stays within 1.05 × the floor (first calls %i ms)',
    async (firstLatencyMs) => {
      const { throttled, spanMs } = await pruneWithLatency(300, firstLatencyMs)
      expect(throttled).toBe(0)
      expect(spanMs / ((200 / 5) * 1000)).toBeLessThanOrEqual(1.05)
    }
  )
})

describe('DEREGISTER_PACE', () => {
  // AWS's DeregisterImage bucket (100, refill 5/s), continuous refill, on the pacer's own clock.
  async function pruneAt(versions: number): Promise<{ lastCallMs: number; throttled: number }> {
    let clock = 0
    const pace = createPacer({
      ...DEREGISTER_PACE,
      now: () => clock,
      sleep: async (ms) => {
        clock += ms
      }
    })
    let tokens = 100
    let last = 0
    let throttled = 0
    for (let i = 0; i < versions; i++) {
      await pace()
      tokens = Math.min(100, tokens + ((clock - last) / 1000) * 5)
      last = clock
      if (tokens < 1) throttled++
      else tokens -= 1
    }
    return { lastCallMs: clock, throttled }
  }

  it.each([300, 10_000])(
    'spends the burst, then stays within 1.05 × the bucket floor without a throttle (%i versions)',
    async (versions) => {
      const { lastCallMs, throttled } = await pruneAt(versions)
      const floorMs = ((versions - 100) / 5) * 1000
      expect(throttled).toBe(0)
      expect(lastCallMs).toBeGreaterThanOrEqual(floorMs)
      expect(lastCallMs / floorMs).toBeLessThanOrEqual(1.05)
    }
  )
})

describe('mapBounded', () => {
  it('keeps at most `limit` tasks in flight, keeps order, and isolates failures', async () => {
    let inFlight = 0
    let peak = 0
    const results = await mapBounded([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      inFlight++
      peak = Math.max(peak, inFlight)
      await new Promise((resolve) => setTimeout(resolve, 5 * (8 - n)))
      inFlight--
      if (n === 4) throw new Error('four')
      return n * 10
    })
    expect(peak).toBe(3)
    expect(results.map((r) => (r.ok ? r.value : (r.error as Error).message))).toEqual([
      10,
      20,
      30,
      'four',
      50,
      60,
      70
    ])
  })

  it('does nothing for no items', async () => {
    await expect(mapBounded([], 4, async () => 1)).resolves.toEqual([])
  })
})

describe('toCandidate', () => {
  it('keeps only what selection reads: the family and keep tags, snapshot IDs and sizes', () => {
    const candidate = toCandidate(
      {
        ImageId: 'ami-1',
        Name: 'web-1',
        OwnerId: '111122223333',
        State: 'available',
        CreationDate: '2025-01-01T00:00:00.000Z',
        Description: 'a long description the report never shows',
        Tags: [
          { Key: 'ami-share-action:family', Value: 'web' },
          { Key: 'ami-share-action:keep', Value: 'true' },
          { Key: 'team', Value: 'platform' },
          { Key: 'cost-center', Value: '42' }
        ],
        BlockDeviceMappings: [
          {
            DeviceName: '/dev/xvda',
            Ebs: { SnapshotId: 'snap-1', VolumeSize: 8, Encrypted: false }
          }
        ]
      },
      { accountId: '111122223333', region: 'us-east-1' }
    )
    expect(candidate).toEqual({
      accountId: '111122223333',
      region: 'us-east-1',
      imageId: 'ami-1',
      name: 'web-1',
      ownerId: '111122223333',
      state: 'available',
      creationDate: new Date('2025-01-01T00:00:00.000Z'),
      tags: { 'ami-share-action:family': 'web', 'ami-share-action:keep': 'true' },
      deregistrationProtection: undefined,
      snapshots: [{ id: 'snap-1', sizeGiB: 8 }]
    })
  })
})
