import { ConfigError, PLUGIN_API_VERSION, type HealthCheck, type PluginApi, type StateBackend, isPlugin, parseOptions } from '@venomqa/core'
import { CLOSED_PORT, describeWithService } from '@venomqa/test-utils'
import { expect, it, describe as plain } from 'vitest'
import plugin, { PostgresSavepointBackend, PostgresSnapshotBackend, PostgresTemplateBackend, maskUrl, postgresState, postgresStateOptions } from '../src/index'
import { PG, dbUrl } from './helpers'

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
  })

  it('mistakes in options are one ConfigError naming each key, passwords masked', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{}, "postgresState().url: is required, e.g. url: '${DATABASE_URL}'"],
      [{ url: 'mysql://root:s3cret@h/db' }, 'postgresState().url: expected a postgres:// or postgresql:// URL, got "mysql://[REDACTED]@h/db"'],
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

  it('never shows a password', () => {
    expect(maskUrl('postgres://app:s3cret@db:5432/shop?sslmode=require')).toBe('postgres://app:***@db:5432/shop?sslmode=require')
    expect(maskUrl('postgres://app@db/shop?password=s3cret')).toBe('postgres://app@db/shop?password=***')
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
})
