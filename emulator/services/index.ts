// The service registry: SigV4 credential-scope service name → module.
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
