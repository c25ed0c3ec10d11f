// Of a launch template, only the versions something can launch from keep an AMI in use: the
// default, the latest, and versions an Auto Scaling group names (INTERFACE.md "Lifecycle").
// DescribeImageReferences reports a template when any of its recent versions uses the AMI; this
// keeps those references only when such a version does. Nightly roll-outs then do not pin every
// old AMI through the template's history.
import type { AutoScalingClient, LaunchTemplateSpecification } from '@aws-sdk/client-auto-scaling'
import {
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  type EC2Client
} from '@aws-sdk/client-ec2'
import { sdk } from '../aws/clients.js'
import type { ImageUse } from './select.js'

export const LAUNCH_TEMPLATE = 'ec2:LaunchTemplate'

/** The template ID at the end of a launch-template ARN. */
export function templateIdOf(arn: string): string | undefined {
  return /launch-template\/(lt-[0-9a-f]+)$/.exec(arn)?.[1]
}

/** Template versions Auto Scaling groups launch from, by template ID or name. */
export interface GroupPins {
  /** `<id or name>` -> versions as the groups give them (`$Default`, `$Latest`, or a number). */
  versions: Map<string, Set<string>>
}

export async function autoScalingPins(autoscaling: AutoScalingClient): Promise<GroupPins> {
  const { paginateDescribeAutoScalingGroups } = await sdk.autoScaling()
  const versions = new Map<string, Set<string>>()
  const add = (spec: LaunchTemplateSpecification | undefined): void => {
    if (!spec) return
    const version = spec.Version || '$Default'
    for (const key of [spec.LaunchTemplateId, spec.LaunchTemplateName]) {
      if (!key) continue
      const set = versions.get(key) ?? new Set<string>()
      set.add(version)
      versions.set(key, set)
    }
  }
  for await (const page of paginateDescribeAutoScalingGroups({ client: autoscaling }, {})) {
    for (const group of page.AutoScalingGroups ?? []) {
      add(group.LaunchTemplate)
      const mixed = group.MixedInstancesPolicy?.LaunchTemplate
      add(mixed?.LaunchTemplateSpecification)
      for (const o of mixed?.Overrides ?? []) add(o.LaunchTemplateSpecification)
    }
  }
  return { versions }
}

/**
 * `uses` with every launch-template reference dropped whose AMI is in no launchable version.
 * `groups` loads Auto Scaling pins once, on first need.
 */
export async function keepPinningTemplates(
  ec2: EC2Client,
  uses: Map<string, ImageUse[]>,
  groups: () => Promise<GroupPins>,
  pace: () => Promise<void>
): Promise<Map<string, ImageUse[]>> {
  const templateIds = new Set<string>()
  for (const list of uses.values())
    for (const u of list)
      if (u.resourceType === LAUNCH_TEMPLATE) {
        const id = templateIdOf(u.arn)
        if (id) templateIds.add(id)
      }
  if (templateIds.size === 0) return uses
  const pins = await groups()
  // template ID -> AMIs of its launchable versions
  const launchable = new Map<string, Set<string>>()
  for (const id of templateIds) {
    await pace()
    const { LaunchTemplates = [] } = await ec2.send(
      new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [id] })
    )
    const template = LaunchTemplates[0]
    const named = new Set<string>(['$Default', '$Latest'])
    for (const key of [id, template?.LaunchTemplateName])
      for (const v of (key && pins.versions.get(key)) || []) named.add(v)
    await pace()
    const { LaunchTemplateVersions = [] } = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id, Versions: [...named] })
    )
    launchable.set(
      id,
      new Set(LaunchTemplateVersions.flatMap((v) => v.LaunchTemplateData?.ImageId ?? []))
    )
  }
  const kept = new Map<string, ImageUse[]>()
  for (const [imageId, list] of uses) {
    kept.set(
      imageId,
      list.filter((u) => {
        if (u.resourceType !== LAUNCH_TEMPLATE) return true
        const id = templateIdOf(u.arn)
        // An ARN of another form: keep it, never let a version go on a guess.
        return !id || (launchable.get(id)?.has(imageId) ?? true)
      })
    )
  }
  return kept
}
