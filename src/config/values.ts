// Generic input parsers: lists, maps, booleans, integers, enums, durations and dates.
// Each takes the input's name so its error can say which input is wrong and how to fix it.
import { parse as parseYaml } from 'yaml'
import { InputError } from '../errors.js'

/** Quote a user value for an error message, shortened so a pasted blob cannot flood the log. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value)
}

/** Commas and/or new lines; items trimmed, blanks dropped, duplicates dropped (first wins). */
export function parseList(raw: string): string[] {
  const items = raw
    .split(/[,\r\n]/)
    .map((item) => item.trim())
    .filter((item) => item !== '')
  return [...new Set(items)]
}

/** Empty means the default; otherwise exactly true or false, in any letter case. */
export function parseBoolean(input: string, raw: string, fallback: boolean): boolean {
  const value = raw.trim().toLowerCase()
  if (value === '') return fallback
  if (value === 'true') return true
  if (value === 'false') return false
  throw new InputError(input, `${input}: ${quote(raw)} is not a boolean. Use true or false.`)
}

export function parseEnum<T extends string>(
  input: string,
  raw: string,
  allowed: readonly T[],
  fallback: T
): T {
  const value = raw.trim().toLowerCase()
  if (value === '') return fallback
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new InputError(
    input,
    `${input}: ${quote(raw)} is not allowed. Use one of: ${allowed.join(', ')}.`
  )
}

/** Decimal digits only (no sign, fraction or exponent), within [min, max]. */
export function parseInteger(
  input: string,
  raw: string,
  min: number,
  max: number,
  hint = ''
): number {
  const value = raw.trim()
  const fix = `Use a whole number from ${min} to ${max}${hint ? ` (${hint})` : ''}.`
  if (!/^\d+$/.test(value)) {
    throw new InputError(input, `${input}: ${quote(raw)} is not a whole number. ${fix}`)
  }
  const number = Number(value)
  if (number < min || number > max) {
    throw new InputError(input, `${input}: ${value} is out of range. ${fix}`)
  }
  return number
}

const HOUR = 3_600_000
const DAY = 24 * HOUR
/** Units are fixed lengths so a duration means the same thing for pruning and deprecation. */
const UNITS: ReadonlyArray<[RegExp, number]> = [
  [/^(h|hr|hrs|hours?)$/, HOUR],
  [/^(d|days?)$/, DAY],
  [/^(w|wk|wks|weeks?)$/, 7 * DAY],
  [/^(m|mo|mos|months?)$/, 30 * DAY],
  [/^(y|yr|yrs|years?)$/, 365 * DAY]
]
export const DURATION_HELP =
  'a whole number and a unit: h (hours), d (days), w (weeks), m (months of 30 days) or y (years of 365 days), e.g. 90d, 12w, 6m'

/** `90d`, `12w`, `6m`, `36h`, `1y` (also `90 days`, `6 months`) -> milliseconds, always > 0. */
export function parseDuration(input: string, raw: string): number {
  const match = /^(\d{1,6})\s*([a-z]+)$/i.exec(raw.trim())
  const unit = match && UNITS.find(([pattern]) => pattern.test(match[2].toLowerCase()))
  if (!match || !unit) {
    throw new InputError(
      input,
      `${input}: ${quote(raw)} is not a duration. Write ${DURATION_HELP}.`
    )
  }
  const amount = Number(match[1])
  if (amount === 0) {
    throw new InputError(input, `${input}: ${quote(raw)} is zero. Use a duration above zero.`)
  }
  return amount * unit[1]
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2}))?$/

/**
 * RFC 3339 date-time (`2027-01-31T00:00:00Z`) or full date (`2027-01-31`, midnight UTC).
 * Returns undefined when the text does not look like a date, so callers can try a duration.
 */
export function parseDate(input: string, raw: string): Date | undefined {
  const match = RFC3339.exec(raw.trim())
  if (!match) return undefined
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = '', zone = 'Z'] =
    match
  const date = new Date(
    `${year}-${month}-${day}T${hour}:${minute}:${second}${fraction.slice(0, 4)}${zone.toUpperCase()}`
  )
  // Date() rolls 2027-02-30 over to March: compare the calendar fields to catch that.
  const valid =
    !Number.isNaN(date.getTime()) &&
    Number(month) >= 1 &&
    Number(month) <= 12 &&
    Number(day) >= 1 &&
    Number(day) <= daysInMonth(Number(year), Number(month)) &&
    Number(hour) <= 23 &&
    Number(minute) <= 59 &&
    Number(second) <= 59
  if (!valid) {
    throw new InputError(
      input,
      `${input}: ${quote(raw)} is not a real date. Write an RFC 3339 date such as 2030-01-31T00:00:00Z.`
    )
  }
  return date
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/** Lines that are blank or YAML comments carry nothing in either map syntax. */
function meaningfulLines(raw: string): string[] {
  return raw.split(/\r?\n/).filter((line) => line.trim() !== '' && !line.trim().startsWith('#'))
}

/** `Key=Value`, where Key is not YAML- or JSON-looking (`a: b=c`, `- a=b`, `{"a":"b=c"}` are YAML). */
const KEY_VALUE_LINE = /^\s*([^=\s{["'-][^=]*?)\s*=(.*)$/

function isKeyValueLine(line: string): boolean {
  const match = KEY_VALUE_LINE.exec(line)
  return !!match && !/:(\s|$)/.test(match[1])
}

export type MapValue = string | string[]

/**
 * A map as `Key=Value` lines (chosen only when every non-blank line has that form), else YAML
 * or JSON. Scalars are read as text exactly as written (YAML failsafe schema), so `01` stays
 * `01` and `true` stays `true`. Lists are allowed only when `allowLists` is set.
 */
export function parseMap(
  input: string,
  raw: string,
  allowLists: boolean
): Record<string, MapValue> {
  const lines = meaningfulLines(raw)
  if (lines.length === 0) return {}
  const example = 'e.g. "Team=platform" lines, or YAML "Team: platform"'
  if (lines.every(isKeyValueLine)) {
    const map: Record<string, MapValue> = {}
    for (const line of lines) {
      const [, key, value] = KEY_VALUE_LINE.exec(line)!
      if (Object.hasOwn(map, key)) {
        throw new InputError(
          input,
          `${input}: key ${quote(key)} is given twice. Give each key once.`
        )
      }
      setOwn(map, key, value.trim())
    }
    return map
  }
  let parsed: unknown
  try {
    parsed = parseYaml(raw, { schema: 'failsafe', prettyErrors: false })
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error)
    throw new InputError(
      input,
      `${input}: not valid Key=Value lines, YAML or JSON (${reason}). Write a map, ${example}.`
    )
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    const stray = lines.find((line) => !isKeyValueLine(line))!
    throw new InputError(
      input,
      `${input}: not a map: the line ${quote(stray.trim())} is not Key=Value and the whole is not a YAML or JSON mapping. Write a map, ${example}.`
    )
  }
  const map: Record<string, MapValue> = {}
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (key.trim() === '') {
      throw new InputError(input, `${input}: a key is empty. Give every entry a name.`)
    }
    if (typeof value === 'string') {
      setOwn(map, key, value)
    } else if (allowLists && Array.isArray(value) && value.every((v) => typeof v === 'string')) {
      setOwn(map, key, value as string[])
    } else {
      const allowed = allowLists ? 'text or a list of text' : 'text'
      throw new InputError(
        input,
        `${input}: the value of ${quote(key)} is not ${allowed}. Give it a plain value such as "${key}: value".`
      )
    }
  }
  return map
}

/**
 * `map[key] = value` that also works for `__proto__`: plain assignment would set the prototype
 * and silently drop the entry. Every key is an ordinary own property.
 */
export function setOwn<T>(map: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true })
}

/** Length as EC2 counts it: Unicode characters (code points), not UTF-16 units. */
export function charCount(value: string): number {
  return [...value].length
}
