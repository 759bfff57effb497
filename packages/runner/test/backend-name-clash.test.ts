/**
 * Two state backends of one name make every report, rollback line and doctor check about them ambiguous:
 * refused at setup, also when both come from one plugin (two entries of it, or one entry twice).
 */
import { ConfigError, PluginError, type StateBackend, definePlugin } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { createRunner } from '../src/index'

const backend = (name: string): StateBackend => ({
  name,
  mechanism: 'snapshot',
  parallelSafe: false,
  async connect() {},
  async checkpoint() {},
  async rollback() {},
  async release() {},
  async disconnect() {},
})

/** A plugin whose one backend is named by its options, as @venomqa/pg-proxy's and state-postgres's are. */
const named = definePlugin<{ name: string }>({
  name: 'venomqa-plugin-db',
  version: '1.0.0',
  apiVersion: 1,
  setup(api) {
    api.addStateBackend(backend(api.options.name))
  },
})

async function setupError(plugins: NonNullable<Parameters<typeof createRunner>[0]>['plugins']): Promise<unknown> {
  const runner = createRunner({ plugins })
  try {
    return await runner.init().then(() => undefined, (err: unknown) => err)
  } finally {
    await runner.close()
  }
}

describe('state backends of one name', () => {
  it('two entries of one plugin: refused, naming both entries and telling to set `name` on one', async () => {
    const err = await setupError([
      [named, { name: 'pg-proxy:control' }],
      [named, { name: 'pg-proxy:control' }],
    ])
    expect(err).toBeInstanceOf(PluginError)
    expect((err as Error).message).toBe(
      'plugins[0] and plugins[1] both set up venomqa-plugin-db with a state backend named "pg-proxy:control": two backends of one name make every report, rollback and doctor line about it ambiguous; set `name` on one of them (for a plugin that names its backend by another option, such as `state.name`, set that one)',
    )
    expect((err as PluginError).where).toBe('plugins[1]')
  })

  it('two --plugin flags of one plugin share a place: told apart as the first and the second', async () => {
    const err = await setupError([
      { plugin: named, options: { name: 'db' }, where: '--plugin db' },
      { plugin: named, options: { name: 'db' }, where: '--plugin db' },
    ])
    expect((err as Error).message).toMatch(/^--plugin db and --plugin db #2 both set up venomqa-plugin-db with a state backend named "db"/)
  })

  it('a factory backend clashes as a backend does', async () => {
    const factory = definePlugin<{ name: string }>({ name: 'lazy', version: '1.0.0', apiVersion: 1, setup: (api) => api.addStateBackend(() => backend(api.options.name)) })
    const err = await setupError([
      [factory, { name: 'db' }],
      [factory, { name: 'db' }],
    ])
    expect((err as Error).message).toMatch(/^plugins\[0\] and plugins\[1\] both set up lazy with a state backend named "db"/)
  })

  it('one entry that registers two backends of one name is refused; other names of one plugin pass', async () => {
    const twice = definePlugin({
      name: 'twice',
      version: '1.0.0',
      apiVersion: 1,
      setup(api) {
        api.addStateBackend(backend('db'))
        api.addStateBackend(backend('db'))
      },
    })
    const err = await setupError([twice])
    expect(err).toBeInstanceOf(PluginError)
    expect((err as Error).message).toBe('plugin "twice" registers two state backends named "db"; a plugin must give each of its state backends a name of its own')
    const runner = createRunner({ plugins: [[named, { name: 'orders' }], [named, { name: 'users' }]] })
    await runner.init()
    expect(runner.registry.stateBackends.map((b) => b.name)).toEqual(['orders', 'users'])
    await runner.close()
  })

  it('two plugins keep their message', async () => {
    const other = definePlugin<{ name: string }>({ ...named, name: 'other' })
    const err = await setupError([
      [named, { name: 'db' }],
      [other, { name: 'db' }],
    ])
    expect((err as Error).message).toBe(
      'plugins "venomqa-plugin-db" and "other" both register a state backend named "db"; remove one of them from the config, or give one of them another name in its options',
    )
  })
})

describe('state backends given in code', () => {
  async function givenError(options: NonNullable<Parameters<typeof createRunner>[0]>): Promise<unknown> {
    const runner = createRunner(options)
    try {
      return await runner.init().then(() => undefined, (err: unknown) => err)
    } finally {
      await runner.close()
    }
  }

  it('two of one name: refused, naming both places and telling to set `name`', async () => {
    const err = await givenError({ stateBackends: [backend('orders'), backend('db'), backend('db')] })
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toBe(
      `createRunner's stateBackends[1] and createRunner's stateBackends[2] both give a state backend named "db": two backends of one name make every report, rollback and doctor line about it ambiguous; set \`name\` on one of them`,
    )
    expect((err as ConfigError).where).toBe('stateBackends[2]')
  })

  it("one sharing a plugin backend's name: refused, naming the plugin's entry and the code-given one", async () => {
    const err = await givenError({ plugins: [[named, { name: 'db' }]], stateBackends: [backend('db')] })
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toBe(
      `plugins[0] (venomqa-plugin-db) and createRunner's stateBackends[0] both give a state backend named "db": two backends of one name make every report, rollback and doctor line about it ambiguous; set \`name\` on one of them`,
    )
  })

  it("one sharing the name of a backend a plugin makes by a factory: refused as well", async () => {
    const factory = definePlugin<{ name: string }>({ name: 'lazy', version: '1.0.0', apiVersion: 1, setup: (api) => api.addStateBackend(() => backend(api.options.name)) })
    const clash = await givenError({ plugins: [{ plugin: factory, options: { name: 'db' }, where: '--plugin lazy' }], stateBackends: [backend('db')] })
    expect((clash as Error).message).toMatch(/^--plugin lazy \(lazy\) and createRunner's stateBackends\[0\] both give a state backend named "db"/)
  })

  it('names of their own pass, in order: plugin backends, code-given ones, factory-made ones', async () => {
    const factory = definePlugin({ name: 'lazy', version: '1.0.0', apiVersion: 1, setup: (api) => api.addStateBackend(() => backend('made')) })
    const runner = createRunner({ plugins: [[named, { name: 'plugin' }], factory], stateBackends: [backend('a'), backend('b')] })
    await runner.init()
    expect(runner.registry.stateBackends.map((b) => b.name)).toEqual(['plugin', 'a', 'b', 'made'])
    await runner.close()
  })
})
