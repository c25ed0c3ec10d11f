// Retire old versions of the family. OWNER: prune helper (stub).
import type { RunContext } from './context.js'
import type { Fleet, Image, PruneReport } from './types.js'

export async function prune(
  _ctx: RunContext,
  _image: Image,
  _fleet: Fleet
): Promise<PruneReport | undefined> {
  return undefined
}
