// Minimal XML writing for the Query protocols: escaping and object → elements.

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
}

function scalar(value: unknown): string {
  if (value instanceof Date) return value.toISOString()
  return escapeXml(String(value))
}

/**
 * Serialize a plain object as XML elements, one per key. Arrays become repeated `listItem`
 * children (`item` for EC2, `member` for STS); Date → ISO 8601; booleans → true/false;
 * undefined and null are left out, as AWS leaves out absent members.
 */
export function toXml(value: Record<string, unknown>, listItem: 'item' | 'member'): string {
  let out = ''
  for (const [key, child] of Object.entries(value)) {
    if (child === undefined || child === null) continue
    out += `<${key}>${element(child, listItem)}</${key}>`
  }
  return out
}

function element(value: unknown, listItem: 'item' | 'member'): string {
  if (Array.isArray(value)) {
    return value
      .filter((v) => v !== undefined && v !== null)
      .map((v) => `<${listItem}>${element(v, listItem)}</${listItem}>`)
      .join('')
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return toXml(value as Record<string, unknown>, listItem)
  }
  return scalar(value)
}
