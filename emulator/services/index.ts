// The service registry: SigV4 credential-scope service name → module.
// Follows: the SigV4 signing names of each service (IAM User Guide "Elements of an AWS API request signature").
import type { ServiceModule } from '../types.js'
import { ec2 } from './ec2/index.js'
import { ssm } from './ssm/index.js'
import { sts } from './sts.js'
import { kms } from './kms.js'
import { serviceQuotas } from './servicequotas.js'
import { autoscaling } from './autoscaling.js'
import { rbin } from './rbin.js'

export function defaultServices(): Record<string, ServiceModule> {
  return { ec2, ssm, sts, kms, servicequotas: serviceQuotas, autoscaling, rbin }
}
