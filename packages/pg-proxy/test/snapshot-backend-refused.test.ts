import { StateError } from '@venomqa/core'
import { postgresState } from '@venomqa/state-postgres'
import { describeWithService, settledWithin } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { PgProxy } from '../src/index'
import { PG, createDatabase, dbName, dropDatabase, startProxy, withClient } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)

// A state-postgres backend keeps settings and a lock in its session; the proxy runs every client's
// statements on its one session, so the app's would run under them. Given the proxy's address by mistake
// (the app's DATABASE_URL), the backend must refuse, at once, and leave the proxy and the run as they were.
describe("a @venomqa/state-postgres backend given the proxy's address", () => {
  const db = dbName('snapshot_refused')
  let proxy: PgProxy

  beforeAll(async () => {
    await createDatabase(db, 'CREATE TABLE t (id int PRIMARY KEY)')
    // A transaction left idle is never ended by the proxy here: a backend that waited behind its own probe's would wait for good.
    proxy = await startProxy(db, { idleInTransactionTimeoutMs: 600_000 })
  })
  afterAll(async () => {
    await proxy?.stop()
    await dropDatabase(db)
  })

  it('is refused at connect, saying why, without waiting on the proxy; the proxy goes on serving', async () => {
    const err = await settledWithin(postgresState({ url: proxy.url }).connect(), 20_000)
    expect(err).toBeInstanceOf(StateError)
    expect((err as Error).message).toMatch(/its session is not its own: .*venomqa-pg-proxy.*a second connection's transaction ran in server process \d+/)
    expect(await withClient(proxy.url, async (c) => (await c.query('SELECT count(*)::int AS n FROM t')).rows[0].n)).toBe(0)
  })
})
