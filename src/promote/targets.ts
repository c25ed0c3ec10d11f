// Where the promote phase points things at the new AMI: every region where the build account has
// it (the build-region AMI, and the build account's copies), after distribution succeeded.
import { PLANNED_COPY_ID } from '../image/copy.js'
import type { Fleet, Image } from '../types.js'

export interface PromoteTarget {
  region: string
  accountId: string
  /** Undefined for a dry run's planned copy (it has no ID yet). */
  imageId?: string
  /** The AMI for plan lines and logs: its ID, or what stands for it in a dry run. */
  label: string
  /** A dry run's AMI that does not exist yet: nothing can point at it already. */
  planned: boolean
}

/** One target per region, the build-region AMI first; failed or unfinished AMIs are left out. */
export function promoteTargets(image: Image, fleet: Fleet): PromoteTarget[] {
  const targets: PromoteTarget[] = []
  for (const m of fleet.members) {
    const ours = m.role === 'source' || m.accountId === image.accountId
    if (!ours || m.error || (m.state !== 'available' && m.state !== 'planned')) continue
    if (targets.some((t) => t.region === m.region)) continue
    const planned = m.state === 'planned'
    targets.push({
      region: m.region,
      accountId: image.accountId,
      ...(!planned && m.imageId && { imageId: m.imageId }),
      label: m.imageId ?? PLANNED_COPY_ID,
      planned
    })
  }
  return targets
}
