/**
 * Small helpers to write TypeScript source the way this repository's code looks: two spaces, single
 * quotes, no semicolons. Used by the commands that write journeys (`generate`, `import postman`).
 */

/** A TypeScript string literal in single quotes. */
export function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}'`
}

/** Escape text for the inside of a template literal. */
export function templateText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${')
}

/**
 * Text made safe to write inside a comment, `//` or block: a line break (CR, LF, and the U+2028 and
 * U+2029 JavaScript counts as ones) would end a line comment, and the rest of the line would be code;
 * a star-slash would end a block comment. Both come from the documents a command reads (an operation's
 * name, a folder's, a server URL), which may be anyone's. They are shown as escapes instead.
 */
export function commentText(text: string): string {
  return text.replace(/\r\n|[\r\n\u2028\u2029]/g, (c) => LINE_BREAK_SHOWN[c]!).replace(/\*\//g, '*\\/')
}

const LINE_BREAK_SHOWN: Record<string, string> = { '\r\n': '\\r\\n', '\r': '\\r', '\n': '\\n', '\u2028': '\\u2028', '\u2029': '\\u2029' }

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/** A key as written, or computed (`[expr]`) when `rawKey` has an expression for it. */
function objectKey(key: string, rawKey: (s: string) => string | undefined): string {
  const code = rawKey(key)
  return code === undefined ? propertyKey(key) : `[${code}]`
}

/** An object key: bare when it is an identifier, quoted otherwise, computed for `__proto__`. */
export function propertyKey(key: string): string {
  // `__proto__: x` in an object literal sets the prototype; the computed form makes it a key.
  if (key === '__proto__') return `[${quote(key)}]`
  return IDENTIFIER.test(key) ? key : quote(key)
}

/** A lower_snake_case name (journey and step names), never empty. */
export function snakeCase(text: string, fallback = 'unnamed'): string {
  const words = text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
  const name = words.join('_') || fallback
  return /^[0-9]/.test(name) ? `_${name}` : name
}

/** A kebab-case file name stem. */
export function kebabCase(text: string, fallback = 'unnamed'): string {
  return snakeCase(text, fallback).replace(/^_/, '').replace(/_/g, '-')
}

/** `name`, or `name_2`, `name_3`... when taken; remembers what it hands out. */
export function uniqueNamer(separator = '_'): (name: string) => string {
  const taken = new Set<string>()
  return (name) => {
    let candidate = name
    for (let i = 2; taken.has(candidate); i++) candidate = `${name}${separator}${i}`
    taken.add(candidate)
    return candidate
  }
}

/**
 * A value as a TypeScript expression: objects and arrays on one line when they fit in `width`, one
 * property a line otherwise. `raw` marks a string that is already an expression (a ctx read, say);
 * `rawKey` a key that is one, written computed (`[expr]: value`).
 */
export function literal(
  value: unknown,
  indent = '',
  width = 100,
  raw: (s: string) => string | undefined = () => undefined,
  rawKey: (s: string) => string | undefined = () => undefined,
): string {
  if (typeof value === 'string') return raw(value) ?? quote(value)
  if (value === null || typeof value !== 'object') return value === undefined ? 'undefined' : JSON.stringify(value)
  const inner = `${indent}  `
  const entries = Array.isArray(value)
    ? value.map((v) => literal(v, inner, width, raw, rawKey))
    : Object.entries(value).map(([k, v]) => `${objectKey(k, rawKey)}: ${literal(v, inner, width, raw, rawKey)}`)
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{ ', ' }']
  if (!entries.length) return Array.isArray(value) ? '[]' : '{}'
  const oneLine = `${open}${entries.join(', ')}${close}`
  if (oneLine.length + indent.length <= width && !oneLine.includes('\n')) return oneLine
  return `${open.trim()}\n${entries.map((e) => `${inner}${e},`).join('\n')}\n${indent}${close.trim()}`
}
