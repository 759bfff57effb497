/**
 * Exploration on the example shop app (its own process, PostgreSQL, the `snapshot` mechanism): the same
 * search by rolling back to the parent state after each edge (DFS over the stack of checkpoints) and by
 * prefix replay (back to the root, then the path replayed before each edge: what fuzzers without
 * rollback do), depth 5, deduplication off so both do the same work, in one interleaved run. Then rollback
 * DFS with deduplication on: how many transitions merging states saved. The same twice: with the
 * `snapshot` mechanism (@venomqa/state-postgres, triggers and a change log) and with the `proxy`
 * mechanism (@venomqa/pg-proxy: the app's connections go through a proxy that holds one transaction,
 * a rollback is one ROLLBACK TO SAVEPOINT), each on a shop app and database of its own.
 */
import { action, assertStatus, type Exploration, type ExplorationResult, exploration, invariant, step } from '@venomqa/core'
import { explore } from '@venomqa/explore'
import { pgProxyState } from '@venomqa/pg-proxy'
import { createRunner } from '@venomqa/runner'
import { postgresState } from '@venomqa/state-postgres'
import { startShopApp } from '@venomqa/test-utils'
import pg from 'pg'

const DB = 'venomqa_bench_explore'
const BASE = `postgres://${process.env.PGUSER ?? 'postgres'}@${process.env.PGHOST ?? '127.0.0.1'}:${process.env.PGPORT ?? 5432}`
// Nine rounds: on a shared two-core machine three-round medians of one mode moved by a fifth between runs.
const ROUNDS = Number(process.env.ROUNDS ?? 9)

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: `${BASE}/postgres` })
  await c.connect()
  try {
    await c.query(sql)
  } finally {
    await c.end()
  }
}

/** The shop, as a user would explore it: products, orders, refunds, shipping, reservations. */
function shop(dedupe: boolean): Exploration {
  const createProduct = action(
    'create_product',
    async ({ http, ctx }) => {
      const res = await http.post('/api/products', { json: { sku: `S${ctx.get<number>('n', 0)}`, name: 'Widget', price: 1000, stock: 5 } })
      assertStatus(res, 201)
      ctx.set('productId', res.json().id)
      ctx.set('n', ctx.get<number>('n', 0) + 1)
      return res
    },
    { maxPerPath: 2 },
  )
  const order = action(
    'order',
    async ({ http, ctx }) => {
      const res = await http.post(`/api/products/${ctx.require('productId')}/orders`, { json: { quantity: 1 } })
      if (res.status === 201) ctx.set('orderId', res.json().id)
      return res
    },
    { when: (v) => v.ctx.has('productId'), maxPerPath: 2 },
  )
  const refund = action<{ amount: number }>(
    'refund',
    ({ http, ctx, input }) => http.post(`/api/orders/${ctx.require('orderId')}/refunds`, { json: { amount: input.amount } }),
    {
      when: (v) => v.ctx.has('orderId'),
      inputs: () => [{ amount: 400 }, { amount: 900 }],
      maxPerPath: 2,
    },
  )
  const ship = action('ship', ({ http, ctx }) => http.post(`/api/orders/${ctx.require('orderId')}/ship`), { when: (v) => v.ctx.has('orderId'), maxPerPath: 1 })
  const list = action('list_orders', ({ http }) => http.get('/api/orders'), { maxPerPath: 1 })
  return exploration('shop-bench', {
    setup: [
      step('sign_up', ({ http }) => http.post('/api/users', { json: { email: 'bench@shop.test', password: 'bench-password' } })),
      step('log_in', async ({ http }) => {
        const res = await http.post('/api/auth/login', { json: { email: 'bench@shop.test', password: 'bench-password' } })
        http.setAuthToken(res.json().token)
        return res
      }),
    ],
    actions: [createProduct, order, refund, ship, list],
    invariants: [invariant.response('json answers', (res) => res.status === 204 || /json/.test(res.headers['content-type'] ?? ''))],
    depth: 5,
    seed: 1,
    dedupe,
  })
}

const pct = (xs: number[], q: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)]! : 0)

interface Sample {
  mode: string
  result: ExplorationResult
  seconds: number
}

const DBS = [`${DB}_snapshot`, `${DB}_proxy`]
for (const db of DBS) {
  await admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)
  await admin(`CREATE DATABASE ${db}`)
}
const snapshotUrl = `${BASE}/${DBS[0]}`
const proxy = pgProxyState({ upstream: `${BASE}/${DBS[1]}` })
await proxy.connect() // the shop app below reaches its database through this proxy
const apps = [await startShopApp({ DATABASE_URL: snapshotUrl, SHOP_BUGS: 'none' }), await startShopApp({ DATABASE_URL: proxy.url, SHOP_BUGS: 'none' })]
const runners = {
  snapshot: createRunner({ baseUrl: apps[0]!.url, stateBackends: [postgresState({ url: snapshotUrl })] }),
  proxy: createRunner({ baseUrl: apps[1]!.url, stateBackends: [proxy] }),
}
try {
  const samples: Sample[] = []
  const modes: [string, () => Promise<ExplorationResult>][] = []
  for (const [mechanism, runner] of Object.entries(runners)) {
    modes.push([`${mechanism}: rollback DFS`, () => explore(shop(false), { runner, root: process.cwd(), emitDir: false, shrink: false })])
    modes.push([`${mechanism}: prefix replay`, () => explore(shop(false), { runner, root: process.cwd(), emitDir: false, shrink: false, prefixReplay: true })])
  }
  for (let round = 0; round < ROUNDS; round++)
    // Interleaved, in a rotating order, so a drift in the machine's load hits every mode alike.
    for (let i = 0; i < modes.length; i++) {
      const [mode, run] = modes[(i + round) % modes.length]!
      const t0 = performance.now()
      const result = await run()
      samples.push({ mode, result, seconds: (performance.now() - t0) / 1000 })
    }
  const deduped = await explore(shop(true), { runner: runners.snapshot, root: process.cwd(), emitDir: false, shrink: false })
  console.log(`exploration of the shop app, depth 5, dedupe off, ${ROUNDS} rounds each (medians)\n`)
  console.log('| mode | transitions | transitions/s | requests | rollback p50 / p95 | observe p50 / p95 |')
  console.log('|---|---|---|---|---|---|')
  const tps = new Map<string, number>()
  for (const [mode] of modes) {
    const mine = samples.filter((s) => s.mode === mode)
    const median = (f: (s: Sample) => number) => pct(mine.map(f), 0.5)
    tps.set(
      mode,
      median((s) => s.result.stats.transitionsPerSecond),
    )
    // The state backend's own timings (not the context's, which every mode pays alike).
    const backendTimings = (t: Record<string, { p50: number; p95: number }>) => Object.entries(t).find(([name]) => name !== 'context')?.[1]
    const rb = mine.map((s) => backendTimings(s.result.timings.rollback))
    const ob = mine.map((s) => backendTimings(s.result.timings.observe))
    console.log(
      `| ${mode} | ${median((s) => s.result.stats.transitions)} | ${tps.get(mode)!.toFixed(1)} | ${median((s) => s.result.stats.requests)} | ` +
        `${pct(
          rb.map((t) => t?.p50 ?? 0),
          0.5,
        ).toFixed(2)} / ${pct(
          rb.map((t) => t?.p95 ?? 0),
          0.5,
        ).toFixed(2)} ms | ` +
        `${pct(
          ob.map((t) => t?.p50 ?? 0),
          0.5,
        ).toFixed(2)} / ${pct(
          ob.map((t) => t?.p95 ?? 0),
          0.5,
        ).toFixed(2)} ms |`,
    )
  }
  const ratio = (a: string, b: string) => (tps.get(a)! / tps.get(b)!).toFixed(2)
  console.log(
    `\nrollback DFS / prefix replay, transitions per second: snapshot ${ratio('snapshot: rollback DFS', 'snapshot: prefix replay')}x, proxy ${ratio('proxy: rollback DFS', 'proxy: prefix replay')}x`,
  )
  console.log(`proxy / snapshot, rollback DFS transitions per second: ${ratio('proxy: rollback DFS', 'snapshot: rollback DFS')}x`)
  const full = pct(
    samples.filter((s) => s.mode === 'snapshot: rollback DFS').map((s) => s.result.stats.transitions),
    0.5,
  )
  console.log(
    `dedupe on (snapshot): ${deduped.stats.transitions} transitions and ${deduped.stats.states} states instead of ${full} transitions (${(100 * (1 - deduped.stats.transitions / full)).toFixed(0)}% saved, ${deduped.stats.merged} merged)`,
  )
} finally {
  for (const runner of Object.values(runners)) await runner.close()
  for (const app of apps) await app.stop()
  await proxy.disconnect().catch(() => {})
  for (const db of DBS) await admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)
}
