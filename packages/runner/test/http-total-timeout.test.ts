/** The client-wide timeout is a deadline for the whole request, not only an idle timer on the body. */
import http from 'node:http'
import { type LocalServer, listenLocally } from '@venomqa/test-utils'
import { RunnerHttpClient } from '../src/index'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

let trickle: LocalServer

beforeAll(async () => {
  // Headers at once, then one byte every 50 ms for 2 s: never idle long enough for the idle timeout.
  trickle = await listenLocally(
    http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      let n = 0
      const t = setInterval(() => {
        res.write('x')
        if (++n === 40) {
          clearInterval(t)
          res.end()
        }
      }, 50)
      req.on('close', () => clearInterval(t))
    }),
  )
})
afterAll(() => trickle.close())

describe('the client-wide timeout', () => {
  it('cuts a body that keeps trickling in at the deadline', async () => {
    const c = new RunnerHttpClient({ baseUrl: trickle.url, retry: false, timeout: 300 })
    const t0 = Date.now()
    await expect(c.get('/')).rejects.toMatchObject({ code: 'E_TIMEOUT', message: `the body of the HTTP 200 answer to GET ${trickle.url}/ timed out after 300 ms` })
    expect(Date.now() - t0).toBeLessThan(1200)
    expect(c.lastExchange()).toMatchObject({ timeoutMs: 300 })
  })

  it('gives way to a request timeout of its own, longer or shorter', async () => {
    const c = new RunnerHttpClient({ baseUrl: trickle.url, retry: false, timeout: 300 })
    expect((await c.get('/', { timeout: 10_000 })).text()).toBe('x'.repeat(40))
    const t0 = Date.now()
    const wide = new RunnerHttpClient({ baseUrl: trickle.url, retry: false, timeout: 10_000 })
    await expect(wide.get('/', { timeout: 200 })).rejects.toMatchObject({ code: 'E_TIMEOUT', timeoutMs: 200 })
    expect(Date.now() - t0).toBeLessThan(1000)
  })
})
