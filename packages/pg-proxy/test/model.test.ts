/**
 * Model-based: random rounds of transactions from 3 connections (commit, rollback, an error inside then
 * COMMIT or ROLLBACK, autocommit, a failing autocommit), overlapping in the proxy (the later ones queue
 * behind the first while it holds a transaction), with random checkpoints, rollbacks and releases. The
 * model runs the same transactions one connection at a time, with real transactions, on a scratch
 * database, and "rolls back" by restoring what it saved. After every round and every rollback, tables
 * and sequences through the proxy equal the model's, and every statement answered the same.
 */
import { describeWithService } from '@venomqa/test-utils'
import fc from 'fast-check'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { PgProxy } from '../src/index'
import { PG, createDatabase, dbName, dbUrl, dropDatabase, dump, dumpClient, startProxy, until } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const DB = dbName('model')
const REF = dbName('model_ref')
const SCHEMA = `
CREATE TABLE items (id serial PRIMARY KEY, val int NOT NULL CHECK (val >= 0));
CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL);
INSERT INTO counters VALUES (1, 0);`

type Kind = 'commit' | 'rollback' | 'error-commit' | 'error-rollback' | 'autocommit' | 'autocommit-error'
interface Tx {
  kind: Kind
  vals: number[]
}
type Round =
  | { type: 'txs'; txs: { conn: number; tx: Tx }[] }
  | { type: 'checkpoint' }
  | { type: 'rollback'; pick: number }
  | { type: 'release'; pick: number }

const txArb = fc.record({
  kind: fc.constantFrom<Kind>('commit', 'rollback', 'error-commit', 'error-rollback', 'autocommit', 'autocommit-error'),
  vals: fc.array(fc.nat(99), { minLength: 1, maxLength: 3 }),
})
const roundArb: fc.Arbitrary<Round> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .uniqueArray(fc.record({ conn: fc.integer({ min: 0, max: 2 }), tx: txArb }), { minLength: 1, maxLength: 3, selector: (t) => t.conn })
      .map((txs) => ({ type: 'txs' as const, txs })),
  },
  { weight: 1, arbitrary: fc.constant({ type: 'checkpoint' as const }) },
  { weight: 1, arbitrary: fc.nat().map((pick) => ({ type: 'rollback' as const, pick })) },
  { weight: 1, arbitrary: fc.nat().map((pick) => ({ type: 'release' as const, pick })) },
)

/** What each statement answered: ids, command tags, SQLSTATEs. */
type Step = (c: pg.Client) => Promise<string>
const ok = (sql: string): Step => async (c) => {
  const r = await c.query(sql)
  return `${r.command}${r.rows[0]?.id !== undefined ? ` ${r.rows.map((x) => x.id).join(',')}` : ''}`
}
const failing = (sql: string): Step => (c) => c.query(sql).then(() => 'no error', (e: { code: string }) => e.code)
const insert = (vals: number[]) => `INSERT INTO items (val) VALUES ${vals.map((v) => `(${v})`).join(', ')} RETURNING id`

function steps(tx: Tx): Step[] {
  const inserts = tx.vals.map((v) => ok(insert([v])))
  const bump = ok('UPDATE counters SET n = n + 1 WHERE id = 1')
  switch (tx.kind) {
    case 'commit':
      return [ok('BEGIN'), ...inserts, bump, ok('COMMIT')]
    case 'rollback':
      return [ok('BEGIN'), ...inserts, bump, ok('ROLLBACK')]
    case 'error-commit':
      return [ok('BEGIN'), ...inserts, failing('SELECT 1/0'), failing('SELECT 1'), ok('COMMIT')]
    case 'error-rollback':
      return [ok('BEGIN'), ...inserts, failing(insert([-1])), ok('ROLLBACK')]
    // One statement each: every autocommit statement is a transaction of its own, and others may run
    // between two of them, so a "transaction" of several would have no single place in the order.
    case 'autocommit':
      return [ok(insert(tx.vals))]
    case 'autocommit-error':
      return [failing(insert([...tx.vals, -1]))]
  }
}

async function runSteps(c: pg.Client, list: Step[], out: string[]): Promise<void> {
  for (const s of list) out.push(await s(c))
}

describe('model-based: interleaved transactions of 3 connections, checkpoints, rollbacks', () => {
  let proxy: PgProxy
  let model: pg.Client
  let clients: pg.Client[]
  let base: Record<string, unknown>

  beforeAll(async () => {
    await createDatabase(DB, SCHEMA)
    await createDatabase(REF, SCHEMA)
    proxy = await startProxy(DB, { idleInTransactionTimeoutMs: 30_000 })
    await proxy.checkpoint('base')
    model = new pg.Client({ connectionString: dbUrl(REF) })
    await model.connect()
    clients = await Promise.all(
      [0, 1, 2].map(async () => {
        const c = new pg.Client({ connectionString: proxy.url })
        await c.connect()
        return c
      }),
    )
    base = await dumpClient(model)
  })

  afterAll(async () => {
    for (const c of clients ?? []) await c.end().catch(() => {})
    await model?.end().catch(() => {})
    await proxy?.stop()
    await dropDatabase(DB)
    await dropDatabase(REF)
  })

  /** Put the reference database back to a saved dump: rows, counters and the sequence. */
  async function restoreModel(saved: Record<string, unknown>): Promise<void> {
    const items = (saved['public.items'] as string[]).map((j) => JSON.parse(j) as { id: number; val: number })
    const counters = (saved['public.counters'] as string[]).map((j) => JSON.parse(j) as { id: number; n: number })
    const [last, called] = (saved['seq public.items_id_seq'] as string).split(' ')
    await model.query('BEGIN')
    await model.query('TRUNCATE items, counters')
    if (items.length) await model.query(`INSERT INTO items (id, val) VALUES ${items.map((i) => `(${i.id}, ${i.val})`).join(', ')}`)
    await model.query(`INSERT INTO counters VALUES ${counters.map((c) => `(${c.id}, ${c.n})`).join(', ')}`)
    await model.query(`SELECT setval('items_id_seq', ${last}, ${called})`)
    await model.query('COMMIT')
  }

  /** The first transaction holds the upstream; the others queue behind it, in order; then all finish. */
  async function overlap(txs: { conn: number; tx: Tx }[]): Promise<string[][]> {
    const outs = txs.map(() => [] as string[])
    const [first, ...rest] = txs
    const firstSteps = steps(first!.tx)
    const holds = first!.tx.kind !== 'autocommit' && first!.tx.kind !== 'autocommit-error'
    const head = holds ? 2 : firstSteps.length
    await runSteps(clients[first!.conn]!, firstSteps.slice(0, head), outs[0]!)
    const later: Promise<void>[] = []
    for (const [i, t] of rest.entries()) {
      const run = runSteps(clients[t.conn]!, steps(t.tx), outs[i + 1]!)
      later.push(run)
      // Without a holder nothing queues: one after the other keeps the order known.
      if (holds) await until(() => proxy.lock.waiting === i + 1, `connection ${t.conn} queued`)
      else await run
    }
    await runSteps(clients[first!.conn]!, firstSteps.slice(head), outs[0]!)
    await Promise.all(later)
    return outs
  }

  it('after every round and every rollback, tables and sequences equal the model', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(roundArb, { minLength: 1, maxLength: 12 }), async (rounds) => {
        await proxy.rollback('base')
        await restoreModel(base)
        const saved: { name: string; state: Record<string, unknown> }[] = []
        let n = 0
        for (const round of rounds) {
          if (round.type === 'txs') {
            const got = await overlap(round.txs)
            const expected: string[][] = []
            for (const t of round.txs) {
              const out: string[] = []
              await runSteps(model, steps(t.tx), out)
              expected.push(out)
            }
            expect(got).toEqual(expected)
            expect(await dump(proxy)).toEqual(await dumpClient(model))
          } else if (round.type === 'checkpoint') {
            const name = `cp${++n}`
            await proxy.checkpoint(name)
            saved.push({ name, state: await dumpClient(model) })
          } else if (saved.length) {
            const i = round.pick % saved.length
            if (round.type === 'rollback') {
              await proxy.rollback(saved[i]!.name)
              await restoreModel(saved[i]!.state)
              saved.splice(i + 1)
              expect(await dump(proxy)).toEqual(await dumpClient(model))
            } else {
              await proxy.release(saved[i]!.name)
              saved.splice(i)
            }
          }
        }
        for (const s of saved) await proxy.release(s.name).catch(() => {})
      }),
      { numRuns: 30 },
    )
    // The rounds overlapped for real: connections waited for the upstream.
    expect(proxy.stats.waits).toBeGreaterThan(0)
  })
})
