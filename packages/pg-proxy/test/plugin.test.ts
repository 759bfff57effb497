import net from 'node:net'
import { ConfigError, type HealthCheck, StateError, type PluginApi, type StateBackend, isPlugin, parseOptions } from '@venomqa/core'
import { CLOSED_PORT, describeWithService } from '@venomqa/test-utils'
import { expect, it, describe as plain } from 'vitest'
import plugin, { PgProxy, PgProxyBackend, pgProxyState, pgProxyStateOptions, startControlServer } from '../src/index'
import { PG, createDatabase, dbName, dbUrl, dropDatabase, startProxy, until, withClient } from './helpers'

function fakeApi(options: Record<string, unknown>) {
  const registered = { backends: [] as StateBackend[], health: new Map<string, HealthCheck>(), closers: [] as (() => unknown)[] }
  const api: PluginApi<any> = {
    // Checked and defaulted by the schema, as the runner does before setup.
    options: parseOptions(pgProxyStateOptions, options, 'plugins[0]'),
    root: process.cwd(),
    log: { info() {}, warn() {}, debug() {} },
    addReporter() {},
    addPort() {},
    addStateBackend: (b) => registered.backends.push(b as StateBackend),
    addHook() {},
    addInvariant() {},
    addHealthCheck: (name, check) => registered.health.set(name, check),
    onClose: (fn) => registered.closers.push(fn),
  }
  return { api, registered }
}

plain('options', () => {
  it('the default export is a plugin of API version 1; the backend says proxy and not parallel-safe', () => {
    expect(isPlugin(plugin)).toBe(true)
    expect(plugin.name).toBe('@venomqa/pg-proxy')
    expect(plugin.apiVersion).toBe(1)
    const backend = pgProxyState({ upstream: 'postgres://u@h/shop' })
    expect(backend).toBeInstanceOf(PgProxyBackend)
    expect([backend.name, backend.mechanism, backend.parallelSafe]).toEqual(['pg-proxy:shop', 'proxy', false])
    // What a run quit mid-journey leaves is rolled back when its process goes (control.test, cli.test): the CLI says so.
    expect(backend.undoesOpenCheckpointsWhenLetGo).toBe(true)
    expect(backend.leftWhenQuit).toBe(false)
    expect(pgProxyState({ control: 'http://127.0.0.1:6544' }).undoesOpenCheckpointsWhenLetGo).toBe(true)
    // A quit whose letGo did not finish stopping the proxy here says the sequences stay; a standalone one puts them back itself.
    expect(backend.leftWhenLetGoFails).toMatch(/^leaves the sequences where the app moved them .*: setval them back if the ids matter$/)
    expect(pgProxyState({ control: 'http://127.0.0.1:6544' }).leftWhenLetGoFails).toBeUndefined()
  })

  it('mistakes are one ConfigError naming each key, as plugins[N].key from a config; passwords never quoted', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'pgProxyState().upstream: give exactly one of `upstream` (the database: the proxy starts here) and `control` (drive a running venomqa-pg-proxy)'],
      [{ upstream: 'postgres://u@h/db', control: 'http://127.0.0.1:1' }, 'pgProxyState().upstream: give exactly one of'],
      // `${DATABASE_URL}` with the variable unset: no value, so the other one is asked for.
      [{ upstream: '', control: '' }, 'pgProxyState().upstream: give exactly one of'],
      [{ upstream: 'mysql://root:s3cret@h/db' }, 'pgProxyState().upstream: expected a postgres:// or postgresql:// URL, got "mysql://root:***@h/db"'],
      [{ upstream: 'postgres://u:s3cret@h/db?sslmode=require' }, 'pgProxyState().upstream: sslmode=require in the upstream URL asks for TLS'],
      // An unencoded `#` or `/` in the password: read as written, `ss` would be the host; `p#s3cret@h` does not even parse.
      [{ upstream: 'postgres://u:p@ss#s3cret@h/db' }, 'pgProxyState().upstream: reads as a URL with part of its password as the host: percent-encode a "#", "/", "?" or "@" in the user name or password ("#" as %23, "/" as %2F, "?" as %3F, "@" as %40)'],
      [{ upstream: 'postgres://u:p#s3cret@h/db' }, 'pgProxyState().upstream: reads as a URL with part of its password as the host: percent-encode'],
      [{ upstream: 'postgres://u:12/s3cret@h/db' }, 'pgProxyState().upstream: reads as a URL with part of its password as the host: percent-encode'],
      [{ control: 'localhost:6544' }, `pgProxyState().control: expected the proxy's control URL, e.g. http://127.0.0.1:6544, got "localhost:6544"`],
      [{ upstream: 'postgres://u@h/db', listen: 'nowhere' }, 'pgProxyState().listen: expected host:port, got "nowhere"'],
      [{ upstream: 'postgres://u@h/db', listen: ':70000' }, 'pgProxyState().listen: port 70000 is out of range'],
      [{ upstream: 'postgres://u@h/db', password: '' }, 'pgProxyState().password: expected a non-empty string'],
      [{ upstream: 'postgres://u@h/db', idleInTransactionTimeoutMs: 0 }, 'pgProxyState().idleInTransactionTimeoutMs: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got 0'],
      [{ upstream: 'postgres://u@h/db', connectTimeoutMs: '5s' }, 'pgProxyState().connectTimeoutMs: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got "5s"'],
      // A fraction, or more than a timer keeps (which then fires at once), was taken.
      [{ upstream: 'postgres://u@h/db', idleInTransactionTimeoutMs: 2.5 }, 'pgProxyState().idleInTransactionTimeoutMs: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got 2.5'],
      [{ upstream: 'postgres://u@h/db', connectTimeoutMs: 2_147_483_648 }, 'pgProxyState().connectTimeoutMs: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got 2147483648'],
      [{ upstream: 'postgres://u@h/db', upstreamTimeoutMs: -1 }, 'pgProxyState().upstreamTimeoutMs: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got -1'],
      [{ control: 'http://127.0.0.1:6544', upstreamTimeoutMs: 5000 }, 'pgProxyState().upstreamTimeoutMs: applies to a proxy the run starts (`upstream`); a venomqa-pg-proxy started on its own takes --upstream-timeout'],
      [{ upstream: 'postgres://u@h/db', mechanism: 'proxy' }, 'pgProxyState().mechanism: unknown option'],
    ]
    for (const [options, message] of cases) {
      let err: unknown
      try {
        pgProxyState(options as never)
      } catch (e) {
        err = e
      }
      expect(err, JSON.stringify(options)).toBeInstanceOf(ConfigError)
      expect((err as Error).message, JSON.stringify(options)).toContain(message)
      expect((err as Error).message).not.toContain('s3cret')
      // What the user wrote is said once: a message of the schema does not quote it as well.
      expect((err as Error).message).not.toMatch(/, got .*, got /)
    }
    // From a config, the runner checks them before setup: the key as the user wrote it, with a suggestion.
    expect(() => parseOptions(plugin.options!, { upstream: 'postgres://u@h/db', conectTimeoutMs: 100 }, 'plugins[2]')).toThrow(
      'plugins[2].conectTimeoutMs: unknown option (did you mean "connectTimeoutMs"?)',
    )
  })

  it('PgProxy, used without the schema, refuses a timeout its timers cannot keep (0 would fail every operation at once)', () => {
    for (const [key, value] of [['upstreamTimeoutMs', 0], ['connectTimeoutMs', 2_147_483_648], ['idleInTransactionTimeoutMs', 1.5]] as const)
      expect(() => new PgProxy({ upstream: 'postgres://u@h/db', [key]: value }), key).toThrow(`${key}: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got ${value}`)
  })

  it('defaults: any free loopback port, 5 s timeouts (30 s for the database to answer); an empty upstream or control is no value', () => {
    expect(parseOptions(pgProxyStateOptions, { upstream: 'postgres://u@h/db' }, 'x')).toEqual({
      upstream: 'postgres://u@h/db',
      control: undefined,
      host: '127.0.0.1',
      port: 0,
      idleInTransactionTimeoutMs: 5000,
      connectTimeoutMs: 5000,
      upstreamTimeoutMs: 30_000,
    })
    expect(parseOptions(pgProxyStateOptions, { control: 'http://127.0.0.1:6544', upstream: '', listen: '[::1]:6543' }, 'x')).toMatchObject({
      upstream: undefined,
      control: 'http://127.0.0.1:6544',
      host: '::1',
      port: 6543,
    })
  })

  it('two entries of the plugin whose backends share a name are refused at setup, naming both entries; `name` tells them apart', async () => {
    const { createRunner } = await import('@venomqa/runner')
    const setup = async (entries: Record<string, unknown>[]) => {
      const runner = createRunner({ plugins: entries.map((options) => [plugin, options] as const) as never })
      try {
        await runner.init()
        return runner.registry.stateBackends.map((b) => b.name)
      } catch (err) {
        return (err as Error).message
      } finally {
        await runner.close()
      }
    }
    // Two proxies started with venomqa-pg-proxy, both `pg-proxy:control`.
    expect(await setup([{ control: 'http://127.0.0.1:6544' }, { control: 'http://127.0.0.1:6545' }])).toMatch(
      /^plugins\[0\] and plugins\[1\] both set up @venomqa\/pg-proxy with a state backend named "pg-proxy:control": .*; set `name` on one of them/,
    )
    // Two proxies in front of one database (the password never quoted).
    const both = await setup([{ upstream: 'postgres://u:s3cret@127.0.0.1/shop' }, { upstream: 'postgres://u:s3cret@127.0.0.1:5433/shop' }])
    expect(both).toMatch(/^plugins\[0\] and plugins\[1\] both set up @venomqa\/pg-proxy with a state backend named "pg-proxy:shop"/)
    expect(both).not.toContain('s3cret')
    expect(await setup([{ control: 'http://127.0.0.1:6544' }, { control: 'http://127.0.0.1:6545', name: 'pg-proxy:orders' }])).toEqual(['pg-proxy:control', 'pg-proxy:orders'])
  })
})

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)

describe('plugin setup and health check (what `venomqa doctor` runs)', () => {
  it('registers one backend, its health check and a close hook; the check says why a server or proxy is down, never the password', async () => {
    const { api, registered } = fakeApi({ upstream: dbUrl('postgres'), name: 'main-db' })
    await plugin.setup!(api)
    expect(registered.backends.map((b) => [b.name, b.mechanism])).toEqual([['main-db', 'proxy']])
    expect(await registered.health.get('main-db')!()).toBe(true)
    await registered.closers[0]!()
    const down = fakeApi({ upstream: `postgres://u:up@s3cret@127.0.0.1:${CLOSED_PORT}/x`, connectTimeoutMs: 1000 })
    await plugin.setup!(down.api)
    const downReason = await [...down.registered.health.values()][0]!()
    expect(downReason).toMatch(new RegExp(`^cannot connect to postgres://u:\\*\\*\\*@127\\.0\\.0\\.1:${CLOSED_PORT}/x: .*ECONNREFUSED`))
    expect(downReason).not.toMatch(/s3cret/)
    const noProxy = fakeApi({ control: `http://127.0.0.1:${CLOSED_PORT}` })
    await plugin.setup!(noProxy.api)
    expect(await [...noProxy.registered.health.values()][0]!()).toMatch(
      // The reason is the system's, from the error's cause: port 1 is on fetch's "bad ports" list, and is asked all the same.
      new RegExp(`^no venomqa-pg-proxy answers at http://127\\.0\\.0\\.1:${CLOSED_PORT}: connect ECONNREFUSED 127\\.0\\.0\\.1:${CLOSED_PORT}$`),
    )
  })

  it('the health check of a standalone proxy no client has connected through warns, naming the URL the app must use; the check is no client itself', async () => {
    const db = dbName('never_connected')
    await createDatabase(db)
    const proxy = await startProxy(db, { password: 's3cret' })
    const control = await startControlServer(proxy, '127.0.0.1', 0)
    try {
      const { api, registered } = fakeApi({ control: control.url })
      await plugin.setup!(api)
      const check = [...registered.health.values()][0]!
      const warning = {
        warning: `no client has connected through the venomqa-pg-proxy at 127.0.0.1:${proxy.port} yet: an app still pointed at the database itself commits for real, and no rollback undoes it. Start the app with DATABASE_URL=postgres://postgres:***@127.0.0.1:${proxy.port}/${db} (*** being the password the proxy was given, its --password or VENOMQA_PG_PROXY_PASSWORD); an app whose pool connects at its first query is counted once it has served one`,
      }
      expect(await check()).toEqual(warning)
      // Asked over the control port, never through the proxy's PostgreSQL port: asked again, it still warns.
      expect(await check()).toEqual(warning)
      expect(proxy.stats.connections).toBe(0)
      // A warning, not a failure: the proxy and its database work.
      expect(await pgProxyState({ control: control.url }).healthCheck()).toBe(true)
      await withClient(proxy.url.replace('postgres@', 'postgres:s3cret@'), (c) => c.query('SELECT 1'))
      expect(await check()).toBe(true)
    } finally {
      await control.close()
      await proxy.stop()
      await dropDatabase(db)
    }
  })

  it('the health check of a standalone proxy that lost its upstream session says so', async () => {
    const proxy = await startProxy('postgres')
    const control = await startControlServer(proxy, '127.0.0.1', 0)
    try {
      const { api, registered } = fakeApi({ control: control.url })
      await plugin.setup!(api)
      const check = [...registered.health.values()][0]!
      // An app connected through it: healthy until the session goes.
      await withClient(proxy.url, (c) => c.query('SELECT 1'))
      expect(await check()).toBe(true)
      await withClient(dbUrl('postgres'), (c) => c.query('SELECT pg_terminate_backend($1)', [proxy.upstream.pid]))
      await until(() => !!proxy.lost, 'the proxy notices its session is gone')
      expect(await check()).toMatch(/^the venomqa-pg-proxy at http:\/\/127\.0\.0\.1:\d+ lost its upstream session: terminating connection due to administrator command/)
    } finally {
      await control.close()
      await proxy.stop()
    }
  })

  /** A database of this test's own holding `items` (one row, its sequence at 1), dropped after `fn`. */
  async function withItems(suffix: string, fn: (db: string) => Promise<void>): Promise<void> {
    const db = dbName(suffix)
    await createDatabase(db)
    try {
      await withClient(dbUrl(db), (c) => c.query("CREATE TABLE items (id serial PRIMARY KEY, name text); INSERT INTO items (name) VALUES ('before')"))
      await fn(db)
    } finally {
      await dropDatabase(db)
    }
  }

  /** A run mid-journey on `db`: the proxy in this process, a checkpoint, then two rows written through it. */
  async function midJourney(db: string): Promise<PgProxyBackend> {
    const backend = pgProxyState({ upstream: dbUrl(db) }, () => {})
    await backend.connect()
    await backend.checkpoint('base')
    await withClient(backend.url, (c) => c.query("INSERT INTO items (name) VALUES ('during'), ('during')"))
    return backend
  }

  it("letGo (a quit run's) ends the proxy in this process: the rows and the sequences are as before it started, where the end of its session left the sequences moved", () =>
    withItems('let_go', async (db) => {
      const state = () =>
        withClient(dbUrl(db), async (c) => [(await c.query('SELECT name FROM items ORDER BY id')).rows.map((r) => r.name), (await c.query('SELECT last_value FROM items_id_seq')).rows[0].last_value])
      expect(await state()).toEqual([['before'], '1'])
      // What the process going does on its own: the session ends, PostgreSQL rolls its transaction back.
      const proxy = (await midJourney(db)).proxy!
      await proxy.upstream.close()
      expect(await state()).toEqual([['before'], '3'])
      await proxy.stop()
      await (await midJourney(db)).letGo()
      expect(await state()).toEqual([['before'], '1'])
    }))

  it("letGo while the run's disconnect is stopping the proxy waits for that stop: the sequences are back when it resolves", () =>
    withItems('let_go_closing', async (db) => {
      const backend = await midJourney(db)
      // Connected first, so that reading the sequence right after letGo takes one round trip, no more.
      await withClient(dbUrl(db), async (c) => {
        // A second Ctrl-C during the run's close: the disconnect has taken the proxy and is stopping it.
        const closing = backend.disconnect()
        await backend.letGo()
        const afterLetGo = (await c.query('SELECT last_value FROM items_id_seq')).rows[0].last_value
        await closing
        expect(afterLetGo).toBe('1')
      })
    }))

  it('a second stop of the proxy resolves only once the first has finished', async () => {
    const db = dbName('stop_twice')
    await createDatabase(db)
    try {
      await withClient(dbUrl(db), (c) => c.query('CREATE TABLE items (id serial PRIMARY KEY)'))
      const proxy = await startProxy(db)
      await withClient(proxy.url, (c) => c.query('INSERT INTO items DEFAULT VALUES'))
      const order: string[] = []
      const first = proxy.stop().then(() => order.push('first'))
      await proxy.stop()
      order.push('second')
      await first
      expect(order).toEqual(['first', 'second'])
      expect(await withClient(dbUrl(db), async (c) => (await c.query('SELECT last_value, is_called FROM items_id_seq')).rows[0])).toEqual({ last_value: '1', is_called: false })
    } finally {
      await dropDatabase(db)
    }
  })

  it('letGo of a backend that drives a standalone proxy, or that never connected, does nothing', async () => {
    await pgProxyState({ control: `http://127.0.0.1:${CLOSED_PORT}` }, () => {}).letGo()
    await pgProxyState({ upstream: dbUrl('postgres') }, () => {}).letGo()
  })

  it('a proxy that cannot start names the upstream with its whole password masked', async () => {
    const backend = pgProxyState({ upstream: `postgres://u:up@s3cret@127.0.0.1:${CLOSED_PORT}/x`, connectTimeoutMs: 1000 }, () => {})
    const err = await backend.connect().catch((e: Error) => e)
    expect((err as Error).message).toMatch(new RegExp(`cannot start the proxy in front of postgres://u:\\*\\*\\*@127\\.0\\.0\\.1:${CLOSED_PORT}/x: `))
    expect((err as Error).message).not.toMatch(/s3cret/)
  })

  it('a listen port in use names the `listen` option and the port and says what to do; never the password', async () => {
    const taken = net.createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    const port = (taken.address() as net.AddressInfo).port
    try {
      const backend = pgProxyState({ upstream: dbUrl('postgres').replace('postgres://postgres@', 'postgres://postgres:s3cret@'), listen: `127.0.0.1:${port}` }, () => {})
      const err = await backend.connect().catch((e: Error) => e)
      expect(err).toBeInstanceOf(StateError)
      expect((err as Error).message).toMatch(
        new RegExp(
          `^state backend "pg-proxy:postgres": cannot start the proxy in front of postgres://postgres:\\*\\*\\*@.*: \`listen\` 127\\.0\\.0\\.1:${port} is in use: listen EADDRINUSE.*; stop what listens there, or give \`listen\` another port \\(or leave \`listen\` out for any free port: the backend's \`url\` says which\\)$`,
        ),
      )
      expect((err as Error).message).not.toContain('s3cret')
      // Nothing it started stays behind: the same port, once free, takes the proxy.
      await new Promise<void>((resolve) => taken.close(() => resolve()))
      await backend.connect()
      expect(backend.url).toContain(`:${port}/`)
      await backend.disconnect()
    } finally {
      taken.close()
    }
  })

  it('a rollback before connect, or to an unknown checkpoint, is a StateError that says so', async () => {
    const backend = pgProxyState({ upstream: dbUrl('postgres') }, () => {})
    await expect(backend.rollback('x')).rejects.toThrow(/not connected: call connect\(\) first/)
    await backend.connect()
    try {
      await expect(backend.rollback('x')).rejects.toThrow(/rollback to "x" failed: no checkpoint "x" \(open: none\)/)
    } finally {
      await backend.disconnect()
    }
  })
})
