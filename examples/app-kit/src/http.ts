import type { IncomingMessage, ServerResponse } from 'node:http'

/** Thrown by handlers to answer with a status and a JSON body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers?: Record<string, string>,
  ) {
    super(String(body.error ?? status))
  }
}

export const notFound = (what = 'not found') => new HttpError(404, { error: what })
export const invalid = (field: string, error: string) => new HttpError(422, { error, field })

export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  if (body === undefined) {
    res.writeHead(status, headers)
    res.end()
    return
  }
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  })
  res.end(text)
}

const MAX_BODY = 1024 * 1024

/** The request body as a JSON object; an empty body is {}. */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY) throw new HttpError(413, { error: 'body larger than 1 MB' })
    chunks.push(chunk as Buffer)
  }
  if (size === 0) return {}
  let value: unknown
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new HttpError(400, { error: 'body is not valid JSON' })
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new HttpError(422, { error: 'body must be a JSON object', field: 'body' })
  return value as Record<string, unknown>
}

export interface RouteContext {
  req: IncomingMessage
  res: ServerResponse
  params: Record<string, string>
  query: URLSearchParams
}

/** A handler returns [status, body, headers?] or answers `res` itself and returns undefined. */
export type RouteResult = [status: number, body?: unknown, headers?: Record<string, string>] | void
export type Handler = (ctx: RouteContext) => Promise<RouteResult> | RouteResult

interface Route {
  method: string
  segments: string[]
  handler: Handler
}

/**
 * Exact paths are a map lookup; paths with `:params` are matched segment by segment. An app has a
 * couple of dozen routes, so nothing cleverer pays off.
 */
export class Router {
  readonly #exact = new Map<string, Map<string, Handler>>()
  readonly #patterns: Route[] = []
  readonly #prefixes: { prefix: string; handler: Handler }[] = []
  readonly #listed: { method: string; path: string }[] = []

  on(method: string, path: string, handler: Handler): this {
    this.#listed.push({ method, path })
    if (path.includes(':')) this.#patterns.push({ method, segments: path.split('/'), handler })
    else {
      let byMethod = this.#exact.get(path)
      if (!byMethod) this.#exact.set(path, (byMethod = new Map()))
      byMethod.set(method, handler)
    }
    return this
  }

  /** Every method and path under `prefix` goes to `handler` (the todo app's control routes). */
  under(prefix: string, handler: Handler): this {
    this.#prefixes.push({ prefix, handler })
    return this
  }

  /** Every route added with `on`, as written (`/api/orders/:orderId`): what a test holds against an OpenAPI document. */
  routes(): readonly { method: string; path: string }[] {
    return this.#listed
  }

  /** The handler and params for a request, or an HttpError saying why there is none. */
  match(method: string, path: string): { handler: Handler; params: Record<string, string> } {
    const exact = this.#exact.get(path)
    if (exact) {
      const handler = exact.get(method)
      if (handler) return { handler, params: {} }
      throw methodNotAllowed(method, path, [...exact.keys()])
    }
    const parts = path.split('/')
    const allowed: string[] = []
    for (const route of this.#patterns) {
      const params = matchSegments(route.segments, parts)
      if (!params) continue
      if (route.method === method) return { handler: route.handler, params }
      allowed.push(route.method)
    }
    if (allowed.length) throw methodNotAllowed(method, path, allowed)
    for (const { prefix, handler } of this.#prefixes)
      if (path === prefix || path.startsWith(prefix + '/')) return { handler, params: { rest: path.slice(prefix.length + 1) } }
    throw notFound(`no route for ${method} ${path}`)
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null
  let params: Record<string, string> | null = null
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!
    if (p.startsWith(':')) {
      if (!parts[i]) return null
      const value = safeDecode(parts[i]!)
      if (value === null) return null
      ;(params ??= {})[p.slice(1)] = value
    } else if (p !== parts[i]) return null
  }
  return params ?? {}
}

/** Malformed percent-encoding names no resource: treat it as no match (404), not a server error. */
function safeDecode(segment: string): string | null {
  try {
    return decodeURIComponent(segment)
  } catch {
    return null
  }
}

function methodNotAllowed(method: string, path: string, allowed: string[]): HttpError {
  return new HttpError(405, { error: `${method} is not allowed on ${path}`, allowed }, { allow: allowed.join(', ') })
}
