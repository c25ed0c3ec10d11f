// Copy fan-out with waitForImage replaced by promises the test resolves, so "in flight" is exact.
import { beforeEach, describe, expect, it, jest } from '@jest/globals'
import { CopyImageCommand, EC2Client, type Image as AwsImage } from '@aws-sdk/client-ec2'
import { mockClient } from 'aws-sdk-client-mock'
import type { SnapshotInfo } from '../../src/types.js'

const waiting: { id: string; finish: (image?: AwsImage, error?: Error) => void }[] = []
jest.unstable_mockModule('../../src/image/wait.js', () => ({
  waitForImage: jest.fn(
    (_ctx: unknown, _ec2: unknown, id: string) =>
      new Promise<AwsImage>((resolve, reject) =>
        waiting.push({ id, finish: (image, error) => (error ? reject(error) : resolve(image!)) })
      )
  ),
  snapshotsOf: (image: AwsImage): SnapshotInfo[] =>
    (image.BlockDeviceMappings ?? []).map((m) => ({
      id: m.Ebs!.SnapshotId!,
      sizeGiB: 8,
      encrypted: false
    }))
}))
const { copyToTargets, copyClientToken, SNAPSHOT_COPIES_PER_REGION } =
  await import('../../src/image/copy.js')
const { Semaphore } = await import('../../src/image/semaphore.js')
const { mapLimit } = await import('../../src/pool.js')
const { availableImage, awsError, makeHarness, makeImage, where } =
  await import('./distribute-context.js')

const ec2Mock = mockClient(EC2Client)
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

function snapshots(n: number): SnapshotInfo[] {
  return Array.from({ length: n }, (_, i) => ({ id: `snap-${i}`, sizeGiB: 8, encrypted: false }))
}

/**
 * `n` copy targets in `region`. AWS's limit is per destination region per account, so the
 * concurrency cases put them all in one account (`distinct`: one account each).
 */
function checks(region: string, n: number, distinct = false) {
  return Array.from({ length: n }, (_, i) => {
    const accountId = String(200000000000 + (distinct ? i : 0))
    return {
      target: {
        region,
        accountId,
        account: { accountId, roleArn: `arn:aws:iam::${accountId}:role/r` }
      }
    }
  })
}

beforeEach(() => {
  ec2Mock.reset()
  waiting.length = 0
  let n = 0
  ec2Mock.on(CopyImageCommand).callsFake(() => ({ ImageId: `ami-copy${++n}` }))
})

describe('copy concurrency', () => {
  it('never has more than 20 snapshot copies in flight per region; regions run in parallel', async () => {
    const { ctx } = makeHarness()
    const image = makeImage({ snapshots: snapshots(3) })
    const landed: string[] = []
    const all = copyToTargets(
      ctx,
      image,
      [...checks('us-east-1', 30), ...checks('ap-south-1', 4)],
      async (member) => {
        landed.push(member.imageId!)
      }
    )
    let maxInFlight = 0
    const inFlight = (region: string): number =>
      waiting.filter((w) => w.id && region === regionOf(w.id)).length * 3
    const regionOf = (id: string): string =>
      where(
        ec2Mock.commandCalls(CopyImageCommand).find((_, i) => `ami-copy${i + 1}` === id)!
      ).split('/')[1]
    for (let round = 0; round < 40; round++) {
      await flush()
      maxInFlight = Math.max(maxInFlight, inFlight('us-east-1'))
      expect(inFlight('us-east-1')).toBeLessThanOrEqual(SNAPSHOT_COPIES_PER_REGION)
      if (round === 0) {
        // 6 AMIs × 3 snapshots = 18 ≤ 20 in us-east-1; ap-south-1 is not held back by it.
        expect(inFlight('us-east-1')).toBe(18)
        expect(inFlight('ap-south-1')).toBe(12)
      }
      const next = waiting.shift()
      if (!next) break
      next.finish(availableImage(next.id, 3))
    }
    const members = await all
    expect(maxInFlight).toBe(18)
    expect(members).toHaveLength(34)
    expect(members.every((m) => m.state === 'available')).toBe(true)
    expect(landed).toHaveLength(34)
    expect(ec2Mock.commandCalls(CopyImageCommand)).toHaveLength(34)
  })

  it('keys the limit by (account, region): copies into different accounts do not wait for each other', async () => {
    const { ctx } = makeHarness()
    const all = copyToTargets(
      ctx,
      makeImage({ snapshots: snapshots(10) }),
      checks('us-east-1', 4, true),
      async () => {}
    )
    await flush()
    // 4 × 10 snapshots in one region, but each account has its own 20: all start at once.
    expect(ec2Mock.commandCalls(CopyImageCommand)).toHaveLength(4)
    for (const w of waiting.splice(0)) w.finish(availableImage(w.id, 10))
    expect((await all).map((m) => m.state)).toEqual(Array(4).fill('available'))
  })

  it('an AMI with more snapshots than the limit still copies, one at a time', async () => {
    const { ctx } = makeHarness()
    const all = copyToTargets(
      ctx,
      makeImage({ snapshots: snapshots(25) }),
      checks('us-east-1', 2),
      async () => {}
    )
    await flush()
    expect(ec2Mock.commandCalls(CopyImageCommand)).toHaveLength(1)
    waiting.shift()!.finish(availableImage('ami-copy1', 25))
    await flush()
    expect(ec2Mock.commandCalls(CopyImageCommand)).toHaveLength(2)
    waiting.shift()!.finish(availableImage('ami-copy2', 25))
    expect((await all).map((m) => m.snapshots.length)).toEqual([25, 25])
  })

  it('a failed wait frees the slots and fails only that member', async () => {
    const { ctx } = makeHarness()
    const all = copyToTargets(
      ctx,
      makeImage({ snapshots: snapshots(10) }),
      checks('us-east-1', 3),
      async () => {}
    )
    await flush()
    expect(waiting).toHaveLength(2)
    waiting.shift()!.finish(undefined, new Error('ami-copy1 is in state failed (StateReason x)'))
    await flush()
    expect(waiting).toHaveLength(2)
    for (const w of waiting.splice(0)) w.finish(availableImage(w.id, 10))
    const members = await all
    expect(members.map((m) => m.state)).toEqual(['failed', 'available', 'available'])
    expect(members[0]).toMatchObject({
      imageId: 'ami-copy1',
      error: expect.stringContaining('StateReason x')
    })
  })

  it('records a failure of the share/lifecycle step without losing the copy', async () => {
    const { ctx } = makeHarness()
    const all = copyToTargets(ctx, makeImage(), checks('us-east-1', 1), async () => {
      throw new Error('denied')
    })
    await flush()
    waiting.shift()!.finish(availableImage('ami-copy1', 1))
    expect((await all)[0]).toMatchObject({
      state: 'available',
      imageId: 'ami-copy1',
      error: 'denied'
    })
  })
})

describe('ResourceLimitExceeded from CopyImage', () => {
  const limit = () =>
    awsError('ResourceLimitExceeded', 'You have reached the limit of 20 concurrent snapshot copies')

  it('waits and retries the same request (same ClientToken) instead of failing the copy', async () => {
    const { ctx, logs } = makeHarness()
    let n = 0
    ec2Mock.on(CopyImageCommand).callsFake(() => {
      if (++n <= 2) throw limit()
      return { ImageId: 'ami-copy1' }
    })
    const all = copyToTargets(ctx, makeImage(), checks('us-east-1', 1), async () => {})
    for (let i = 0; i < 10 && waiting.length === 0; i++) await flush()
    waiting.shift()!.finish(availableImage('ami-copy1', 1))
    const [member] = await all
    expect(member).toMatchObject({ state: 'available', imageId: 'ami-copy1' })
    const tokens = ec2Mock.commandCalls(CopyImageCommand).map((c) => c.args[0].input.ClientToken)
    expect(tokens).toHaveLength(3)
    expect(new Set(tokens).size).toBe(1)
    expect(logs.join('\n')).toMatch(/concurrent copy limit there is reached.*retrying in 15s/)
  })

  it('gives up when timeout-minutes runs out, naming the limit', async () => {
    const { ctx } = makeHarness({ timeoutMinutes: 1 })
    ec2Mock.on(CopyImageCommand).rejects(limit())
    const [member] = await copyToTargets(ctx, makeImage(), checks('us-east-1', 1), async () => {})
    expect(member.state).toBe('failed')
    expect(member.error).toMatch(
      /kept answering ResourceLimitExceeded until timeout-minutes \(1\) ran out.*20 concurrent snapshot copies/s
    )
    expect(ec2Mock.commandCalls(CopyImageCommand).length).toBeGreaterThan(1)
  })

  it('fails other CopyImage errors at once', async () => {
    const { ctx } = makeHarness()
    ec2Mock.on(CopyImageCommand).rejects(awsError('InvalidRequest', 'no storage access'))
    const [member] = await copyToTargets(ctx, makeImage(), checks('us-east-1', 1), async () => {})
    expect(member).toMatchObject({
      state: 'failed',
      error: expect.stringContaining('InvalidRequest')
    })
    expect(ec2Mock.commandCalls(CopyImageCommand)).toHaveLength(1)
  })
})

describe('copyClientToken', () => {
  it('is stable for one run and destination, distinct otherwise, and at most 64 ASCII chars', () => {
    const a = copyClientToken('123-1-build', 'ami-1', '111122223333', 'us-east-1')
    expect(copyClientToken('123-1-build', 'ami-1', '111122223333', 'us-east-1')).toBe(a)
    expect(a).toMatch(/^[0-9a-f]{1,64}$/)
    const others = [
      copyClientToken('123-2-build', 'ami-1', '111122223333', 'us-east-1'),
      copyClientToken('123-1-build', 'ami-2', '111122223333', 'us-east-1'),
      copyClientToken('123-1-build', 'ami-1', '999988887777', 'us-east-1'),
      copyClientToken('123-1-build', 'ami-1', '111122223333', 'us-east-2')
    ]
    expect(new Set([a, ...others]).size).toBe(5)
  })
})

describe('Semaphore and mapLimit', () => {
  it('serves waiters first-come-first-served, so a big request is not starved', async () => {
    const s = new Semaphore(4)
    const order: string[] = []
    await s.acquire(3)
    const big = s.acquire(4).then(() => order.push('big'))
    const small = s.acquire(1).then(() => order.push('small'))
    await flush()
    expect(order).toEqual([])
    s.release(3)
    await big
    expect(order).toEqual(['big'])
    s.release(4)
    await small
    expect(order).toEqual(['big', 'small'])
    expect(s.inUse).toBe(1)
  })

  it('use() releases on failure', async () => {
    const s = new Semaphore(2)
    await expect(s.use(2, async () => Promise.reject(new Error('x')))).rejects.toThrow('x')
    expect(s.inUse).toBe(0)
  })

  it('mapLimit keeps order and bounds concurrency', async () => {
    let running = 0
    let peak = 0
    const out = await mapLimit([1, 2, 3, 4, 5], 2, async (n) => {
      peak = Math.max(peak, ++running)
      await flush()
      running--
      return n * 10
    })
    expect(out).toEqual([10, 20, 30, 40, 50])
    expect(peak).toBe(2)
  })
})

describe('cancellation', () => {
  it('starts no queued copy once the job is cancelled', async () => {
    const { ctx } = makeHarness()
    const controller = new AbortController()
    ctx.signal = controller.signal
    const all = copyToTargets(
      ctx,
      makeImage({ snapshots: snapshots(20) }),
      checks('us-east-1', 2),
      async () => {}
    )
    await flush()
    controller.abort()
    waiting.shift()!.finish(availableImage('ami-copy1', 20))
    const members = await all
    expect(ec2Mock.commandCalls(CopyImageCommand)).toHaveLength(1)
    expect(members[1]).toMatchObject({ state: 'failed', error: expect.stringMatching(/cancelled/) })
  })
})
