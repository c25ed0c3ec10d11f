// DisableImage / EnableImage, as the EC2 API reference pages of those names describe them.
import { AwsError, type Caller, type Sim } from '../../types.js'
import { dryRunGate, ownedImage } from './access.js'
import { bool, required, type Params } from './params.js'

export function disableImage(sim: Sim, caller: Caller, params: Params) {
  // DisableImage: only the owner can disable; the owner sees it with IncludeDisabled.
  const img = ownedImage(sim, caller, required(params, 'ImageId'))
  if (img.state !== 'available' && img.state !== 'disabled') {
    throw new AwsError(
      'IncorrectState',
      `The image '${img.imageId}' is not in the 'available' state.`
    )
  }
  dryRunGate(params)
  // DisableImage: state disabled, all launch permissions removed (public and shared become private).
  img.state = 'disabled'
  img.launchPermissions = []
  return { return: true }
}

export function enableImage(sim: Sim, caller: Caller, params: Params) {
  const img = ownedImage(sim, caller, required(params, 'ImageId'))
  if (img.state !== 'disabled') {
    throw new AwsError('IncorrectState', `The image '${img.imageId}' is not disabled.`)
  }
  dryRunGate(params)
  // EnableImage: back to available; the launch permissions DisableImage removed stay removed.
  img.state = 'available'
  return { return: true }
}

/** DescribeImages IncludeDisabled: disabled AMIs are left out unless true, for the owner too. */
export function includeDisabled(params: Params): boolean {
  return bool(params, 'IncludeDisabled') ?? false
}
