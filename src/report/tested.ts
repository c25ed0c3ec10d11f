// The "Tested" section and the test-result output: every test of the run (the build region's in
// result.tested, each copy's on its fleet member), read from Result only.
import type { Result, TestRun } from '../types.js'
import { duration } from './format.js'
import { cell, codeBlock, link, table, text } from './markdown.js'

/** Every test of the run: the build region's, then the copies'. */
export function allTests(result: Result): TestRun[] {
  return [
    ...(result.tested ?? []),
    ...(result.fleet?.members.flatMap((m) => (m.test ? [m.test] : [])) ?? [])
  ]
}

/** Output test-result: failed if any test failed, passed if any ran and all passed, else none. */
export function testResult(result: Result): 'passed' | 'failed' | 'none' {
  const tests = allTests(result).filter((t) => t.verdict !== 'planned')
  if (tests.some((t) => t.verdict === 'failed')) return 'failed'
  return tests.length > 0 ? 'passed' : 'none'
}

const VERDICT: Record<TestRun['verdict'], string> = {
  passed: '✅ passed',
  failed: '❌ failed',
  planned: '📝 planned'
}

function instanceUrl(region: string, instanceId: string): string {
  return `https://${region}.console.aws.amazon.com/ec2/home?region=${region}#InstanceDetails:instanceId=${instanceId}`
}

export function testedSection(result: Result): string[] {
  const tests = allTests(result)
  if (tests.length === 0) return []
  const rows = tests.map((t) => [
    cell(t.region),
    cell(t.imageId),
    cell(t.accountId),
    t.instanceId ? link(t.instanceId, instanceUrl(t.region, t.instanceId)) : '-',
    cell(`${t.instanceType}${t.subnetId ? ` in ${t.subnetId}` : ''}`),
    t.alreadyPassed ? '✅ passed before (same test-spec), not relaunched' : VERDICT[t.verdict],
    cell(t.durationMs !== undefined ? duration(t.durationMs) : '-')
  ])
  const blocks = [
    '### Tested',
    table(['Region', 'AMI', 'Account', 'Instance', 'Type', 'Verdict', 'Launch to verdict'], rows)
  ]
  for (const t of tests.filter((x) => x.verdict === 'failed')) {
    blocks.push(`**${text(t.imageId)} in ${text(t.region)}**: ${text(t.reason ?? 'failed')}`)
    if (t.exitCode !== undefined) blocks.push(`Exit code: ${t.exitCode}`)
    if (t.stdout) blocks.push('Last lines of stdout:', codeBlock(t.stdout))
    if (t.stderr) blocks.push('Last lines of stderr:', codeBlock(t.stderr))
    if (t.consoleOutput) blocks.push('Console output:', codeBlock(t.consoleOutput))
  }
  return blocks
}
