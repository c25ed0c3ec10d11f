// test-account-role: the test launches in the consumer account from the AMI as shared with it.
// That account needs launch permission first (EC2 user guide, "Share an AMI with specific AWS
// accounts"; launching needs no snapshot permission). A grant made only for the test (the account
// is not in share-accounts or copy-accounts) is saved for the post step and withdrawn afterwards.
import {
  DescribeImageAttributeCommand,
  ModifyImageAttributeCommand,
  type EC2Client
} from '@aws-sdk/client-ec2'
import type { RunContext } from '../context.js'
import { forgetGrant, recordGrant, type TestGrant } from './session.js'

export interface ConsumerGrant {
  grant: TestGrant
  /** Not asked for by a sharing input: withdrawn after the test whatever its verdict. */
  onlyForTest: boolean
}

/** Grants `userId` launch permission unless it has it already; returns what to withdraw. */
export async function grantLaunch(
  ctx: RunContext,
  ownerEc2: EC2Client,
  owner: { imageId: string; region: string; accountId: string; planned?: boolean },
  userId: string
): Promise<ConsumerGrant | undefined> {
  if (!owner.planned) {
    const { LaunchPermissions = [] } = await ownerEc2.send(
      new DescribeImageAttributeCommand({ ImageId: owner.imageId, Attribute: 'launchPermission' })
    )
    if (LaunchPermissions.some((p) => p.UserId === userId || p.Group === 'all')) return undefined
  }
  const { share, copy } = ctx.config
  const onlyForTest =
    !share.accounts.includes(userId) && !copy.accounts.some((a) => a.accountId === userId)
  const grant = { region: owner.region, imageId: owner.imageId, userId }
  recordGrant(ctx, grant)
  await ctx.plan.change(
    {
      phase: 'test',
      text: `Grant account ${userId} launch permission on ${owner.imageId} in ${owner.region} for the test${onlyForTest ? ' (withdrawn afterwards)' : ''}`,
      calls: [
        { action: 'ec2:ModifyImageAttribute', accountId: owner.accountId, region: owner.region }
      ],
      planned: undefined
    },
    async () => {
      await ownerEc2.send(launchPermission(owner.imageId, userId, 'Add'))
    }
  )
  return { grant, onlyForTest }
}

/** Withdraws a grant this run made (never throws: a failure is a warning naming what is left). */
export async function withdrawLaunch(
  ctx: RunContext,
  ownerEc2: EC2Client,
  accountId: string,
  grant: TestGrant
): Promise<void> {
  try {
    await ctx.plan.change(
      {
        phase: 'test',
        text: `Withdraw the test's launch permission of account ${grant.userId} on ${grant.imageId} in ${grant.region}`,
        calls: [{ action: 'ec2:ModifyImageAttribute', accountId, region: grant.region }],
        planned: undefined
      },
      async () => {
        await ownerEc2.send(launchPermission(grant.imageId, grant.userId, 'Remove'))
      }
    )
    forgetGrant(ctx, grant)
  } catch (e) {
    ctx.warn(
      `Could not withdraw the test's launch permission of account ${grant.userId} on ${grant.imageId} in ${grant.region} (the post step tries again): ${e instanceof Error ? e.message : String(e)}`
    )
  }
}

export function launchPermission(
  imageId: string,
  userId: string,
  how: 'Add' | 'Remove'
): ModifyImageAttributeCommand {
  return new ModifyImageAttributeCommand({
    ImageId: imageId,
    LaunchPermission: { [how]: [{ UserId: userId }] }
  })
}

/**
 * EC2 user guide, "Troubleshoot instance launch issues" (instance terminates immediately):
 * Client.InvalidKMSKey.InvalidState / Client.InternalError mean the launching account cannot use
 * the KMS key of an encrypted snapshot. Names the key(s) and the grant the consumer needs.
 */
export function kmsLaunchHint(
  code: string | undefined,
  keys: string[],
  launchAccount: string
): string | undefined {
  if (code !== 'Client.InvalidKMSKey.InvalidState' && code !== 'Client.InternalError')
    return undefined
  if (keys.length === 0) return undefined
  return (
    `Account ${launchAccount} cannot use the KMS key ${keys.join(', ')} of the AMI's encrypted snapshots, ` +
    `so consumers there cannot launch it either. Allow arn:aws:iam::${launchAccount}:root kms:CreateGrant, ` +
    `kms:Decrypt, kms:DescribeKey, kms:GenerateDataKeyWithoutPlainText and kms:ReEncrypt* in the key policy ` +
    `(or copy the AMI to that account with copy-accounts and a key it can use).`
  )
}
