import { jest, describe, it, expect, beforeEach } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'
import type { RunContext } from '../../src/context.js'
import type { Config } from '../../src/config.js'
import { config, success } from './report-helpers.js'

// @actions/github as the runner presents it: a context from the environment, and getOctokit.
const created: { body: string }[] = []
const octokit = {
  paginate: jest.fn(async () => []),
  rest: {
    issues: {
      listComments: jest.fn(),
      createComment: jest.fn(async (p: { body: string }) => {
        created.push(p)
        return { data: { html_url: 'https://github.com/o/r/pull/3#issuecomment-1' } }
      }),
      updateComment: jest.fn()
    },
    users: { getAuthenticated: jest.fn() }
  }
}
const githubMock = {
  context: {
    eventName: 'pull_request',
    payload: { pull_request: { number: 3 } },
    apiUrl: 'https://api.github.com',
    repo: { owner: 'o', repo: 'r' }
  },
  getOctokit: jest.fn(() => octokit)
}
jest.unstable_mockModule('@actions/core', () => core)
jest.unstable_mockModule('@actions/github', () => githubMock)
const { report } = await import('../../src/report/index.js')

const ctx = (cfg: Config = config()): RunContext => ({ config: cfg }) as unknown as RunContext

process.env.GITHUB_STEP_SUMMARY ??= '/tmp/report-test-summary.md'

beforeEach(() => {
  core.reset()
  created.length = 0
  githubMock.context.eventName = 'pull_request'
})

describe('report', () => {
  it('writes outputs, the summary, the PR comment and one notice', async () => {
    await report(ctx(), success())
    expect(core.outputs['ami-id']).toBe('ami-0123456789abcdef0')
    expect(core.outputs['comment-url']).toBe('https://github.com/o/r/pull/3#issuecomment-1')
    expect(core.summaryText.join('')).toMatch(/^## ✅ AMI \[ami-0123456789abcdef0\]/)
    expect(created).toHaveLength(1)
    expect(created[0].body.startsWith('<!-- ami-share-action:golden -->')).toBe(true)
    expect(core.notice).toHaveBeenCalledTimes(1)
    expect(core.notice).toHaveBeenCalledWith(
      'AMI ami-0123456789abcdef0 (golden-20261128) is available in us-east-1.',
      { title: 'AMI ready' }
    )
    expect(core.warning).not.toHaveBeenCalled()
    expect(core.error).not.toHaveBeenCalled()
    expect(core.setFailed).not.toHaveBeenCalled()
  })

  it('on failure: outputs and summary for what exists, no notice, no error annotation', async () => {
    const result = { ...success(), error: 'Copy to eu-west-1 failed' }
    await report(ctx(), result)
    expect(core.outputs['ami-id']).toBe('ami-0123456789abcdef0')
    expect(core.summaryText.join('')).toContain('## ❌ Failed: Copy to eu-west-1 failed')
    expect(created[0].body).toContain('### What failed')
    expect(core.notice).not.toHaveBeenCalled()
    expect(core.error).not.toHaveBeenCalled()
    expect(core.setFailed).not.toHaveBeenCalled()
  })

  it('dry run: no notice', async () => {
    const result = success()
    result.plan = []
    await report(ctx(config({ dryRun: true })), result)
    expect(core.notice).not.toHaveBeenCalled()
  })

  it('comment disabled or not a PR: no GitHub API call and no comment-url', async () => {
    await report(ctx(config({ comment: { enabled: false, header: 'g', token: 't' } })), success())
    githubMock.context.eventName = 'push'
    await report(ctx(), success())
    expect(githubMock.getOctokit).not.toHaveBeenCalled()
    expect(core.outputs['comment-url']).toBeUndefined()
  })

  it('never throws: a failing summary write becomes a warning and the rest still happens', async () => {
    const write = jest.spyOn(core.summary, 'write').mockRejectedValueOnce(new Error('disk full'))
    await expect(report(ctx(), success())).resolves.toBeUndefined()
    expect(core.warning).toHaveBeenCalledWith('Could not write the job summary: disk full')
    expect(created).toHaveLength(1)
    expect(core.outputs['ami-id']).toBe('ami-0123456789abcdef0')
    write.mockRestore()
  })

  it('never throws: a malformed result becomes warnings', async () => {
    const broken = {
      warnings: [],
      startedAt: new Date(),
      finishedAt: new Date(),
      fleet: {}
    } as never
    await expect(report(ctx(), broken)).resolves.toBeUndefined()
    expect(core.outputs.region).toBe('us-east-1')
    expect(core.warning).toHaveBeenCalledWith(
      expect.stringMatching(/^Could not write the step outputs: could not compute ami-ids/)
    )
  })
})
