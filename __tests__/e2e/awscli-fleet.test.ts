// Wire fidelity of the instance, Run Command, Auto Scaling and Recycle Bin emulation against an
// independent client: the AWS CLI (botocore) parses every answer, including errors.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { promisify } from 'node:util'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { credentialsEnv } from '../../emulator/runner.js'

const run = promisify(execFile)
const BUILD = '111122223333'
const CLI_TIMEOUT = 90_000

function findAws(): string | undefined {
  const candidates = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'aws'))
  candidates.push('/root/.pyenv/shims/aws', '/usr/bin/aws', '/usr/local/bin/aws')
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

const aws = findAws()
const describeWithCli = aws ? describe : describe.skip

let emu: Emulator
let home: string

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

async function cli(args: string[]): Promise<{ code: number; json: Json; stderr: string }> {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    PYENV_VERSION: process.env.PYENV_VERSION ?? '',
    AWS_CONFIG_FILE: join(home, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_MAX_ATTEMPTS: '1',
    ...credentialsEnv(BUILD)
  }
  try {
    const { stdout, stderr } = await run(
      aws!,
      [...args, '--endpoint-url', emu.url, '--output', 'json'],
      { env, timeout: CLI_TIMEOUT }
    )
    return { code: 0, json: stdout.trim() ? (JSON.parse(stdout) as Json) : {}, stderr }
  } catch (error) {
    const e = error as { code?: number; stderr?: string }
    return { code: typeof e.code === 'number' ? e.code : -1, json: {}, stderr: e.stderr ?? '' }
  }
}

async function ok(args: string[]): Promise<Json> {
  const result = await cli(args)
  if (result.code !== 0)
    throw new Error(`aws ${args.join(' ')} failed (${result.code}): ${result.stderr}`)
  return result.json
}

beforeAll(async () => {
  emu = await startEmulator({ throttling: false })
  home = mkdtempSync(join(tmpdir(), 'awscli-fleet-'))
})
afterAll(async () => {
  await emu?.close()
  rmSync(home, { recursive: true, force: true })
})

describeWithCli('AWS CLI: instances, Run Command, Auto Scaling, Recycle Bin', () => {
  let imageId: string

  beforeAll(() => {
    const seeded = emu.seed({
      ec2: {
        instanceProfiles: [{ accountId: BUILD, name: 'ssm-core' }],
        images: [
          {
            accountId: BUILD,
            region: 'us-east-1',
            name: 'web-1',
            behaviour: { serves: { '/': 'Hello from my custom AMI!' } }
          }
        ]
      },
      autoscaling: {
        groups: [
          {
            accountId: BUILD,
            region: 'us-east-1',
            name: 'web-asg',
            launchTemplate: { launchTemplateName: 'web', version: '$Latest' }
          }
        ]
      }
    }) as { ec2: { images: string[] } }
    imageId = seeded.ec2.images[0]
  })

  it(
    'run-instances, describe-instances, describe-instance-status, send-command, get-command-invocation',
    async () => {
      const launched = await ok([
        'ec2',
        'run-instances',
        '--image-id',
        imageId,
        '--instance-type',
        't3.micro',
        '--iam-instance-profile',
        'Name=ssm-core',
        '--tag-specifications',
        'ResourceType=instance,Tags=[{Key=ami-share-action:test-run,Value=cli}]'
      ])
      const id = launched.Instances[0].InstanceId as string
      expect(launched.Instances[0].State.Name).toBe('pending')
      emu.advance(5 * 60_000)
      const described = await ok(['ec2', 'describe-instances', '--instance-ids', id])
      expect(described.Reservations[0].Instances[0]).toMatchObject({
        State: { Name: 'running' },
        Tags: [{ Key: 'ami-share-action:test-run', Value: 'cli' }]
      })
      const status = await ok(['ec2', 'describe-instance-status', '--instance-ids', id])
      expect(status.InstanceStatuses[0].InstanceStatus.Status).toBe('ok')
      const sent = await ok([
        'ssm',
        'send-command',
        '--document-name',
        'AWS-RunShellScript',
        '--instance-ids',
        id,
        '--parameters',
        'commands=["curl -fsS http://localhost/ | grep -q Hello"]'
      ])
      emu.advance(10_000)
      const inv = await ok([
        'ssm',
        'get-command-invocation',
        '--command-id',
        sent.Command.CommandId,
        '--instance-id',
        id
      ])
      expect(inv).toMatchObject({ Status: 'Success', ResponseCode: 0 })
      const missing = await cli([
        'ec2',
        'describe-subnets',
        '--subnet-ids',
        'subnet-0000000000000dead'
      ])
      expect(missing.stderr).toContain('InvalidSubnetID.NotFound')
    },
    CLI_TIMEOUT * 4
  )

  it(
    'launch templates, Auto Scaling groups and Recycle Bin rules parse',
    async () => {
      await ok([
        'ec2',
        'create-launch-template',
        '--launch-template-name',
        'web',
        '--launch-template-data',
        JSON.stringify({ ImageId: imageId, InstanceType: 't3.micro' })
      ])
      const groups = await ok(['autoscaling', 'describe-auto-scaling-groups'])
      expect(groups.AutoScalingGroups[0]).toMatchObject({
        AutoScalingGroupName: 'web-asg',
        LaunchTemplate: { LaunchTemplateName: 'web', Version: '$Latest' }
      })
      expect(groups.AutoScalingGroups[0].LaunchTemplate.LaunchTemplateId).toMatch(/^lt-/)
      const rule = await ok([
        'rbin',
        'create-rule',
        '--resource-type',
        'EC2_IMAGE',
        '--retention-period',
        'RetentionPeriodValue=7,RetentionPeriodUnit=DAYS'
      ])
      const listed = await ok(['rbin', 'list-rules', '--resource-type', 'EC2_IMAGE'])
      expect(listed.Rules.map((r: Json) => r.Identifier)).toEqual([rule.Identifier])
      const gone = await cli(['rbin', 'get-rule', '--identifier', 'abcdefghijk'])
      expect(gone.stderr).toContain('ResourceNotFoundException')
      await ok(['rbin', 'delete-rule', '--identifier', rule.Identifier])
    },
    CLI_TIMEOUT * 4
  )
})
