// AWS Query protocol (STS) and its EC2 variant: form-encoded requests, XML responses.
// Follows: Smithy "EC2 query protocol" and "AWS query protocol" (form-encoded Action/Version, XML responses).
import { toXml, escapeXml } from './xml.js'
import type { WireResponse } from './wire.js'

export const EC2_XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/'
export const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/'

const XML_HEADERS = { 'content-type': 'text/xml;charset=UTF-8' }
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

/** The flat form parameters of a Query request (body and URL query string merged). */
export function parseQueryParams(body: string, urlQuery?: URLSearchParams): Record<string, string> {
  const params: Record<string, string> = {}
  urlQuery?.forEach((value, key) => {
    if (!key.startsWith('X-Amz-')) params[key] = value
  })
  new URLSearchParams(body).forEach((value, key) => {
    params[key] = value
  })
  return params
}

export function ec2Response(action: string, payload: unknown, requestId: string): WireResponse {
  const inner = toXml((payload ?? {}) as Record<string, unknown>, 'item')
  const body =
    `${DECLARATION}<${action}Response xmlns="${EC2_XMLNS}">` +
    `<requestId>${requestId}</requestId>${inner}</${action}Response>`
  return { status: 200, headers: { ...XML_HEADERS, 'x-amzn-requestid': requestId }, body }
}

export function ec2Error(
  code: string,
  message: string,
  status: number,
  requestId: string
): WireResponse {
  const body =
    `${DECLARATION}<Response><Errors><Error><Code>${escapeXml(code)}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error></Errors>` +
    `<RequestID>${requestId}</RequestID></Response>`
  return { status, headers: { ...XML_HEADERS, 'x-amzn-requestid': requestId }, body }
}

export function queryResponse(
  action: string,
  payload: unknown,
  requestId: string,
  xmlns = STS_XMLNS
): WireResponse {
  const inner = toXml((payload ?? {}) as Record<string, unknown>, 'member')
  const body =
    `<${action}Response xmlns="${xmlns}"><${action}Result>${inner}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  return { status: 200, headers: { ...XML_HEADERS, 'x-amzn-requestid': requestId }, body }
}

export function queryError(
  code: string,
  message: string,
  status: number,
  requestId: string
): WireResponse {
  const type = status >= 500 ? 'Receiver' : 'Sender'
  const body =
    `<ErrorResponse xmlns="${STS_XMLNS}"><Error><Type>${type}</Type>` +
    `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  return { status, headers: { ...XML_HEADERS, 'x-amzn-requestid': requestId }, body }
}
