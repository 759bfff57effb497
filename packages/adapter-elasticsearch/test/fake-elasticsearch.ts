/**
 * A small stand-in for an Elasticsearch 8 node, built on @elastic/elasticsearch-mock (the client's official
 * mock transport: the real client, with only the HTTP layer replaced). It keeps indices and documents in
 * memory and answers the endpoints the adapter calls with response bodies shaped like Elasticsearch 8's,
 * including its near-real-time behaviour: a document is searchable only after a refresh.
 *
 * Its query support is deliberately small (match_all, match, term, query_string, bool must/filter): enough
 * to check what the adapter sends and how it reads the answers, not a search engine.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Client, errors } from '@elastic/elasticsearch'
import Mock from '@elastic/elasticsearch-mock'

export interface LoggedRequest {
  method: string
  path: string
  querystring: Record<string, string>
  body: any
}

interface FakeIndex {
  mappings: Record<string, unknown>
  settings: Record<string, unknown>
  docs: Map<string, { source: Record<string, unknown>; version: number }>
  /** Ids visible to search: the state at the last refresh. */
  searchable: Map<string, Record<string, unknown>>
}

export class FakeElasticsearch {
  readonly mock = new Mock()
  readonly requests: LoggedRequest[] = []
  readonly indices = new Map<string, FakeIndex>()
  #autoId = 1
  /** When set, every request fails with this error (e.g. a 500, or a connection error). */
  failWith?: () => Error

  constructor() {
    this.#routes()
  }

  /** A real client whose transport is the mock. */
  client(): Client {
    return new Client({ node: 'http://localhost:9200', Connection: this.connection() })
  }

  /** The mock's connection class, plus the close() it lacks (client.close() calls it). */
  connection(): ReturnType<Mock['getConnection']> {
    const Base = this.mock.getConnection() as any
    return class ClosableMockConnection extends Base {
      async close(): Promise<void> {}
    } as any
  }

  /**
   * Serve the same routes over real HTTP on 127.0.0.1, so the client's own HTTP connection (not the mock
   * transport) is used. Returns the URL and a stop function.
   */
  async serveHttp(): Promise<{ url: string; stop: () => Promise<void> }> {
    const server = http.createServer((req, res) => {
      let data = ''
      req.on('data', (chunk) => {
        data += chunk
      })
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://localhost')
        const params = { method: req.method ?? 'GET', path: u.pathname, querystring: Object.fromEntries(u.searchParams), body: data ? JSON.parse(data) : null }
        const resolver = this.mock.get(params as never)
        let payload: unknown = resolver ? resolver(params as never) : { error: 'no such route in the fake', params }
        let status = resolver ? 200 : 404
        if (payload instanceof errors.ResponseError) {
          status = payload.statusCode ?? 500
          payload = payload.body
        }
        res.writeHead(status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' })
        res.end(typeof payload === 'string' ? payload : JSON.stringify(payload))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
    }
  }

  requestsTo(method: string, pathPattern: RegExp): LoggedRequest[] {
    return this.requests.filter((r) => r.method === method && pathPattern.test(r.path))
  }

  #routes(): void {
    const on = (method: string | string[], path: string | string[], fn: (p: LoggedRequest, parts: string[]) => unknown) =>
      this.mock.add({ method, path }, (params: any) => {
        const p: LoggedRequest = { method: params.method, path: params.path, querystring: params.querystring ?? {}, body: params.body }
        this.requests.push(p)
        if (this.failWith) return this.failWith()
        const parts = p.path.split('/').filter(Boolean).map(decodeURIComponent)
        return fn(p, parts) as any
      })

    on('HEAD', '/', () => '')
    on('GET', '/', () => ({ name: 'fake', cluster_name: 'fake', version: { number: '8.19.1' }, tagline: 'You Know, for Search' }))

    on('PUT', '/:index', (p, [index]) => {
      if (this.indices.has(index))
        return error(400, 'resource_already_exists_exception', `index [${index}/abc123] already exists`, index)
      if (index !== index.toLowerCase()) return error(400, 'invalid_index_name_exception', `Invalid index name [${index}], must be lowercase`, index)
      this.indices.set(index, { mappings: p.body?.mappings ?? {}, settings: p.body?.settings ?? {}, docs: new Map(), searchable: new Map() })
      return { acknowledged: true, shards_acknowledged: true, index }
    })
    on('DELETE', '/:index', (_p, [index]) => {
      if (!this.indices.delete(index)) return indexMissing(index)
      return { acknowledged: true }
    })
    on('HEAD', '/:index', (_p, [index]) => (this.indices.has(index) ? '' : new errors.ResponseError({ body: '', statusCode: 404 } as any)))
    on(['POST', 'GET'], '/:index/_refresh', (_p, [index]) => {
      const idx = this.indices.get(index)
      if (!idx) return indexMissing(index)
      this.#refreshIndex(idx)
      return { _shards: { total: 2, successful: 1, failed: 0 } }
    })

    const indexDoc = (p: LoggedRequest, index: string, id: string | undefined) => {
      // Like Elasticsearch with auto_create_index on: writing to a missing index creates it.
      let idx = this.indices.get(index)
      if (!idx) {
        idx = { mappings: {}, settings: {}, docs: new Map(), searchable: new Map() }
        this.indices.set(index, idx)
      }
      const docId = id ?? `auto${this.#autoId++}`
      const prev = idx.docs.get(docId)
      idx.docs.set(docId, { source: p.body, version: (prev?.version ?? 0) + 1 })
      this.#afterWrite(idx, p)
      return {
        _index: index,
        _id: docId,
        _version: (prev?.version ?? 0) + 1,
        result: prev ? 'updated' : 'created',
        _shards: { total: 2, successful: 1, failed: 0 },
        _seq_no: 0,
        _primary_term: 1,
      }
    }
    on(['PUT', 'POST'], '/:index/_doc/:id', (p, [index, , id]) => indexDoc(p, index, id))
    on('POST', '/:index/_doc', (p, [index]) => indexDoc(p, index, undefined))

    on('GET', '/:index/_doc/:id', (_p, [index, , id]) => {
      const idx = this.indices.get(index)
      if (!idx) return indexMissing(index)
      const doc = idx.docs.get(id)
      // Real-time get: sees documents not yet refreshed.
      if (!doc) return new errors.ResponseError({ body: { _index: index, _id: id, found: false }, statusCode: 404 } as any)
      return { _index: index, _id: id, _version: doc.version, _seq_no: 0, _primary_term: 1, found: true, _source: doc.source }
    })
    on('DELETE', '/:index/_doc/:id', (p, [index, , id]) => {
      const idx = this.indices.get(index)
      if (!idx) return indexMissing(index)
      const existed = idx.docs.delete(id)
      this.#afterWrite(idx, p)
      const body = { _index: index, _id: id, _version: 2, result: existed ? 'deleted' : 'not_found', _shards: { total: 2, successful: 1, failed: 0 } }
      return existed ? body : new errors.ResponseError({ body, statusCode: 404 } as any)
    })

    on(['POST', 'GET'], '/:index/_search', (p, [index]) => {
      const idx = this.indices.get(index)
      if (!idx) return indexMissing(index)
      const body = p.body ?? {}
      let matching: [string, Record<string, unknown>][]
      try {
        matching = [...idx.searchable].filter(([, source]) => matches(source, body.query ?? { match_all: {} }))
      } catch (err) {
        return error(400, 'parsing_exception', (err as Error).message)
      }
      const from = Number(body.from ?? 0)
      const size = Number(body.size ?? 10)
      const page = matching.slice(from, from + size)
      const total = body.track_total_hits === true ? matching.length : Math.min(matching.length, 10_000)
      return {
        took: 1,
        timed_out: false,
        _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
        hits: {
          total: { value: total, relation: 'eq' },
          max_score: page.length ? 1 : null,
          hits: page.map(([id, source]) => ({ _index: index, _id: id, _score: 1, _source: source })),
        },
      }
    })

    on('POST', '/:index/_delete_by_query', (p, [index]) => {
      const idx = this.indices.get(index)
      if (!idx) return indexMissing(index)
      const deleted = idx.docs.size
      idx.docs.clear()
      if (p.querystring.refresh === 'true') this.#refreshIndex(idx)
      return { took: 1, timed_out: false, total: deleted, deleted, batches: 1, version_conflicts: 0, noops: 0, failures: [] }
    })
  }

  #afterWrite(idx: FakeIndex, p: LoggedRequest): void {
    if (p.querystring.refresh === 'true' || p.querystring.refresh === 'wait_for') this.#refreshIndex(idx)
  }

  #refreshIndex(idx: FakeIndex): void {
    idx.searchable = new Map([...idx.docs].map(([id, d]) => [id, d.source]))
  }
}

function error(status: number, type: string, reason: string, index?: string) {
  return new errors.ResponseError({
    body: { error: { root_cause: [{ type, reason, index }], type, reason, index }, status },
    statusCode: status,
  } as any)
}

function indexMissing(index: string) {
  return error(404, 'index_not_found_exception', `no such index [${index}]`, index)
}

/** The few query clauses the fake understands. */
function matches(source: Record<string, unknown>, query: any): boolean {
  const [kind] = Object.keys(query)
  const clause = query[kind]
  const text = (v: unknown) => String(v ?? '').toLowerCase()
  switch (kind) {
    case 'match_all':
      return true
    case 'match': {
      const [field] = Object.keys(clause)
      const wanted = typeof clause[field] === 'object' ? clause[field].query : clause[field]
      return text(wanted).split(/\s+/).some((w) => text(source[field]).split(/\W+/).includes(w))
    }
    case 'term': {
      const [field] = Object.keys(clause)
      const wanted = typeof clause[field] === 'object' && clause[field] !== null ? clause[field].value : clause[field]
      return source[field] === wanted
    }
    case 'query_string': {
      // "field:value" or a bare word matched against every field.
      const m = /^(\w+):(.+)$/.exec(clause.query)
      if (m) return text(source[m[1]]).split(/\W+/).includes(text(m[2]))
      return Object.values(source).some((v) => text(v).split(/\W+/).includes(text(clause.query)))
    }
    case 'bool':
      return [...(clause.must ?? []), ...(clause.filter ?? [])].every((q: unknown) => matches(source, q))
    default:
      throw new Error(`the fake Elasticsearch does not understand the "${kind}" query`)
  }
}
