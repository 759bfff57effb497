import type { Client, ClientOptions } from '@elastic/elasticsearch'
import { KnownSecrets, type SearchHit, type SearchPort, type SearchResult, UserError, VenomError, knownSecrets, redactText, secretsOfUrl } from '@venomqa/core'
import { elasticsearch } from './driver'

export type RefreshMode = boolean | 'wait_for'

export interface ElasticsearchSearchOptions {
  /** `http://localhost:9200`, or several nodes. Required unless `client` or `clientOptions.cloud` is given. */
  node?: ClientOptions['node']
  auth?: ClientOptions['auth']
  tls?: ClientOptions['tls']
  /** Prepended to every index name, so parallel runs or test suites do not share indices. */
  indexPrefix?: string
  /**
   * Make writes (index, delete, clear) visible to search before they return. Default `true`: a journey
   * that indexes and then searches sees its document. `'wait_for'` waits for the next scheduled refresh
   * instead of forcing one; `false` leaves it to `refresh(index)`.
   */
  refresh?: RefreshMode
  /** Per-request timeout, ms. Default 30 000. */
  requestTimeoutMs?: number
  /** Any other client option (maxRetries, default 1 here; Connection for a mock transport; cloud; ...). */
  clientOptions?: Partial<ClientOptions>
  /** Use this client instead of creating one; `close()` then leaves it open. */
  client?: Client
}

/** What Elasticsearch said when it refused an operation. */
export class SearchError extends VenomError {
  readonly operation: string
  readonly index?: string
  /** The Elasticsearch error type, e.g. `index_not_found_exception`, or the client's error name. */
  readonly type: string
  readonly status?: number
  constructor(operation: string, index: string | undefined, type: string, message: string, status?: number, cause?: unknown) {
    super('E_SEARCH', `elasticsearch ${operation}${index ? ` on index "${index}"` : ''}: ${message}`, { cause })
    this.operation = operation
    this.index = index
    this.type = type
    this.status = status
  }
}

/** Top-level keys of a search request body: an object with one of these is sent as the body itself. */
const SEARCH_BODY_KEYS = new Set([
  'query', 'aggs', 'aggregations', 'sort', '_source', 'size', 'from', 'post_filter', 'highlight', 'knn', 'track_total_hits',
  'search_after', 'fields', 'collapse', 'min_score', 'suggest', 'rescore', 'runtime_mappings', 'pit', 'script_fields',
  'stored_fields', 'docvalue_fields', 'explain', 'indices_boost', 'timeout', 'terminate_after', 'retriever', 'rank',
])

/**
 * The search port on Elasticsearch 8 (`@elastic/elasticsearch`). Errors name the operation and the index;
 * a missing document is `undefined` (get) or `false` (delete), a missing index is an error.
 */
export class ElasticsearchSearch implements SearchPort {
  readonly client: Client
  readonly indexPrefix: string
  readonly #refresh: RefreshMode
  readonly #ownsClient: boolean
  /** This client's credentials in every form it sends them, masked in its errors (see credentialsOf). */
  readonly #secrets = new KnownSecrets()

  constructor(options: ElasticsearchSearchOptions) {
    this.indexPrefix = options.indexPrefix ?? ''
    const credentials = credentialsOf(options)
    this.#secrets.add(credentials)
    // The run's own mask too: the encoded forms (an `ApiKey` header's base64) are not in the options as given.
    knownSecrets.add(credentials)
    this.#refresh = options.refresh ?? true
    if (options.client) {
      this.client = options.client
      this.#ownsClient = false
      return
    }
    if (!options.node && !options.clientOptions?.node && !options.clientOptions?.nodes && !options.clientOptions?.cloud)
      throw new UserError('E_CONFIG', 'elasticsearch: option "node" is required (e.g. "http://localhost:9200")', { where: 'node' })
    try {
      const { Client } = elasticsearch()
      this.client = new Client({
        requestTimeout: options.requestTimeoutMs ?? 30_000,
        // The client's default (3, with backoff) makes each call to a node that is down take ~8 s.
        maxRetries: 1,
        ...options.clientOptions,
        ...(options.node ? { node: options.node } : {}),
        ...(options.auth ? { auth: options.auth } : {}),
        ...(options.tls ? { tls: options.tls } : {}),
      })
    } catch (err) {
      throw new UserError('E_CONFIG', `elasticsearch: cannot create a client: ${(err as Error).message}`, { cause: err })
    }
    this.#ownsClient = true
  }

  /** The real index name (with the prefix). */
  indexName(index: string): string {
    if (typeof index !== 'string' || index === '') throw new UserError('E_SEARCH', 'elasticsearch: an index name is required')
    return this.indexPrefix + index
  }

  async createIndex(index: string, options: { mappings?: Record<string, unknown>; settings?: Record<string, unknown> } = {}): Promise<void> {
    const name = this.indexName(index)
    await this.#call('createIndex', name, () =>
      this.client.indices.create({ index: name, ...(options.mappings ? { mappings: options.mappings } : {}), ...(options.settings ? { settings: options.settings } : {}) }),
    )
  }

  /** Delete the index; one that does not exist is fine (teardown should not fail on a clean slate). */
  async deleteIndex(index: string): Promise<void> {
    const name = this.indexName(index)
    await this.#call('deleteIndex', name, () => this.client.indices.delete({ index: name }, { ignore: [404] }))
  }

  async indexExists(index: string): Promise<boolean> {
    const name = this.indexName(index)
    return this.#call('indexExists', name, () => this.client.indices.exists({ index: name }))
  }

  async refresh(index: string): Promise<void> {
    const name = this.indexName(index)
    await this.#call('refresh', name, () => this.client.indices.refresh({ index: name }))
  }

  /** Index (create or replace) a document; returns its id, generated when none is given. */
  async index(index: string, document: Record<string, unknown>, id?: string): Promise<string> {
    const name = this.indexName(index)
    if (document === null || typeof document !== 'object' || Array.isArray(document))
      throw new UserError('E_SEARCH', `elasticsearch index on index "${name}": the document must be an object`)
    const res = await this.#call('index', name, () =>
      this.client.index({ index: name, document, refresh: this.#refresh, ...(id !== undefined ? { id: String(id) } : {}) }),
    )
    return res._id
  }

  async get<T = Record<string, unknown>>(index: string, id: string): Promise<T | undefined> {
    const name = this.indexName(index)
    try {
      const res = await this.client.get<T>({ index: name, id: String(id) })
      return res.found ? res._source : undefined
    } catch (err) {
      if (isDocumentMissing(err)) return undefined
      throw this.#translate('get', name, err)
    }
  }

  /** True if the document was there and is gone now; false if there was no such document. */
  async delete(index: string, id: string): Promise<boolean> {
    const name = this.indexName(index)
    try {
      const res = await this.client.delete({ index: name, id: String(id), refresh: this.#refresh })
      return res.result === 'deleted'
    } catch (err) {
      if (isDocumentMissing(err)) return false
      throw this.#translate('delete', name, err)
    }
  }

  /**
   * Search with a query string (Lucene syntax, e.g. `title:milk AND done:false`), a query clause
   * (`{ match: { title: 'milk' } }`) or a whole request body (`{ query, sort, aggs, ... }`).
   * `total` is exact (track_total_hits), not capped at 10 000.
   */
  async search<T = Record<string, unknown>>(
    index: string,
    query: Record<string, unknown> | string,
    options: { size?: number; from?: number } = {},
  ): Promise<SearchResult<T>> {
    const name = this.indexName(index)
    const body = searchBody(query, name)
    if (options.size !== undefined) body.size = options.size
    if (options.from !== undefined) body.from = options.from
    if (body.track_total_hits === undefined) body.track_total_hits = true
    // Sent as `body` so that any search key passes through as is, whatever this client version knows.
    const res = await this.#call('search', name, () => this.client.search<T>({ index: name, body } as Parameters<Client['search']>[0]))
    const total = res.hits.total
    return {
      total: typeof total === 'number' ? total : (total?.value ?? res.hits.hits.length),
      hits: res.hits.hits.map((h): SearchHit<T> => ({ id: h._id ?? '', score: h._score ?? null, source: h._source as T })),
    }
  }

  /** Delete every document in the index (the index and its mappings stay). */
  async clear(index: string): Promise<void> {
    const name = this.indexName(index)
    await this.#call('clear', name, () =>
      this.client.deleteByQuery({ index: name, query: { match_all: {} }, conflicts: 'proceed', refresh: this.#refresh !== false }),
    )
  }

  /** True when the cluster answers a ping. Never throws. */
  async healthCheck(): Promise<boolean> {
    try {
      return (await this.client.ping({}, { requestTimeout: 2000, maxRetries: 0 })) === true
    } catch {
      return false
    }
  }

  /** Close the client if this adapter created it. */
  async close(): Promise<void> {
    if (this.#ownsClient) await this.client.close()
  }

  async #call<R>(operation: string, index: string, fn: () => Promise<R>): Promise<R> {
    try {
      return await fn()
    } catch (err) {
      throw this.#translate(operation, index, err)
    }
  }

  /**
   * A server's words, masked and cut: a proxy or a gateway may quote the Authorization header it was sent
   * (a base64 `ApiKey` value that no text rule knows), or answer with a whole HTML page.
   */
  #quote(text: string): string {
    const masked = this.#secrets.mask(redactText(text))
    return masked.length > MAX_QUOTED ? `${masked.slice(0, MAX_QUOTED)}\u2026` : masked
  }

  #translate(operation: string, index: string, err: unknown): Error {
    const { errors } = elasticsearch()
    if (err instanceof errors.ResponseError) {
      const cause = err.body?.error
      const type: string = this.#quote((typeof cause === 'object' && cause?.type) || 'response_error')
      const reason = this.#quote((typeof cause === 'object' && cause?.reason) || (typeof cause === 'string' ? cause : err.message))
      if (type === 'index_not_found_exception')
        return new SearchError(operation, index, type, `index "${index}" does not exist (create it first with createIndex)`, err.statusCode, err)
      return new SearchError(operation, index, type, `${type}: ${reason} (HTTP ${err.statusCode ?? '?'})`, err.statusCode, err)
    }
    if (err instanceof errors.ConnectionError || err instanceof errors.NoLivingConnectionsError || err instanceof errors.TimeoutError)
      return new SearchError(operation, index, err.name, `cannot reach Elasticsearch: ${this.#quote(err.message)}`, undefined, err)
    if (err instanceof errors.ElasticsearchClientError) return new SearchError(operation, index, err.name, this.#quote(err.message), undefined, err)
    return err instanceof Error ? err : new Error(String(err))
  }
}

/** The longest part of a server's answer an error quotes. */
const MAX_QUOTED = 500

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64')

/** Every form the client sends a credential in: as given, as the `user:password` pair, and base64-encoded. */
function credentialsOf(options: ElasticsearchSearchOptions): string[] {
  const out: string[] = []
  const pair = (user: string, secret: string) => out.push(secret, `${user}:${secret}`, base64(`${user}:${secret}`))
  for (const auth of [options.auth, options.clientOptions?.auth] as unknown[]) {
    const a = (auth ?? {}) as { username?: unknown; password?: unknown; apiKey?: unknown; bearer?: unknown }
    if (typeof a.password === 'string' && a.password) pair(String(a.username ?? ''), a.password)
    if (typeof a.bearer === 'string') out.push(a.bearer)
    if (typeof a.apiKey === 'string') out.push(a.apiKey)
    const key = a.apiKey as { id?: unknown; api_key?: unknown } | undefined
    if (key && typeof key === 'object' && typeof key.api_key === 'string' && key.api_key) pair(String(key.id ?? ''), key.api_key)
  }
  const nodes = [options.node, options.clientOptions?.node, options.clientOptions?.nodes].flat()
  for (const node of nodes) {
    const url = typeof node === 'string' ? node : node instanceof URL ? node.href : (node as { url?: URL } | undefined)?.url?.href
    if (!url) continue
    out.push(...secretsOfUrl(url))
    try {
      const { username, password } = new URL(url)
      if (password) pair(decodeURIComponent(username), decodeURIComponent(password))
    } catch {
      // Not a URL: the client refuses it itself.
    }
  }
  return out
}

/** A 404 for a missing document, as opposed to a missing index (which stays an error). */
function isDocumentMissing(err: unknown): boolean {
  if (!(err instanceof elasticsearch().errors.ResponseError) || err.statusCode !== 404) return false
  const body = err.body as { found?: boolean; result?: string; error?: unknown } | undefined
  return body?.found === false || body?.result === 'not_found'
}

function searchBody(query: Record<string, unknown> | string, index: string): Record<string, unknown> {
  if (typeof query === 'string') return { query: query.trim() === '' ? { match_all: {} } : { query_string: { query } } }
  if (query === null || typeof query !== 'object' || Array.isArray(query))
    throw new UserError('E_SEARCH', `elasticsearch search on index "${index}": the query must be a string or an object`)
  const keys = Object.keys(query)
  if (keys.length === 0) return { query: { match_all: {} } }
  return keys.some((k) => SEARCH_BODY_KEYS.has(k)) ? { ...query } : { query }
}
