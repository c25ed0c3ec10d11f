// "Rolled out": what the promote phase pointed at the new AMIs (launch-template versions and the
// SSM parameter), one row per template and region. Reads Result; never calls AWS.
import type { Result, TemplateRollout } from '../types.js'
import { amiLink } from './format.js'
import { cell, table } from './markdown.js'

function versionText(t: TemplateRollout): string {
  if (t.version === undefined) return '—'
  switch (t.outcome) {
    case 'already':
      return `${t.version} (already at this AMI)`
    case 'planned':
      return `${t.version} (would create)`
    default:
      return String(t.version)
  }
}

function stateText(t: TemplateRollout): string {
  if (t.error) return `failed: ${t.error.split('\n')[0]}`
  if (t.outcome === 'missing') return 'no such template in this region'
  if (t.isDefault === undefined) return '—'
  return t.isDefault ? 'default' : 'not default'
}

export function rolloutSection(result: Result): string[] {
  const promoted = result.promoted
  if (!promoted || (promoted.templates.length === 0 && promoted.parameters.length === 0)) return []
  const blocks = ['### Rolled out']
  if (promoted.templates.length) {
    const rows = promoted.templates.map((t) => [
      cell(t.templateName ?? t.template),
      cell(t.templateId ?? '—'),
      cell(t.region),
      amiLink(t.region, t.imageId),
      cell(versionText(t)),
      cell(stateText(t))
    ])
    blocks.push(table(['Launch template', 'ID', 'Region', 'AMI', 'Version', 'Default'], rows))
  }
  if (promoted.parameters.length) {
    const outcome = {
      set: 'set',
      already: 'already at this AMI',
      planned: 'would set',
      'not-set': 'not set (see warnings)',
      failed: 'failed'
    }
    const rows = promoted.parameters.map((p) => [
      cell(p.name),
      cell(p.region),
      amiLink(p.region, p.imageId),
      cell(p.error ? `failed: ${p.error.split('\n')[0]}` : outcome[p.outcome])
    ])
    blocks.push(table(['SSM parameter', 'Region', 'AMI', 'Result'], rows))
  }
  return blocks
}
