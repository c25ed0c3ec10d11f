// The test spec: a hash of the inputs that decide what "passed" means. An AMI tagged passed for
// the same spec is not tested again (a re-run launches nothing); another command, type, subnet,
// profile or account tests it anew. test-regions and test-timeout-minutes are left out: they
// decide whether and how long a test runs, not what passing proves.
import { createHash } from 'node:crypto'
import type { TestConfig } from '../config.js'

export const TEST_TAG = 'ami-share-action:test'
export const TEST_SPEC_TAG = 'ami-share-action:test-spec'
export const TEST_RUN_TAG = 'ami-share-action:test-run'

export function testSpec(test: TestConfig): string {
  const spec = {
    command: test.command ?? null,
    instanceType: test.instanceType ?? null,
    subnets: Object.entries(test.subnets).sort(),
    securityGroupIds: [...test.securityGroupIds].sort(),
    instanceProfile: test.instanceProfile ?? null,
    account: test.account?.roleArn ?? null
  }
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex')
}

/** Already passed for this spec: the image's tags say so. */
export function alreadyPassed(tags: Record<string, string>, spec: string): boolean {
  return tags[TEST_TAG] === 'passed' && tags[TEST_SPEC_TAG] === spec
}
