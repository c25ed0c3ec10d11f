// Copies end to end, the hard cases: one slow region, one failed region, a killed run resumed,
// 30 regions under AWS's 20-snapshot-copies limit, and the encryption pre-flight. The bundled
// action runs against the emulator; assertions read the call log, the state and the outputs.
import { describe, expect, it } from '@jest/globals'
import { BUILD, withEmulator } from './fixtures.js'
import { runAction } from './harness.js'

const CONSUMER = '444455556666'
const HOME = 'us-east-1'
const SOURCE = 'ami-0aaaaaaaaaaaaaaaa'
const FOUR = ['eu-west-1', 'eu-central-1', 'ap-southeast-2', 'us-west-2']

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

const emu = withEmulator({ timeScale: 0.001 })

function seedSource(snapshots: Json[] = [{ sizeGiB: 8 }]): void {
  emu.seed({
    ec2: {
      images: [{ imageId: SOURCE, accountId: BUILD, region: HOME, name: 'web-20261101', snapshots }]
    }
  })
}

const ec2State = (): Json => (emu.state() as Json).ec2
const copiesIn = (region: string): Json[] =>
  ec2State().images.filter((i: Json) => i.region === region && i.imageId !== SOURCE)
const imageIdParam = (params: Json): string | undefined =>
  params.ImageId ?? params['ImageId.1'] ?? params['ImageIds.1']

const inputs = {
  'ami-id': SOURCE,
  family: 'web',
  'share-accounts': CONSUMER,
  'deprecate-after': '90d'
}

describe('copy timing and failures', () => {
  it('shares and deprecates the fast copies before the slow one is available', async () => {
    seedSource()
    emu.configure({ 'ec2.copySlowdown': { 'ap-southeast-2': 15 } })
    const r = await runAction({
      emulator: emu,
      inputs: { ...inputs, 'copy-regions': FOUR.join(',') },
      timeoutMs: 100_000
    })
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' })

    const slow = copiesIn('ap-southeast-2')
    expect(slow).toHaveLength(1)
    const slowReadyAt = Date.parse(slow[0].readyAt)
    const calls = emu.calls()
    // The first poll of the slow copy that saw it available (its readyAt had passed).
    const slowAvailableSeq = calls.find(
      (c) =>
        c.action === 'DescribeImages' &&
        c.region === 'ap-southeast-2' &&
        imageIdParam(c.params) === slow[0].imageId &&
        c.simAt >= slowReadyAt
    )?.seq
    expect(slowAvailableSeq).toBeDefined()
    for (const region of FOUR.filter((x) => x !== 'ap-southeast-2')) {
      const [copy] = copiesIn(region)
      const mine = calls.filter(
        (c) => c.region === region && imageIdParam(c.params) === copy.imageId
      )
      const share = mine.find((c) => c.action === 'ModifyImageAttribute' && c.status < 400)
      const deprecate = mine.find((c) => c.action === 'EnableImageDeprecation' && c.status < 400)
      expect({ region, share: share!.seq < slowAvailableSeq! }).toEqual({ region, share: true })
      expect({ region, deprecate: deprecate!.seq < slowAvailableSeq! }).toEqual({
        region,
        deprecate: true
      })
      // ...and the state agrees: shared and deprecated.
      expect(copy.launchPermissions).toEqual([{ userId: CONSUMER }])
      expect(copy.deprecationTime).toBeDefined()
    }
  }, 120_000)

  it('one region failing: the others finish and stay, the error names region and StateReason', async () => {
    seedSource()
    emu.configure({
      'ec2.failCopy': {
        region: 'eu-central-1',
        code: 'Client.InvalidSnapshot.NotFound',
        message: 'Snapshot copy failed: source snapshot unreadable'
      }
    })
    const r = await runAction({
      emulator: emu,
      inputs: { ...inputs, 'copy-regions': FOUR.join(',') },
      timeoutMs: 100_000
    })
    expect(r.code).not.toBe(0)
    const errorLine = r.stdout.split('\n').find((l) => l.startsWith('::error::')) ?? ''
    expect(errorLine).toContain('eu-central-1')
    expect(errorLine).toContain('Snapshot copy failed: source snapshot unreadable')

    // The failed copy is reported; the three others exist, available, shared and deprecated.
    const images: Json[] = ec2State().images
    const failed = images.filter((i) => i.state === 'failed')
    expect(failed.map((i) => i.region)).toEqual(['eu-central-1'])
    for (const region of ['eu-west-1', 'ap-southeast-2', 'us-west-2']) {
      const [copy] = copiesIn(region)
      expect({ region, state: copy.state, shared: copy.launchPermissions }).toEqual({
        region,
        state: 'available',
        shared: [{ userId: CONSUMER }]
      })
      expect(copy.deprecationTime).toBeDefined()
      // The summary lists what exists, and so do the outputs.
      expect(r.summary).toContain(copy.imageId)
      expect(JSON.parse(r.outputs['ami-ids'])[region]).toBe(copy.imageId)
    }
    expect(ec2State().images.filter((i: Json) => i.state === 'available')).toHaveLength(4)
    expect(emu.calls().filter((c) => c.action === 'DeregisterImage')).toEqual([])
    expect(r.summary).toContain('eu-central-1')
  }, 120_000)
})

describe('copy accounts that fail', () => {
  it('a role that cannot be assumed fails its account only; the other account gets its copies', async () => {
    seedSource()
    const good = '777788889999'
    const denied = 'arn:aws:iam::222233334444:role/copier'
    emu.configure({ assumeRoleDenied: [denied] })
    const r = await runAction({
      emulator: emu,
      inputs: {
        'ami-id': SOURCE,
        'copy-regions': 'eu-west-1',
        'copy-accounts': `arn:aws:iam::${good}:role/copier\n${denied}`
      },
      timeoutMs: 60_000
    })
    expect(r.code).not.toBe(0)
    const errorText = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('::error::'))
      .join('\n')
    expect(errorText).toContain(denied)
    expect(errorText).toContain('AccessDenied')
    const images: Json[] = ec2State().images
    expect(images.map((i) => `${i.ownerId}/${i.region}`).sort()).toEqual(
      [`${BUILD}/${HOME}`, `${BUILD}/eu-west-1`, `${good}/${HOME}`, `${good}/eu-west-1`].sort()
    )
    const accountAmis = JSON.parse(r.outputs['account-ami-ids'])
    expect(accountAmis[good]).toEqual({
      [HOME]: images.find((i) => i.ownerId === good && i.region === HOME).imageId,
      'eu-west-1': images.find((i) => i.ownerId === good && i.region === 'eu-west-1').imageId
    })
    expect(accountAmis['222233334444'] ?? {}).toEqual({})
  }, 60_000)

  it('a copy failing inside a copy account names that account, region and StateReason', async () => {
    seedSource()
    emu.configure({
      'ec2.failCopy': {
        accountId: '777788889999',
        region: 'eu-west-1',
        code: 'Server.InternalError',
        message: 'Internal error on snapshot copy'
      }
    })
    const r = await runAction({
      emulator: emu,
      inputs: {
        'ami-id': SOURCE,
        'copy-regions': 'eu-west-1',
        'copy-accounts': 'arn:aws:iam::777788889999:role/copier'
      },
      timeoutMs: 60_000
    })
    expect(r.code).not.toBe(0)
    const errorText = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('::error::'))
      .join('\n')
    expect(errorText).toMatch(/eu-west-1[^\n%]*777788889999|777788889999[^\n%]*eu-west-1/)
    expect(errorText).toContain('Internal error on snapshot copy')
    const available = ec2State().images.filter((i: Json) => i.state === 'available')
    expect(available.map((i: Json) => `${i.ownerId}/${i.region}`).sort()).toEqual(
      [`${BUILD}/${HOME}`, `${BUILD}/eu-west-1`, `777788889999/${HOME}`].sort()
    )
  }, 60_000)
})

describe('resume after a killed run', () => {
  it('re-run with if-exists: reuse copies nothing twice and lists every copy', async () => {
    // A real build (CreateImage from an instance), so that if-exists: reuse has a name to find.
    emu.seed({
      ec2: {
        instances: [
          {
            instanceId: 'i-0123456789abcdef0',
            accountId: BUILD,
            region: HOME,
            volumes: [{ sizeGiB: 8 }]
          }
        ]
      }
    })
    // Two fast regions, two that take 50x longer: the kill lands between them.
    emu.configure({ 'ec2.copySlowdown': { 'ap-southeast-2': 50, 'us-west-2': 50 } })
    const resumeInputs = {
      'instance-id': 'i-0123456789abcdef0',
      'no-reboot': 'true',
      'ami-name': 'web-resume-1',
      family: 'web',
      'share-accounts': CONSUMER,
      'deprecate-after': '90d',
      'copy-regions': FOUR.join(','),
      'if-exists': 'reuse'
    }
    const first = await runAction({
      emulator: emu,
      inputs: resumeInputs,
      timeoutMs: 100_000,
      signalAfter: {
        signal: 'SIGKILL',
        // Copies are labelled "<ami> in <region> (account <id>)"; the build's own wait is not.
        onStdout: /\(account \d+\): available after[\s\S]*\(account \d+\): available after/
      }
    })
    expect(first.signal).toBe('SIGKILL')
    const copiesBefore = emu.calls().filter((c) => c.action === 'CopyImage' && c.status < 400)
    const source = ec2State().images.find((i: Json) => i.region === HOME)
    const availableBefore = ec2State().images.filter(
      (i: Json) => i.region !== HOME && i.state === 'available'
    )
    expect(availableBefore.map((i: Json) => i.region).sort()).toEqual(['eu-central-1', 'eu-west-1'])
    expect(copiesBefore.map((c) => c.region)).toEqual(
      expect.arrayContaining(['eu-central-1', 'eu-west-1'])
    )
    const seqBefore = emu.calls().at(-1)!.seq

    // Let the two slow copies (still pending in AWS after the kill) land, without waiting for real.
    emu.advance(50 * 8 * 60_000)
    const second = await runAction({ emulator: emu, inputs: resumeInputs, timeoutMs: 100_000 })
    expect({ code: second.code, stderr: second.stderr }).toEqual({ code: 0, stderr: '' })

    const newCopies = emu
      .calls()
      .filter((c) => c.seq > seqBefore && c.action === 'CopyImage' && c.status < 400)
    const newRegions = newCopies.map((c) => c.region)
    for (const region of ['eu-central-1', 'eu-west-1']) expect(newRegions).not.toContain(region)
    // Every region has exactly one copy, and the outputs name them all.
    const amiIds = JSON.parse(second.outputs['ami-ids'])
    expect(Object.keys(amiIds).sort()).toEqual([HOME, ...FOUR].sort())
    expect(amiIds[HOME]).toBe(source.imageId)
    expect(emu.calls().filter((c) => c.action === 'CreateImage')).toHaveLength(1)
    for (const region of FOUR) {
      const copies = copiesIn(region)
      expect({ region, n: copies.length }).toEqual({ region, n: 1 })
      expect(amiIds[region]).toBe(copies[0].imageId)
      expect(copies[0].state).toBe('available')
      expect(copies[0].launchPermissions).toEqual([{ userId: CONSUMER }])
    }
    expect(copiesBefore.length + newCopies.length).toBeLessThanOrEqual(FOUR.length)
  }, 120_000)
})

// 30 plausible region names the config accepts (none of them the build region).
const THIRTY = [
  'us-east-2', 'us-west-1', 'us-west-2', 'af-south-1', 'ap-east-1', 'ap-south-1', 'ap-south-2',
  'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2',
  'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ca-central-1', 'ca-west-1',
  'eu-central-1', 'eu-central-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-south-1',
  'eu-south-2', 'eu-north-1', 'il-central-1', 'me-south-1', 'me-central-1', 'sa-east-1',
  'mx-central-1'
] // prettier-ignore

describe('bounded snapshot copies', () => {
  it('30 regions, 3-snapshot source, 7 accounts: the 20-copy limit is per (account, region), never shared across accounts', async () => {
    seedSource([{ sizeGiB: 8 }, { sizeGiB: 8 }, { sizeGiB: 8 }])
    // Copies long enough (~6 s real) that a region's copies all overlap.
    emu.configure({ 'ec2.copyBaseMs': 6_000_000 })
    // Six copy accounts: 7 AMIs x 3 snapshots = 21 per region, over 20 if the limit were per
    // region; AWS counts per destination region per account (ebs-copy-snapshot), so none waits.
    const accounts = ['210000000001', '210000000002', '210000000003', '210000000004', '210000000005', '210000000006'] // prettier-ignore
    const r = await runAction({
      emulator: emu,
      inputs: {
        'ami-id': SOURCE,
        'copy-regions': THIRTY.join('\n'),
        'copy-accounts': accounts.map((a) => `arn:aws:iam::${a}:role/copier`).join('\n')
      },
      timeoutMs: 110_000
    })
    expect({ code: r.code, stderr: r.stderr.slice(-1500) }).toEqual({ code: 0, stderr: '' })

    const calls = emu.calls()
    expect(calls.filter((c) => c.errorCode === 'ResourceLimitExceeded')).toEqual([])
    const state = ec2State()
    const copies: Json[] = state.images.filter((i: Json) => i.imageId !== SOURCE)
    expect(copies).toHaveLength(30 * 7 + 6)
    expect(copies.every((i) => i.state === 'available')).toBe(true)

    // In flight per destination (account, region) and per region across accounts: snapshot
    // copies whose [start, ready) intervals overlap.
    const byPlace = new Map<string, { at: number; delta: number }[]>()
    const sourceSnapshots = new Set(
      state.images
        .find((i: Json) => i.imageId === SOURCE)
        .blockDevices.map((d: Json) => d.snapshotId)
    )
    for (const s of state.snapshots as Json[]) {
      if (sourceSnapshots.has(s.snapshotId)) continue
      for (const key of [`${s.ownerId} ${s.region}`, s.region]) {
        const events = byPlace.get(key) ?? []
        events.push(
          { at: Date.parse(s.startTime), delta: 1 },
          { at: Date.parse(s.readyAt), delta: -1 }
        )
        byPlace.set(key, events)
      }
    }
    const peakOf = (key: string): number => {
      const events = [...(byPlace.get(key) ?? [])].sort((a, b) => a.at - b.at || a.delta - b.delta)
      let inFlight = 0
      let peak = 0
      for (const e of events) peak = Math.max(peak, (inFlight += e.delta))
      return peak
    }
    const places = [...byPlace.keys()]
    const perAccount = Math.max(...places.filter((k) => k.includes(' ')).map(peakOf))
    const perRegion = Math.max(...places.filter((k) => !k.includes(' ')).map(peakOf))
    expect({ perAccount, atMost20: perAccount <= 20 }).toMatchObject({ atMost20: true })
    // All seven accounts copied into one region at once: 21 snapshot copies there.
    expect(perRegion).toBe(21)
    expect(JSON.parse(r.outputs['ami-ids'])).toEqual(
      Object.fromEntries(
        [HOME, ...THIRTY].map((region) => [
          region,
          region === HOME
            ? SOURCE
            : copies.find((i) => i.region === region && i.ownerId === BUILD).imageId
        ])
      )
    )
  }, 120_000)
})

describe('encryption pre-flight', () => {
  it('refuses an AWS-managed-key source with share-accounts before any mutating call', async () => {
    seedSource([{ sizeGiB: 8, encrypted: true }])
    const r = await runAction({
      emulator: emu,
      inputs: { ...inputs, 'copy-regions': 'eu-west-1' },
      timeoutMs: 60_000
    })
    expect(r.code).not.toBe(0)
    const errorText = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('::error::'))
      .join('\n')
    const [sourceSnapshot] = ec2State().snapshots
    expect(sourceSnapshot.kmsKeyId).toBeDefined()
    expect(errorText).toContain(sourceSnapshot.kmsKeyId)
    expect(errorText).toContain('kms-key-id')
    expect(emu.calls().filter((c) => c.mutating)).toEqual([])
  }, 60_000)

  it('refuses an AWS-managed-key source with copy-accounts (no share-accounts) too', async () => {
    seedSource([{ sizeGiB: 8, encrypted: true }])
    const r = await runAction({
      emulator: emu,
      inputs: { 'ami-id': SOURCE, 'copy-accounts': 'arn:aws:iam::777788889999:role/copier' },
      timeoutMs: 60_000
    })
    expect(r.code).not.toBe(0)
    expect(r.stdout).toMatch(/::error::.*kms-key-id/)
    expect(emu.calls().filter((c) => c.mutating)).toEqual([])
  }, 60_000)

  it('customer key: warns naming the accounts its policy does not let use it, and goes on', async () => {
    const keyId = '1234abcd-12ab-34cd-56ef-1234567890ab'
    const keyArn = `arn:aws:kms:${HOME}:${BUILD}:key/${keyId}`
    emu.seed({
      kms: {
        keys: [
          {
            accountId: BUILD,
            region: HOME,
            keyId,
            // Grants the consumer what it needs; 555566667777 is not in the policy.
            policy: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { AWS: `arn:aws:iam::${BUILD}:root` },
                  Action: 'kms:*',
                  Resource: '*'
                },
                {
                  Effect: 'Allow',
                  Principal: { AWS: `arn:aws:iam::${CONSUMER}:root` },
                  Action: [
                    'kms:Decrypt',
                    'kms:CreateGrant',
                    'kms:ReEncrypt*',
                    'kms:GenerateDataKey*',
                    'kms:DescribeKey'
                  ],
                  Resource: '*'
                }
              ]
            }
          }
        ]
      }
    })
    seedSource([{ sizeGiB: 8, encrypted: true, kmsKeyId: keyArn }])
    const r = await runAction({
      emulator: emu,
      inputs: { 'ami-id': SOURCE, 'share-accounts': `${CONSUMER},555566667777` },
      timeoutMs: 60_000
    })
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' })
    const warnings = r.stdout.split('\n').filter((l) => l.startsWith('::warning'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('555566667777')
    expect(warnings[0]).not.toContain(CONSUMER)
    expect(warnings[0]).toContain(keyArn)
    expect(ec2State().images[0].launchPermissions).toHaveLength(2)
  }, 60_000)
})
