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
import {
  getEbsDefaultKmsKeyId,
  getEbsEncryptionByDefault,
  modifyEbsDefaultKmsKeyId,
  resetEbsDefaultKmsKeyId,
  setEncryptionByDefault
} from './ebs-defaults.js'
import { disableImage, enableImage } from './image-state.js'
import { filters, globMatch, list, str, type Params } from './params.js'
import { seedEc2 } from './seed.js'
import {
  describeImageAttribute,
  describeSnapshotAttribute,
  modifyImageAttribute,
  modifySnapshotAttribute
} from './sharing.js'
import { deleteSnapshot, describeSnapshots } from './snapshots.js'
import { blockPublicAccessState, ec2State, settle } from './state.js'
import { createTags, deleteTags, describeTags } from './tags.js'
import { describeInstanceTypes } from './catalog.js'
import { describeInstances, runInstances, terminateInstances } from './instances.js'
import { instanceProfilesSnapshot, settleInstances } from './instance-state.js'
import { describeInstanceStatus, getConsoleOutput } from './instance-status.js'
import {
  createLaunchTemplate,
  createLaunchTemplateVersion,
  deleteLaunchTemplate,
  describeLaunchTemplates,
  describeLaunchTemplateVersions,
  modifyLaunchTemplate
} from './launch-templates.js'
import {
  describeSecurityGroups,
  describeSubnets,
  describeVpcs,
  networkSnapshot
} from './network.js'
import {
  listImagesInRecycleBin,
  listSnapshotsInRecycleBin,
  recycleBinSnapshot,
  restoreImageFromRecycleBin,
  restoreSnapshotFromRecycleBin
} from './recycle-bin.js'
import {
  createImageUsageReport,
  deleteImageUsageReport,
  describeImageUsageReportEntries,
  describeImageUsageReports
} from './usage-reports.js'
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
  DisableImage: disableImage,
  EnableImage: enableImage,
  GetEbsEncryptionByDefault: getEbsEncryptionByDefault,
  GetEbsDefaultKmsKeyId: getEbsDefaultKmsKeyId,
  EnableEbsEncryptionByDefault: setEncryptionByDefault(true),
  DisableEbsEncryptionByDefault: setEncryptionByDefault(false),
  ModifyEbsDefaultKmsKeyId: modifyEbsDefaultKmsKeyId,
  ResetEbsDefaultKmsKeyId: resetEbsDefaultKmsKeyId,
  // Instances, networking and launch templates (instances.ts, network.ts, launch-templates.ts).
  RunInstances: runInstances,
  TerminateInstances: terminateInstances,
  DescribeInstanceStatus: describeInstanceStatus,
  DescribeInstanceTypes: describeInstanceTypes,
  GetConsoleOutput: getConsoleOutput,
  DescribeVpcs: describeVpcs,
  DescribeSubnets: describeSubnets,
  DescribeSecurityGroups: describeSecurityGroups,
  CreateLaunchTemplate: createLaunchTemplate,
  CreateLaunchTemplateVersion: createLaunchTemplateVersion,
  DescribeLaunchTemplates: describeLaunchTemplates,
  DescribeLaunchTemplateVersions: describeLaunchTemplateVersions,
  ModifyLaunchTemplate: modifyLaunchTemplate,
  DeleteLaunchTemplate: deleteLaunchTemplate,
  // Recycle Bin contents (recycle-bin.ts; the rules are the rbin service's).
  ListImagesInRecycleBin: listImagesInRecycleBin,
  RestoreImageFromRecycleBin: restoreImageFromRecycleBin,
  ListSnapshotsInRecycleBin: listSnapshotsInRecycleBin,
  RestoreSnapshotFromRecycleBin: restoreSnapshotFromRecycleBin,
  // Image usage reports (usage-reports.ts).
  CreateImageUsageReport: createImageUsageReport,
  DescribeImageUsageReports: describeImageUsageReports,
  DescribeImageUsageReportEntries: describeImageUsageReportEntries,
  DeleteImageUsageReport: deleteImageUsageReport,
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
  'DisableImageBlockPublicAccess',
  'DisableImage',
  'EnableImage',
  'EnableEbsEncryptionByDefault',
  'DisableEbsEncryptionByDefault',
  'ModifyEbsDefaultKmsKeyId',
  'ResetEbsDefaultKmsKeyId',
  'RunInstances',
  'TerminateInstances',
  'CreateLaunchTemplate',
  'CreateLaunchTemplateVersion',
  'ModifyLaunchTemplate',
  'DeleteLaunchTemplate',
  'RestoreImageFromRecycleBin',
  'RestoreSnapshotFromRecycleBin',
  'CreateImageUsageReport',
  'DeleteImageUsageReport'
])

/** A JSON view of EC2 state for /_sim/state, with dates as ISO strings. */
function snapshotEc2(sim: Sim) {
  settle(sim)
  settleInstances(sim)
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
    accounts: s.accounts,
    ebsDefaults: s.ebsDefaults ?? {},
    ...networkSnapshot(sim),
    instanceProfiles: instanceProfilesSnapshot(sim),
    recycleBin: recycleBinSnapshot(sim)
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
    settleInstances(sim)
    return handler(sim, req.caller, req.params)
  },
  isMutating: (action) => MUTATING.has(action),
  seed: (data, sim) => seedEc2(data, sim),
  snapshot: (sim) => snapshotEc2(sim)
}
