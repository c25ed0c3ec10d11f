// The post step's part of testing: after a killed main step, terminate the instances that step
// launched (found by its test-run tag in every place it saved) and withdraw the launch permissions
// it granted only for a test. Never throws: everything is a warning at most.
import * as core from '@actions/core'
import {
  DescribeInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client
} from '@aws-sdk/client-ec2'
import { createClients, type Clients } from '../aws/clients.js'
import { describeError } from '../aws/errors.js'
import { launchPermission } from './consumer.js'
import {
  TEST_GRANTS_STATE,
  TEST_PLACES_STATE,
  TEST_RUN_STATE,
  type TestGrant,
  type TestPlace
} from './session.js'
import { TEST_RUN_TAG } from './spec.js'

export interface TestCleanupOptions {
  /** Tests inject clients; the post step builds them for the saved build region. */
  ec2?: (region: string, roleArn?: string) => EC2Client
}

export async function cleanUpTests(
  buildRegion: string | undefined,
  options: TestCleanupOptions = {}
): Promise<void> {
  const testRunId = core.getState(TEST_RUN_STATE)
  const places = parse<TestPlace>(core.getState(TEST_PLACES_STATE))
  const grants = parse<TestGrant>(core.getState(TEST_GRANTS_STATE))
  if ((!testRunId || places.length === 0) && grants.length === 0) return
  const region = buildRegion ?? places[0]?.region ?? grants[0]?.region
  const clients: Clients | undefined = options.ec2 || !region ? undefined : createClients(region)
  const ec2 = (r: string, roleArn?: string): EC2Client =>
    options.ec2?.(r, roleArn) ??
    clients!.ec2(r, roleArn ? { roleArn, accountId: roleArn.split(':')[4] } : undefined)
  try {
    for (const place of testRunId ? places : [])
      await terminateLeftovers(ec2(place.region, place.roleArn), place, testRunId)
    for (const grant of grants) await withdraw(ec2(grant.region), grant)
  } finally {
    clients?.destroy()
  }
}

async function terminateLeftovers(
  ec2: EC2Client,
  place: TestPlace,
  testRunId: string
): Promise<void> {
  const where = `${place.region}${place.roleArn ? ` (${place.roleArn})` : ''}`
  try {
    const { Reservations = [] } = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: `tag:${TEST_RUN_TAG}`, Values: [testRunId] },
          { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] }
        ]
      })
    )
    const ids = Reservations.flatMap((r) => r.Instances ?? []).flatMap((i) =>
      i.InstanceId ? [i.InstanceId] : []
    )
    if (ids.length === 0) return
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }))
    core.info(`Terminated test instance(s) ${ids.join(', ')} in ${where}, left by the main step`)
  } catch (error) {
    core.warning(
      `Could not terminate test instances tagged ${TEST_RUN_TAG}=${testRunId} in ${where}: ${describeError(error)}`
    )
  }
}

async function withdraw(ec2: EC2Client, grant: TestGrant): Promise<void> {
  try {
    await ec2.send(launchPermission(grant.imageId, grant.userId, 'Remove'))
    core.info(
      `Withdrew the test's launch permission of account ${grant.userId} on ${grant.imageId} in ${grant.region}`
    )
  } catch (error) {
    core.warning(
      `Could not withdraw the launch permission of account ${grant.userId} on ${grant.imageId} in ${grant.region}: ${describeError(error)}`
    )
  }
}

function parse<T>(raw: string): T[] {
  if (!raw) return []
  try {
    const value: unknown = JSON.parse(raw)
    return Array.isArray(value) ? (value as T[]) : []
  } catch {
    return []
  }
}
