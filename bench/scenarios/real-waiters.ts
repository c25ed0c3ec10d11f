// Scenario 2, the alternatives measured for real: the JS SDK's waitUntilImageAvailable (default
// 15→120 s schedule) and `aws ec2 wait image-available` (15 s fixed), each waiting for copies
// that take as long as the pipeline's (12–24 s), against the emulator at real time.
import { spawn, spawnSync } from 'node:child_process'
import { CopyImageCommand, EC2Client, waitUntilImageAvailable } from '@aws-sdk/client-ec2'
import { startEmulator, type Emulator } from '../../emulator/index.js'
import { credentialsEnv } from '../lib/action.js'
import { detection, type Detection } from '../lib/calls.js'
import { REAL_TIME_TIMING, seedPipeline } from '../lib/pipeline-setup.js'

const ACCOUNT = '999988887777'
const SOURCE_REGION = 'us-east-1'

export interface RealWaiters {
  sdk: Detection[]
  cli: Detection[]
  cliAvailable: boolean
}

function cliAvailable(): boolean {
  return spawnSync('aws', ['--version'], { stdio: 'ignore' }).status === 0
}

async function copy(emu: Emulator, sourceId: string, region: string): Promise<string> {
  const ec2 = new EC2Client({
    region,
    endpoint: emu.url,
    credentials: { accessKeyId: `AKIA${ACCOUNT}EXAMPLE`, secretAccessKey: 'x' }
  })
  const { ImageId } = await ec2.send(
    new CopyImageCommand({
      Name: `waiter-${region}-${Date.now()}`,
      SourceImageId: sourceId,
      SourceRegion: SOURCE_REGION
    })
  )
  ec2.destroy()
  return ImageId!
}

async function sdkWait(emu: Emulator, imageId: string, region: string): Promise<void> {
  const client = new EC2Client({
    region,
    endpoint: emu.url,
    credentials: { accessKeyId: `AKIA${ACCOUNT}EXAMPLE`, secretAccessKey: 'x' }
  })
  await waitUntilImageAvailable({ client, maxWaitTime: 600 }, { ImageIds: [imageId] })
  client.destroy()
}

function cliWait(emu: Emulator, imageId: string, region: string): Promise<number | null> {
  const child = spawn('aws', ['ec2', 'wait', 'image-available', '--image-ids', imageId], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      AWS_ENDPOINT_URL: emu.url,
      AWS_DEFAULT_REGION: region,
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
      AWS_EC2_METADATA_DISABLED: 'true',
      ...credentialsEnv(ACCOUNT)
    },
    stdio: 'ignore'
  })
  return new Promise((resolve) => child.on('close', resolve))
}

export async function measureRealWaiters(regions: string[]): Promise<RealWaiters> {
  const withCli = cliAvailable()
  const emu = await startEmulator({ timeScale: 1 })
  try {
    seedPipeline(emu, REAL_TIME_TIMING, '111122223333')
    const [source] = (
      emu.seed({
        ec2: { images: [{ accountId: ACCOUNT, region: SOURCE_REGION, name: 'waiter-source' }] }
      }) as { ec2: { images: string[] } }
    ).ec2.images
    const waits: Promise<{ tool: 'sdk' | 'cli'; id: string; region: string }>[] = []
    for (const region of regions) {
      const sdkId = await copy(emu, source, region)
      waits.push(
        sdkWait(emu, sdkId, region).then(() => ({ tool: 'sdk' as const, id: sdkId, region }))
      )
      if (withCli) {
        const cliId = await copy(emu, source, region)
        // botocore's ImageAvailable fails at once on InvalidAMIID.NotFound (§1.2): a script must
        // let a fresh copy become visible first, so the CLI starts after the not-found window.
        waits.push(
          new Promise((r) => setTimeout(r, 2500))
            .then(() => cliWait(emu, cliId, region))
            .then((code) => {
              if (code !== 0) throw new Error(`aws ec2 wait image-available exited ${code}`)
              return { tool: 'cli' as const, id: cliId, region }
            })
        )
      }
    }
    const done = await Promise.all(waits)
    const calls = emu.calls()
    const images = (
      emu.sim.state.ec2 as { images: Record<string, { imageId: string; readyAt: number }> }
    ).images
    const result: RealWaiters = { sdk: [], cli: [], cliAvailable: withCli }
    for (const w of done) {
      const reads = calls.filter(
        (c) =>
          c.action === 'DescribeImages' && c.region === w.region && c.params['ImageId.1'] === w.id
      )
      const d = detection(`${w.tool} ${w.region}`, reads, images[w.id].readyAt)
      if (d) result[w.tool].push(d)
    }
    return result
  } finally {
    await emu.close()
  }
}
