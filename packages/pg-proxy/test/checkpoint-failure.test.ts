/**
 * A checkpoint that fails leaves the proxy as it was: the app's connections go on, and the checkpoints
 * taken before it still roll back. The failure is real: the upstream user may not read a sequence made
 * after the proxy started (by a migration run as another user), so the checkpoint's read of the sequences
 * is refused by PostgreSQL.
 */
import { describeWithService } from '@venomqa/test-utils'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { PgProxy } from '../src/index'
import { PG, createDatabase, dbName, dbUrl, dropDatabase, withClient } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const DB = dbName('checkpoint_failure')
// A role of this test only (roles belong to the whole server): made here, dropped in afterAll.
const ROLE = `venomqa_proxy_${process.pid}_reader`

describe('a checkpoint that fails', () => {
  let proxy: PgProxy | undefined
  let app: pg.Client | undefined

  beforeAll(async () => {
    await createDatabase(DB, 'CREATE TABLE t (id serial PRIMARY KEY, v text)')
    await withClient(dbUrl(DB), (c) =>
      c.query(`DROP ROLE IF EXISTS ${ROLE}; CREATE ROLE ${ROLE} LOGIN;
        GRANT USAGE ON SCHEMA public TO ${ROLE}; GRANT ALL ON ALL TABLES IN SCHEMA public TO ${ROLE}; GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${ROLE}`),
    )
  })

  afterAll(async () => {
    await app?.end().catch(() => {})
    await proxy?.stop()
    await dropDatabase(DB)
    await withClient(dbUrl('postgres'), (c) => c.query(`DROP ROLE IF EXISTS ${ROLE}`))
  })

  it('leaves the session usable and the earlier checkpoints in place', async () => {
    proxy = new PgProxy({ upstream: `postgres://${ROLE}@127.0.0.1:5432/${DB}` })
    await proxy.start()
    app = new pg.Client({ connectionString: proxy.url })
    app.on('error', () => {})
    await app.connect()
    const count = async () => (await app!.query('SELECT count(*)::int AS n FROM t')).rows[0].n

    await app.query(`INSERT INTO t (v) VALUES ('before')`)
    await proxy.checkpoint('one')
    await app.query(`INSERT INTO t (v) VALUES ('after one')`)
    // Made by another user after the proxy started: the proxy's user may not read it.
    await withClient(dbUrl(DB), (c) => c.query('CREATE SEQUENCE hidden'))
    await expect(proxy.checkpoint('two')).rejects.toThrow(/permission denied for sequence hidden/)

    // Before, the failed read aborted the proxy's transaction: 25P02 for every statement from here on.
    expect(await count()).toBe(2)
    await app.query(`INSERT INTO t (v) VALUES ('after the failed checkpoint')`)
    expect(proxy.checkpoints).toEqual(['one'])
    await proxy.rollback('one')
    expect(await count()).toBe(1)
    expect((await app.query(`INSERT INTO t (v) VALUES ('again') RETURNING id`)).rows[0].id).toBe(2)

    // The same name again, once the sequence is readable: a checkpoint of an existing name replaces it.
    await withClient(dbUrl(DB), (c) => c.query(`GRANT SELECT ON SEQUENCE hidden TO ${ROLE}`))
    await proxy.checkpoint('one')
    expect(proxy.checkpoints).toEqual(['one'])
  })
})
