/**
 * Against a real Elasticsearch node, only when ELASTICSEARCH_URL is set (e.g. http://localhost:9200).
 * None runs on the machine these tests were written on: search.test.ts covers the adapter through the
 * client's official mock transport, and this file is how the same behaviour is checked for real.
 * Indices are created under a prefix unique to this run and deleted at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ElasticsearchSearch } from '../src/index'

const url = process.env.ELASTICSEARCH_URL

if (!url) console.info('\n[adapter-elasticsearch] live tests are off: set ELASTICSEARCH_URL=http://host:9200 to run them against a real node.\n')

describe.runIf(url)('ElasticsearchSearch against a live node (ELASTICSEARCH_URL)', () => {
  const prefix = `venomqa-live-${process.pid}-${Date.now()}-`
  let search: ElasticsearchSearch

  beforeAll(async () => {
    search = new ElasticsearchSearch({
      node: url!,
      indexPrefix: prefix,
      auth: process.env.ELASTICSEARCH_API_KEY ? { apiKey: process.env.ELASTICSEARCH_API_KEY } : undefined,
    })
    expect(await search.healthCheck()).toBe(true)
  })

  afterAll(async () => {
    await search?.deleteIndex('todos')
    await search?.close()
  })

  it('creates an index, indexes, gets, searches, deletes and clears', async () => {
    await search.createIndex('todos', { mappings: { properties: { title: { type: 'text' }, done: { type: 'boolean' } } } })
    await expect(search.createIndex('todos')).rejects.toThrow(/resource_already_exists_exception/)
    expect(await search.index('todos', { title: 'Buy milk', done: false }, '1')).toBe('1')
    const generated = await search.index('todos', { title: 'Buy bread and milk', done: true })
    await search.index('todos', { title: 'Walk the dog', done: false }, '3')

    expect(await search.get('todos', '1')).toEqual({ title: 'Buy milk', done: false })
    expect(await search.get('todos', 'missing')).toBeUndefined()

    const milk = await search.search('todos', 'title:milk')
    expect(milk.total).toBe(2)
    expect(milk.hits.map((h) => h.id).sort()).toEqual(['1', generated].sort())
    expect((await search.search('todos', { term: { done: false } })).total).toBe(2)
    const sorted = await search.search('todos', { query: { match_all: {} }, sort: ['_doc'] }, { size: 1 })
    expect(sorted.total).toBe(3)
    expect(sorted.hits).toHaveLength(1)

    expect(await search.delete('todos', '3')).toBe(true)
    expect(await search.delete('todos', '3')).toBe(false)
    await search.clear('todos')
    expect((await search.search('todos', {})).total).toBe(0)
    await expect(search.get('does-not-exist', '1')).rejects.toThrow(/does not exist/)
  })
})
