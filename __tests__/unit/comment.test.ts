import { jest, describe, it, expect, beforeEach, afterEach } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'
import { config } from './report-helpers.js'

jest.unstable_mockModule('@actions/core', () => core)
const github = await import('@actions/github')
const { upsertComment, marker } = await import('../../src/report/comment.js')
type GitHubApi = import('../../src/report/comment.js').GitHubApi

interface Stored {
  id: number
  body: string
  html_url: string
  user: { login: string; type: string }
}

const BOT = { login: 'github-actions[bot]', type: 'Bot' }

/** A pull request's comments behind a minimal fake of the octokit calls upsertComment makes. */
function fakeGitHub(
  options: {
    event?: string
    comments?: Stored[]
    me?: string
    fail?: { status: number; message: string }
  } = {}
) {
  const comments: Stored[] = options.comments ?? []
  const calls: string[] = []
  let next = 1000
  const maybeFail = (): void => {
    if (options.fail)
      throw Object.assign(new Error(options.fail.message), { status: options.fail.status })
  }
  const listComments = (): void => undefined
  const octokit = {
    paginate: async (method: unknown, params: { issue_number: number; per_page: number }) => {
      calls.push(`list #${params.issue_number} per_page=${params.per_page}`)
      expect(method).toBe(listComments)
      maybeFail()
      return comments.map((c) => ({ ...c }))
    },
    rest: {
      issues: {
        listComments,
        createComment: async (p: { issue_number: number; body: string }) => {
          calls.push(`create #${p.issue_number}`)
          maybeFail()
          const c = {
            id: next++,
            body: p.body,
            html_url: `https://github.com/o/r/pull/7#issuecomment-${next}`,
            user: BOT
          }
          comments.push(c)
          return { data: c }
        },
        updateComment: async (p: { comment_id: number; body: string }) => {
          calls.push(`update ${p.comment_id}`)
          const c = comments.find((x) => x.id === p.comment_id)!
          c.body = p.body
          return { data: c }
        }
      },
      users: {
        getAuthenticated: async () => {
          calls.push('get user')
          if (!options.me)
            throw Object.assign(new Error('Resource not accessible by integration'), {
              status: 403
            })
          return { data: { login: options.me } }
        }
      }
    }
  }
  const getOctokit = jest.fn((_token: string, _opts?: { baseUrl?: string }) => octokit)
  const api = {
    context: {
      eventName: options.event ?? 'pull_request',
      payload: { pull_request: { number: 7 } },
      apiUrl: 'https://api.github.com',
      repo: { owner: 'o', repo: 'r' }
    },
    getOctokit
  } as unknown as GitHubApi
  return { api, comments, calls, getOctokit }
}

const cfg = (header = 'golden') =>
  config({ comment: { enabled: true, header, token: 'ghs_token' } })
const body = (header = 'golden', text = 'result') => `${marker(header)}\n\n${text}`

beforeEach(() => core.reset())

describe('upsertComment', () => {
  it('creates the comment on the first run and updates the same one on the second', async () => {
    const gh = fakeGitHub()
    const first = await upsertComment(cfg(), body('golden', 'run 1'), gh.api)
    const second = await upsertComment(cfg(), body('golden', 'run 2'), gh.api)
    expect(gh.comments).toHaveLength(1)
    expect(gh.comments[0].body).toBe(body('golden', 'run 2'))
    expect(second).toBe(first)
    expect(first).toMatch(/^https:\/\/github.com\/o\/r\/pull\/7#issuecomment-/)
    expect(gh.calls).toEqual([
      'list #7 per_page=100',
      'create #7',
      'list #7 per_page=100',
      'get user',
      'update 1000'
    ])
    expect(gh.getOctokit).toHaveBeenCalledWith('ghs_token', expect.anything())
    expect(core.warning).not.toHaveBeenCalled()
  })

  it('two headers give two comments', async () => {
    const gh = fakeGitHub()
    await upsertComment(cfg('base'), body('base'), gh.api)
    await upsertComment(cfg('gpu'), body('gpu'), gh.api)
    await upsertComment(cfg('base'), body('base', 'again'), gh.api)
    expect(gh.comments.map((c) => c.body)).toEqual([body('base', 'again'), body('gpu')])
  })

  it('does not take over a comment a person wrote with our marker', async () => {
    const gh = fakeGitHub({
      comments: [{ id: 1, body: body(), html_url: 'u1', user: { login: 'mallory', type: 'User' } }]
    })
    await upsertComment(cfg(), body('golden', 'new'), gh.api)
    expect(gh.calls).toContain('create #7')
    expect(gh.comments[0].body).toBe(body())
  })

  it('with a personal token, updates the comment of that user', async () => {
    const gh = fakeGitHub({
      me: 'release-bot-user',
      comments: [
        { id: 1, body: body(), html_url: 'u1', user: BOT },
        { id: 2, body: body(), html_url: 'u2', user: { login: 'release-bot-user', type: 'User' } }
      ]
    })
    expect(await upsertComment(cfg(), body('golden', 'x'), gh.api)).toBe('u2')
    expect(gh.calls).toContain('update 2')
  })

  it('a push event makes no API call', async () => {
    const gh = fakeGitHub({ event: 'push' })
    expect(await upsertComment(cfg(), body(), gh.api)).toBeUndefined()
    expect(gh.getOctokit).not.toHaveBeenCalled()
    expect(gh.calls).toEqual([])
    expect(core.info).toHaveBeenCalledWith(
      expect.stringContaining("'push' is not a pull request event")
    )
    expect(core.warning).not.toHaveBeenCalled()
  })

  it('pull_request_target counts as a pull request event', async () => {
    const gh = fakeGitHub({ event: 'pull_request_target' })
    await upsertComment(cfg(), body(), gh.api)
    expect(gh.calls).toContain('create #7')
  })

  it('disabled: nothing at all', async () => {
    const gh = fakeGitHub()
    const off = config({ comment: { enabled: false, header: 'golden', token: 't' } })
    expect(await upsertComment(off, body(), gh.api)).toBeUndefined()
    expect(gh.getOctokit).not.toHaveBeenCalled()
  })

  it('403: a warning that names pull-requests: write, never a throw', async () => {
    const gh = fakeGitHub({
      fail: { status: 403, message: 'Resource not accessible by integration' }
    })
    await expect(upsertComment(cfg(), body(), gh.api)).resolves.toBeUndefined()
    expect(core.warning).toHaveBeenCalledTimes(1)
    const message = String(core.warning.mock.calls[0][0])
    expect(message).toContain('pull-requests: write')
    expect(message).toContain('forks')
    expect(message).toContain('HTTP 403')
  })

  it('500: a warning with the status, never a throw', async () => {
    const gh = fakeGitHub({ fail: { status: 500, message: 'Server Error' } })
    await expect(upsertComment(cfg(), body(), gh.api)).resolves.toBeUndefined()
    expect(core.warning).toHaveBeenCalledWith(expect.stringContaining('HTTP 500: Server Error'))
    expect(String(core.warning.mock.calls[0][0])).not.toContain('pull-requests: write')
  })

  it('no PR number or no token: a warning, no API call', async () => {
    const gh = fakeGitHub()
    ;(gh.api.context as { payload: object }).payload = {}
    await upsertComment(cfg(), body(), gh.api)
    const noToken = config({ comment: { enabled: true, header: 'golden', token: '' } })
    await upsertComment(noToken, body(), fakeGitHub().api)
    expect(gh.getOctokit).not.toHaveBeenCalled()
    expect(core.warning.mock.calls.map((c) => String(c[0]))).toEqual([
      expect.stringContaining('no pull request number'),
      expect.stringContaining('github-token is empty')
    ])
  })
})

describe('upsertComment with the real octokit', () => {
  const saved = process.env.GITHUB_API_URL
  afterEach(() => {
    if (saved === undefined) delete process.env.GITHUB_API_URL
    else process.env.GITHUB_API_URL = saved
  })

  it('pages through the comments at GITHUB_API_URL and updates the one on page 2', async () => {
    process.env.GITHUB_API_URL = 'http://127.0.0.1:9/github'
    const requests: string[] = []
    const fetch = async (url: string, init: { method?: string; body?: string }) => {
      const u = new URL(url)
      requests.push(`${init.method ?? 'GET'} ${u.origin}${u.pathname}${u.search}`)
      const json = (status: number, data: unknown, headers: Record<string, string> = {}) =>
        new Response(JSON.stringify(data), {
          status,
          headers: { 'content-type': 'application/json', ...headers }
        })
      if (u.pathname === '/github/repos/o/r/issues/7/comments') {
        if (u.searchParams.get('page') !== '2') {
          const others = Array.from({ length: 100 }, (_, i) => ({
            id: i + 1,
            body: 'lgtm',
            user: BOT
          }))
          const next = `${u.origin}${u.pathname}?per_page=100&page=2`
          return json(200, others, { link: `<${next}>; rel="next", <${next}>; rel="last"` })
        }
        return json(200, [{ id: 555, body: body(), user: BOT, html_url: 'old' }])
      }
      if (u.pathname === '/github/user')
        return json(403, { message: 'Resource not accessible by integration' })
      if (u.pathname === '/github/repos/o/r/issues/comments/555' && init.method === 'PATCH') {
        expect(JSON.parse(init.body!).body).toBe(body('golden', 'new'))
        return json(200, { id: 555, html_url: 'https://github.com/o/r/pull/7#issuecomment-555' })
      }
      return json(404, { message: 'Not Found' })
    }
    const api: GitHubApi = {
      context: {
        eventName: 'pull_request',
        payload: { pull_request: { number: 7 } } as never,
        apiUrl: 'https://api.github.com',
        repo: { owner: 'o', repo: 'r' }
      },
      getOctokit: (token, options) => github.getOctokit(token, { ...options, request: { fetch } })
    }
    const url = await upsertComment(cfg(), body('golden', 'new'), api)
    expect(core.warning).not.toHaveBeenCalled()
    expect(url).toBe('https://github.com/o/r/pull/7#issuecomment-555')
    expect(requests).toEqual([
      'GET http://127.0.0.1:9/github/repos/o/r/issues/7/comments?per_page=100',
      'GET http://127.0.0.1:9/github/repos/o/r/issues/7/comments?per_page=100&page=2',
      'GET http://127.0.0.1:9/github/user',
      'PATCH http://127.0.0.1:9/github/repos/o/r/issues/comments/555'
    ])
  })
})
