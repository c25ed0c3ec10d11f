// Serialize a service's result or error in the service's wire protocol.
import type { ServiceModule } from '../types.js'
import { ec2Error, ec2Response, queryError, queryResponse } from './query.js'
import { jsonError, jsonResponse } from './json.js'
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
  requestId: string
): WireResponse {
  if (protocol === 'ec2-query') return ec2Response(action, payload, requestId)
  if (protocol === 'query') return queryResponse(action, payload, requestId)
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
  return jsonError(code, message, status, requestId)
}
