// GitHub REST subset under /github, for GITHUB_API_URL: issue comments (list with pagination,
// create, update, delete), GET a pull request, GET the authenticated user.
import type { Sim } from './types.js'

export interface GithubComment {
  id: number
  owner: string
  repo: string
  issue: number
  body: string
  login: string
  createdAt: number
  updatedAt: number
}

export interface GithubPull {
  owner: string
  repo: string
  number: number
  title?: string
  state?: 'open' | 'closed'
  head?: { ref: string; sha: string }
  base?: { ref: string; sha: string }
}

interface GithubState {
  comments: GithubComment[]
  pulls: GithubPull[]
  /** token → login; unknown tokens are github-actions[bot]. */
  tokens: Record<string, string>
  nextId: number
}

/** POST /_sim/seed { github: GithubSeed } */
export interface GithubSeed {
  comments?: Array<{ owner: string; repo: string; issue: number; body: string; login?: string }>
  pulls?: GithubPull[]
  tokens?: Record<string, string>
}

export interface GithubReply {
  status: number
  body: unknown
  headers?: Record<string, string>
  /** For the call log, and for fault rules (service 'github'). */
  action: string
  mutating: boolean
}

export const DEFAULT_LOGIN = 'github-actions[bot]'

function githubState(sim: Sim): GithubState {
  return (sim.state.github ??= {
    comments: [],
    pulls: [],
    tokens: {},
    nextId: 1_000_001
  }) as GithubState
}

export function seedGithub(sim: Sim, seed: GithubSeed): unknown {
  const state = githubState(sim)
  Object.assign(state.tokens, seed.tokens ?? {})
  state.pulls.push(...(seed.pulls ?? []))
  const ids = (seed.comments ?? []).map(
    (c) => addComment(sim, c.owner, c.repo, c.issue, c.body, c.login ?? DEFAULT_LOGIN).id
  )
  return { commentIds: ids }
}

export function githubSnapshot(sim: Sim): unknown {
  const { comments, pulls } = githubState(sim)
  return { comments, pulls }
}

function addComment(
  sim: Sim,
  owner: string,
  repo: string,
  issue: number,
  body: string,
  login: string
): GithubComment {
  const state = githubState(sim)
  const now = sim.clock.now()
  const comment = {
    id: state.nextId++,
    owner,
    repo,
    issue,
    body,
    login,
    createdAt: now,
    updatedAt: now
  }
  state.comments.push(comment)
  return comment
}

function userJson(login: string): Record<string, unknown> {
  const bot = login.endsWith('[bot]')
  return {
    login,
    id: bot ? 41898282 : 1000 + login.length,
    type: bot ? 'Bot' : 'User',
    site_admin: false
  }
}

function commentJson(c: GithubComment, apiBase: string): Record<string, unknown> {
  return {
    id: c.id,
    node_id: `IC_${Buffer.from(String(c.id)).toString('base64')}`,
    url: `${apiBase}/repos/${c.owner}/${c.repo}/issues/comments/${c.id}`,
    html_url: `https://github.com/${c.owner}/${c.repo}/pull/${c.issue}#issuecomment-${c.id}`,
    issue_url: `${apiBase}/repos/${c.owner}/${c.repo}/issues/${c.issue}`,
    body: c.body,
    user: userJson(c.login),
    created_at: new Date(c.createdAt).toISOString(),
    updated_at: new Date(c.updatedAt).toISOString(),
    author_association: 'NONE'
  }
}

function pullJson(p: GithubPull, apiBase: string): Record<string, unknown> {
  return {
    url: `${apiBase}/repos/${p.owner}/${p.repo}/pulls/${p.number}`,
    html_url: `https://github.com/${p.owner}/${p.repo}/pull/${p.number}`,
    number: p.number,
    state: p.state ?? 'open',
    title: p.title ?? `Pull request #${p.number}`,
    head: p.head ?? { ref: 'feature', sha: '0'.repeat(40) },
    base: p.base ?? { ref: 'main', sha: '1'.repeat(40) }
  }
}

const notFound = (action: string): GithubReply => ({
  status: 404,
  body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
  action,
  mutating: false
})

/** Which action a path names, before authentication, so faults and the log can use it. */
export function githubAction(method: string, path: string): string {
  if (/^\/repos\/[^/]+\/[^/]+\/issues\/\d+\/comments$/.test(path)) {
    return method === 'POST' ? 'CreateComment' : 'ListComments'
  }
  if (/^\/repos\/[^/]+\/[^/]+\/issues\/comments\/\d+$/.test(path)) {
    return method === 'PATCH'
      ? 'UpdateComment'
      : method === 'DELETE'
        ? 'DeleteComment'
        : 'GetComment'
  }
  if (/^\/repos\/[^/]+\/[^/]+\/pulls\/\d+$/.test(path)) return 'GetPull'
  if (path === '/user') return 'GetUser'
  return 'Unknown'
}

/**
 * Handle one GitHub request. `path` is below /github; `apiBase` is the absolute /github URL
 * (for url fields and Link headers).
 */
export function handleGithub(
  sim: Sim,
  method: string,
  path: string,
  query: URLSearchParams,
  authorization: string | undefined,
  body: unknown,
  apiBase: string
): GithubReply {
  const action = githubAction(method, path)
  const mutating = method === 'POST' || method === 'PATCH' || method === 'DELETE'
  const token = /^(?:token|bearer)\s+(.+)$/i.exec(authorization ?? '')?.[1]
  if (!token) {
    return { status: 401, body: { message: 'Requires authentication' }, action, mutating }
  }
  const state = githubState(sim)
  const login = state.tokens[token] ?? DEFAULT_LOGIN

  let m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(path)
  if (m) {
    const [, owner, repo, issueText] = m
    const issue = Number(issueText)
    if (method === 'GET') return listComments(state, owner, repo, issue, query, apiBase, path)
    if (method === 'POST') {
      const text = (body as { body?: unknown } | undefined)?.body
      if (typeof text !== 'string') return invalid('CreateComment', 'body')
      const c = addComment(sim, owner, repo, issue, text, login)
      return { status: 201, body: commentJson(c, apiBase), action, mutating }
    }
  }
  m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(path)
  if (m) {
    const [, owner, repo, id] = m
    const index = state.comments.findIndex(
      (c) => c.owner === owner && c.repo === repo && c.id === Number(id)
    )
    if (index < 0) return { ...notFound(action), mutating }
    const comment = state.comments[index]
    if (method === 'GET')
      return { status: 200, body: commentJson(comment, apiBase), action, mutating }
    if (method === 'DELETE') {
      state.comments.splice(index, 1)
      return { status: 204, body: undefined, action, mutating }
    }
    if (method === 'PATCH') {
      const text = (body as { body?: unknown } | undefined)?.body
      if (typeof text !== 'string') return invalid('UpdateComment', 'body')
      comment.body = text
      comment.updatedAt = sim.clock.now()
      return { status: 200, body: commentJson(comment, apiBase), action, mutating }
    }
  }
  m = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/.exec(path)
  if (m && method === 'GET') {
    const [, owner, repo, number] = m
    const pull = state.pulls.find(
      (p) => p.owner === owner && p.repo === repo && p.number === Number(number)
    )
    // An unseeded pull request exists too, so tests need not seed one for every run.
    return {
      status: 200,
      body: pullJson(pull ?? { owner, repo, number: Number(number) }, apiBase),
      action,
      mutating
    }
  }
  if (path === '/user' && method === 'GET')
    return { status: 200, body: userJson(login), action, mutating }
  return { ...notFound(action), mutating }
}

function invalid(action: string, field: string): GithubReply {
  return {
    status: 422,
    body: {
      message: 'Invalid request.',
      errors: [{ resource: 'IssueComment', code: 'missing_field', field }]
    },
    action,
    mutating: true
  }
}

function listComments(
  state: GithubState,
  owner: string,
  repo: string,
  issue: number,
  query: URLSearchParams,
  apiBase: string,
  path: string
): GithubReply {
  const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30) || 30))
  const page = Math.max(1, Number(query.get('page') ?? 1) || 1)
  const all = state.comments.filter(
    (c) => c.owner === owner && c.repo === repo && c.issue === issue
  )
  const lastPage = Math.max(1, Math.ceil(all.length / perPage))
  const items = all.slice((page - 1) * perPage, page * perPage).map((c) => commentJson(c, apiBase))
  const link = (p: number, rel: string) =>
    `<${apiBase}${path}?per_page=${perPage}&page=${p}>; rel="${rel}"`
  const links: string[] = []
  if (page < lastPage) links.push(link(page + 1, 'next'), link(lastPage, 'last'))
  if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'))
  const headers: Record<string, string> = links.length ? { link: links.join(', ') } : {}
  return { status: 200, body: items, headers, action: 'ListComments', mutating: false }
}
