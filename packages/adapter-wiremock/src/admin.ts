import { randomUUID } from 'node:crypto'
import type { IWireMockFeatures, IWireMockRequest, IWireMockResponse, WireMock } from 'wiremock-captain'
// Captain's own builders of a stub's JSON: its register() would also send it, with the global fetch (see
// register below). Its version is pinned, and with it these files.
import { type PlainResponse, UserError, answerExcerpt, plainRequest, redactCredentials, redactText } from '@venomqa/core'
import { PlainCaptain, stubMapping } from './captain'
import { WireMockError, leadsNowhere, transportReason } from './errors'

/** A stub mapping as WireMock's admin API returns it; kept opaque so that a rollback re-imports it unchanged. */
export interface StubMapping {
  id: string
  request?: Record<string, unknown>
  response?: Record<string, unknown>
  scenarioName?: string
  requiredScenarioState?: string
  newScenarioState?: string
  [key: string]: unknown
}

export interface ScenarioState {
  name: string
  state: string
}

/** A request as the journal logs it (`request` of a serve event, or an entry of /requests/find). */
export interface LoggedRequest {
  id?: string
  url: string
  method: string
  headers?: Record<string, string | string[]>
  body?: string
  loggedDate?: number
  loggedDateString?: string
}

/** A request no stub matched, and the stub nearest to matching it (none when there is no stub at all). */
export interface UnmatchedRequest {
  request: LoggedRequest
  nearest?: StubMapping
}

/** An entry of /requests/unmatched/near-misses: a request, a stub, and how far the stub is from matching it. */
interface NearMiss {
  request?: LoggedRequest
  stubMapping?: StubMapping
  matchResult?: { distance?: number }
}

/** A request pattern of the admin API: what /requests/count and /requests/find match on. */
export interface RequestPattern {
  method: string
  url?: string
  urlPath?: string
  urlPathPattern?: string
}

export interface WireMockAdminOptions {
  /** ms per admin call. Default 10 000. */
  timeoutMs?: number
  /**
   * Where the user wrote the URL (`plugins[2].url`), named in errors that the URL explains: nothing listens
   * there, no such host, no admin API at that path. The plugin gives it; code that builds a client may too.
   */
  urlWhere?: string
  /**
   * The plugin option that would start a WireMock instead (`plugins[2].managed`), told when nothing listens
   * at the URL: a user without WireMock running learns that the plugin can start one. None for a managed one.
   */
  managedWhere?: string
}

/**
 * The admin REST API of one WireMock server. A stub's mapping JSON (matchers, body types, delays,
 * scenarios) is built by wiremock-captain's builders; every call, a stub's creation too, goes straight to
 * the admin API, which is the real contract, on node:http (plainRequest): the global fetch refuses the
 * fetch standard's "bad ports" (6665-6669, 10080, ...) where a WireMock may well listen. Every failure
 * becomes a WireMockError that names the server and the call.
 */
export class WireMockAdmin {
  /** The server's base URL, without a trailing slash. */
  readonly baseUrl: string
  /**
   * Captain's client of this server, for what this class does not wrap: its methods, answering as
   * captain's do, each sent on node:http within `timeoutMs` (see PlainCaptain), so on any port, the
   * fetch standard's "bad ports" (6665-6669, 10080, ...) included.
   */
  readonly captain: WireMock
  readonly #timeoutMs: number
  readonly #urlWhere?: string
  readonly #managedWhere?: string

  constructor(url: string, options: WireMockAdminOptions = {}) {
    // A URL with credentials (which fetch refused): every call failed, and each message
    // printed the password. Refused here, once, with the URL masked.
    if (redactCredentials(url) !== url)
      throw new UserError('E_MOCK', `wiremock: the URL ${JSON.stringify(redactText(url))} has user:password@, which no admin call can send: give WireMock's URL without them`, {
        where: 'url',
      })
    this.baseUrl = normalizeBaseUrl(url)
    this.#timeoutMs = options.timeoutMs ?? 10_000
    // Captain resolves admin routes relative to its base URL, so a base with a path needs its trailing slash.
    this.captain = new PlainCaptain(`${this.baseUrl}/`, this.#timeoutMs)
    this.#urlWhere = options.urlWhere
    this.#managedWhere = options.managedWhere
  }

  /** A problem the URL explains, with the option that gave it named first, as a schema error would name it. */
  #atUrl(problem: string): string {
    return this.#urlWhere === undefined ? problem : `${this.#urlWhere}: ${problem}`
  }

  /** The message of a request that got no answer: blamed on the URL when it leads nowhere. */
  #unreachable(what: string, err: unknown): string {
    const said = `WireMock at ${this.baseUrl} is not reachable (${what}: ${transportReason(err)})`
    if (!leadsNowhere(err)) return said
    const orManaged = this.#managedWhere === undefined ? '' : `: start WireMock there, or let the plugin start one with ${this.#managedWhere}: true (in place of url; it needs Java)`
    return this.#atUrl(`${said}${orManaged}`)
  }

  /** One admin call; `ok` lists the statuses that are not errors (default: any 2xx). */
  async call<T = unknown>(method: string, route: string, body?: unknown, ok?: (status: number) => boolean): Promise<{ status: number; json: T }> {
    const { status, json, text } = await this.#send(method, route, body)
    if (!(ok ? ok(status) : isSuccess(status))) throw this.#refused(method, route, status, json, text)
    return { status, json: json as T }
  }

  /** One admin call and its answer, whatever its status; no answer within `timeoutMs` is a WireMockError. */
  async #send(method: string, route: string, body: unknown): Promise<{ status: number; json: unknown; text: string }> {
    const url = `${this.baseUrl}/__admin/${route}`
    let res: PlainResponse
    try {
      res = await plainRequest(url, {
        method,
        headers: body === undefined ? undefined : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      })
    } catch (err) {
      throw new WireMockError(this.#unreachable(`${method} /__admin/${route}`, err), { cause: err })
    }
    const text = await res.text()
    return { status: res.status, json: parseJson(text), text }
  }

  #refused(method: string, route: string, status: number, json: unknown, text: string): WireMockError {
    const refused = `WireMock at ${this.baseUrl} answered ${method} /__admin/${route} with ${status}, expected 2xx${describeErrors(json, text)}`
    // A 404 without WireMock's error document (a missing scenario has one) means no admin API at that path.
    return new WireMockError(status === 404 && !isErrorDocument(json) ? this.#atUrl(refused) : refused, { status })
  }

  /**
   * Create a stub; its id. Its JSON is what captain's register() sends; it is sent here as every other
   * admin call is, within `timeoutMs`: captain's fetch refused the "bad ports", and took no signal, so a
   * server that accepted and never answered held a stub() for ever.
   */
  async register(request: IWireMockRequest, response: IWireMockResponse, features: IWireMockFeatures): Promise<string> {
    const { status, json, text } = await this.#send('POST', 'mappings', stubMapping(request, response, features))
    const id = (json as { id?: unknown } | undefined)?.id
    if (isSuccess(status) && typeof id === 'string') return id
    // WireMock's error document (a 422 for a stub it cannot take), or JSON without an id: no stub.
    if (isErrorDocument(json) || (isSuccess(status) && json !== undefined))
      throw new WireMockError(`WireMock at ${this.baseUrl} refused the stub for ${request.method} ${request.endpoint}${describeErrors(json, text)}`, { status })
    if (isSuccess(status))
      throw new WireMockError(this.#atUrl(`WireMock at ${this.baseUrl} answered POST /__admin/mappings with something that is not JSON, expected WireMock's admin API`))
    throw this.#refused('POST', 'mappings', status, json, text)
  }

  /** Delete one stub; false when there was none with that id. */
  async deleteMapping(id: string): Promise<boolean> {
    const { status } = await this.call('DELETE', `mappings/${encodeURIComponent(id)}`, undefined, (s) => s < 300 || s === 404)
    return status !== 404
  }

  /** Every stub mapping, newest first (WireMock's order, which is also its matching order at equal priority). */
  async mappings(): Promise<StubMapping[]> {
    const { json } = await this.call<{ mappings?: StubMapping[]; meta?: { total?: number } }>('GET', 'mappings')
    const list = json?.mappings
    if (!Array.isArray(list)) throw new WireMockError(`WireMock at ${this.baseUrl} answered GET /__admin/mappings without a "mappings" list`)
    if (typeof json.meta?.total === 'number' && json.meta.total !== list.length)
      throw new WireMockError(`WireMock at ${this.baseUrl} returned ${list.length} of ${json.meta.total} mappings; a snapshot must have them all`)
    return list
  }

  /**
   * Remove every stub from the server, and no file from its disk. DELETE /__admin/mappings would do it in
   * one call, but WireMock then also deletes the files under its `mappings/` folder: a rollback against a
   * WireMock started with `--root-dir` emptied the user's stub files, and after a restart their stubs were
   * gone. An import of no stubs with deleteAllNotInImport removes them one by one, each as a stub, which
   * deletes a file only for a stub created `persistent` (one a path made, whose file must go with it).
   */
  async removeAllMappings(): Promise<void> {
    await this.call('POST', 'mappings/import', { mappings: [], importOptions: { duplicatePolicy: 'OVERWRITE', deleteAllNotInImport: true } })
  }

  /**
   * Replace every stub by `mappings` (ids kept). WireMock's import keeps the list's order, so the stub that
   * won a match before still wins.
   */
  async importMappings(mappings: StubMapping[]): Promise<void> {
    await this.call('POST', 'mappings/import', { mappings, importOptions: { duplicatePolicy: 'OVERWRITE', deleteAllNotInImport: true } })
  }

  async scenarios(): Promise<ScenarioState[]> {
    const { json } = await this.call<{ scenarios?: { name?: string; id?: string; state?: string }[] }>('GET', 'scenarios')
    if (!Array.isArray(json?.scenarios)) throw new WireMockError(`WireMock at ${this.baseUrl} answered GET /__admin/scenarios without a "scenarios" list`)
    return json.scenarios.map((s) => ({ name: String(s.name ?? s.id), state: String(s.state) }))
  }

  /**
   * Move a scenario to `state`. WireMock does not decode the name in PUT /__admin/scenarios/{name}/state, so
   * a name with a space, slash or non-ASCII letter cannot go there; such a scenario is moved by a stub of
   * its own, on a path nobody else uses, that sets the state when called once and is deleted right after
   * (the journal entry it leaves is the caller's to clear).
   */
  async setScenarioState(name: string, state: string): Promise<void> {
    if (/^[A-Za-z0-9._~-]+$/.test(name)) {
      await this.call('PUT', `scenarios/${name}/state`, { state })
      return
    }
    const id = randomUUID()
    const url = `/__venomqa/scenario-state/${id}`
    await this.call('POST', 'mappings', { id, priority: 1, scenarioName: name, newScenarioState: state, request: { method: 'POST', urlPath: url }, response: { status: 204 } })
    try {
      let res: PlainResponse
      try {
        res = await plainRequest(`${this.baseUrl}${url}`, { method: 'POST', signal: AbortSignal.timeout(this.#timeoutMs) })
        await res.bytes()
      } catch (err) {
        throw new WireMockError(this.#unreachable(`POST ${url}`, err), { cause: err })
      }
      if (res.status !== 204) throw new WireMockError(`WireMock at ${this.baseUrl} did not move scenario "${name}" to "${state}" (its helper stub answered ${res.status})`)
    } finally {
      await this.deleteMapping(id)
    }
  }

  async resetScenarios(): Promise<void> {
    await this.call('POST', 'scenarios/reset')
  }

  async clearJournal(): Promise<void> {
    await this.call('DELETE', 'requests')
  }

  /** Every request in the journal, oldest first. */
  async journal(): Promise<LoggedRequest[]> {
    return (await this.journalEntries()).map((e) => e.request)
  }

  /** The journal, oldest first, each request with whether a stub matched it (WireMock answered the rest with its 404). */
  async journalEntries(): Promise<{ request: LoggedRequest; matched: boolean }[]> {
    const { json } = await this.call<{ requests?: { request?: LoggedRequest; wasMatched?: boolean }[]; requestJournalDisabled?: boolean }>('GET', 'requests')
    this.#journalOn(json?.requestJournalDisabled)
    const events = Array.isArray(json?.requests) ? json.requests : []
    // The journal lists newest first.
    return events.flatMap((e) => (e.request ? [{ request: e.request, matched: e.wasMatched !== false }] : [])).reverse()
  }

  /**
   * The requests logged at or after `since` (ms) that no stub matched, oldest first, each with the stub
   * nearest to matching it, if any: what WireMock answered with its 404.
   */
  async unmatchedSince(since: number): Promise<UnmatchedRequest[]> {
    const { json } = await this.call<{ requests?: LoggedRequest[] }>('GET', 'requests/unmatched')
    const requests = (Array.isArray(json?.requests) ? json.requests : []).filter((r) => (r.loggedDate ?? 0) >= since)
    if (!requests.length) return []
    const near = await this.call<{ nearMisses?: NearMiss[] }>('GET', 'requests/unmatched/near-misses')
    const misses = Array.isArray(near.json?.nearMisses) ? near.json.nearMisses : []
    const same = (a: LoggedRequest, b: LoggedRequest) => a.method === b.method && a.url === b.url && a.loggedDate === b.loggedDate
    return requests
      .sort((a, b) => (a.loggedDate ?? 0) - (b.loggedDate ?? 0))
      .map((request) => {
        const nearest = misses
          .filter((m) => m.request && m.stubMapping && same(m.request, request))
          .sort((a, b) => (a.matchResult?.distance ?? 1) - (b.matchResult?.distance ?? 1))[0]
        return { request, nearest: nearest?.stubMapping }
      })
  }

  /** The requests matching `pattern`, oldest first. */
  async findRequests(pattern: RequestPattern): Promise<LoggedRequest[]> {
    const { json } = await this.call<{ requests?: LoggedRequest[]; requestJournalDisabled?: boolean }>('POST', 'requests/find', pattern)
    this.#journalOn(json?.requestJournalDisabled)
    const list = Array.isArray(json?.requests) ? [...json.requests] : []
    return list.sort((a, b) => (a.loggedDate ?? 0) - (b.loggedDate ?? 0))
  }

  async countRequests(pattern: RequestPattern): Promise<number> {
    const { json } = await this.call<{ count?: number; requestJournalDisabled?: boolean }>('POST', 'requests/count', pattern)
    this.#journalOn(json?.requestJournalDisabled)
    if (typeof json?.count !== 'number') throw new WireMockError(`WireMock at ${this.baseUrl} answered POST /__admin/requests/count without a count`)
    return json.count
  }

  /** How many requests the journal holds; one cheap call. */
  async journalSize(): Promise<number> {
    const { json } = await this.call<{ meta?: { total?: number }; requests?: unknown[] }>('GET', 'requests?limit=1')
    return json?.meta?.total ?? json?.requests?.length ?? 0
  }

  /** True when the server answers its health route (or, on WireMock 2, its mappings). Never throws. */
  async healthy(timeoutMs = 2000): Promise<boolean> {
    return (await this.healthProblem(timeoutMs)) === undefined
  }

  /** Why the server is not healthy (what `venomqa doctor` shows), or undefined when it is. Never throws. */
  async healthProblem(timeoutMs = 2000): Promise<string | undefined> {
    for (const route of ['health', 'mappings?limit=1']) {
      try {
        const res = await plainRequest(`${this.baseUrl}/__admin/${route}`, { signal: AbortSignal.timeout(timeoutMs) })
        await res.bytes()
        if (res.ok) return undefined
        if (res.status !== 404) return `WireMock at ${this.baseUrl} answered GET /__admin/${route} with ${res.status}`
      } catch (err) {
        if (err instanceof Error && err.name === 'TimeoutError') return `WireMock at ${this.baseUrl} is not reachable (GET /__admin/${route}: no answer within ${timeoutMs} ms)`
        return this.#unreachable(`GET /__admin/${route}`, err)
      }
    }
    return this.#atUrl(`WireMock at ${this.baseUrl} has neither /__admin/health nor /__admin/mappings (404): is it WireMock?`)
  }

  #journalOn(disabled: boolean | undefined): void {
    if (disabled)
      throw new WireMockError(`WireMock at ${this.baseUrl} runs with its request journal disabled (--no-request-journal): requests cannot be listed or counted`)
  }
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300
}

export function normalizeBaseUrl(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/__admin$/, '')
}

/** Whether an answer is WireMock's own error document ({errors: [...]}): an answer of the admin API itself. */
function isErrorDocument(json: unknown): boolean {
  return Array.isArray((json as { errors?: unknown } | undefined)?.errors)
}

function parseJson(text: string): unknown {
  if (!text) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/**
 * The end of a refusal's message: WireMock's error document ({errors: [{title, detail}]}) as one line, or
 * else how the answer starts (a proxy's whole HTML page is never pasted in).
 */
function describeErrors(json: unknown, text: string): string {
  const errors = (json as { errors?: { title?: string; detail?: string }[] } | undefined)?.errors
  if (Array.isArray(errors) && errors.length)
    return `: ${errors.map((e) => [e.title, e.detail].filter(Boolean).join(': ')).join('; ')}`
  const raw = text || (json === undefined ? '' : JSON.stringify(json))
  return raw.trim() ? `; its answer starts ${answerExcerpt(raw)}` : '; its answer was empty'
}
