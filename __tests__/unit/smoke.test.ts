import { jest, describe, it, expect } from '@jest/globals'
import * as core from '../../__fixtures__/core.js'

jest.unstable_mockModule('@actions/core', () => core)
const { abortableSleep, CancelledError } = await import('../../src/context.js')

describe('abortableSleep', () => {
  it('rejects with CancelledError when aborted', async () => {
    const controller = new AbortController()
    const sleeping = abortableSleep(controller.signal)(10_000)
    controller.abort()
    await expect(sleeping).rejects.toBeInstanceOf(CancelledError)
  })
})
