import { ConfigError, type HealthCheck, type PluginApi, type StateBackend, isPlugin } from '@venomqa/core'
import { CLOSED_PORT, describeWithService } from '@venomqa/test-utils'
import { expect, it, describe as plain } from 'vitest'
import plugin, { PgProxyBackend, pgProxyState } from '../src/index'
import { PG, dbUrl } from './helpers'

function fakeApi(options: Record<string, unknown>) {
  const registered = { backends: [] as StateBackend[], health: new Map<string, HealthCheck>(), closers: [] as (() => unknown)[] }
  const api: PluginApi<any> = {
    options,
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
  })

  it('mistakes are ConfigErrors that name the key', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{}, /give exactly one of `upstream`.*and `control`/],
      [{ upstream: 'postgres://u@h/db', control: 'http://127.0.0.1:1' }, /give exactly one of/],
      [{ upstream: 'mysql://u@h/db' }, /`upstream` must be a postgres:\/\/ or postgresql:\/\/ URL/],
      [{ control: 'localhost:6544' }, /`control` must be the proxy's control URL/],
      [{ upstream: 'postgres://u@h/db', listen: 'nowhere' }, /`listen`: expected host:port/],
      [{ upstream: 'postgres://u@h/db', idleInTransactionTimeoutMs: 0 }, /`idleInTransactionTimeoutMs` must be a positive number/],
      [{ upstream: 'postgres://u@h/db', mechanism: 'proxy' }, /unknown option `mechanism`/],
    ]
    for (const [options, message] of cases) {
      const err = (() => {
        try {
          plugin.setup!(fakeApi(options).api)
        } catch (e) {
          return e
        }
      })()
      expect(err, JSON.stringify(options)).toBeInstanceOf(ConfigError)
      expect((err as Error).message).toMatch(message)
    }
  })
})

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)

describe('plugin setup and health check (what `venomqa doctor` runs)', () => {
  it('registers one backend, its health check and a close hook; the check answers false for a dead server or proxy', async () => {
    const { api, registered } = fakeApi({ upstream: dbUrl('postgres'), name: 'main-db' })
    await plugin.setup!(api)
    expect(registered.backends.map((b) => [b.name, b.mechanism])).toEqual([['main-db', 'proxy']])
    expect(await registered.health.get('main-db')!()).toBe(true)
    await registered.closers[0]!()
    const down = fakeApi({ upstream: `postgres://u@127.0.0.1:${CLOSED_PORT}/x`, connectTimeoutMs: 1000 })
    await plugin.setup!(down.api)
    expect(await [...down.registered.health.values()][0]!()).toBe(false)
    const noProxy = fakeApi({ control: `http://127.0.0.1:${CLOSED_PORT}` })
    await plugin.setup!(noProxy.api)
    expect(await [...noProxy.registered.health.values()][0]!()).toBe(false)
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
