/**
 * Exploration on the example shop app (its own process, PostgreSQL, the `snapshot` mechanism): the same
 * search by rolling back to the parent state after each edge (DFS over the stack of checkpoints) and by
 * prefix replay (back to the root, then the path replayed before each edge: what fuzzers without
 * rollback do), depth 5, deduplication off so both do the same work, in one interleaved run. Then rollback
 * DFS with deduplication on: how many transitions merging states saved.
 */
import { action, assertStatus, type Exploration, type ExplorationResult, exploration, invariant, step } from '@venomqa/core'
import { explore } from '@venomqa/explore'
import { createRunner } from '@venomqa/runner'
import { postgresState } from '@venomqa/state-postgres'
import { startShopApp } from '@venomqa/test-utils'
import pg from 'pg'

const DB = 'venomqa_bench_explore'
const BASE = `postgres://${process.env.PGUSER ?? 'postgres'}@${process.env.PGHOST ?? '127.0.0.1'}:${process.env.PGPORT ?? 5432}`
const ROUNDS = Number(process.env.ROUNDS ?? 3)

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

await admin(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`)
await admin(`CREATE DATABASE ${DB}`)
const url = `${BASE}/${DB}`
const app = await startShopApp({ DATABASE_URL: url, SHOP_BUGS: 'none' })
try {
  const runner = createRunner({ baseUrl: app.url, stateBackends: [postgresState({ url })] })
  const samples: Sample[] = []
  try {
    const modes: [string, () => Promise<ExplorationResult>][] = [
      ['rollback DFS', () => explore(shop(false), { runner, root: process.cwd(), emitDir: false, shrink: false })],
      ['prefix replay', () => explore(shop(false), { runner, root: process.cwd(), emitDir: false, shrink: false, prefixReplay: true })],
    ]
    for (let round = 0; round < ROUNDS; round++)
      // Interleaved, alternating which goes first, so a drift in the machine's load hits both alike.
      for (const [mode, run] of round % 2 ? [...modes].reverse() : modes) {
        const t0 = performance.now()
        const result = await run()
        samples.push({ mode, result, seconds: (performance.now() - t0) / 1000 })
      }
    const deduped = await explore(shop(true), { runner, root: process.cwd(), emitDir: false, shrink: false })
    console.log(`exploration of the shop app, depth 5, dedupe off, ${ROUNDS} rounds each (medians), PostgreSQL snapshot mechanism\n`)
    console.log('| mode | transitions | transitions/s | requests | rollback p50 / p95 | observe p50 / p95 |')
    console.log('|---|---|---|---|---|---|')
    const rows = new Map<string, { tps: number }>()
    for (const mode of ['rollback DFS', 'prefix replay']) {
      const mine = samples.filter((s) => s.mode === mode)
      const median = (f: (s: Sample) => number) => pct(mine.map(f), 0.5)
      const tps = median((s) => s.result.stats.transitionsPerSecond)
      rows.set(mode, { tps })
      const rb = mine.map((s) => s.result.timings.rollback.snapshot ?? Object.values(s.result.timings.rollback)[0])
      const ob = mine.map((s) => Object.values(s.result.timings.observe)[0])
      console.log(
        `| ${mode} | ${median((s) => s.result.stats.transitions)} | ${tps.toFixed(1)} | ${median((s) => s.result.stats.requests)} | ` +
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
    const ratio = rows.get('rollback DFS')!.tps / rows.get('prefix replay')!.tps
    const full = pct(
      samples.filter((s) => s.mode === 'rollback DFS').map((s) => s.result.stats.transitions),
      0.5,
    )
    console.log(`\nrollback DFS / prefix replay, transitions per second: ${ratio.toFixed(2)}x`)
    console.log(
      `dedupe on: ${deduped.stats.transitions} transitions and ${deduped.stats.states} states instead of ${full} transitions (${(100 * (1 - deduped.stats.transitions / full)).toFixed(0)}% saved, ${deduped.stats.merged} merged)`,
    )
  } finally {
    await runner.close()
  }
} finally {
  await app.stop()
  await admin(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`)
}
