/**
 * NO ELASTICSEARCH SERVER RUNS HERE. These tests use @elastic/elasticsearch-mock, the official mock
 * transport of the Elasticsearch client: the real client builds and sends each request, and only the HTTP
 * layer is replaced by a small in-memory stand-in (test/fake-elasticsearch.ts). They check what the adapter
 * sends (paths, bodies, refresh flags) and how it reads Elasticsearch 8 answers and errors; they cannot
 * prove real search relevance or cluster behaviour. test/live.test.ts runs against a real node when
 * ELASTICSEARCH_URL is set.
 */
import { Client, errors } from '@elastic/elasticsearch'
import Mock from '@elastic/elasticsearch-mock'
import { ConfigError, type PluginApi, UserError, parseOptions } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { CLOSED_PORT } from '@venomqa/test-utils'
import { beforeEach, describe, expect, it } from 'vitest'
import plugin, { ElasticsearchSearch, SearchError, elasticsearchPluginOptions } from '../src/index'
import { FakeElasticsearch } from './fake-elasticsearch'

let es: FakeElasticsearch
let search: ElasticsearchSearch

beforeEach(() => {
  es = new FakeElasticsearch()
  search = new ElasticsearchSearch({ client: es.client(), indexPrefix: 'qa-' })
})

const todos = [
  { id: '1', title: 'Buy milk', done: false, userId: 7 },
  { id: '2', title: 'Walk the dog', done: true, userId: 7 },
  { id: '3', title: 'Buy bread and milk', done: false, userId: 8 },
]

async function seedTodos() {
  await search.createIndex('todos', { mappings: { properties: { title: { type: 'text' }, done: { type: 'boolean' } } } })
  for (const { id, ...doc } of todos) await search.index('todos', doc, id)
}

describe('ElasticsearchSearch (mock transport)', () => {
  it('createIndex sends the mappings and settings under the prefixed name', async () => {
    await search.createIndex('todos', { mappings: { properties: { title: { type: 'text' } } }, settings: { number_of_shards: 1 } })
    const [req] = es.requestsTo('PUT', /^\/qa-todos$/)
    expect(req.body).toEqual({ mappings: { properties: { title: { type: 'text' } } }, settings: { number_of_shards: 1 } })
    expect(await search.indexExists('todos')).toBe(true)
    expect(await search.indexExists('other')).toBe(false)
  })

  it('creating an index that exists is an error naming it and the Elasticsearch reason', async () => {
    await search.createIndex('todos')
    const err = await search.createIndex('todos').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SearchError)
    expect(err).toMatchObject({ type: 'resource_already_exists_exception', status: 400, index: 'qa-todos', operation: 'createIndex' })
    expect((err as Error).message).toBe(
      'elasticsearch createIndex on index "qa-todos": resource_already_exists_exception: index [qa-todos/abc123] already exists (HTTP 400)',
    )
  })

  it('index() returns the given or generated id, and makes the document searchable at once (refresh=true)', async () => {
    await search.createIndex('todos')
    expect(await search.index('todos', { title: 'Buy milk' }, '42')).toBe('42')
    const generated = await search.index('todos', { title: 'Call mom' })
    expect(generated).toMatch(/^auto\d+$/)
    const writes = [...es.requestsTo('PUT', /^\/qa-todos\/_doc\/42$/), ...es.requestsTo('POST', /^\/qa-todos\/_doc$/)]
    expect(writes.map((w) => w.querystring.refresh)).toEqual(['true', 'true'])
    expect((await search.search('todos', 'milk')).hits.map((h) => h.id)).toEqual(['42'])
  })

  it('with refresh: false, a new document is found only after refresh(index)', async () => {
    const lazy = new ElasticsearchSearch({ client: es.client(), indexPrefix: 'qa-', refresh: false })
    await lazy.createIndex('todos')
    await lazy.index('todos', { title: 'Buy milk' }, '1')
    expect(es.requestsTo('PUT', /^\/qa-todos\/_doc\/1$/)[0].querystring.refresh).toBe('false')
    expect((await lazy.search('todos', 'milk')).total).toBe(0)
    // A get is real-time, as in Elasticsearch: it does not wait for a refresh.
    expect(await lazy.get('todos', '1')).toEqual({ title: 'Buy milk' })
    await lazy.refresh('todos')
    expect((await lazy.search('todos', 'milk')).total).toBe(1)
  })

  it("get(): the document's source; undefined for a missing document; an error for a missing index", async () => {
    await seedTodos()
    expect(await search.get('todos', '2')).toEqual({ title: 'Walk the dog', done: true, userId: 7 })
    expect(await search.get('todos', 'nope')).toBeUndefined()
    const err = await search.get('nothere', '1').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SearchError)
    expect((err as Error).message).toBe('elasticsearch get on index "qa-nothere": index "qa-nothere" does not exist (create it first with createIndex)')
  })

  it('delete(): true when the document was there, false when not; an error for a missing index', async () => {
    await seedTodos()
    expect(await search.delete('todos', '1')).toBe(true)
    expect(await search.delete('todos', '1')).toBe(false)
    expect(await search.get('todos', '1')).toBeUndefined()
    expect((await search.search('todos', {})).total).toBe(2)
    await expect(search.delete('nothere', '1')).rejects.toThrow(/index "qa-nothere" does not exist/)
  })

  it('search with a query string sends a query_string query and asks for an exact total', async () => {
    await seedTodos()
    const result = await search.search('todos', 'title:milk')
    expect(result.total).toBe(2)
    expect(result.hits.map((h) => h.id).sort()).toEqual(['1', '3'])
    expect(result.hits[0]).toMatchObject({ score: 1, source: { title: expect.stringMatching(/milk/) } })
    const req = es.requestsTo('POST', /^\/qa-todos\/_search$/).at(-1)!
    expect(req.body).toEqual({ query: { query_string: { query: 'title:milk' } }, track_total_hits: true })
  })

  it('search with a query clause wraps it in "query"; a whole body passes through; size and from page', async () => {
    await seedTodos()
    const clause = await search.search('todos', { term: { done: false } })
    expect(clause.total).toBe(2)
    expect(es.requests.at(-1)!.body).toEqual({ query: { term: { done: false } }, track_total_hits: true })

    const body = { query: { bool: { must: [{ match: { title: 'milk' } }], filter: [{ term: { userId: 8 } }] } }, sort: [{ userId: 'asc' }] }
    const full = await search.search('todos', body)
    expect(full.hits.map((h) => h.id)).toEqual(['3'])
    expect(es.requests.at(-1)!.body).toEqual({ ...body, track_total_hits: true })

    const page = await search.search('todos', {}, { size: 1, from: 1 })
    expect(page.total).toBe(3)
    expect(page.hits).toHaveLength(1)
    expect(es.requests.at(-1)!.body).toEqual({ query: { match_all: {} }, size: 1, from: 1, track_total_hits: true })
  })

  it('clear() deletes every document by query and refreshes; the index and its mappings stay', async () => {
    await seedTodos()
    await search.clear('todos')
    const [req] = es.requestsTo('POST', /^\/qa-todos\/_delete_by_query$/)
    expect(req.body).toEqual({ query: { match_all: {} } })
    expect(req.querystring).toMatchObject({ refresh: 'true', conflicts: 'proceed' })
    expect((await search.search('todos', {})).total).toBe(0)
    expect(await search.indexExists('todos')).toBe(true)
    expect(es.indices.get('qa-todos')!.mappings).toEqual({ properties: { title: { type: 'text' }, done: { type: 'boolean' } } })
  })

  it('deleteIndex() removes the index, and does not fail when it is already gone', async () => {
    await search.createIndex('todos')
    await search.deleteIndex('todos')
    expect(await search.indexExists('todos')).toBe(false)
    await expect(search.deleteIndex('todos')).resolves.toBeUndefined()
  })

  it('reads a numeric hits.total too (rest_total_hits_as_int answers)', async () => {
    const mock = new Mock()
    mock.add({ method: 'POST', path: '/legacy/_search' }, () => ({ hits: { total: 5, hits: [{ _id: 'a', _score: null, _source: { x: 1 } }] } }))
    const legacy = new ElasticsearchSearch({ client: new Client({ node: 'http://localhost:9200', Connection: mock.getConnection() }) })
    expect(await legacy.search('legacy', 'x')).toEqual({ total: 5, hits: [{ id: 'a', score: null, source: { x: 1 } }] })
  })

  it('a server error becomes a SearchError with the type, reason and status', async () => {
    await search.createIndex('todos')
    es.failWith = () =>
      new errors.ResponseError({
        body: { error: { type: 'cluster_block_exception', reason: 'index [qa-todos] blocked by: [FORBIDDEN/12/index read-only]' }, status: 403 },
        statusCode: 403,
      } as any)
    const err = await search.index('todos', { a: 1 }).catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'SearchError', code: 'E_SEARCH', type: 'cluster_block_exception', status: 403 })
    expect((err as Error).message).toMatch(/^elasticsearch index on index "qa-todos": cluster_block_exception: index \[qa-todos\] blocked by/)
  })

  it('refuses a document that is not an object, and an empty index name', async () => {
    await expect(search.index('todos', [1, 2] as unknown as Record<string, unknown>)).rejects.toThrow(/the document must be an object/)
    await expect(search.get('', '1')).rejects.toBeInstanceOf(UserError)
  })
})

describe('healthCheck (never throws)', () => {
  it('is true when the node answers a ping', async () => {
    expect(await search.healthCheck()).toBe(true)
    expect(es.requestsTo('HEAD', /^\/$/)).toHaveLength(1)
  })

  it('is false when the node answers with an error or the transport fails', async () => {
    es.failWith = () => new errors.ResponseError({ body: { error: 'boom', status: 500 }, statusCode: 500 } as any)
    expect(await search.healthCheck()).toBe(false)
    es.failWith = () => new errors.ConnectionError('socket hang up')
    expect(await search.healthCheck()).toBe(false)
  })

  it('is false against a real port where nothing listens (real client, no mock)', async () => {
    const port = CLOSED_PORT
    const unreachable = new ElasticsearchSearch({ node: `http://127.0.0.1:${port}` })
    try {
      expect(await unreachable.healthCheck()).toBe(false)
      const err = await unreachable.get('todos', '1').catch((e: unknown) => e)
      expect(err).toBeInstanceOf(SearchError)
      expect((err as Error).message).toMatch(/^elasticsearch get on index "todos": cannot reach Elasticsearch: /)
    } finally {
      await unreachable.close()
    }
  })
})

/** The slice of the plugin API the plugin uses, recording what it registers. */
function fakeApi(options: Record<string, unknown>) {
  const ports = new Map<string, unknown>()
  const healthChecks = new Map<string, () => Promise<boolean>>()
  const closers: (() => unknown)[] = []
  const api = {
    // Checked and defaulted by the schema, as the runner does before setup.
    options: parseOptions(elasticsearchPluginOptions, options, 'plugins[0]'),
    root: process.cwd(),
    log: { info() {}, warn() {}, debug() {} },
    addPort: (name: string, port: unknown) => ports.set(name, port),
    addHealthCheck: (name: string, fn: () => Promise<boolean>) => healthChecks.set(name, fn),
    onClose: (fn: () => unknown) => closers.push(fn),
    addStateBackend() {},
    addReporter() {},
    addHook() {},
  } as unknown as PluginApi
  return { api, ports, healthChecks, closers }
}

describe('plugin (default export)', () => {
  it('registers the search port, a health check and a close handler', async () => {
    const { api, ports, healthChecks, closers } = fakeApi({
      node: 'http://localhost:9200',
      indexPrefix: 'qa-',
      clientOptions: { Connection: es.connection() },
    })
    await plugin.setup!(api as PluginApi<any>)
    const port = ports.get('search') as ElasticsearchSearch
    expect(port).toBeInstanceOf(ElasticsearchSearch)
    await port.createIndex('notes')
    await port.index('notes', { text: 'hello world' }, 'n1')
    expect((await port.search('notes', 'hello')).hits).toEqual([{ id: 'n1', score: 1, source: { text: 'hello world' } }])
    expect(es.indices.has('qa-notes')).toBe(true)
    expect(await healthChecks.get('elasticsearch')!()).toBe(true)
    expect(closers).toHaveLength(1)
    await closers[0]()
    // A closed client refuses further work.
    await expect(port.get('notes', 'n1')).rejects.toThrow()
  })

  it('takes each of the client\'s auth forms', async () => {
    for (const auth of [{ username: 'u', password: 'p' }, { apiKey: 'k' }, { apiKey: { id: 'i', api_key: 'k' } }, { bearer: 't' }]) {
      const runner = createRunner({ plugins: [[plugin, { node: 'http://localhost:9200', auth, clientOptions: { Connection: es.connection() } }]] })
      try {
        await runner.init()
      } finally {
        await runner.close()
      }
    }
  })

  it.each([
    [{}, 'plugins[0].node: is required (e.g. { node: "http://localhost:9200" })'],
    [{ node: 'localhost:9200' }, 'plugins[0].node: expected an http:// or https:// URL (e.g. "http://localhost:9200"), got "localhost:9200"'],
    [{ node: 'http://localhost:9200', indexPrefix: 'QA-' }, 'plugins[0].indexPrefix: expected a lowercase string (Elasticsearch index names are lowercase), got "QA-"'],
    [{ node: 'http://localhost:9200', refresh: 'sometimes' }, 'plugins[0].refresh: expected true, false or "wait_for", got "sometimes"'],
    [{ node: 'http://localhost:9200', requestTimeout: 5000 }, 'plugins[0].requestTimeout: renamed to requestTimeoutMs (milliseconds)'],
    [{ node: 'http://localhost:9200', requestTimeoutMs: 1.5 }, 'plugins[0].requestTimeoutMs: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got 1.5'],
    [{ node: 'http://localhost:9200', requestTimeoutMs: 99_999_999_999 }, 'plugins[0].requestTimeoutMs: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got 99999999999'],
    // Not the client's forms: it would send no credentials at all, and say nothing.
    [{ node: 'http://localhost:9200', auth: { username: 'u' } }, 'plugins[0].auth.password: expected string, got nothing'],
    [{ node: 'http://localhost:9200', auth: { user: 'u', pass: 'EsPw-secret' } }, 'plugins[0].auth: expected { username, password }, { apiKey } or { bearer }, got an object'],
    // Every problem at once: the missing node is named beside a wrong value, not only once it is fixed.
    [
      { indexPrefix: 'QA-' },
      '2 problems with plugin options:\n  - plugins[0].indexPrefix: expected a lowercase string (Elasticsearch index names are lowercase), got "QA-"\n  - plugins[0].node: is required (e.g. { node: "http://localhost:9200" })',
    ],
  ])('refuses options %j with a ConfigError naming plugins[N].key', async (options, message) => {
    const runner = createRunner({ plugins: [[plugin, options]] })
    const err = await runner.init().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toBe(message)
    await runner.close()
  })
})
