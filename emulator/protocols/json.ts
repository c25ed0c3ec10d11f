// AWS JSON 1.1 protocol (SSM, KMS): X-Amz-Target names the action, JSON in and out.
// Follows: Smithy "AWS JSON 1.1 protocol" (X-Amz-Target, application/x-amz-json-1.1) and "AWS restJson1 protocol".
import type { WireResponse } from './wire.js'

const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1'

/** `AmazonSSM.StartAutomationExecution` → `StartAutomationExecution`. */
export function actionFromTarget(target: string | undefined): string | undefined {
  if (!target) return undefined
  const dot = target.lastIndexOf('.')
  return dot >= 0 ? target.slice(dot + 1) : undefined
}

export function parseJsonBody(body: string): Record<string, unknown> {
  if (body.trim() === '') return {}
  const parsed: unknown = JSON.parse(body)
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SyntaxError('The request body is not a JSON object')
  }
  return parsed as Record<string, unknown>
}

/** Dates travel as epoch seconds in JSON 1.1. */
function replacer(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key]
  return raw instanceof Date ? raw.getTime() / 1000 : value
}

export function jsonResponse(payload: unknown, requestId: string): WireResponse {
  return {
    status: 200,
    headers: { 'content-type': JSON_CONTENT_TYPE, 'x-amzn-requestid': requestId },
    body: JSON.stringify(payload ?? {}, replacer)
  }
}

export function jsonError(
  code: string,
  message: string,
  status: number,
  requestId: string
): WireResponse {
  return {
    status,
    headers: {
      'content-type': JSON_CONTENT_TYPE,
      'x-amzn-requestid': requestId,
      'x-amzn-errortype': code
    },
    body: JSON.stringify({ __type: code, message })
  }
}

/** REST-JSON (Recycle Bin): plain JSON with the operation's HTTP status; dates as epoch seconds. */
export function restJsonResponse(
  payload: unknown,
  requestId: string,
  status: number
): WireResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId },
    body: status === 204 ? '' : JSON.stringify(payload ?? {}, replacer)
  }
}

/** REST-JSON errors carry the code in x-amzn-errortype and `Message` in the body. */
export function restJsonError(
  code: string,
  message: string,
  status: number,
  requestId: string
): WireResponse {
  return {
    status,
    headers: {
      'content-type': 'application/json',
      'x-amzn-requestid': requestId,
      'x-amzn-errortype': code
    },
    body: JSON.stringify({ Message: message, message })
  }
}
