// Wire fidelity against an independent client: the AWS CLI (botocore) drives the emulator.
// If the CLI parses every answer, including errors and its own waiter, the wire format is right.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { promisify } from 'node:util'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { credentialsEnv } from './harness.js'

const run = promisify(execFile)
const BUILD = '111122223333'
const CONSUMER = '444455556666'
const HOUR = 3_600_000
// Each CLI run starts a Python interpreter (1–3 s here).
const CLI_TIMEOUT = 90_000

function findAws(): string | undefined {
  const candidates = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'aws'))
  candidates.push('/root/.pyenv/shims/aws', '/usr/bin/aws', '/usr/local/bin/aws')
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch {
      // not here
    }
  }
  return undefined
}

const aws = findAws()
if (!aws)
  console.warn(
    'awscli.test.ts skipped: no `aws` binary on PATH (CI installs the Debian awscli package)'
  )
const describeWithCli = aws ? describe : describe.skip

let emu: Emulator
let home: string

beforeAll(async () => {
  emu = await startEmulator({ throttling: false })
  home = mkdtempSync(join(tmpdir(), 'awscli-home-'))
})
afterAll(async () => {
  await emu?.close()
  rmSync(home, { recursive: true, force: true })
})

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

interface CliResult {
  code: number
  json: Json
  stderr: string
}

/** Run `aws <args> --endpoint-url <emulator>` as `account`, never reading a real AWS config. */
async function cli(
  args: string[],
  options: { region?: string; creds?: Record<string, string> } = {}
): Promise<CliResult> {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    PYENV_VERSION: process.env.PYENV_VERSION ?? '',
    AWS_CONFIG_FILE: join(home, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    AWS_DEFAULT_REGION: options.region ?? 'us-east-1',
    AWS_MAX_ATTEMPTS: '2',
    ...(options.creds ?? credentialsEnv(BUILD))
  }
  try {
    const { stdout, stderr } = await run(
      aws!,
      [...args, '--endpoint-url', emu.url, '--output', 'json'],
      { env, timeout: 90_000 }
    )
    return { code: 0, json: stdout.trim() ? (JSON.parse(stdout) as Json) : {}, stderr }
  } catch (error) {
    const e = error as { code?: number; stderr?: string; stdout?: string }
    return {
      code: typeof e.code === 'number' ? e.code : -1,
      json: {},
      stderr: `${e.stderr ?? ''}${e.stdout ?? ''}`
    }
  }
}

async function ok(args: string[], options?: Parameters<typeof cli>[1]): Promise<Json> {
  const result = await cli(args, options)
  if (result.code !== 0)
    throw new Error(`aws ${args.join(' ')} failed (${result.code}): ${result.stderr}`)
  return result.json
}

describeWithCli('AWS CLI against the emulator', () => {
  let instanceId: string
  let imageId: string

  beforeAll(() => {
    const seeded = emu.seed({
      ec2: {
        instances: [
          {
            accountId: BUILD,
            region: 'us-east-1',
            volumes: [{ sizeGiB: 8 }],
            tags: { Name: 'builder' }
          }
        ],
        images: [
          { accountId: BUILD, region: 'us-east-1', name: 'base-2024', snapshots: [{ sizeGiB: 8 }] }
        ]
      }
    }) as { ec2: { instances: string[] } }
    instanceId = seeded.ec2.instances[0]
  }, CLI_TIMEOUT)

  it(
    'describe-images lists the seeded image',
    async () => {
      const out = await ok(['ec2', 'describe-images', '--owners', 'self'])
      expect(out.Images.map((i: Json) => i.Name)).toEqual(['base-2024'])
      expect(out.Images[0]).toMatchObject({ OwnerId: BUILD, State: 'available' })
    },
    CLI_TIMEOUT
  )

  it(
    'reports an EC2 error code the CLI understands',
    async () => {
      const result = await cli(['ec2', 'describe-images', '--image-ids', 'ami-0000000000000000f'])
      expect(result.code).not.toBe(0)
      expect(result.stderr).toContain('InvalidAMIID.NotFound')
    },
    CLI_TIMEOUT
  )

  it(
    'create-image, then `ec2 wait image-available`',
    async () => {
      const created = await ok([
        'ec2',
        'create-image',
        '--instance-id',
        instanceId,
        '--name',
        'golden-1',
        '--no-reboot'
      ])
      imageId = created.ImageId
      expect(imageId).toMatch(/^ami-[0-9a-f]{17}$/)
      // Past the window in which a new ID is NotFound (as on AWS), well before the image is ready.
      emu.advance(5_000)
      const pending = await ok(['ec2', 'describe-images', '--image-ids', imageId])
      expect(pending.Images[0].State).toBe('pending')
      emu.advance(HOUR)
      const waited = await cli(['ec2', 'wait', 'image-available', '--image-ids', imageId])
      expect(waited).toMatchObject({ code: 0 })
      const done = await ok(['ec2', 'describe-images', '--image-ids', imageId])
      expect(done.Images[0]).toMatchObject({ State: 'available', Name: 'golden-1' })
      expect(done.Images[0].BlockDeviceMappings[0].Ebs.SnapshotId).toMatch(/^snap-/)
    },
    CLI_TIMEOUT
  )

  it(
    'modify-image-attribute adds a launch permission that describe-image-attribute shows',
    async () => {
      await ok([
        'ec2',
        'modify-image-attribute',
        '--image-id',
        imageId,
        '--launch-permission',
        `Add=[{UserId=${CONSUMER}}]`
      ])
      const attr = await ok([
        'ec2',
        'describe-image-attribute',
        '--image-id',
        imageId,
        '--attribute',
        'launchPermission'
      ])
      expect(attr.LaunchPermissions).toEqual([{ UserId: CONSUMER }])
    },
    CLI_TIMEOUT
  )

  it(
    'copy-image runs in the destination region',
    async () => {
      const copy = await ok(
        [
          'ec2',
          'copy-image',
          '--source-image-id',
          imageId,
          '--source-region',
          'us-east-1',
          '--name',
          'golden-1'
        ],
        { region: 'eu-west-1' }
      )
      expect(copy.ImageId).toMatch(/^ami-/)
      // A new image ID can be NotFound for a moment, as on AWS: let simulated time pass.
      emu.advance(HOUR)
      const there = await ok(['ec2', 'describe-images', '--image-ids', copy.ImageId], {
        region: 'eu-west-1'
      })
      expect(there.Images[0]).toMatchObject({ Name: 'golden-1', OwnerId: BUILD })
    },
    CLI_TIMEOUT
  )

  it(
    'ssm start-automation-execution and get-automation-execution',
    async () => {
      const started = await ok([
        'ssm',
        'start-automation-execution',
        '--document-name',
        'AWS-CreateImage',
        '--parameters',
        `InstanceId=${instanceId},NoReboot=true`
      ])
      const executionId = started.AutomationExecutionId
      expect(executionId).toMatch(/^[0-9a-f-]{36}$/)
      const running = await ok([
        'ssm',
        'get-automation-execution',
        '--automation-execution-id',
        executionId
      ])
      expect(running.AutomationExecution.DocumentName).toBe('AWS-CreateImage')
      emu.advance(2 * HOUR)
      const done = await ok([
        'ssm',
        'get-automation-execution',
        '--automation-execution-id',
        executionId
      ])
      expect(done.AutomationExecution.AutomationExecutionStatus).toBe('Success')
      const [builtImage] = done.AutomationExecution.Outputs['createImage.ImageId']
      expect(builtImage).toMatch(/^ami-/)
      await ok(['ec2', 'describe-images', '--image-ids', builtImage])
    },
    CLI_TIMEOUT
  )

  it(
    'reports an SSM (JSON) error code the CLI understands',
    async () => {
      const result = await cli([
        'ssm',
        'get-automation-execution',
        '--automation-execution-id',
        '00000000-0000-0000-0000-000000000000'
      ])
      expect(result.code).not.toBe(0)
      expect(result.stderr).toContain('AutomationExecutionNotFoundException')
    },
    CLI_TIMEOUT
  )

  it(
    'sts assume-role hands out credentials of the role account',
    async () => {
      const out = await ok([
        'sts',
        'assume-role',
        '--role-arn',
        `arn:aws:iam::${CONSUMER}:role/copier`,
        '--role-session-name',
        'cli'
      ])
      const creds = out.Credentials
      expect(creds.AccessKeyId).toMatch(new RegExp(`^ASIA${CONSUMER}`))
      const identity = await ok(['sts', 'get-caller-identity'], {
        creds: {
          AWS_ACCESS_KEY_ID: creds.AccessKeyId,
          AWS_SECRET_ACCESS_KEY: creds.SecretAccessKey,
          AWS_SESSION_TOKEN: creds.SessionToken
        }
      })
      expect(identity).toMatchObject({
        Account: CONSUMER,
        Arn: `arn:aws:sts::${CONSUMER}:assumed-role/copier/cli`
      })
    },
    CLI_TIMEOUT
  )

  it(
    'reports an STS denial the CLI understands',
    async () => {
      const roleArn = `arn:aws:iam::${CONSUMER}:role/locked`
      emu.configure({ assumeRoleDenied: [roleArn] })
      const result = await cli([
        'sts',
        'assume-role',
        '--role-arn',
        roleArn,
        '--role-session-name',
        'cli'
      ])
      expect(result.code).not.toBe(0)
      expect(result.stderr).toContain('AccessDenied')
    },
    CLI_TIMEOUT
  )
})
