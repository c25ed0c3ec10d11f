// `npm run demo`: the whole action working with no AWS account. Starts the embedded emulator,
// seeds a build account, runs the committed bundle (dist/index.js) on Node 24 through a runbook
// build, sharing, copies and pruning, then prints the outputs and the job summary as text.
import { execFileSync } from 'node:child_process'
import { EC2Client, DescribeImagesCommand } from '@aws-sdk/client-ec2'
import { startEmulator, type Emulator } from '../emulator/index.js'
import { credentialsEnv, node24, runAction, type RunResult } from '../emulator/runner.js'

const BUILD_ACCOUNT = '111122223333'
const REGION = 'us-east-1'
const BASE_AMI = 'ami-0b5e1a5e1a5e1a5e1'
const BASE_INSTANCE = 'i-0b5e1a5e1a5e1a5e1'
const ORG = 'arn:aws:organizations::111122223333:organization/o-demo123456'
const OU = 'arn:aws:organizations::111122223333:ou/o-demo123456/ou-demo-1a2b3c4d'
/** An account in the OU that is not listed anywhere: it sees the AMI only through the OU share. */
const OU_MEMBER = '999988887777'
const FAMILY = 'demo'

/** Simulated time runs 1000× faster: the 14-minute runbook and 8-minute copies take about a second. */
const TIME_SCALE = 0.001
const HELLO = 'Hello from my custom AMI!'

const INPUTS: Record<string, string> = {
  'automation-document': 'AWS-UpdateLinuxAmi',
  'automation-parameters': `SourceAmiId: ${BASE_AMI}\nSecurityGroupIds: sg-0123456789abcdef0`,
  'ami-name': 'demo-{{timestamp}}',
  'ami-description': 'Golden image built by npm run demo',
  family: FAMILY,
  tags: 'team=platform\nos=linux',
  'share-accounts': '444455556666, 555566667777',
  'share-organizational-units': OU,
  'copy-regions': 'eu-west-1, ap-southeast-2',
  'copy-accounts': 'arn:aws:iam::777788889999:role/ami-copier',
  // The consumer's check from the AMI-sharing walkthrough, run on a test instance before sharing.
  'test-command': `curl -fsS http://localhost/ | grep -q "${HELLO}"`,
  'test-instance-profile': 'ssm-core',
  'launch-templates': 'web-server',
  'prune-keep': '2'
}

/** Older versions of the family, so pruning has something to do (keep 2: the new one + newest). */
function olderVersions() {
  return ['2026-01-05', '2026-02-02', '2026-03-02'].map((day) => ({
    accountId: BUILD_ACCOUNT,
    region: REGION,
    name: `demo-${day.replace(/-/g, '')}000000`,
    creationDate: `${day}T00:00:00Z`,
    tags: { 'ami-share-action:family': FAMILY }
  }))
}

function seed(emulator: Emulator): void {
  emulator.seed({
    ec2: {
      accounts: { [OU_MEMBER]: { organizationArn: ORG, ouArns: [OU] } },
      images: [
        {
          imageId: BASE_AMI,
          accountId: BUILD_ACCOUNT,
          region: REGION,
          name: 'base-linux-2026.03',
          description: 'Base image the runbook starts from',
          creationDate: '2026-03-01T00:00:00Z',
          // What an instance of it does (inherited by the image the runbook builds): a web page.
          behaviour: { serves: { '/': `${HELLO}\n` } }
        },
        ...olderVersions()
      ],
      // The test instance's profile, so that it registers with SSM for the test-command.
      instanceProfiles: [{ accountId: BUILD_ACCOUNT, name: 'ssm-core' }],
      // Rolled out at the end: a new version from this default version, with the new AMI.
      launchTemplates: [
        {
          accountId: BUILD_ACCOUNT,
          region: REGION,
          name: 'web-server',
          versions: [{ imageId: BASE_AMI, instanceType: 't3.micro' }]
        }
      ],
      instances: [
        {
          instanceId: BASE_INSTANCE,
          accountId: BUILD_ACCOUNT,
          region: REGION,
          imageId: BASE_AMI,
          tags: { Name: 'base-builder' }
        }
      ]
    }
  })
}

/** The runner's log without workflow-command syntax: groups become headings. */
function readableLog(stdout: string): string {
  return stdout
    .split('\n')
    .filter((line) => line !== '::endgroup::' && line.trim() !== '')
    .map((line) => {
      const group = /^::group::(.*)$/.exec(line)
      if (group) return `-- ${group[1]}`
      const command = /^::(\w+)[^:]*::(.*)$/.exec(line)
      if (command) return `  [${command[1]}] ${command[2]}`
      return `  ${line}`
    })
    .join('\n')
}

function alignedList(values: Record<string, string>): string {
  const width = Math.max(...Object.keys(values).map((key) => key.length))
  // Continuation lines of a multi-line value line up under its first line.
  const indent = '\n' + ' '.repeat(width + 4)
  return Object.entries(values)
    .map(([key, value]) => `  ${key.padEnd(width)}  ${value.split('\n').join(indent)}`)
    .join('\n')
}

function decodeEntities(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
}

/** Inline Markdown → plain text: links keep their text, emphasis and code marks go. */
function plainInline(text: string): string {
  return decodeEntities(
    text
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/\*\*([^*]+)\*\*/g, '$1')
      .replace(/`([^`]+)`/g, '$1')
      .replace(/\\([\\`*_[\]()#|-])/g, '$1')
  )
}

function splitRow(line: string): string[] {
  return line
    .replace(/^\s*\|/, '')
    .replace(/\|\s*$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => plainInline(cell.trim()))
}

function alignedTable(lines: string[]): string[] {
  const rows = lines.filter((line) => !/^\s*\|?\s*:?-{3,}/.test(line)).map(splitRow)
  const widths = rows[0].map((_, column) =>
    Math.max(...rows.map((row) => (row[column] ?? '').length))
  )
  const format = (row: string[]) =>
    '  ' +
    row
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd()
  const [header, ...body] = rows
  return [format(header), '  ' + widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(format)]
}

/** The job summary, lightly de-markdowned: headings underlined, tables aligned, links dropped. */
function readableSummary(markdown: string): string {
  const out: string[] = []
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (line.trimStart().startsWith('|')) {
      const table: string[] = []
      while (i < lines.length && lines[i].trimStart().startsWith('|')) table.push(lines[i++])
      i--
      out.push(...alignedTable(table))
      continue
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line)
    if (heading) {
      const text = plainInline(heading[2])
      out.push(text, (heading[1].length <= 2 ? '=' : '-').repeat(text.length))
      continue
    }
    out.push(plainInline(line))
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n')
}

/** Ask as the OU member (a consumer account) which AMIs it may launch: the new one must be there. */
async function consumerSees(emulator: Emulator, amiId: string): Promise<boolean> {
  const keys = credentialsEnv(OU_MEMBER)
  const ec2 = new EC2Client({
    region: REGION,
    endpoint: emulator.url,
    credentials: {
      accessKeyId: keys.AWS_ACCESS_KEY_ID,
      secretAccessKey: keys.AWS_SECRET_ACCESS_KEY
    }
  })
  try {
    const { Images = [] } = await ec2.send(new DescribeImagesCommand({ ExecutableUsers: ['self'] }))
    return Images.some((image) => image.ImageId === amiId)
  } finally {
    ec2.destroy()
  }
}

/** The latest version of a launch template in the build region, as EC2 holds it. */
function templateVersion(emulator: Emulator, name: string) {
  type Lt = { name: string; region: string; version: number; versions?: Version[] }
  type Version = { versionNumber: number; data: { imageId?: string } }
  const lt = (emulator.state() as { ec2: { launchTemplates: Lt[] } }).ec2.launchTemplates.find(
    (t) => t.name === name && t.region === REGION
  )
  const latest = lt?.versions?.at(-1)
  if (!lt || !latest) return undefined
  return {
    number: latest.versionNumber,
    isDefault: latest.versionNumber === lt.version,
    imageId: latest.data.imageId
  }
}

function callCounts(emulator: Emulator): string {
  const aws = emulator.calls().filter((call) => call.service !== 'github')
  const byService = new Map<string, number>()
  for (const call of aws) byService.set(call.service, (byService.get(call.service) ?? 0) + 1)
  const parts = [...byService].map(([service, count]) => `${service} ${count}`).join(', ')
  const failed = aws.filter((call) => call.status >= 400).length
  const retried = failed ? `; ${failed} answered with an error the action rode out` : ''
  return `${aws.length} AWS calls made (${parts})${retried}`
}

function failureText(result: RunResult): string {
  const errors = result.stdout
    .split('\n')
    .filter((line) => line.startsWith('::error'))
    .map((line) => line.replace(/^::error[^:]*::/, ''))
  if (result.timedOut) errors.push('the action did not finish within 120 s and was killed')
  if (errors.length === 0) errors.push(result.stderr.trim() || `exit code ${result.code}`)
  return errors.join('\n')
}

async function main(): Promise<number> {
  // The consumer check below runs the SDK in this process, maybe on Node 20: no upgrade nag.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
  const { node, note } = node24()
  if (note) console.log(`Note: ${note}\n`)
  const emulator = await startEmulator({ timeScale: TIME_SCALE })
  try {
    seed(emulator)
    console.log(`AWS emulator at ${emulator.url} (time ${1 / TIME_SCALE}× faster than real)`)
    console.log(
      `Running dist/index.js on Node ${execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()}` +
        ` as account ${BUILD_ACCOUNT} in ${REGION}, with these inputs:\n`
    )
    console.log(alignedList(INPUTS) + '\n')

    const result = await runAction({
      emulator,
      inputs: INPUTS,
      accountId: BUILD_ACCOUNT,
      region: REGION,
      node,
      timeoutMs: 120_000
    })
    console.log('Action log\n==========')
    console.log(readableLog(result.stdout) + '\n')
    if (result.code !== 0) {
      console.error(`The action failed:\n${failureText(result)}`)
      return 1
    }

    console.log('Outputs\n=======')
    console.log(alignedList(result.outputs) + '\n')
    console.log('Job summary\n===========')
    console.log(readableSummary(result.summary).trim() + '\n')
    const amiId = result.outputs['ami-id']
    const seen = await consumerSees(emulator, amiId)
    console.log(
      `Account ${OU_MEMBER} (a member of the OU) ${seen ? 'sees' : 'does NOT see'} ${amiId}` +
        ' in DescribeImages ExecutableUsers=self.'
    )
    console.log(callCounts(emulator) + '.')
    console.log(`\nNew AMI: ${amiId}`)
    const tested = result.outputs['test-result']
    console.log(
      `Test on a fresh instance: ${tested}` +
        (tested === 'passed' ? ` (the page says "${HELLO}")` : '')
    )
    const version = templateVersion(emulator, 'web-server')
    console.log(
      `Launch template web-server in ${REGION}: version ${version?.number ?? 'none'}` +
        (version
          ? ` (${version.isDefault ? 'default' : 'not default'}) launches ${version.imageId}`
          : '')
    )
    return seen && tested === 'passed' && version?.imageId === amiId ? 0 : 1
  } finally {
    await emulator.close()
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  }
)
