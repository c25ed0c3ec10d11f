// End to end: dist/index.js builds from an instance, adopts an AMI, honours if-exists, reports a
// failed image, and refuses to start without a source, against the emulator.
import { describe, expect, it } from '@jest/globals'
import {
  BUILD,
  callsTo,
  errorMessages,
  imagesIn,
  INSTANCE,
  REGION,
  TEST_TIMEOUT,
  withEmulator
} from './fixtures.js'
import { node24, runAction } from './harness.js'

const FAMILY_TAG = 'ami-share-action:family'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

const emu = withEmulator({ timeScale: 0.001 }, (started) => {
  started.seed({
    ec2: {
      instances: [
        { instanceId: INSTANCE, accountId: BUILD, region: REGION, volumes: [{ sizeGiB: 8 }] }
      ]
    }
  })
})

function seedImage(name: string, extra: Json = {}): string {
  const seeded = emu.seed({
    ec2: { images: [{ accountId: BUILD, region: REGION, name, ...extra }] }
  }) as Json
  return seeded.ec2.images[0]
}

describe('instance-id', () => {
  it(
    'creates the image with tags on image and snapshots at creation, waits, reports it',
    async () => {
      const result = await runAction({
        emulator: emu,
        inputs: {
          'instance-id': INSTANCE,
          'ami-name': 'web-instance-1',
          family: 'web',
          tags: 'team=platform'
        }
      })
      expect(errorMessages(result)).toEqual([])
      expect(result.code).toBe(0)

      const [create] = callsTo(emu, 'CreateImage')
      expect(callsTo(emu, 'CreateImage')).toHaveLength(1)
      expect(create.params).toMatchObject({
        InstanceId: INSTANCE,
        Name: 'web-instance-1',
        NoReboot: 'false',
        'TagSpecification.1.ResourceType': 'image',
        'TagSpecification.2.ResourceType': 'snapshot'
      })
      for (const spec of [1, 2]) {
        const tags = Object.entries(create.params)
          .filter(([key]) => key.startsWith(`TagSpecification.${spec}.Tag.`))
          .map(([, value]) => value)
        expect(tags).toEqual(expect.arrayContaining(['team', 'platform', FAMILY_TAG, 'web']))
      }

      const amiId = result.outputs['ami-id']
      const image = imagesIn(emu).find((i) => i.imageId === amiId)
      expect(image).toMatchObject({ name: 'web-instance-1', state: 'available', ownerId: BUILD })
      expect(result.outputs['ami-name']).toBe('web-instance-1')
      expect(result.outputs.built).toBe('true')
      expect(result.outputs.region).toBe(REGION)
      expect(JSON.parse(result.outputs['ami-ids'])).toEqual({ [REGION]: amiId })
      expect(JSON.parse(result.outputs['snapshot-ids'])).toEqual({
        [REGION]: image!.blockDevices.map((d: Json) => d.snapshotId)
      })
      expect(result.outputs['automation-execution-id'] ?? '').toBe('')
      expect(result.summary).toContain(amiId)
      expect(result.stdout).toContain(`::notice title=AMI ready::AMI ${amiId}`)
    },
    TEST_TIMEOUT
  )

  it(
    'an image that ends failed fails the run with its StateReason',
    async () => {
      emu.configure({
        ec2: {
          failCreateImage: {
            code: 'Client.InternalError',
            message: 'Client.InternalError: Client error on launch'
          }
        }
      } as never)
      const result = await runAction({
        emulator: emu,
        inputs: { 'instance-id': INSTANCE, 'ami-name': 'web-doomed' }
      })
      expect(result.code).not.toBe(0)
      const [error] = errorMessages(result)
      expect(error).toMatch(/failed/)
      expect(error).toContain('StateReason Client.InternalError: Client error on launch')
      expect(error).not.toContain('Client.InternalError: Client.InternalError')
      expect(imagesIn(emu).find((i) => i.name === 'web-doomed')).toMatchObject({ state: 'failed' })
      // Nothing is shared when the build failed.
      expect(callsTo(emu, 'ModifyImageAttribute')).toHaveLength(0)
    },
    TEST_TIMEOUT
  )

  it(
    'an instance that does not exist: the AWS reason and a hint naming instance-id',
    async () => {
      const result = await runAction({
        emulator: emu,
        inputs: { 'instance-id': 'i-0fffffffffffffff0', 'ami-name': 'web-orphan' }
      })
      expect(result.code).not.toBe(0)
      const message = errorMessages(result).join('\n')
      expect(message).toContain('InvalidInstanceID.NotFound')
      expect(message).toContain('i-0fffffffffffffff0')
      expect(message).toContain('Hint: check `instance-id`')
      expect(imagesIn(emu)).toEqual([])
    },
    TEST_TIMEOUT
  )
})

describe('ami-id (adopt)', () => {
  it(
    'adopts an existing AMI: no build, family tag added, owner reported',
    async () => {
      const amiId = seedImage('golden-2026-03', { creationDate: '2026-03-01T00:00:00Z' })
      const result = await runAction({
        emulator: emu,
        inputs: { 'ami-id': amiId, family: 'golden', 'share-accounts': '444455556666' }
      })
      expect(errorMessages(result)).toEqual([])
      expect(result.code).toBe(0)
      expect(result.outputs['ami-id']).toBe(amiId)
      expect(result.outputs['ami-name']).toBe('golden-2026-03')
      expect(result.outputs.built).toBe('false')
      expect(callsTo(emu, 'CreateImage')).toHaveLength(0)
      expect(callsTo(emu, 'StartAutomationExecution')).toHaveLength(0)
      const image = imagesIn(emu).find((i) => i.imageId === amiId)!
      expect(image.tags).toContainEqual({ key: FAMILY_TAG, value: 'golden' })
      expect(image.launchPermissions).toEqual([{ userId: '444455556666' }])
      expect(result.summary).toContain(BUILD)
    },
    TEST_TIMEOUT
  )

  it(
    'an AMI that does not exist fails with its ID and no change is made',
    async () => {
      const result = await runAction({
        emulator: emu,
        inputs: { 'ami-id': 'ami-0123456789abcdef0', 'share-accounts': '444455556666' }
      })
      expect(result.code).not.toBe(0)
      expect(errorMessages(result).join('\n')).toContain('ami-0123456789abcdef0')
      expect(emu.calls().filter((c) => c.mutating)).toEqual([])
    },
    TEST_TIMEOUT
  )
})

describe('if-exists', () => {
  it(
    'fail (default): a name already taken stops the run before CreateImage, naming the AMI',
    async () => {
      const existing = seedImage('web-release')
      const result = await runAction({
        emulator: emu,
        inputs: { 'instance-id': INSTANCE, 'ami-name': 'web-release' }
      })
      expect(result.code).not.toBe(0)
      const message = errorMessages(result).join('\n')
      expect(message).toContain('web-release')
      expect(message).toContain(existing)
      expect(message).toContain('if-exists')
      expect(callsTo(emu, 'CreateImage')).toHaveLength(0)
      expect(imagesIn(emu).filter((i) => i.name === 'web-release')).toHaveLength(1)
    },
    TEST_TIMEOUT
  )

  it(
    'reuse: adopts the AMI with that name and creates nothing',
    async () => {
      const existing = seedImage('web-release')
      const result = await runAction({
        emulator: emu,
        inputs: { 'instance-id': INSTANCE, 'ami-name': 'web-release', 'if-exists': 'reuse' }
      })
      expect(errorMessages(result)).toEqual([])
      expect(result.code).toBe(0)
      expect(result.outputs['ami-id']).toBe(existing)
      expect(result.outputs.built).toBe('false')
      expect(callsTo(emu, 'CreateImage')).toHaveLength(0)
      expect(imagesIn(emu).filter((i) => i.name === 'web-release')).toHaveLength(1)
    },
    TEST_TIMEOUT
  )
})

describe('no inputs', () => {
  it(
    'the bundle on Node 24 exits non-zero with one line naming the missing source input',
    async () => {
      const { node, note } = node24()
      if (note) console.warn(note)
      const result = await runAction({ emulator: emu, inputs: {}, node })
      expect(result.code).not.toBe(0)
      const lines = errorMessages(result)
      expect(lines).toHaveLength(1)
      expect(lines[0]).not.toContain('\n')
      for (const input of ['automation-document', 'instance-id', 'ami-id'])
        expect(lines[0]).toContain(input)
      expect(emu.calls()).toEqual([])
    },
    TEST_TIMEOUT
  )
})
