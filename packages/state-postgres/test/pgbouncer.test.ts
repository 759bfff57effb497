import { type RunningProcess, describeWithCommand, describeWithService } from '@venomqa/test-utils'
import { StateError } from '@venomqa/core'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, beforeEach, expect, it, describe as plainDescribe } from 'vitest'
import { postgresState } from '../src/index'
import { PG, SCHEMA, SEED, api, createDatabase, databasesLike, dropDatabase, startTestApp } from './helpers'
import { type Bouncer, type PoolMode, startPgBouncer } from '@venomqa/test-utils/pgbouncer'
import { runBranchScenario } from './scenario'

// The app reaches PostgreSQL through PgBouncer, as many do in production; the backend connects to the
// server itself. PgBouncer holds the server connections: in transaction mode one app transaction may run on
// any of them, in session mode an app connection keeps one until it closes.
const withServer = await describeWithService('PostgreSQL', PG.host, PG.port)
const describe = withServer === plainDescribe ? describeWithCommand('pgbouncer', "Debian's package pgbouncer") : withServer

for (const mode of ['transaction', 'session'] satisfies PoolMode[]) {
  for (const mechanism of ['snapshot', 'template'] as const) {
    describe(`${mechanism} mechanism, the app in its own process behind PgBouncer (${mode} pooling)`, () => {
      const DB = `venomqa_pg_bouncer_${mode}_${mechanism}`
      let url: string
      let bouncer: Bouncer
      let app: RunningProcess

      beforeAll(async () => {
        bouncer = await startPgBouncer({ mode })
      })
      afterAll(async () => {
        await bouncer?.stop()
      })
      // Each test on a new database, with the app started on it: the scenario counts ids from the seed's.
      beforeEach(async () => {
        url = await createDatabase(DB, SCHEMA + SEED)
        app = await startTestApp(bouncer.url(DB))
      })
      afterEach(async () => {
        await app?.stop()
        await dropDatabase(DB)
      })

      const scenario = (backendUrl: () => string) => async () => {
        const backend = postgresState({ url: backendUrl(), mechanism })
        await backend.connect()
        let result: Awaited<ReturnType<typeof runBranchScenario>>
        try {
          result = await runBranchScenario(backend, app.url, url)
        } finally {
          await backend.disconnect()
        }
        const seen = { errors: result.errors, startsFromCheckpoint: result.startsFromCheckpoint, ids: result.ids, endsAtCheckpoint: result.endsAtCheckpoint }
        expect(seen, `PgBouncer's log:\n${bouncer.log()}\napp's output:\n${app.output()}`).toEqual({
          errors: [],
          startsFromCheckpoint: { insertEverywhere: true, updateAndRekey: true, deleteWithCascades: true, insertAgain: true },
          ids: [
            { user: 4, todo: 5, comment: '4' },
            { user: 4, todo: 5, comment: '4' },
          ],
          endsAtCheckpoint: true,
        })
        // Still answering through PgBouncer after the backend is gone, and nothing of the backend's left.
        await api(app.url)('POST', '/users', { email: 'eve@example.com', name: 'Eve' }, 201)
        expect(await databasesLike(`${DB}_vq`)).toEqual([])
      }

      it('the backend on the server itself: every path starts from the checkpoint and the run ends at it; the app goes on through PgBouncer', scenario(() => url))
      // A pooler that keeps a client's session on one server connection is as good as the server itself.
      if (mode === 'session') it("the backend on PgBouncer's address too: the same", scenario(() => bouncer.url(DB)))
    })
  }
}

// PgBouncer hands a transaction the server connection released last by default, and the one idle longest
// with server_round_robin: either way the backend's session is found not to be its own.
for (const order of [[], ['server_round_robin = 1']]) describe(`a backend given the address of a pooler in transaction pooling${order.length ? ', round robin' : ''}`, () => {
  const DB = 'venomqa_pg_bouncer_refused'
  let bouncer: Bouncer

  beforeAll(async () => {
    await createDatabase(DB, SCHEMA + SEED)
    bouncer = await startPgBouncer({ mode: 'transaction', settings: order })
  })
  afterAll(async () => {
    await bouncer?.stop()
    await dropDatabase(DB)
  })

  /** session_replication_role as new connections through PgBouncer see it: the app's transactions run under it. */
  const roleSeenThroughBouncer = async () => {
    const seen = new Set<string>()
    // A few connections at once, so that they land on every server connection PgBouncer keeps.
    const clients = Array.from({ length: 3 }, () => new pg.Client({ connectionString: bouncer.url(DB) }))
    try {
      await Promise.all(clients.map((c) => c.connect()))
      await Promise.all(clients.map((c) => c.query('BEGIN')))
      for (const c of clients) seen.add((await c.query('SHOW session_replication_role')).rows[0].session_replication_role)
      await Promise.all(clients.map((c) => c.query('COMMIT')))
    } finally {
      await Promise.all(clients.map((c) => c.end().catch(() => {})))
    }
    return [...seen]
  }

  for (const mechanism of ['snapshot', 'template'] as const) {
    it(`${mechanism}: refused at connect, saying why and what to give instead; the app's transactions keep their settings`, async () => {
      const backend = postgresState({ url: bouncer.url(DB), mechanism })
      const err = await backend.connect().then(
        () => backend.disconnect().then(() => 'connected'),
        (e: unknown) => e,
      )
      expect(err).toBeInstanceOf(StateError)
      expect((err as Error).message).toMatch(/connection pooler or proxy .*PgBouncer.* Give the backend the server's own address/)
      // Nothing of the backend's session reached a server connection the app's transactions then run on:
      // under "replica", the app's writes would fire no trigger (the snapshot's change tracking among them)
      // and check no foreign key.
      expect(await roleSeenThroughBouncer()).toEqual(['origin'])
    })
  }
})
