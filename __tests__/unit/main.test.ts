// run(): the order of the phases, what a failure keeps for the report, and cancellation.
import { jest, describe, it, expect, beforeEach } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'
import type { RunContext } from '../../src/context.js'
import type { Fleet, Image, PruneReport, Result } from '../../src/types.js'

const calls: string[] = []
const image = { id: 'ami-0123456789abcdef0', execution: undefined } as unknown as Image
const fleet: Fleet = { members: [] }
const reported: Result[] = []
const buildImage = jest.fn(async (_ctx: RunContext): Promise<Image> => {
  calls.push('build')
  return image
})
const distribute = jest.fn(async (_ctx: RunContext, _image: Image): Promise<Fleet> => {
  calls.push('distribute')
  return fleet
})
const prune = jest.fn(
  async (_ctx: RunContext, _image: Image, _fleet: Fleet): Promise<PruneReport | undefined> => {
    calls.push('prune')
    return undefined
  }
)

jest.unstable_mockModule('@actions/core', () => core)
jest.unstable_mockModule('../../src/source/build.js', () => ({ buildImage }))
jest.unstable_mockModule('../../src/distribute.js', () => ({ distribute }))
jest.unstable_mockModule('../../src/prune.js', () => ({ prune }))
jest.unstable_mockModule('../../src/source/ownership.js', () => ({
  confirmStillThere: async () => {
    calls.push('confirm')
  }
}))
jest.unstable_mockModule('../../src/report/index.js', () => ({
  report: async (_ctx: RunContext, result: Result) => {
    calls.push('report')
    reported.push(result)
  }
}))
const { run } = await import('../../src/main.js')
const { PartialFailure } = await import('../../src/types.js')
const { RunbookFailedError } = await import('../../src/aws/errors.js')

const inputs = { 'ami-id': 'ami-0123456789abcdef0', 'aws-region': 'us-east-1' }

beforeEach(() => {
  core.reset()
  core.setInputs(inputs)
  calls.length = 0
  reported.length = 0
})

describe('run', () => {
  it('runs build, distribute, prune, then reports, and succeeds', async () => {
    await run({ signal: new AbortController().signal })
    expect(calls).toEqual(['build', 'distribute', 'prune', 'confirm', 'report'])
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(reported[0].image).toBe(image)
    expect(reported[0].fleet).toBe(fleet)
  })

  it('keeps the fleet of a partial failure for the report and fails with its message', async () => {
    const partial: Fleet = { members: [{ region: 'eu-west-1' } as Fleet['members'][number]] }
    distribute.mockRejectedValueOnce(new PartialFailure('Copy to eu-west-1 failed', partial))
    await run({ signal: new AbortController().signal })
    expect(calls).toEqual(['build', 'report'])
    expect(reported[0].fleet).toBe(partial)
    expect(core.setFailed).toHaveBeenCalledWith(expect.stringContaining('Copy to eu-west-1 failed'))
  })

  it('keeps the runbook execution of a failed build for the report', async () => {
    const execution = { id: 'exec-1', document: 'AWS-UpdateLinuxAmi', status: 'Failed', steps: [] }
    buildImage.mockRejectedValueOnce(new RunbookFailedError('step "harden" failed', execution))
    await run({ signal: new AbortController().signal })
    expect(reported[0].execution).toEqual(execution)
    expect(reported[0].image).toBeUndefined()
    expect(core.setFailed).toHaveBeenCalledWith(expect.stringContaining('step "harden" failed'))
  })

  it('fails on bad input before any phase and without a report', async () => {
    core.setInputs({ 'aws-region': 'us-east-1' })
    await run({ signal: new AbortController().signal })
    expect(calls).toEqual([])
    expect(core.setFailed).toHaveBeenCalledWith(expect.stringContaining('automation-document'))
  })

  it('a dry run whose plan has problems fails after the report', async () => {
    core.setInputs({ ...inputs, 'dry-run': 'true' })
    buildImage.mockImplementationOnce(async (ctx) => {
      ctx.plan.note('check', 'name taken in eu-west-1', { problem: true })
      return image
    })
    await run({ signal: new AbortController().signal })
    expect(calls).toEqual(['distribute', 'prune', 'confirm', 'report'])
    expect(core.setFailed).toHaveBeenCalledWith(expect.stringMatching(/^Dry run: 1 problem /))
  })

  it('SIGINT aborts the signal the phases see', async () => {
    let seen: AbortSignal | undefined
    buildImage.mockImplementationOnce(async (ctx) => {
      seen = ctx.signal
      process.emit('SIGINT')
      return image
    })
    await run()
    expect(seen?.aborted).toBe(true)
    expect(core.warning).toHaveBeenCalledWith(expect.stringContaining('Cancellation received'))
    expect(process.listenerCount('SIGINT')).toBe(0)
  })
})
