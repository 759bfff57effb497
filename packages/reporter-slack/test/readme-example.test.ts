/**
 * The README's "From code" example, run as written: the ```js block (post.mjs) is taken from README.md at
 * test time, its package import pointed at this package's source, and run in a folder of its own next to
 * a results.json saved from a real run (as `venomqa run --save results.json` writes it), as
 * `node post.mjs` run there would.
 *
 * Slack itself cannot run here: SLACK_WEBHOOK_URL points at a local HTTP server that stands in for the
 * incoming webhook (a mock), records what it is sent and answers `ok` as Slack does.
 */
import http from 'node:http'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type RunResult, assertStatus, journey, step } from '@venomqa/core'
import { createRunner, renderJson } from '@venomqa/runner'
import { jsBlock, listenLocally, runExampleInFolder } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { checkBlockKit } from './block-kit-check'

const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const README = path.join(PKG, 'README.md')

interface Received {
  method?: string
  path?: string
  contentType?: string
  body: string
}

/** A local HTTP server: `handle` answers each request once its body has arrived. */
function serve(handle: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (d) => (body += d))
    req.on('end', () => handle(req, body, res))
  })
  return listenLocally(server)
}

let run: RunResult
const received: Received[] = []
let webhook: Awaited<ReturnType<typeof serve>>

beforeAll(async () => {
  // The API under test: a cart, and no refunds, so the run has a failing step for the message to name.
  const api = await serve((req, _body, res) => {
    res.writeHead(req.url === '/cart' ? 200 : 404, { 'content-type': 'application/json' })
    res.end(JSON.stringify(req.url === '/cart' ? { items: [] } : { error: 'not_found' }))
  })
  const runner = createRunner({ baseUrl: api.url })
  try {
    run = await runner.run([
      journey('checkout', { steps: [step('view_cart', ({ http }) => http.get('/cart'))] }),
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
  webhook = await serve((req, body, res) => {
    received.push({ method: req.method, path: req.url, contentType: req.headers['content-type'], body })
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.end('ok')
  })
})
afterAll(async () => {
  await webhook?.close()
})

it('post.mjs posts the run as one Block Kit message to the webhook in SLACK_WEBHOOK_URL, and says so', async () => {
  expect(run.journeys.map((j) => [j.name, j.status])).toEqual([
    ['checkout', 'passed'],
    ['refund', 'failed'],
  ])
  // Shaped like a real webhook URL: the path is the secret part.
  const webhookUrl = `${webhook.url}/services/T0000/B0000/XXXXsecretXXXX`
  const { logged } = await runExampleInFolder(
    {
      dir: path.join(PKG, `test/readme-example.${process.pid}.generated`),
      files: { 'post.mjs': jsBlock(README, 'post.mjs'), 'results.json': renderJson(run) },
      entry: 'post.mjs',
      imports: { '@venomqa/reporter-slack': path.join(PKG, 'src/index.ts') },
      env: { SLACK_WEBHOOK_URL: webhookUrl },
    },
    [],
  )
  expect(logged).toEqual([['posted after 1 attempt(s)']])

  expect(received).toHaveLength(1)
  const [post] = received
  expect(post).toMatchObject({ method: 'POST', path: '/services/T0000/B0000/XXXXsecretXXXX' })
  expect(post!.contentType).toMatch(/^application\/json/)
  const payload = JSON.parse(post!.body)
  expect(checkBlockKit(payload)).toEqual([])
  expect(payload.text).toMatch(/^VenomQA: 1 of 2 journeys failed: .+\. First: refund › ask_refund: .+$/)
  expect(payload.blocks[0]).toMatchObject({ type: 'header', text: { text: ':x: VenomQA: 1 of 2 journeys failed' } })
  // The failing step, and the button to the report URL the example gives.
  expect(post!.body).toContain('*refund* \u203a *ask_refund* `404`')
  expect(payload.blocks).toContainEqual(expect.objectContaining({ type: 'actions', elements: [expect.objectContaining({ url: 'https://ci.example.com/report.html' })] }))
})
