/**
 * Violations are counted once per (invariant, minimal sequence), never once per state (EXPLORATION.md
 * section 4), against the example shop app in its own process over PostgreSQL. Two planted bugs that
 * break one invariant with one last action (a read of the order) are two violations, each shrunk to its
 * own minimal sequence; one bug met from many states is shrunk once. Shrinks are counted by the debug
 * line written just before each (the shrinker is the real one: a test file cannot mock a module here,
 * where every file shares one module graph).
 */
import { type Exploration, type Logger, type StateBackend, action, exploration, invariant } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { postgresState } from '@venomqa/state-postgres'
import { type RunningProcess, describeWithService } from '@venomqa/test-utils'
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { explore } from '../src'
import { SETTLE_CRASHED } from '../src/violations'
import { dropDatabase, dumpDatabase, exploreShop, startShop } from './helpers'
import { createOrder, createProduct, setup } from './shop'

const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)
const DB = { both: `venomqa_explore_${process.pid}_per_seq_both`, one: `venomqa_explore_${process.pid}_per_seq_one` }

/**
 * The exploration's debug lines, and what they say of it: the violations shrunk (each line is written
 * just before the shrinker is called), and whether the search is over (the first shrink comes after it).
 */
function debugLog(): Logger & { lines: string[]; shrinks: () => string[]; searching: () => boolean } {
  const lines: string[] = []
  const shrinks = () => lines.filter((l) => l.startsWith('shrinking: '))
  return { lines, shrinks, searching: () => shrinks().length === 0, debug: (m) => void lines.push(m), info: () => {}, warn: (m) => void lines.push(m), error: (m) => void lines.push(m) }
}
let log = debugLog()

const refund = action<{ amount: number }>(
  'refund',
  ({ http, ctx, input }) => http.post(`/api/orders/${ctx.require('orderId')}/refunds`, { json: { amount: input.amount } }),
  { when: (v) => v.ctx.has('orderId'), inputs: () => [{ amount: 600 }, { amount: 700 }], maxPerPath: 2 },
)
const cancel = action('cancel', ({ http, ctx }) => http.post(`/api/orders/${ctx.require('orderId')}/cancel`), { when: (v) => v.ctx.has('orderId'), maxPerPath: 1 })
const readOrder = (maxPerPath: number) => action('read_order', ({ http, ctx }) => http.get(`/api/orders/${ctx.require('orderId')}`), { when: (v) => v.ctx.has('orderId'), maxPerPath })

interface Order {
  id: number
  unitPrice: number | null
  total: number
  refunded: number
}

/**
 * How many times the search met a violation: the checks that broke before the first shrink (the search
 * ends before anything is shrunk, and every replay after it is the shrinker's or the confirmation's).
 */
let metBySearch = 0
const counted = (verdict: string | undefined) => {
  if (verdict !== undefined && log.searching()) metBySearch++
  return verdict
}

/**
 * What a read of an order must show: refunds within the charge, and the price it was sold at. Its message
 * says the same whichever rule broke, as `status_documented` says the same of every 500 of an operation:
 * only the sequences tell the two planted bugs apart.
 */
const orderReadsWell = invariant.response('an order reads back well', (res) => {
  if (res.action !== 'read_order' || res.status !== 200) return
  const o = res.json() as Order
  return counted(o.refunded <= o.total && Number.isInteger(o.unitPrice) ? undefined : `GET /api/orders/${o.id} reads back an order that breaks the shop's rules`)
})

/** Refunds within the charge, its message quoting the amounts (which differ from state to state). */
const refundsWithin = invariant.response('refunds stay within the charge', (res) => {
  if (res.action !== 'read_order' || res.status !== 200) return
  const o = res.json() as Order
  return counted(o.refunded <= o.total ? undefined : `order ${o.id} refunded ${o.refunded} of ${o.total}`)
})

const orders = (o: { invariants: Exploration['invariants']; depth: number; reads: number }) =>
  exploration('orders', { setup, actions: [createProduct, createOrder, refund, cancel, readOrder(o.reads)], invariants: o.invariants, depth: o.depth, seed: 5, dedupe: false })

const actionsOf = (sequence: readonly { action: string }[]) => sequence.map((s) => s.action)

describe('violations per (invariant, minimal sequence) against the shop app', () => {
  const apps: RunningProcess[] = []
  const envs: Partial<Record<keyof typeof DB, { databaseUrl: string; baseUrl: string }>> = {}

  beforeAll(async () => {
    for (const [which, bugs] of [
      ['both', 'refund_over_charge,null_price_after_cancel'],
      ['one', 'refund_over_charge'],
    ] as const) {
      const s = await startShop(DB[which], bugs)
      apps.push(s.app)
      envs[which] = { databaseUrl: s.url, baseUrl: s.app.url }
    }
  })
  beforeEach(() => {
    log = debugLog()
    metBySearch = 0
  })
  afterAll(async () => {
    for (const app of apps) await app.stop()
    for (const db of Object.values(DB)) await dropDatabase(db)
  })

  it('two bugs that break one invariant with one last action are both reported, each shrunk to its own minimal sequence', async () => {
    const env = envs.both!
    const before = await dumpDatabase(env.databaseUrl)
    const r = await exploreShop(orders({ invariants: [orderReadsWell], depth: 5, reads: 1 }), env, { logger: log })
    expect(await dumpDatabase(env.databaseUrl)).toBe(before)
    expect(r.violations.map((v) => [v.invariant, actionsOf(v.sequence)])).toEqual([
      // null_price_after_cancel, the shorter one, first.
      ['an order reads back well', ['create_product', 'create_order', 'cancel', 'read_order']],
      // refund_over_charge: met after the other, with the same invariant, last action and message.
      ['an order reads back well', ['create_product', 'create_order', 'refund', 'refund', 'read_order']],
    ])
    for (const v of r.violations) expect(v.reproduced).toEqual({ attempts: 3, failures: 3 })
    // Each is a violation of its own: shrunk on its own, with a regression journey of its own.
    expect(new Set(r.violations.map((v) => v.id)).size).toBe(2)
    expect(r.violations[1]!.sequence.filter((s) => s.action === 'refund').map((s) => s.input)).toEqual([{ amount: 600 }, { amount: 600 }])
    // The search met them from more states than that (a refund before the cancel, ...): none is shrunk twice.
    expect(metBySearch).toBeGreaterThan(2)
    expect(log.shrinks()).toEqual([
      `shrinking: invariant "an order reads back well" broken after create_product > create_order > cancel > read_order`,
      `shrinking: invariant "an order reads back well" broken after create_product > create_order > refund > refund > read_order`,
    ])
  })

  it('one bug met from many states, with messages that differ by their numbers, is shrunk once', async () => {
    const env = envs.one!
    // Two reads per path and two refund amounts: the over-refund is read back from many states, as
    // refunded 1200, 1300 or 1400 of 1000, the read before, between or after the refunds.
    const r = await exploreShop(orders({ invariants: [refundsWithin], depth: 6, reads: 2 }), env, { logger: log })
    expect(r.violations.map((v) => actionsOf(v.sequence))).toEqual([['create_product', 'create_order', 'refund', 'refund', 'read_order']])
    const [v] = r.violations
    expect(v!.message).toBe('order 1 refunded 1200 of 1000')
    expect(v!.reproduced).toEqual({ attempts: 3, failures: 3 })
    expect(metBySearch).toBeGreaterThan(5)
    expect(log.shrinks()).toHaveLength(1)
  })

  it('a crash while shrinking one violation reports it as met, with the error, and the others as usual', async () => {
    // The snapshot backend refuses one rollback: the first replay of the first shrink, as a database
    // that went away for a moment would. The explorer's own rollbacks all came before it.
    const env = envs.both!
    const postgres = postgresState({ url: env.databaseUrl })
    let refusals = 0
    const refusesOnce: StateBackend = {
      name: postgres.name,
      mechanism: postgres.mechanism,
      parallelSafe: postgres.parallelSafe,
      connect: () => postgres.connect(),
      checkpoint: (name) => postgres.checkpoint(name),
      rollback: async (name) => {
        if (!log.searching() && refusals === 0) {
          refusals++
          throw new Error('the snapshot could not be restored')
        }
        return postgres.rollback(name)
      },
      release: (name) => postgres.release(name),
      observe: () => postgres.observe(),
      disconnect: () => postgres.disconnect(),
    }
    const runner = createRunner({ baseUrl: env.baseUrl, stateBackends: [refusesOnce], stepTimeout: 10_000 })
    const before = await dumpDatabase(env.databaseUrl)
    let r: Awaited<ReturnType<typeof explore>>
    try {
      r = await explore(orders({ invariants: [orderReadsWell], depth: 5, reads: 1 }), { runner, root: process.cwd(), emitDir: false, logger: log })
    } finally {
      await runner.close()
    }
    expect(refusals).toBe(1)
    expect(await dumpDatabase(env.databaseUrl)).toBe(before)
    expect(r.status).toBe('failed')
    const [crashed, shrunk, ...more] = r.violations
    expect(more).toEqual([])
    // The first one settled is the one the shrinker crashed on: as the search met it, unconfirmed.
    expect(actionsOf(crashed!.sequence)).toEqual(['create_product', 'create_order', 'cancel', 'read_order'])
    expect(crashed!.message).toMatch(
      new RegExp(`^GET /api/orders/1 reads back an order that breaks the shop's rules \\(${SETTLE_CRASHED}: .*the snapshot could not be restored\\)$`),
    )
    expect(crashed!.reproduced).toEqual({ attempts: 0, failures: 0 })
    // The other is shrunk and confirmed as if nothing had happened.
    expect(actionsOf(shrunk!.sequence)).toEqual(['create_product', 'create_order', 'refund', 'refund', 'read_order'])
    expect(shrunk!.reproduced).toEqual({ attempts: 3, failures: 3 })
    expect(log.shrinks()).toHaveLength(2)
    // No crash of the exploration: the one violation's crash is said in its message.
    expect(r.issues.filter((i) => i.kind === 'crash')).toEqual([])
  })
})
