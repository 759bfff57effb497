import type { StateBackend } from '@venomqa/core'
import { describeWithService } from '@venomqa/test-utils'
import { afterAll, expect, it } from 'vitest'
import { copyTables, postgresWorkers } from '../src/index'
import { PG, createDatabase, dropDatabase, withClient } from './helpers'

/** copyTables is what postgresWorkers runs to bring a worker's database to where the main line stands. */
const SRC = 'venomqa_pg_copy_src'
const DST = 'venomqa_pg_copy_dst'
const describe = await describeWithService('PostgreSQL', PG.host, PG.port)

const SCHEMA = `
CREATE TABLE events (id bigserial, region text, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE events_eu PARTITION OF events FOR VALUES IN ('eu');
CREATE TABLE events_us PARTITION OF events FOR VALUES IN ('us');
CREATE TABLE money (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, amount numeric(30, 10), big int8, f float8,
  doubled numeric GENERATED ALWAYS AS (amount * 2) STORED);
CREATE SEQUENCE big_ids;`

describe('copyTables', () => {
  afterAll(async () => {
    await dropDatabase(SRC)
    await dropDatabase(DST)
  })

  it('copies partitioned tables once, numeric and int8 values and sequence positions exactly', async () => {
    const src = await createDatabase(SRC, SCHEMA)
    const dst = await createDatabase(DST, SCHEMA)
    await withClient(src, (c) =>
      c.query(`INSERT INTO events (region) VALUES ('eu'), ('us'), ('eu');
        INSERT INTO money (amount, big, f) VALUES (12345678901234567890.0123456789, 9007199254740993, 0.1), (-0.0000000001, -9223372036854775808, 1e300);
        SELECT setval('big_ids', 9007199254740993);`),
    )
    const read = (url: string) =>
      withClient(url, async (c) => ({
        events: (await c.query(`SELECT tableoid::regclass::text AS part, id::text, region FROM events ORDER BY id`)).rows,
        money: (await c.query(`SELECT id, amount::text, big::text, f::text, doubled::text FROM money ORDER BY id`)).rows,
        seqs: (await c.query(`SELECT sequencename AS s, last_value::text AS v FROM pg_sequences ORDER BY 1`)).rows,
      }))
    await copyTables(src, dst)
    const want = await read(src)
    expect(want.events).toHaveLength(3)
    expect(await read(dst)).toEqual(want)
    // A second copy replaces what the first one wrote.
    await withClient(src, (c) => c.query(`DELETE FROM events WHERE id = 2; UPDATE money SET big = 9007199254740995 WHERE id = 1`))
    await copyTables(src, dst)
    expect(await read(dst)).toEqual(await read(src))
  })

  it('copies a schema or table whose name holds a dot, with its sequence', async () => {
    // Before, `schema.table` was one string split at its first dot: "my.app".orders became "my"."app.orders".
    const odd = `CREATE SCHEMA "my.app"; CREATE TABLE "my.app".orders (id serial PRIMARY KEY, t text); CREATE TABLE public."a.b" (v int);`
    const src = await createDatabase(SRC, odd)
    const dst = await createDatabase(DST, odd)
    await withClient(src, (c) => c.query(`INSERT INTO "my.app".orders (t) VALUES ('x'), ('y'); INSERT INTO public."a.b" VALUES (7)`))
    await copyTables(src, dst)
    const read = (url: string) =>
      withClient(url, async (c) => ({
        orders: (await c.query(`SELECT id, t FROM "my.app".orders ORDER BY id`)).rows,
        ab: (await c.query(`SELECT v FROM public."a.b"`)).rows,
        next: (await c.query(`SELECT nextval('"my.app".orders_id_seq')::int AS n`)).rows[0].n,
      }))
    expect(await read(dst)).toEqual(await read(src))
    expect((await read(dst)).orders).toHaveLength(2)
  })
})

describe('postgresWorkers with the proxy mechanism', () => {
  it('is refused when the workers are made, saying why: a worker\'s copy cannot read the proxy\'s open transaction', async () => {
    // A stand-in for @venomqa/pg-proxy's backend: only its mechanism is read, before any database is touched.
    const proxy = { name: 'pg-proxy', mechanism: 'proxy', parallelSafe: false } as unknown as StateBackend
    const main = `venomqa_pg_proxy_refused_${process.pid}`
    const setup = postgresWorkers({ url: `postgres://postgres@127.0.0.1:5432/${main}`, startApp: async () => ({ baseUrl: 'http://127.0.0.1:9', close: async () => {} }) })
    try {
      await expect(setup.create(1, { baseUrl: 'http://127.0.0.1:9', ports: new Map(), stateBackends: [proxy] })).rejects.toThrow(
        /^postgresWorkers: the run's state backend "pg-proxy" uses the proxy mechanism: what the app wrote since the run began sits in the proxy's open transaction, which a worker's copy of the database cannot read/,
      )
    } finally {
      // Made only when the refusal is missing: the worker's database would then be left behind.
      await dropDatabase(`${main}_w1`)
    }
  })
})
