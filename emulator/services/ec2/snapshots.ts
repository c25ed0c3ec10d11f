// DescribeSnapshots and DeleteSnapshot.
// Follows: EC2 API Reference DescribeSnapshots, DeleteSnapshot.
import { AwsError, type Caller, type Sim } from '../../types.js'
import {
  canSeeSnapshot,
  checkSnapshotIdFormat,
  dryRunGate,
  imagesUsingSnapshot,
  ownedSnapshot,
  snapshotNotFound
} from './access.js'
import { filters, globMatch, list, paginate, required, str, type Params } from './params.js'
import { snapshotXml } from './render.js'
import { ec2State, progressOf, type Snapshot } from './state.js'
import { retireSnapshot } from './recycle-bin.js'

export function describeSnapshots(sim: Sim, caller: Caller, params: Params) {
  const s = ec2State(sim)
  const now = sim.clock.now()
  const ids = list(params, 'SnapshotId')
  const owners = list(params, 'Owner')
  const restorable = list(params, 'RestorableBy')
  const fs = filters(params)
  if (ids.length && str(params, 'MaxResults') !== undefined) {
    throw new AwsError(
      'InvalidParameterCombination',
      'The parameter snapshotSet cannot be used with the parameter maxResults'
    )
  }
  let candidates: Snapshot[]
  if (ids.length) {
    ids.forEach(checkSnapshotIdFormat)
    for (const id of ids)
      if (!s.snapshots[id] || !canSeeSnapshot(s.snapshots[id], caller)) throw snapshotNotFound(id)
    candidates = [...new Set(ids)].map((id) => s.snapshots[id])
  } else {
    candidates = Object.values(s.snapshots).filter((x) => canSeeSnapshot(x, caller))
  }
  const field: Record<string, (x: Snapshot) => string[]> = {
    'snapshot-id': (x) => [x.snapshotId],
    status: (x) => [x.state],
    'owner-id': (x) => [x.ownerId],
    'volume-id': (x) => [x.volumeId],
    'volume-size': (x) => [String(x.volumeSize)],
    encrypted: (x) => [String(x.encrypted)],
    description: (x) => [x.description],
    progress: (x) => [progressOf(x, now)],
    'tag-key': (x) => (x.ownerId === caller.accountId ? x.tags.map((t) => t.key) : [])
  }
  const selected = candidates
    .filter(
      (x) =>
        !owners.length ||
        owners.some((o) => (o === 'self' ? x.ownerId === caller.accountId : x.ownerId === o))
    )
    .filter(
      (x) =>
        !restorable.length ||
        restorable.some((u) => {
          const who = u === 'self' ? caller.accountId : u
          return (
            x.ownerId === who ||
            x.createVolumePermissions.some((p) => p.group === 'all' || p.userId === who)
          )
        })
    )
    .filter((x) =>
      fs.every((f) => {
        let values: string[]
        if (f.name.startsWith('tag:')) {
          values =
            x.ownerId === caller.accountId
              ? x.tags.filter((t) => t.key === f.name.slice(4)).map((t) => t.value)
              : []
        } else {
          const get = field[f.name]
          if (!get) throw new AwsError('InvalidParameterValue', `The filter '${f.name}' is invalid`)
          values = get(x)
        }
        return f.values.some((p) => values.some((v) => globMatch(p, v)))
      })
    )
    .sort((a, b) => a.startTime - b.startTime || a.snapshotId.localeCompare(b.snapshotId))
  const { page, nextToken } = paginate('DescribeSnapshots', selected, params, { min: 5, max: 1000 })
  return {
    snapshotSet: page.map((x) => snapshotXml(x, now, caller.accountId)),
    ...(nextToken ? { nextToken } : {})
  }
}

export function deleteSnapshot(sim: Sim, caller: Caller, params: Params) {
  const s = ec2State(sim)
  const snap = ownedSnapshot(sim, caller, required(params, 'SnapshotId'))
  const users = imagesUsingSnapshot(s, snap.snapshotId)
  if (users.length) {
    throw new AwsError(
      'InvalidSnapshot.InUse',
      `The snapshot ${snap.snapshotId} is currently in use by ${users[0].imageId}`
    )
  }
  dryRunGate(params)
  retireSnapshot(sim, snap) // into the Recycle Bin when a rule covers it (recycle-bin.ts)
  return { return: true }
}
