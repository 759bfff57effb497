/**
 * A request its step stopped waiting for, still unanswered when the grace is over, is cut off and told in a
 * warning and as a run issue. The runner knows which step sent it: the warning names the journey, the path
 * and the step, and so does the issue, in its fields, so that the console, the results file and the Markdown
 * report place it as they place every other issue. Whether or not something records the run's exchanges (a
 * HAR), and whether the step stopped at its own deadline or at an interrupt. Against a local server that
 * answers late.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { PassThrough } from 'node:stream'
import { type Issue, type RunResult, branch, checkpoint, journey, path, redactResults, step } from '@venomqa/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HarRecorder, createConsoleReporter, createRunner, renderMarkdown } from '../src/index'

let server: http.Server
let base: string
/** Set when the server has a request to /slow: an interrupt then finds it in flight. */
let received: () => void = () => {}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume()
    if (req.url?.startsWith('/slow')) {
      received()
      // Long after the grace (1 s): the request is cut off.
      const timer = setTimeout(() => res.end('late'), 5000)
      res.on('close', () => clearTimeout(timer))
      return
    }
    res.end('ok')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

const told = (url: string) => `GET ${url} got no answer after its step stopped (it is given 1000 ms): if the app still acts on it, that is not rolled back`
const cutOff = (run: RunResult): Issue[] => run.issues.filter((i) => /got no answer after (its|their) step stopped/.test(i.error))

async function run(j: ReturnType<typeof journey>, options: { har?: boolean; interrupt?: boolean } = {}) {
  const warnings: string[] = []
  const logger = { debug() {}, info() {}, warn: (m: string) => void warnings.push(m), error() {} }
  const stream = new PassThrough()
  let shown = ''
  stream.on('data', (d) => (shown += d))
  const har = new HarRecorder()
  const consoleReporter = createConsoleReporter({ stream, color: false })
  const runner = createRunner({ baseUrl: base, logger, http: { retry: false, ...(options.har ? { onExchange: har.onExchange } : {}) }, reporters: [consoleReporter] })
  const ac = new AbortController()
  received = options.interrupt ? () => ac.abort() : () => {}
  try {
    const result = await runner.run(j, { signal: ac.signal })
    // As `--save` writes it, and `venomqa report` reads it back.
    const saved = JSON.parse(JSON.stringify(redactResults(result))) as RunResult
    // The console's summary, as the run ends, under the lines it printed live.
    const summary = await consoleReporter.render!(result, {} as never)
    return { result, saved, warnings, console: shown + summary, markdown: renderMarkdown(saved) }
  } finally {
    await runner.close()
  }
}

describe('a request cut off after its step stopped', () => {
  it('is told naming the journey, path and step that sent it, in the warning, the results, the console and the Markdown', async () => {
    const j = journey('orders', {
      steps: [checkpoint('start'), branch('start', [path('pay', [step('charge', ({ http }) => http.get('/slow?ms=1'), { timeout: 100 })]), path('other', [step('look', () => {})])])],
    })
    for (const har of [false, true]) {
      const { result, saved, warnings, console, markdown } = await run(j, { har })
      const url = `${base}/slow?ms=1`
      expect(warnings.filter((w) => w.includes('got no answer'))).toEqual([`orders › pay › charge: ${told(url)}`])
      expect(cutOff(result)).toEqual([expect.objectContaining({ journey: 'orders', path: 'pay', step: 'charge', severity: 'high', kind: 'state', source: 'runner', error: told(url) })])
      expect(cutOff(saved)).toEqual([expect.objectContaining({ journey: 'orders', path: 'pay', step: 'charge' })])
      expect(console).toMatch(/✗ orders › pay › charge \[high\] runner\n\s+GET \S+ got no answer after its step stopped/)
      expect(markdown).toContain(`#### orders › pay › charge\n\n- **Error** (state, from runner): GET ${url} got no answer after its step stopped`)
    }
  }, 30_000)

  it('names the step an interrupt stopped, on the main path, a step with no deadline of its own', async () => {
    const j = journey('signup', { steps: [step('create', ({ http }) => http.get('/slow?ms=2'))] })
    const { result, warnings, console } = await run(j, { interrupt: true })
    expect(result.interrupted).toBe(true)
    expect(warnings.filter((w) => w.includes('got no answer'))).toEqual([`signup › create: ${told(`${base}/slow?ms=2`)}`])
    expect(cutOff(result)).toEqual([expect.objectContaining({ journey: 'signup', path: 'main', step: 'create' })])
    expect(console).toMatch(/✗ signup › create \[high\] runner/)
  }, 30_000)

  it('tells the same request of one step cut off several times once, with how many, and different ones apart', async () => {
    // A step that fires requests at once (20 orders on one row, say): one interrupt cut them all off, and a
    // warning and an issue each made 26 near-identical blocks of one Ctrl-C.
    const j = journey('stampede', {
      steps: [
        step(
          'orders',
          async ({ http }) => {
            await Promise.all([...Array.from({ length: 5 }, () => http.get('/slow?ms=3')), http.get('/slow?ms=4')])
          },
          { timeout: 100 },
        ),
      ],
    })
    const { result, warnings } = await run(j)
    const many = `5 requests GET ${base}/slow?ms=3 got no answer after their step stopped (each is given 1000 ms): if the app still acts on them, that is not rolled back`
    expect(warnings.filter((w) => w.includes('got no answer'))).toEqual([`stampede › orders: ${many}`, `stampede › orders: ${told(`${base}/slow?ms=4`)}`])
    expect(cutOff(result).map((i) => i.error)).toEqual([many, told(`${base}/slow?ms=4`)])
  }, 30_000)
})
