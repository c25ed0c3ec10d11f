// Untrusted text (tag values, AMI names, runbook output, AWS error messages) must never become a
// workflow command: the runner executes any log line that starts with `::` (after blanks) and
// the legacy `##[` form anywhere in a line. Such text is logged inside a stop-commands block whose
// token is random, so it shows verbatim and the runner ignores every command in it.
import { randomUUID } from 'node:crypto'

const COMMAND_LIKE = /(^|[\r\n])[^\S\r\n]*::|##\[/

/** Whether the runner could read a workflow command in this text. */
export function looksLikeCommand(message: string): boolean {
  return COMMAND_LIKE.test(message)
}

/**
 * The text to pass to `core.info`: unchanged when it holds nothing command-like, else wrapped in
 * `::stop-commands::<token>` … `::<token>::` (the token is fresh, so the text cannot end the block).
 */
export function safeLog(message: string, token: () => string = randomUUID): string {
  if (!looksLikeCommand(message)) return message
  const t = `ami-share-action-${token()}`
  return `::stop-commands::${t}\n${message}\n::${t}::`
}
