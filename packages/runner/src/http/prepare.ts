import { type HttpMethod, type RequestOptions, VenomError, isMadeUpSecret } from '@venomqa/core'

/** A request as it goes out, and as its record keeps it: plain strings, fixed at send time. */
export interface SentRequest {
  readonly method: HttpMethod
  readonly url: string
  /** Lower-case names. Shared with the client's defaults when the request adds none: never mutated. */
  readonly headers: Readonly<Record<string, string>>
  /** The body as text (a binary body as `<n bytes>`), for history; undefined when there is none. */
  readonly text?: string
}

export interface PreparedRequest {
  readonly sent: SentRequest
  readonly body?: string | Uint8Array
}

/**
 * The URL, headers and body of one request. `defaults` are the client's headers at this moment; they are
 * replaced, never changed, when the client's headers change, so a request without headers of its own
 * shares them instead of copying them.
 */
export function prepareRequest(method: HttpMethod, baseUrl: string, defaults: Readonly<Record<string, string>>, path: string, options: RequestOptions): PreparedRequest {
  const url = buildUrl(baseUrl, path, options.query)
  const { body, contentType } = encodeBody(options)
  const headers = mergeHeaders(defaults, options.headers, contentType)
  const text = body === undefined ? undefined : typeof body === 'string' ? body : `<${body.byteLength} bytes>`
  return { sent: { method, url, headers, ...(text !== undefined ? { text } : {}) }, body }
}

export function buildUrl(base: string, path: string, query?: RequestOptions['query']): string {
  const absolute = /^https?:\/\//i.test(path)
  if (!absolute && !base)
    throw new VenomError('E_BASE_URL', `request to "${path}" needs a base URL: set baseUrl in the config, --base-url, or the journey's baseUrl (or use an absolute URL)`)
  let url = absolute ? path : base + (path.startsWith('/') ? path : `/${path}`)
  if (query) {
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.append(k, String(v))
    const qs = params.toString()
    if (qs) url += (url.includes('?') ? '&' : '?') + qs
  }
  return url
}

/** The body to send and the content type it implies (json, then form, then a raw body). */
function encodeBody(options: RequestOptions): { body?: string | Uint8Array; contentType?: string } {
  if (options.json !== undefined) return { body: JSON.stringify(options.json), contentType: 'application/json' }
  if (options.form !== undefined) return { body: new URLSearchParams(options.form).toString(), contentType: 'application/x-www-form-urlencoded' }
  return { body: options.body }
}

/**
 * Defaults, then the request's own headers (undefined removes one), then the body's type unless one is set.
 * A value VenomQA made up for a secret header (`made-up-secret-X-Api-Key-1`: an OpenAPI exploration's, for
 * a required `X-Api-Key` the document gives no example of) stands in for a key nobody gave: where the
 * client has one of its own for that header (the config's `headers`, `setHeader`), that one is sent. Else
 * the made-up key replaced the user's real one on every request, and every secured operation answered 401.
 * A request's own `Cookie` adds its cookies to the client's (see mergeCookies) rather than replacing them.
 */
function mergeHeaders(defaults: Readonly<Record<string, string>>, own: RequestOptions['headers'], contentType: string | undefined): Readonly<Record<string, string>> {
  const needsType = contentType !== undefined && defaults['content-type'] === undefined
  if (!own) return needsType ? withContentType(defaults, contentType) : defaults
  const headers: Record<string, string> = { ...defaults }
  for (const k of Object.keys(own)) {
    const v = own[k]
    const name = k.toLowerCase()
    if (v === undefined) delete headers[name]
    else if (name === 'cookie' && defaults.cookie !== undefined) headers.cookie = mergeCookies(defaults.cookie, v)
    else if (!(isMadeUpSecret(v) && defaults[name] !== undefined)) headers[name] = v
  }
  if (contentType !== undefined) headers['content-type'] ??= contentType
  return headers
}

/**
 * The client's cookies (the config's `headers: { Cookie: 'session=...' }`) plus a request's own, the
 * request's value winning for a name. An OpenAPI operation's cookie parameter goes as the request's own
 * `Cookie`: replacing the client's, it dropped the user's session cookie on exactly those operations.
 */
function mergeCookies(defaults: string, own: string): string {
  const cookies = new Map<string, string>()
  for (const header of [defaults, own])
    for (const part of header.split(';')) {
      const cookie = part.trim()
      if (!cookie) continue
      const eq = cookie.indexOf('=')
      const name = eq === -1 ? cookie : cookie.slice(0, eq).trim()
      cookies.delete(name)
      cookies.set(name, cookie)
    }
  return [...cookies.values()].join('; ')
}

/**
 * The defaults plus a content type, made once per defaults object and type: every JSON request of a
 * journey then shares one headers object (history keeps one per exchange).
 */
const typedDefaults = new WeakMap<object, Map<string, Readonly<Record<string, string>>>>()
function withContentType(defaults: Readonly<Record<string, string>>, contentType: string): Readonly<Record<string, string>> {
  let byType = typedDefaults.get(defaults)
  if (!byType) typedDefaults.set(defaults, (byType = new Map()))
  let headers = byType.get(contentType)
  if (!headers) byType.set(contentType, (headers = Object.freeze({ ...defaults, 'content-type': contentType })))
  return headers
}
