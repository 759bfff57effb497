import { ConfigError, PLUGIN_API_VERSION, type PluginApi, type StateBackend } from '@venomqa/core'
import { describeWithService } from '@venomqa/test-utils'
import { expect, it } from 'vitest'
import plugin, { MysqlSavepointBackend, MysqlSnapshotBackend, type MysqlStateOptions, maskUrl, mysqlState } from '../src'
import { HOST, PORT, urlFor } from './helpers'

/** What setup() registered, through a PluginApi that records the calls. */
async function setup(options: unknown) {
  const backends: StateBackend[] = []
  const checks = new Map<string, () => Promise<boolean>>()
  const api = {
    options,
    root: process.cwd(),
    log: { info() {}, warn() {}, debug() {} },
    addStateBackend: (b: StateBackend) => backends.push(b),
    addHealthCheck: (name: string, fn: () => Promise<boolean>) => checks.set(name, fn),
    addReporter() {},
    addPort() {},
    addHook() {},
    onClose() {},
  } as unknown as PluginApi<MysqlStateOptions>
  await plugin.setup!(api)
  return { backends, checks }
}

const describe = await describeWithService('MariaDB', HOST, PORT)

describe('the plugin', () => {
  it('is a plugin of the current API version that registers a snapshot backend and a health check', async () => {
    expect(plugin).toMatchObject({ name: '@venomqa/state-mysql', apiVersion: PLUGIN_API_VERSION })
    const { backends, checks } = await setup({ url: urlFor('test') })
    expect(backends).toHaveLength(1)
    expect(backends[0]).toBeInstanceOf(MysqlSnapshotBackend)
    expect(backends[0]).toMatchObject({ name: 'mysql', mechanism: 'snapshot', parallelSafe: false })
    expect(await checks.get('mysql')!()).toBe(true)
  })

  it('registers a savepoint backend under its own name when asked', async () => {
    const { backends, checks } = await setup({ url: urlFor('test'), mechanism: 'savepoint', name: 'orders-db' })
    expect(backends[0]).toBeInstanceOf(MysqlSavepointBackend)
    expect(backends[0]).toMatchObject({ name: 'orders-db', mechanism: 'savepoint' })
    expect([...checks.keys()]).toEqual(['orders-db'])
  })

  it('rejects bad options with a ConfigError that names the key', async () => {
    const cases: [unknown, RegExp][] = [
      [{}, /option "url" must be a mysql:\/\/ or mariadb:\/\/ URL, got undefined/],
      [{ url: 'postgres://u:secret@h/db' }, /option "url" must be a mysql:\/\/ or mariadb:\/\/ URL, got "postgres:\/\/u:\*\*\*@h\/db"/],
      [{ url: urlFor('x'), mechanism: 'template' }, /option "mechanism" must be "snapshot" or "savepoint", got "template"/],
      [{ url: urlFor('x'), tables: 'users' }, /option "tables" must be a list of table names/],
      [{ url: urlFor('x'), exlude: ['users'] }, /unknown option "exlude"/],
      ['mysql://x', /options must be an object/],
    ]
    for (const [options, message] of cases) {
      const error = await setup(options).catch((e) => e)
      expect(error).toBeInstanceOf(ConfigError)
      expect(error.message).toMatch(message)
      expect(error.message).not.toContain('secret')
    }
  })

  it('mysqlState() builds the backend for programmatic use', () => {
    expect(mysqlState({ url: urlFor('x') })).toBeInstanceOf(MysqlSnapshotBackend)
    expect(mysqlState({ url: urlFor('x'), mechanism: 'savepoint' }).mechanism).toBe('savepoint')
  })
})

it('maskUrl() hides the password, even one with @ or / in it', () => {
  expect(maskUrl('mysql://root:pw@db:3306/app')).toBe('mysql://root:***@db:3306/app')
  expect(maskUrl('mysql://root:p@ss/w0rd@db:3306/app')).toBe('mysql://root:***@db:3306/app')
  expect(maskUrl('mysql://root@db:3306/app')).toBe('mysql://root@db:3306/app')
  expect(maskUrl('mariadb://:secret@db/app')).toBe('mariadb://:***@db/app')
})
