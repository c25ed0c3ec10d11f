// The fleet member that stands for the build-region AMI itself.
import type { FleetMember, Image } from './types.js'

/** The source AMI as a fleet member; `accountId` defaults to its owner. */
export function sourceMember(image: Image, accountId = image.ownerId): FleetMember {
  return {
    accountId,
    region: image.region,
    imageId: image.id,
    name: image.name,
    role: 'source',
    // A dry run's build has not happened: its AMI is planned.
    state: image.planned ? 'planned' : 'available',
    reused: image.reused,
    snapshots: image.snapshots
  }
}
