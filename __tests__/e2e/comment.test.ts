// The sticky PR comment, end to end: dist/index.js against the emulator's GitHub API.
// One comment per pull request and header, updated in place; no API call outside PR events;
// a refused or failing comments API is a warning, never a red build.
import { describe, expect, it } from '@jest/globals'
import { BUILD, REGION, TEST_TIMEOUT, withEmulator } from './fixtures.js'
import { runAction, type RunResult } from './harness.js'

const CONSUMER = '444455556666'
const PR = 7

interface Comment {
  id: number
  issue: number
  body: string
  login: string
}

let imageId: string

const emu = withEmulator({ timeScale: 0.001 }, (started) => {
  const seeded = started.seed({
    ec2: {
      images: [{ accountId: BUILD, region: REGION, name: 'web-2026-11-28' }]
    }
  }) as { ec2: { images: string[] } }
  imageId = seeded.ec2.images[0]
})

function comments(): Comment[] {
  return (emu.state().github as { comments: Comment[] }).comments
}

function githubCalls() {
  return emu.calls().filter((c) => c.service === 'github')
}

function prRun(
  inputs: Record<string, string> = {},
  eventName = 'pull_request'
): Promise<RunResult> {
  return runAction({
    emulator: emu,
    eventName,
    event: { number: PR, pull_request: { number: PR, head: { ref: 'feature' } } },
    inputs: {
      'ami-id': imageId,
      'share-accounts': CONSUMER,
      'comment-on-pr': 'true',
      'github-token': 'ghs_fakeTokenForTheEmulator0123456789',
      ...inputs
    },
    timeoutMs: 90_000
  })
}

/** ::warning:: lines of the run's log, as the runner would show them. */
function warnings(run: RunResult): string[] {
  return run.stdout.split('\n').filter((l) => l.startsWith('::warning'))
}

function expectGreen(run: RunResult): void {
  if (run.code !== 0) throw new Error(`exit ${run.code}\n${run.stdout}\n${run.stderr}`)
}

describe('comment-on-pr on a pull_request event', () => {
  it(
    'creates one comment, then updates that same comment on the next run',
    async () => {
      const first = await prRun()
      expectGreen(first)
      const created = comments()
      expect(created).toHaveLength(1)
      expect(created[0].issue).toBe(PR)
      expect(created[0].login).toBe('github-actions[bot]')
      expect(created[0].body).toContain(imageId)
      expect(created[0].body).toContain(CONSUMER)
      expect(first.outputs['comment-url']).toBe(
        `https://github.com/acme/infra/pull/${PR}#issuecomment-${created[0].id}`
      )
      expect(githubCalls().map((c) => c.action)).toContain('CreateComment')

      // Someone else comments in between; the second run must still find ours.
      emu.seed({
        github: {
          comments: [{ owner: 'acme', repo: 'infra', issue: PR, body: 'LGTM', login: 'octocat' }]
        }
      })
      const firstBody = created[0].body
      const before = emu.calls().length
      const second = await prRun({ 'share-accounts': `${CONSUMER}\n999988887777` })
      expectGreen(second)
      const after = comments()
      expect(after).toHaveLength(2)
      const ours = after.filter((c) => c.login === 'github-actions[bot]')
      expect(ours).toHaveLength(1)
      expect(ours[0].id).toBe(created[0].id)
      expect(ours[0].body).not.toBe(firstBody)
      expect(ours[0].body).toContain('999988887777')
      expect(second.outputs['comment-url']).toBe(first.outputs['comment-url'])
      const secondRunActions = emu
        .calls()
        .slice(before)
        .filter((c) => c.service === 'github')
        .map((c) => c.action)
      expect(secondRunActions).toContain('UpdateComment')
      expect(secondRunActions).not.toContain('CreateComment')
    },
    TEST_TIMEOUT
  )

  it(
    'two comment-headers give two comments, each updated in place',
    async () => {
      expectGreen(await prRun({ 'comment-header': 'web' }))
      expectGreen(await prRun({ 'comment-header': 'worker' }))
      expect(comments()).toHaveLength(2)
      expectGreen(await prRun({ 'comment-header': 'web' }))
      const all = comments()
      expect(all).toHaveLength(2)
      expect(new Set(all.map((c) => c.id)).size).toBe(2)
    },
    TEST_TIMEOUT
  )

  it(
    'a comment carrying our marker written by someone else is not taken over',
    async () => {
      expectGreen(await prRun())
      const marker = comments()[0].body.split('\n')[0]
      emu.reset()
      emu.seed({
        ec2: {
          images: [{ imageId, accountId: BUILD, region: 'us-east-1', name: 'web-2026-11-28' }]
        },
        github: {
          comments: [
            { owner: 'acme', repo: 'infra', issue: PR, body: `${marker}\nfake`, login: 'mallory' }
          ]
        }
      })
      expectGreen(await prRun())
      const all = comments()
      expect(all).toHaveLength(2)
      expect(all.find((c) => c.login === 'mallory')!.body).toBe(`${marker}\nfake`)
    },
    TEST_TIMEOUT
  )
})

describe('comment-on-pr outside pull requests', () => {
  it(
    'a push event makes no GitHub call and says so in one info line',
    async () => {
      const run = await prRun({}, 'push')
      expectGreen(run)
      expect(githubCalls()).toEqual([])
      expect(comments()).toEqual([])
      const info = run.stdout.split('\n').filter((l) => l.includes('comment-on-pr'))
      expect(info).toHaveLength(1)
      expect(info[0]).toMatch(/'push' is not a pull request event/)
      expect(info[0]).not.toMatch(/^::(warning|error)/)
      expect(run.outputs['comment-url'] ?? '').toBe('')
    },
    TEST_TIMEOUT
  )
})

describe('comments API failures never fail the build', () => {
  it(
    '403 on the comments API: green, and a warning naming pull-requests: write',
    async () => {
      emu.configure({
        faults: [
          {
            service: 'github',
            action: 'CreateComment',
            kind: 'error',
            status: 403,
            message: 'Resource not accessible by integration'
          }
        ]
      })
      const run = await prRun()
      expectGreen(run)
      expect(comments()).toEqual([])
      const found = warnings(run).filter((w) => w.includes('comment-on-pr'))
      expect(found).toHaveLength(1)
      expect(found[0]).toContain('pull-requests: write')
      expect(found[0]).toContain('403')
      expect(found[0]).toContain('Resource not accessible by integration')
      expect(run.stdout).not.toMatch(/^::error/m)
      // The AMI work itself was done: the share is in place and the outputs are there.
      expect(run.outputs['ami-id']).toBe(imageId)
      expect(run.outputs['comment-url'] ?? '').toBe('')
    },
    TEST_TIMEOUT
  )

  it(
    '403 when listing (the read-only token of a fork PR): green, the same warning',
    async () => {
      emu.configure({
        faults: [{ service: 'github', action: 'ListComments', kind: 'error', status: 403 }]
      })
      const run = await prRun()
      expectGreen(run)
      expect(warnings(run).some((w) => w.includes('pull-requests: write'))).toBe(true)
    },
    TEST_TIMEOUT
  )

  it(
    '500 from the comments API: green, with a warning',
    async () => {
      emu.configure({
        faults: [{ service: 'github', action: 'ListComments', kind: 'error', status: 500 }]
      })
      const run = await prRun()
      expectGreen(run)
      expect(comments()).toEqual([])
      const found = warnings(run).filter((w) => w.includes('comment-on-pr'))
      expect(found).toHaveLength(1)
      expect(found[0]).toMatch(/HTTP 500/)
      expect(found[0]).toMatch(/not affected/)
      expect(run.outputs['ami-id']).toBe(imageId)
    },
    TEST_TIMEOUT
  )
})
