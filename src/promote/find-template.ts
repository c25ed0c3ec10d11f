// Finding a launch template named in launch-templates, in one region of the build account, and
// the pre-flight that refuses a template found in no region before anything changes.
import {
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  type EC2Client,
  type LaunchTemplateVersion
} from '@aws-sdk/client-ec2'
import { describeError, errorCode } from '../aws/errors.js'
import type { RunContext } from '../context.js'
import { templateLabel, type TemplateRef } from '../config/rollout.js'
import { error, type Finding } from '../image/findings.js'
import { mapLimit } from '../pool.js'

export interface FoundTemplate {
  id: string
  name: string
  defaultVersion: number
  latestVersion: number
}

// DescribeLaunchTemplates (API reference, Errors): an unknown ID or name fails the whole request.
const NOT_FOUND = new Set([
  'InvalidLaunchTemplateId.NotFound',
  'InvalidLaunchTemplateName.NotFoundException'
])

/** The template in this region, or undefined when the region has none by that name or ID. */
export async function findTemplate(
  ec2: EC2Client,
  ref: TemplateRef
): Promise<FoundTemplate | undefined> {
  try {
    const { LaunchTemplates = [] } = await ec2.send(
      new DescribeLaunchTemplatesCommand(
        'id' in ref ? { LaunchTemplateIds: [ref.id] } : { LaunchTemplateNames: [ref.name] }
      )
    )
    const t = LaunchTemplates[0]
    if (!t?.LaunchTemplateId) return undefined
    return {
      id: t.LaunchTemplateId,
      name: t.LaunchTemplateName ?? t.LaunchTemplateId,
      defaultVersion: t.DefaultVersionNumber ?? 1,
      latestVersion: t.LatestVersionNumber ?? t.DefaultVersionNumber ?? 1
    }
  } catch (e) {
    if (NOT_FOUND.has(errorCode(e) ?? '')) return undefined
    throw e
  }
}

/** The default and the latest version (one entry when they are the same). */
export async function launchableVersions(
  ec2: EC2Client,
  template: FoundTemplate
): Promise<{ default?: LaunchTemplateVersion; latest?: LaunchTemplateVersion }> {
  const { LaunchTemplateVersions = [] } = await ec2.send(
    new DescribeLaunchTemplateVersionsCommand({
      LaunchTemplateId: template.id,
      Versions: ['$Default', '$Latest']
    })
  )
  const byNumber = (n: number) => LaunchTemplateVersions.find((v) => v.VersionNumber === n)
  const def =
    LaunchTemplateVersions.find((v) => v.DefaultVersion) ?? byNumber(template.defaultVersion)
  const latest = LaunchTemplateVersions.reduce<LaunchTemplateVersion | undefined>(
    (a, v) => ((v.VersionNumber ?? 0) > (a?.VersionNumber ?? 0) ? v : a),
    undefined
  )
  return { ...(def && { default: def }), ...(latest && { latest }) }
}

/** The regions where the build account will have the AMI: the build region and copy-regions. */
export function rolloutRegions(ctx: RunContext): string[] {
  return [ctx.config.region, ...ctx.config.copy.regions.filter((r) => r !== ctx.config.region)]
}

/**
 * Pre-flight (read-only, before the build): every template must exist in at least one region
 * that gets the AMI. A region without it is fine (reported by the roll-out); a read that fails is
 * a finding too, never taken as "not there".
 */
export async function checkTemplates(ctx: RunContext): Promise<Finding[]> {
  const rollout = ctx.config.rollout
  if (!rollout) return []
  const regions = rolloutRegions(ctx)
  const findings = await mapLimit(rollout.templates, 4, async (ref) => {
    const label = templateLabel(ref)
    const looked = await mapLimit(regions, 4, async (region) => {
      try {
        return { found: await findTemplate(ctx.clients.ec2(region), ref) }
      } catch (e) {
        return { failed: `${region}: ${describeError(e).split('\n')[0]}` }
      }
    })
    const failed = looked.flatMap((l) => ('failed' in l && l.failed ? [l.failed] : []))
    if (failed.length) {
      return [
        error(
          `launch-templates: could not look up launch template ${label} (ec2:DescribeLaunchTemplates): ${failed.join('; ')}`
        )
      ]
    }
    if (looked.some((l) => 'found' in l && l.found)) return []
    return [
      error(
        `launch-templates: launch template ${label} does not exist in the build account in ${regions.join(', ')} (the regions that get the AMI). Create it there, fix the name or ID, or remove it from launch-templates.`
      )
    ]
  })
  return findings.flat()
}
