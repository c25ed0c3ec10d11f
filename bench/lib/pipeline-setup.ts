// The standard pipeline the bench measures: a runbook build, sharing with 3 accounts + 1 OU,
// copies to 4 regions, prune. Durations of AWS's work are shortened through the emulator's
// settings (scenario values, not the action's) so a run at real time stays under a minute.
import type { Emulator } from '../../emulator/index.js'

export const BUILD_ACCOUNT = '111122223333'
export const BUILD_REGION = 'us-east-1'
export const SHARE_ACCOUNTS = ['444455556666', '777788889999', '210987654321']
export const SHARE_OU = 'arn:aws:organizations::111122223333:ou/o-abcdefghij/ou-ab12-cdefghij'
export const COPY_REGIONS = ['eu-west-1', 'eu-central-1', 'ap-southeast-2', 'us-west-2']
export const FAMILY = 'bench-web'
export const INSTANCE_ID = 'i-0123456789abcdef0'
export const RUNBOOK = 'Bench-Golden'

/** AWS work durations in simulated ms (so the run's "AWS time" is known exactly). */
export interface PipelineTiming {
  /** The runbook's own step before aws:createImage. */
  runCommandMs: number
  createImageMs: number
  copyBaseMs: number
  copyMsPerGiB: number
  /** Per-region multipliers on copy time: real regions do not copy equally fast. */
  copySlowdown: Record<string, number>
}

/** Short real-time durations: runbook ~10 s, copies 12–24 s. */
export const REAL_TIME_TIMING: PipelineTiming = {
  runCommandMs: 4_000,
  createImageMs: 6_000,
  copyBaseMs: 8_000,
  copyMsPerGiB: 1_000,
  copySlowdown: { 'eu-west-1': 1, 'eu-central-1': 1.25, 'ap-southeast-2': 1.5, 'us-west-2': 0.75 }
}

/**
 * AWS-sized durations for the compressed detection scenario: a runbook of ~10 min (an 8-minute
 * step, then aws:createImage of 2 min) and copies of 8 GiB at 4 min + 30 s/GiB ≈ 8 min × the
 * regions' slowdowns (6–12 min).
 */
export const AWS_SIZED_TIMING: PipelineTiming = {
  runCommandMs: 480_000,
  createImageMs: 120_000,
  copyBaseMs: 240_000,
  copyMsPerGiB: 30_000,
  copySlowdown: REAL_TIME_TIMING.copySlowdown
}

/** Run-to-run variation: the runbook step and the copy base time × U(1 − spread, 1 + spread). */
export function varied(
  timing: PipelineTiming,
  spread: number,
  random = Math.random
): PipelineTiming {
  const f = (): number => 1 - spread + 2 * spread * random()
  return {
    ...timing,
    runCommandMs: Math.round(timing.runCommandMs * f()),
    copyBaseMs: Math.round(timing.copyBaseMs * f())
  }
}

/**
 * The same timing with the runbook and copy durations shifted by a random part of one 5 s poll
 * interval, so the instants at which AWS finishes fall uniformly across the action's poll phase.
 * Fixed durations land on the poll grid and make detection latency look either ~0 s or ~5 s.
 */
export function withRandomPhase(timing: PipelineTiming, random = Math.random): PipelineTiming {
  return {
    ...timing,
    runCommandMs: timing.runCommandMs + Math.round(random() * 5_000),
    copyBaseMs: timing.copyBaseMs + Math.round(random() * 5_000)
  }
}

/**
 * What earlier runs of this pipeline recorded on their AMIs (src/image/durations.ts): the build
 * and each region's copy time, each drawn from the same distribution as this run's own durations
 * (`timing` before withRandomPhase, plus a phase of its own), in the action's ms (`scale` = the
 * emulator's timeScale).
 */
export function pastRunTags(
  timing: PipelineTiming,
  scale = 1,
  sizeGiB = 8,
  random = Math.random
): Record<string, string> {
  const build = timing.runCommandMs + random() * 5_000 + timing.createImageMs
  const tags: Record<string, string> = {
    'ami-share-action:build-ms': String(Math.round(build * scale))
  }
  for (const [region, slow] of Object.entries(timing.copySlowdown)) {
    const copy = (timing.copyBaseMs + random() * 5_000 + sizeGiB * timing.copyMsPerGiB) * slow
    tags[`ami-share-action:copy-ms:${region}`] = String(Math.round(copy * scale))
  }
  return tags
}

export const OLD_VERSIONS_PER_REGION = 5
export const PRUNE_KEEP = 3

export function standardInputs(): Record<string, string> {
  return {
    'automation-document': RUNBOOK,
    'automation-parameters': `InstanceId: ${INSTANCE_ID}`,
    'ami-name': 'bench-web-{{timestamp}}',
    family: FAMILY,
    'share-accounts': SHARE_ACCOUNTS.join(','),
    'share-organizational-units': SHARE_OU,
    'copy-regions': COPY_REGIONS.join(','),
    'prune-keep': String(PRUNE_KEEP)
  }
}

/** Configure timings and seed the instance, the runbook and older versions to prune. */
export function seedPipeline(
  emu: Emulator,
  timing: PipelineTiming,
  accountId = BUILD_ACCOUNT,
  /** Tags of an earlier run (pastRunTags), one draw per old version in the build region. */
  history?: () => Record<string, string>
): void {
  emu.configure({
    ec2: {
      createImageBaseMs: timing.createImageMs,
      createImageMsPerGiB: 0,
      rebootMs: 0,
      copyBaseMs: timing.copyBaseMs,
      copyMsPerGiB: timing.copyMsPerGiB,
      copySlowdown: timing.copySlowdown
    }
  } as never)
  const old: unknown[] = []
  const day = 86_400_000
  for (const region of [BUILD_REGION, ...COPY_REGIONS]) {
    for (let i = 0; i < OLD_VERSIONS_PER_REGION; i++) {
      old.push({
        accountId,
        region,
        name: `bench-web-old-${region}-${i}`,
        creationDate: new Date(Date.UTC(2026, 0, 1) + i * day).toISOString(),
        tags: {
          'ami-share-action:family': FAMILY,
          ...(region === BUILD_REGION && history?.())
        }
      })
    }
  }
  emu.seed({
    ec2: {
      accounts: {
        '444455556666': { ouArns: [SHARE_OU] }
      },
      instances: [
        { instanceId: INSTANCE_ID, accountId, region: BUILD_REGION, volumes: [{ sizeGiB: 8 }] }
      ],
      images: old
    },
    ssm: {
      documents: [
        {
          name: RUNBOOK,
          accountId,
          region: BUILD_REGION,
          versions: ['1'],
          defaultVersion: '1',
          parameters: [
            { name: 'InstanceId', type: 'String' },
            { name: 'TargetAmiName', type: 'String', defaultValue: 'golden-{{global:DATE_TIME}}' }
          ],
          steps: [
            { name: 'install', action: 'aws:runCommand', durationMs: timing.runCommandMs },
            {
              name: 'createImage',
              action: 'aws:createImage',
              inputs: {
                InstanceId: '{{InstanceId}}',
                ImageName: '{{TargetAmiName}}',
                NoReboot: 'true'
              }
            }
          ],
          outputs: ['createImage.ImageId']
        }
      ]
    }
  })
}
