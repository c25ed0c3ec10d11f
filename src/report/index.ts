// Outputs, job summary, PR comment. Reads Result; never calls AWS. OWNER: report helper (stub).
import type { RunContext } from '../context.js'
import type { Result } from '../types.js'

export async function report(_ctx: RunContext, _result: Result): Promise<void> {}
