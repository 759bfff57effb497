/**
 * The README's "From code" example, run as written: the ```js block (report.mjs) is taken from README.md
 * at test time, its package import pointed at this package's source, and run in a folder of its own next
 * to a results.json saved from a real run (as `venomqa run --save results.json` writes it), as
 * `node report.mjs` run there would.
 */
import http from 'node:http'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type RunResult, assertStatus, journey, step } from '@venomqa/core'
import { createRunner, renderJson } from '@venomqa/runner'
import { jsBlock, listenLocally, runExampleInFolder } from '@venomqa/test-utils'
import { beforeAll, expect, it } from 'vitest'

const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const README = path.join(PKG, 'README.md')

/** An API with a cart and orders, and no refunds: one journey passes, one fails. */
function startApi(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(value))
      }
      if (req.method === 'GET' && req.url === '/cart') return json(200, { items: [{ sku: 'A1', qty: 2 }] })
      if (req.method === 'POST' && req.url === '/orders') return json(201, { id: 7 })
      json(404, { error: 'not_found', path: req.url })
    })
  })
  return listenLocally(server)
}

let run: RunResult

beforeAll(async () => {
  const api = await startApi()
  const runner = createRunner({ baseUrl: api.url })
  try {
    run = await runner.run([
      journey('checkout', { steps: [step('view_cart', ({ http }) => http.get('/cart')), step('place_order', ({ http }) => http.post('/orders', { json: { sku: 'A1' } }))] }),
      journey('refund', {
        steps: [
          step('ask_refund', async ({ http }) => {
            const res = await http.post('/refunds', { json: { order: 7 } })
            assertStatus(res, 201)
            return res
          }),
        ],
      }),
    ])
  } finally {
    await runner.close()
    await api.close()
  }
})

it('report.mjs writes report.html next to results.json: the page holds the run\'s journeys and steps, under the title it gives', async () => {
  expect(run.journeys.map((j) => [j.name, j.status])).toEqual([
    ['checkout', 'passed'],
    ['refund', 'failed'],
  ])
  const { logged, outputs } = await runExampleInFolder(
    {
      dir: path.join(PKG, `test/readme-example.${process.pid}.generated`),
      files: { 'report.mjs': jsBlock(README, 'report.mjs'), 'results.json': renderJson(run) },
      entry: 'report.mjs',
      imports: { '@venomqa/reporter-html': path.join(PKG, 'src/index.ts') },
    },
    ['report.html'],
  )
  expect(logged).toEqual([])
  const html = outputs['report.html']
  expect(html, 'report.mjs wrote no report.html').toBeDefined()
  expect(html).toContain('<title>Checkout API \u2014 failed</title>')
  const data = JSON.parse(/<script type="application\/json" id="venomqa-data">([^<]*)<\/script>/.exec(html!)![1]!)
  expect(data.title).toBe('Checkout API')
  expect(data.journeys.map((j: { n: string; s: string }) => [j.n, j.s])).toEqual([
    ['checkout', 'passed'],
    ['refund', 'failed'],
  ])
  expect(data.run.summary.steps).toMatchObject({ total: 3, passed: 2, failed: 1 })
  for (const name of ['view_cart', 'place_order', 'ask_refund']) expect(html).toContain(JSON.stringify(name))
})
