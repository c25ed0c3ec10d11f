// Fault matrix, part 1: transient AWS failures. Every AWS operation the action uses (derived from
// the call log of clean full runs) gets one 500, one 503 and one connection reset; the run still
// succeeds and nothing is lost. (Storms and faults that do not go away: faults-persistent.test.ts.)
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import {
  actionsCalled,
  BASE_AMI,
  BUILD,
  COPY_REGION,
  errorLines,
  expectNothingLost,
  pipelineInputs,
  REGION,
  runPipeline,
  seedWorld,
  SHARE,
  worldState
} from './faults-world.js'

const CMK = '1234abcd-12ab-34cd-56ef-1234567890ab'
const ENCRYPTED_AMI = 'ami-0eeeeeeeeeeeeeeee'

/** The pipelines whose calls together cover every AWS operation the action makes. */
const VARIANTS: Record<string, { seed(emu: Emulator): void; inputs(): Record<string, string> }> = {
  'runbook build, share, copy, lifecycle, prune': {
    seed: (emu) => seedWorld(emu),
    inputs: () => pipelineInputs('runbook')
  },
  'instance build, share, copy, lifecycle, prune': {
    seed: (emu) => seedWorld(emu),
    inputs: () => pipelineInputs('instance')
  },
  'adopt a CMK-encrypted AMI, re-encrypted copy': {
    seed(emu) {
      seedWorld(emu)
      emu.seed({
        kms: {
          keys: [
            { accountId: BUILD, region: REGION, keyId: CMK, aliases: ['alias/golden'] },
            { accountId: BUILD, region: COPY_REGION, keyId: CMK, aliases: ['alias/golden'] }
          ]
        },
        ec2: {
          images: [
            {
              imageId: ENCRYPTED_AMI,
              accountId: BUILD,
              region: REGION,
              name: 'web-encrypted',
              snapshots: [
                {
                  sizeGiB: 8,
                  encrypted: true,
                  kmsKeyId: `arn:aws:kms:${REGION}:${BUILD}:key/${CMK}`
                }
              ]
            }
          ]
        }
      })
    },
    inputs: () => ({
      'ami-id': ENCRYPTED_AMI,
      family: 'web',
      'share-accounts': SHARE,
      'copy-regions': COPY_REGION,
      'kms-key-id': 'alias/golden'
    })
  },
  'adopt and share publicly': {
    seed(emu) {
      seedWorld(emu)
      emu.seed({
        ec2: { blockPublicAccess: [{ accountId: BUILD, region: REGION, state: 'unblocked' }] }
      })
    },
    inputs: () => ({ 'ami-id': BASE_AMI, family: 'web', 'share-public': 'true' })
  }
}

const FAULTS = {
  '500 InternalError': { kind: 'error', status: 500 },
  '503 ServiceUnavailable': { kind: 'error', status: 503, code: 'ServiceUnavailable' },
  'connection reset': { kind: 'reset' }
} as const

let emu: Emulator
/** variant → the service:Action names its clean run made. */
const operations = new Map<string, string[]>()

beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.001 })
})
afterAll(async () => {
  await emu?.close()
})
beforeEach(() => emu.reset())

describe('clean runs (the list of operations the matrix faults)', () => {
  it.each(Object.keys(VARIANTS))(
    '%s: exit 0',
    async (name) => {
      VARIANTS[name].seed(emu)
      const r = await runPipeline(emu, VARIANTS[name].inputs())
      expect(errorLines(r)).toBe('')
      expect(r.code).toBe(0)
      operations.set(name, actionsCalled(emu.calls()))
    },
    90_000
  )

  // Not in a clean run, so not in this matrix: ssm:DescribeAutomationStepExecutions (a runbook
  // that fails, or a truncated step list) and ec2:DescribeSnapshots (an encrypted snapshot whose
  // key DescribeImages does not name; the emulator always names it).
  it('together they cover every AWS operation the action uses', () => {
    const all = new Set([...operations.values()].flat())
    for (const op of [
      'ec2:CreateImage',
      'ec2:CopyImage',
      'ec2:CreateTags',
      'ec2:DeregisterImage',
      'ec2:DescribeImages',
      'ec2:DescribeImageAttribute',
      'ec2:DescribeImageReferences',
      'ec2:ModifyImageAttribute',
      'ec2:ModifySnapshotAttribute',
      'ec2:EnableImageDeprecation',
      'ec2:EnableImageDeregistrationProtection',
      'ec2:GetImageBlockPublicAccessState',
      'ssm:DescribeDocument',
      'ssm:StartAutomationExecution',
      'ssm:GetAutomationExecution',
      'ssm:PutParameter',
      'sts:GetCallerIdentity',
      'sts:AssumeRole',
      'kms:DescribeKey',
      'kms:GetKeyPolicy'
    ])
      expect(all).toContain(op)
  })
})

describe.each(Object.keys(FAULTS) as (keyof typeof FAULTS)[])(
  'one %s on every operation',
  (faultName) => {
    it.each(Object.keys(VARIANTS))(
      '%s: retried, exit 0, every operation was hit, nothing lost',
      async (name) => {
        const ops = operations.get(name)
        expect(ops?.length).toBeGreaterThan(5)
        VARIANTS[name].seed(emu)
        emu.configure({
          faults: ops!.map((op) => {
            const [service, action] = op.split(':')
            return { service, action, count: 1, ...FAULTS[faultName] }
          })
        })
        const before = worldState(emu)
        const r = await runPipeline(emu, VARIANTS[name].inputs())
        expect(errorLines(r)).toBe('')
        expect(r.code).toBe(0)
        expect(r.outputs['ami-id']).toMatch(/^ami-/)
        // Every operation met its fault once (resets are logged without a status code).
        const faulted = new Set(
          emu
            .calls()
            .filter((c) => c.status >= 500 || c.errorCode !== undefined || c.status === 0)
            .map((c) => `${c.service}:${c.action}`)
        )
        expect(ops!.filter((op) => !faulted.has(op))).toEqual([])
        const pruned = before.images
          .filter((i) => i.name.startsWith('web-old'))
          .map((i) => i.imageId)
        expectNothingLost(emu, before, pruned)
      },
      90_000
    )
  }
)
