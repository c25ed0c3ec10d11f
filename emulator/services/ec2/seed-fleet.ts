// The parts of the ec2 seed for instances' surroundings: VPCs, instance profiles, the instance-type
// catalogue (shapes in emulator/services/README.md). Called from seedEc2.
// Follows: EC2 API Reference data types Image and Snapshot (what a seeded fleet holds).
import type { Sim } from '../../types.js'
import { seedInstanceTypes, type SeedInstanceType } from './catalog.js'
import { seedInstanceProfiles, type SeedInstanceProfile } from './instance-state.js'
import { seedNetwork, type SeedVpc } from './network.js'

export interface FleetSeed {
  vpcs?: SeedVpc[]
  /** (account, region) pairs that have no default VPC (a launch without SubnetId then fails). */
  noDefaultVpc?: { accountId: string; region: string }[]
  instanceProfiles?: SeedInstanceProfile[]
  instanceTypes?: SeedInstanceType[]
}

export function seedFleet(seed: FleetSeed, sim: Sim) {
  const network = seedNetwork(sim, seed.vpcs, seed.noDefaultVpc)
  const instanceProfiles = seedInstanceProfiles(sim, seed.instanceProfiles ?? [])
  seedInstanceTypes(sim, seed.instanceTypes ?? [])
  return { ...network, instanceProfiles }
}
