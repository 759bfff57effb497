/** The runner loads only the parts of undici it uses (src/http/undici.ts): they must be undici's own. */
import { spawnSync } from 'node:child_process'
import http from 'node:http'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { type LocalServer, listenLocally } from '@venomqa/test-utils'
import * as undici from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Agent, request } from '../../src/http/undici'

let server: LocalServer
beforeAll(async () => {
  server = await listenLocally(
    http.createServer((req, res) => {
      let body = ''
      req.on('data', (d) => (body += d))
      req.on('end', () => res.end(JSON.stringify({ method: req.method, url: req.url, body })))
    }),
  )
})
afterAll(() => server.close())

describe("the runner's undici parts", () => {
  it("are the classes undici's index exports", () => {
    expect(Agent).toBe(undici.Agent)
  })

  it('send a request as undici.request does: method, path, query and body; no hash', async () => {
    const dispatcher = new Agent()
    try {
      const res = await request(`${server.url}/items/1?x=1&y=a%20b#frag`, { method: 'POST', body: 'hello', dispatcher })
      expect(res.statusCode).toBe(200)
      expect(await res.body.json()).toEqual({ method: 'POST', url: '/items/1?x=1&y=a%20b', body: 'hello' })
    } finally {
      await dispatcher.close()
    }
  })

  it("use undici's global dispatcher when none is given", async () => {
    const res = await request(`${server.url}/state`, { method: 'GET' })
    expect(await res.body.json()).toEqual({ method: 'GET', url: '/state', body: '' })
  })

  it("reject a URL undici rejects, with undici's error", () => {
    const thrown = (send: () => unknown) => {
      try {
        send()
      } catch (err) {
        return err as Error
      }
    }
    const theirs = thrown(() => undici.request('ftp://127.0.0.1/x'))
    const ours = thrown(() => request('ftp://127.0.0.1/x', { method: 'GET' }))
    expect(ours).toBeInstanceOf(undici.errors.InvalidArgumentError)
    expect(ours?.message).toBe(theirs?.message)
  })

  it("importing the built runner does not load undici's index (fetch, WebSocket, caches: start-up it never uses)", () => {
    const dist = pathToFileURL(path.join(import.meta.dirname, '../../dist/index.js')).href
    const script = `await import(${JSON.stringify(dist)}); const { createRequire } = await import('node:module'); console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)))`
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
    expect(r.stderr).toBe('')
    const loaded: string[] = JSON.parse(r.stdout)
    const undiciFiles = loaded.filter((f) => f.includes(`${path.sep}undici${path.sep}`))
    expect(undiciFiles.length).toBeGreaterThan(0)
    expect(undiciFiles.filter((f) => f.endsWith(`${path.sep}undici${path.sep}index.js`) || f.includes(`${path.sep}lib${path.sep}web${path.sep}`))).toEqual([])
  })
})
