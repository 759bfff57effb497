import { type RecordedRequest, wireBody } from './http'
import { MASK_IN_TEXT } from './redact'

/**
 * A recorded request as a `curl` command to paste into a terminal. Reports only ever hold redacted
 * requests, so where a secret was hidden the command reads a shell variable instead, named after where
 * the value was (see `variableName`), and says which ones to set. Everything else is exact: the method,
 * the full URL with its query, every recorded header, the body byte for byte as the report has it.
 */

/** A shell variable a command reads where the report hid a value. */
export interface CurlVariable {
  /** `VENOMQA_AUTHORIZATION`, `VENOMQA_PASSWORD`, `VENOMQA_PASSWORD_2`... */
  name: string
  /** Where the hidden value was: `header authorization`, `query parameter token`, `body field password`. */
  from: string
}

export interface CurlCommand {
  /** The command, on one line: newlines and control characters in values are written as `$'\n'` escapes. */
  command: string
  /** Variables to set before running it, in the order the command reads them. */
  variables: CurlVariable[]
  /** `# ...` lines to show above the command: the variables to set, a body that was not recorded. */
  comments: string[]
}

/** A binary body is recorded as its size only (see the runner's prepareRequest). */
const BINARY_BODY = /^<(\d+) bytes>$/
/** The file a command reads a binary body from: the body itself is not in any report. */
export const CURL_BODY_FILE = 'body.bin'

/** Build the curl command that sends `request` again. */
export function curlCommand(request: RecordedRequest): CurlCommand {
  const names = new VariableNames()
  const comments: string[] = []
  const words: string[] = ['curl', '-g']
  // HEAD with -X would wait for a body that never comes; --head sends it and reads headers only.
  if (request.method.toUpperCase() === 'HEAD') words.push('--head')
  else words.push('-X', literal(request.method))
  words.push(shellWord(withVariables(request.url, urlName, names)))
  const headers = Object.entries(request.headers ?? {})
  for (const [name, value] of headers) {
    // `-H 'name;'` is how curl sends a header with an empty value (`name:` would remove it).
    const parts = value === '' ? [{ text: `${name};` }] : [{ text: `${name}: ` }, ...withVariables(String(value), () => ({ key: name, from: `header ${name}` }), names)]
    words.push('-H', shellWord(parts))
  }
  const body = wireBody(request.body)
  if (body !== undefined) {
    // Without a content type of its own, curl would label a --data body as a form.
    if (!headers.some(([k]) => k.toLowerCase() === 'content-type')) words.push('-H', literal('content-type:'))
    const binary = BINARY_BODY.exec(body)
    // A command line cannot carry a NUL byte at all: such a body goes through a file too.
    const unsendable = binary ? `the body was ${binary[1]} bytes of binary data, which reports do not keep` : body.includes('\u0000') ? 'the body holds NUL bytes, which no command line can carry' : undefined
    if (unsendable) {
      comments.push(`# ${unsendable}: put it in ${CURL_BODY_FILE}`)
      words.push('--data-binary', literal(`@${CURL_BODY_FILE}`))
    } else words.push('--data-raw', shellWord(withVariables(body, bodyName, names)))
  }
  const variables = names.list
  return {
    command: words.join(' '),
    variables,
    comments: [...variables.map((v) => `# set ${v.name} first: ${v.from}, redacted in this report`), ...comments],
  }
}

/** The comment lines, then the command: what a report prints for one request. */
export function curlText(request: RecordedRequest): string {
  const { command, comments } = curlCommand(request)
  return [...comments, command].join('\n')
}

/**
 * The variable for a hidden value named `key`: `VENOMQA_` and the key in upper case, every run of other
 * characters an underscore (`x-api-key` is `VENOMQA_X_API_KEY`); `VENOMQA_SECRET` when it had no name.
 */
export function variableName(key: string | undefined): string {
  const base = (key ?? '')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
  return `VENOMQA_${base || 'SECRET'}`
}

/** Names handed out for one command: a name taken twice gets `_2`, `_3`..., in the order they appear. */
class VariableNames {
  readonly list: CurlVariable[] = []
  readonly #taken = new Set<string>()

  take(key: string | undefined, from: string): string {
    const base = variableName(key)
    let name = base
    for (let n = 2; this.#taken.has(name); n++) name = `${base}_${n}`
    this.#taken.add(name)
    // Shown in a `#` comment: a newline in a key would end the comment and start a command.
    this.list.push({ name, from: from.replace(NEEDS_ESCAPES_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) })
    return name
  }
}

type Part = { text: string } | { variable: string }

/** What a hidden value is called (its key, when it had one) and where it was, said from the text before it. */
type Namer = (before: string) => { key?: string; from: string }

/** Each mask in text: `[REDACTED]`, or the `***` of a URL's password (`user:***@`). */
const MASKS = new RegExp(MASK_IN_TEXT.source, 'g')

/** `text` split at each mask, each one a variable named by `nameOf`. */
function withVariables(text: string, nameOf: Namer, names: VariableNames): Part[] {
  const parts: Part[] = []
  let at = 0
  for (const mask of text.matchAll(MASKS)) {
    const i = mask.index
    if (i > at) parts.push({ text: text.slice(at, i) })
    const { key, from } = nameOf(text.slice(Math.max(0, i - 200), i))
    parts.push({ variable: names.take(key, from) })
    at = i + mask[0].length
  }
  if (at < text.length || parts.length === 0) parts.push({ text: text.slice(at) })
  return parts
}

/** In a URL: its credentials (`//user:pass@`, or the password alone after its user), or a query parameter by its name. */
const urlName: Namer = (before) => {
  if (/^[a-z][a-z0-9+.-]*:\/\/$/i.test(before)) return { key: 'userinfo', from: 'the credentials in the URL' }
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*:$/i.test(before)) return { key: 'password', from: 'the password in the URL' }
  const query = /[?&]([^=&?#]+)=$/.exec(before)
  if (query) {
    const key = safeDecode(query[1]!)
    return { key, from: `query parameter ${key}` }
  }
  return { from: 'part of the URL' }
}

/** In a body: a JSON field (`"password":"`), a name/value pair's value, a form field (`password=`), or a `name: ` in text. */
const bodyName: Namer = (before) => {
  // The value of a name/value pair (`{"name":"password","value":"`) is called by the pair's name.
  const pair = /"(?:name|key)"\s*:\s*"([^"\\]{1,128})"\s*,\s*"value"\s*:\s*"$/i.exec(before)
  if (pair) return { key: pair[1]!, from: `body field ${pair[1]}` }
  const json = /"((?:[^"\\]|\\.)*)"\s*:\s*"$/.exec(before)
  const form = json ? undefined : /(?:^|[&\s])([^=&\s]+)=$/.exec(before)
  const key = json ? unescapeJson(json[1]!) : form ? safeDecode(form[1]!) : /([A-Za-z0-9_.-]+)["']?\s*:\s*["']?$/.exec(before)?.[1]
  return key === undefined ? { from: 'part of the body' } : { key, from: `body field ${key}` }
}

/** A word of literal text: bare when nothing in it means anything to a shell. */
function literal(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : quote(text)
}

/**
 * Characters that must not go into a command as they are: a newline would split it across lines (where a
 * report's indentation would then land in the value), and control characters, bidirectional overrides and
 * line separators would drive or mislead the terminal it is shown on.
 */
const NEEDS_ESCAPES = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/
const NEEDS_ESCAPES_ALL = new RegExp(NEEDS_ESCAPES.source, 'g')

/** Literal text for any shell: single quotes (`'` as `'\''`), or `$'...'` with escapes when it must. */
function quote(text: string): string {
  if (NEEDS_ESCAPES.test(text)) return ansiC(text)
  return `'${text.replace(/'/g, "'\\''")}'`
}

const C_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\', "'": "\\'" }

/** Bash, zsh and ksh quoting (`$'...'`, in POSIX sh since 2024): everything invisible as an escape. */
function ansiC(text: string): string {
  let out = "$'"
  for (const ch of text) {
    const code = ch.codePointAt(0)!
    if (C_ESCAPES[ch]) out += C_ESCAPES[ch]
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`
    // As UTF-8 bytes: what a `\u` escape turns into depends on the shell's locale, bytes do not.
    else if (NEEDS_ESCAPES.test(ch)) for (const byte of new TextEncoder().encode(ch)) out += `\\x${byte.toString(16).padStart(2, '0')}`
    else out += ch
  }
  return `${out}'`
}

/** What may stand in double quotes as it is: no `$`, backquote, backslash, quote or `!` (history). */
const PLAIN_IN_DOUBLE_QUOTES = /^[^$`\\"!]*$/

/**
 * One shell word of text and variables. A variable is always in double quotes (its value is one word,
 * spaces and all). Readable when it can be (`"authorization: $VENOMQA_AUTHORIZATION"`), otherwise literal
 * pieces quoted one by one around it (`'{"password":"'"$VENOMQA_PASSWORD"'"}'`).
 */
function shellWord(parts: readonly Part[]): string {
  if (parts.every((p) => 'text' in p)) return quote(parts.map((p) => (p as { text: string }).text).join(''))
  const texts = parts.filter((p): p is { text: string } => 'text' in p)
  if (texts.every((p) => PLAIN_IN_DOUBLE_QUOTES.test(p.text) && !NEEDS_ESCAPES.test(p.text))) {
    let out = '"'
    parts.forEach((p, i) => {
      if ('text' in p) out += p.text
      else {
        const next = parts[i + 1]
        // `$NAME` would run on into a following letter, digit or underscore: braces end it.
        out += next && 'text' in next && /^[A-Za-z0-9_]/.test(next.text) ? `\${${p.variable}}` : `$${p.variable}`
      }
    })
    return `${out}"`
  }
  return parts.map((p) => ('text' in p ? (p.text === '' ? '' : quote(p.text)) : `"$${p.variable}"`)).join('')
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '))
  } catch {
    return s
  }
}

function unescapeJson(s: string): string {
  try {
    return JSON.parse(`"${s}"`) as string
  } catch {
    return s
  }
}
