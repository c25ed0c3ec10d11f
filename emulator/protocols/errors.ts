// The framework's own errors (throttling, expired or unknown credentials, access denied) in
// each service's real code and status, so the SDK classifies them as AWS would.
// Follows: EC2 API Reference "Error codes for the Amazon EC2 API" (XML Response/Errors) and the Smithy "AWS JSON 1.1 protocol" error body (__type).
import { AwsError } from '../types.js'

/** Query-protocol services other than EC2 answer errors as STS does (Auto Scaling: same codes). */
const isQuery = (service: string) => service === 'sts' || service === 'autoscaling'

export function throttlingError(service: string): AwsError {
  if (service === 'ec2') return new AwsError('RequestLimitExceeded', 'Request limit exceeded.', 503)
  if (isQuery(service)) return new AwsError('Throttling', 'Rate exceeded', 400)
  return new AwsError('ThrottlingException', 'Rate exceeded', 400)
}

const EXPIRED = 'The security token included in the request is expired'

export function expiredTokenError(service: string): AwsError {
  if (service === 'ec2') return new AwsError('ExpiredToken', EXPIRED, 400)
  if (isQuery(service)) return new AwsError('ExpiredToken', EXPIRED, 403)
  return new AwsError('ExpiredTokenException', EXPIRED, 400)
}

export function unknownAccessKeyError(service: string): AwsError {
  if (service === 'ec2') {
    return new AwsError(
      'AuthFailure',
      'AWS was not able to validate the provided access credentials',
      401
    )
  }
  const message = 'The security token included in the request is invalid.'
  if (isQuery(service)) return new AwsError('InvalidClientTokenId', message, 403)
  return new AwsError('UnrecognizedClientException', message, 400)
}

export function missingAuthenticationError(service: string | undefined): AwsError {
  const message = 'Missing Authentication Token'
  if (service === 'ssm' || service === 'kms') {
    return new AwsError('MissingAuthenticationTokenException', message, 403)
  }
  return new AwsError('MissingAuthenticationToken', message, 403)
}

/** IAM denial: EC2 403 UnauthorizedOperation, SSM/KMS 400 AccessDeniedException, STS 403 AccessDenied. */
export function accessDeniedError(
  service: string,
  principalArn: string,
  action: string,
  resource: string
): AwsError {
  const because = `User: ${principalArn} is not authorized to perform: ${service}:${action} on resource: ${resource} because no identity-based policy allows the ${service}:${action} action`
  if (service === 'ec2') {
    return new AwsError(
      'UnauthorizedOperation',
      `You are not authorized to perform this operation. ${because}`,
      403
    )
  }
  if (isQuery(service)) return new AwsError('AccessDenied', because, 403)
  // REST-JSON services (Recycle Bin) deny with 403.
  if (service === 'rbin') return new AwsError('AccessDeniedException', because, 403)
  return new AwsError('AccessDeniedException', because, 400)
}

export function internalError(service: string): AwsError {
  if (service === 'ec2') {
    return new AwsError('InternalError', 'An internal error has occurred', 500)
  }
  if (isQuery(service)) return new AwsError('InternalFailure', 'An internal error occurred', 500)
  if (service === 'rbin')
    return new AwsError('InternalServerException', 'An internal error occurred', 500)
  return new AwsError('InternalServerError', 'An internal error occurred', 500)
}
