// The "Rolling out" section of the inputs (INTERFACE.md): the launch templates that get a version
// with the new AMI, and whether that version becomes the default. A section reader: every problem
// goes to `problems`, so it is reported with every other input problem.
import type { Inputs } from './problems.js'
import { parseList, quote } from './values.js'

/** A launch template as the user named it: by ID (one region holds it) or by name (per region). */
export type TemplateRef = { id: string } | { name: string }

export interface RolloutConfig {
  /** De-duplicated, in input order. */
  templates: TemplateRef[]
  /** launch-template-set-default (default true). */
  setDefault: boolean
}

// API reference, LaunchTemplateName: 3-128 characters, [a-zA-Z0-9\(\)\.\-/_]+.
const NAME = /^[a-zA-Z0-9().\-/_]{3,128}$/
// Launch template IDs are `lt-` and hex digits (17 today, 8 for the oldest resources).
const ID = /^lt-[0-9a-f]{8,17}$/
/** Looks like an ID (`lt-` and nothing but hex digits), so it is judged as one, not as a name. */
const ID_LIKE = /^lt-[0-9a-f]*$/i

export function templateLabel(ref: TemplateRef): string {
  return 'id' in ref ? ref.id : ref.name
}

function parseTemplate(value: string): TemplateRef | string {
  if (ID_LIKE.test(value)) {
    return ID.test(value)
      ? { id: value }
      : `${quote(value)} is not a launch template ID (lt- followed by 17 lowercase hex digits, e.g. lt-0abcd1234ef567890). Write the ID as EC2 shows it, or the template's name.`
  }
  if (NAME.test(value)) return { name: value }
  return `${quote(value)} is not a launch template name (3-128 letters, digits and ( ) . - / _) or ID (lt-0abcd1234ef567890).`
}

/** Reads launch-templates and launch-template-set-default; undefined when no template is named. */
export function readRollout({ input, bool, problems }: Inputs): RolloutConfig | undefined {
  const templates: TemplateRef[] = []
  for (const item of parseList(input('launch-templates'))) {
    const parsed = parseTemplate(item)
    if (typeof parsed === 'string') problems.fail('launch-templates', parsed)
    else templates.push(parsed)
  }
  // launch-template-set-default alone asks for nothing: its default (true) is always given.
  const setDefault = bool('launch-template-set-default', true)
  if (templates.length === 0) return undefined
  return { templates, setDefault }
}
