/** The GET cache never hands one user's answer to another, however the user is told apart. */
import http from 'node:http'
import { type LocalServer, listenLocally } from '@venomqa/test-utils'
import { RunnerHttpClient } from '../src/index'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

let app: LocalServer

beforeAll(async () => {
  app = await listenLocally(
    http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ key: req.headers['x-api-key'] ?? null, cookie: req.headers.cookie ?? null, lang: req.headers['accept-language'] ?? null }))
    }),
  )
})
afterAll(() => app.close())

describe('the GET cache key', () => {
  it('tells apart users by X-API-Key, by Cookie, and answers by Accept-Language', async () => {
    const c = new RunnerHttpClient({ baseUrl: app.url, retry: false, cacheGets: true })
    const alice = await c.get('/me', { headers: { 'x-api-key': 'alice-key' } })
    const bob = await c.get('/me', { headers: { 'X-Api-Key': 'bob-key' } })
    expect(alice.json()).toMatchObject({ key: 'alice-key' })
    expect(bob.json()).toMatchObject({ key: 'bob-key' })
    expect(bob.exchange.fromCache ?? false).toBe(false)

    c.setHeader('Cookie', 'sid=carol')
    const carol = await c.get('/me')
    expect(carol.json()).toMatchObject({ cookie: 'sid=carol', key: null })
    expect(carol.exchange.fromCache ?? false).toBe(false)
    c.setHeader('cookie', 'sid=dave')
    const dave = await c.get('/me')
    expect(dave.json()).toMatchObject({ cookie: 'sid=dave' })
    expect(dave.exchange.fromCache ?? false).toBe(false)

    const french = await c.get('/me', { headers: { 'accept-language': 'fr' } })
    expect(french.json()).toMatchObject({ lang: 'fr' })
    expect(french.exchange.fromCache ?? false).toBe(false)
  })

  it('still hits for the same URL and the same headers, whatever their case', async () => {
    const c = new RunnerHttpClient({ baseUrl: app.url, retry: false, cacheGets: true })
    await c.get('/me', { headers: { 'x-api-key': 'alice-key', accept: 'application/json' } })
    const again = await c.get('/me', { headers: { Accept: 'application/json', 'X-API-KEY': 'alice-key' } })
    expect(again.exchange.fromCache).toBe(true)
    expect(again.json()).toMatchObject({ key: 'alice-key' })
  })
})
