// Least privilege, the other features: build from an instance, adopt, share publicly, encrypted
// sources, and stopping a runbook on cancellation. Each runs with exactly the README's policies
// for "Every run" + that feature (parsed from README.md), then without each of its actions.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import {
  BASE_AMI,
  BUILD,
  errorLines,
  INSTANCE,
  pipelineInputs,
  policyFor,
  readmePolicies,
  REGION,
  runPipeline,
  seedWorld,
  SHARE,
  warningLines,
  worldState
} from './faults-world.js'

const policies = readmePolicies()
const CMK = '1234abcd-12ab-34cd-56ef-1234567890ab'
const ENCRYPTED_AMI = 'ami-0eeeeeeeeeeeeeeee'
const DISABLED_AMI = 'ami-0dddddddddddddddd'
const FAMILY = { 'ami-share-action:family': 'web' }
/** Old versions of the family shared with a consumer account (their usage is checked). */
const seedSharedOldVersions = (emu: Emulator): void => {
  emu.seed({
    ec2: {
      images: [3, 4].map((n) => ({
        accountId: BUILD,
        region: REGION,
        name: `web-shared-${n}`,
        tags: FAMILY,
        creationDate: `2025-0${n}-01T00:00:00Z`,
        launchPermissions: [{ userId: SHARE }]
      }))
    }
  })
}
const pruneAdopted = { 'ami-id': BASE_AMI, family: 'web', 'prune-keep': '1' }

interface Feature {
  headings: string[]
  seed?(emu: Emulator): void
  inputs: Record<string, string>
  /** Actions whose absence is a warning naming them, not a failure. */
  warningOnly?: string[]
}

const FEATURES: Record<string, Feature> = {
  'nightly rebuild: rebuild: if-changed with a resolve:ssm: base': {
    headings: ['Every run', 'Build with a runbook', 'Nightly rebuilds'],
    seed: (emu) =>
      emu.seed({
        ssm: {
          parameters: [{ name: '/aws/service/golden/base', region: REGION, value: BASE_AMI }]
        }
      }),
    inputs: {
      'automation-document': 'AWS-UpdateLinuxAmi',
      'automation-parameters':
        'SourceAmiId: resolve:ssm:/aws/service/golden/base\nSecurityGroupIds: sg-0123456789abcdef0',
      'ami-name': 'web-{{timestamp}}',
      family: 'web',
      rebuild: 'if-changed'
    }
  },
  'prune versions shared with other accounts (image usage reports)': {
    headings: ['Every run', 'Adopt', 'Prune (', 'Consumer usage of shared'],
    seed: seedSharedOldVersions,
    inputs: pruneAdopted,
    // Without them those versions are kept ("usage unknown") and a warning names the permission.
    warningOnly: [
      'ec2:CreateImageUsageReport',
      'ec2:DescribeImageUsageReports',
      'ec2:DescribeImageUsageReportEntries',
      'ec2:DeleteImageUsageReport'
    ]
  },
  'prune with launch templates and Auto Scaling groups': {
    headings: ['Every run', 'Adopt', 'Prune (', 'Launch templates and Auto Scaling'],
    seed: (emu) => {
      const old = (
        emu.state() as { ec2: { images: { imageId: string; name: string }[] } }
      ).ec2.images.find((i) => i.name === 'web-old-1')!.imageId
      emu.seed({
        ec2: {
          launchTemplates: [
            {
              accountId: BUILD,
              region: REGION,
              name: 'web',
              versions: [{ imageId: old }, { imageId: BASE_AMI }],
              defaultVersion: 2
            }
          ]
        },
        autoscaling: {
          groups: [
            {
              accountId: BUILD,
              region: REGION,
              name: 'web',
              launchTemplate: { launchTemplateName: 'web' },
              minSize: 0,
              maxSize: 1
            }
          ]
        }
      })
    },
    inputs: pruneAdopted,
    // Without them the template references cannot be narrowed: nothing is pruned, with a warning.
    warningOnly: [
      'ec2:DescribeLaunchTemplates',
      'ec2:DescribeLaunchTemplateVersions',
      'autoscaling:DescribeAutoScalingGroups'
    ]
  },
  'prune-action: disable': {
    headings: ['Every run', 'Adopt', 'Prune (', 'Retire by disabling'],
    seed: seedSharedOldVersions,
    inputs: { ...pruneAdopted, 'prune-action': 'disable', 'prune-skip-in-use': 'false' }
  },
  'bring a disabled version back with ami-id': {
    headings: ['Every run', 'Adopt', 'Share (', 'Bring a disabled'],
    seed: (emu) =>
      emu.seed({
        ec2: {
          images: [
            {
              imageId: DISABLED_AMI,
              accountId: BUILD,
              region: REGION,
              name: 'web-disabled',
              state: 'disabled',
              tags: { ...FAMILY, 'ami-share-action:disabled-at': '2026-01-01T00:00:00.000Z' }
            }
          ]
        }
      }),
    inputs: { 'ami-id': DISABLED_AMI, family: 'web', 'share-accounts': SHARE },
    // Re-enabled all the same; the stale tag is named in a warning.
    warningOnly: ['ec2:DeleteTags']
  },
  'build from an instance': {
    headings: ['Every run', 'Build from an instance'],
    inputs: { 'instance-id': INSTANCE, 'ami-name': 'web-{{timestamp}}', family: 'web' }
  },
  'adopt an AMI': {
    headings: ['Every run', 'Adopt'],
    inputs: { 'ami-id': BASE_AMI, family: 'web' }
  },
  'roll out to a launch template': {
    headings: ['Every run', 'Adopt', 'Roll out'],
    seed: (emu) =>
      emu.seed({
        ec2: {
          launchTemplates: [
            {
              accountId: BUILD,
              region: REGION,
              name: 'web',
              versions: [{ instanceType: 't3.micro' }, { instanceType: 't3.small' }]
            }
          ]
        }
      }),
    inputs: { 'ami-id': BASE_AMI, 'launch-templates': 'web' }
  },
  'share publicly, beyond the default public-AMI quota': {
    headings: ['Every run', 'Share publicly'],
    // Five public AMIs already, and a raised "Public AMIs" quota: the quota is read (and honoured).
    seed: (emu) =>
      emu.seed({
        ec2: {
          blockPublicAccess: [{ accountId: BUILD, region: REGION, state: 'unblocked' }],
          images: [1, 2, 3, 4, 5].map((n) => ({
            accountId: BUILD,
            region: REGION,
            name: `published-${n}`,
            public: true
          }))
        },
        servicequotas: {
          quotas: [{ accountId: BUILD, region: REGION, quotaCode: 'L-0E3CBAB9', value: 10 }]
        }
      }),
    inputs: { 'ami-id': BASE_AMI, 'share-public': 'true' },
    // Unread, the quota is a warning and AWS decides (here: the raised quota lets it through).
    warningOnly: ['servicequotas:GetServiceQuota']
  },
  'replace a same-name AMI': {
    headings: ['Every run', 'Build from an instance', 'Replace a same-name AMI'],
    seed: (emu) =>
      emu.seed({ ec2: { images: [{ accountId: BUILD, region: REGION, name: 'web-fixed' }] } }),
    inputs: {
      'instance-id': INSTANCE,
      'ami-name': 'web-fixed',
      'if-exists': 'replace',
      family: 'web'
    },
    // Without it the replaced AMI goes and its snapshots stay, with a warning.
    warningOnly: ['ec2:DeleteSnapshot']
  },
  'share an AMI encrypted with a customer managed key': {
    headings: ['Every run', 'Share (', 'Encrypted source images'],
    seed: (emu) =>
      emu.seed({
        kms: {
          keys: [{ accountId: BUILD, region: REGION, keyId: CMK, aliases: ['alias/golden'] }]
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
      }),
    inputs: { 'ami-id': ENCRYPTED_AMI, 'share-accounts': SHARE },
    warningOnly: ['kms:GetKeyPolicy']
  }
}

let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.001 })
})
afterAll(async () => {
  await emu?.close()
})
beforeEach(() => emu.reset())

function setUp(feature: Feature, allow: string[]): void {
  seedWorld(emu)
  feature.seed?.(emu)
  emu.configure({ iam: { [BUILD]: allow } })
}

describe.each(Object.keys(FEATURES))('%s', (name) => {
  const feature = FEATURES[name]
  const policy = policyFor(policies, ...feature.headings)
  const featureOnly = policyFor(policies, feature.headings[feature.headings.length - 1])

  it('passes with exactly the README policy', async () => {
    setUp(feature, policy)
    const r = await runPipeline(emu, feature.inputs)
    expect(errorLines(r)).toBe('')
    expect(warningLines(r)).not.toMatch(/not authorized/)
    expect(r.code).toBe(0)
  }, 60_000)

  it.each(featureOnly)(
    'fails naming %s when it is removed',
    async (action) => {
      setUp(
        feature,
        policy.filter((a) => a !== action)
      )
      const r = await runPipeline(emu, feature.inputs)
      if (feature.warningOnly?.includes(action)) {
        expect(r.code).toBe(0)
        expect(warningLines(r)).toContain(action)
      } else {
        expect(r.code).toBe(1)
        expect(errorLines(r)).toContain(action)
      }
    },
    60_000
  )
})

describe('stopping the runbook on cancellation', () => {
  const policy = policyFor(policies, 'Every run', 'Build with a runbook')
  const inputs = pipelineInputs('runbook', {
    'automation-document': 'Build-Slow',
    'automation-parameters': `InstanceId: ${INSTANCE}`,
    'share-accounts': '',
    'share-snapshots': 'false',
    'copy-regions': '',
    'copy-accounts': '',
    'deprecate-after': '',
    'deregistration-protection': 'false',
    'ssm-parameter': '',
    'prune-keep': ''
  })
  function seedSlowRunbook(): void {
    emu.seed({
      ssm: {
        documents: [
          {
            name: 'Build-Slow',
            accountId: BUILD,
            region: REGION,
            parameters: [{ name: 'InstanceId', type: 'String' }],
            steps: [{ name: 'patch', action: 'aws:runCommand', durationMs: 3_600_000 }]
          }
        ]
      }
    })
  }

  it.each([
    ['with the README policy: stopped', policy, 'Cancelling'],
    [
      'without ssm:StopAutomationExecution: a warning naming it',
      policy.filter((a) => a !== 'ssm:StopAutomationExecution'),
      'InProgress'
    ]
  ])(
    '%s',
    async (_, allow, status) => {
      seedWorld(emu)
      seedSlowRunbook()
      emu.configure({ iam: { [BUILD]: allow } })
      const r = await runPipeline(emu, inputs, {
        signalAfter: { onCall: 'StartAutomationExecution', afterMs: 300 }
      })
      expect(r.code).toBe(1)
      expect(errorLines(r)).toMatch(/cancel/i)
      expect([status, status === 'Cancelling' ? 'Cancelled' : status]).toContain(
        worldState(emu).executions[0].status
      )
      if (status === 'InProgress') {
        expect(warningLines(r)).toContain('ssm:StopAutomationExecution')
        expect(errorLines(r)).toMatch(/post step will try again/)
      }
    },
    60_000
  )
})
