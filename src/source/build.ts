// Build or adopt the image per config.source, honouring if-exists. OWNER: sources helper (stub).
import type { RunContext } from '../context.js'
import type { Image } from '../types.js'

export async function buildImage(_ctx: RunContext): Promise<Image> {
  throw new Error('not implemented')
}
