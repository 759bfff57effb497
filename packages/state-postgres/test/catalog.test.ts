import { describeWithService } from '@venomqa/test-utils'
import { afterAll, afterEach, expect, it } from 'vitest'
import { type PostgresSavepointBackend, type PostgresSnapshotBackend, postgresState } from '../src/index'
import { PG, createDatabase, dropDatabase, withClient } from './helpers'

/** What the catalog finds to track: sequences beside the tracked tables, partitioned tables, odd schema names. */
const DB = 'venomqa_pg_catalog'
const describe = await describeWithService('PostgreSQL', PG.host, PG.port)

describe('what the backends find to track', () => {
  const open: { disconnect(): Promise<void> }[] = []
  let url = ''
  const sql = (text: string) => withClient(url, (c) => c.query(text))
  const nextId = async (insert: string) => String((await sql(insert)).rows[0].id)

  afterEach(async () => {
    for (const b of open.splice(0)) await b.disconnect().catch(() => {})
  })
  afterAll(() => dropDatabase(DB))

  it('with `tables`, restores a free-standing sequence that a tracked column takes its default from', async () => {
    url = await createDatabase(
      DB,
      `CREATE SEQUENCE order_ids; CREATE TABLE orders (id int PRIMARY KEY DEFAULT nextval('order_ids'), t text);
       CREATE TABLE other (id serial PRIMARY KEY);`,
    )
    const insert = `INSERT INTO orders (t) VALUES ('a') RETURNING id`
    // snapshot: the app writes through its own connections.
    const snapshot = postgresState({ url, tables: ['orders'] }) as PostgresSnapshotBackend
    open.push(snapshot)
    await snapshot.connect()
    await snapshot.checkpoint('cp')
    expect(await nextId(insert)).toBe('1')
    await snapshot.rollback('cp')
    expect(await nextId(insert)).toBe('1')
    await snapshot.disconnect()
    await sql('TRUNCATE orders')

    // savepoint: the app writes through the backend's connection.
    const savepoint = postgresState({ url, tables: ['orders'], mechanism: 'savepoint' }) as PostgresSavepointBackend
    open.push(savepoint)
    await savepoint.connect()
    await savepoint.checkpoint('cp')
    const first = String((await savepoint.query(insert)).rows[0].id)
    await savepoint.rollback('cp')
    expect(String((await savepoint.query(insert)).rows[0].id)).toBe(first)
  })

  it('restores the sequence of a partitioned table (bigserial on the parent): snapshot, savepoint and reset()', async () => {
    url = await createDatabase(
      DB,
      `CREATE TABLE ev (id bigserial, region text, v int, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
       CREATE TABLE ev_eu PARTITION OF ev FOR VALUES IN ('eu');
       CREATE TABLE ev_us PARTITION OF ev FOR VALUES IN ('us');
       INSERT INTO ev (region, v) VALUES ('eu', 1), ('us', 2);`,
    )
    const insert = `INSERT INTO ev (region, v) VALUES ('eu', 9) RETURNING id`
    const snapshot = postgresState({ url }) as PostgresSnapshotBackend
    open.push(snapshot)
    await snapshot.connect()
    await snapshot.checkpoint('cp')
    expect(await nextId(insert)).toBe('3')
    await snapshot.rollback('cp')
    expect(await nextId(insert)).toBe('3')
    await snapshot.reset()
    expect(await nextId(insert)).toBe('1')
    await snapshot.rollback('cp')
    await snapshot.disconnect()

    const savepoint = postgresState({ url, mechanism: 'savepoint' }) as PostgresSavepointBackend
    open.push(savepoint)
    await savepoint.connect()
    await savepoint.checkpoint('cp')
    expect(String((await savepoint.query(insert)).rows[0].id)).toBe('3')
    await savepoint.rollback('cp')
    expect(String((await savepoint.query(insert)).rows[0].id)).toBe('3')
    await savepoint.reset()
    expect(String((await savepoint.query(insert)).rows[0].id)).toBe('1')
  })

  it('`tables` and `exclude` name a schema or table holding a dot in double quotes, as SQL does', async () => {
    url = await createDatabase(
      DB,
      `CREATE SCHEMA "my.app"; CREATE TABLE "my.app".orders (id serial PRIMARY KEY); CREATE TABLE "my.app"."audit.log" (id int);
       CREATE TABLE "my.app".notes (id int); CREATE TABLE public."a.b" (id int); CREATE TABLE public.b (id int);`,
    )
    // Before quotes were read, '"my.app".orders' split at the first dot: schema '"my', table 'app".orders', no match.
    const tracked = postgresState({ url, tables: ['"my.app".orders', '"my.app"."audit.log"', '"a.b"'] }) as PostgresSnapshotBackend
    open.push(tracked)
    await tracked.connect()
    expect([...tracked.tables].sort()).toEqual(['my.app.audit.log', 'my.app.orders', 'public.a.b'])
    await tracked.checkpoint('cp')
    await sql(`INSERT INTO "my.app".orders DEFAULT VALUES; INSERT INTO "my.app"."audit.log" VALUES (1); INSERT INTO public."a.b" VALUES (1)`)
    await tracked.rollback('cp')
    const count = async (t: string) => (await sql(`SELECT count(*)::int AS n FROM ${t}`)).rows[0].n
    expect([await count('"my.app".orders'), await count('"my.app"."audit.log"'), await count('public."a.b"')]).toEqual([0, 0, 0])
    // The sequence of the quoted schema's serial is tracked too: the next id is 1 again.
    expect((await sql(`INSERT INTO "my.app".orders DEFAULT VALUES RETURNING id`)).rows[0].id).toBe(1)
    await tracked.disconnect()

    const excluding = postgresState({ url, schemas: ['my.app', 'public'], exclude: ['"my.app"."audit.log"', '"a.b"'] }) as PostgresSnapshotBackend
    open.push(excluding)
    await excluding.connect()
    expect([...excluding.tables].sort()).toEqual(['my.app.notes', 'my.app.orders', 'public.b'])
  })

  for (const schema of ['Sales "EU"', 'sales\\eu', "o'brien {x,y}"]) {
    it(`connects to schema ${JSON.stringify(schema)} and still refuses a rollback over DDL`, async () => {
      const q = `"${schema.replace(/"/g, '""')}"`
      url = await createDatabase(DB, `CREATE SCHEMA ${q}; CREATE TABLE ${q}.t (id int PRIMARY KEY);`)
      const backend = postgresState({ url, schemas: [schema] }) as PostgresSnapshotBackend
      open.push(backend)
      await backend.connect()
      expect(backend.tables).toEqual([`${schema}.t`])
      await backend.checkpoint('cp')
      await sql(`INSERT INTO ${q}.t VALUES (1)`)
      await backend.rollback('cp')
      expect((await sql(`SELECT count(*)::int AS n FROM ${q}.t`)).rows).toEqual([{ n: 0 }])
      await sql(`ALTER TABLE ${q}.t ADD COLUMN x int`)
      await expect(backend.rollback('cp')).rejects.toThrow(/schema .* changed under checkpoint "cp".*column\(s\) x added/)
    })
  }
})
