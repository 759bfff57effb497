import { SERVICE_SCHEME, serviceUserWithSlash, CREDENTIAL_RULES, MADE_UP_SECRET_PREFIX, MASK_IN_TEXT, ISSUED_MARK, ISSUED_TOKENS, JWT, JWT_MARK, HEADER_PAIR_MARK, MAYBE_SECRET, NAME_WORDS, REDACTED, OPEN_TOKEN_NAME, SECRET_NAME, QUERY_SECRET_NAMES, TEXT_RULES, type TextRule, afterBoundary, applyRule } from './redact-text-rules'
import { MIN_RANDOM_WORD, isRandomWord, wordsOf } from './random-word'
import type { RunResult } from './results'

/**
 * Secret redaction, used by the HTTP history, by assertions and by every reporter. A secret is found two
 * ways: by where it sits (a secret header, a secret-named field or query parameter, the credentials of a
 * URL, a cookie) and by what it is (a value already seen in such a place, wherever it turns up later:
 * an assertion message, a log line, an error from a plugin). The second way is what makes a leak through
 * a side door impossible: a token copied from a response into any text is masked there too.
 */
export { MADE_UP_SECRET_PREFIX, MASK_IN_TEXT, MASKED_PASSWORD, REDACTED } from './redact-text-rules'

const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'x-auth-token',
  'x-access-token',
  'x-csrf-token',
  'x-xsrf-token',
  // Common ones whose names hold none of the words below.
  'x-auth',
  'x-auth-key',
  'x-functions-key',
  // Sent by some APIs in place of `Authorization`.
  'authentication',
])

/** Keys whose values are secrets. Anchored where a bare word would catch innocent keys (`passed`, `bypass`). */
const SECRET_KEY = /password|passwd|passphrase|passcode|^pass$|secret|token|jwt|api[-_]?key|apikey|access[-_]?key|subscription[-_]?key|authorization|cookie|credential|private[-_]?key|session[-_]?id|card[-_]?number/i
/**
 * Short words that are secret only as the whole key or its last part (`pin`, `new_pwd`, `DB_PASS`, `auth`,
 * `basic_auth`): inside a word they are innocent (`spin`, `cwd`, `bypass`, `author`, `oauth`), and before the
 * last part they say what the value is about (`auth_type`, `auth_url`), as the last word of a header does
 * (`X-Auth-User`; see SECRET_HEADER_WORDS). `auth` is what `?auth=` and an `X-Auth` header hold, and a body
 * field named so (`{"auth": "<token>"}`) holds the same.
 */
const SECRET_WORD = /(?:^|[-_])(pin|otp|cvv|cvc|pwd|pass|auth)$/i

export interface RedactOptions {
  /** Extra header names or body keys to hide. */
  extraKeys?: string[]
}

/**
 * A name holding `token` whose value opens nothing (OPEN_TOKEN_NAME): a cursor of a list, or a token's
 * kind (`token_type`). Masked, a report could not show which page a request asked for or which kind of
 * token came back, and `venomqa generate` asked for a variable to hold one.
 */
const OPEN_TOKEN = new RegExp(`^${OPEN_TOKEN_NAME}$`, 'i')

/** A value VenomQA made up for a secret-named field (see MADE_UP_SECRET_PREFIX). */
export const isMadeUpSecret = (value: unknown): boolean => typeof value === 'string' && value.startsWith(MADE_UP_SECRET_PREFIX)

export function isSecretKey(key: string, options?: RedactOptions): boolean {
  if (isExtraKey(key, options)) return true
  return remembered(keyVerdicts, key, isSecretKeyNamed)
}

/** One of the caller's own secret names (`extraKeys`), in any case: never remembered, since they differ by call. */
function isExtraKey(name: string, options?: RedactOptions): boolean {
  return !!options?.extraKeys?.some((e) => e.toLowerCase() === name.toLowerCase())
}

function isSecretKeyNamed(key: string): boolean {
  if (SECRET_HEADERS.has(key.toLowerCase())) return true
  if (OPEN_TOKEN.test(key)) return false
  return SECRET_KEY.test(key) || SECRET_WORD.test(key)
}

/**
 * The verdicts of isSecretKey and isSecretHeader without extraKeys, by name: a report asks about the same
 * few names (`id`, `content-type`, `date`) for every step of a run. Bounded, for a body with a key per id.
 */
const keyVerdicts = new Map<string, boolean>()
const headerVerdicts = new Map<string, boolean>()

function remembered(verdicts: Map<string, boolean>, name: string, decide: (name: string) => boolean): boolean {
  let verdict = verdicts.get(name)
  if (verdict === undefined) {
    verdict = decide(name)
    if (verdicts.size >= 1024) verdicts.clear()
    verdicts.set(name, verdict)
  }
  return verdict
}

/**
 * Words that make a header secret as the last word of its name (`X-Custom-Auth`, `X-Client-Key`,
 * `X-Session`, `X-Hub-Signature-256`, `X-Api-Sig`: a number after it aside), beside what isSecretKey finds anywhere
 * (`token`, `secret`, `password`, `cookie`, `credential`). The last word names what the value is: before it,
 * the word says what the value is about (`X-Session-Expires: 3600`, `X-Auth-User`, `X-Key-Id`), and such a
 * value, remembered as a secret, would be masked wherever it stands in every report. Whole words only:
 * `X-Author` and `X-Monkey` hold none. Headers only: as a body key, `key` or `session` is as often data (a
 * setting's key, a session object) as a secret, while a header named so is how an API asks for a credential.
 */
const SECRET_HEADER_WORDS = new Set(['auth', 'authn', 'authentication', 'key', 'keys', 'session', 'signature', 'sig'])
/**
 * Headers whose names end so but whose values open nothing: a key a client makes up to tell a retry from a
 * new request (masked, a report could no longer show which requests were one), the nonce of a WebSocket
 * handshake.
 */
const OPEN_HEADERS = new Set(['idempotency-key', 'x-idempotency-key', 'sec-websocket-key'])

/** A header whose value is masked: a secret key by isSecretKey, or a name whose last word is one of SECRET_HEADER_WORDS. */
export function isSecretHeader(name: string, options?: RedactOptions): boolean {
  if (isExtraKey(name, options)) return true
  return remembered(headerVerdicts, name, isSecretHeaderNamed)
}

function isSecretHeaderNamed(name: string): boolean {
  if (isSecretKeyNamed(name)) return true
  const lower = name.toLowerCase()
  if (OPEN_HEADERS.has(lower.replace(/_/g, '-'))) return false
  const words = lower.split(/[-_]+/)
  while (words.length > 1 && /^\d+$/.test(words[words.length - 1]!)) words.pop()
  return SECRET_HEADER_WORDS.has(words[words.length - 1]!)
}

/**
 * A key that names a secret itself (`token`, `refresh_token`, `apiKey`, `credentials`), not something about
 * one (`tokenCount`, `token_expires_in`, `passwordPolicy`): its value is masked whatever its type, since a
 * numeric token, a `refresh_token` array and an `apiKey: { value }` object hide a secret as well as a
 * string does. Not `auth`: an object under it says how to authenticate (Postman's `{ type: 'bearer',
 * bearer: [...] }`, `{ username, password }`), and is read field by field, its secrets masked by their names.
 * A plural names secrets as well (`passwords: [...]`, `old_passphrases`): a list of them is no less a secret.
 */
const NAMES_A_SECRET = /(?:passwords?|passwds?|passphrases?|passcodes?|^pass|secrets?|tokens?|jwts?|api[-_]?keys?|access[-_]?keys?|subscription[-_]?keys?|authorization|cookies?|credentials?|private[-_]?keys?|session[-_]?ids?|card[-_]?numbers?)$|(?:^|[-_])(?:pin|otp|cvv|cvc|pwd|pass)$/i

/**
 * Whether the value under `key` is masked whole: any string under a secret key, anything under a key
 * naming one (a list under `passwords`, an object under `credentials`). A writer that must keep such a
 * value's shape without its secrets (a regression journey) asks here, so that it reads the value as the
 * record hid it.
 */
export function isSecretEntry(key: string, v: unknown, options?: RedactOptions): boolean {
  return secretEntry(key, v, options)
}

/** Whether the value under `key` is masked: any string under a secret key, anything under a key naming one. */
function secretEntry(key: string, v: unknown, options?: RedactOptions): boolean {
  // A boolean (`password_set: true`) is one bit and an absent value nothing: neither hides a secret.
  if (v === null || v === undefined || typeof v === 'boolean') return false
  if (typeof v === 'string' && isSessionToken(key, v)) return true
  if (!isSecretKey(key, options) || isMadeUpSecret(v)) return false
  return typeof v === 'string' || NAMES_A_SECRET.test(key) || isExtraKey(key, options) || SECRET_HEADERS.has(key.toLowerCase())
}

/**
 * A body key named just `session` holds data as often as a secret (`"session": "morning"`, a session
 * object), so it is no secret key; but a string under it shaped like a token (`"session": "s%3AJ9x..."`,
 * 16 characters or more with no white space) is the session itself, and is masked. Only that value: a
 * word there stays readable, and is not remembered as a secret to mask wherever it stands.
 */
function isSessionToken(key: string, value: string): boolean {
  return value.length >= 16 && key.length === 7 && key.toLowerCase() === 'session' && !/\s/.test(value)
}

/**
 * The secret name of a name/value pair (`{ "name": "password", "value": "..." }` as HAR and Kubernetes
 * write one, `{ "key": "api_key", "value": "..." }` as Postman does), whose `value` is then masked as if it
 * sat under that name. A name holding white space is a label of prose (`"Password reset"`), not a field.
 */
export function secretPairName(pair: object, options?: RedactOptions): string | undefined {
  const o = pair as Record<string, unknown>
  // Most objects have no `value`: one look, and the common path is done.
  if (!('value' in o)) return undefined
  const name = typeof o.name === 'string' ? o.name : o.key
  if (typeof name !== 'string' || name.length > 128 || /\s/.test(name)) return undefined
  if (secretEntry(name, o.value, options)) return name
  // A header by its shape, as HAR writes a request's headers (`X-Client-Key`): secret by the header rule.
  return HEADER_SHAPED.test(name) && typeof o.value === 'string' && isSecretHeader(name, options) ? name : undefined
}

/** `X-Client-Key`, `X-Hub-Signature-256`: words joined by `-`, as a header's name is written. */
const HEADER_SHAPED = /^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+$/

export function redactHeaders(headers: Record<string, string | string[] | undefined>, options?: RedactOptions): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue
    const value = Array.isArray(v) ? v.join(', ') : String(v)
    const name = k.toLowerCase()
    if (name === 'cookie' && !isExtraKey(k, options)) out[name] = redactCookies(value, options)
    // A value VenomQA made up for a secret header (an OpenAPI `X-Api-Key` with no example) is shown, as in a query or a body.
    else out[name] = isSecretHeader(k, options) && !isMadeUpSecret(value) ? REDACTED : redactText(value)
  }
  return out
}

/**
 * Cookies named as a session or a credential is (`sid`, `connect.sid`, `PHPSESSID`, `auth_token`,
 * `remember_me`, `csrftoken`), beside the names a query's secret has (isSecretQueryName: `session`, `key`).
 */
const SECRET_COOKIE_NAME = /sess|(?:^|[^a-z])sid(?:[^a-z]|$)|auth|token|jwt|csrf|xsrf|login|remember|secret|passw|credential|(?:^|[^a-z])sig(?:[^a-z]|$)/i

/** Whether a cookie's value is a secret by the cookie's name alone (see SECRET_COOKIE_NAME). */
export function isSecretCookieName(name: string, options?: RedactOptions): boolean {
  return SECRET_COOKIE_NAME.test(name) || isSecretQueryName(name, options)
}

/**
 * A `Cookie` header with each secret cookie's value masked: one named as a secret (isSecretCookieName), or
 * one whose value is a known secret (the client's own cookies, the config's, are all remembered as such:
 * see secretsOfHeader), holds one, or reads as a generated key (looksLikeSecret), whatever its name. A cookie that is a plain parameter (an OpenAPI operation's
 * `shelf_size=0`) stays readable: masked whole, a report hid the very value a bug was reached through.
 */
export function redactCookies(value: string, options?: RedactOptions): string {
  return value
    .split(';')
    .map((part) => {
      const eq = part.indexOf('=')
      // A value with no name (`Cookie: <token>`) says nothing of what it is: masked, as a token may be.
      if (eq < 0) return part.trim() === '' ? part : `${part.match(/^\s*/)![0]}${REDACTED}`
      const name = part.slice(0, eq).trim()
      const cookie = part.slice(eq + 1).trim()
      if (cookie === '' || isMadeUpSecret(cookie)) return part
      const secret = isSecretCookieName(name, options) || knownSecrets.has(cookie) || knownSecrets.has(safeDecode(cookie)) || looksLikeSecret(cookie)
      return secret ? `${part.slice(0, eq + 1)}${REDACTED}` : part
    })
    .join(';')
}

export function redactValue(value: unknown, options?: RedactOptions, depth = 0): unknown {
  if (depth > 50) return REDACTED
  if (Array.isArray(value)) return value.map((v) => redactValue(v, options, depth + 1))
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      out[k] = secretEntry(k, v, options) ? REDACTED : redactValue(v, options, depth + 1)
    if (secretPairName(value, options) !== undefined) out.value = REDACTED
    return out
  }
  if (typeof value === 'string') return redactText(value)
  // A secret sent as a number (`"code": 482913`, a PIN read from the environment and sent as JSON's number)
  // is the same secret as its text: masked as the string leaf it was before JSON made it a number.
  if ((typeof value === 'number' || typeof value === 'bigint') && knownSecrets.has(value)) return REDACTED
  return value
}

/** Mask secrets inside free text (error messages, raw bodies, form bodies, URLs, log lines). */
export function redactText(text: string): string {
  const shaped = maskTokens(text)
  return MAYBE_SECRET.test(shaped) ? maskBy(TEXT_RULES, shaped) : knownSecrets.mask(shaped)
}

/**
 * Every JSON Web Token and every key of a known issuer (`sk_live_...`, `ghp_...`, `AKIA...`) in `text`
 * masked, whatever names it or none: its shape is enough.
 */
function maskTokens(text: string): string {
  const masked = mayHoldToken(text) ? text.replace(JWT, REDACTED) : text
  return ISSUED_MARK.test(masked) ? masked.replace(ISSUED_TOKENS, REDACTED) : masked
}

/**
 * Whether `text` holds `eyJ`, which every JSON Web Token starts with. It looks for the `J` first: a search
 * for one character is a fast scan, and most text holds few capital Js, where a search for `eyJ` stops at
 * every `e` (on a 1 KB body a tenth of what redactText's pre-test costs, for nothing in almost every text).
 */
function mayHoldToken(text: string): boolean {
  for (let i = text.indexOf('J', 2), tries = 1; i >= 0; i = text.indexOf('J', i + 1), tries++) {
    if (text.charCodeAt(i - 1) === 0x79 && text.charCodeAt(i - 2) === 0x65) return true
    // Text full of Js: one search for the whole mark from here costs less than a step for each.
    if (tries === 16) return text.includes(JWT_MARK, i)
  }
  return false
}

/** Whether masked text holds a mask (MASK_IN_TEXT): a value the record hid, wholly or in part. */
export function holdsMask(text: string): boolean {
  return MASK_IN_TEXT.test(text)
}

/**
 * The sure part of redactText: the credentials of a URL, a Bearer or Basic value, a JSON Web Token, and
 * every value already seen in a secret place. For messages whose `name: value` shapes are the tool's own
 * (`headers.x-token: environment variable NOT_SET is not set`), where redactText's rule for `token: abc`
 * would hide a word of the message, not a secret.
 */
export function redactCredentials(text: string): string {
  return maskBy(CREDENTIAL_RULES, maskTokens(text))
}

/** `text` with every rule's pattern replaced, in order, then every known secret masked. */
function maskBy(rules: readonly TextRule[], text: string): string {
  let masked = text
  for (const rule of rules) masked = applyRule(masked, rule)
  return knownSecrets.mask(masked)
}

/**
 * Whether `text` is or holds a credential by its form alone, whatever name it sits under: what
 * redactText masks in it (a JSON Web Token, a token of a known issuer, a `password=...` pair, a Bearer
 * value, a URL's credentials, a value known to be secret), or a word
 * random enough to be a generated key. For text about to be written where it stays (a generated file):
 * too wide to mask every such word of a report, where ids and digests are worth reading.
 */
export function looksLikeSecret(text: string): boolean {
  // redactText masks a token of a known issuer too.
  return redactText(text) !== text || wordsOf(text).some(isRandomWord)
}

/** Redact a body that may be a JSON string, a form string or plain text. */
export function redactBody(body: unknown, options?: RedactOptions): unknown {
  if (typeof body === 'string') {
    const trimmed = body.trim()
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      try {
        return JSON.stringify(redactValue(JSON.parse(trimmed), options))
      } catch {
        /* not JSON: fall through */
      }
    }
    return redactText(body)
  }
  return redactValue(body, options)
}

/** A label (`token`, `body.refresh_token`, `res.headers['set-cookie']`, `api key`) that names a secret. */
export function labelNamesSecret(label: string, options?: RedactOptions): boolean {
  if (isSecretKey(label.trim().replace(/\s+/g, '_'), options)) return true
  return label.split(/[^A-Za-z0-9_-]+/).some((part) => part !== '' && isSecretKey(part, options))
}

// ---------------------------------------------------------------------------------------------------
// Values known to be secret

/** Shorter values are not remembered: masking every `42` or `abc` would garble every report. */
const MIN_KNOWN = 4
/**
 * Values this long are masked wherever they stand in text, inside longer words too, unless they read as a
 * word or a number (readsAsWord). A shorter one (a four-digit PIN, a short password) is masked only as a
 * whole token, with no letter or digit next to it (`pin 4711`, `?code=4711&`, `"4711"`): inside other
 * words it would eat digits of a duration or an id (`14711`, `4711ms`) and letters of words.
 */
const MIN_KNOWN_ANYWHERE = 6
/** Longest number masked as a whole token only (a PIN, an OTP, `123456`); a longer one (a card's number) goes anywhere. */
const MAX_WORD_LIKE_NUMBER = 12
/** Letters in the cases a word is written in: `secret`, `Welcome`, `CHANGEME`, `contraseña`. */
const WORD_LIKE_LETTERS = /^(?:\p{Lu}?\p{Ll}+|\p{Lu}+)$/u
const WORD_LIKE_NUMBER = new RegExp(`^\\p{Nd}{1,${MAX_WORD_LIKE_NUMBER}}$`, 'u')

/**
 * Whether a known secret reads as an ordinary word or number (`secret`, `password`, `changeme`, `123456`,
 * a six-digit OTP), as test fixtures and a variable set to a placeholder (`API_TOKEN=wrong`) hold them:
 * masked as a whole token only, as a short value is, where it stands as a value (`token: secret`,
 * `?pw=changeme&`, `"123456"`), but not inside other words and numbers (`secrets`, `passwords`,
 * `1701234567`), which it would garble in every message and which hide nothing. Shorter than a generated
 * key is taken to be (MIN_RANDOM_WORD): a long run of letters is a passphrase or a key, masked anywhere, and
 * so is anything with letters and digits mixed or in mixed case (`Xk29fLq0Zp7`), however it is glued.
 */
function readsAsWord(value: string): boolean {
  return value.length < MIN_RANDOM_WORD && (WORD_LIKE_LETTERS.test(value) || WORD_LIKE_NUMBER.test(value))
}
/**
 * Literals every text is full of: a cookie or a field may hold one, but masking each would garble every message.
 * `undefined` is what a template sends for a value never set (`Bearer ${token}`): no credential, and JavaScript's
 * own errors say it (`Cannot read properties of undefined`).
 */
const NEVER_MASKED_IN_TEXT = new Set(['true', 'false', 'null', 'none', 'undefined'])
/**
 * What may not stand right before or after a value masked as a whole token: a letter or a digit, of any
 * script, or what joins the words of a name (`_`, `-`); nor a dot joined to one on that side, which makes the
 * value a part of a file's or a host's name (`test.ts`, `demo.example.test`). Test fixtures hold short
 * passwords (`demo`, `admin`, `test`): masked inside `demo_login`, `create-admin` or `login.test.ts`, every
 * step and path named after one would be garbled.
 */
const WORD_CHARACTER = '[\\p{L}\\p{N}_-]'
const WORD_BEFORE = `(?:${WORD_CHARACTER}|[\\p{L}\\p{N}]\\.)`
const WORD_AFTER = `(?:${WORD_CHARACTER}|\\.[\\p{L}\\p{N}])`
const MAX_KNOWN = 4096
const MAX_PENDING = 64

/**
 * Secret values seen so far. Sources are read lazily (most exchanges are never shown, and parsing every
 * body at send time was the HTTP client's main cost), but a bounded queue means none is ever dropped.
 */
export class KnownSecrets {
  readonly #values = new Set<string>()
  /** Values shorter than this are not remembered (MIN_KNOWN by default). */
  readonly #shortest: number

  /**
   * `shortest`: the length under which a value is not remembered. Below MIN_KNOWN only for text the
   * secrets were found in, and only its own (a statement of a script that holds one): there a 3-character
   * password is masked where it stands again as a whole token, as any short one is; in every output of a
   * run, it would mask that word in every message.
   */
  constructor(options: { shortest?: number } = {}) {
    this.#shortest = Math.max(1, options.shortest ?? MIN_KNOWN)
  }
  #pending: (() => Iterable<string>)[] = []
  /** The long values, matched anywhere, and the short and word-like ones, matched as whole tokens (see MIN_KNOWN_ANYWHERE, readsAsWord). */
  #patterns: { anywhere: RegExp | null; token: RegExp | null } = { anywhere: null, token: null }
  #patternStale = false

  /** Remember values now. */
  add(values: Iterable<unknown>): void {
    for (const v of values) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'bigint') continue
      const s = String(v)
      if (s.length < this.#shortest || s === REDACTED || this.#values.has(s) || isMadeUpSecret(s)) continue
      this.#values.add(s)
      this.#patternStale = true
      if (this.#values.size > MAX_KNOWN) this.#values.delete(this.#values.values().next().value as string)
    }
  }

  /** Remember the values a source yields when they are first needed. */
  addLater(source: () => Iterable<string>): void {
    this.#pending.push(source)
    if (this.#pending.length > MAX_PENDING) this.#drain()
  }

  /** The value, as a whole, is a known secret. */
  has(value: unknown): boolean {
    this.#drain()
    return (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') && this.#values.has(String(value))
  }

  get size(): number {
    this.#drain()
    return this.#values.size
  }

  /**
   * Every known secret inside `text`, as written, URL-encoded or JSON-escaped, replaced by the mask; a
   * short one where it stands as a whole token. The long ones go first: a short secret inside a long one
   * would otherwise cut it, and leave the rest of it in the text.
   */
  mask(text: string): string {
    this.#drain()
    if (this.#values.size === 0) return text
    if (this.#patternStale) this.#patterns = this.#build()
    const { anywhere, token } = this.#patterns
    const masked = anywhere ? text.replace(anywhere, REDACTED) : text
    return token ? masked.replace(token, REDACTED) : masked
  }

  clear(): void {
    this.#values.clear()
    this.#pending = []
    this.#patterns = { anywhere: null, token: null }
    this.#patternStale = false
  }

  #drain(): void {
    while (this.#pending.length) {
      const batch = this.#pending
      this.#pending = []
      for (const source of batch) {
        try {
          this.add(source())
        } catch {
          /* a source that cannot be read holds nothing we could find either */
        }
      }
    }
  }

  #build(): { anywhere: RegExp | null; token: RegExp | null } {
    this.#patternStale = false
    const long = new Set<string>()
    const short = new Set<string>()
    for (const v of this.#values) {
      if (NEVER_MASKED_IN_TEXT.has(v.toLowerCase())) continue
      const forms = v.length < MIN_KNOWN_ANYWHERE || readsAsWord(v) ? short : long
      forms.add(v)
      forms.add(encodeURIComponent(v))
      forms.add(JSON.stringify(v).slice(1, -1))
      for (const form of urlForms(v)) forms.add(form)
    }
    const token = alternativesOf(short)
    return {
      anywhere: long.size ? new RegExp(alternativesOf(long), 'g') : null,
      // `u`, for the letters of every script around a token; every character alternativesOf escapes may be escaped under it.
      token: short.size ? new RegExp(`${afterBoundary(WORD_BEFORE)}(?:${token})(?!${WORD_AFTER})`, 'gu') : null,
    }
  }
}

/**
 * A value as a URL holds it where encodeURIComponent would write it otherwise: a query or a form body
 * (`URLSearchParams`: a space as `+`, `!'()~` encoded) and a path (`@`, `:`, `!`, `=` left as they are, a
 * space as `%20`). Sent under a name that says nothing (`?answer=`, `/users/<value>`), a known secret stood
 * there in a form no other one matched.
 */
function urlForms(value: string): string[] {
  const query = new URLSearchParams([['', value]]).toString().slice(1)
  const url = new URL('http://x/')
  url.pathname = `/${value}`
  return [query, url.pathname.slice(1)]
}

/** The texts as one regular expression's alternatives, longest first: where two start at one place, the longer is masked whole. */
function alternativesOf(texts: Set<string>): string {
  return [...texts]
    .sort((a, b) => b.length - a.length)
    .map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|')
}

/** This process's secrets: fed by the HTTP client, read by assertions, redactText and every reporter. */
export const knownSecrets = new KnownSecrets()

const COOKIE_ATTRIBUTES = new Set(['path', 'domain', 'expires', 'max-age', 'samesite', 'secure', 'httponly', 'priority', 'partitioned'])

/**
 * The secret parts of one header value: the whole value, a bearer token, each cookie's value. A request's
 * `Cookie` holds the client's own cookies (a session) beside cookies that are plain parameters (an OpenAPI
 * operation's `shelf_size=0`): only its secret cookies (see redactCookies) are, unless `everyCookie` (the
 * client's own headers: the config's, `setHeader`'s), where every cookie is.
 */
export function secretsOfHeader(name: string, value: string, options?: { everyCookie?: boolean }): string[] {
  if (!options?.everyCookie && name.toLowerCase() === 'cookie') return secretCookiesOf(value)
  const out = [value]
  const scheme = /^\s*(Bearer|Basic|Digest|Token)\s+(\S+)/i.exec(value)
  if (scheme?.[2]) out.push(scheme[2])
  // What a server that decodes Basic credentials quotes back (`unknown user al:hunter22`): the pair and the password.
  if (scheme?.[1]?.toLowerCase() === 'basic' && scheme[2]) {
    const pair = Buffer.from(scheme[2], 'base64').toString('utf8')
    const colon = pair.indexOf(':')
    if (colon > 0 && !pair.includes('\uFFFD')) out.push(pair, pair.slice(colon + 1))
  }
  if (/cookie/i.test(name))
    for (const m of value.matchAll(/(?:^|[;,])\s*([^=;,\s]+)=([^;,]*)/g))
      if (m[1] && !COOKIE_ATTRIBUTES.has(m[1].toLowerCase())) out.push(m[2]!.trim(), `${m[1]}=${m[2]!.trim()}`)
  return out
}

/** The values (and `name=value` pairs) of a request Cookie's secret cookies: those named as secrets are. */
function secretCookiesOf(value: string): string[] {
  const out: string[] = []
  for (const m of value.matchAll(/(?:^|;)\s*([^=;\s]+)=([^;]*)/g)) {
    const cookie = m[2]!.trim()
    // A value the record masked already is no secret to learn: `sid=[REDACTED]` learnt, a report masked it whole.
    if (cookie && cookie !== REDACTED && isSecretCookieName(m[1]!)) out.push(cookie, `${m[1]}=${cookie}`)
  }
  return out
}

/**
 * The secrets of a URL: its credentials and the values of its secret query parameters (`extraKeys` too).
 * A URL may be relative, as a `Location` header gives one (`/callback?code=...`).
 */
export function secretsOfUrl(url: string, options?: RedactOptions): string[] {
  const out: string[] = []
  let parsed: URL
  try {
    parsed = new URL(url, 'http://relative.invalid')
  } catch {
    return out
  }
  // The user name is an identity beside a password; alone, it may be the credential (`-u sk_test_...:`).
  const credential = parsed.password || parsed.username
  if (credential) out.push(credential, safeDecode(credential))
  out.push(...secretQueryValues(parsed, options))
  return out
}

/** The values of a URL's secret query parameters, decoded and as the URL holds them (`a+b` is a form's `a b`). */
function secretQueryValues(url: URL, options?: RedactOptions): string[] {
  const out: string[] = []
  for (const [k, v] of url.searchParams) if (isSecretQueryName(k, options)) out.push(v)
  for (const { name, value } of rawQuery(url.search)) if (value && isSecretQueryName(name, options)) out.push(value)
  return out
}

/** Headers whose value is a URL a client follows: no secret themselves, but the URL's query may hold one. */
const URL_HEADERS = new Set(['location', 'content-location'])

/**
 * The secrets of a header that is no secret but holds a URL (`Location: /callback?code=...`, an OAuth
 * redirect): those of the URL, remembered as soon as the response comes, before the code is ever sent.
 */
export function secretsOfUrlHeader(name: string, value: string, options?: RedactOptions): string[] {
  return value.includes('?') && URL_HEADERS.has(name.toLowerCase()) ? secretsOfUrl(value, options) : []
}

/** A query's parameters as they are written (`?a=x+y&b`), their names decoded. */
function rawQuery(search: string): { name: string; value: string; text: string }[] {
  if (search.length < 2) return []
  return search
    .slice(1)
    .split('&')
    .map((text) => {
      const eq = text.indexOf('=')
      const name = eq < 0 ? text : text.slice(0, eq)
      return { name: safeDecode(name.replace(/\+/g, ' ')), value: eq < 0 ? '' : text.slice(eq + 1), text }
    })
}

/**
 * A URL with the values of its secret query parameters masked by name (`extraKeys` too, whatever their
 * length or encoding), then as free text (credentials, known secrets). What a request line shows.
 */
export function redactUrl(url: string, options?: RedactOptions): string {
  const hash = url.indexOf('#')
  const q = url.indexOf('?')
  // No query, or a `?` that is the fragment's.
  if (q < 0 || (hash >= 0 && hash < q) || !options?.extraKeys?.length) return redactText(url)
  const end = hash < 0 ? url.length : hash
  const params = rawQuery(url.slice(q, end)).map(({ name, value, text }) =>
    value && isSecretQueryName(name, options) && !isMadeUpSecret(value) ? `${text.slice(0, text.length - value.length)}${REDACTED}` : text,
  )
  return redactText(`${url.slice(0, q)}?${params.join('&')}${url.slice(end)}`)
}

/** What ends a URL written in text (white space, a quote, an angle bracket, a backquote), and with it the user part the text rules mask. */
const ENDS_URL_IN_TEXT = /[\s"'<>`]/g

/** A character percent-encoded as a URL writes it: `'`, which encodeURIComponent leaves, too. */
const percentEncoded = (char: string): string => (char === "'" ? '%27' : encodeURIComponent(char))

/**
 * A URL given whole (an option's `url`, a server's address), not found in text, as a message shows it: as
 * redactUrl shows a request's (the user named and the password `***`, the whole user part where the user
 * may be the credential, a secret query parameter masked). A client reads such a URL to its end, so a
 * password may hold what ends a URL in text (a line break, a space, a quote): those are shown
 * percent-encoded, as a URL's parser writes them, and the password is masked whole, not cut where the
 * text rules would end the URL.
 */
export function redactWholeUrl(url: string): string {
  return redactUrl(url.replace(ENDS_URL_IN_TEXT, percentEncoded))
}

/**
 * A database's connection URL given whole (an option's `url`, `DATABASE_URL`), as redactWholeUrl shows it:
 * a user name with no password is a role (`postgres://postgres@db/app`), shown as every URL's user alone
 * is, which the reader needs to tell which account connects, and which a URL to copy into the app's
 * settings (the pg-proxy's) must keep; unless it has a token's form.
 */
export function redactConnectionUrl(url: string): string {
  return redactWholeUrl(url)
}

/** Made once: a query name is checked for every parameter of every request line shown. */
const SECRET_QUERY_NAME = new RegExp(`^${SECRET_NAME}$`, 'i')
const QUERY_ONLY_NAME = new RegExp(`^(?:${QUERY_SECRET_NAMES})$`, 'i')

/**
 * Whether a query parameter's value is a secret, by its name: a secret key (`access_token`, `password`),
 * a secret name as redaction masks it in text (`api-key`), or a name that is secret in a query alone
 * (`key`, `sig`, `pwd`, `session`, OAuth's `code`: QUERY_SECRET_NAMES). The one rule for a query: what
 * redaction masks in a URL is what a written journey never writes.
 */
export function isSecretQueryName(name: string, options?: RedactOptions): boolean {
  if (isSecretKey(name, options)) return true
  // A cursor of a list (`?page_token=`) or a token's kind (`&token_type=bearer`) opens nothing, as
  // isSecretKey says: its `token` must not say otherwise.
  if (OPEN_TOKEN.test(name)) return false
  return SECRET_QUERY_NAME.test(name) || QUERY_ONLY_NAME.test(name)
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

/**
 * Each URL written in a string, alone or inside longer text (`primary=postgres://app:pw@db/app replica=...`,
 * `--url=redis://:pw@host`): a scheme at a word's start, up to a space, a quote or an angle bracket. The
 * lookbehind keeps it linear: a scheme is tried only where a word starts, not at every letter of one.
 */
const URL_IN_TEXT = /(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi
/** Punctuation that ends a sentence or a list around a URL (`see https://h/x?token=abc.`), not part of it. */
const TRAILING_PUNCTUATION = /[.,;:!?)\]}]+$/

/** The secrets of every URL in a string that carries a password or a query (passwordAndSecretsOfUrl). */
function secretsOfUrlsIn(text: string, options?: RedactOptions): string[] {
  // Most strings hold no URL: one cheap look before the regular expression.
  if (!text.includes('://')) return []
  const out: string[] = []
  for (const [m] of text.matchAll(URL_IN_TEXT)) {
    const url = m.replace(TRAILING_PUNCTUATION, '')
    if (url.includes('@') || url.includes('?')) out.push(...passwordAndSecretsOfUrl(url, options))
  }
  return out
}

/**
 * The password of a URL and the values of its secret query parameters: not its user name (unless it holds
 * an `@` and stands alone), which in a
 * server's URL is a role (`postgres://postgres@host/db`) and, known as a secret, masked that word everywhere.
 * Nor a password the URL writes in clear as well, as its scheme, user, host or a path segment: the default
 * one of a development server (`postgres://postgres:postgres@db/app`, `mysql://root:root@...`), which known
 * as a secret masked the same word everywhere again; in the URL itself, it is masked by its place.
 */
function passwordAndSecretsOfUrl(url: string, options?: RedactOptions): string[] {
  // A user with an unencoded `/` (`postgres://to/k@db/x`), which a URL's parser reads as a host and a path:
  // masked whole in the URL, and known, where a driver names the user (`role "to/k" does not exist`).
  const slashed = serviceUserWithSlash(url)
  if (slashed) return [slashed, safeDecode(slashed)]
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return []
  }
  const password = safeDecode(parsed.password)
  const inClear = [parsed.protocol.slice(0, -1), parsed.username, parsed.hostname, ...parsed.pathname.split('/')].map((part) => safeDecode(part).toLowerCase())
  const out = password && !inClear.includes(password.toLowerCase()) ? [parsed.password, password] : []
  // A user alone that holds an `@` (`postgres://tok@en@db/x`) is masked whole in the URL, as no role is
  // (redactConnectionUrl): known, it is masked too where a driver or a server names the user
  // (`role "tok@en" does not exist`), which would show what the URL hides.
  if (!password && parsed.username.includes('%40')) out.push(parsed.username, safeDecode(parsed.username))
  out.push(...secretQueryValues(parsed, options))
  return out
}

/** Leaves (strings, numbers) of a parsed body that sit under a secret key, at any depth, and the secrets of its URLs. */
export function secretsOfValue(value: unknown, options?: RedactOptions): string[] {
  const out: string[] = []
  const leaves = (v: unknown, depth: number): void => {
    if (depth > 50 || v === null || v === undefined) return
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') out.push(String(v))
    else if (typeof v === 'object') for (const x of Object.values(v as object)) leaves(x, depth + 1)
  }
  const walk = (v: unknown, depth: number): void => {
    if (depth > 50 || !v || typeof v !== 'object') return
    if (secretPairName(v, options) !== undefined) leaves((v as { value: unknown }).value, depth + 1)
    for (const [k, x] of Object.entries(v as object)) {
      // A URL that carries its credentials (`redis://:pw@host`, a webhook's `?token=`) under any key, alone
      // or inside longer text (a DSN list, a command line): a plugin's options name their servers so, and
      // the password is a secret whatever the key.
      if (typeof x === 'string') out.push(...secretsOfUrlsIn(x, options))
      if (!secretEntry(k, x, options)) walk(x, depth + 1)
      else if (describesASecret(x)) {
        // Its words say what the secret is like; only a value it documents as sent may be one.
        for (const [kw, y] of Object.entries(x as object)) if (DOCUMENTED_VALUES.has(kw)) leaves(y, depth + 2)
        walk(x, depth + 1)
      } else leaves(x, depth + 1)
    }
  }
  walk(value, 0)
  return out
}

/**
 * The keywords of a JSON Schema (and of OpenAPI's Schema Object). An API that serves its own OpenAPI
 * document answers with schemas under secret names (`Credentials`, a `password` property): their words
 * (`string`, `object`, `email`) taken for secrets were masked in every later text, and a regression
 * journey read a body's `'email'` from an environment variable.
 */
const SCHEMA_KEYWORDS = new Set([
  '$schema', '$id', '$ref', '$defs', '$anchor', '$dynamicRef', '$dynamicAnchor', '$comment', 'definitions',
  'type', 'format', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'items', 'prefixItems', 'minItems', 'maxItems', 'uniqueItems', 'contains', 'minContains', 'maxContains', 'unevaluatedItems', 'additionalItems',
  'properties', 'required', 'additionalProperties', 'patternProperties', 'propertyNames', 'minProperties', 'maxProperties', 'unevaluatedProperties',
  'dependentRequired', 'dependentSchemas', 'allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else',
  'title', 'description', 'nullable', 'readOnly', 'writeOnly', 'deprecated', 'discriminator', 'xml', 'externalDocs',
  'contentMediaType', 'contentEncoding', 'contentSchema', 'example', 'examples', 'default', 'const', 'enum',
])
const SCHEMA_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null'])
/** OpenAPI's Security Scheme Object (`api_key: { type: 'apiKey', in: 'header', name: 'api_key' }`, as the Petstore has). */
const SECURITY_SCHEME_KEYWORDS = new Set(['type', 'description', 'name', 'in', 'scheme', 'bearerFormat', 'flows', 'openIdConnectUrl'])
const SECURITY_SCHEME_TYPES = new Set(['apiKey', 'http', 'oauth2', 'openIdConnect', 'mutualTLS'])
/** What a schema documents as a value of the thing itself: under a secret name, a default password is one. */
const DOCUMENTED_VALUES = new Set(['example', 'examples', 'default', 'const', 'enum'])

/**
 * Whether an object under a secret name is a schema or a security scheme, which describes the secret
 * rather than holding it: every key one of their keywords (or an `x-` extension), and a sign of what it
 * is (a schema type, a `$ref`, `properties`, a composition; a scheme type). A credentials object with a
 * `value`, a `user` or a `type` that is no schema type (`{ type: 'bearer', value }`) is still a secret.
 */
function describesASecret(v: unknown): boolean {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false
  const o = v as Record<string, unknown>
  const keys = Object.keys(o).filter((k) => !k.startsWith('x-'))
  if (keys.length === 0) return false
  const types = Array.isArray(o.type) ? o.type : [o.type]
  if (keys.every((k) => SCHEMA_KEYWORDS.has(k))) {
    if (o.type !== undefined) return types.every((t) => typeof t === 'string' && SCHEMA_TYPES.has(t))
    return typeof o.$ref === 'string' || ['properties', 'items', 'allOf', 'anyOf', 'oneOf'].some((k) => o[k] !== null && typeof o[k] === 'object')
  }
  return keys.every((k) => SECURITY_SCHEME_KEYWORDS.has(k)) && typeof o.type === 'string' && SECURITY_SCHEME_TYPES.has(o.type)
}

/**
 * A quick look before parsing a body: no secret-looking name, nothing to find. Made from the key rules
 * themselves (their words, unanchored), so that a word added there cannot be missed here: a hand-kept list
 * once left out `card_number`, whose values were then never remembered as secrets.
 */
const unanchored = (re: RegExp) => re.source.replace(/[\^$]/g, '')
// `session` too: its value is a secret when shaped like a token (see isSessionToken), and the look said no.
// And a form's field of a name secret in a query (`key=`, `sig=`, `code=`), secret by isSecretQueryName as a form's names are,
// or such a parameter of a URL in a field; and a URL's user information (`redis://:pw@host`, its slashes maybe
// escaped as `\/`): secretsOfValue takes the secrets of a URL under any key. A user with a `/` in it is looked
// for only after a service's scheme (`postgres://to/k@db`, SERVICE_USER_WITH_SLASH): after any `//`, the look
// ran from each `//` to the text's end, and a 1 MB base64 body (a `//` every 4 KB) took half a second.
const MAY_HOLD_SECRET = new RegExp(
  `${NAME_WORDS}|${unanchored(SECRET_KEY)}|${unanchored(SECRET_WORD)}|${HEADER_PAIR_MARK}|session|(?:^|[&?])(?:${QUERY_SECRET_NAMES})=|\\/\\\\?\\/[^\\s"/?#@\\\\]*@|${SERVICE_SCHEME}:\\\\?\\/\\\\?\\/(?:[^\\s"?#@\\\\]|\\\\\\/)*@`,
  'i',
)

/**
 * Whether secretsOfBodyText could find anything in `text`: a look for secret-looking names, no parsing.
 * False is certain; true means only that the body is worth parsing.
 */
export function mayHoldSecrets(text: string, options?: RedactOptions): boolean {
  return !!text && (!!options?.extraKeys?.length || MAY_HOLD_SECRET.test(text))
}

/** The secrets of a body sent or received as text: JSON fields, form fields or multipart parts with secret names. */
export function secretsOfBodyText(text: string, options?: RedactOptions): string[] {
  if (!mayHoldSecrets(text, options)) return []
  const trimmed = text.trim()
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return secretsOfValue(JSON.parse(trimmed), options)
    } catch {
      /* not JSON: try it as a form */
    }
  }
  if (MULTIPART_DISPOSITION.test(text)) return secretsOfMultipart(text, options)
  if (!/^[^\s=&]+=[^\s]*$/.test(trimmed)) return []
  const out: string[] = []
  for (const [k, v] of new URLSearchParams(trimmed)) if (isSecretKey(k, options) || isSecretQueryName(k)) out.push(v)
  return out
}

const MULTIPART_DISPOSITION = /content-disposition:[ \t]*form-data;/i
/**
 * Each part of a multipart/form-data body: its field name (quoted or not) and its value, up to the next
 * boundary line. Header lines bounded, as MULTIPART_SECRET_PART's, to stay linear on a hostile body.
 */
const MULTIPART_PART = /\bcontent-disposition:[ \t]*form-data;[^\r\n]{0,256}?\bname=(?:"([^"\r\n]{0,256})"|([^\s;]{0,256}))[^\r\n]{0,256}\r?\n(?:[^\r\n]{1,1024}\r?\n){0,32}\r?\n([^\r\n]*(?:\r?\n(?!--)[^\r\n]*)*)/gi

/** The values of a multipart/form-data body's parts whose field names are secret (`password`, `user[api_key]`). */
function secretsOfMultipart(text: string, options?: RedactOptions): string[] {
  const out: string[] = []
  for (const m of text.matchAll(MULTIPART_PART)) {
    const name = m[1] ?? m[2] ?? ''
    if (m[3] && name.split(/[[\]]+/).some((part) => part !== '' && isSecretKey(part, options))) out.push(m[3])
  }
  return out
}

// ---------------------------------------------------------------------------------------------------
// A whole run

/**
 * A copy of a run with every secret masked, whatever produced it. The runner already redacts what it
 * records; reporters run this again because a results file may come from anywhere (an older version, a
 * plugin, a hand-edited file) and a leaked token in a CI artifact cannot be taken back.
 *
 * Secrets found in the run's own headers, bodies and URLs are also masked wherever else they appear in
 * it (an error message quoting a cookie). Only `headers`, `body` and an exploration action's `input`
 * go through key-based redaction: the result model's own keys (`passed`, `tokens` in counts...) are not
 * secrets.
 */
export function redactRun(run: RunResult, options?: RedactOptions): RunResult {
  return redactResults(run, options)
}

/** `redactRun` for any part of the results model: a step result as a live reporter gets it, an issue. */
export function redactResults<T>(results: T, options?: RedactOptions): T {
  // A copy this function made is already safe: a run is redacted once for the results file and every
  // reporter, and each reporter redacting it again (it may be called on any file) costs nothing.
  const key = optionsKey(options)
  if (results && typeof results === 'object' && redactedCopies.get(results) === key) return results
  const out = redactFresh(results, options)
  if (out && typeof out === 'object') redactedCopies.set(out, key)
  return out
}

/** Copies made by redactResults, with the options they were made with. */
const redactedCopies = new WeakMap<object, string>()

function optionsKey(options?: RedactOptions): string {
  return options?.extraKeys?.length ? JSON.stringify(options.extraKeys) : ''
}

function redactFresh<T>(results: T, options?: RedactOptions): T {
  const local = new KnownSecrets()
  harvest(results, local, options, 0)
  // Each text once: a run repeats most of its strings (statuses, header values, names) step after step.
  const done = new Map<string, string>()
  const text = (s: string) => {
    let out = done.get(s)
    if (out === undefined) done.set(s, (out = local.mask(redactText(s))))
    return out
  }
  const deep = (v: unknown, depth: number): unknown =>
    typeof v === 'string' ? text(v) : depth > 50 ? v : Array.isArray(v) ? v.map((x) => deep(x, depth + 1)) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deep(x, depth + 1)])) : v
  const walk = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return text(value)
    if (depth > 50) return value
    if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1))
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {}
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        if (key === 'headers' && v && typeof v === 'object' && !Array.isArray(v)) out[key] = deep(redactHeaders(v as Record<string, string>, options), 0)
        else if (key === 'body') out[key] = deep(redactBody(v, options), 0)
        // An exploration action's input is what it sent: a short password there is masked by its key.
        else if (key === 'input') out[key] = deep(redactValue(v, options), 0)
        // A URL's query parameters by name, `extraKeys` too: a file from elsewhere was never masked so.
        else if (key === 'url' && typeof v === 'string') out[key] = local.mask(redactUrl(v, options))
        else out[key] = walk(v, depth + 1)
      }
      return out
    }
    return value
  }
  return walk(results, 0) as T
}

/** Collect what the run itself shows to be secret: secret headers, secret body fields, URL credentials. */
function harvest(value: unknown, into: KnownSecrets, options: RedactOptions | undefined, depth: number): void {
  if (depth > 50 || !value || typeof value !== 'object') return
  if (Array.isArray(value)) {
    for (const v of value) harvest(v, into, options, depth + 1)
    return
  }
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'headers' && v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [name, hv] of Object.entries(v as Record<string, unknown>))
        if (hv !== undefined && hv !== null)
          for (const one of Array.isArray(hv) ? hv : [hv])
            into.add((isSecretHeader(name, options) ? secretsOfHeader(name, String(one)) : secretsOfUrlHeader(name, String(one), options)).filter((s) => s !== REDACTED))
    } else if (key === 'body' || key === 'input') {
      into.add(typeof v === 'string' ? secretsOfBodyText(v, options) : secretsOfValue(v, options))
    } else if ((key === 'url' || key === 'baseUrl') && typeof v === 'string') {
      into.add(secretsOfUrl(v, options))
    } else harvest(v, into, options, depth + 1)
  }
}

// ---------------------------------------------------------------------------------------------------
// Text from the API on a terminal

/**
 * C0 controls but tab and newline, DEL, and C1 controls (U+009B is a CSI on some terminals); and the
 * Unicode bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): a journey or
 * step name holding U+202E reversed the rest of its line, so what a terminal showed was not what was
 * there. The marks (U+200E, U+200F, U+061C), which right-to-left text uses and which reorder nothing
 * across a line, stay.
 */
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g
const HAS_CONTROL = new RegExp(CONTROL.source)
const NAMED: Record<string, string> = { '\r': '\\r' }
/** How an escaped character is shown: `\x1b` below U+0100, `\u202e` above. */
const escaped = (c: string) => {
  const code = c.charCodeAt(0)
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
}

/**
 * Text that cannot drive a terminal: escape sequences (a title-changing OSC, cursor moves, a screen
 * clear) and lone carriage returns are shown as visible escapes (`\x1b]0;...`), so an API response can
 * neither rewrite what was printed before it nor hide itself. Tabs and newlines stay.
 */
export function escapeControlChars(text: string): string {
  // The usual text has none: one test instead of two replaces.
  if (!HAS_CONTROL.test(text)) return text
  return text.replace(/\r\n/g, '\n').replace(CONTROL, (c) => NAMED[c] ?? escaped(c))
}

/** What breaks a line or moves along it, which escapeControlChars leaves to text of several lines. */
const LINE_CONTROL = /\r\n|[\t\n\r\u2028\u2029]/g
const HAS_LINE_CONTROL = /[\t\n\r\u2028\u2029]/
const LINE_CONTROL_SHOWN: Record<string, string> = { '\r\n': '\\r\\n', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\u2028': '\\u2028', '\u2029': '\\u2029' }

/**
 * A name (a journey's, a step's, a checkpoint's, a path's, a tag) as a report prints it on one line of its
 * own: escaped as escapeControlChars escapes text, and its tabs and line breaks too (`\t`, `\n`, `\r`,
 * `\u2028`), which in a name would split the line it is printed on and show a piece of it as a line of its own.
 */
export function nameOnOneLine(name: string): string {
  const text = HAS_LINE_CONTROL.test(name) ? name.replace(LINE_CONTROL, (c) => LINE_CONTROL_SHOWN[c]!) : name
  return escapeControlChars(text)
}
