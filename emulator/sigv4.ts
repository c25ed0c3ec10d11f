// Who is calling, from the SigV4 Authorization header (or presigned query parameters).
// Signatures are not verified: the emulator only needs the access key (→ account) and the
// credential scope (→ region and service).
import type { IncomingHttpHeaders } from 'node:http'

export interface SigV4Credential {
  accessKeyId: string
  date: string
  region: string
  service: string
}

const CREDENTIAL = /Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request/

/** Parse the credential out of the Authorization header or X-Amz-Credential; undefined if absent. */
export function parseSigV4(
  headers: IncomingHttpHeaders,
  query?: URLSearchParams
): SigV4Credential | undefined {
  const auth = headers.authorization
  let match =
    typeof auth === 'string' && auth.startsWith('AWS4-HMAC-SHA256') ? CREDENTIAL.exec(auth) : null
  const presigned = query?.get('X-Amz-Credential')
  if (!match && presigned) match = CREDENTIAL.exec(`Credential=${presigned}`)
  if (!match) return undefined
  return { accessKeyId: match[1], date: match[2], region: match[3], service: match[4] }
}

/**
 * The account an access key belongs to by the emulator's convention: AKIA or ASIA, then the
 * 12-digit account, then anything (AKIA111122223333EXAMPLE → 111122223333).
 */
export function accountFromAccessKey(accessKeyId: string): string | undefined {
  return /^A[KS]IA(\d{12})/.exec(accessKeyId)?.[1]
}
