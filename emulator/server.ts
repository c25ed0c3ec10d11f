// The emulator's HTTP server: /_sim/* admin API, /github/* GitHub REST subset, everything else
// AWS (service and region from the SigV4 scope, account from the access key).
// Follows: IAM User Guide "Elements of an AWS API request signature" (SigV4 credential scope names the region and service).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { AwsError, type AwsRequest, type Caller, type ServiceModule } from './types.js'
import { handleAdmin, type SimControl } from './admin.js'
import { accountFromAccessKey, parseSigV4 } from './sigv4.js'
import {
  actionFromTarget,
  parseJsonBody,
  parseQueryParams,
  serializeError,
  serializeResult,
  type Protocol,
  type WireResponse
} from './protocols/index.js'
import {
  accessDeniedError,
  expiredTokenError,
  internalError,
  missingAuthenticationError,
  throttlingError,
  unknownAccessKeyError
} from './protocols/errors.js'
import { isAllowed, deniedResource, missingCompanion } from './iam.js'
import { bucketKey, bucketSizeFor } from './throttle.js'
import type { FaultRule } from './faults.js'
import { handleGithub, githubAction } from './github.js'
import { lookupIssuedKey, principalOf } from './services/sts.js'

/** Thrown inside the pipeline to drop the connection without a response. */
class ConnectionReset extends Error {}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function send(res: ServerResponse, wire: WireResponse): void {
  res.writeHead(wire.status, { ...wire.headers, 'content-length': Buffer.byteLength(wire.body) })
  res.end(wire.body)
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
): void {
  const text = body === undefined ? '' : JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    ...headers,
    'content-length': Buffer.byteLength(text)
  })
  res.end(text)
}

/** Apply latency rules, then turn the terminal rule (if any) into its effect. */
async function applyFaults(
  hits: FaultRule[],
  service: string,
  internal: () => AwsError
): Promise<void> {
  for (const rule of hits) {
    if (rule.kind === 'latency') await sleep(rule.delayMs ?? 1000)
  }
  const terminal = hits.find((rule) => rule.kind !== 'latency')
  if (!terminal) return
  if (terminal.kind === 'reset') throw new ConnectionReset()
  if (terminal.kind === 'throttle') throw throttlingError(service)
  if (terminal.kind === 'expired-token') throw expiredTokenError(service)
  const fallback = internal()
  throw new AwsError(
    terminal.code ?? fallback.code,
    terminal.message ?? fallback.message,
    terminal.status ?? fallback.status
  )
}

function resolveCaller(
  control: SimControl,
  accessKeyId: string,
  region: string,
  service: string
): Caller {
  const issued = lookupIssuedKey(control.sim, accessKeyId)
  const accountId = issued?.accountId ?? accountFromAccessKey(accessKeyId)
  if (!accountId) throw unknownAccessKeyError(service)
  if (issued && issued.expiresAt < Date.now()) throw expiredTokenError(service)
  return { accessKeyId, accountId, region, service }
}

async function handleAws(
  control: SimControl,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL
): Promise<void> {
  const requestId = randomUUID()
  const at = Date.now()
  const simAt = control.clock.now()
  const body = await readBody(req)
  const credential = parseSigV4(req.headers, url.searchParams)
  const target = req.headers['x-amz-target'] as string | undefined
  const module: ServiceModule | undefined = credential
    ? control.services[credential.service]
    : undefined
  const protocol: Protocol = module?.protocol ?? (target ? 'json' : 'ec2-query')
  let action = actionFromTarget(target) ?? ''
  let params: Record<string, unknown> = {}
  let caller: Caller = {
    accessKeyId: credential?.accessKeyId ?? '',
    accountId: '',
    region: credential?.region ?? '',
    service: credential?.service ?? ''
  }
  let mutating = false
  let wire: WireResponse | undefined
  /** The call-log entry of this request, with what was known of it when it ended. */
  const record = (status: number, errorCode?: string) =>
    control.record({
      at,
      simAt,
      service: caller.service,
      action,
      accountId: caller.accountId,
      region: caller.region,
      status,
      ...(errorCode === undefined ? {} : { errorCode }),
      mutating,
      params
    })
  try {
    if (protocol === 'json' || protocol === 'rest-json') {
      try {
        params = parseJsonBody(body)
      } catch {
        throw new AwsError(
          'SerializationException',
          'Start of structure or map found where not expected.',
          400
        )
      }
    } else {
      const { Action, Version: _version, ...rest } = parseQueryParams(body, url.searchParams)
      action = Action ?? ''
      params = rest
    }
    if (!credential) throw missingAuthenticationError(target ? undefined : 'ec2')
    if (!module) {
      throw new AwsError(
        'UnknownService',
        `The emulator does not implement the "${credential.service}" service`,
        400
      )
    }
    if (module.protocol === 'rest-json') {
      // REST-JSON: the operation is the method and path; path parameters join the body's.
      const route = module.route?.(req.method ?? 'GET', url.pathname)
      if (!route)
        throw new AwsError('UnknownOperationException', `No operation at ${url.pathname}`, 404)
      action = route.action
      params = { ...Object.fromEntries(url.searchParams), ...params, ...route.params }
    }
    if (!action)
      throw new AwsError('MissingAction', 'The request must contain the parameter Action', 400)
    caller = resolveCaller(control, credential.accessKeyId, credential.region, credential.service)
    mutating = module.isMutating(action)
    const service = module.name

    await applyFaults(
      control.faults.match(
        { service, action, accountId: caller.accountId, region: caller.region },
        simAt
      ),
      service,
      () => internalError(service)
    )
    const iamExempt = service === 'sts' && action === 'GetCallerIdentity'
    if (!iamExempt && !isAllowed(control.settings.iam, caller.accountId, service, action)) {
      const principal = principalOf(control.sim, caller).arn
      throw accessDeniedError(
        service,
        principal,
        action,
        deniedResource(service, caller.region, caller.accountId)
      )
    }
    // Tag on create: AWS also authorises ec2:CreateTags when a create call carries TagSpecification.
    const tagsOnCreate =
      service === 'ec2' &&
      action !== 'CreateTags' &&
      Object.keys(params).some((key) => key.startsWith('TagSpecification'))
    if (tagsOnCreate && !isAllowed(control.settings.iam, caller.accountId, 'ec2', 'CreateTags')) {
      throw accessDeniedError(
        service,
        principalOf(control.sim, caller).arn,
        'CreateTags',
        deniedResource(service, caller.region, caller.accountId)
      )
    }
    // Calls AWS authorises against further permissions of the caller (emulator/iam.ts).
    const companion = missingCompanion(
      control.settings.iam,
      caller.accountId,
      service,
      action,
      params
    )
    if (companion) {
      const [companionService, companionAction] = companion.split(':')
      const denied = accessDeniedError(
        companionService,
        principalOf(control.sim, caller).arn,
        companionAction,
        deniedResource(companionService, caller.region, caller.accountId)
      )
      // The caller sees the error of the service it called.
      throw service === 'ec2'
        ? new AwsError(
            'UnauthorizedOperation',
            `You are not authorized to perform this operation. ${denied.message.replace(/^You are not authorized to perform this operation\. /, '')}`,
            403
          )
        : denied
    }
    if (control.settings.throttling !== false) {
      const size = bucketSizeFor(service, action, params, control.settings.throttleBuckets)
      const key = bucketKey(caller.accountId, caller.region, service, action)
      if (!control.throttler.take(key, size, control.clock.now())) throw throttlingError(service)
    }
    const awsRequest: AwsRequest = { caller, action, params }
    const result = await module.handle(awsRequest, control.sim)
    wire = serializeResult(protocol, action, result, requestId, {
      xmlns: module.xmlns,
      status: module.successStatus?.(action)
    })
  } catch (error) {
    if (error instanceof ConnectionReset) {
      record(0, 'ConnectionReset')
      req.socket.destroy()
      return
    }
    let awsError: AwsError
    if (error instanceof AwsError) {
      awsError = error
    } else {
      console.error(`emulator: ${caller.service}:${action} failed:`, error)
      awsError = internalError(caller.service)
    }
    wire = serializeError(protocol, awsError.code, awsError.message, awsError.status, requestId)
    record(awsError.status, awsError.code)
    send(res, wire)
    return
  }
  record(wire.status)
  send(res, wire)
}

const GITHUB_FAULT_BODY: Record<string, { status: number; message: string }> = {
  throttle: { status: 403, message: 'API rate limit exceeded for installation ID 1.' },
  'expired-token': { status: 401, message: 'Bad credentials' }
}

async function handleGithubRequest(
  control: SimControl,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL
): Promise<void> {
  const at = Date.now()
  const simAt = control.clock.now()
  const method = req.method ?? 'GET'
  const path = url.pathname.slice('/github'.length) || '/'
  const text = await readBody(req)
  let body: unknown
  try {
    body = text ? JSON.parse(text) : undefined
  } catch {
    return sendJson(res, 400, { message: 'Problems parsing JSON' })
  }
  const action = githubAction(method, path)
  const mutating = method === 'POST' || method === 'PATCH' || method === 'DELETE'
  const params = {
    method,
    path,
    query: Object.fromEntries(url.searchParams),
    ...(body !== undefined ? { body } : {})
  }
  const log = (status: number, errorCode?: string) =>
    control.record({
      at,
      simAt,
      service: 'github',
      action,
      accountId: '',
      region: '',
      status,
      errorCode,
      mutating,
      params
    })

  const hits = control.faults.match({ service: 'github', action, accountId: '', region: '' }, simAt)
  for (const rule of hits) if (rule.kind === 'latency') await sleep(rule.delayMs ?? 1000)
  const terminal = hits.find((rule) => rule.kind !== 'latency')
  if (terminal?.kind === 'reset') {
    log(0, 'ConnectionReset')
    req.socket.destroy()
    return
  }
  if (terminal) {
    const preset = GITHUB_FAULT_BODY[terminal.kind]
    const status = terminal.status ?? preset?.status ?? 500
    const message = terminal.message ?? preset?.message ?? 'Server Error'
    log(status, terminal.code ?? String(status))
    const headers: Record<string, string> =
      terminal.kind === 'throttle' ? { 'x-ratelimit-remaining': '0', 'retry-after': '1' } : {}
    return sendJson(
      res,
      status,
      { message, documentation_url: 'https://docs.github.com/rest' },
      headers
    )
  }
  const apiBase = `http://${req.headers.host ?? '127.0.0.1'}/github`
  const reply = handleGithub(
    control.sim,
    method,
    path,
    url.searchParams,
    req.headers.authorization,
    body,
    apiBase
  )
  log(reply.status, reply.status >= 400 ? String(reply.status) : undefined)
  sendJson(res, reply.status, reply.body, reply.headers)
}

async function handleAdminRequest(
  control: SimControl,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL
): Promise<void> {
  const text = await readBody(req)
  try {
    const body = text ? JSON.parse(text) : undefined
    const reply = handleAdmin(
      control,
      req.method ?? 'GET',
      url.pathname.slice('/_sim'.length),
      url.searchParams,
      body
    )
    sendJson(res, reply.status, reply.body)
  } catch (error) {
    sendJson(res, 400, { error: error instanceof Error ? error.message : String(error) })
  }
}

export function createEmulatorServer(control: SimControl): Server {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    let handling: Promise<void>
    if (url.pathname === '/_sim' || url.pathname.startsWith('/_sim/'))
      handling = handleAdminRequest(control, req, res, url)
    else if (url.pathname === '/github' || url.pathname.startsWith('/github/'))
      handling = handleGithubRequest(control, req, res, url)
    else handling = handleAws(control, req, res, url)
    handling.catch((error: unknown) => {
      console.error('emulator: request failed:', error)
      if (!res.headersSent) sendJson(res, 500, { message: 'emulator internal error' })
      else res.destroy()
    })
  })
  server.keepAliveTimeout = 5000
  return server
}
