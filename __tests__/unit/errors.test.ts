import { describe, expect, it } from '@jest/globals'
import {
  describeError,
  errorCode,
  ImageExistsError,
  ImageFailedError,
  isTransient,
  RunbookFailedError,
  WaitTimeoutError
} from '../../src/aws/errors.js'
import { InputError } from '../../src/errors.js'
import { CancelledError } from '../../src/context.js'
import { PartialFailure } from '../../src/types.js'
import { awsError } from './source-context.js'

describe('describeError', () => {
  it.each([['ExpiredToken'], ['ExpiredTokenException'], ['RequestExpired']])(
    '%s -> hint to raise role-duration-seconds',
    (code) => {
      const text = describeError(
        awsError(code, 'The security token included in the request is expired')
      )
      expect(text).toContain(`${code}: The security token included in the request is expired`)
      expect(text).toContain('credentials expired mid-run')
      expect(text).toContain('`role-duration-seconds` in aws-actions/configure-aws-credentials')
    }
  )

  it('UnauthorizedOperation names the missing permission, points at the README and drops the encoded blob', () => {
    const text = describeError(
      awsError(
        'UnauthorizedOperation',
        'You are not authorized to perform this operation. User: arn:aws:sts::111122223333:assumed-role/gha/x is not authorized to perform: ec2:CreateImage on resource: arn:aws:ec2:eu-west-1:111122223333:instance/i-1 because no identity-based policy allows the ec2:CreateImage action. Encoded authorization failure message: AbCdEf0123456789xyz'
      )
    )
    expect(text).toMatch(/^UnauthorizedOperation: You are not authorized/)
    expect(text).toContain('the role lacks permission ec2:CreateImage')
    expect(text).toContain('IAM policy in the README')
    expect(text).not.toContain('AbCdEf0123456789xyz')
    expect(text).toContain('aws sts decode-authorization-message')
  })

  it('AccessDenied without a parsable action still points at the IAM policy', () => {
    const text = describeError(awsError('AccessDenied', 'Access Denied'))
    expect(text).toContain('lacks a permission')
    expect(text).toContain('IAM policy in the README')
  })

  it('a KMS permission error names the permission and adds the key/grant hint', () => {
    const text = describeError(
      awsError(
        'AccessDeniedException',
        'User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: kms:CreateGrant on resource: arn:aws:kms:eu-west-1:1:key/abc'
      )
    )
    expect(text).toContain('the role lacks permission kms:CreateGrant')
    expect(text).toContain('key policy or a grant')
  })

  it('KMS error codes get the key hint', () => {
    expect(describeError(awsError('KMSKeyNotAccessibleFault', 'key not accessible'))).toContain(
      'check that the KMS key exists and is enabled'
    )
  })

  it('block public access gets the disable command', () => {
    const text = describeError(
      awsError('OperationNotPermitted', 'Image block public access is enabled for this Region')
    )
    expect(text).toContain('aws ec2 disable-image-block-public-access')
  })

  it('a block public access message that already names the fix gets no second hint', () => {
    const text = describeError(
      new Error(
        'share-public: block public access for AMIs is on in us-east-1. Turn it off with `aws ec2 disable-image-block-public-access --region us-east-1`.'
      )
    )
    expect(text.match(/disable-image-block-public-access/g)).toHaveLength(1)
    expect(text).not.toContain('Hint:')
  })

  it('a StateReason message that repeats its code is not doubled', () => {
    const failed = new ImageFailedError(
      'ami-1',
      'failed',
      'Server.InternalError',
      'Server.InternalError: Internal error on snapshot creation'
    )
    expect(describeError(failed)).toBe(
      'ami-1 is in state failed (StateReason Server.InternalError: Internal error on snapshot creation)'
    )
  })

  it.each([['RequestLimitExceeded'], ['ThrottlingException']])('%s says throttled', (code) => {
    expect(describeError(awsError(code, 'Request limit exceeded.', 503))).toContain(
      'AWS throttled this request even after retries'
    )
  })

  it('other hints: automation quota, unknown document, missing credentials', () => {
    expect(describeError(awsError('AutomationExecutionLimitExceededException', 'limit'))).toContain(
      'concurrent Automation quota'
    )
    expect(describeError(awsError('InvalidDocument', 'not found'))).toContain(
      'must be given by ARN'
    )
    expect(
      describeError(awsError('InvalidInstanceID.NotFound', "The instance ID 'i-0f' does not exist"))
    ).toContain('check `instance-id`')
    const noCreds = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError'
    })
    expect(describeError(noCreds)).toContain('run aws-actions/configure-aws-credentials before')
  })

  it('CancelledError reads "cancelled"', () => {
    expect(describeError(new CancelledError())).toMatch(/^Cancelled: The job was cancelled/)
  })

  it('InputError is its message, unchanged', () => {
    expect(describeError(new InputError('ami-id', 'ami-id: "x" is not an AMI ID'))).toBe(
      'ami-id: "x" is not an AMI ID'
    )
    expect(describeError(new ImageExistsError('ami-1', 'ami-name: taken'))).toBe('ami-name: taken')
  })

  it('our own errors keep their message and get message-based hints, never a stack', () => {
    const failed = new ImageFailedError(
      'ami-1',
      'failed',
      'Client.InternalError',
      'Client error on launch: KMS key is disabled',
      'ami-1 in eu-west-1'
    )
    const text = describeError(failed)
    expect(text).toContain(
      'ami-1 in eu-west-1 is in state failed (StateReason Client.InternalError: Client error on launch: KMS key is disabled)'
    )
    expect(text).toContain('check that the KMS key exists')
    expect(text).not.toMatch(/\n\s+at /)
    expect(describeError(new WaitTimeoutError('too slow', 'pending'))).toBe('too slow')
    const execution = { id: 'e', document: 'd', status: 'Failed', steps: [] }
    expect(describeError(new RunbookFailedError('runbook failed', execution))).toBe(
      'runbook failed'
    )
    // The class name is no AWS code: the headline starts with what happened.
    expect(describeError(new PartialFailure('Distribution incomplete: 1 of 3 AMIs failed'))).toBe(
      'Distribution incomplete: 1 of 3 AMIs failed'
    )
  })

  it('plain errors and non-errors', () => {
    expect(describeError(new Error('boom'))).toBe('boom')
    expect(describeError('text')).toBe('text')
    expect(describeError({ message: 'an object', name: 'ThrottlingException' })).toContain(
      'ThrottlingException: an object'
    )
    expect(describeError(42)).toBe('42')
  })
})

describe('errorCode / isTransient', () => {
  it('reads the code and classifies retryable errors', () => {
    expect(errorCode(awsError('InvalidAMIID.NotFound'))).toBe('InvalidAMIID.NotFound')
    expect(errorCode(new Error('x'))).toBeUndefined()
    expect(errorCode(null)).toBeUndefined()
    expect(isTransient(awsError('RequestLimitExceeded', 'x', 503))).toBe(true)
    expect(isTransient(awsError('InternalError', 'x', 500))).toBe(true)
    expect(isTransient(awsError('UnauthorizedOperation', 'x', 403))).toBe(false)
    expect(isTransient(undefined)).toBe(false)
  })
})

describe('describeError: quotas', () => {
  it('hints at Service Quotas on ResourceLimitExceeded', () => {
    const text = describeError(
      Object.assign(new Error('You have reached your quota of 5 public images for this Region.'), {
        name: 'ResourceLimitExceeded'
      })
    )
    expect(text).toMatch(/^ResourceLimitExceeded: You have reached your quota of 5 public images/)
    expect(text).toMatch(/Hint: an AWS quota was reached .*Service Quotas/)
  })
})
