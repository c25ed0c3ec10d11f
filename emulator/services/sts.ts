// STS: GetCallerIdentity and AssumeRole. AssumeRole hands out keys of the role's account and
// remembers them, so the framework maps those keys to that account and that role.
import { randomBytes } from 'node:crypto'
import { AwsError, type Caller, type ServiceModule, type Sim } from '../types.js'
import { accessDeniedError } from '../protocols/errors.js'

export interface IssuedKey {
  accountId: string
  /** arn:aws:sts::<account>:assumed-role/<role>/<session> */
  arn: string
  userId: string
  /** Real epoch ms after which the key is expired (the SDK refreshes on the real clock). */
  expiresAt: number
}

interface StsState {
  keys: Record<string, IssuedKey>
}

function stsState(sim: Sim): StsState {
  return (sim.state.sts ??= { keys: {} }) as StsState
}

export function lookupIssuedKey(sim: Sim, accessKeyId: string): IssuedKey | undefined {
  return stsState(sim).keys[accessKeyId]
}

/** Who the caller is: the assumed role for issued keys, otherwise a user of the key's account. */
export function principalOf(sim: Sim, caller: Caller): { arn: string; userId: string } {
  const issued = lookupIssuedKey(sim, caller.accessKeyId)
  if (issued) return { arn: issued.arn, userId: issued.userId }
  if (caller.accessKeyId.startsWith('ASIA')) {
    return {
      arn: `arn:aws:sts::${caller.accountId}:assumed-role/emulator-role/emulator-session`,
      userId: `AROA${caller.accountId}EMULATOR:emulator-session`
    }
  }
  return {
    arn: `arn:aws:iam::${caller.accountId}:user/emulator`,
    userId: `AIDA${caller.accountId}EMULATOR`
  }
}

const ROLE_ARN = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]+)$/

function randomToken(length: number): string {
  return randomBytes(length)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, length)
}

function assumeRole(req: { caller: Caller; params: Record<string, unknown> }, sim: Sim): unknown {
  const roleArn = String(req.params.RoleArn ?? '')
  const sessionName = String(req.params.RoleSessionName ?? '')
  const match = ROLE_ARN.exec(roleArn)
  if (!match) {
    throw new AwsError('ValidationError', `${roleArn || 'RoleArn'} is invalid`, 400)
  }
  if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
    throw new AwsError(
      'ValidationError',
      "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
      400
    )
  }
  const duration =
    req.params.DurationSeconds === undefined ? 3600 : Number(req.params.DurationSeconds)
  if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
    throw new AwsError(
      'ValidationError',
      `1 validation error detected: Value '${req.params.DurationSeconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`,
      400
    )
  }
  const denied = (sim.settings.assumeRoleDenied as string[] | undefined) ?? []
  if (denied.includes(roleArn)) {
    throw accessDeniedError('sts', principalOf(sim, req.caller).arn, 'AssumeRole', roleArn)
  }
  const [, accountId, roleName] = match
  const accessKeyId = `ASIA${accountId}${randomToken(8).toUpperCase()}`
  const roleId = `AROA${accountId}${randomToken(5).toUpperCase()}`
  const arn = `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`
  const expiresAt = Date.now() + duration * 1000
  stsState(sim).keys[accessKeyId] = {
    accountId,
    arn,
    userId: `${roleId}:${sessionName}`,
    expiresAt
  }
  return {
    Credentials: {
      AccessKeyId: accessKeyId,
      SecretAccessKey: randomToken(40),
      SessionToken: `FwoGZXIvYXdzE${randomToken(60)}`,
      Expiration: new Date(expiresAt)
    },
    AssumedRoleUser: { AssumedRoleId: `${roleId}:${sessionName}`, Arn: arn }
  }
}

export const sts: ServiceModule = {
  name: 'sts',
  protocol: 'query',
  isMutating: () => false,
  handle(req, sim) {
    switch (req.action) {
      case 'GetCallerIdentity': {
        const { arn, userId } = principalOf(sim, req.caller)
        return { UserId: userId, Account: req.caller.accountId, Arn: arn }
      }
      case 'AssumeRole':
        return assumeRole(req, sim)
      default:
        throw new AwsError(
          'InvalidAction',
          `Could not find operation ${req.action} for version 2011-06-15`,
          400
        )
    }
  },
  snapshot: (sim) => ({ issuedKeys: stsState(sim).keys })
}
