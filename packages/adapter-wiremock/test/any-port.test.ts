/**
 * A WireMock is reached on whatever port it listens: also one of the fetch standard's "bad ports"
 * (6665-6669, 10080, ...), which Node's global fetch refuses without connecting ("bad port").
 */
import http from 'node:http'
import { listenOnBadPort } from '@venomqa/test-utils'
import { expect, it } from 'vitest'
import { WireMockAdmin } from '../src'

it("the admin API on a port fetch refuses: healthy, its journal read, a scenario's state set", async () => {
  const seen: string[] = []
  const server = await listenOnBadPort(
    http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`)
      if (req.url === '/__admin/health') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"healthy"}')
      if (req.url === '/__admin/requests') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"requests":[{"request":{"url":"/x","method":"GET"}}]}')
      if (req.url?.startsWith('/__admin/mappings')) return void res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' }).end('{}')
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
  } finally {
    await server.close()
  }
})
