// The summary's lines about where a runbook build came from: the base AMI (name, creation date),
// resolved parameters, and what `rebuild: if-changed` decided and why.
import type { Image } from '../types.js'
import { date } from './format.js'
import { cell, text } from './markdown.js'

/** How an image was obtained when it was adopted instead of built. */
export function adoptedHow(image: Image): string | undefined {
  if (image.adopted === 'unchanged-recipe') {
    const since = image.provenance?.decision?.since
    return `adopted, unchanged since ${since ? date(since) : 'its build'} (rebuild: if-changed)`
  }
  if (image.adopted === 'running-execution') {
    return `adopted from runbook execution ${cell(image.execution?.id ?? '')} of another run building the same recipe`
  }
  return undefined
}

/** Sentences for the lead paragraph (empty when the image has no provenance). */
export function provenanceParts(image: Image): string[] {
  const p = image.provenance
  if (!p) return []
  const parts: string[] = []
  const base = p.baseAmi
  if (base) {
    const from = base.resolvedFrom ? ` (resolved from ${cell(base.resolvedFrom)})` : ''
    const name = base.name ? ` (${text(base.name)})` : ''
    const created = base.creationDate ? `, created ${date(base.creationDate)}` : ''
    parts.push(`Base AMI: ${cell(base.id)}${name}${created}${from}.`)
  }
  for (const r of p.resolved.filter((r) => r.value !== base?.id || r.name !== base?.resolvedFrom)) {
    parts.push(`Parameter ${cell(r.parameter)} resolved from ${cell(r.name)}: ${cell(r.value)}.`)
  }
  const d = p.decision
  if (d?.adopt) {
    parts.push(
      `Unchanged since ${d.since ? date(d.since) : 'the last build'}: ${text(d.why)}; no runbook ran.`
    )
  } else if (d) parts.push(`Built (rebuild: if-changed): ${text(d.why)}.`)
  return parts
}
