import {
  type HttpExchange,
  type RecordedRequest,
  type RecordedResponse,
  isSecretHeader,
  wireBody,
  knownSecrets,
  mayHoldSecrets,
  redactBody,
  redactHeaders,
  redactUrl,
  redactValue,
  secretsOfBodyText,
  secretsOfHeader,
  secretsOfUrl,
  secretsOfUrlHeader,
} from '@venomqa/core'
import type { ReceivedResponse } from './attempt'
import { noteResponseRead } from './server-errors'
import type { SentRequest } from './prepare'

/** Bodies kept in history are cut here: reports must stay small even when an API answers megabytes. */
export const MAX_RECORDED_BODY = 64 * 1024

export interface RecordFields {
  durationMs: number
  attempt: number
  /** When the attempt started, as Date.now() gave it. */
  startedAtMs: number
  error?: string
  /** The deadline the request ran into, when it got no answer in time. */
  timeoutMs?: number
  fromCache?: boolean
}

/**
 * One exchange as history keeps it. A run holds every exchange until its report is written, so a record
 * keeps only the strings that went over the wire; the redacted request and response (headers redacted, a
 * JSON body parsed and redacted) are worked out when first read, which most exchanges never are.
 *
 * `request`, `response` and `startedAt` are own enumerable accessors, so JSON, `Object.entries` (the report
 * redaction walks results that way) and spreading see them like plain fields. Their getters are shared by
 * every record: no closure per exchange.
 */
export class ExchangeRecord implements HttpExchange {
  // Declared, not class fields: fields would be defined before the accessors, in another order and shape.
  declare readonly request: RecordedRequest
  declare readonly response?: RecordedResponse
  declare readonly error?: string
  declare readonly timeoutMs?: number
  declare readonly durationMs: number
  declare readonly attempt: number
  declare readonly startedAt: string
  declare readonly fromCache?: boolean
  readonly #sent: SentRequest
  readonly #received: ReceivedResponse | undefined
  readonly #redactKeys: string[] | undefined
  /** Epoch ms until first read, then the ISO string: formatting a date costs more than the rest of a record. */
  #startedAt: number | string
  #request?: RecordedRequest
  #response?: RecordedResponse

  /** `sent` and `received` as taken at send and receive time; no `received` for a request that failed. */
  constructor(sent: SentRequest, received: ReceivedResponse | undefined, redactKeys: string[] | undefined, fields: RecordFields) {
    this.#sent = sent
    this.#received = received
    this.#redactKeys = redactKeys
    this.#startedAt = fields.startedAtMs
    // Accessors first: the record reads request, response, then the rest, as it always has.
    // Two defineProperty calls keep one shape for every record and cost a third of one defineProperties.
    Object.defineProperty(this, 'request', requestAccessor)
    if (received) Object.defineProperty(this, 'response', responseAccessor)
    if (fields.error !== undefined) this.error = fields.error
    if (fields.timeoutMs !== undefined) this.timeoutMs = fields.timeoutMs
    this.durationMs = fields.durationMs
    this.attempt = fields.attempt
    Object.defineProperty(this, 'startedAt', startedAtAccessor)
    if (fields.fromCache) this.fromCache = true
  }

  /** A response served from the GET cache: the same recorded messages, a new entry in history. */
  static cached(hit: ExchangeRecord): ExchangeRecord {
    return new ExchangeRecord(hit.#sent, hit.#received, hit.#redactKeys, { durationMs: 0, attempt: 1, startedAtMs: Date.now(), fromCache: true })
  }

  /** The request as sent, before redaction. */
  static sent(record: ExchangeRecord): SentRequest {
    return record.#sent
  }

  /** The response as received, for a cache hit to answer with. */
  static received(record: ExchangeRecord): ReceivedResponse | undefined {
    return record.#received
  }

  static startedAtOf(record: ExchangeRecord): string {
    if (typeof record.#startedAt === 'number') record.#startedAt = new Date(record.#startedAt).toISOString()
    return record.#startedAt
  }

  static requestOf(record: ExchangeRecord): RecordedRequest {
    const sent = record.#sent
    const redactKeys = record.#redactKeys
    return (record.#request ??= {
      method: sent.method,
      url: redactUrl(sent.url, redactKeys?.length ? { extraKeys: redactKeys } : undefined),
      headers: redactHeaders(sent.headers, { extraKeys: redactKeys }),
      ...(sent.text !== undefined ? { body: parseRedacted(sent.text, sent.headers['content-type'], redactKeys) } : {}),
    })
  }

  /** Method, URL as sent and status: a request line, without working out the redacted messages. */
  static lineOf(record: ExchangeRecord): { method: string; url: string; status?: number } {
    const status = record.#received?.status
    return { method: record.#sent.method, url: record.#sent.url, ...(status !== undefined ? { status } : {}) }
  }

  /** The status as received, without working out the redacted response. */
  static statusOf(record: ExchangeRecord): number | undefined {
    return record.#received?.status
  }

  static responseOf(record: ExchangeRecord): RecordedResponse | undefined {
    const received = record.#received
    if (!received) return undefined
    return (record.#response ??= recordResponse(received, record.#redactKeys))
  }
}

const requestAccessor: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: ExchangeRecord) {
    return ExchangeRecord.requestOf(this)
  },
}
const startedAtAccessor: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: ExchangeRecord) {
    return ExchangeRecord.startedAtOf(this)
  },
}
const responseAccessor: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: ExchangeRecord) {
    // A look at an error answer's status through its record (`http.lastExchange()?.response?.status`).
    noteResponseRead(this)
    return ExchangeRecord.responseOf(this)
  },
}

/** The response as history shows it: headers and body redacted, a JSON body parsed, a huge one cut. */
function recordResponse({ status, headers, bodyText, bodyBytes }: ReceivedResponse, redactKeys?: string[]): RecordedResponse {
  // A binary body as its size, as a binary request body is (see prepare.ts): its text is garbage.
  if (bodyBytes) return { status, headers: redactHeaders(headers, { extraKeys: redactKeys }), body: `<${bodyBytes.length} bytes>` }
  const body = bodyText ? parseRedacted(bodyText, headers['content-type'], redactKeys) : undefined
  return {
    status,
    headers: redactHeaders(headers, { extraKeys: redactKeys }),
    ...(body !== undefined ? { body: bodyText.length > MAX_RECORDED_BODY ? cutBody(body, bodyText.length) : body } : {}),
  }
}

/**
 * A huge body is redacted whole, then cut: cut first, it would no longer parse, and the text rules a cut
 * JSON body falls back on know fewer secret names than a parsed body's keys (a short `pin`), and would
 * leave the first characters of a secret the cut runs through.
 */
function cutBody(redacted: unknown, receivedLength: number): string {
  const text = wireBody(redacted) ?? ''
  return `${text.slice(0, MAX_RECORDED_BODY)}... [${receivedLength - MAX_RECORDED_BODY} more characters]`
}

/** A JSON body as a redacted value, any other text redacted as text. */
function parseRedacted(text: string, contentType: string | undefined, redactKeys?: string[]): unknown {
  if ((contentType ?? '').includes('json')) {
    try {
      return redactValue(JSON.parse(text), { extraKeys: redactKeys })
    } catch {
      /* not JSON after all: keep it as text */
    }
  }
  return redactBody(text, { extraKeys: redactKeys })
}

/**
 * An exchange's response status. Reading `response` works out its redacted form (headers, a parsed and
 * redacted body); code that only needs the status, after every action of an exploration, asks here.
 */
export function exchangeStatus(exchange: HttpExchange): number | undefined {
  return exchange instanceof ExchangeRecord ? ExchangeRecord.statusOf(exchange) : exchange.response?.status
}

/**
 * The response body as received, before redaction, for code of the same process that must tell masked
 * fields apart (the regression journey emitter: which of two masked fields a context value was read from).
 * Never for output. Undefined for an exchange not recorded by this client (one read back from a file).
 */
export function receivedBodyText(exchange: HttpExchange): string | undefined {
  return exchange instanceof ExchangeRecord ? ExchangeRecord.received(exchange)?.bodyText : undefined
}

/**
 * The response headers as received, before redaction, for code of the same process that must tell masked
 * values apart (the regression journey emitter: which parameter of a redirect's URL a context value was
 * read from). Never for output. Undefined for an exchange not recorded by this client.
 */
export function receivedHeaders(exchange: HttpExchange): Readonly<Record<string, string>> | undefined {
  return exchange instanceof ExchangeRecord ? ExchangeRecord.received(exchange)?.headers : undefined
}

/**
 * The URL and body text of a request as sent, before redaction, for code of the same process that must
 * keep the shape of what the record masked whole (the regression journey emitter: `passwords: ['a', 'b']`
 * and `?tokens=a&tokens=b` recorded as masks, which a replay must send as a list again, each item from a
 * variable of its own). Never for output. Undefined for an exchange not recorded by this client (one read
 * back from a file).
 */
export function sentRequest(exchange: HttpExchange): { url: string; bodyText?: string } | undefined {
  if (!(exchange instanceof ExchangeRecord)) return undefined
  const { url, text } = ExchangeRecord.sent(exchange)
  return text === undefined ? { url } : { url, bodyText: text }
}

/**
 * Tell the process which values this message holds in secret places (secret headers, cookies, URL
 * credentials and query parameters, secret body fields), so they are masked wherever they turn up later:
 * an assertion comparing a token under an innocent label, a log line, a plugin's error. Read lazily,
 * like the history, since most messages hold none.
 */
export function rememberSecrets(url: string | undefined, headers: Readonly<Record<string, string>>, bodyText: string | undefined, redactKeys?: string[], own?: 'client'): void {
  // What can hold none is told apart now, by cheap looks (no parsing), and never queued: most messages
  // hold none, and a queued reading per message was most of what masking a console line cost.
  // Only a URL with credentials or a query can hold one: parsing every URL was most of this work.
  const inUrl = !!url && (url.includes('@') || url.includes('?'))
  const inHeaders = own === 'client' ? clientSecretsOfHeaders(headers, redactKeys) : secretsOfHeaders(headers, redactKeys)
  const inBody = !!bodyText && mayHoldSecrets(bodyText, { extraKeys: redactKeys })
  if (!inUrl && !inHeaders.length && !inBody) return
  knownSecrets.addLater(() => {
    const found: string[] = inUrl ? secretsOfUrl(url!, { extraKeys: redactKeys }) : []
    found.push(...inHeaders)
    if (inBody) found.push(...secretsOfBodyText(bodyText!, { extraKeys: redactKeys }))
    return found
  })
}

/** A client's default headers are one object shared by its requests: their secrets are read once. */
const headerSecrets = new WeakMap<object, readonly string[]>()
/** What most messages' headers hold: shared, so that finding nothing allocates nothing. */
const NO_SECRETS: readonly string[] = Object.freeze([])
function secretsOfHeaders(headers: Readonly<Record<string, string>>, redactKeys?: string[]): readonly string[] {
  const frozen = Object.isFrozen(headers)
  const known = frozen ? headerSecrets.get(headers) : undefined
  if (known) return known
  let found: string[] | undefined
  for (const name of Object.keys(headers)) {
    if (isSecretHeaderName(name, redactKeys)) (found ??= []).push(...secretsOfHeader(name, headers[name]!))
    // A redirect's URL (`Location: /callback?code=...`): its code is a secret before the action ever sends it.
    else if (headers[name]!.includes('?')) {
      const inUrl = secretsOfUrlHeader(name, headers[name]!, { extraKeys: redactKeys })
      if (inUrl.length) (found ??= []).push(...inUrl)
    }
  }
  const secrets = found ?? NO_SECRETS
  if (frozen) headerSecrets.set(headers, secrets)
  return secrets
}

/**
 * The secrets of the client's own headers (the config's `headers`, `setHeader`): as secretsOfHeaders, and
 * every cookie of its `Cookie`, a session the user gave whatever its name. Read once per client or change.
 */
function clientSecretsOfHeaders(headers: Readonly<Record<string, string>>, redactKeys?: string[]): readonly string[] {
  const found = [...secretsOfHeaders(headers, redactKeys)]
  for (const name of Object.keys(headers)) if (name.toLowerCase() === 'cookie') found.push(...secretsOfHeader(name, headers[name]!, { everyCookie: true }))
  return found
}

/** Header names repeat in every response (`content-type`, `date`...): what each one is, is decided once. */
const secretHeaderNames = new Map<string, boolean>()
function isSecretHeaderName(name: string, redactKeys?: string[]): boolean {
  if (redactKeys?.length) return isSecretHeader(name, { extraKeys: redactKeys })
  let secret = secretHeaderNames.get(name)
  if (secret === undefined) {
    secret = isSecretHeader(name)
    // Bounded: an API that invents header names cannot grow it without end.
    if (secretHeaderNames.size < 1024) secretHeaderNames.set(name, secret)
  }
  return secret
}
