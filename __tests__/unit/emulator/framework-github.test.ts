// The GitHub REST subset and the admin API, over HTTP as the action and the tests use them.
import { describe, expect, it } from '@jest/globals'
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts'
import { withEmulator } from '../../e2e/fixtures.js'
import { ACCOUNT_A, stsClient, testServices } from './framework-helpers.js'

const emu = withEmulator({ services: testServices() })

const gh = (path: string, init: RequestInit & { token?: string | null } = {}) =>
  fetch(`${emu.githubUrl}${path}`, {
    ...init,
    headers: {
      ...(init.token === null ? {} : { authorization: `token ${init.token ?? 'ghs_default'}` }),
      'content-type': 'application/json'
    }
  })

const COMMENTS = '/repos/acme/infra/issues/7/comments'

describe('GitHub issue comments', () => {
  it('lists comments in pages with a Link header to the next page', async () => {
    emu.seed({
      github: {
        comments: Array.from({ length: 65 }, (_, i) => ({
          owner: 'acme',
          repo: 'infra',
          issue: 7,
          body: `c${i}`
        }))
      }
    })
    const first = await gh(`${COMMENTS}?per_page=30`)
    const page1 = (await first.json()) as Array<{ body: string }>
    expect(page1.map((c) => c.body).slice(0, 2)).toEqual(['c0', 'c1'])
    expect(page1).toHaveLength(30)
    const link = first.headers.get('link')!
    expect(link).toContain(`<${emu.githubUrl}${COMMENTS}?per_page=30&page=2>; rel="next"`)
    expect(link).toContain('page=3>; rel="last"')
    const last = await gh(`${COMMENTS}?per_page=30&page=3`)
    expect(((await last.json()) as unknown[]).length).toBe(5)
    expect(last.headers.get('link')).not.toContain('rel="next"')
    // other issues are separate
    expect(await (await gh('/repos/acme/infra/issues/8/comments')).json()).toEqual([])
  })

  it('creates and updates a comment as the token user, with html_url', async () => {
    emu.seed({ github: { tokens: { ghp_human: 'octocat' } } })
    const created = await gh(COMMENTS, { method: 'POST', body: JSON.stringify({ body: 'hello' }) })
    expect(created.status).toBe(201)
    const comment = (await created.json()) as {
      id: number
      html_url: string
      user: { login: string; type: string }
    }
    expect(comment.user).toMatchObject({ login: 'github-actions[bot]', type: 'Bot' })
    expect(comment.html_url).toBe(`https://github.com/acme/infra/pull/7#issuecomment-${comment.id}`)
    const updated = await gh(`/repos/acme/infra/issues/comments/${comment.id}`, {
      method: 'PATCH',
      body: JSON.stringify({ body: 'edited' })
    })
    expect(((await updated.json()) as { body: string }).body).toBe('edited')
    const byHuman = await gh(COMMENTS, {
      method: 'POST',
      body: JSON.stringify({ body: 'hi' }),
      token: 'ghp_human'
    })
    expect(((await byHuman.json()) as { user: { login: string } }).user.login).toBe('octocat')
    expect(emu.calls().map((c) => [c.service, c.action, c.mutating, c.status])).toEqual([
      ['github', 'CreateComment', true, 201],
      ['github', 'UpdateComment', true, 200],
      ['github', 'CreateComment', true, 201]
    ])
    expect(
      (emu.state().github as { comments: Array<{ body: string }> }).comments.map((c) => c.body)
    ).toEqual(['edited', 'hi'])
  })

  it('answers 401 without a token and 404 for an unknown comment', async () => {
    expect((await gh(COMMENTS, { token: null })).status).toBe(401)
    expect(
      (await gh('/repos/acme/infra/issues/comments/5', { method: 'PATCH', body: '{"body":"x"}' }))
        .status
    ).toBe(404)
  })

  it('returns a pull request and the authenticated user', async () => {
    emu.seed({
      github: {
        pulls: [
          {
            owner: 'acme',
            repo: 'infra',
            number: 7,
            title: 'Bump AMI',
            head: { ref: 'f', sha: 'a'.repeat(40) }
          }
        ]
      }
    })
    const pull = (await (await gh('/repos/acme/infra/pulls/7')).json()) as {
      title: string
      head: { sha: string }
    }
    expect([pull.title, pull.head.sha]).toEqual(['Bump AMI', 'a'.repeat(40)])
    expect(((await (await gh('/user')).json()) as { login: string }).login).toBe(
      'github-actions[bot]'
    )
  })

  it('injects faults on GitHub calls, e.g. a read-only token on a fork', async () => {
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
    const refused = await gh(COMMENTS, { method: 'POST', body: JSON.stringify({ body: 'x' }) })
    expect(refused.status).toBe(403)
    expect(((await refused.json()) as { message: string }).message).toBe(
      'Resource not accessible by integration'
    )
    expect((await gh(COMMENTS)).status).toBe(200)
  })
})

describe('admin API', () => {
  const admin = (path: string, body?: unknown) =>
    fetch(
      `${emu.url}/_sim${path}`,
      body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) }
    )

  it('seeds, configures, lists calls, shows state and resets over HTTP', async () => {
    const seeded = await admin('/seed', {
      kms: { keys: [{ accountId: ACCOUNT_A, region: 'us-east-1', keyId: 'k-1' }] }
    })
    expect(await seeded.json()).toEqual({
      kms: { keys: [{ keyId: 'k-1', arn: `arn:aws:kms:us-east-1:${ACCOUNT_A}:key/k-1` }] }
    })
    const configured = await admin('/configure', { iam: { [ACCOUNT_A]: ['sts:*'] }, custom: 1 })
    expect(await configured.json()).toMatchObject({
      throttling: true,
      custom: 1,
      iam: { [ACCOUNT_A]: ['sts:*'] }
    })
    await stsClient(emu.url).send(new GetCallerIdentityCommand({}))
    const calls = (await (await admin('/calls')).json()) as Array<{
      action: string
      accountId: string
    }>
    expect(calls.map((c) => [c.action, c.accountId])).toEqual([['GetCallerIdentity', ACCOUNT_A]])
    const state = (await (await admin('/state')).json()) as { kms: { keys: unknown[] } }
    expect(state.kms.keys).toHaveLength(1)
    await admin('/reset', {})
    expect(await (await admin('/calls')).json()).toEqual([])
    expect(await (await admin('/settings')).json()).toEqual({ throttling: true })
  })

  it('answers 400 with the reason for bad input', async () => {
    const bad = await admin('/seed', { nosuch: {} })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: string }).error).toContain('unknown service "nosuch"')
    const badFault = await admin('/configure', { faults: [{ kind: 'nope' }] })
    expect(((await badFault.json()) as { error: string }).error).toContain('faults[0].kind')
  })

  it('advances the simulated clock', async () => {
    const before = ((await (await admin('/clock')).json()) as { now: number }).now
    const after = (
      (await (await admin('/clock/advance', { ms: 3_600_000 })).json()) as { now: number }
    ).now
    expect(after - before).toBeGreaterThanOrEqual(3_600_000)
  })
})
