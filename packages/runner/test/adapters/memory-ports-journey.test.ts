/**
 * The in-memory ports in a real run: createRunner with the `memory` plugin, a journey whose actions use
 * ports.cache / time / concurrency / mail against a small HTTP API served by this test, and a branch whose
 * paths each start from the checkpoint's cache and mailbox.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { branch, checkpoint, type JourneyResult, journey, path, step } from '@venomqa/core'
import { createRunner } from '../../src/index'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { memoryPorts } from '../../src/adapters'

let server: http.Server
let baseUrl: string
let inFlight = 0
let maxInFlight = 0

beforeAll(async () => {
  server = http.createServer((req, res) => {
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    const answer = (status: number, body: unknown) => {
      inFlight--
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (req.method === 'POST' && req.url === '/api/auth/login') return answer(200, { token: 'tok-123', expiresIn: 3600 })
    const item = /^\/api\/items\/(\d+)$/.exec(req.url ?? '')
    if (item) return void setTimeout(() => answer(200, { id: Number(item[1]) }), 5)
    answer(404, { error: 'not found' })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

function stepStatuses(r: JourneyResult): string[] {
  const out: string[] = []
  const walk = (nodes: JourneyResult['nodes'], p: string) => {
    for (const n of nodes) {
      if (n.kind === 'step') out.push(`${p}/${n.name}:${n.status}${n.error ? ` (${n.error.message})` : ''}`)
      if (n.kind === 'branch') for (const x of n.paths) walk(x.nodes, x.name)
    }
  }
  walk(r.nodes, 'main')
  return out
}

describe('memoryPorts in a run', () => {
  it('actions reach the ports; time moves cache expiry; a branch rolls the cache and mailbox back', async () => {
    const plugin = memoryPorts({ freezeTime: '2024-01-01T09:00:00Z' })
    const runner = createRunner({ baseUrl, plugins: [[plugin, { maxWorkers: 4 }]] })
    const j = journey('memory-ports', {
      requires: ['cache', 'time', 'concurrency', 'mail'],
      steps: [
        step('login', async ({ http, ports }) => {
          const res = await http.post('/api/auth/login', { json: { email: 'a@example.com', password: 'pw' } })
          await ports.cache!.set('auth:token', res.json().token, { ttlMs: res.json().expiresIn * 1000 })
          return res
        }),
        step('fetch_items_in_parallel', async ({ http, ports }) => {
          const pool = ports.require('concurrency')
          const ids = pool.mapAsync([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], (id, signal) => http.get(`/api/items/${id}`, { signal }))
          const results = await pool.joinAll<{ status: number }>(ids, { timeoutMs: 10_000 })
          const failed = results.filter((r) => !r.success || r.value!.status !== 200)
          if (failed.length) throw new Error(`${failed.length} item requests failed`)
        }),
        checkpoint('logged_in'),
        branch('logged_in', [
          path('token_expires', [
            step('an_hour_later', async ({ ports }) => {
              ports.time!.advance({ hours: 1 })
              if (await ports.cache!.exists('auth:token')) throw new Error('the token should have expired')
              plugin.adapters!.mail.deliver({ from: 'app@x.test', to: 'a@example.com', subject: 'Session expired' })
            }),
          ]),
          path('token_still_valid', [
            step('check', async ({ ports }) => {
              if ((await ports.cache!.get('auth:token')) !== 'tok-123') throw new Error('token missing: the rollback did not restore the cache')
              if ((await ports.mail!.list()).length !== 0) throw new Error('mail from the other path leaked into this one')
            }),
          ]),
        ]),
        step('after_branch', async ({ ports }) => {
          const now = ports.time!.now().toISOString()
          if (now !== '2024-01-01T09:00:00.000Z') throw new Error(`clock not rolled back: ${now}`)
          const mail = await ports.mail!.list()
          if (mail.length) throw new Error(`mailbox not rolled back: ${mail.map((m) => m.subject).join(', ')}`)
        }),
      ],
    })
    try {
      const result = await runner.run(j)
      const [jr] = result.journeys
      expect(stepStatuses(jr)).toEqual([
        'main/login:passed',
        'main/fetch_items_in_parallel:passed',
        'token_expires/an_hour_later:passed',
        'token_still_valid/check:passed',
        'main/after_branch:passed',
      ])
      expect(jr.status).toBe('passed')
      // The pool's limit held across real HTTP requests.
      expect(maxInFlight).toBeLessThanOrEqual(4)
      expect(plugin.adapters!.pool.stats().maxRunning).toBe(4)
      expect(runner.registry.stateBackends.map((b) => b.name)).toContain('memory-ports')
    } finally {
      await runner.close()
    }
  })

  it('a journey needing a port no plugin provides is refused before it starts, naming the port', async () => {
    const runner = createRunner({ baseUrl, plugins: [memoryPorts({ ports: ['cache'] })] })
    let ran = false
    const j = journey('needs-search', {
      steps: [
        step(
          'find',
          () => {
            ran = true
          },
          { requires: ['search'] },
        ),
      ],
    })
    try {
      const outcome = await runner.run(j).then(
        (r) => ({ failed: r.journeys[0]?.status === 'failed', message: JSON.stringify(r.journeys[0]?.issues ?? []) }),
        (err: Error) => ({ failed: true, message: err.message }),
      )
      expect(outcome.failed).toBe(true)
      expect(outcome.message).toMatch(/journey "needs-search", step "find" needs port "search"/)
      // Said which plugin gives it, where a list of examples named the Redis adapter for every port.
      expect(outcome.message).toMatch(/"search" comes from @venomqa\/adapter-elasticsearch\./)
      expect(ran).toBe(false)
    } finally {
      await runner.close()
    }
  })
})
