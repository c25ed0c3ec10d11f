// Never harm what this run does not own (issue #13), end to end on dist/ against the emulator:
// names that only look like ours, a copy account that is the build account, another family's AMI,
// two runs at once, AMIs left half set up, and untrusted text in the log and the PR comment.
import { describe, expect, it } from '@jest/globals'
import { DeregisterImageCommand, EC2Client } from '@aws-sdk/client-ec2'
import { BUILD, callsTo, imagesIn, INSTANCE, REGION, withEmulator } from './fixtures.js'
import { credentialsEnv, runAction, type RunResult } from './harness.js'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

const FAMILY_TAG = 'ami-share-action:family'
const LINEAGE_TAG = 'ami-share-action:source-image'
const OTHER = '999900001111'
const COPY_REGION = 'eu-west-1'
const PR = 13

const emu = withEmulator({ timeScale: 0.001 }, (started) => {
  started.seed({
    ec2: {
      instances: [
        { instanceId: INSTANCE, accountId: BUILD, region: REGION, volumes: [{ sizeGiB: 8 }] }
      ]
    },
    github: { pulls: [{ owner: 'acme', repo: 'infra', number: PR, title: 'golden AMI' }] }
  })
})

function seedImage(image: Json): string {
  const seeded = emu.seed({
    ec2: { images: [{ accountId: BUILD, region: REGION, ...image }] }
  }) as Json
  return seeded.ec2.images[0]
}

function image(id: string): Json | undefined {
  return imagesIn(emu).find((i) => i.imageId === id)
}

const mutating = (): string[] =>
  emu
    .calls()
    .filter((c) => c.mutating && c.service !== 'github')
    .map((c) => c.action)

/** The messages of `::error::` commands, as the runner would show them. */
function errors(r: RunResult): string {
  return commandsRun(r.stdout)
    .filter((c) => c.name === 'error')
    .map((c) => c.message)
    .join('\n')
}

/**
 * The workflow commands the runner would execute from this stdout: `::name props::message` lines
 * (after leading blanks), except between `::stop-commands::<token>` and `::<token>::`.
 */
function commandsRun(stdout: string): { name: string; message: string }[] {
  const run: { name: string; message: string }[] = []
  let stopToken: string | undefined
  for (const raw of stdout.split(/\r?\n/)) {
    const line = raw.trimStart()
    if (stopToken !== undefined) {
      if (line === `::${stopToken}::`) stopToken = undefined
      continue
    }
    const m = /^::([A-Za-z-]+)(?: [^:]*)?::(.*)$/.exec(line)
    if (!m) continue
    if (m[1] === 'stop-commands') {
      stopToken = m[2]
      continue
    }
    run.push({
      name: m[1],
      message: m[2].replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%')
    })
  }
  return run
}

function ec2As(account: string, region = REGION): EC2Client {
  const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY } = credentialsEnv(account)
  return new EC2Client({
    region,
    endpoint: emu.url,
    credentials: { accessKeyId: AWS_ACCESS_KEY_ID, secretAccessKey: AWS_SECRET_ACCESS_KEY }
  })
}

async function until(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const instanceBuild = (extra: Record<string, string> = {}): Record<string, string> => ({
  'instance-id': INSTANCE,
  'no-reboot': 'true',
  'ami-name': 'web-fixed',
  family: 'web',
  ...extra
})

describe('names that only look like ours', () => {
  it('copy-accounts naming a role in the build account: input error before anything changes', async () => {
    for (const ifExists of ['fail', 'reuse', 'replace']) {
      emu.reset()
      emu.seed({
        ec2: {
          instances: [{ instanceId: INSTANCE, accountId: BUILD, region: REGION }]
        }
      })
      const r = await runAction({
        emulator: emu,
        inputs: instanceBuild({
          'if-exists': ifExists,
          'copy-accounts': `arn:aws:iam::${BUILD}:role/copier`
        })
      })
      expect({ ifExists, code: r.code }).toEqual({ ifExists, code: 1 })
      expect(errors(r)).toMatch(
        /^copy-accounts: arn:aws:iam::111122223333:role\/copier is in the build account/
      )
      expect(mutating()).toEqual([])
    }
  })

  it('if-exists: reuse never adopts a same-name copy our lineage tag does not tie to this source', async () => {
    const old = seedImage({ name: 'web-fixed', tags: { [FAMILY_TAG]: 'web' } })
    // Someone's unrelated AMI with the same name in the copy region (no lineage tag).
    const stranger = seedImage({ region: COPY_REGION, name: 'web-fixed' })
    const r = await runAction({
      emulator: emu,
      inputs: instanceBuild({
        'if-exists': 'reuse',
        'copy-regions': COPY_REGION,
        'share-accounts': OTHER,
        'ssm-parameter': '/golden/web'
      })
    })
    expect(r.code).toBe(1)
    expect(errors(r)).toContain(
      `Name conflict: an AMI named "web-fixed" already exists in ${COPY_REGION}`
    )
    expect(errors(r)).toContain(stranger)
    // Not shared, not written to the parameter, nothing copied or built.
    expect(image(stranger)!.launchPermissions).toEqual([])
    expect(mutating()).not.toContain('CopyImage')
    expect(mutating()).not.toContain('PutParameter')
    expect(mutating()).not.toContain('ModifyImageAttribute')
    expect(image(old)!.state).toBe('available')
  })

  it('if-exists: reuse resumes with a copy whose lineage tag names this source', async () => {
    const old = seedImage({ name: 'web-fixed', tags: { [FAMILY_TAG]: 'web' } })
    const copy = seedImage({
      region: COPY_REGION,
      name: 'web-fixed',
      tags: { [FAMILY_TAG]: 'web', [LINEAGE_TAG]: `${old}@${REGION}` }
    })
    const r = await runAction({
      emulator: emu,
      inputs: instanceBuild({ 'if-exists': 'reuse', 'copy-regions': COPY_REGION })
    })
    expect(errors(r)).toBe('')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.outputs['ami-ids'])).toEqual({ [REGION]: old, [COPY_REGION]: copy })
    expect(mutating()).not.toContain('CopyImage')
  })

  it('if-exists: replace refuses, changing nothing, when a same-name AMI elsewhere is not its copy', async () => {
    const old = seedImage({ name: 'web-fixed', tags: { [FAMILY_TAG]: 'web' } })
    const stranger = seedImage({ region: COPY_REGION, name: 'web-fixed' })
    const r = await runAction({
      emulator: emu,
      inputs: instanceBuild({ 'if-exists': 'replace', 'copy-regions': COPY_REGION })
    })
    expect(r.code).toBe(1)
    expect(errors(r)).toContain('Name conflict')
    expect(errors(r)).toContain(stranger)
    expect(mutating()).toEqual([])
    expect(image(old)).toBeDefined()
    expect(image(stranger)).toBeDefined()
  })

  it('if-exists: replace deregisters the build-region AMI and the copies tied to it, then copies again', async () => {
    const old = seedImage({ name: 'web-fixed', tags: { [FAMILY_TAG]: 'web' } })
    const oldCopy = seedImage({
      region: COPY_REGION,
      name: 'web-fixed',
      tags: { [LINEAGE_TAG]: `${old}@${REGION}` }
    })
    const r = await runAction({
      emulator: emu,
      inputs: instanceBuild({ 'if-exists': 'replace', 'copy-regions': COPY_REGION })
    })
    expect(errors(r)).toBe('')
    expect(r.code).toBe(0)
    expect(image(old)).toBeUndefined()
    expect(image(oldCopy)).toBeUndefined()
    const ids = JSON.parse(r.outputs['ami-ids'])
    expect(image(ids[REGION])!.state).toBe('available')
    expect(image(ids[COPY_REGION])!.tags).toContainEqual({
      key: LINEAGE_TAG,
      value: `${ids[REGION]}@${REGION}`
    })
  })

  it('if-exists: replace never deregisters an AMI in use or a protected copy', async () => {
    const old = seedImage({ name: 'web-fixed', tags: { [FAMILY_TAG]: 'web' } })
    emu.seed({
      ec2: {
        instances: [{ accountId: BUILD, region: REGION, imageId: old, state: 'running' }]
      }
    })
    const protectedCopy = seedImage({
      region: COPY_REGION,
      name: 'web-fixed',
      tags: { [LINEAGE_TAG]: `${old}@${REGION}` },
      deregistrationProtection: 'enabled'
    })
    const r = await runAction({
      emulator: emu,
      inputs: instanceBuild({ 'if-exists': 'replace', 'copy-regions': COPY_REGION })
    })
    expect(r.code).toBe(1)
    expect(errors(r)).toMatch(new RegExp(`${old} in ${REGION} is in use by`))
    expect(errors(r)).toMatch(
      new RegExp(`${protectedCopy} in ${COPY_REGION}.*deregistration protection`)
    )
    expect(mutating()).toEqual([])
  })

  it('refuses to adopt (ami-id) an AMI tagged with another family, and does not retag it', async () => {
    const db = seedImage({ name: 'db-1', tags: { [FAMILY_TAG]: 'db' } })
    const r = await runAction({
      emulator: emu,
      inputs: { 'ami-id': db, family: 'web', tags: 'team=platform' }
    })
    expect(r.code).toBe(1)
    expect(errors(r)).toMatch(/^ami-id: .* belongs to family "db"/)
    expect(image(db)!.tags).toEqual([{ key: FAMILY_TAG, value: 'db' }])
    expect(mutating()).toEqual([])
  })
})

describe('two runs at once', () => {
  it('pruning never touches a version younger than timeout-minutes: a concurrent run may use it', async () => {
    const base = seedImage({ name: 'base', ownerAlias: 'amazon' })
    const minutesAgo = (m: number): string => new Date(Date.now() - m * 60_000).toISOString()
    const young = seedImage({
      name: 'web-young',
      tags: { [FAMILY_TAG]: 'web' },
      creationDate: minutesAgo(5)
    })
    const old = seedImage({
      name: 'web-old',
      tags: { [FAMILY_TAG]: 'web' },
      creationDate: minutesAgo(60 * 24 * 3)
    })
    const r = await runAction({
      emulator: emu,
      inputs: {
        'ami-id': base,
        family: 'web',
        'prune-keep': '1',
        'timeout-minutes': '60'
      }
    })
    expect(errors(r)).toBe('')
    expect(r.code).toBe(0)
    expect(image(young)).toBeDefined()
    expect(image(old)).toBeUndefined()
    expect(r.summary).toContain('timeout-minutes')
  })

  it('a run whose own AMI is deregistered meanwhile fails saying so', async () => {
    const source = seedImage({ name: 'web-src', tags: { [FAMILY_TAG]: 'web' } })
    // The copy takes a simulated hour (3.6 real seconds): time for someone to deregister the source.
    emu.configure({ 'ec2.copyBaseMs': 3_600_000 })
    const running = runAction({
      emulator: emu,
      inputs: { 'ami-id': source, family: 'web', 'copy-regions': COPY_REGION },
      timeoutMs: 90_000
    })
    await until(() => callsTo(emu, 'CopyImage').some((c) => c.status < 400))
    await ec2As(BUILD).send(new DeregisterImageCommand({ ImageId: source }))
    const r = await running
    expect(r.code).toBe(1)
    expect(errors(r)).toContain(`${source} ("web-src") in ${REGION} no longer exists`)
    expect(errors(r)).toContain('concurrency')
  }, 120_000)

  it('an image deregistered while the action waits for it is reported within two polls', async () => {
    emu.configure({ 'ec2.createImageBaseMs': 3_600_000 })
    const running = runAction({ emulator: emu, inputs: instanceBuild(), timeoutMs: 90_000 })
    await until(() => callsTo(emu, 'CreateImage').some((c) => c.status < 400))
    const created = imagesIn(emu).find((i) => i.name === 'web-fixed')!
    // Seen (pending) at least once by the action's wait before it goes.
    await until(() =>
      callsTo(emu, 'DescribeImages').some(
        (c) => c.status < 400 && c.params['ImageId.1'] === created.imageId
      )
    )
    const cut = emu.calls().length
    await ec2As(BUILD).send(new DeregisterImageCommand({ ImageId: created.imageId }))
    const r = await running
    expect(r.code).toBe(1)
    expect(errors(r)).toMatch(/deregistered/)
    const pollsAfter = emu
      .calls()
      .slice(cut)
      .filter((c) => c.action === 'DescribeImages').length
    expect(pollsAfter).toBeLessThanOrEqual(3)
  }, 120_000)

  it('a same-name race (InvalidAMIName.Duplicate) gets a message about concurrent runs', async () => {
    emu.configure({
      faults: [
        {
          action: 'CreateImage',
          kind: 'error',
          status: 400,
          code: 'InvalidAMIName.Duplicate',
          message: 'AMI name web-fixed is already in use by AMI ami-0123456789abcdef0'
        }
      ]
    })
    const r = await runAction({ emulator: emu, inputs: instanceBuild() })
    expect(r.code).toBe(1)
    expect(errors(r)).toContain('InvalidAMIName.Duplicate')
    expect(errors(r)).toContain('concurrent run')
    expect(errors(r)).toContain('`concurrency:` group')
  })
})

describe('lost track of what exists', () => {
  it('CreateTags failing after a runbook build: the untagged AMI is named in outputs, summary and error', async () => {
    const base = seedImage({ name: 'base', ownerAlias: 'amazon' })
    emu.configure({
      faults: [
        {
          action: 'CreateTags',
          kind: 'error',
          status: 400,
          code: 'InvalidParameterValue',
          message: 'tag policy says no'
        }
      ]
    })
    const r = await runAction({
      emulator: emu,
      inputs: {
        'automation-document': 'AWS-UpdateLinuxAmi',
        'automation-parameters': `SourceAmiId: ${base}\nSecurityGroupIds: sg-0123456789abcdef0`,
        family: 'web'
      },
      timeoutMs: 90_000
    })
    expect(r.code).toBe(1)
    const built = imagesIn(emu).find((i) => i.imageId !== base)!
    expect(built).toBeDefined()
    expect(r.outputs['ami-id']).toBe(built.imageId)
    expect(r.outputs['automation-execution-id']).toMatch(/./)
    expect(errors(r)).toContain(`Left in AWS: AMI ${built.imageId} exists in ${REGION}`)
    expect(errors(r)).toContain('pruning will never remove it')
    expect(errors(r)).toContain(`--image-id ${built.imageId}`)
    expect(r.summary).toContain('Left in AWS')
    expect(r.summary).toContain(built.imageId)
  }, 120_000)

  it('a runbook that fails after its createImage step: the AMI it made is named, with what to do', async () => {
    emu.seed({
      ssm: {
        documents: [
          {
            name: 'Build-Then-Break',
            accountId: BUILD,
            region: REGION,
            parameters: [{ name: 'InstanceId', type: 'String' }],
            steps: [
              {
                name: 'createImage',
                action: 'aws:createImage',
                inputs: { InstanceId: '{{InstanceId}}', ImageName: 'web-{{global:DATE_TIME}}' }
              },
              {
                name: 'smokeTest',
                action: 'aws:runCommand',
                durationMs: 60_000,
                fail: { message: 'smoke test exited 1' }
              }
            ],
            outputs: ['createImage.ImageId']
          }
        ]
      }
    })
    const r = await runAction({
      emulator: emu,
      inputs: {
        'automation-document': 'Build-Then-Break',
        'automation-parameters': `InstanceId=${INSTANCE}`,
        family: 'web'
      },
      timeoutMs: 90_000
    })
    expect(r.code).toBe(1)
    const built = imagesIn(emu).find((i) => i.name.startsWith('web-'))!
    expect(built).toBeDefined()
    expect(errors(r)).toContain('smoke test exited 1')
    expect(errors(r)).toContain(`Left in AWS: AMI ${built.imageId} exists in ${REGION}`)
    expect(r.outputs['ami-id']).toBe(built.imageId)
    expect(r.summary).toContain('Left in AWS')
  }, 120_000)

  it('a cancel after the runbook succeeded, before its AMI was tagged: the AMI is named, not lost', async () => {
    const base = seedImage({ name: 'base', ownerAlias: 'amazon' })
    // The runbook's new image stays unknown to DescribeImages for a simulated hour (eventual
    // consistency), so the action is still waiting for it, untagged, when the job is cancelled.
    emu.configure({ 'ec2.notFoundWindowMs': 3_600_000 })
    const r = await runAction({
      emulator: emu,
      inputs: {
        'automation-document': 'AWS-UpdateLinuxAmi',
        'automation-parameters': `SourceAmiId: ${base}\nSecurityGroupIds: sg-0123456789abcdef0`,
        family: 'web'
      },
      signalAfter: { onStdout: /Runbook AWS-UpdateLinuxAmi produced ami-/, afterMs: 200 },
      timeoutMs: 90_000
    })
    expect(r.code).toBe(1)
    const built = imagesIn(emu).find((i) => i.imageId !== base)!
    expect(r.outputs['ami-id']).toBe(built.imageId)
    expect(errors(r)).toMatch(/Cancelled/)
    expect(errors(r)).toContain(`Left in AWS: AMI ${built.imageId} exists in ${REGION}`)
    expect(r.summary).toContain('Left in AWS')
  }, 120_000)

  it('copies still completing after a cancel are labelled "still copying in AWS", not FAILED', async () => {
    const source = seedImage({ name: 'web-src', tags: { [FAMILY_TAG]: 'web' } })
    emu.configure({ 'ec2.copyBaseMs': 3_600_000 })
    const r = await runAction({
      emulator: emu,
      inputs: { 'ami-id': source, family: 'web', 'copy-regions': `${COPY_REGION},us-west-2` },
      signalAfter: { onCall: 'CopyImage', afterMs: 500 },
      timeoutMs: 90_000
    })
    expect(r.code).toBe(1)
    const copies = imagesIn(emu).filter((i) => i.imageId !== source)
    expect(copies.length).toBe(2)
    for (const copy of copies) {
      expect(errors(r)).toMatch(new RegExp(`COPYING .*${copy.imageId}: still copying in AWS`))
      expect(r.summary).toContain(copy.imageId)
    }
    expect(errors(r)).not.toContain('FAILED')
    expect(r.summary).toContain('Left in AWS')
  }, 120_000)
})

describe('untrusted text', () => {
  it('a tag key holding workflow commands is never executed by the runner', async () => {
    const source = seedImage({ name: 'web-src' })
    const evil = 'x\n::error::pwned\n::add-mask::111122223333\n::stop-commands::zzz'
    const r = await runAction({
      emulator: emu,
      inputs: { 'ami-id': source, family: 'web', tags: JSON.stringify({ [evil]: 'v' }) }
    })
    expect(r.code).toBe(0)
    // The raw text is in the log, yet the runner would execute none of it.
    expect(r.stdout).toContain('::error::pwned')
    const run = commandsRun(r.stdout)
    expect(run.filter((c) => /pwned/.test(c.message))).toEqual([])
    expect(run.filter((c) => c.name === 'add-mask' || c.name === 'stop-commands')).toEqual([])
    expect(image(source)!.tags).toContainEqual({ key: evil, value: 'v' })
  })

  it('@mentions and #123 in a tag value neither ping nor link from the PR comment', async () => {
    const source = seedImage({ name: 'web-src' })
    const r = await runAction({
      emulator: emu,
      eventName: 'pull_request',
      event: { number: PR, pull_request: { number: PR } },
      inputs: {
        'ami-id': source,
        family: 'web',
        tags: 'owner=@octocat and @acme/admins see #123 and GH-45',
        'comment-on-pr': 'true',
        'github-token': 'ghs_e2etoken'
      }
    })
    expect(errors(r)).toBe('')
    const [comment] = (emu.state().github as { comments: { body: string }[] }).comments
    // As GitHub reads it: character references decoded, then mentions and references linked.
    const rendered = comment.body.replace(/&#(\d+);/g, (_m, n: string) =>
      String.fromCodePoint(Number(n))
    )
    expect(rendered).toContain('octocat')
    expect(rendered).not.toMatch(/(^|[^\w])@[A-Za-z0-9]/)
    expect(rendered).not.toMatch(/#\d/)
    expect(rendered).not.toMatch(/GH-\d/i)
  })

  it('a tag named __proto__ is applied like any other; lengths count characters, not UTF-16 units', async () => {
    const source = seedImage({ name: 'web-src' })
    const emoji = '🚀'.repeat(200) // 200 characters, 400 UTF-16 units
    const r = await runAction({
      emulator: emu,
      inputs: {
        'ami-id': source,
        family: 'web',
        tags: `{"__proto__": "kept", "rocket": "${emoji}"}`
      }
    })
    expect(errors(r)).toBe('')
    expect(r.code).toBe(0)
    expect(image(source)!.tags).toEqual(
      expect.arrayContaining([
        { key: '__proto__', value: 'kept' },
        { key: 'rocket', value: emoji }
      ])
    )
  })
})

describe('clearer and earlier', () => {
  it('an AWS error names the call, account, region and phase', async () => {
    const source = seedImage({ name: 'web-src' })
    emu.configure({ faults: [{ action: 'CopyImage', kind: 'error' }] })
    const r = await runAction({
      emulator: emu,
      inputs: { 'ami-id': source, 'copy-regions': COPY_REGION },
      timeoutMs: 90_000
    })
    expect(r.code).toBe(1)
    expect(errors(r)).toMatch(
      new RegExp(`InternalError: .*\\(CopyImage in account ${BUILD}, ${COPY_REGION}\\)`)
    )
    expect(errors(r)).toContain('Phase: Distribute.')
  }, 120_000)

  it('an STS failure and a connection reset say which call and region too', async () => {
    const source = seedImage({ name: 'web-src' })
    emu.configure({ faults: [{ action: 'GetCallerIdentity', kind: 'error' }] })
    const sts = await runAction({ emulator: emu, inputs: { 'ami-id': source } })
    expect(sts.code).toBe(1)
    expect(errors(sts)).toMatch(new RegExp(`\\(GetCallerIdentity in ${REGION}\\)`))
    expect(errors(sts)).toContain('Phase: Build.')

    emu.configure({ faults: [{ action: 'DescribeImages', kind: 'reset' }] })
    const reset = await runAction({ emulator: emu, inputs: { 'ami-id': source } })
    expect(reset.code).toBe(1)
    expect(errors(reset)).toMatch(new RegExp(`\\(DescribeImages in account ${BUILD}, ${REGION}\\)`))
  }, 120_000)

  it('share-public with block public access on fails before the build, not after it', async () => {
    // The emulator, like a new AWS account, starts with block public access on.
    const r = await runAction({
      emulator: emu,
      inputs: instanceBuild({ 'share-public': 'true' })
    })
    expect(r.code).toBe(1)
    expect(errors(r)).toContain(`share-public: block public access for AMIs is on in ${REGION}`)
    expect(callsTo(emu, 'CreateImage')).toEqual([])
    expect(mutating()).toEqual([])
  })

  it('a KMS key that does not exist in a copy region fails before the build', async () => {
    emu.seed({ kms: { keys: [{ accountId: BUILD, region: REGION, aliases: ['alias/golden'] }] } })
    const r = await runAction({
      emulator: emu,
      inputs: instanceBuild({ 'copy-regions': COPY_REGION, 'kms-key-id': 'alias/golden' })
    })
    expect(r.code).toBe(1)
    expect(errors(r)).toContain(`kms-key-id: KMS key alias/golden does not exist in ${COPY_REGION}`)
    expect(mutating()).toEqual([])
  })

  it('a KMS key that does not exist in a copy account fails before the build', async () => {
    const copier = '444455556666'
    emu.seed({
      kms: {
        keys: [REGION, COPY_REGION].map((region) => ({
          accountId: BUILD,
          region,
          aliases: ['alias/golden']
        }))
      }
    })
    const r = await runAction({
      emulator: emu,
      inputs: instanceBuild({
        'copy-regions': COPY_REGION,
        'copy-accounts': `arn:aws:iam::${copier}:role/copier`,
        'kms-key-id': 'alias/golden'
      })
    })
    expect(r.code).toBe(1)
    expect(errors(r)).toContain(
      `kms-key-id: KMS key alias/golden does not exist in ${REGION} (account ${copier})`
    )
    expect(errors(r)).not.toContain(`(account ${BUILD})`)
    expect(mutating()).toEqual([])
  })

  it('a copy region that does not exist fails the pre-flight (DescribeRegions), before the build', async () => {
    const r = await runAction({
      emulator: emu,
      inputs: instanceBuild({ 'copy-regions': 'eu-west-1,eu-west-9' })
    })
    expect(r.code).toBe(1)
    expect(errors(r)).toContain('copy-regions: eu-west-9 is not an AWS region')
    expect(callsTo(emu, 'DescribeRegions')).toHaveLength(1)
    expect(mutating()).toEqual([])
  })

  it('instance-id whose volume uses the AWS managed key, with sharing inputs, fails before imaging it', async () => {
    emu.seed({
      ec2: {
        instances: [
          {
            instanceId: 'i-0aaaabbbbccccdddd',
            accountId: BUILD,
            region: REGION,
            volumes: [{ sizeGiB: 8, encrypted: true }]
          }
        ]
      }
    })
    const r = await runAction({
      emulator: emu,
      inputs: instanceBuild({ 'instance-id': 'i-0aaaabbbbccccdddd', 'share-accounts': OTHER })
    })
    expect(r.code).toBe(1)
    expect(errors(r)).toMatch(
      /^instance-id: volume\(s\) vol-\S+ of i-0aaaabbbbccccdddd are encrypted with the AWS managed key/
    )
    expect(callsTo(emu, 'DescribeVolumes')).toHaveLength(1)
    expect(mutating()).toEqual([])
  })

  it('copy-regions outside the build partition is an input error before any AWS call', async () => {
    const r = await runAction({
      emulator: emu,
      inputs: {
        'ami-id': 'ami-0123456789abcdef0',
        'copy-regions': 'eu-west-1,cn-north-1,us-gov-west-1'
      }
    })
    expect(r.code).toBe(1)
    expect(errors(r)).toMatch(/^copy-regions: cn-north-1, us-gov-west-1 are outside partition aws/)
    expect(emu.calls().filter((c) => c.service !== 'github')).toEqual([])
  })
})
