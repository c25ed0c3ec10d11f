// One launch template in one region: a new version from the default version with the region's
// AMI (CreateLaunchTemplateVersion with SourceVersion), made the default if asked
// (ModifyLaunchTemplate); nothing when the default or the latest version already has the AMI.
import { createHash } from 'node:crypto'
import {
  CreateLaunchTemplateVersionCommand,
  ModifyLaunchTemplateCommand,
  type EC2Client
} from '@aws-sdk/client-ec2'
import { describeError } from '../aws/errors.js'
import type { RunContext } from '../context.js'
import type { PlannedCall, TemplateRollout } from '../types.js'
import { attempt } from './ssm-parameter.js'
import { launchableVersions, type FoundTemplate } from './find-template.js'
import type { PromoteTarget } from './targets.js'

/** API reference, CreateLaunchTemplateVersion: VersionDescription is at most 255 characters. */
const MAX_DESCRIPTION = 255

/**
 * Same run, template and AMI: the same token, so a request retried after a lost answer does not
 * create a second version (API reference: ClientToken, at most 128 ASCII characters).
 */
export function versionToken(runId: string, templateId: string, imageId: string): string {
  return createHash('sha256').update(`${runId}/${templateId}/${imageId}`).digest('hex')
}

export async function rollOutTemplate(
  ctx: RunContext,
  ec2: EC2Client,
  target: PromoteTarget,
  template: FoundTemplate,
  ref: string,
  amiName: string
): Promise<TemplateRollout> {
  const setDefault = ctx.config.rollout?.setDefault ?? true
  const where = `launch template ${template.name} (${template.id}) in ${target.region}`
  const row = {
    region: target.region,
    template: ref,
    templateId: template.id,
    templateName: template.name,
    ...(target.imageId && { imageId: target.imageId })
  }
  const call = (action: string): PlannedCall => ({
    action,
    accountId: target.accountId,
    region: target.region
  })
  const makeDefault = (version: number): Promise<unknown> =>
    attempt(`make version ${version} the default of ${where}`, 'ec2:ModifyLaunchTemplate', () =>
      ec2.send(
        new ModifyLaunchTemplateCommand({
          LaunchTemplateId: template.id,
          DefaultVersion: String(version)
        })
      )
    )

  const versions = await launchableVersions(ec2, template)
  const defaultNumber = versions.default?.VersionNumber ?? template.defaultVersion
  if (target.imageId) {
    if (versions.default?.LaunchTemplateData?.ImageId === target.imageId) {
      ctx.log.info(`${where}: default version ${defaultNumber} already has ${target.imageId}`)
      return { ...row, outcome: 'already', version: defaultNumber, isDefault: true }
    }
    const latest = versions.latest
    if (latest?.VersionNumber && latest.LaunchTemplateData?.ImageId === target.imageId) {
      const n = latest.VersionNumber
      ctx.log.info(`${where}: latest version ${n} already has ${target.imageId}`)
      if (!setDefault) return { ...row, outcome: 'already', version: n, isDefault: false }
      // A run that stopped between creating the version and making it the default: finish it.
      await ctx.plan.change(
        {
          phase: 'promote',
          text: `Make version ${n} (already ${target.imageId}) the default of ${where}`,
          calls: [call('ec2:ModifyLaunchTemplate')],
          planned: undefined
        },
        () => makeDefault(n)
      )
      return { ...row, outcome: 'already', version: n, isDefault: true }
    }
  }

  const expected = (versions.latest?.VersionNumber ?? template.latestVersion) + 1
  const text =
    `Create version ${expected} of ${where} from default version ${defaultNumber} with ${target.label}` +
    (setDefault ? ', and make it the default' : '')
  const request = {
    LaunchTemplateId: template.id,
    SourceVersion: String(defaultNumber),
    VersionDescription: `${amiName} (${target.label}), by ami-share-action`.slice(
      0,
      MAX_DESCRIPTION
    ),
    LaunchTemplateData: { ImageId: target.imageId ?? '' }
  }
  return ctx.plan.change(
    {
      phase: 'promote',
      text,
      calls: [
        call('ec2:CreateLaunchTemplateVersion'),
        ...(setDefault ? [call('ec2:ModifyLaunchTemplate')] : [])
      ],
      planned: { ...row, outcome: 'planned', version: expected, isDefault: setDefault },
      // A planned copy has no ID to probe with; the existing AMI of an adoption has.
      ...(target.imageId && {
        probe: {
          permission: 'ec2:CreateLaunchTemplateVersion',
          where: `${target.region} (account ${target.accountId})`,
          send: () => ec2.send(new CreateLaunchTemplateVersionCommand({ ...request, DryRun: true }))
        }
      })
    },
    async (): Promise<TemplateRollout> => {
      const created = await attempt(
        `create a version of ${where}`,
        'ec2:CreateLaunchTemplateVersion',
        () =>
          ec2.send(
            new CreateLaunchTemplateVersionCommand({
              ...request,
              ClientToken: versionToken(ctx.runId, template.id, target.imageId!)
            })
          )
      )
      const n = created.LaunchTemplateVersion?.VersionNumber
      if (!n) throw new Error(`CreateLaunchTemplateVersion for ${where} returned no version number`)
      // EC2 validates the data lazily: a problem is a warning in the answer, not an error.
      for (const w of created.Warning?.Errors ?? []) {
        ctx.warn(`${where}, version ${n}: EC2 warns ${w.Code}: ${w.Message}`)
      }
      if (setDefault) {
        try {
          await makeDefault(n)
        } catch (e) {
          // The version exists: report it, with why it is not the default.
          return {
            ...row,
            outcome: 'created',
            version: n,
            isDefault: false,
            error: describeError(e)
          }
        }
      }
      ctx.log.info(`${where}: version ${n} has ${target.imageId}${setDefault ? ' (default)' : ''}`)
      return { ...row, outcome: 'created', version: n, isDefault: setDefault }
    }
  )
}
