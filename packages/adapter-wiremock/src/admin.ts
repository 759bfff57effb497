import { randomUUID } from 'node:crypto'
import { type IWireMockFeatures, type IWireMockRequest, type IWireMockResponse, WireMock } from 'wiremock-captain'
import { type PlainResponse, UserError, answerExcerpt, plainRequest, raceDeadline, redactCredentials, redactText } from '@venomqa/core'
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
}

/**
 * The admin REST API of one WireMock server. Stub creation goes through wiremock-captain, which builds the
 * mapping JSON (matchers, body types, delays, scenarios); the calls captain lacks (import, scenario state,
 * counting, finding) go straight to the admin API, which is the real contract. Every failure becomes a
 * WireMockError that names the server and the call.
 */
export class WireMockAdmin {
  /** The server's base URL, without a trailing slash. */
  readonly baseUrl: string
  readonly captain: WireMock
  readonly #timeoutMs: number
  readonly #urlWhere?: string

  constructor(url: string, options: WireMockAdminOptions = {}) {
    // fetch (ours and captain's) refuses a URL with credentials: every call failed, and each message
    // printed the password. Refused here, once, with the URL masked.
    if (redactCredentials(url) !== url)
      throw new UserError('E_MOCK', `wiremock: the URL ${JSON.stringify(redactText(url))} has user:password@, which no admin call can send: give WireMock's URL without them`, {
        where: 'url',
      })
    this.baseUrl = normalizeBaseUrl(url)
    // Captain resolves admin routes relative to its base URL, so a base with a path needs its trailing slash.
    this.captain = new WireMock(`${this.baseUrl}/`)
    this.#timeoutMs = options.timeoutMs ?? 10_000
    this.#urlWhere = options.urlWhere
  }

  /** A problem the URL explains, with the option that gave it named first, as a schema error would name it. */
  #atUrl(problem: string): string {
    return this.#urlWhere === undefined ? problem : `${this.#urlWhere}: ${problem}`
  }

  /** The message of a request that got no answer: blamed on the URL when it leads nowhere. */
  #unreachable(what: string, err: unknown): string {
    const said = `WireMock at ${this.baseUrl} is not reachable (${what}: ${transportReason(err)})`
    return leadsNowhere(err) ? this.#atUrl(said) : said
  }

  /** One admin call; `ok` lists the statuses that are not errors (default: any 2xx). */
  async call<T = unknown>(method: string, route: string, body?: unknown, ok?: (status: number) => boolean): Promise<{ status: number; json: T }> {
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
    const json = parseJson(text)
    if (!(ok ? ok(res.status) : res.status >= 200 && res.status < 300)) {
      const refused = `WireMock at ${this.baseUrl} answered ${method} /__admin/${route} with ${res.status}, expected 2xx${describeErrors(json, text)}`
      // A 404 without WireMock's error document (a missing scenario has one) means no admin API at that path.
      throw new WireMockError(res.status === 404 && !isErrorDocument(json) ? this.#atUrl(refused) : refused, { status: res.status })
    }
    return { status: res.status, json: json as T }
  }

  /**
   * Create a stub through captain; its id. Captain's fetch takes no signal, so the deadline every other
   * admin call has (`timeoutMs`) is a race here: a server that accepts and never answers held a stub()
   * (and a journey without a step timeout) for ever. Given up on, the stub may still land later: the
   * run has failed by then, and the state backend's next rollback takes it away with the rest.
   */
  async register(request: IWireMockRequest, response: IWireMockResponse, features: IWireMockFeatures): Promise<string> {
    let created: unknown
    try {
      const ms = this.#timeoutMs
      created = await raceDeadline(this.captain.register(request, response, features), ms, () => new DOMException(`no answer within ${ms} ms`, 'TimeoutError'))
    } catch (err) {
      // Captain reads every answer as JSON: a SyntaxError is an answer from something that is no admin API.
      if (err instanceof SyntaxError)
        throw new WireMockError(this.#atUrl(`WireMock at ${this.baseUrl} answered POST /__admin/mappings with something that is not JSON, expected WireMock's admin API`), { cause: err })
      throw new WireMockError(this.#unreachable('POST /__admin/mappings', err), { cause: err })
    }
    const id = (created as { id?: unknown } | undefined)?.id
    // Captain returns whatever JSON came back, also WireMock's 422 error document: no id means no stub.
    if (typeof id !== 'string')
      throw new WireMockError(`WireMock at ${this.baseUrl} refused the stub for ${request.method} ${request.endpoint}${describeErrors(created, '')}`)
    return id
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
    const { json } = await this.call<{ requests?: { request?: LoggedRequest }[]; requestJournalDisabled?: boolean }>('GET', 'requests')
    this.#journalOn(json?.requestJournalDisabled)
    const events = Array.isArray(json?.requests) ? json.requests : []
    // The journal lists newest first.
    return events.map((e) => e.request).filter((r): r is LoggedRequest => !!r).reverse()
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
