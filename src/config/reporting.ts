// The "Reporting" section of the inputs: comment-on-pr, comment-header and github-token.
// A section reader: every problem goes to `inputs.problems`.
import * as core from '@actions/core'
import type { Inputs } from './problems.js'
import { quote } from './values.js'

export interface CommentConfig {
  enabled: boolean
  /** Distinguishes several images in one PR: `comment-header`, else family, else ami-name. */
  header: string
  token?: string
}

/**
 * `family` and `amiName` name the comment when comment-header is empty; `amiName` is the raw
 * input: with {{timestamp}} resolved, every run would start a new PR comment.
 */
export function readComment(
  inputs: Inputs,
  family: string | undefined,
  amiName: string | undefined
): CommentConfig {
  const { input, problems } = inputs
  const enabled = inputs.bool('comment-on-pr', false)
  const rawHeader = input('comment-header')
  if (rawHeader && (rawHeader.length > 128 || /[\r\n]|-->/.test(rawHeader))) {
    problems.fail(
      'comment-header',
      `${quote(rawHeader)} must be one line of at most 128 characters without "-->". Shorten it.`
    )
  }
  const header = rawHeader || family || amiName || 'ami-share-action'
  // Never quoted in any message: it is a credential.
  const token = input('github-token')
  // The runner masks secrets already; masking a short non-token would blank it from all logs.
  if (token.length >= 8) core.setSecret(token)
  if (enabled && !token) {
    problems.fail(
      'github-token',
      'is empty but comment-on-pr is true. Pass a token with pull-requests: write (the default is ${{ github.token }}).'
    )
  }
  return { enabled, header, ...(token && { token }) }
}
