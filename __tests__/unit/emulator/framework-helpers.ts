// Shared by the framework tests: a small fake EC2 module (so these tests exercise the framework,
// not the EC2 service) and SDK client factories pointed at the emulator.
import { EC2Client } from '@aws-sdk/client-ec2'
import { STSClient } from '@aws-sdk/client-sts'
import { KMSClient } from '@aws-sdk/client-kms'
import { AwsError, type ServiceModule } from '../../../emulator/types.js'
import { sts } from '../../../emulator/services/sts.js'
import { kms } from '../../../emulator/services/kms.js'

export const ACCOUNT_A = '111122223333'
export const ACCOUNT_B = '444455556666'
export const keyOf = (account: string) => `AKIA${account}EXAMPLE`

export const fakeEc2: ServiceModule = {
  name: 'ec2',
  protocol: 'ec2-query',
  isMutating: (action) => !action.startsWith('Describe'),
  handle(req) {
    switch (req.action) {
      case 'DescribeImages':
        if (req.params['ImageId.1'] === 'ami-missing') {
          throw new AwsError('InvalidAMIID.NotFound', "The image id '[ami-missing]' does not exist")
        }
        return {
          imagesSet: [
            {
              imageId: 'ami-0123456789abcdef0',
              imageOwnerId: req.caller.accountId,
              name: (req.params['Filter.1.Value.1'] as string | undefined) ?? req.caller.region,
              creationDate: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
              isPublic: false,
              blockDeviceMapping: [
                { deviceName: '/dev/xvda', ebs: { snapshotId: 'snap-1', encrypted: true } }
              ],
              tagSet: [
                { key: 'a', value: '1' },
                { key: 'b', value: '2' }
              ]
            }
          ]
        }
      case 'CreateImage':
        return { imageId: 'ami-0fedcba9876543210' }
      case 'CopyImage':
        return { imageId: 'ami-0aaaaaaaaaaaaaaaa' }
      default:
        throw new AwsError(
          'InvalidAction',
          `The action ${req.action} is not valid for this web service.`
        )
    }
  }
}

export const testServices = () => ({ ec2: fakeEc2, sts, kms })

type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
const credsFor = (account: string): Creds => ({ accessKeyId: keyOf(account), secretAccessKey: 'x' })

export function ec2Client(
  url: string,
  account = ACCOUNT_A,
  region = 'us-east-1',
  credentials?: Creds
): EC2Client {
  return new EC2Client({
    region,
    endpoint: url,
    credentials: credentials ?? credsFor(account),
    maxAttempts: 1
  })
}

export function stsClient(
  url: string,
  account = ACCOUNT_A,
  region = 'us-east-1',
  credentials?: Creds
): STSClient {
  return new STSClient({
    region,
    endpoint: url,
    credentials: credentials ?? credsFor(account),
    maxAttempts: 1
  })
}

export function kmsClient(url: string, account = ACCOUNT_A, region = 'us-east-1'): KMSClient {
  return new KMSClient({ region, endpoint: url, credentials: credsFor(account), maxAttempts: 1 })
}

/** The rejection of a promise (fails the test if it resolves). */
export async function rejectionOf(
  promise: Promise<unknown>
): Promise<Error & Record<string, unknown>> {
  try {
    await promise
  } catch (error) {
    return error as Error & Record<string, unknown>
  }
  throw new Error('expected the call to fail, but it succeeded')
}
