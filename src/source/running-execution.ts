// Overlapping nights: two runs of one recipe at once must not build it twice. Each execution is
// tagged with its recipe; a run that finds a running execution of the same recipe waits for it and
// adopts its AMI instead of starting another.
import type { SSMClient, Tag } from '@aws-sdk/client-ssm'
import { sdk } from '../aws/clients.js'
import { RECIPE_TAG } from '../image/prior-state.js'

/** The statuses of an execution that may still produce its AMI. */
const RUNNING = ['Pending', 'InProgress', 'Waiting']

export interface RunningExecution {
  id: string
  startTime: number
}

/** StartAutomationExecution Tags: the recipe, so another run can find this execution. */
export function executionTags(recipe: string): Tag[] {
  return [{ Key: RECIPE_TAG, Value: recipe }]
}

/**
 * The first-started running execution of `document` tagged with this recipe (ties broken by ID,
 * so two runs that look at the same time agree on the same one). One DescribeAutomationExecutions
 * narrowed by tag key, status and document; ListTagsForResource only for those it returns.
 */
export async function firstRunningExecution(
  ssm: SSMClient,
  document: string,
  recipe: string
): Promise<RunningExecution | undefined> {
  const { DescribeAutomationExecutionsCommand, ListTagsForResourceCommand } = await sdk.ssm()
  const candidates: RunningExecution[] = []
  let NextToken: string | undefined
  do {
    const page = await ssm.send(
      new DescribeAutomationExecutionsCommand({
        Filters: [
          { Key: 'TagKey', Values: [RECIPE_TAG] },
          { Key: 'ExecutionStatus', Values: RUNNING },
          { Key: 'DocumentNamePrefix', Values: [bareName(document)] }
        ],
        NextToken
      })
    )
    for (const e of page.AutomationExecutionMetadataList ?? []) {
      if (!e.AutomationExecutionId || !RUNNING.includes(e.AutomationExecutionStatus ?? '')) continue
      candidates.push({
        id: e.AutomationExecutionId,
        startTime: e.ExecutionStartTime?.getTime() ?? 0
      })
    }
    NextToken = page.NextToken
  } while (NextToken)
  candidates.sort((a, b) => a.startTime - b.startTime || (a.id < b.id ? -1 : 1))
  for (const candidate of candidates) {
    const { TagList = [] } = await ssm.send(
      new ListTagsForResourceCommand({ ResourceType: 'Automation', ResourceId: candidate.id })
    )
    if (TagList.some((t) => t.Key === RECIPE_TAG && t.Value === recipe)) return candidate
  }
  return undefined
}

/** An ARN names the document after ":document/". */
function bareName(document: string): string {
  return document.includes(':document/') ? document.split(':document/')[1] : document
}
