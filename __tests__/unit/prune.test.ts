import { describe, expect, it } from '@jest/globals'
import { prune, PRUNE_CONCURRENCY } from '../../src/prune.js'
import { PartialFailure } from '../../src/types.js'
import {
  AwsError,
  BUILD,
  FOREIGN,
  OTHER,
  World,
  ami,
  daysAgo,
  fleetOf,
  makeContext,
  thisRunImage
} from './prune-world.js'

const noFleet = { members: [] }

/** Five versions in the build account's build region, newest first: v1 … v5 (1 … 5 days old). */
function fiveVersions(world: World): void {
  for (let day = 1; day <= 5; day++) {
    world.add(BUILD, 'us-east-1', ami({ id: `ami-v${day}`, created: daysAgo(day) }))
  }
}

describe('prune', () => {
  it('returns undefined and calls nothing when prune-keep is unset', async () => {
    const world = new World()
    const ctx = makeContext(world, { prune: null })
    await expect(prune(ctx, thisRunImage(), noFleet)).resolves.toBeUndefined()
    expect(world.calls).toEqual([])
  })

  it('lists with Owners=self, the exact family tag filter, deprecated and disabled included', async () => {
    const world = new World()
    await prune(makeContext(world), thisRunImage(), noFleet)
    expect(world.callsOf('DescribeImages')).toEqual([
      {
        account: BUILD,
        region: 'us-east-1',
        action: 'DescribeImages',
        input: {
          Owners: ['self'],
          Filters: [{ Name: 'tag:ami-share-action:family', Values: ['web'] }],
          IncludeDeprecated: true,
          IncludeDisabled: true,
          MaxResults: 1000
        }
      }
    ])
  })

  it('keeps the newest versions (this run counts), deregisters the rest with their snapshots', async () => {
    const world = new World()
    fiveVersions(world)
    world.add(
      BUILD,
      'us-east-1',
      ami({ id: 'ami-new', created: daysAgo(0), snapshots: [{ id: 'snap-new', size: 8 }] })
    )
    const report = await prune(makeContext(world, { prune: { keep: 3 } }), thisRunImage(), noFleet)

    expect(world.callsOf('DeregisterImage').map((c) => c.input)).toEqual(
      ['ami-v3', 'ami-v4', 'ami-v5'].map((ImageId) => ({
        ImageId,
        DeleteAssociatedSnapshots: true
      }))
    )
    expect(world.callsOf('DeleteSnapshot')).toEqual([])
    expect(report?.pruned.map((p) => p.imageId)).toEqual(['ami-v3', 'ami-v4', 'ami-v5'])
    expect(report?.pruned[0].snapshots).toEqual([{ id: 'snap-v3', sizeGiB: 8, deleted: true }])
    expect(report?.kept.map((k) => k.imageId).sort()).toEqual(['ami-new', 'ami-v1', 'ami-v2'])
    expect(report).toMatchObject({ dryRun: false, freedGiB: 24, keptGiB: 24, skipped: [] })
    expect(report?.examined).toEqual([{ accountId: BUILD, region: 'us-east-1' }])
    expect(
      world
        .imagesIn(BUILD, 'us-east-1')
        .map((i) => i.ImageId)
        .sort()
    ).toEqual(['ami-new', 'ami-v1', 'ami-v2'])
  })

  it('counts this run even when the listing does not show it yet', async () => {
    const world = new World()
    fiveVersions(world)
    const report = await prune(makeContext(world, { prune: { keep: 2 } }), thisRunImage(), noFleet)
    expect(report?.kept.map((k) => k.imageId).sort()).toEqual(['ami-new', 'ami-v1'])
    expect(report?.pruned.map((p) => p.imageId)).toEqual(['ami-v2', 'ami-v3', 'ami-v4', 'ami-v5'])
  })

  it('never prunes an adopted (old) image or a fleet member, whatever its age', async () => {
    const world = new World()
    fiveVersions(world)
    world.add(BUILD, 'us-east-1', ami({ id: 'ami-old-adopted', created: daysAgo(400) }))
    const image = thisRunImage('ami-old-adopted', { reused: true, creationDate: daysAgo(400) })
    const fleet = fleetOf([{ id: 'ami-v5', account: BUILD, region: 'us-east-1' }])
    const report = await prune(makeContext(world, { prune: { keep: 1 } }), image, fleet)
    const deregistered = world.callsOf('DeregisterImage').map((c) => c.input.ImageId)
    expect(deregistered).toEqual(['ami-v2', 'ami-v3', 'ami-v4'])
    expect(report?.kept.map((k) => k.imageId).sort()).toEqual([
      'ami-old-adopted',
      'ami-v1',
      'ami-v5'
    ])
  })

  it('skips keep-tagged, protected, pending, failed, foreign and other-family images with reasons', async () => {
    const world = new World()
    fiveVersions(world) // v1 kept (keep 1 with ami-new listed below)
    const old = daysAgo(100)
    world.add(BUILD, 'us-east-1', ami({ id: 'ami-new', created: daysAgo(0) }))
    world.add(BUILD, 'us-east-1', ami({ id: 'ami-keep', created: old, keep: 'true' }))
    world.add(BUILD, 'us-east-1', ami({ id: 'ami-prot', created: old, protection: 'enabled' }))
    world.add(
      BUILD,
      'us-east-1',
      ami({ id: 'ami-cool', created: old, protection: 'enabled-with-cooldown' })
    )
    world.add(
      BUILD,
      'us-east-1',
      ami({ id: 'ami-until', created: old, protection: 'disabled-until 2026-06-02T00:00:00Z' })
    )
    world.add(BUILD, 'us-east-1', ami({ id: 'ami-unprot', created: old, protection: 'disabled' }))
    world.add(BUILD, 'us-east-1', ami({ id: 'ami-pending', created: old, state: 'pending' }))
    world.add(BUILD, 'us-east-1', ami({ id: 'ami-failed', created: old, state: 'failed' }))
    world.add(BUILD, 'us-east-1', ami({ id: 'ami-gone', created: old, state: 'deregistered' }))
    world.add(BUILD, 'us-east-1', ami({ id: 'ami-foreign', created: old, owner: FOREIGN }))
    world.add(BUILD, 'us-east-1', ami({ id: 'ami-other', created: old, family: 'web-2' }))
    world.add(BUILD, 'us-east-1', ami({ id: 'ami-untagged', created: old, family: null }))
    const report = await prune(makeContext(world, { prune: { keep: 1 } }), thisRunImage(), noFleet)

    const reasons = Object.fromEntries(report!.skipped.map((s) => [s.imageId, s.reason]))
    expect(reasons).toEqual({
      'ami-keep': 'tagged ami-share-action:keep=true',
      'ami-prot': 'deregistration protection is enabled',
      'ami-cool': 'deregistration protection is enabled-with-cooldown',
      'ami-until': 'deregistration protection is disabled-until 2026-06-02T00:00:00Z',
      'ami-pending': 'state pending: probably being built or copied by a concurrent run',
      'ami-failed': 'state failed: not a finished version; inspect and deregister it by hand',
      'ami-foreign': `owned by ${FOREIGN}, not ${BUILD}`,
      'ami-other': 'ami-share-action:family is "web-2", not "web"',
      'ami-untagged': 'no ami-share-action:family tag'
    })
    const deregistered = world.callsOf('DeregisterImage').map((c) => c.input.ImageId)
    expect(deregistered.sort()).toEqual([
      'ami-unprot',
      'ami-v1',
      'ami-v2',
      'ami-v3',
      'ami-v4',
      'ami-v5'
    ])
  })

  it('with prune-older-than prunes only versions older than it', async () => {
    const world = new World()
    fiveVersions(world)
    const report = await prune(
      makeContext(world, { prune: { keep: 1, olderThanMs: 3.5 * 86_400_000 } }),
      thisRunImage(),
      noFleet
    )
    expect(report?.pruned.map((p) => p.imageId)).toEqual(['ami-v4', 'ami-v5'])
    expect(report?.kept.map((k) => k.imageId).sort()).toEqual([
      'ami-new',
      'ami-v1',
      'ami-v2',
      'ami-v3'
    ])
  })

  it('checks references in batches of at most 10, follows pages, and skips what is in use', async () => {
    const world = new World()
    for (let day = 1; day <= 25; day++) {
      world.add(
        BUILD,
        'us-east-1',
        ami({ id: `ami-${String(day).padStart(2, '0')}`, created: daysAgo(day) })
      )
    }
    world.references.set('ami-12', [
      { Arn: 'arn:aws:ec2:us-east-1:111111111111:instance/i-1', ResourceType: 'ec2:Instance' },
      {
        Arn: 'arn:aws:ec2:us-east-1:111111111111:launch-template/lt-1',
        ResourceType: 'ec2:LaunchTemplate'
      }
    ])
    world.references.set('ami-13', [
      { Arn: 'arn:aws:ssm:us-east-1:111111111111:parameter/golden', ResourceType: 'ssm:Parameter' },
      { Arn: 'arn:aws:ec2:us-east-1:111111111111:instance/i-2', ResourceType: 'ec2:Instance' }
    ])
    world.referencePageSize = 3 // four references over two pages
    const report = await prune(makeContext(world, { prune: { keep: 2 } }), thisRunImage(), noFleet)

    const batches = world.callsOf('DescribeImageReferences').map((c) => c.input)
    const firstPages = batches.filter((b) => !b.NextToken)
    expect(firstPages.map((b) => (b.ImageIds as string[]).length)).toEqual([10, 10, 4])
    expect(new Set(firstPages.flatMap((b) => b.ImageIds as string[])).size).toBe(24)
    expect(firstPages.every((b) => b.IncludeAllResourceTypes === true)).toBe(true)
    expect(batches.filter((b) => b.NextToken)).toHaveLength(1)

    const reasons = Object.fromEntries(report!.skipped.map((s) => [s.imageId, s.reason]))
    expect(reasons).toEqual({
      'ami-12':
        'in use by ec2:Instance arn:aws:ec2:us-east-1:111111111111:instance/i-1, ' +
        'ec2:LaunchTemplate arn:aws:ec2:us-east-1:111111111111:launch-template/lt-1',
      'ami-13':
        'in use by ssm:Parameter arn:aws:ssm:us-east-1:111111111111:parameter/golden, ' +
        'ec2:Instance arn:aws:ec2:us-east-1:111111111111:instance/i-2'
    })
    expect(report?.pruned).toHaveLength(22)
  })

  it('with prune-skip-in-use false asks for no references and prunes in-use versions', async () => {
    const world = new World()
    fiveVersions(world)
    world.references.set('ami-v5', [{ Arn: 'arn:i', ResourceType: 'ec2:Instance' }])
    const report = await prune(
      makeContext(world, { prune: { keep: 3, skipInUse: false } }),
      thisRunImage(),
      noFleet
    )
    expect(world.callsOf('DescribeImageReferences')).toEqual([])
    expect(report?.pruned.map((p) => p.imageId)).toEqual(['ami-v3', 'ami-v4', 'ami-v5'])
  })

  it('prunes nothing in a scope whose reference check failed, and warns why', async () => {
    const world = new World()
    fiveVersions(world)
    world.referenceError = new AwsError(
      'UnauthorizedOperation',
      'not authorized to DescribeImageReferences'
    )
    const ctx = makeContext(world, { prune: { keep: 1 } })
    const report = await prune(ctx, thisRunImage(), noFleet)
    expect(world.callsOf('DeregisterImage')).toEqual([])
    expect(report?.skipped.map((s) => s.reason)).toEqual(Array(5).fill('in-use check did not run'))
    expect(ctx.warnings.join('\n')).toMatch(/DescribeImageReferences failed.*not authorized/)
  })

  it('reports a snapshot still used by another AMI as kept, with the code AWS returned', async () => {
    const world = new World()
    const shared = { id: 'snap-shared', size: 20 }
    world.add(BUILD, 'us-east-1', ami({ id: 'ami-a', created: daysAgo(1), snapshots: [shared] }))
    world.add(
      BUILD,
      'us-east-1',
      ami({ id: 'ami-b', created: daysAgo(9), snapshots: [shared, { id: 'snap-b', size: 4 }] })
    )
    const report = await prune(makeContext(world, { prune: { keep: 2 } }), thisRunImage(), noFleet)
    expect(report?.pruned).toEqual([
      expect.objectContaining({
        imageId: 'ami-b',
        snapshots: [
          {
            id: 'snap-shared',
            sizeGiB: 20,
            deleted: false,
            reason: 'skipped: still used by another AMI'
          },
          { id: 'snap-b', sizeGiB: 4, deleted: true }
        ]
      })
    ])
    expect(report?.freedGiB).toBe(4)
    expect(report?.keptGiB).toBe(28) // snap-shared (20) + this run's snap-new (8), each once
  })

  it('prunes every copy region and copy account, each through its own client', async () => {
    const world = new World()
    const regions = ['us-east-1', 'eu-west-1', 'ap-south-1']
    for (const account of [BUILD, OTHER]) {
      for (const region of regions) {
        for (let day = 1; day <= 3; day++) {
          world.add(
            account,
            region,
            ami({
              id: `ami-${account.slice(0, 1)}${region.slice(0, 2)}${day}`,
              owner: account,
              created: daysAgo(day)
            })
          )
        }
      }
    }
    const fleet = fleetOf(
      [BUILD, OTHER].flatMap((account) =>
        regions.map((region) => ({
          id: `ami-new-${account.slice(0, 1)}-${region}`,
          account,
          region
        }))
      )
    )
    const ctx = makeContext(world, {
      prune: { keep: 2 },
      regions: ['eu-west-1', 'ap-south-1'],
      accounts: [OTHER]
    })
    const report = await prune(ctx, thisRunImage('ami-new-1-us-east-1'), fleet)

    expect(report?.examined).toHaveLength(6)
    const byScope = world
      .callsOf('DeregisterImage')
      .map((c) => `${c.account}/${c.region}/${c.input.ImageId}`)
    expect(byScope.sort()).toEqual(
      [BUILD, OTHER]
        .flatMap((account) =>
          regions.flatMap((region) =>
            [2, 3].map(
              (d) => `${account}/${region}/ami-${account.slice(0, 1)}${region.slice(0, 2)}${d}`
            )
          )
        )
        .sort()
    )
    expect(world.callsOf('DescribeImages')).toHaveLength(6)
  })

  it('pages DescribeImages: calls grow with pages, not images', async () => {
    const world = new World()
    world.pageSize = 4
    for (let i = 1; i <= 10; i++) world.add(BUILD, 'us-east-1', ami({ created: daysAgo(i) }))
    const report = await prune(makeContext(world, { prune: { keep: 11 } }), thisRunImage(), noFleet)
    expect(world.callsOf('DescribeImages').map((c) => c.input.NextToken)).toEqual([
      undefined,
      '4',
      '8'
    ])
    expect(report?.kept).toHaveLength(11)
    expect(report?.pruned).toEqual([])
  })

  it('dry run: the same selection, zero mutating calls, plan items, predicted snapshots', async () => {
    const seed = (world: World): void => {
      fiveVersions(world)
      world.add(
        BUILD,
        'us-east-1',
        ami({ id: 'ami-x', created: daysAgo(50), snapshots: [{ id: 'snap-v2', size: 8 }] })
      )
      world.add(BUILD, 'eu-west-1', ami({ id: 'ami-eu', created: daysAgo(50) }))
    }
    const real = new World()
    seed(real)
    const realReport = await prune(
      makeContext(real, { prune: { keep: 2 }, regions: ['eu-west-1'] }),
      thisRunImage(),
      noFleet
    )

    for (const variant of [{ dryRun: true }, { prune: { keep: 2, dryRun: true } }]) {
      const world = new World()
      seed(world)
      const ctx = makeContext(world, { prune: { keep: 2 }, regions: ['eu-west-1'], ...variant })
      const report = await prune(ctx, thisRunImage(), noFleet)
      expect(world.mutatingCalls()).toEqual([])
      expect(report?.dryRun).toBe(true)
      expect(report?.pruned.map((p) => p.imageId)).toEqual(realReport?.pruned.map((p) => p.imageId))
      expect(report?.freedGiB).toBe(realReport?.freedGiB)
      expect(report?.keptGiB).toBe(realReport?.keptGiB)
      const planned = ctx.plan.items.map((p) => p.text)
      if (variant.dryRun) {
        expect(planned).toContain(
          `Would deregister ami-v3 (name-ami-v3) in ${BUILD}/us-east-1 and delete its snapshots snap-v3 (8 GiB); ` +
            'Recycle Bin: permanent (no Recycle Bin rule retains the AMI); not shared with other accounts'
        )
        expect(planned).toHaveLength(6)
        expect(planned).toContain(`Nothing to prune in ${BUILD}/eu-west-1`)
        expect(ctx.plan.items.every((p) => p.phase === 'prune')).toBe(true)
      } else {
        expect(planned).toEqual([])
      }
    }
    expect(realReport?.pruned.map((p) => p.imageId)).toEqual([
      'ami-v2',
      'ami-v3',
      'ami-v4',
      'ami-v5',
      'ami-x'
    ])
  })

  it('dry run of a planned image: the placeholder still counts toward keep', async () => {
    const world = new World()
    fiveVersions(world)
    const image = thisRunImage('ami-planned', { planned: true, creationDate: undefined })
    const report = await prune(
      makeContext(world, { dryRun: true, prune: { keep: 2 } }),
      image,
      noFleet
    )
    expect(report?.kept.map((k) => k.imageId).sort()).toEqual(['ami-planned', 'ami-v1'])
    expect(world.mutatingCalls()).toEqual([])
  })

  it('dry run predicts a snapshot shared by two pruned versions is deleted once', async () => {
    const world = new World()
    const shared = { id: 'snap-s', size: 10 }
    world.add(BUILD, 'us-east-1', ami({ id: 'ami-a', created: daysAgo(5), snapshots: [shared] }))
    world.add(BUILD, 'us-east-1', ami({ id: 'ami-b', created: daysAgo(6), snapshots: [shared] }))
    const report = await prune(
      makeContext(world, { dryRun: true, prune: { keep: 1 } }),
      thisRunImage(),
      noFleet
    )
    expect(report?.pruned.flatMap((p) => p.snapshots)).toEqual([
      { id: 'snap-s', sizeGiB: 10, deleted: false, reason: 'deleted together with ami-b' },
      { id: 'snap-s', sizeGiB: 10, deleted: true }
    ])
    expect(report?.freedGiB).toBe(10)
  })

  it('a failed deregistration is reported, the others go on, then the step fails with the report', async () => {
    const world = new World()
    fiveVersions(world)
    world.deregisterErrors.set(
      'ami-v3',
      new AwsError('UnauthorizedOperation', 'You are not authorized')
    )
    world.deregisterErrors.set('ami-v4', new AwsError('InvalidAMIID.NotFound', 'gone'))
    const error = await prune(
      makeContext(world, { prune: { keep: 2 } }),
      thisRunImage(),
      noFleet
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PartialFailure)
    const failure = error as PartialFailure
    expect(failure.message).toMatch(
      /^Pruning failed for 1 version or region[^\n]*\n- ami-v3 in 111111111111\/us-east-1: .*You are not authorized/
    )
    expect(failure.prune?.pruned.map((p) => p.imageId)).toEqual(['ami-v2', 'ami-v5'])
    expect(Object.fromEntries(failure.prune!.skipped.map((s) => [s.imageId, s.reason]))).toEqual({
      'ami-v3': expect.stringMatching(/^DeregisterImage failed: .*You are not authorized/),
      'ami-v4': 'already deregistered (InvalidAMIID.NotFound), probably by a concurrent run'
    })
  })

  it('a scope that cannot be listed fails the step after the others are pruned', async () => {
    const world = new World()
    fiveVersions(world)
    world.listErrors.set(
      `${OTHER}/us-east-1`,
      new AwsError('AccessDenied', 'role cannot DescribeImages')
    )
    const ctx = makeContext(world, { prune: { keep: 4 }, accounts: [OTHER] })
    const error = (await prune(ctx, thisRunImage(), noFleet).catch(
      (e: unknown) => e
    )) as PartialFailure
    expect(error).toBeInstanceOf(PartialFailure)
    expect(error.message).toMatch(
      new RegExp(`listing the family in ${OTHER}/us-east-1 failed: .*role cannot DescribeImages`)
    )
    expect(error.prune?.examined).toEqual([{ accountId: BUILD, region: 'us-east-1' }])
    expect(error.prune?.pruned.map((p) => p.imageId)).toEqual(['ami-v4', 'ami-v5'])
  })

  it('dry run: scopes that cannot be listed are one problem in the plan, not a failed step', async () => {
    const world = new World()
    fiveVersions(world)
    for (const region of ['us-east-1', 'eu-west-1'])
      world.listErrors.set(
        `${OTHER}/${region}`,
        new AwsError('AccessDenied', 'role cannot DescribeImages')
      )
    const ctx = makeContext(world, {
      dryRun: true,
      prune: { keep: 4 },
      accounts: [OTHER],
      regions: ['eu-west-1']
    })
    const report = await prune(ctx, thisRunImage(), noFleet)
    expect(report?.pruned.map((p) => p.imageId)).toEqual(['ami-v4', 'ami-v5'])
    expect(ctx.plan.items.filter((p) => p.problem)).toEqual([
      {
        phase: 'prune',
        problem: true,
        text: expect.stringMatching(
          new RegExp(
            `^Pruning: listing the family in account ${OTHER} \\(us-east-1, eu-west-1\\) failed: .*role cannot`
          )
        )
      }
    ])
    expect(world.mutatingCalls()).toEqual([])
  })

  it('cancelled before deregistering: nothing is deregistered and the step says so', async () => {
    const world = new World()
    fiveVersions(world)
    const error = (await prune(
      makeContext(world, { aborted: true, prune: { keep: 2 } }),
      thisRunImage(),
      noFleet
    ).catch((e: unknown) => e)) as PartialFailure
    expect(error).toBeInstanceOf(PartialFailure)
    expect(error.message).toMatch(/cancelled/)
    expect(world.callsOf('DeregisterImage')).toEqual([])
    expect(error.prune?.skipped.map((s) => s.reason)).toEqual(
      Array(4).fill('not pruned: the job was cancelled')
    )
  })

  it(`paces a large prune: at most ${PRUNE_CONCURRENCY} in flight, sleeping for the refill after the burst`, async () => {
    const world = new World()
    for (let i = 1; i <= 300; i++) world.add(BUILD, 'us-east-1', ami({ created: daysAgo(i) }))
    let inFlight = 0
    let peak = 0
    const client = world.client('us-east-1', BUILD)
    const send = client.send.bind(client)
    client.send = (async (command: never) => {
      inFlight++
      peak = Math.max(peak, inFlight)
      await new Promise((resolve) => setImmediate(resolve))
      try {
        return await send(command)
      } finally {
        inFlight--
      }
    }) as typeof client.send
    const ctx = makeContext(world, { prune: { keep: 1, skipInUse: false } })
    const report = await prune(ctx, thisRunImage(), noFleet)
    expect(report?.pruned).toHaveLength(300)
    expect(peak).toBe(PRUNE_CONCURRENCY)
    // The clock is frozen, so the waits add up to the time AWS needs to refill after the whole
    // burst of 100: (300 - 100) / 4.9 s, within 1.05 × the bucket's floor of (300 - 100) / 5 s.
    const waits = ctx.sleep.mock.calls.map(([ms]) => ms)
    expect(waits).toHaveLength(200)
    expect(Math.max(...waits)).toBeGreaterThanOrEqual(Math.floor((200 / 4.9) * 1000))
    expect(Math.max(...waits)).toBeLessThanOrEqual(1.05 * (200 / 5) * 1000)
  })
})
