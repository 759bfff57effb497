import { StateError, branch, checkpoint, journey, path, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { describeWithService } from '@venomqa/test-utils'
import { afterEach, expect, it } from 'vitest'
import { pgProxyState } from '../src/index'
import { PG, createDatabase, dbName, dbUrl, dropDatabase, freezableRelay, startProxy, until, withClient, within } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)

describe('a database that stops answering (upstreamTimeoutMs)', () => {
  const cleanups: (() => Promise<unknown>)[] = []
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => {})
  })

  /** A database of this test's own with `items` (one row), behind a relay; dropped after the test. */
  async function itemsBehindRelay(suffix: string) {
    const db = dbName(suffix)
    await createDatabase(db)
    cleanups.push(() => dropDatabase(db))
    await withClient(dbUrl(db), (c) => c.query("CREATE TABLE items (id serial PRIMARY KEY, name text); INSERT INTO items (name) VALUES ('before')"))
    const relay = await freezableRelay()
    cleanups.push(() => relay.close())
    return { db, relay }
  }

  it("a checkpoint past the deadline fails saying what the database did not answer; the session is dropped, and what follows fails at once", async () => {
    const { db, relay } = await itemsBehindRelay('deadline')
    const proxy = await startProxy(db, { upstream: relay.url(db), upstreamTimeoutMs: 1000, connectTimeoutMs: 1000 })
    cleanups.push(() => proxy.stop())
    await proxy.checkpoint('a')
    await withClient(proxy.url, (c) => c.query("INSERT INTO items (name) VALUES ('during')"))
    const app = new (await import('pg')).default.Client({ connectionString: proxy.url })
    await app.connect()
    // Every error it emits is kept (the server's FATAL, then the end of the connection): the first says why.
    const appEnded = new Promise<Error>((resolve) => app.on('error', resolve))
    cleanups.push(() => app.end())

    relay.freeze()
    // Without the deadline this waits for ever (the socket stays open): `within` fails the test then.
    const failed = await within(proxy.checkpoint('b').catch((err: Error) => err), 'the checkpoint to fail')
    expect(failed).toBeInstanceOf(Error)
    expect((failed as Error).message).toBe('the database did not answer checkpoint "b" within 1000 ms (upstreamTimeoutMs), so the proxy dropped its session to it')
    await until(() => !!proxy.lost, 'the proxy to count its session lost')
    // Nothing waits on the database again: the next operations fail at once, saying why.
    await expect(within(proxy.rollback('a'), 'the rollback to fail', 100)).rejects.toThrow(
      'the upstream session is lost: the database did not answer checkpoint "b" within 1000 ms (upstreamTimeoutMs)',
    )
    await expect(within(proxy.query('SELECT 1'), 'the query to fail', 100)).rejects.toThrow('the upstream session is lost')
    // The app's open connection is ended, told why.
    expect((await within(appEnded, "the app's connection to end")).message).toContain('venomqa-pg-proxy lost its upstream session: the database did not answer checkpoint "b"')
    // Its session gone, PostgreSQL rolled the proxy's transaction back: nothing the app did through it stays.
    await within(
      (async () => {
        for (;;) {
          // The proxy's session was the one left on the database besides this one.
          const rows = await withClient(dbUrl(db), async (c) => (await c.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [db])).rows[0].n)
          if (rows === 0) return
          await new Promise((r) => setTimeout(r, 20))
        }
      })(),
      "PostgreSQL to end the proxy's session",
    )
    expect(await withClient(dbUrl(db), async (c) => (await c.query('SELECT name FROM items ORDER BY id')).rows.map((r) => r.name))).toEqual(['before'])
  })

  it("a checkpoint waiting for an app's statement that never gets its answer: the database is asked on a new connection, and taken as gone when it does not answer", async () => {
    const { db, relay } = await itemsBehindRelay('deadline_app')
    const proxy = await startProxy(db, { upstream: relay.url(db), upstreamTimeoutMs: 1000, connectTimeoutMs: 1000 })
    cleanups.push(() => proxy.stop())
    await proxy.checkpoint('a')
    const app = new (await import('pg')).default.Client({ connectionString: proxy.url })
    await app.connect()
    app.on('error', () => {})
    cleanups.push(() => app.end())
    relay.freeze()
    // The app's statement holds the session while it waits for an answer that never comes.
    const statement = app.query("INSERT INTO items (name) VALUES ('during')").catch((err: Error) => err)
    await until(() => proxy.lock.owner !== undefined, "the app's statement to hold the session")
    const failed = await within(proxy.checkpoint('b').catch((err: Error) => err), 'the checkpoint to fail')
    expect((failed as Error).message).toBe(
      'the upstream session is lost: the database did not answer: checkpoint "b" waited 1000 ms (upstreamTimeoutMs) for the app\'s connection that held the session, and a new connection got no answer within 1000 ms (connectTimeoutMs), so the proxy dropped its session to it',
    )
    expect(await within(statement, "the app's statement to fail")).toBeInstanceOf(Error)
  })

  it('a checkpoint waiting for a long statement of an app whose database answers waits on, however long', async () => {
    const { db, relay } = await itemsBehindRelay('deadline_long')
    const proxy = await startProxy(db, { upstream: relay.url(db), upstreamTimeoutMs: 500, connectTimeoutMs: 1000 })
    cleanups.push(() => proxy.stop())
    await withClient(proxy.url, async (app) => {
      // Three times the deadline: the database is asked whether it answers, says so, and the wait goes on.
      const statement = app.query('SELECT pg_sleep(1.6)')
      await until(() => proxy.lock.owner !== undefined, "the app's statement to hold the session")
      await proxy.checkpoint('b')
      await statement
    })
    expect(proxy.lost).toBeUndefined()
    expect(proxy.checkpoints).toEqual(['b'])
  })

  it('a statement of its own past the deadline on a database that answers, slowly: cancelled there, not left to run on', async () => {
    const { db, relay } = await itemsBehindRelay('deadline_slow')
    const proxy = await startProxy(db, { upstream: relay.url(db), upstreamTimeoutMs: 1000 })
    cleanups.push(() => proxy.stop())
    await expect(within(proxy.query('SELECT pg_sleep(60)'), 'the query to fail')).rejects.toThrow('the database did not answer a query within 1000 ms (upstreamTimeoutMs)')
    // Dropping the session alone leaves the server sleeping until it next writes to it, a minute on.
    const sleeping = () =>
      withClient(dbUrl(db), async (c) => (await c.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND query = 'SELECT pg_sleep(60)' AND state = 'active'", [db])).rows[0].n)
    await within(
      (async () => {
        while ((await sleeping()) > 0) await new Promise((r) => setTimeout(r, 20))
      })(),
      'the statement to be cancelled',
      10_000,
    )
  })

  it('the backend turns it into a StateError naming the backend; the rollback after it fails at once, and disconnect ends within the connect timeout', async () => {
    const { db, relay } = await itemsBehindRelay('deadline_backend')
    const backend = pgProxyState({ upstream: relay.url(db), upstreamTimeoutMs: 1000, connectTimeoutMs: 1000 }, () => {})
    await backend.connect()
    cleanups.push(() => backend.disconnect())
    await backend.checkpoint('base')
    relay.freeze()
    const failed = await within(backend.rollback('base').catch((err: unknown) => err), 'the rollback to fail')
    expect(failed).toBeInstanceOf(StateError)
    expect((failed as Error).message).toBe(
      `state backend "pg-proxy:${db}": rollback to "base" failed: the database did not answer the rollback to "base" within 1000 ms (upstreamTimeoutMs), so the proxy dropped its session to it`,
    )
    await expect(within(backend.release('base'), 'the release to fail', 100)).rejects.toThrow('the upstream session is lost')
    // The sequences cannot be put back over a new session to a database that does not answer: said once
    // the new session's connect timeout is over, not waited for any longer.
    await expect(within(backend.disconnect(), 'the disconnect to end')).rejects.toThrow(/could not put the sequences back where they stood at start \(no new session\): no answer from 127\.0\.0\.1:\d+ within 1000 ms/)
  })

  it('a run whose database stops answering mid-journey fails at the deadline with its reason; what follows fails at once, and the run closes', async () => {
    const { db, relay } = await itemsBehindRelay('deadline_run')
    const backend = pgProxyState({ upstream: relay.url(db), upstreamTimeoutMs: 1000, connectTimeoutMs: 1000 }, () => {})
    // pluginTimeout as by default (60 s): without the proxy's own deadline, the branch's rollback would wait
    // that long, and the test's timeout (20 s) fails it first.
    const runner = createRunner({ baseUrl: 'http://127.0.0.1:1', stateBackends: [backend], pluginTimeout: 60_000 })
    const write = step('write', async () => withClient(backend.url, (c) => c.query("INSERT INTO items (name) VALUES ('during')")))
    const stops = journey('stops_answering', {
      steps: [
        checkpoint('start'),
        branch('start', [path('paused', [write, step('database_pauses', () => relay.freeze())]), path('after', [write])]),
      ],
    })
    const later = journey('later', { steps: [checkpoint('again'), write] })
    try {
      const result = await runner.run([stops, later])
      expect(result.status).toBe('failed')
      const [first, second] = result.journeys
      const lost = `state backend "pg-proxy:${db}": rollback to "start" failed: the database did not answer the rollback to "start" within 1000 ms (upstreamTimeoutMs), so the proxy dropped its session to it`
      expect(first!.issues.map((i) => [i.step, i.severity, i.error])).toEqual([
        ['rollback start', 'critical', `rollback to checkpoint "start" failed, so the branch stops here rather than run on unknown state: ${lost}`],
        // Released at once, not after another wait: the session is known to be gone.
        ['release', 'medium', expect.stringContaining(`release "start" failed: the upstream session is lost: the database did not answer the rollback to "start"`)],
      ])
      // The next journey fails at its first checkpoint at once, told why, instead of waiting out pluginTimeout.
      expect(second!.status).toBe('failed')
      expect(second!.issues.map((i) => [i.step, i.severity, i.error])).toEqual([
        ['checkpoint again', 'critical', expect.stringContaining(`checkpoint "again" failed: the upstream session is lost: the database did not answer the rollback to "start"`)],
      ])
    } finally {
      await runner.close()
    }
  }, 20_000)
})
