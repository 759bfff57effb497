import type { Router } from '@venomqa/example-app-kit'
import type { Services } from '../services'
import { intQuery } from '../validation'

const SLOW_MAX_MS = 120_000

/** Health, stats, and the two endpoints that exist to exercise timeouts and retries. */
export function diagnosticRoutes(router: Router, services: Services): void {
  const { store } = services

  router.on('GET', '/health', async () => {
    try {
      await store.ping()
      return [200, { ok: true, storage: store.kind }]
    } catch (err) {
      return [503, { ok: false, storage: store.kind, error: (err as Error).message }]
    }
  })

  router.on('GET', '/api/stats', async () => [200, await store.stats()])

  // Answers after ?ms=N. A client that gives up stops the timer: nothing keeps running for nobody.
  router.on('GET', '/api/slow', ({ res, query }) => {
    const ms = intQuery(query, 'ms', { min: 0, max: SLOW_MAX_MS })
    const { slow } = services
    slow.pending++
    const timer = setTimeout(() => {
      slow.pending--
      slow.completed++
      const body = JSON.stringify({ sleptMs: ms })
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) })
      res.end(body)
    }, ms)
    res.once('close', () => {
      if (res.writableFinished) return
      clearTimeout(timer)
      slow.pending--
      slow.aborted++
    })
  })

  router.on('GET', '/api/slow/stats', () => [200, { ...services.slow }])

  // 503 for the first N calls per key, then 200: the key keeps its count until /__venomqa/reset.
  router.on('GET', '/api/flaky', ({ query }) => {
    const key = query.get('key') || 'default'
    const failures = intQuery(query, 'failures', { min: 0, max: 1000, default: 1 })
    const attempt = (services.flaky.get(key) ?? 0) + 1
    services.flaky.set(key, attempt)
    if (attempt <= failures) return [503, { error: 'flaky failure', key, attempt, failures }, { 'retry-after': '0' }]
    return [200, { ok: true, key, attempt }]
  })
}
