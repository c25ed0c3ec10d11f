// Share, copy, deprecate, protect, SSM parameter: Image -> Fleet. OWNER: distribution helper (stub).
import type { RunContext } from './context.js'
import type { Fleet, Image } from './types.js'

export async function distribute(_ctx: RunContext, _image: Image): Promise<Fleet> {
  throw new Error('not implemented')
}
