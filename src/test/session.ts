// What this main step's tests leave for the post step (core.saveState): the test-run ID its
// instances are tagged with, where they may be (region, account), and the launch permissions
// granted only for a test. A matrix of jobs shares one workflow run ID, so the test-run ID adds a
// random part: each post step terminates only the instances its own main step launched.
import { randomBytes } from 'node:crypto'
import * as core from '@actions/core'
import type { RunContext } from '../context.js'

export const TEST_RUN_STATE = 'test-run'
export const TEST_PLACES_STATE = 'test-places'
export const TEST_GRANTS_STATE = 'test-grants'

/** Where test instances may run: a region, in the build account or the test account's role. */
export interface TestPlace {
  region: string
  roleArn?: string
}

/** A launch permission on `imageId` given to `userId` for a test only (withdrawn afterwards). */
export interface TestGrant {
  region: string
  imageId: string
  userId: string
}

interface Session {
  testRunId: string
  /** Architecture of the base AMI / source instance, read by the pre-flight (a dry run's new AMI has none). */
  sourceArchitecture?: string
  places: TestPlace[]
  grants: TestGrant[]
}

/** One session per run (context); a WeakMap so nothing outlives the run. */
const sessions = new WeakMap<RunContext, Session>()

export function testSession(ctx: RunContext): Session {
  let session = sessions.get(ctx)
  if (!session) {
    session = {
      testRunId: `${ctx.runId}-${randomBytes(4).toString('hex')}`,
      places: [],
      grants: []
    }
    sessions.set(ctx, session)
  }
  return session
}

/** Saved before the launch, so a kill right after RunInstances still leaves the post step a trail. */
export function recordPlace(ctx: RunContext, place: TestPlace): void {
  const session = testSession(ctx)
  if (ctx.plan.dryRun) return
  if (!session.places.some((p) => p.region === place.region && p.roleArn === place.roleArn)) {
    session.places.push(place)
  }
  core.saveState(TEST_RUN_STATE, session.testRunId)
  core.saveState(TEST_PLACES_STATE, JSON.stringify(session.places))
}

export function recordGrant(ctx: RunContext, grant: TestGrant): void {
  if (ctx.plan.dryRun) return
  const session = testSession(ctx)
  session.grants.push(grant)
  core.saveState(TEST_GRANTS_STATE, JSON.stringify(session.grants))
}

export function forgetGrant(ctx: RunContext, grant: TestGrant): void {
  if (ctx.plan.dryRun) return
  const session = testSession(ctx)
  session.grants = session.grants.filter(
    (g) => !(g.imageId === grant.imageId && g.region === grant.region && g.userId === grant.userId)
  )
  core.saveState(TEST_GRANTS_STATE, JSON.stringify(session.grants))
}
