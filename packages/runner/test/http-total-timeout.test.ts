/** The client-wide timeout is a deadline for the whole request, not only an idle timer on the body. */
import http from 'node:http'
import { type LocalServer, listenLocally, waitUntil } from '@venomqa/test-utils'
import { RunnerHttpClient } from '../src/index'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

let trickle: LocalServer

/** Requests whose client left before their body ended: each is a request a timeout cut. */
let cut = 0

beforeAll(async () => {
  // Headers at once, then one byte every 50 ms, never idle long enough for the idle timeout: for 2 s with
  // ?bytes=40, else until the client goes. A client whose deadline did not hold would read the endless one
  // for ever, and its test fail at the test's timeout.
  trickle = await listenLocally(
    http.createServer((req, res) => {
      const bytes = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('bytes') ?? Number.POSITIVE_INFINITY)
      res.writeHead(200, { 'content-type': 'text/plain' })
      let n = 0
      const t = setInterval(() => {
        res.write('x')
        if (++n === bytes) {
          clearInterval(t)
          res.end()
        }
      }, 50)
      res.on('close', () => {
        clearInterval(t)
        if (!res.writableFinished) cut++
      })
    }),
  )
})
afterAll(() => trickle.close())

describe('the client-wide timeout', () => {
  it('cuts a body that keeps trickling in at the deadline', async () => {
    const c = new RunnerHttpClient({ baseUrl: trickle.url, retry: false, timeout: 300 })
    const before = cut
    await expect(c.get('/')).rejects.toMatchObject({ code: 'E_TIMEOUT', message: `the body of the HTTP 200 answer to GET ${trickle.url}/ timed out after 300 ms` })
    expect(c.lastExchange()).toMatchObject({ timeoutMs: 300 })
    // The client left: the body was cut at the deadline, not left flowing.
    await waitUntil(() => cut === before + 1, 'the server to see the client leave')
  })

  it('gives way to a request timeout of its own, longer or shorter', async () => {
    const c = new RunnerHttpClient({ baseUrl: trickle.url, retry: false, timeout: 300 })
    expect((await c.get('/', { query: { bytes: 40 }, timeout: 10_000 })).text()).toBe('x'.repeat(40))
    const wide = new RunnerHttpClient({ baseUrl: trickle.url, retry: false, timeout: 10_000 })
    await expect(wide.get('/', { timeout: 200 })).rejects.toMatchObject({ code: 'E_TIMEOUT', timeoutMs: 200 })
  })
})
