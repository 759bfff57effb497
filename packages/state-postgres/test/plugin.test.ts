import { ConfigError, PLUGIN_API_VERSION, type HealthCheck, type PluginApi, type StateBackend, isPlugin, parseOptions, redactText } from '@venomqa/core'
import { CLOSED_PORT, describeWithService } from '@venomqa/test-utils'
import { expect, it, describe as plain } from 'vitest'
import plugin, { PostgresSavepointBackend, PostgresSnapshotBackend, PostgresTemplateBackend, maskUrl, postgresState, postgresStateOptions, postgresWorkers } from '../src/index'
import { createRunner } from '@venomqa/runner'
import { definePlugin } from '@venomqa/core'
import { PG, createDatabase, dbUrl, dropDatabase, withClient } from './helpers'

/** A PluginApi that records what setup registers (the runner's own registry is tested in the runner). */
function fakeApi(options: Record<string, unknown>) {
  const registered = { backends: [] as StateBackend[], health: new Map<string, HealthCheck>(), closers: [] as (() => unknown)[] }
  const api: PluginApi<any> = {
    // Checked and defaulted by the schema, as the runner does before setup.
    options: parseOptions(postgresStateOptions, options, 'plugins[0]'),
    root: process.cwd(),
    log: { info() {}, warn() {}, debug() {} },
    addReporter() {},
    addPort() {},
    addStateBackend: (b) => registered.backends.push(b as StateBackend),
    addHook() {},
    addHealthCheck: (name, check) => registered.health.set(name, check),
    onClose: (fn) => registered.closers.push(fn),
    addInvariant() {},
  }
  return { api, registered }
}

plain('options', () => {
  it('the default export is a plugin for this API version', () => {
    expect(isPlugin(plugin)).toBe(true)
    expect(plugin.name).toBe('@venomqa/state-postgres')
    expect(plugin.apiVersion).toBe(PLUGIN_API_VERSION)
    expect(plugin.version).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('picks the backend class from `mechanism`', () => {
    const url = 'postgres://u@h/db'
    expect(postgresState({ url })).toBeInstanceOf(PostgresSnapshotBackend)
    expect(postgresState({ connectionString: url, mechanism: 'savepoint' })).toBeInstanceOf(PostgresSavepointBackend)
    expect(postgresState({ url, mechanism: 'template' })).toBeInstanceOf(PostgresTemplateBackend)
    expect(postgresState({ url }).name).toBe('postgres:db')
    expect(postgresState({ url, name: 'orders-db' }).name).toBe('orders-db')
    // What a quit run says each leaves until the next run connects.
    expect(postgresState({ url }).leftWhenQuit).toBe("keeps its tracking in the database (schema _venomqa, with triggers on the app's tables)")
    expect(postgresState({ url, mechanism: 'template' }).leftWhenQuit).toBe(
      'keeps its checkpoint copies (databases db_vqcp_<n>, or vq_<hash>_cp_<n> for a long name), and db_vqold, the database its last rollback replaced, if its drop had not finished',
    )
    expect(postgresState({ url, mechanism: 'savepoint' }).leftWhenQuit).toBe(false)
  })

  it('mistakes in options are one ConfigError naming each key, passwords masked', () => {
    const cases: [Record<string, unknown>, string][] = [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own ${VAR} syntax, as the message shows it
      [{}, "postgresState().url: is required, e.g. url: '${DATABASE_URL}' or 'postgres://127.0.0.1:5432/app'"],
      [{ url: 'mysql://root:s3cret@h/db' }, 'postgresState().url: expected a postgres:// or postgresql:// URL, got "mysql://root:***@h/db"'],
      [{ url: 'postgres://u@h/db', mechanism: 'dump' }, 'postgresState().mechanism: expected one of snapshot, savepoint, template, got "dump"'],
      [{ url: 'postgres://u@h/db', tables: 'users' }, 'postgresState().tables: expected a list of non-empty table names, got "users"'],
      [{ url: 'postgres://u@h/db', tables: [] }, 'postgresState().tables: expected at least one table'],
      [{ url: 'postgres://u@h/db', schema: ['x'] }, 'postgresState().schema: unknown option'],
      [{ url: 'postgres://u@h/db', lockTimeoutMs: -1 }, 'postgresState().lockTimeoutMs: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got -1'],
      [{ url: 'postgres://u@h/db', lockTimeoutMs: 2.5 }, 'postgresState().lockTimeoutMs: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got 2.5'],
      [{ url: 'postgres://u@h/db', connectTimeoutMs: 2_147_483_648 }, 'postgresState().connectTimeoutMs: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got 2147483648'],
    ]
    for (const [options, message] of cases) {
      let err: unknown
      try {
        postgresState(options as never)
      } catch (e) {
        err = e
      }
      expect(err, JSON.stringify(options)).toBeInstanceOf(ConfigError)
      expect((err as Error).message).toContain(message)
      expect((err as Error).message).not.toContain('s3cret')
    }
  })

  it('the example URL of a missing url reaches the user whole: the CLI redacts every message it prints', () => {
    let err: unknown
    try {
      postgresState({} as never)
    } catch (e) {
      err = e
    }
    const message = (err as Error).message
    expect(message).toContain("e.g. url: '")
    expect(redactText(message)).toBe(message)
  })

  it('a password with an unencoded "#", "/" or "?" is refused at its key, saying what to write and no piece of it', () => {
    // Each would be read with a piece of the password as its host (`LEAK1` at ss:5432), or not parse at all.
    const unencoded = [
      'postgres://u:p@ss#LEAK1@127.0.0.1/db',
      'postgres://u:p#LEAK2@127.0.0.1/db',
      'postgresql://u:12/LEAK3@127.0.0.1:5432/db',
      'postgres://u:p?LEAK4@127.0.0.1/db',
      'postgres://u:p@s#x=LEAK5@127.0.0.1/db?sslmode=disable',
      'postgres://u:p@ss/LEAK6@127.0.0.1/db',
    ]
    for (const url of unencoded)
      for (const key of ['url', 'connectionString']) {
        let err: unknown
        try {
          postgresState({ [key]: url })
        } catch (e) {
          err = e
        }
        expect(err, url).toBeInstanceOf(ConfigError)
        const message = (err as Error).message
        expect(message, url).toContain(
          `postgresState().${key}: reads as a URL with part of its password as the host: percent-encode a "#", "/", "?" or "@" in the user name or password ("#" as %23, "/" as %2F, "?" as %3F, "@" as %40)`,
        )
        expect(message, url).not.toContain('LEAK')
        expect(message, url).not.toContain('127.0.0.1')
      }
    // So is the main database of postgresWorkers.
    expect(() => postgresWorkers({ url: unencoded[0]!, startApp: async () => ({ baseUrl: 'http://127.0.0.1:9', close: async () => {} }) })).toThrow(
      /^postgresWorkers: `url` reads as a URL with part of its password as the host: percent-encode a "#"/,
    )
    // Written as the message says, each is what was meant; an `@` alone parses as it is, and so does one in a query or a database name.
    for (const url of [
      'postgres://u:p%40ss%23LEAK1@127.0.0.1/db',
      'postgres://u:p@ss@127.0.0.1/db',
      'postgres://127.0.0.1/db?user=ada@corp',
      'postgres://127.0.0.1/team@corp',
      'postgres://u:pw@127.0.0.1/db?application_name=a@b#x',
    ])
      expect(() => postgresState({ url }), url).not.toThrow()
  })

  it('never shows a password', () => {
    expect(maskUrl('postgres://app:s3cret@db:5432/shop?sslmode=require')).toBe('postgres://app:***@db:5432/shop?sslmode=require')
    // A password with an @ and a / in it, which a URL parser reads as a host and a path: masked whole.
    expect(maskUrl('postgres://app:p@ss/w@rd@db/shop')).toBe('postgres://app:***@db/shop')
    expect(maskUrl('postgres://app@db/shop?password=s3cret')).toBe('postgres://app@db/shop?password=[REDACTED]')
  })
})

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)

describe('plugin setup', () => {
  it('registers one backend with the chosen mechanism, a health check, and a close hook', async () => {
    const { api, registered } = fakeApi({ url: dbUrl('postgres'), mechanism: 'template', name: 'main-db' })
    await plugin.setup!(api)
    expect(registered.backends.map((b) => [b.name, b.mechanism])).toEqual([['main-db', 'template']])
    expect([...registered.health.keys()]).toEqual(['main-db'])
    expect(await registered.health.get('main-db')!()).toBe(true)
    expect(registered.closers).toHaveLength(1)
    await registered.closers[0]!() // disconnect of a backend never connected: nothing to do

    const port = CLOSED_PORT
    const down = fakeApi({ url: `postgres://u:p@127.0.0.1:${port}/x`, connectTimeoutMs: 1000 })
    await plugin.setup!(down.api)
    // doctor shows why: the refused connection, with the password masked.
    const why = await [...down.registered.health.values()][0]!()
    expect(why).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}.*(ECONNREFUSED|refused)`, 'i'))
    expect(why).not.toContain('u:p@')
  })

  it('a password percent-encoded as the refusal says is read whole: the URL reaches its database', async () => {
    // The server trusts local connections, so any password opens it: what counts is that host and database are the URL's.
    const { api, registered } = fakeApi({ url: 'postgres://postgres:p%40ss%23word1@127.0.0.1:5432/postgres', name: 'encoded' })
    await plugin.setup!(api)
    expect(await registered.health.get('encoded')!()).toBe(true)
    await registered.closers[0]!()
  })
})

describe('names of the options the database does not have', () => {
  it('a schema, table or excluded table the database has nothing of is a config mistake at its key (exit 2), for every mechanism, and in doctor', async () => {
    const db = 'venomqa_pg_option_names'
    const url = await createDatabase(db, 'CREATE SCHEMA sales; CREATE TABLE users (id serial PRIMARY KEY); CREATE TABLE todos (id serial PRIMARY KEY); CREATE TABLE sales.orders (id int)')
    try {
      const cases = [
        [{ tables: ['users', 'todoz'] }, 'plugins[1].tables[1]', '"todoz" in `tables` is not a table of database "venomqa_pg_option_names" (did you mean "todos"? its tables: todos, users)'],
        [{ exclude: ['nothing_like_it'] }, 'plugins[1].exclude[0]', '"nothing_like_it" in `exclude` is not a table of database "venomqa_pg_option_names" (its tables: todos, users)'],
        [{ tables: ['sales.ordrs'] }, 'plugins[1].tables[0]', '"sales.ordrs" in `tables` is not a table of database "venomqa_pg_option_names" (did you mean "sales.orders"? its tables: todos, users, sales.orders)'],
        [{ schemas: ['public', 'sale'] }, 'plugins[1].schemas[1]', '"sale" in `schemas` is not a schema of database "venomqa_pg_option_names" (did you mean "sales"? its schemas: public, sales)'],
      ] as const
      for (const mechanism of ['snapshot', 'savepoint', 'template'] as const)
        for (const [options, where, message] of cases) {
          const first = definePlugin({ name: 'first', version: '1.0.0', apiVersion: 1 })
          const runner = createRunner({ plugins: [first, [plugin, { url, mechanism, ...options }]] })
          const error = await runner.run([]).catch((e) => e)
          // venomqa doctor asks the plugin's health check: the same mistake, at the same key.
          const [check] = runner.registry.healthChecks.values()
          const told = await Promise.resolve(check!()).catch((e: unknown) => e as ConfigError)
          await runner.close()
          expect(error, `${mechanism} ${where}`).toBeInstanceOf(ConfigError)
          expect(error.message).toBe(`state backend "postgres:venomqa_pg_option_names": ${message}`)
          expect(error.where).toBe(where)
          expect(told, `doctor: ${mechanism} ${where}`).toBeInstanceOf(ConfigError)
          expect((told as ConfigError).message).toBe(error.message)
          expect((told as ConfigError).where).toBe(where)
        }
      // Nothing of a refused connect stays behind.
      const left = await withClient(url, async (c) => (await c.query("SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = '_venomqa'")).rows[0].n)
      expect(left).toBe(0)
    } finally {
      await dropDatabase(db)
    }
  })
})

