import { STATUS_CODES } from 'node:http'
import { type HttpExchange, type RecordedRequest, type RecordedResponse, redactText, wireBody } from '@venomqa/core'
import type { ExchangeOrigin } from './origin'

/**
 * Every HTTP exchange of a run as an HTTP Archive (HAR 1.2), for browser dev tools, proxies and replay
 * (Playwright's `routeFromHAR`). What it holds is what reports hold: headers and bodies redacted, response
 * bodies cut at the history's limit. The runner's history does not tell the reason phrase, the HTTP version
 * or the phases of a request: the standard phrase, `HTTP/1.1` and the whole duration as `wait` stand in.
 */

export interface HarNameValue {
  name: string
  value: string
}

export interface HarEntry {
  startedDateTime: string
  time: number
  request: {
    method: string
    url: string
    httpVersion: string
    cookies: HarNameValue[]
    headers: HarNameValue[]
    queryString: HarNameValue[]
    postData?: { mimeType: string; text: string; comment?: string }
    headersSize: number
    bodySize: number
  }
  response: {
    status: number
    statusText: string
    httpVersion: string
    cookies: HarNameValue[]
    headers: HarNameValue[]
    content: { size: number; mimeType: string; text?: string; comment?: string }
    redirectURL: string
    headersSize: number
    bodySize: number
    /** Why no response came (a connection refused, a timeout): the field browsers write for it. */
    _error?: string
  }
  cache: Record<string, never>
  timings: { send: number; wait: number; receive: number }
  /** The attempt of the request, when the HTTP client retried it. */
  _attempt?: number
  /** Served from the journey's GET cache, not sent. */
  _fromCache?: boolean
  /** The step that sent the request (journey, path, step); left out for one made outside of a step. */
  _venomqa?: ExchangeOrigin
}

export interface HarLog {
  log: {
    version: '1.2'
    creator: { name: string; version: string }
    pages: []
    entries: HarEntry[]
    comment?: string
  }
}

const HTTP_VERSION = 'HTTP/1.1'

/** One exchange as a HAR entry, naming the step that made it when it is known. */
export function harEntry(exchange: HttpExchange, origin?: ExchangeOrigin): HarEntry {
  const time = Math.max(0, round(exchange.durationMs))
  const entry: HarEntry = {
    startedDateTime: exchange.startedAt,
    time,
    request: harRequest(exchange.request),
    response: exchange.response ? harResponse(exchange.response) : noResponse(exchange.error),
    cache: {},
    timings: { send: 0, wait: time, receive: 0 },
  }
  if (exchange.attempt > 1) entry._attempt = exchange.attempt
  if (exchange.fromCache) entry._fromCache = true
  // HAR readers keep fields that start with `_` (custom fields, HAR 1.2) and ignore what they do not know.
  if (origin) entry._venomqa = { journey: origin.journey, path: origin.path, step: origin.step }
  return entry
}

function harRequest(r: RecordedRequest): HarEntry['request'] {
  const url = normalUrl(r.url)
  const text = wireBody(r.body)
  // Its size is the bytes sent, not the length of the placeholder.
  const binary = text === undefined ? null : BINARY.exec(text)
  const out: HarEntry['request'] = {
    method: r.method,
    url,
    httpVersion: HTTP_VERSION,
    cookies: [],
    headers: nameValues(r.headers),
    queryString: queryOf(url),
    headersSize: -1,
    bodySize: text === undefined ? 0 : binary ? Number(binary[1]) : Buffer.byteLength(text),
  }
  if (text !== undefined)
    out.postData = { mimeType: header(r.headers, 'content-type') ?? '', text, ...(binary ? { comment: `binary: ${binary[1]} bytes were sent; their text is not kept` } : {}) }
  return out
}

/** What the history keeps of a binary body it sent or received: `<6 bytes>` (see prepare.ts and record.ts). */
const BINARY = /^<(\d+) bytes>$/

/** A response body the history cut ends with this (see MAX_RECORDED_BODY). */
const CUT = /\.\.\. \[(\d+) more characters\]$/

function harResponse(r: RecordedResponse): HarEntry['response'] {
  return {
    status: r.status,
    statusText: STATUS_CODES[r.status] ?? '',
    httpVersion: HTTP_VERSION,
    cookies: [],
    headers: nameValues(r.headers),
    content: harContent(wireBody(r.body) ?? '', header(r.headers, 'content-type') ?? 'x-unknown'),
    redirectURL: header(r.headers, 'location') ?? '',
    headersSize: -1,
    bodySize: -1,
  }
}

/** A response body as HAR's `content`: a binary one by its size alone, a cut one with what was not kept. */
function harContent(text: string, mimeType: string): HarEntry['response']['content'] {
  const binary = BINARY.exec(text)
  if (binary) return { size: Number(binary[1]), mimeType, comment: `binary: ${binary[1]} bytes were received; their text is not kept` }
  const cut = CUT.exec(text)
  return {
    // A cut body: what was kept, without the marker, and what was not (counted in characters: at least as many bytes).
    size: cut ? Buffer.byteLength(text.slice(0, cut.index)) + Number(cut[1]) : Buffer.byteLength(text),
    mimeType,
    ...(text ? { text } : {}),
    ...(cut ? { comment: `cut: ${cut[1]} more characters were received than reports keep` } : {}),
  }
}

/** A request that got no response: status 0, as browsers record one. */
function noResponse(error: string | undefined): HarEntry['response'] {
  return {
    status: 0,
    statusText: '',
    httpVersion: '',
    cookies: [],
    headers: [],
    content: { size: 0, mimeType: 'x-unknown' },
    redirectURL: '',
    headersSize: -1,
    bodySize: -1,
    _error: error ?? 'no response',
  }
}

/**
 * The run's exchanges, collected for a HAR file: pass `onExchange` to the HTTP client (`http.onExchange`
 * of the runner). Only a run that writes a HAR has one. Each exchange becomes its entry as it is recorded,
 * kept as JSON text: the raw response it came from can then go, and the run holds no more than the file.
 */
export class HarRecorder {
  readonly #entries: { at: number; order: number; json: string }[] = []
  #unrecorded = 0

  readonly onExchange = (exchange: HttpExchange, origin?: ExchangeOrigin): void => {
    // Called from inside the HTTP client: an exchange the file cannot take must never fail the request.
    try {
      const entry = harEntry(exchange, origin)
      this.#entries.push({ at: Date.parse(entry.startedDateTime) || 0, order: this.#entries.length, json: JSON.stringify(entry) })
    } catch {
      this.#unrecorded++
    }
  }

  get count(): number {
    return this.#entries.length
  }

  /**
   * The HAR document, entries in the order they started. Every string is masked once more with every
   * secret the run learned, so a token that turned up in a response only after a request that carried it
   * in an innocent place is hidden there too.
   */
  render(creator: { name: string; version: string }): string {
    const entries = [...this.#entries].sort((a, b) => a.at - b.at || a.order - b.order).map((e) => masked(JSON.parse(e.json)) as HarEntry)
    const har: HarLog = { log: { version: '1.2', creator, pages: [], entries, ...(this.#unrecorded ? { comment: `${this.#unrecorded} exchanges could not be recorded` } : {}) } }
    return `${JSON.stringify(har, null, 2)}\n`
  }
}

function masked(value: unknown): unknown {
  if (typeof value === 'string') return redactText(value)
  if (Array.isArray(value)) return value.map(masked)
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, masked(v)]))
  return value
}

/** A URL as a HAR reader parses it: `[REDACTED]` and other characters a URL may not hold, percent-encoded. */
function normalUrl(url: string): string {
  try {
    return new URL(url).href
  } catch {
    return url
  }
}

function queryOf(url: string): HarNameValue[] {
  try {
    return [...new URL(url).searchParams].map(([name, value]) => ({ name, value }))
  } catch {
    return []
  }
}

function nameValues(headers: Record<string, string> | undefined): HarNameValue[] {
  return Object.entries(headers ?? {}).map(([name, value]) => ({ name, value: String(value) }))
}

function header(headers: Record<string, string> | undefined, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers ?? {})) if (k.toLowerCase() === name) return String(v)
  return undefined
}

function round(ms: number): number {
  return Number.isFinite(ms) ? Math.round(ms * 1000) / 1000 : 0
}
