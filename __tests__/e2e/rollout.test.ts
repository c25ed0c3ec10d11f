// Rolling out (issue #15, "Roll-out"): the bundled action against the emulator. Launch templates in
// two regions get a version made from their default version with that region's AMI; a re-run
// creates none and reports the existing one; a template found nowhere fails before any change; a
// dry run plans the versions and changes nothing; and a roll-out followed by pruning does not pin
// every old AMI through the template's history.
import { describe, expect, it } from '@jest/globals'
import { tables } from '../unit/report-helpers.js'
import { BUILD, errorMessages, TEST_TIMEOUT, withEmulator } from './fixtures.js'
import { runAction, type RunResult } from './harness.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

const HOME = 'us-east-1'
const EU = 'eu-west-1'
const SOURCE = 'ami-0f0000000000000b1'
const OLD_1 = 'ami-0f0000000000000a1'
const OLD_2 = 'ami-0f0000000000000a2'
const OLD_EU = 'ami-0f0000000000000e1'
const FAMILY = { 'ami-share-action:family': 'web' }

const emu = withEmulator({ timeScale: 0.001 }, (started) => {
  started.seed({
    ec2: {
      images: [
        [OLD_1, HOME, '2025-01-01'],
        [OLD_2, HOME, '2025-02-01'],
        [OLD_EU, EU, '2025-02-01'],
        [SOURCE, HOME, '2026-01-01']
      ].map(([imageId, region, day], i) => ({
        imageId,
        accountId: BUILD,
        region,
        name: `web-${i}-${region}`,
        creationDate: `${day}T00:00:00.000Z`,
        tags: FAMILY
      })),
      launchTemplates: [
        // Default version 2 (t3.small); the new version must inherit it, not version 1's type.
        {
          accountId: BUILD,
          region: HOME,
          name: 'web',
          versions: [
            { imageId: OLD_1, instanceType: 't3.micro' },
            { imageId: OLD_2, instanceType: 't3.small' }
          ],
          defaultVersion: 2
        },
        {
          accountId: BUILD,
          region: EU,
          name: 'web',
          versions: [{ imageId: OLD_EU, instanceType: 't3.large' }],
          defaultVersion: 1
        },
        // Only in the build region: eu-west-1 is reported without it.
        { accountId: BUILD, region: HOME, name: 'api', imageId: OLD_2 }
      ]
    }
  })
})

const inputs = (extra: Record<string, string> = {}): Record<string, string> => ({
  'ami-id': SOURCE,
  family: 'web',
  'copy-regions': EU,
  'launch-templates': 'web\napi',
  ...extra
})

const run = (extra: Record<string, string> = {}): Promise<RunResult> =>
  runAction({ emulator: emu, inputs: inputs(extra), timeoutMs: 100_000 })

/** name/region -> { default, versions: [{ n, imageId, instanceType }] } as EC2 holds them. */
function templatesInAws(): Record<string, Json> {
  const out: Record<string, Json> = {}
  for (const lt of (emu.state() as Json).ec2.launchTemplates) {
    out[`${lt.name}/${lt.region}`] = {
      default: lt.version,
      versions: (lt.versions ?? []).map((v: Json) => ({
        n: v.versionNumber,
        imageId: v.data.imageId,
        instanceType: v.data.instanceType
      }))
    }
  }
  return out
}

const mutating = (fromSeq = 0): string[] =>
  emu
    .calls()
    .filter((c) => c.seq > fromSeq && c.mutating && c.status < 400)
    .map((c) => `${c.action} ${c.region}`)

const lastSeq = (): number => Math.max(0, ...emu.calls().map((c) => c.seq))

function rolledOut(summary: string): string[][] {
  const table = tables(summary).find((t) => t.headers[0] === 'Launch template')
  return (table?.rows ?? []).map((r) => [r[0], r[2], r[4], r[5]])
}

const ok = (r: RunResult) => ({ code: r.code, errors: errorMessages(r) })

describe('rolling out to launch templates', () => {
  it(
    'creates a version from the default version in each region, makes it the default, and reports it',
    async () => {
      const r = await run()
      expect(ok(r)).toEqual({ code: 0, errors: [] })
      const copy = JSON.parse(r.outputs['ami-ids'])[EU]
      expect(copy).toMatch(/^ami-/)
      expect(JSON.parse(r.outputs['launch-template-versions'])).toEqual({
        [HOME]: { web: 3, api: 2 },
        [EU]: { web: 2 }
      })
      const aws = templatesInAws()
      expect(aws[`web/${HOME}`]).toEqual({
        default: 3,
        versions: [
          { n: 1, imageId: OLD_1, instanceType: 't3.micro' },
          { n: 2, imageId: OLD_2, instanceType: 't3.small' },
          { n: 3, imageId: SOURCE, instanceType: 't3.small' }
        ]
      })
      expect(aws[`web/${EU}`].default).toBe(2)
      expect(aws[`web/${EU}`].versions[1]).toEqual({
        n: 2,
        imageId: copy,
        instanceType: 't3.large'
      })
      // Each version is created only after the copies are in place (the promote phase).
      const created = emu.calls().filter((c) => c.action === 'CreateLaunchTemplateVersion')
      const lastCopyCheck = emu
        .calls()
        .filter((c) => c.action === 'CopyImage')
        .map((c) => c.seq)
      expect(Math.min(...created.map((c) => c.seq))).toBeGreaterThan(Math.max(...lastCopyCheck))
      expect(r.summary).toContain('### Rolled out')
      expect(rolledOut(r.summary)).toEqual(
        expect.arrayContaining([
          ['web', HOME, '3', 'default'],
          ['api', HOME, '2', 'default'],
          ['web', EU, '2', 'default'],
          ['api', EU, '—', 'no such template in this region']
        ])
      )
    },
    TEST_TIMEOUT
  )

  it(
    'a re-run creates no version and reports the one that has the AMI',
    async () => {
      expect(ok(await run())).toEqual({ code: 0, errors: [] })
      const before = lastSeq()
      const again = await run()
      expect(ok(again)).toEqual({ code: 0, errors: [] })
      expect(mutating(before).filter((c) => /LaunchTemplate/.test(c))).toEqual([])
      expect(JSON.parse(again.outputs['launch-template-versions'])).toEqual({
        [HOME]: { web: 3, api: 2 },
        [EU]: { web: 2 }
      })
      expect(rolledOut(again.summary)).toEqual(
        expect.arrayContaining([['web', HOME, '3 (already at this AMI)', 'default']])
      )
    },
    TEST_TIMEOUT
  )

  it(
    'launch-template-set-default: false creates the version and leaves the default',
    async () => {
      const r = await run({ 'launch-template-set-default': 'false', 'launch-templates': 'web' })
      expect(ok(r)).toEqual({ code: 0, errors: [] })
      expect(JSON.parse(r.outputs['launch-template-versions'])).toEqual({
        [HOME]: { web: 3 },
        [EU]: { web: 2 }
      })
      const aws = templatesInAws()
      expect([aws[`web/${HOME}`].default, aws[`web/${EU}`].default]).toEqual([2, 1])
      expect(mutating().filter((c) => c.startsWith('ModifyLaunchTemplate'))).toEqual([])
      expect(rolledOut(r.summary)).toEqual(
        expect.arrayContaining([['web', HOME, '3', 'not default']])
      )
    },
    TEST_TIMEOUT
  )

  it(
    'a template found in no region fails before any change, naming it and the input',
    async () => {
      const r = await run({ 'launch-templates': 'web\nlt-0123456789abcdef0' })
      expect(r.code).toBe(1)
      expect(errorMessages(r).join('\n')).toContain(
        `launch-templates: launch template lt-0123456789abcdef0 does not exist in the build account in ${HOME}, ${EU}`
      )
      expect(mutating()).toEqual([])
    },
    TEST_TIMEOUT
  )

  it(
    'a dry run plans the versions with zero mutating calls',
    async () => {
      const r = await run({ 'dry-run': 'true' })
      expect(ok(r)).toEqual({ code: 0, errors: [] })
      expect(mutating()).toEqual([])
      expect(r.summary).toContain(`Create version 3 of launch template web (`)
      expect(r.summary).toMatch(
        /Create version 3 of launch template web \(lt-[0-9a-f]+\) in us-east-1 from default version 2 with ami-0f0000000000000b1, and make it the default/
      )
      expect(r.summary).toMatch(
        /Create version 2 of launch template web \(lt-[0-9a-f]+\) in eu-west-1 from default version 1 with the new copy/
      )
      expect(JSON.parse(r.outputs['launch-template-versions'])).toEqual({
        [HOME]: { web: 3, api: 2 },
        [EU]: { web: 2 }
      })
      expect(templatesInAws()[`web/${HOME}`].versions).toHaveLength(2)
    },
    TEST_TIMEOUT
  )
})

describe('roll-out and retirement', () => {
  // OLD_2 is in web's version 2 (default) and api's only version; OLD_1 in web's version 1.
  const prune = { 'prune-keep': '1', 'copy-regions': '' }

  it(
    'after a roll-out the old versions are no longer in use: pruning retires them',
    async () => {
      const r = await run(prune)
      expect(ok(r)).toEqual({ code: 0, errors: [] })
      expect(JSON.parse(r.outputs['pruned-ami-ids'])[HOME].sort()).toEqual([OLD_1, OLD_2])
    },
    TEST_TIMEOUT
  )

  it(
    'with launch-template-set-default: false the default versions still pin their AMI',
    async () => {
      const r = await run({ ...prune, 'launch-template-set-default': 'false' })
      expect(ok(r)).toEqual({ code: 0, errors: [] })
      expect(JSON.parse(r.outputs['pruned-ami-ids'])[HOME]).toEqual([OLD_1])
    },
    TEST_TIMEOUT
  )
})
