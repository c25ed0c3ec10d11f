import { describe, it, expect, beforeEach } from '@jest/globals'
import { mockClient } from 'aws-sdk-client-mock'
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2'
import { createClients } from '../../src/aws/clients.js'

const sts = mockClient(STSClient)
const account = { roleArn: 'arn:aws:iam::444455556666:role/copier', accountId: '444455556666' }
const credentials = (minutes: number) => ({
  Credentials: {
    AccessKeyId: 'ASIA444455556666TEST',
    SecretAccessKey: 'secret',
    SessionToken: 'token',
    Expiration: new Date(Date.now() + minutes * 60_000)
  }
})

beforeEach(() => {
  sts.reset()
})

describe('createClients', () => {
  it('assumes a copy account role once for parallel first requests', async () => {
    sts.on(AssumeRoleCommand).resolves(credentials(60))
    const clients = createClients('us-east-1')
    await Promise.all([clients.checkRole(account), clients.checkRole(account)])
    await clients.checkRole(account)
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1)
    expect(sts.commandCalls(AssumeRoleCommand)[0].args[0].input).toEqual({
      RoleArn: account.roleArn,
      RoleSessionName: 'ami-share-action'
    })
  })

  it('assumes again when the credentials are about to expire, and after a failure', async () => {
    sts.on(AssumeRoleCommand).rejectsOnce(new Error('AccessDenied')).resolves(credentials(2))
    const clients = createClients('us-east-1')
    await expect(clients.checkRole(account)).rejects.toThrow('AccessDenied')
    await clients.checkRole(account)
    await clients.checkRole(account) // 2 minutes left: inside the 5-minute refresh margin
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(3)
  })

  it('asks STS for the build account once and keeps one client per account and region', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '111122223333' })
    const clients = createClients('us-east-1')
    expect(await clients.buildAccountId()).toBe('111122223333')
    expect(await clients.buildAccountId()).toBe('111122223333')
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1)
    expect(clients.ec2('eu-west-1')).toBe(clients.ec2('eu-west-1'))
    expect(clients.ec2('eu-west-1', account)).not.toBe(clients.ec2('eu-west-1'))
    clients.destroy()
  })

  it('signs copy-account requests with the assumed role', async () => {
    sts.on(AssumeRoleCommand).resolves(credentials(60))
    const ec2 = mockClient(EC2Client)
    ec2.on(DescribeImagesCommand).resolves({ Images: [] })
    const clients = createClients('us-east-1')
    const client = clients.ec2('eu-west-1', account)
    const resolved = await client.config.credentials()
    expect(resolved.accessKeyId).toBe('ASIA444455556666TEST')
    ec2.restore()
  })
})
