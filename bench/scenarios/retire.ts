// Scenario: retirement at scale, throttling on with AWS's bucket sizes (timeScale 1, see prune.ts).
// (a) N versions per region across 4 regions disabled (prune-action: disable): DisableImage draws
//     from EC2's shared mutating bucket (50, 5/s), CreateTags from its own (100, 10/s);
// (b) the same number, disabled by this action long ago, deregistered
//     (prune-deregister-disabled-after) with their snapshots: DeregisterImage's bucket (100, 5/s);
// (c) M versions shared with a consumer account checked by image usage reports.
// Each reports wall time, the span against the bucket floor, throttled calls, throttling errors
// that reached the log, and calls per version.
import { startEmulator } from '../../emulator/index.js'
import { assertSucceeded, runActionProcess } from '../lib/action.js'
import { countBy } from '../lib/calls.js'
import { PRUNE_REGIONS } from './prune.js'

const FAMILY = 'bench-retire'
const ACCOUNT = '111122223333'
const CONSUMER = '444455556666'
const DAY = 86_400_000

export interface RetireRun {
  scenario: 'disable' | 'deregister-disabled' | 'usage-reports'
  versions: number
  regions: number
  wallMs: number
  /** First to last call of the retiring action, simulated ms. */
  spanMs: number
  /** Per region, the bucket's own floor for that action: (N − burst) / refill s. */
  floorMs: number
  callsByAction: Record<string, number>
  callsPerVersion: number
  throttledCalls: number
  throttlingErrorsSurfaced: number
  outcome: Record<string, number>
}

interface Seeded {
  perRegion: number
  regions: string[]
  extra?: (i: number) => Record<string, unknown>
}

function seedImages({ perRegion, regions, extra }: Seeded): unknown[] {
  const images: unknown[] = []
  const base = Date.UTC(2024, 0, 1)
  for (const region of regions) {
    for (let i = 0; i < perRegion; i++) {
      images.push({
        accountId: ACCOUNT,
        region,
        name: `${FAMILY}-${region}-${i}`,
        creationDate: new Date(base + i * 60_000).toISOString(),
        tags: { 'ami-share-action:family': FAMILY },
        ...extra?.(i)
      })
    }
  }
  images.push({
    accountId: ACCOUNT,
    region: 'us-east-1',
    name: `${FAMILY}-new`,
    tags: { 'ami-share-action:family': FAMILY }
  })
  return images
}

async function runOnce(
  scenario: RetireRun['scenario'],
  perRegion: number,
  regions: string[],
  inputs: Record<string, string>,
  extra: Seeded['extra'],
  retiring: string,
  bucket: { burst: number; refill: number }
): Promise<RetireRun> {
  const emu = await startEmulator({ timeScale: 1, throttling: true })
  try {
    emu.configure({ ec2: { copyBaseMs: 2000, copyMsPerGiB: 0, usageReportMs: 5000 } } as never)
    const seeded = (
      emu.seed({ ec2: { images: seedImages({ perRegion, regions, extra }) } }) as {
        ec2: { images: string[] }
      }
    ).ec2.images
    const run = await runActionProcess({
      emulator: emu,
      inputs: {
        'ami-id': seeded[seeded.length - 1],
        family: FAMILY,
        ...(regions.length > 1 && { 'copy-regions': regions.slice(1).join(',') }),
        'prune-keep': '1',
        ...inputs
      },
      timeoutMs: 3_600_000
    })
    assertSucceeded(run, scenario)
    const calls = emu.calls()
    const times = calls.filter((c) => c.action === retiring && c.status < 400).map((c) => c.simAt)
    const log = run.stdout + run.stderr
    const versions = perRegion * regions.length
    const byAction = countBy(calls)
    const outcome: Record<string, number> = {}
    for (const key of ['pruned-ami-ids', 'disabled-ami-ids']) {
      const map = JSON.parse(run.outputs[key] ?? '{}') as Record<string, string[]>
      outcome[key] = Object.values(map).reduce((n, ids) => n + ids.length, 0)
    }
    return {
      scenario,
      versions,
      regions: regions.length,
      wallMs: run.exitedAt - run.spawnedAt,
      spanMs: times.length ? Math.max(...times) - Math.min(...times) : 0,
      floorMs: (Math.max(0, perRegion - bucket.burst) / bucket.refill) * 1000,
      callsByAction: byAction,
      callsPerVersion: Math.round((calls.length / versions) * 100) / 100,
      throttledCalls: calls.filter((c) => c.errorCode === 'RequestLimitExceeded').length,
      throttlingErrorsSurfaced: (log.match(/RequestLimitExceeded|Rate exceeded|throttl/gi) ?? [])
        .length,
      outcome
    }
  } finally {
    await emu.close()
  }
}

/** (a) then (b): `perRegion` versions in each of 4 regions disabled, then deregistered. */
export async function runRetireOnce(perRegion: number): Promise<RetireRun[]> {
  const regions = PRUNE_REGIONS
  const disable = await runOnce(
    'disable',
    perRegion,
    regions,
    { 'prune-action': 'disable', 'prune-skip-in-use': 'false' },
    undefined,
    'DisableImage',
    { burst: 50, refill: 5 }
  )
  const longAgo = new Date(Date.now() - 40 * DAY).toISOString()
  const deregister = await runOnce(
    'deregister-disabled',
    perRegion,
    regions,
    {
      'prune-action': 'disable',
      'prune-deregister-disabled-after': '30d',
      'prune-skip-in-use': 'false'
    },
    () => ({
      state: 'disabled',
      tags: { 'ami-share-action:family': FAMILY, 'ami-share-action:disabled-at': longAgo }
    }),
    'DeregisterImage',
    { burst: 100, refill: 5 }
  )
  return [disable, deregister]
}

/** (c): `count` versions in one region, each shared with a consumer account. */
export async function runUsageReportsOnce(count: number): Promise<RetireRun> {
  return runOnce(
    'usage-reports',
    count,
    ['us-east-1'],
    {},
    () => ({ launchPermissions: [{ userId: CONSUMER }] }),
    'CreateImageUsageReport',
    { burst: 50, refill: 5 }
  )
}
