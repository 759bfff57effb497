/**
 * Writing JavaScript values as source in the house style (2 spaces, single quotes, trailing commas,
 * lines up to 160), for the emitted journey.
 */

export const LINE_WIDTH = 160

/** A piece of source standing for a value: `ctx.require('todoId')`, `process.env.VENOMQA_SECRET_PASSWORD`. */
export class Code {
  constructor(readonly code: string) {}
}

/** A quoted text, or a template literal when a part of it is source (a context read, a variable). */
export function textSource(parts: readonly (string | Code)[]): string {
  if (!parts.some((p) => p instanceof Code)) return quote(parts.join(''))
  const text = parts.map((p) => (p instanceof Code ? p.code : p.replace(/[\\`]|\$\{/g, (m) => `\\${m}`))).join('')
  return `\`${text}\``
}

export function quote(text: string): string {
  const escaped = text.replace(/[\\'\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === '\\') return '\\\\'
    if (c === "'") return "\\'"
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }
    return named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  })
  return `'${escaped}'`
}

/**
 * Text made safe to write in a `//` comment: every line break JavaScript knows (CR, LF, U+2028, U+2029)
 * shown as an escape. A name or a message with one ended the comment there, and the rest of it was code
 * that `venomqa run` ran when it loaded the journey.
 */
export function commentText(text: string): string {
  return text.replace(/\r\n|[\r\n\u2028\u2029]/g, (c) => LINE_BREAK_SHOWN[c]!)
}

const LINE_BREAK_SHOWN: Record<string, string> = { '\r\n': '\\r\\n', '\r': '\\r', '\n': '\\n', '\u2028': '\\u2028', '\u2029': '\\u2029' }

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

export function propertyKey(key: string): string {
  // `__proto__: v` (quoted or not) in an object literal sets the prototype: the key would not be sent.
  // A computed key defines an own property, as JSON.parse gave it.
  if (key === '__proto__') return `[${quote(key)}]`
  return IDENTIFIER.test(key) ? key : quote(key)
}

/** `.id`, `[0]`, `['content-type']`: one step of a property access. */
export function accessor(key: string | number): string {
  if (typeof key === 'number') return `[${key}]`
  return IDENTIFIER.test(key) ? `.${key}` : `[${quote(key)}]`
}

/**
 * A value as source. One line when it fits in `width` columns (the caller says how much of the line is
 * left), else objects and arrays are broken one entry a line, indented from `indent`.
 */
export function literal(value: unknown, indent: string, width = LINE_WIDTH - indent.length): string {
  const flat = flatLiteral(value)
  if ((flat.length <= width && !formatterBreaks(value)) || !isBreakable(value)) return flat
  const inner = indent + '  '
  const entries = Array.isArray(value)
    ? value.map((v) => literal(v, inner, LINE_WIDTH - inner.length - 1))
    : Object.entries(value as Record<string, unknown>).map(([k, v]) => `${propertyKey(k)}: ${literal(v, inner, LINE_WIDTH - inner.length - propertyKey(k).length - 3)}`)
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}']
  return `${open}\n${entries.map((e) => `${inner}${e},\n`).join('')}${indent}${close}`
}

/**
 * Whether the formatter (biome, as prettier) writes `value` over several lines however short it is: an
 * array of two or more objects, or of two or more arrays, each of more than one entry; and whatever holds
 * one. The journey is written as the formatter would leave it.
 */
function formatterBreaks(value: unknown): boolean {
  if (Array.isArray(value)) {
    const objects = value.every((v) => isPlainObject(v) && Object.keys(v).length > 1)
    const arrays = value.every((v) => Array.isArray(v) && v.length > 1)
    return (value.length > 1 && (objects || arrays)) || value.some(formatterBreaks)
  }
  return isPlainObject(value) && Object.values(value).some(formatterBreaks)
}

function isBreakable(value: unknown): boolean {
  return Array.isArray(value) ? value.length > 0 : isPlainObject(value) && Object.keys(value).length > 0
}

export function flatLiteral(value: unknown): string {
  if (value instanceof Code) return value.code
  if (value === undefined) return 'undefined'
  if (value === null) return 'null'
  if (typeof value === 'string') return quote(value)
  if (typeof value === 'number') return Number.isFinite(value) ? (Object.is(value, -0) ? '0' : String(value)) : 'null'
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return `[${value.map(flatLiteral).join(', ')}]`
  if (isPlainObject(value)) {
    const entries = Object.entries(value)
    return entries.length ? `{ ${entries.map(([k, v]) => `${propertyKey(k)}: ${flatLiteral(v)}`).join(', ')} }` : '{}'
  }
  return quote(String(value))
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !(value instanceof Code) && !Array.isArray(value)
}
