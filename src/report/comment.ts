// The sticky PR comment: one per pull request and header, found again by a hidden marker and
// its author, updated in place. Commenting never fails the build: problems become warnings.
import * as core from '@actions/core'
import type * as github from '@actions/github'
import type { Config } from '../config.js'
import type { Result } from '../types.js'
import { safeLog } from '../log.js'
import { joinWithin } from './markdown.js'
import {
  failureSection,
  fleetTable,
  headline,
  leftInAwsSection,
  lead,
  permissionsSection,
  planSection,
  pruneSection,
  runLink,
  tagsSection,
  warningsSection
} from './sections.js'

/** GitHub's limit for an issue comment body, in characters. */
export const COMMENT_LIMIT = 65_536

const PR_EVENTS = new Set(['pull_request', 'pull_request_target'])

/**
 * The hidden marker. The header is URI-encoded so that no header can close the HTML comment
 * (`-->`) or look like another header's marker.
 */
export function marker(header: string): string {
  return `<!-- ami-share-action:${encodeURIComponent(header)} -->`
}

export function buildComment(
  config: Config,
  result: Result,
  env: NodeJS.ProcessEnv = process.env,
  limit = COMMENT_LIMIT
): string {
  const top = marker(config.comment.header)
  const blocks = [
    headline(result, '###'),
    lead(config, result),
    failureSection(result),
    leftInAwsSection(result),
    planSection(result.plan),
    fleetTable(result, true),
    permissionsSection(config, result),
    tagsSection(config),
    pruneSection(result.prune, true, Boolean(result.plan)),
    warningsSection(result.warnings),
    runLink(env)
  ].flat()
  const note = `_This comment was cut to GitHub's limit; the job summary has everything._ ${runLink(env)}`
  return joinWithin([top, ...blocks.map(quiet)], limit, (s) => s.length, note).markdown
}

const ZERO_WIDTH = '&#8203;'

/**
 * A comment notifies whoever it @mentions and links every #123 / GH-123 it holds: untrusted text
 * (a tag value, an AMI name) must do neither. A zero-width space after `@` or `#` breaks both,
 * and shows the same. Code blocks are left alone: GitHub links nothing inside them.
 */
export function quiet(block: string): string {
  if (block.startsWith('```')) return block
  return block
    .replace(/(^|[^\w&])@(?=[A-Za-z0-9])/g, `$1@${ZERO_WIDTH}`)
    .replace(/(&#35;|(?<!&)#)(?=\d)/g, `$1${ZERO_WIDTH}`)
    .replace(/\b(GH)-(?=\d)/gi, `$1${ZERO_WIDTH}-`)
}

type Octokit = ReturnType<typeof github.getOctokit>

export interface GitHubApi {
  context: Pick<typeof github.context, 'eventName' | 'payload' | 'apiUrl'> & {
    repo: { owner: string; repo: string }
  }
  getOctokit(token: string, options?: { baseUrl?: string }): Octokit
}

interface IssueComment {
  id: number
  body?: string | null
  html_url: string
  user?: { login: string; type?: string } | null
}

/**
 * Creates or updates this action's comment on the pull request. Returns its web URL, or
 * undefined when no comment was written (not enabled, not a PR event, or an API failure, which
 * is reported as a warning).
 */
export async function upsertComment(
  config: Config,
  body: string,
  api?: GitHubApi
): Promise<string | undefined> {
  if (!config.comment.enabled) return undefined
  // Loaded only when a comment may be written: octokit is not needed by most runs' start-up.
  api ??= await import('@actions/github')
  const { context } = api
  if (!PR_EVENTS.has(context.eventName)) {
    core.info(
      `comment-on-pr: '${context.eventName}' is not a pull request event; no comment written.`
    )
    return undefined
  }
  const issueNumber = context.payload.pull_request?.number ?? context.payload.number
  if (typeof issueNumber !== 'number') {
    core.warning('comment-on-pr: the event payload has no pull request number; no comment written.')
    return undefined
  }
  if (!config.comment.token) {
    core.warning('comment-on-pr: github-token is empty; no comment written.')
    return undefined
  }
  try {
    const { owner, repo } = context.repo
    // getOctokit reads GITHUB_API_URL when @actions/github is loaded; pass it again so a value
    // set later (tests, GHES, the emulator) is honoured too.
    const octokit = api.getOctokit(config.comment.token, {
      baseUrl: process.env.GITHUB_API_URL || context.apiUrl
    })
    const comments: IssueComment[] = await octokit.paginate(octokit.rest.issues.listComments, {
      owner,
      repo,
      issue_number: issueNumber,
      per_page: 100
    })
    const ours = await findOwnComment(octokit, comments, marker(config.comment.header))
    const response = ours
      ? await octokit.rest.issues.updateComment({ owner, repo, comment_id: ours.id, body })
      : await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body })
    core.info(safeLog(`comment-on-pr: ${ours ? 'updated' : 'created'} ${response.data.html_url}`))
    return response.data.html_url
  } catch (error) {
    core.warning(commentFailure(error))
    return undefined
  }
}

/**
 * The comment with our marker written by the token's user. GET /user names that user for a
 * personal token; an installation token (the default GITHUB_TOKEN, `github-actions[bot]`) gets
 * 403 there, and then the author must be a bot: a person cannot hijack the comment by pasting
 * the marker.
 */
async function findOwnComment(
  octokit: Octokit,
  comments: IssueComment[],
  mark: string
): Promise<IssueComment | undefined> {
  const marked = comments.filter((c) => c.body?.includes(mark))
  if (marked.length === 0) return undefined
  let login: string | undefined
  try {
    login = (await octokit.rest.users.getAuthenticated()).data.login
  } catch {
    login = undefined
  }
  return marked.find((c) =>
    login
      ? c.user?.login === login
      : c.user?.type === 'Bot' || c.user?.login === 'github-actions[bot]'
  )
}

function commentFailure(error: unknown): string {
  const status = (error as { status?: unknown })?.status
  const message = error instanceof Error ? error.message : String(error)
  if (status === 403 || status === 401) {
    return (
      `comment-on-pr: GitHub refused the PR comment (HTTP ${status}: ${message}). Give the job ` +
      '`permissions: pull-requests: write`; on pull requests from forks the token is read-only, ' +
      'so no comment can be written there. The build itself is not affected.'
    )
  }
  return (
    `comment-on-pr: could not write the PR comment (${typeof status === 'number' ? `HTTP ${status}: ` : ''}` +
    `${message}). The build itself is not affected.`
  )
}
