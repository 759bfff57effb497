/**
 * The README example, run as written through createRunner and the plugin. NO ELASTICSEARCH SERVER RUNS
 * HERE: the node it talks to is the in-memory stand-in of fake-elasticsearch.ts (built on the client's
 * official mock, @elastic/elasticsearch-mock), served over real HTTP so the client's own connection is used.
 */
import { journey, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { afterAll, beforeAll, expect, it } from 'vitest'
import elasticsearch from '../src/index'
import { FakeElasticsearch } from './fake-elasticsearch'

const es = new FakeElasticsearch()
let served: { url: string; stop: () => Promise<void> }

beforeAll(async () => {
  served = await es.serveHttp()
})
afterAll(async () => {
  await served?.stop()
})

it('runs the README journey: index a product, find it, clean up', async () => {
  const indexed = journey('product_is_searchable', {
    requires: ['search'],
    steps: [
      step('fresh_index', async ({ ports }) => {
        await ports.search!.deleteIndex('products')
        await ports.search!.createIndex('products', { mappings: { properties: { name: { type: 'text' } } } })
      }),
      step('index', ({ ports }) => ports.search!.index('products', { name: 'Red running shoes', price: 79 }, 'sku-1')),
      step('find_it', async ({ ports }) => {
        const found = await ports.search!.search('products', { match: { name: 'shoes' } })
        if (found.total !== 1 || found.hits[0].id !== 'sku-1') throw new Error(`found ${JSON.stringify(found)}`)
      }),
      step('clean_up', ({ ports }) => ports.search!.deleteIndex('products')),
    ],
  })

  const runner = createRunner({
    baseUrl: 'http://localhost:3000',
    plugins: [[elasticsearch, { node: served.url, indexPrefix: 'example-' }]],
  })
  const result = await runner.run(indexed)
  expect(await runner.registry.healthChecks.get('elasticsearch')!()).toBe(true)
  await runner.close()

  const steps = result.journeys[0].nodes.map((n) => `${n.kind === 'step' ? n.name : n.kind}:${'status' in n ? n.status : ''}${n.kind === 'step' && n.error ? ` ${n.error.message}` : ''}`)
  expect(steps).toEqual(['fresh_index:passed', 'index:passed', 'find_it:passed', 'clean_up:passed'])
  expect(result.journeys[0].status).toBe('passed')
  // It went through the prefixed index, and the last step removed it.
  expect(es.requestsTo('PUT', /^\/example-products$/)).toHaveLength(1)
  expect(es.indices.has('example-products')).toBe(false)
})
