// Serialize a service's result or error in the service's wire protocol.
// Follows: Smithy protocol pages "EC2 query protocol", "AWS query protocol", "AWS JSON 1.1 protocol", "AWS restJson1 protocol".
import type { ServiceModule } from '../types.js'
import { ec2Error, ec2Response, queryError, queryResponse } from './query.js'
import { jsonError, jsonResponse, restJsonError, restJsonResponse } from './json.js'
import type { WireResponse } from './wire.js'

export type { WireResponse } from './wire.js'
export { parseQueryParams } from './query.js'
export { actionFromTarget, parseJsonBody } from './json.js'
export { escapeXml } from './xml.js'

export type Protocol = ServiceModule['protocol']

export function serializeResult(
  protocol: Protocol,
  action: string,
  payload: unknown,
  requestId: string,
  options: { xmlns?: string; status?: number } = {}
): WireResponse {
  if (protocol === 'ec2-query') return ec2Response(action, payload, requestId)
  if (protocol === 'query') return queryResponse(action, payload, requestId, options.xmlns)
  if (protocol === 'rest-json') return restJsonResponse(payload, requestId, options.status ?? 200)
  return jsonResponse(payload, requestId)
}

export function serializeError(
  protocol: Protocol,
  code: string,
  message: string,
  status: number,
  requestId: string
): WireResponse {
  if (protocol === 'ec2-query') return ec2Error(code, message, status, requestId)
  if (protocol === 'query') return queryError(code, message, status, requestId)
  if (protocol === 'rest-json') return restJsonError(code, message, status, requestId)
  return jsonError(code, message, status, requestId)
}
