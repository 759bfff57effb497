import { randomUUID } from 'node:crypto'
import {
  AssertionFailed,
  type MockPort,
  type MockRequest,
  type MockResponse,
  type StubOptions,
  UserError,
  type VerifyOptions,
  redactText,
} from '@venomqa/core'
import { BodyType, DelayType, EndpointFeature, type IWireMockFeatures, type IWireMockResponse, type Method } from 'wiremock-captain'
import { type LoggedRequest, type RequestPattern, WireMockAdmin, type WireMockAdminOptions } from './admin'

export interface WireMockPortOptions extends WireMockAdminOptions {
  /** The WireMock server's base URL, e.g. http://127.0.0.1:8080. */
  url: string
}

/** The scenario state WireMock starts every scenario in. */
export const STARTED = 'Started'

/**
 * MockPort over a WireMock server: stubs, sequences (WireMock scenarios), the request journal and
 * verification by count. Paths match exactly, without the query string; a path with a `?` matches the whole
 * URL exactly; `pathPattern: true` makes the path a regular expression over the path.
 */
export class WireMockPort implements MockPort {
  readonly admin: WireMockAdmin

  constructor(options: WireMockPortOptions | WireMockAdmin) {
    this.admin = options instanceof WireMockAdmin ? options : new WireMockAdmin(checkUrl(options?.url), options)
  }

  /** Where the app under test should send its requests. */
  get baseUrl(): string {
    return this.admin.baseUrl
  }

  async stub(stub: StubOptions): Promise<string> {
    if (!stub || typeof stub !== 'object') throw stubError('stub() takes an object: { method, path, status, body, headers, delayMs }')
    const method = checkMethod(stub.method, 'stub')
    const path = checkPath(stub.path, 'stub', stub.pathPattern)
    return this.admin.register(
      { method, endpoint: path },
      toResponse(stub, `${method} ${path}`),
      { ...features(stub, `${method} ${path}`), requestEndpointFeature: endpointFeature(path, stub.pathPattern) },
    )
  }

  /**
   * One WireMock scenario: the first matching request gets responses[0] and moves the scenario on, and so on;
   * the last response repeats. Returns the stub ids in response order.
   */
  async stubSequence(method: string, path: string, responses: MockResponse[]): Promise<string[]> {
    const m = checkMethod(method, 'stubSequence')
    const p = checkPath(path, 'stubSequence')
    if (!Array.isArray(responses) || responses.length === 0)
      throw stubError(`stubSequence(${m} ${p}): give at least one response, e.g. [{ status: 201 }, { status: 429 }]`)
    // URL-safe and unique: the name goes into PUT /__admin/scenarios/{name}/state on rollback.
    const scenarioName = `venomqa-seq-${m.toLowerCase()}${p.replace(/[^A-Za-z0-9]+/g, '-')}-${randomUUID().slice(0, 8)}`
    const stateOf = (i: number) => (i === 0 ? STARTED : `response-${i + 1}`)
    const ids: string[] = []
    for (const [i, response] of responses.entries()) {
      const where = `${m} ${p} response ${i + 1}`
      const last = i === responses.length - 1
      ids.push(
        await this.admin.register({ method: m, endpoint: p }, toResponse(response, where), {
          ...features(response, where),
          requestEndpointFeature: endpointFeature(p),
          scenario: { scenarioName, requiredScenarioState: stateOf(i), ...(last ? {} : { newScenarioState: stateOf(i + 1) }) },
        }),
      )
    }
    return ids
  }

  /** Resolves once the stub is gone, also when there was none with that id (e.g. after a rollback). */
  async removeStub(id: string): Promise<void> {
    if (typeof id !== 'string' || id === '') throw stubError(`removeStub() takes the id that stub() returned, got ${JSON.stringify(id)}`)
    await this.admin.deleteMapping(id)
  }

  /** Requests in the journal, oldest first; `path` matches exactly, like countRequests. */
  async requests(filter: { method?: string; path?: string } = {}): Promise<MockRequest[]> {
    if (filter.method === undefined && filter.path === undefined) return (await this.admin.journal()).map(toMockRequest)
    const method = filter.method === undefined ? 'ANY' : checkMethod(filter.method, 'requests')
    const path = filter.path === undefined ? undefined : checkPath(filter.path, 'requests')
    return (await this.admin.findRequests(pattern(method, path))).map(toMockRequest)
  }

  async countRequests(method: string, path: string): Promise<number> {
    return this.admin.countRequests(pattern(checkMethod(method, 'countRequests'), checkPath(path, 'countRequests')))
  }

  async verify(method: string, path: string, options: VerifyOptions = {}): Promise<boolean> {
    const bounds = checkVerify(options, `verify(${method} ${path})`)
    return fits(await this.countRequests(method, path), bounds)
  }

  /**
   * Like verify, but throws an AssertionFailed that says what was expected and what arrived, so a step
   * fails with a useful message: `await mock.expectRequests('POST', '/v1/charges', { count: 1 })`.
   * It counts what the app sent, as countRequests does: a request no stub matched (answered with
   * WireMock's 404) counts too. The message says so, and marks those requests: "got 2" where a stub
   * answered only one read as two calls the stub served.
   */
  async expectRequests(method: string, path: string, options: VerifyOptions = {}): Promise<number> {
    const bounds = checkVerify(options, `expectRequests(${method} ${path})`)
    const count = await this.countRequests(method, path)
    if (!fits(count, bounds)) {
      const m = checkMethod(method, 'expectRequests')
      const [journal, counted] = await Promise.all([this.admin.journalEntries(), count ? this.admin.findRequests(pattern(m, checkPath(path, 'expectRequests'))) : []])
      const unmatched = journal.filter((e) => !e.matched).map((e) => e.request)
      const unmatchedCounted = counted.filter((r) => unmatched.some((u) => sameLoggedRequest(u, r))).length
      const seen = journal.map((e) => `${e.request.method} ${e.request.url}${e.matched ? '' : ' (no stub matched)'}`)
      const shown = seen.length > 20 ? `${seen.slice(0, 20).join(', ')} and ${seen.length - 20} more` : seen.join(', ')
      throw new AssertionFailed(
        `expected ${m} ${path} ${describeBounds(bounds)}, got ${count}, counting every ${m === 'ANY' ? 'request to' : m} ${path} the app sent, whether a stub matched it or not${unmatchedCounted ? ` (${unmatchedCounted} matched no stub)` : ''}; the journal holds ${seen.length ? shown : 'no requests'}`,
        { expected: bounds, actual: count },
      )
    }
    return count
  }

  /** Remove every stub, clear the request journal and put scenarios back to their start. */
  async reset(): Promise<void> {
    await this.admin.removeAllMappings()
    await this.admin.clearJournal()
    await this.admin.resetScenarios()
  }

  async healthCheck(): Promise<boolean> {
    return this.admin.healthy()
  }

  /** `true` when WireMock answers, else why not: the plugin's health check for `venomqa doctor`. */
  async healthReport(): Promise<true | string> {
    return (await this.admin.healthProblem()) ?? true
  }
}

// ---- request and response shapes -----------------------------------------------------------------

/** One logged request, as two answers of the admin API list it. */
function sameLoggedRequest(a: LoggedRequest, b: LoggedRequest): boolean {
  return a.id && b.id ? a.id === b.id : a.method === b.method && a.url === b.url && a.loggedDate === b.loggedDate
}

function pattern(method: string, path: string | undefined): RequestPattern {
  if (path === undefined) return { method, urlPathPattern: '.*' }
  return path.includes('?') ? { method, url: path } : { method, urlPath: path }
}

function endpointFeature(path: string, isPattern?: boolean): EndpointFeature {
  if (isPattern) return EndpointFeature.UrlPathPattern
  return path.includes('?') ? EndpointFeature.Default : EndpointFeature.UrlPath
}

function toResponse(r: MockResponse, where: string): IWireMockResponse {
  if (!r || typeof r !== 'object') throw stubError(`${where}: a response is an object { status, body, headers, delayMs }`)
  const status = r.status ?? 200
  if (!Number.isInteger(status) || status < 100 || status > 599) throw stubError(`${where}: "status" must be an HTTP status (100-599), got ${JSON.stringify(r.status)}`)
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(r.headers ?? {})) {
    if (typeof v !== 'string') throw stubError(`${where}: header "${k}" must be a string, got ${JSON.stringify(v)}`)
    // One spelling, so the user's value replaces captain's default JSON content type instead of doubling it.
    headers[k.toLowerCase() === 'content-type' ? 'Content-Type' : k] = v
  }
  const body = r.body
  if (body === undefined || body === '') return { status, headers }
  if (body instanceof Uint8Array) return { status, headers, body: Buffer.from(body).toString('base64') }
  if (typeof body === 'string') return { status, headers, body }
  // Captain drops falsy bodies (0, false, null): send those as their JSON text instead.
  if (!body) return { status, headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) }
  return { status, headers, body }
}

function features(r: MockResponse, where: string): IWireMockFeatures {
  const f: IWireMockFeatures = {}
  if (r.body instanceof Uint8Array) f.responseBodyType = BodyType.Base64Body
  else if (typeof r.body === 'string' || (r.body !== undefined && !r.body)) f.responseBodyType = BodyType.Body
  if (r.delayMs !== undefined) {
    if (typeof r.delayMs !== 'number' || !Number.isFinite(r.delayMs) || r.delayMs < 0)
      throw stubError(`${where}: "delayMs" must be a number of ms >= 0, got ${JSON.stringify(r.delayMs)}`)
    if (r.delayMs > 0) f.responseDelay = { type: DelayType.FIXED, constantDelay: Math.round(r.delayMs) }
  }
  return f
}

function toMockRequest(r: LoggedRequest): MockRequest {
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v)
  return {
    method: r.method,
    url: r.url,
    headers,
    ...(r.body ? { body: r.body } : {}),
    ...(r.loggedDateString ? { loggedAt: r.loggedDateString } : r.loggedDate ? { loggedAt: new Date(r.loggedDate).toISOString() } : {}),
  }
}

// ---- checks of user input -------------------------------------------------------------------------

function stubError(message: string): UserError {
  return new UserError('E_MOCK', `wiremock: ${message}`)
}

function checkUrl(url: unknown): string {
  if (typeof url !== 'string' || !/^https?:\/\/[^/]/.test(url))
    // The URL may carry user:password@: never shown.
    throw new UserError('E_MOCK', `wiremock: "url" must be WireMock's base URL, e.g. http://127.0.0.1:8080, got ${typeof url === 'string' ? JSON.stringify(redactText(url)) : JSON.stringify(url)}`, {
      where: 'url',
    })
  return url
}

function checkMethod(method: unknown, fn: string): Method {
  if (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method))
    throw stubError(`${fn}(): "method" must be an HTTP method such as GET or POST (or ANY), got ${JSON.stringify(method)}`)
  return method.toUpperCase() as Method
}

function checkPath(path: unknown, fn: string, isPattern?: boolean): string {
  if (typeof path !== 'string' || path === '') throw stubError(`${fn}(): "path" must be a non-empty string, got ${JSON.stringify(path)}`)
  if (isPattern) {
    try {
      new RegExp(path)
    } catch (err) {
      throw stubError(`${fn}(): "path" ${JSON.stringify(path)} is not a valid regular expression: ${(err as Error).message}`)
    }
    return path
  }
  if (!path.startsWith('/')) throw stubError(`${fn}(): "path" must start with "/", got ${JSON.stringify(path)} (for a regular expression, set pathPattern: true)`)
  return path
}

interface Bounds {
  count?: number
  atLeast?: number
  atMost?: number
}

function checkVerify(options: VerifyOptions, where: string): Bounds {
  if (typeof options !== 'object' || options === null) throw stubError(`${where}: options must be { count?, atLeast?, atMost? }`)
  const out: Bounds = {}
  for (const key of ['count', 'atLeast', 'atMost'] as const) {
    const v = options[key]
    if (v === undefined) continue
    if (!Number.isInteger(v) || v < 0) throw stubError(`${where}: "${key}" must be a whole number >= 0, got ${JSON.stringify(v)}`)
    out[key] = v
  }
  for (const key of Object.keys(options)) if (!['count', 'atLeast', 'atMost'].includes(key)) throw stubError(`${where}: unknown option "${key}" (known: count, atLeast, atMost)`)
  if (out.atLeast !== undefined && out.atMost !== undefined && out.atLeast > out.atMost)
    throw stubError(`${where}: "atLeast" (${out.atLeast}) is more than "atMost" (${out.atMost}), so no count can fit`)
  if (out.count === undefined && out.atLeast === undefined && out.atMost === undefined) out.atLeast = 1
  return out
}

function fits(n: number, b: Bounds): boolean {
  return (b.count === undefined || n === b.count) && (b.atLeast === undefined || n >= b.atLeast) && (b.atMost === undefined || n <= b.atMost)
}

function describeBounds(b: Bounds): string {
  const parts: string[] = []
  if (b.count !== undefined) parts.push(`exactly ${b.count} time(s)`)
  if (b.atLeast !== undefined) parts.push(`at least ${b.atLeast} time(s)`)
  if (b.atMost !== undefined) parts.push(`at most ${b.atMost} time(s)`)
  return parts.join(' and ')
}
