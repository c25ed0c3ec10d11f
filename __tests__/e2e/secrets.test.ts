// Secrets: the full pipeline runs with recognisable fake credentials (secret key, session token,
// GitHub token); none of them appears in
// stdout, stderr, the job summary, the outputs, the saved state or the PR comment, on success or
// on failure. And nothing masks AMI or account IDs (a masked value drops the outputs holding it).
import { describe, expect, it } from '@jest/globals'
import { withEmulator } from './fixtures.js'
import type { RunResult } from './harness.js'
import { BUILD, pipelineInputs, runPipeline, seedWorld, worldState } from './faults-world.js'

const SECRET_KEY = 'SECRETxKEYxwJalrXUtnFEMIxK7MDENGxbPxRfiCYxE2E'
const SESSION_TOKEN = 'SESSIONxTOKENxIQoJb3JpZ2luX2VjEE2ExAAAAAAAAAAAAAAAAAAAAAAAA'
const GITHUB_TOKEN = 'ghs_E2ExSECRETxTOKENx0123456789abcdefABCDEF'

const emu = withEmulator({ timeScale: 0.001 })

const env = {
  AWS_ACCESS_KEY_ID: `ASIA${BUILD}E2EKEY`,
  AWS_SECRET_ACCESS_KEY: SECRET_KEY,
  AWS_SESSION_TOKEN: SESSION_TOKEN
}

/** Everything a user or a later step can read. */
function everythingVisible(r: RunResult): Record<string, string> {
  return {
    // `::add-mask::` lines are commands to the runner (which then hides the value), never shown.
    stdout: r.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n'),
    stderr: r.stderr,
    summary: r.summary,
    outputs: JSON.stringify(r.outputs),
    state: JSON.stringify(r.state),
    comments: JSON.stringify(worldState(emu).comments)
  }
}

function expectNoSecrets(r: RunResult): void {
  const secrets = [SECRET_KEY, SESSION_TOKEN, GITHUB_TOKEN]
  for (const [where, text] of Object.entries(everythingVisible(r)))
    for (const secret of secrets) {
      const line = text.split('\n').find((l) => l.includes(secret))
      expect([where, secret, line]).toEqual([where, secret, undefined])
    }
}

function expectNoMaskedIds(r: RunResult): void {
  const masks = r.stdout.split('\n').filter((l) => l.startsWith('::add-mask::'))
  for (const mask of masks) {
    expect(mask).not.toMatch(/ami-[0-9a-f]+|snap-[0-9a-f]+|\b\d{12}\b/)
  }
}

describe('fake credentials and token through the whole pipeline', () => {
  it('success: no secret anywhere, outputs intact, no AMI or account ID masked', async () => {
    seedWorld(emu)
    emu.seed({ github: { tokens: { [GITHUB_TOKEN]: 'ci-bot' } } })
    const r = await runPipeline(emu, pipelineInputs('runbook', { 'github-token': GITHUB_TOKEN }), {
      env
    })
    expect(r.code).toBe(0)
    expect(worldState(emu).comments).toHaveLength(1)
    // The token was really used (the comment's author is its login).
    expect(JSON.stringify(emu.state())).toContain('ci-bot')
    expect(r.outputs['ami-id']).toMatch(/^ami-/)
    expect(r.outputs['account-ami-ids']).toMatch(/\d{12}/)
    expectNoSecrets(r)
    expectNoMaskedIds(r)
  }, 90_000)

  it('failure (a denied call, ExpiredToken): the error text carries no secret either', async () => {
    seedWorld(emu)
    emu.seed({ github: { tokens: { [GITHUB_TOKEN]: 'ci-bot' } } })
    emu.configure({
      faults: [
        { service: 'ssm', action: 'PutParameter', kind: 'expired-token' },
        { service: 'github', action: 'CreateComment', kind: 'error', status: 403 }
      ]
    })
    const r = await runPipeline(emu, pipelineInputs('runbook', { 'github-token': GITHUB_TOKEN }), {
      env
    })
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/ExpiredToken/)
    expectNoSecrets(r)
    expectNoMaskedIds(r)
  }, 90_000)
})
