/**
 * A WireMock is reached on whatever port it listens: also one of the fetch standard's "bad ports"
 * (6665-6669, 10080, ...), which Node's global fetch refuses without connecting ("bad port").
 */
import http from 'node:http'
import { plainRequest } from '@venomqa/core'
import { BAD_PORTS, listenOnBadPort } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type ManagedWireMock, WireMockAdmin, WireMockPort, isListening, startWireMock } from '../src'
import { describeWithJava } from './helpers'

it("the admin API on a port fetch refuses: healthy, its journal read, a scenario's state set, stubs made", async () => {
  const seen: string[] = []
  const server = await listenOnBadPort(
    http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`)
      if (req.url === '/__admin/health') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"healthy"}')
      if (req.url === '/__admin/requests') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"requests":[{"request":{"url":"/x","method":"GET"}}]}')
      if (req.url === '/__admin/mappings' && req.method === 'POST') {
        let body = ''
        req.on('data', (chunk) => (body += chunk))
        req.on('end', () => {
          const url = (JSON.parse(body) as { request: { urlPath: string } }).request.urlPath
          if (url === '/refused') return void res.writeHead(422, { 'content-type': 'application/json' }).end('{"errors":[{"title":"Error parsing JSON","detail":"no"}]}')
          res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":"0b7c6a3e-1"}')
        })
        return
      }
      if (req.url?.startsWith('/__admin/mappings')) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      if (req.url?.startsWith('/__venomqa/scenario-state/')) return void res.writeHead(204).end()
      res.writeHead(404).end()
    }),
  )
  try {
    const admin = new WireMockAdmin(server.url)
    expect(await admin.healthProblem()).toBeUndefined()
    expect(await admin.journal()).toEqual([{ url: '/x', method: 'GET' }])
    await admin.setScenarioState('a scenario', 'Started')
    expect(seen.filter((s) => s.startsWith('POST /__venomqa/'))).toHaveLength(1)
    // A stub, and one the server refuses with its error document: said as WireMock's refusal.
    const mock = new WireMockPort(admin)
    expect(await mock.stub({ method: 'GET', path: '/x', status: 200 })).toBe('0b7c6a3e-1')
    await expect(mock.stub({ method: 'GET', path: '/refused', status: 200 })).rejects.toThrow(`WireMock at ${server.url} refused the stub for GET /refused: Error parsing JSON: no`)
  } finally {
    await server.close()
  }
})

/**
 * A real WireMock on a port fetch refuses: stubs are made there as on any other. Captain posts them with
 * the global fetch, and a stub() failed with "is not reachable (POST /__admin/mappings: bad port)" while
 * the health check, on node:http, called the same server healthy.
 */
describeWithJava()('a managed WireMock on a port fetch refuses', () => {
  let server: ManagedWireMock | undefined
  beforeAll(async () => {
    for (const port of BAD_PORTS) {
      if (await isListening(port)) continue
      server = await startWireMock({ port })
      break
    }
    if (!server) throw new Error(`every port of ${BAD_PORTS.join(', ')} is taken on this machine`)
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('makes stubs and sequences there, which answer', async () => {
    const mock = new WireMockPort({ url: server!.baseUrl })
    expect(await mock.healthReport()).toBe(true)
    const id = await mock.stub({ method: 'GET', path: '/things/1', status: 200, body: { id: 1 }, headers: { 'x-from': 'stub' } })
    expect(typeof id).toBe('string')
    await mock.stubSequence('POST', '/charges', [{ status: 201, body: 'first' }, { status: 429 }])
    const get = await plainRequest(`${server!.baseUrl}/things/1`)
    expect([get.status, get.headers['x-from'], JSON.parse(await get.text())]).toEqual([200, 'stub', { id: 1 }])
    const charges: [number, string][] = []
    for (let i = 0; i < 3; i++) {
      const res = await plainRequest(`${server!.baseUrl}/charges`, { method: 'POST' })
      charges.push([res.status, await res.text()])
    }
    expect(charges).toEqual([
      [201, 'first'],
      [429, ''],
      [429, ''],
    ])
    await mock.removeStub(id)
    expect((await plainRequest(`${server!.baseUrl}/things/1`)).status).toBe(404)
  })
})

/**
 * `admin.captain`, kept for what WireMockAdmin does not wrap, sent with the global fetch: on such a port
 * each of its calls failed with "bad port" while the rest of the adapter reached the same server.
 */
it("captain's client on a port fetch refuses: its calls reach the server, and answer as captain's do", async () => {
  const seen: string[] = []
  const server = await listenOnBadPort(
    http.createServer((req, res) => {
      let body = ''
      req.on('data', (chunk) => (body += chunk))
      req.on('end', () => {
        seen.push(`${req.method} ${req.url}${body ? ` ${body}` : ''}`)
        const json = (status: number, value: unknown) => void res.writeHead(status, { 'content-type': 'application/json', 'x-from': 'fake' }).end(JSON.stringify(value))
        if (req.url === '/__admin/mappings' && req.method === 'GET') return json(200, { mappings: [{ id: 'm1' }] })
        if (req.url === '/__admin/mappings' && req.method === 'POST') return json(201, { id: 'm2', ...(JSON.parse(body) as object) })
        if (req.url === '/__admin/mappings' && req.method === 'DELETE') return void res.writeHead(200).end()
        if (req.url === '/__admin/requests' && req.method === 'GET') return json(200, { requests: [{ request: { url: '/x', method: 'GET' } }] })
        if (req.url === '/__admin/requests' && req.method === 'DELETE') return void res.writeHead(200).end()
        if (req.url === '/__admin/scenarios/reset') return void res.writeHead(200).end()
        if (req.url === '/__admin/mappings/find-by-metadata') return json(200, { mappings: [{ id: 'm3' }] })
        if (req.url === '/__admin/mappings/m9') return json(404, { errors: [{ title: 'No such mapping' }] })
        res.writeHead(404).end()
      })
    }),
  )
  try {
    const { captain } = new WireMockAdmin(server.url)
    expect(await captain.getAllMappings()).toEqual([{ id: 'm1' }])
    expect(await captain.getAllRequests()).toEqual([{ request: { url: '/x', method: 'GET' } }])
    const made = (await captain.register({ method: 'GET', endpoint: '/y' }, { status: 204 })) as { id: string; request: unknown; response: unknown }
    expect(made).toMatchObject({ id: 'm2', request: { method: 'GET', url: '/y' }, response: { status: 204 } })
    expect(await captain.findMappingByMetadata({ team: 'a' }, 'matchesJsonPath' as never)).toEqual([{ id: 'm3' }])
    // Those that answer captain's fetch Response give one still: status, headers, body.
    const cleared = await captain.clearAll()
    expect(cleared.map((r) => [r.ok, r.status])).toEqual([
      [true, 200],
      [true, 200],
    ])
    const reset = await captain.resetAllScenarios()
    expect([reset.status, reset.ok]).toEqual([200, true])
    const missing = await captain.getMapping('m9')
    expect(missing).toEqual({ errors: [{ title: 'No such mapping' }] })
    const gone = await captain.deleteMapping('m9')
    expect([gone.status, gone.ok, gone.headers.get('x-from'), await gone.json()]).toEqual([404, false, 'fake', { errors: [{ title: 'No such mapping' }] }])
    expect(seen).toContain('POST /__admin/mappings/find-by-metadata {"matchesJsonPath":{"team":"a"}}')
  } finally {
    await server.close()
  }
})
