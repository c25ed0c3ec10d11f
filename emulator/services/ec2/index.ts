// The EC2 service module: routes actions to handlers, after moving state to the simulated now.
import { AwsError, type Caller, type ServiceModule, type Sim } from '../../types.js'
import { dryRunGate } from './access.js'
import { copyImage, createImage, describeImages } from './images.js'
import {
  deregisterImage,
  describeImageReferences,
  disableImageDeprecation,
  disableImageDeregistrationProtection,
  enableImageDeprecation,
  enableImageDeregistrationProtection
} from './lifecycle.js'
import { filters, globMatch, list, paginate, str, type Params } from './params.js'
import { instanceXml } from './render.js'
import { seedEc2 } from './seed.js'
import {
  describeImageAttribute,
  describeSnapshotAttribute,
  modifyImageAttribute,
  modifySnapshotAttribute
} from './sharing.js'
import { deleteSnapshot, describeSnapshots } from './snapshots.js'
import { blockPublicAccessState, ec2State, settle, type Instance } from './state.js'
import { createTags, deleteTags, describeTags } from './tags.js'
import { describeVolumes } from './volumes.js'

type Handler = (sim: Sim, caller: Caller, params: Params) => unknown

// The commercial (aws partition) Regions, as listed in the AWS General Reference "AWS Regions"
// page; every one answers as enabled (opt-in-not-required), as for an account that opted in.
const REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2',
  'af-south-1',
  'ap-east-1', 'ap-east-2', 'ap-south-1', 'ap-south-2',
  'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3',
  'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5',
  'ap-southeast-6', 'ap-southeast-7',
  'ca-central-1', 'ca-west-1',
  'eu-central-1', 'eu-central-2', 'eu-west-1', 'eu-west-2', 'eu-west-3',
  'eu-south-1', 'eu-south-2', 'eu-north-1',
  'il-central-1', 'me-south-1', 'me-central-1',
  'mx-central-1', 'sa-east-1'
] // prettier-ignore

// DescribeRegions (EC2 API Reference): RegionName.N, Filter.N (region-name), AllRegions; unknown name -> InvalidParameterValue.
function describeRegions(_sim: Sim, _caller: Caller, params: Params) {
  const names = list(params, 'RegionName')
  const unknown = names.find((n) => !REGIONS.includes(n))
  if (unknown) throw new AwsError('InvalidParameterValue', `Invalid region: ${unknown}`)
  const fs = filters(params)
  const regions = (names.length ? names : REGIONS).filter((r) =>
    fs.every((f) => f.name !== 'region-name' || f.values.some((v) => globMatch(v, r)))
  )
  return {
    regionInfo: regions.map((r) => ({
      regionName: r,
      regionEndpoint: `ec2.${r}.amazonaws.com`,
      optInStatus: 'opt-in-not-required'
    }))
  }
}

function describeInstances(sim: Sim, caller: Caller, params: Params) {
  const s = ec2State(sim)
  const ids = list(params, 'InstanceId')
  const mine = Object.values(s.instances).filter(
    (i) => i.accountId === caller.accountId && i.region === caller.region
  )
  for (const id of ids) {
    if (!mine.some((i) => i.instanceId === id)) {
      throw new AwsError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`)
    }
  }
  const field: Record<string, (i: Instance) => string[]> = {
    'instance-id': (i) => [i.instanceId],
    'image-id': (i) => (i.imageId ? [i.imageId] : []),
    'instance-state-name': (i) => [i.state],
    'instance-type': (i) => [i.instanceType],
    'tag-key': (i) => i.tags.map((t) => t.key)
  }
  const fs = filters(params)
  const selected = mine
    .filter((i) => !ids.length || ids.includes(i.instanceId))
    .filter((i) =>
      fs.every((f) => {
        const values = f.name.startsWith('tag:')
          ? i.tags.filter((t) => t.key === f.name.slice(4)).map((t) => t.value)
          : (
              field[f.name] ??
              (() => {
                throw new AwsError('InvalidParameterValue', `The filter '${f.name}' is invalid`)
              })
            )(i)
        return f.values.some((p) => values.some((v) => globMatch(p, v)))
      })
    )
  dryRunGate(params)
  const { page, nextToken } = paginate('DescribeInstances', selected, params, { min: 5, max: 1000 })
  return {
    reservationSet: page.map((i) => ({
      reservationId: `r-${i.instanceId.slice(2)}`,
      ownerId: i.accountId,
      groupSet: [],
      instancesSet: [instanceXml(i)]
    })),
    ...(nextToken ? { nextToken } : {})
  }
}

function getImageBlockPublicAccessState(sim: Sim, caller: Caller, params: Params) {
  dryRunGate(params)
  return {
    imageBlockPublicAccessState: blockPublicAccessState(
      ec2State(sim),
      caller.accountId,
      caller.region
    ),
    managedBy: 'account'
  }
}

function setBlockPublicAccess(state: 'block-new-sharing' | 'unblocked'): Handler {
  return (sim, caller, params) => {
    if (
      state === 'block-new-sharing' &&
      str(params, 'ImageBlockPublicAccessState') !== 'block-new-sharing'
    ) {
      throw new AwsError(
        'InvalidParameterValue',
        'ImageBlockPublicAccessState must be block-new-sharing'
      )
    }
    dryRunGate(params)
    ec2State(sim).blockPublicAccess[`${caller.accountId}/${caller.region}`] = state
    return { imageBlockPublicAccessState: state }
  }
}

const HANDLERS: Record<string, Handler> = {
  DescribeImages: describeImages,
  CreateImage: createImage,
  CopyImage: copyImage,
  ModifyImageAttribute: modifyImageAttribute,
  DescribeImageAttribute: describeImageAttribute,
  ModifySnapshotAttribute: modifySnapshotAttribute,
  DescribeSnapshotAttribute: describeSnapshotAttribute,
  DescribeSnapshots: describeSnapshots,
  DeleteSnapshot: deleteSnapshot,
  DeregisterImage: deregisterImage,
  CreateTags: createTags,
  DeleteTags: deleteTags,
  DescribeTags: describeTags,
  EnableImageDeprecation: enableImageDeprecation,
  DisableImageDeprecation: disableImageDeprecation,
  EnableImageDeregistrationProtection: enableImageDeregistrationProtection,
  DisableImageDeregistrationProtection: disableImageDeregistrationProtection,
  GetImageBlockPublicAccessState: getImageBlockPublicAccessState,
  EnableImageBlockPublicAccess: setBlockPublicAccess('block-new-sharing'),
  DisableImageBlockPublicAccess: setBlockPublicAccess('unblocked'),
  DescribeImageReferences: describeImageReferences,
  DescribeInstances: describeInstances,
  DescribeRegions: describeRegions,
  DescribeVolumes: describeVolumes
}

const MUTATING = new Set([
  'CreateImage',
  'CopyImage',
  'ModifyImageAttribute',
  'ModifySnapshotAttribute',
  'DeleteSnapshot',
  'DeregisterImage',
  'CreateTags',
  'DeleteTags',
  'EnableImageDeprecation',
  'DisableImageDeprecation',
  'EnableImageDeregistrationProtection',
  'DisableImageDeregistrationProtection',
  'EnableImageBlockPublicAccess',
  'DisableImageBlockPublicAccess'
])

/** A JSON view of EC2 state for /_sim/state, with dates as ISO strings. */
function snapshotEc2(sim: Sim) {
  settle(sim)
  const s = ec2State(sim)
  const iso = (ms: number | undefined) =>
    ms === undefined ? undefined : new Date(ms).toISOString()
  return {
    images: Object.values(s.images).map((i) => ({
      ...i,
      creationDate: iso(i.creationDate),
      readyAt: iso(i.readyAt),
      visibleAt: iso(i.visibleAt),
      deprecationTime: iso(i.deprecationTime)
    })),
    snapshots: Object.values(s.snapshots).map((x) => ({
      ...x,
      startTime: iso(x.startTime),
      readyAt: iso(x.readyAt)
    })),
    instances: Object.values(s.instances),
    launchTemplates: Object.values(s.launchTemplates),
    blockPublicAccess: s.blockPublicAccess,
    accounts: s.accounts
  }
}

export const ec2: ServiceModule = {
  name: 'ec2',
  protocol: 'ec2-query',
  handle(req, sim) {
    const handler = HANDLERS[req.action]
    if (!handler) {
      throw new AwsError(
        'InvalidAction',
        `The action ${req.action} is not valid for this web service.`
      )
    }
    settle(sim)
    return handler(sim, req.caller, req.params)
  },
  isMutating: (action) => MUTATING.has(action),
  seed: (data, sim) => seedEc2(data, sim),
  snapshot: (sim) => snapshotEc2(sim)
}
