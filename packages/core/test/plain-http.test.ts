import http from 'node:http'
import { CLOSED_PORT, listenLocally, listenOnBadPort } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { PlainRequestError, plainRequest } from '../src'

let bad: Awaited<ReturnType<typeof listenOnBadPort>>
let other: Awaited<ReturnType<typeof listenLocally>>
const seen: string[] = []

beforeAll(async () => {
  bad = await listenOnBadPort(
    http.createServer(async (req, res) => {
      let body = ''
      for await (const chunk of req) body += chunk
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? '-'} ${body}`)
      if (req.url === '/see-other') return void res.writeHead(303, { location: '/done' }).end()
      if (req.url === '/away') return void res.writeHead(307, { location: `${other.url}/there` }).end()
      if (req.url === '/slow-body') {
        res.writeHead(200)
        return void res.write('part')
      }
      if (req.url === '/silent') return
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`ok ${req.method}`)
    }),
  )
  other = await listenLocally(
    http.createServer((req, res) => {
      seen.push(`other ${req.method} ${req.url} ${req.headers.authorization ?? '-'}`)
      res.end('there')
    }),
  )
})
afterAll(async () => {
  await bad?.close()
  await other?.close()
})

it('reaches a port of the fetch standard\'s "bad ports"', async () => {
  const res = await plainRequest(`${bad.url}/x`)
  expect([res.status, res.ok, await res.text()]).toEqual([200, true, 'ok GET'])
})

it('follows a 303 with a GET and no body; follow: 0 returns the redirect itself', async () => {
  seen.length = 0
  const res = await plainRequest(`${bad.url}/see-other`, { method: 'POST', body: 'b' })
  expect([res.status, res.url, await res.text()]).toEqual([200, `${bad.url}/done`, 'ok GET'])
  expect(seen).toEqual([`POST /see-other - b`, `GET /done - `])
  const own = await plainRequest(`${bad.url}/see-other`, { follow: 0 })
  await own.discard()
  expect(own.status).toBe(303)
})

it('drops the Authorization header when a redirect leaves the origin', async () => {
  seen.length = 0
  const res = await plainRequest(`${bad.url}/away`, { headers: { authorization: 'Basic eA==' } })
  expect(await res.text()).toBe('there')
  expect(seen).toEqual(['GET /away Basic eA== ', 'other GET /there -'])
})

it("rejects with the signal's reason while waiting and while reading the body", async () => {
  const silent = await plainRequest(`${bad.url}/silent`, { signal: AbortSignal.timeout(100) }).catch((e: unknown) => e)
  expect((silent as Error).name).toBe('TimeoutError')
  const res = await plainRequest(`${bad.url}/slow-body`, { signal: AbortSignal.timeout(200) })
  const body = await res.text().catch((e: unknown) => e)
  expect((body as Error).name).toBe('TimeoutError')
})

it("a connection refused is a PlainRequestError with the system's error as its cause", async () => {
  const err = await plainRequest(`http://127.0.0.1:${CLOSED_PORT}/`).catch((e: unknown) => e)
  expect(err).toBeInstanceOf(PlainRequestError)
  expect((err as { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED')
})
