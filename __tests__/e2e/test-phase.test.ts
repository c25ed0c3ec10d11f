// End to end: the test phase on dist/ against the emulator. A test instance is launched from the
// AMI, checked (status checks, test-command through SSM), tagged with its verdict, and terminated
// on every path; a failed test stops the run before anything is shared, copied or promoted.
import { expect, it } from '@jest/globals'
import type { Emulator } from '../../emulator/index.js'
import {
  BUILD,
  callsTo,
  errorMessages,
  imagesIn,
  REGION,
  TEST_TIMEOUT,
  withEmulator
} from './fixtures.js'
import { runAction, runPost } from './harness.js'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

const CONSUMER = '444455556666'
const CONSUMER_ROLE = `arn:aws:iam::${CONSUMER}:role/ami-test`
const HELLO = 'Hello from my custom AMI!'
const CURL = `curl -fsS http://localhost/ | grep -q "${HELLO}"`

/** A golden AMI in the build account; `serves` decides what its instances answer on port 80. */
function seedGolden(
  emu: Emulator,
  options: { serves?: Record<string, string>; architecture?: string; kmsKeyId?: string } = {}
): string {
  const seeded = emu.seed({
    ec2: {
      images: [
        {
          accountId: BUILD,
          region: REGION,
          name: 'golden-1',
          architecture: options.architecture ?? 'x86_64',
          ...(options.kmsKeyId && {
            snapshots: [{ sizeGiB: 8, encrypted: true, kmsKeyId: options.kmsKeyId }]
          }),
          behaviour: {
            ...(options.serves && { serves: options.serves }),
            consoleOutput: 'boot ok\nnginx: [emerg] bind() to 0.0.0.0:80 failed\n'
          }
        }
      ],
      instanceProfiles: [{ accountId: BUILD, name: 'ssm-core' }]
    }
  } as never) as { ec2: { images: string[] } }
  return seeded.ec2.images[0]
}

const emu = withEmulator({ timeScale: 0.01 })

function instances(): Json[] {
  return (emu.state() as Json).ec2.instances
}

function image(id: string): Json {
  return imagesIn(emu).find((i) => i.imageId === id)!
}

function tagsOf(id: string): Record<string, string> {
  return Object.fromEntries((image(id).tags as Json[]).map((t) => [t.key, t.value]))
}

const testInputs = (ami: string, extra: Record<string, string> = {}) => ({
  'ami-id': ami,
  'test-command': CURL,
  'test-instance-profile': 'ssm-core',
  ...extra
})

it(
  'passed: the instance serves the page, the AMI is tagged passed, shared and copied; a re-run launches nothing',
  async () => {
    const ami = seedGolden(emu, { serves: { '/': HELLO } })
    const inputs = testInputs(ami, {
      'share-accounts': '999988887777',
      'copy-regions': 'eu-west-1'
    })
    const result = await runAction({ emulator: emu, inputs })
    expect(errorMessages(result)).toEqual([])
    expect(result.code).toBe(0)
    expect(result.outputs['test-result']).toBe('passed')

    const [launch] = callsTo(emu, 'RunInstances')
    expect(callsTo(emu, 'RunInstances')).toHaveLength(1)
    expect(launch.params).toMatchObject({ ImageId: ami, InstanceType: 't3.micro' })
    expect(JSON.stringify(launch.params)).toContain('ami-share-action:test-run')
    expect(JSON.stringify(launch.params)).toMatch(/4242-1-build-[0-9a-f]{8}/)
    const [send] = callsTo(emu, 'SendCommand')
    expect(JSON.stringify(send.params)).toContain('AWS-RunShellScript')
    expect(callsTo(emu, 'TerminateInstances')).toHaveLength(1)
    // The test ran before sharing and copying.
    const firstShare = callsTo(emu, 'ModifyImageAttribute')[0]
    expect(firstShare.seq).toBeGreaterThan(callsTo(emu, 'TerminateInstances')[0].seq)
    expect(callsTo(emu, 'CopyImage')[0].seq).toBeGreaterThan(send.seq)

    emu.advance(120_000)
    expect(instances().map((i) => i.state?.name ?? i.state)).toEqual(['terminated'])
    expect(tagsOf(ami)).toMatchObject({ 'ami-share-action:test': 'passed' })
    expect(tagsOf(ami)['ami-share-action:test-spec']).toMatch(/^[0-9a-f]{64}$/)
    expect(result.summary).toContain('### Tested')

    const again = await runAction({ emulator: emu, inputs })
    expect(again.code).toBe(0)
    expect(again.outputs['test-result']).toBe('passed')
    expect(callsTo(emu, 'RunInstances')).toHaveLength(1)
    expect(again.summary).toContain('not relaunched')
  },
  TEST_TIMEOUT
)

it(
  'failed command: the step fails with exit code, output and console output; nothing shared or copied; instance terminated',
  async () => {
    const ami = seedGolden(emu) // nothing listens on port 80
    const result = await runAction({
      emulator: emu,
      inputs: testInputs(ami, {
        'share-accounts': '999988887777',
        'copy-regions': 'eu-west-1',
        'ssm-parameter': '/golden/latest'
      })
    })
    expect(result.code).not.toBe(0)
    expect(result.outputs['test-result']).toBe('failed')
    const error = errorMessages(result).join('\n')
    expect(error).toContain(`Test of ${ami} in ${REGION}`)
    // The pipeline's status is grep's; curl's own failure is in stderr.
    expect(error).toMatch(/exit code 1/)
    expect(error).toContain('curl: (7)')
    expect(error).toContain('Failed to connect')
    expect(error).toContain('nginx: [emerg]')
    expect(error).toMatch(
      /console\.aws\.amazon\.com\/ec2\/home\?region=us-east-1#InstanceDetails:instanceId=i-/
    )
    expect(error).toContain('Phase: Test')

    expect(callsTo(emu, 'ModifyImageAttribute')).toHaveLength(0)
    expect(callsTo(emu, 'CopyImage')).toHaveLength(0)
    expect(callsTo(emu, 'PutParameter')).toHaveLength(0)
    expect(callsTo(emu, 'TerminateInstances')).toHaveLength(1)
    expect(tagsOf(ami)['ami-share-action:test']).toBe('failed')
    expect(result.summary).toContain('### Tested')
    expect(result.summary).toContain('Failed to connect')
  },
  TEST_TIMEOUT
)

it(
  'consumer account with a key it cannot use: the launch failure names the key and the grant; the test grant is withdrawn',
  async () => {
    emu.seed({
      kms: {
        keys: [
          {
            accountId: BUILD,
            region: REGION,
            keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
            policy: {
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { AWS: `arn:aws:iam::${BUILD}:root` },
                  Action: 'kms:*',
                  Resource: '*'
                }
              ]
            }
          }
        ]
      }
    } as never)
    const key = `arn:aws:kms:${REGION}:${BUILD}:key/1234abcd-12ab-34cd-56ef-1234567890ab`
    const ami = seedGolden(emu, { serves: { '/': HELLO }, kmsKeyId: key })
    const result = await runAction({
      emulator: emu,
      inputs: { 'ami-id': ami, 'test-launch': 'true', 'test-account-role': CONSUMER_ROLE }
    })
    expect(result.code).not.toBe(0)
    expect(result.outputs['test-result']).toBe('failed')
    const error = errorMessages(result).join('\n')
    expect(error).toContain('Client.InvalidKMSKey.InvalidState')
    expect(error).toContain(key)
    expect(error).toContain(`arn:aws:iam::${CONSUMER}:root kms:CreateGrant`)
    const [launch] = callsTo(emu, 'RunInstances')
    expect(launch.accountId).toBe(CONSUMER)
    const grants = callsTo(emu, 'ModifyImageAttribute')
    expect(grants).toHaveLength(2)
    expect(JSON.stringify(grants[0].params)).toContain(CONSUMER)
    expect(image(ami).launchPermissions ?? []).toEqual([])
    expect(result.state['test-grants']).toBe('[]')
  },
  TEST_TIMEOUT
)

it('timeout: test-timeout-minutes runs out waiting for SSM; the instance is terminated', async () => {
  const ami = seedGolden(emu, { serves: { '/': HELLO } })
  // Without a profile the agent never registers.
  const result = await runAction({
    emulator: emu,
    inputs: { 'ami-id': ami, 'test-command': CURL, 'test-timeout-minutes': '1' },
    // test-timeout-minutes is real time: this test runs a minute, polling every half second.
    env: { AMI_SHARE_ACTION_POLL_MS: '500' },
    timeoutMs: 100_000
  })
  expect(result.code).not.toBe(0)
  expect(result.outputs['test-result']).toBe('failed')
  const error = errorMessages(result).join('\n')
  expect(error).toContain('never registered with SSM')
  expect(error).toContain('test-timeout-minutes (1)')
  expect(callsTo(emu, 'TerminateInstances')).toHaveLength(1)
  expect(tagsOf(ami)['ami-share-action:test']).toBe('failed')
}, 150_000)

it(
  'SIGINT during the test: the instance is terminated within the cancel window',
  async () => {
    const ami = seedGolden(emu, { serves: { '/': HELLO } })
    const result = await runAction({
      emulator: emu,
      inputs: testInputs(ami),
      signalAfter: { signal: 'SIGINT', onCall: 'DescribeInstanceStatus' }
    })
    expect(result.code).not.toBe(0)
    expect(callsTo(emu, 'TerminateInstances')).toHaveLength(1)
    expect(errorMessages(result).join('\n')).toMatch(/cancelled/i)
    // A cancellation is no verdict on the image.
    expect(tagsOf(ami)['ami-share-action:test']).toBeUndefined()
  },
  TEST_TIMEOUT
)

it(
  'SIGKILL during the test: the post step terminates the instance its main step saved, and only that one',
  async () => {
    const ami = seedGolden(emu, { serves: { '/': HELLO } })
    // Another job of the same workflow run (a matrix) has its own test instance.
    emu.seed({
      ec2: {
        instances: [
          {
            accountId: BUILD,
            region: REGION,
            imageId: ami,
            state: 'running',
            tags: { 'ami-share-action:test-run': '4242-1-build-00000000' }
          }
        ]
      }
    } as never)
    const main = await runAction({
      emulator: emu,
      inputs: testInputs(ami),
      signalAfter: { signal: 'SIGKILL', onCall: 'DescribeInstanceStatus' }
    })
    expect(main.signal).toBe('SIGKILL')
    expect(callsTo(emu, 'TerminateInstances')).toHaveLength(0)
    expect(main.state['test-run']).toMatch(/^4242-1-build-[0-9a-f]{8}$/)

    const post = await runPost({ emulator: emu, inputs: testInputs(ami), state: main.state })
    expect(post.code).toBe(0)
    const [terminate] = callsTo(emu, 'TerminateInstances')
    expect(callsTo(emu, 'TerminateInstances')).toHaveLength(1)
    const launched = instances().find(
      (i) =>
        i.imageId === ami &&
        i.instanceId !== undefined &&
        JSON.stringify(i.tags).includes(main.state['test-run'])
    )!
    expect(terminate.params).toEqual({ 'InstanceId.1': launched.instanceId })
    expect(post.stdout).toContain('left by the main step')
  },
  TEST_TIMEOUT
)

it(
  'arch mismatch: an arm64 AMI with test-instance-type t3.micro is refused before anything is launched',
  async () => {
    const ami = seedGolden(emu, { architecture: 'arm64', serves: { '/': HELLO } })
    const result = await runAction({
      emulator: emu,
      inputs: testInputs(ami, { 'test-instance-type': 't3.micro' })
    })
    expect(result.code).not.toBe(0)
    const error = errorMessages(result).join('\n')
    expect(error).toContain('test-instance-type: t3.micro runs x86_64')
    expect(error).toContain('arm64')
    expect(callsTo(emu, 'RunInstances')).toHaveLength(0)
    expect(emu.calls().filter((c) => c.mutating)).toEqual([])
  },
  TEST_TIMEOUT
)

it(
  'dry run: the plan names the test instance (type, subnet, account, region) and nothing changes',
  async () => {
    const ami = seedGolden(emu, { serves: { '/': HELLO } })
    const result = await runAction({
      emulator: emu,
      inputs: testInputs(ami, { 'dry-run': 'true' })
    })
    expect(errorMessages(result)).toEqual([])
    expect(result.code).toBe(0)
    expect(emu.calls().filter((c) => c.mutating && !(c.params as Json)?.DryRun)).toEqual([])
    expect(result.summary).toMatch(
      new RegExp(
        `Launch test instance t3\\.micro in subnet-[0-9a-f]+ of ${REGION} \\(account ${BUILD}\\) from ${ami}`
      )
    )
    expect(result.outputs['test-result']).toBe('none')
  },
  TEST_TIMEOUT
)
