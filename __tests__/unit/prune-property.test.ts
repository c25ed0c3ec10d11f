// The selection property again, end to end: random fleets in an in-memory EC2, through prune()
// with its listing, reference batches, deregistration and dry run.
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import type { Image as Ec2Image } from '@aws-sdk/client-ec2'
import { prune } from '../../src/prune.js'
import { toCandidate } from '../../src/prune/candidates.js'
import type { Candidate } from '../../src/prune/select.js'
import {
  ACCOUNTS,
  FAMILY,
  HOUR,
  NOW,
  REGIONS,
  brokenRule,
  fleetArb,
  optionsOf,
  toCandidates,
  type Fleet
} from './prune-rules.js'
import { World, fleetOf, makeContext, thisRunImage } from './prune-world.js'

const NEW_ID = 'ami-thisrun'
const CONSUMER = '444455556666'

function seed(world: World, fleet: Fleet): { id: string; account: string; region: string }[] {
  const members: { id: string; account: string; region: string }[] = []
  fleet.facts.forEach((f, i) => {
    const account = ACCOUNTS[f.scope % ACCOUNTS.length]
    const region = REGIONS[Math.floor(f.scope / ACCOUNTS.length)]
    const id = `ami-${i.toString(16).padStart(8, '0')}`
    const tags = [
      ...(f.family === undefined ? [] : [{ Key: 'ami-share-action:family', Value: f.family }]),
      ...(f.keepTag === undefined ? [] : [{ Key: 'ami-share-action:keep', Value: f.keepTag }])
    ]
    // Every third image shares a snapshot with others in its scope.
    const snapshot = i % 3 === 0 ? `snap-s${f.scope}-${i % 5}` : `snap-${i}`
    const image: Ec2Image = {
      ImageId: id,
      Name: id,
      OwnerId: f.owner === 'self' ? account : f.owner === 'foreign' ? '999999999999' : undefined,
      State: f.state as Ec2Image['State'],
      CreationDate:
        f.ageHours === null ? undefined : new Date(NOW.getTime() - f.ageHours * HOUR).toISOString(),
      DeregistrationProtection: f.protection,
      Tags: tags,
      BlockDeviceMappings: [
        { DeviceName: '/dev/xvda', Ebs: { SnapshotId: snapshot, VolumeSize: 1 + (i % 7) } }
      ]
    }
    world.add(account, region, image)
    // Shared with a consumer account unless 'not-shared'; its report (seeded, so a dry run reads
    // it too) finds use when 'used'; 'unknown': the attributes cannot be read.
    if (f.consumers !== 'not-shared') world.permissions.set(id, [{ UserId: CONSUMER }])
    if (f.consumers === 'used')
      world.usage.set(id, [{ AccountId: CONSUMER, ResourceType: 'ec2:Instance', UsageCount: 2 }])
    if (f.consumers === 'unknown') world.permissionErrors.add(id)
    if (f.consumers !== 'not-shared') world.seedReport(id)
    if (!f.lastLaunchRead) world.lastLaunchErrors.add(id)
    else if (f.lastLaunchHours !== null)
      world.lastLaunched.set(id, new Date(NOW.getTime() - f.lastLaunchHours * HOUR).toISOString())
    if (f.references === 'used') {
      world.references.set(id, [
        { Arn: `arn:aws:ec2:${region}:${account}:instance/i-${i}`, ResourceType: 'ec2:Instance' }
      ])
    }
    if (f.thisRun) members.push({ id, account, region })
  })
  return members
}

async function run(fleet: Fleet, dryRun: boolean) {
  const world = new World()
  world.pageSize = 7 // several pages per scope
  const members = seed(world, fleet)
  const facts = new Map(toCandidates(fleet).candidates.map((c) => [c.imageId, c.retire]))
  const candidates: Candidate[] = [...world.images.entries()].flatMap(([key, images]) => {
    const [accountId, region] = key.split('/')
    return images.map((image) => ({
      ...toCandidate(image, { accountId, region }),
      retire: facts.get(image.ImageId!),
      references: (world.references.get(image.ImageId!) ?? []).map((r) => ({
        arn: r.Arn,
        resourceType: r.ResourceType
      }))
    }))
  })
  // This run's image in the build region, not yet visible to DescribeImages.
  candidates.push({
    accountId: ACCOUNTS[0],
    region: REGIONS[0],
    imageId: NEW_ID,
    name: 'new',
    ownerId: ACCOUNTS[0],
    state: 'available',
    creationDate: NOW,
    tags: { 'ami-share-action:family': FAMILY },
    snapshots: []
  })
  const ctx = makeContext(world, {
    dryRun,
    regions: REGIONS.slice(1),
    accounts: ACCOUNTS.slice(1),
    prune: {
      keep: fleet.keep,
      olderThanMs: fleet.olderThanHours === null ? undefined : fleet.olderThanHours * HOUR,
      skipInUse: fleet.skipInUse,
      retire: {
        action: 'deregister',
        requireRecycleBin: false,
        ...(fleet.unusedForHours !== null && { unusedForMs: fleet.unusedForHours * HOUR })
      }
    }
  })
  const image = thisRunImage(NEW_ID, { accountId: ACCOUNTS[0], region: REGIONS[0], snapshots: [] })
  const report = await prune(ctx, image, fleetOf(members))
  const thisRun = new Set([NEW_ID, ...members.map((m) => m.id)])
  return { world, report: report!, candidates, options: optionsOf(fleet, thisRun) }
}

describe('prune() over random fleets (property)', () => {
  it('deregisters only what the safety rules allow; the dry run lists the same and changes nothing', async () => {
    let total = 0
    await fc.assert(
      fc.asyncProperty(fleetArb, async (fleet) => {
        const real = await run(fleet, false)
        const deregistered = real.world.callsOf('DeregisterImage')
        const ids = new Set(deregistered.map((c) => c.input.ImageId as string))
        total += ids.size
        expect(brokenRule(real.candidates, ids, real.options)).toBeUndefined()
        expect(deregistered.every((c) => c.input.DeleteAssociatedSnapshots === true)).toBe(true)
        expect(real.world.callsOf('DeleteSnapshot')).toEqual([])
        expect(ids.size).toBe(deregistered.length) // one call per version
        expect(real.report.pruned.map((p) => p.imageId).sort()).toEqual([...ids].sort())
        expect(real.report.examined).toHaveLength(ACCOUNTS.length * REGIONS.length)
        for (const call of real.world.callsOf('DescribeImageReferences')) {
          expect((call.input.ImageIds as string[]).length).toBeLessThanOrEqual(10)
        }

        const dry = await run(fleet, true)
        expect(dry.world.mutatingCalls()).toEqual([])
        expect(dry.report.dryRun).toBe(true)
        expect(dry.report.pruned.map((p) => p.imageId).sort()).toEqual([...ids].sort())
        expect(dry.report.freedGiB).toBe(real.report.freedGiB)
        expect(dry.report.keptGiB).toBe(real.report.keptGiB)
      }),
      { numRuns: 80 }
    )
    expect(total).toBeGreaterThan(80) // the fleets really exercise deregistration
  })
})
