import { type JsonSchema, OPERATION_METHODS, type OpenApiDocument } from './document'

export type HttpMethodName = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'OPTIONS' | 'HEAD' | 'PATCH' | 'TRACE'

export interface Parameter {
  name: string
  in: 'path' | 'query' | 'header' | 'cookie'
  required: boolean
  schema?: JsonSchema
  example?: unknown
  /** What the document says of it: whether a `code` is a country's or OAuth's, say. */
  description?: string
  /** How a list is written (`form`, `spaceDelimited`, `pipeDelimited` in a query; see parameterPairs): as the document says, else its place's default. */
  style?: string
  explode?: boolean
}

export interface Link {
  /** The operation the link leads to (by operationId). */
  operationId: string
  /** Parameter name to runtime expression, e.g. `productId: '$response.body#/id'`. */
  parameters: Record<string, string>
}

export interface ResponseSpec {
  description?: string
  /** Schema by media type (`application/json`...); undefined for a media type without one. */
  content: Record<string, JsonSchema | undefined>
  headers: string[]
  links: Link[]
}

export interface Operation {
  /** The operationId, or `METHOD /path` when the document gives none: the action's name. */
  id: string
  operationId?: string
  method: HttpMethodName
  path: string
  tags: string[]
  summary?: string
  parameters: Parameter[]
  requestBody?: { required: boolean; contentType: string; schema?: JsonSchema }
  /** By status as the document writes it: `200`, `4XX`, `default`. */
  responses: Record<string, ResponseSpec>
  /** Does the operation need credentials (its own `security`, else the document's)? */
  secured: boolean
  /** Its security requirements (its own, else the document's): any one of them, met whole, is enough. */
  security: Record<string, unknown>[]
}

/** Every operation of a dereferenced document, in the document's order. */
export function operations(doc: OpenApiDocument): Operation[] {
  const out: Operation[] = []
  for (const [p, item] of Object.entries(doc.paths ?? {})) {
    if (!item || typeof item !== 'object') continue
    const shared = (item as { parameters?: unknown[] }).parameters ?? []
    for (const method of OPERATION_METHODS) {
      const op = (item as Record<string, any>)[method]
      if (!op || typeof op !== 'object') continue
      const m = method.toUpperCase() as HttpMethodName
      out.push({
        id: typeof op.operationId === 'string' ? op.operationId : `${m} ${p}`,
        operationId: typeof op.operationId === 'string' ? op.operationId : undefined,
        method: m,
        path: p,
        tags: Array.isArray(op.tags) ? op.tags.map(String) : [],
        summary: op.summary,
        parameters: mergeParameters(shared, op.parameters ?? []),
        requestBody: requestBody(op.requestBody),
        responses: Object.fromEntries(Object.entries((op.responses ?? {}) as Record<string, any>).map(([status, r]) => [status, response(r)])),
        secured: (op.security ?? doc.security ?? []).some((s: Record<string, unknown>) => Object.keys(s).length > 0),
        security: op.security ?? doc.security ?? [],
      })
    }
  }
  return out
}

/**
 * Whether headers of these names, sent with every request (the config's `headers`), meet one of the
 * operation's security requirements whole: each scheme of it an API key in a header named here, or an
 * HTTP scheme (bearer, basic) with an `Authorization` header here.
 */
export function headersMeetSecurity(doc: OpenApiDocument, op: Operation, headerNames: readonly string[]): boolean {
  const sent = new Set(headerNames.map((h) => h.toLowerCase()))
  const schemes = (doc.components?.securitySchemes ?? {}) as Record<string, { type?: unknown; in?: unknown; name?: unknown } | undefined>
  const met = (name: string) => {
    const scheme = schemes[name]
    if (scheme?.type === 'apiKey') return scheme.in === 'header' && typeof scheme.name === 'string' && sent.has(scheme.name.toLowerCase())
    return scheme?.type === 'http' && sent.has('authorization')
  }
  return op.security.some((requirement) => Object.keys(requirement).every(met))
}

/** `METHOD /path (operationId)`: how messages name an operation. */
export function describeOperation(op: Operation): string {
  return `${op.method} ${op.path}${op.operationId ? ` (${op.operationId})` : ''}`
}

/**
 * Header parameters the OpenAPI specification says SHALL be ignored: the client sets these itself
 * (`Accept`, `Content-Type` from the body) or the security scheme does (`Authorization`). Sampled as
 * parameters, a documented `Authorization: string` replaced the configured bearer token.
 */
const IGNORED_HEADERS = new Set(['accept', 'content-type', 'authorization'])

/** An operation's own parameters override the path item's of the same name and place. */
function mergeParameters(shared: unknown[], own: unknown[]): Parameter[] {
  const byKey = new Map<string, Parameter>()
  for (const p of [...shared, ...own] as any[]) {
    if (!p || typeof p.name !== 'string') continue
    if (p.in === 'header' && IGNORED_HEADERS.has(p.name.toLowerCase())) continue
    // A parameter described by `content` (a JSON value in a query or a header) has its schema and example there.
    const media = p.schema === undefined && p.content && typeof p.content === 'object' ? (Object.values(p.content)[0] as any) : undefined
    byKey.set(`${p.in}:${p.name}`, {
      name: p.name,
      in: p.in,
      required: p.in === 'path' || !!p.required,
      schema: p.schema ?? media?.schema,
      example: p.example ?? media?.example,
      description: typeof p.description === 'string' ? p.description : undefined,
      ...(typeof p.style === 'string' ? { style: p.style } : {}),
      ...(typeof p.explode === 'boolean' ? { explode: p.explode } : {}),
    })
  }
  return [...byKey.values()]
}

function requestBody(body: any): Operation['requestBody'] {
  if (!body || typeof body !== 'object' || !body.content) return undefined
  const types = Object.keys(body.content)
  const contentType = types.find(isJson) ?? types[0]
  if (!contentType) return undefined
  return { required: !!body.required, contentType, schema: body.content[contentType]?.schema }
}

function response(r: any): ResponseSpec {
  const content = Object.fromEntries(Object.entries((r?.content ?? {}) as Record<string, any>).map(([type, media]) => [type, media?.schema as JsonSchema | undefined]))
  const links = Object.values((r?.links ?? {}) as Record<string, any>)
    .filter((l) => typeof l?.operationId === 'string')
    .map((l) => ({ operationId: l.operationId as string, parameters: Object.fromEntries(Object.entries(l.parameters ?? {}).filter(([, v]) => typeof v === 'string')) as Record<string, string> }))
  return { description: r?.description, content, headers: Object.keys(r?.headers ?? {}), links }
}

export function isJson(mediaType: string): boolean {
  return /^application\/(.+\+)?json\b/i.test(mediaType) || mediaType === '*/*'
}

/** The documented response for a status: exact, then its range (`4XX`), then `default`. */
export function responseFor(op: Operation, status: number): { key: string; spec: ResponseSpec } | undefined {
  for (const key of [String(status), `${String(status)[0]}XX`, `${String(status)[0]}xx`, 'default']) {
    const spec = op.responses[key]
    if (spec) return { key, spec }
  }
  return undefined
}

/** The operation's 2xx responses with a JSON schema. */
export function successSchemas(op: Operation): { status: string; schema: JsonSchema }[] {
  return Object.entries(op.responses)
    .filter(([status]) => /^2/.test(status))
    .flatMap(([status, r]) => Object.entries(r.content).filter(([type, schema]) => isJson(type) && schema).map(([, schema]) => ({ status, schema: schema! })))
}

/** Matches a concrete path (`/api/products/7`) against a template (`/api/products/{productId}`): the parameters, or undefined. */
export function matchPath(template: string, concrete: string): Record<string, string> | undefined {
  const { pattern, names } = templatePattern(template)
  const m = pattern.exec(concrete)
  if (!m) return undefined
  return Object.fromEntries(names.map((name, i) => [name, decodeSegment(m[i + 1]!)]))
}

const templatePatterns = new Map<string, { pattern: RegExp; names: string[] }>()

/**
 * A template as a pattern: each parameter one segment (no `/`), the rest as written. Read from the
 * template's `{...}`, not by splitting it at `/`: a parameter's name may hold one (`{thing/id}`), and
 * split so, the template matched no request, nothing was bound from a Location, and no invariant judged
 * the operation's requests.
 */
function templatePattern(template: string): { pattern: RegExp; names: string[] } {
  let found = templatePatterns.get(template)
  if (!found) {
    const names: string[] = []
    const parts = template.split(/\{([^}]+)\}/).map((part, i) => {
      if (i % 2 === 0) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      names.push(part)
      return '([^/]*)'
    })
    found = { pattern: new RegExp(`^${parts.join('')}$`), names }
    // Bounded: a document has a bounded number of paths, but a process may load many documents.
    if (templatePatterns.size >= 1024) templatePatterns.clear()
    templatePatterns.set(template, found)
  }
  return found
}

/** A path segment decoded; one with a `%` that escapes nothing (an app's `Location: /files/100%`) as it is, not a URIError. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/** The path of a base URL without its trailing slash: `''` for none (or `/`). */
export function basePathOf(baseUrl: string | undefined): string {
  if (!baseUrl) return ''
  try {
    return new URL(baseUrl).pathname.replace(/\/+$/, '')
  } catch {
    return ''
  }
}

/**
 * A path relative to the base path (the document's paths are relative to the base URL); one outside it as
 * it is.
 */
export function relativePath(pathname: string, base: string): string {
  if (!base) return pathname
  if (pathname === base) return '/'
  return pathname.startsWith(`${base}/`) ? pathname.slice(base.length) : pathname
}

export function pathParameters(op: Operation): string[] {
  return [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!)
}

/**
 * The names a link's `$response.body#...` expression points to, or undefined for another expression or a
 * malformed pointer. OpenAPI's runtime expressions write the pointer in RFC 6901's own syntax, not as a
 * URI fragment: `~1` and `~0` are its only escapes, and `%` is a character of a name (`#/c%20d` names
 * `c%20d`), where a `$ref`'s fragment is percent-decoded first (resolvePointer).
 */
export function linkPointerNames(expression: string): string[] | undefined {
  const prefix = '$response.body#'
  if (!expression.startsWith(prefix)) return undefined
  const pointer = expression.slice(prefix.length)
  if (pointer === '') return []
  if (!pointer.startsWith('/') || /~(?![01])/.test(pointer)) return undefined
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'))
}
