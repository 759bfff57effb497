/**
 * A step that sends a request without awaiting it (`http.post(...)` in a block body, its promise dropped):
 * the step used to end at once, its exchange landed in whatever step ran when the answer came, and a
 * checkpoint or rollback ran while the app still handled it, so its write landed in the state of the next
 * path or after the last rollback. The step now waits for it (the exchange is its own, nothing of the
 * World runs under it) and says so in an issue naming the step and the request. Against a local server whose
 * write ends its slow answer, and a state backend of that server's rows.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { type StateBackend, type StepResult, branch, checkpoint, journey, path, step } from '@venomqa/core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createRunner } from '../src/index'

let server: http.Server
let base: string
let rows = 0
/** Writes the server is still handling. */
let writing = 0

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume()
    if (req.url?.startsWith('/write')) {
      // A slow write: the row is there when the answer goes out.
      writing++
      setTimeout(() => {
        rows++
        writing--
        res.end('written')
      }, 200)
      return
    }
    res.end(String(rows))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

/** The server's rows, saved at a checkpoint and put back at a rollback; what each call met is kept. */
function rowsBackend(met: string[]): StateBackend {
  const saved = new Map<string, number>()
  return {
    name: 'rows',
    mechanism: 'snapshot',
    parallelSafe: false,
    async connect() {},
    async disconnect() {},
    async checkpoint(name) {
      met.push(`checkpoint rows=${rows} writing=${writing}`)
      saved.set(name, rows)
    },
    async rollback(name) {
      met.push(`rollback writing=${writing}`)
      rows = saved.get(name)!
    },
    async release() {},
  }
}

it('waits for a request its step did not await, records it as that step\'s, and tells the step to await or return it', async () => {
  rows = 0
  const met: string[] = []
  const j = journey('orders', {
    steps: [
      step('create', ({ http }) => {
        http.post('/write?n=1')
      }),
      // One dropped promise whose `.then` sends the next request: both are the step's.
      step('chained', ({ http }) => {
        void http.get('/count').then(() => http.post('/write?n=2'))
      }),
      step('look', ({ http }) => http.get('/count')),
      checkpoint('made'),
      branch('made', [path('a', [step('a_look', ({ http }) => http.get('/count'))]), path('b', [step('b_look', ({ http }) => http.get('/count'))])]),
    ],
  })
  const runner = createRunner({ baseUrl: base, stateBackends: [rowsBackend(met)], http: { retry: false } })
  try {
    const result = await runner.run(j)
    const [create, chained, look] = result.journeys[0]!.nodes as StepResult[]
    expect(create!.request?.url).toBe(`${base}/write?n=1`)
    expect(chained!.exchanges?.map((x) => x.request.url)).toEqual([`${base}/count`, `${base}/write?n=2`])
    expect(look!.exchanges ?? []).toEqual([])
    expect(look!.response?.body).toBe('2')
    // Nothing of the World ran while a write was under way, and no write came after the last rollback.
    expect(met).toEqual(['checkpoint rows=2 writing=0', 'rollback writing=0', 'rollback writing=0', 'rollback writing=0'])
    expect(rows).toBe(2)
    const told = result.journeys[0]!.issues.filter((i) => i.error.includes('was still under way'))
    expect(told).toEqual([
      expect.objectContaining({ step: 'create', path: 'main', severity: 'medium', error: `step "create" returned while POST ${base}/write?n=1 was still under way: its promise was neither awaited nor returned, so nothing checked its answer (the step waited for it before going on)` }),
      expect.objectContaining({ step: 'chained', error: expect.stringContaining(`returned while GET ${base}/count was still under way`) }),
      expect.objectContaining({ step: 'chained', error: expect.stringContaining(`returned while POST ${base}/write?n=2 was still under way`) }),
    ])
    expect(told[0]!.suggestion).toMatch(/^Await the request .* or return it/)
    expect(result.journeys[0]!.status).toBe('passed')
  } finally {
    await runner.close()
  }
})
