/**
 * Two different plugins of one name could not be told apart (hooks, issues, claims and reports know a
 * plugin by its name): refused before any is set up, as the CLI refuses them, with the same message. One
 * plugin listed twice with other options is two instances of it, also when a factory makes a new object
 * for each entry.
 */
import { type Plugin, PluginError, definePlugin } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { createRunner, refusePluginNameTwins } from '../src/index'
import type { PluginEntry } from '../src/types'

/** A plugin factory, as a package exports one: a new object for each call, made by one definePlugin call. */
function cachePlugin(options: { prefix?: string } = {}): Plugin {
  return definePlugin({
    name: 'redis',
    version: '1.0.0',
    apiVersion: 1,
    setup(api) {
      api.addPort(`cache${options.prefix ?? ''}`, { get: async () => undefined })
    },
  })
}

/** Another plugin that calls itself "redis" (a user's own). */
const ownRedis = definePlugin({ name: 'redis', version: '0.1.0', apiVersion: 1 })

async function setUp(plugins: PluginEntry[]): Promise<{ err?: unknown; plugins: string[] }> {
  const runner = createRunner({ plugins })
  try {
    const err = await runner.init().then(() => undefined, (e: unknown) => e)
    return { err, plugins: runner.registry.plugins.map((p) => p.name) }
  } finally {
    await runner.close()
  }
}

describe('two plugins of one name given to createRunner', () => {
  it('are refused before any is set up, naming both entries and where each was defined', async () => {
    const { err, plugins } = await setUp([cachePlugin(), ownRedis])
    expect(err).toBeInstanceOf(PluginError)
    expect((err as PluginError).where).toBe('plugins[1]')
    expect((err as Error).message).toMatch(
      /^plugins\[0\] and plugins\[1\] are both "redis": plugins\[0\] is the plugin defined at test\/plugin-name-twins\.test\.ts:\d+:\d+, plugins\[1\] is the plugin defined at test\/plugin-name-twins\.test\.ts:\d+:\d+\. Two plugins of one name cannot be told apart \(hooks, issues and reports know a plugin by its name\): remove one of them, or give one a name of its own \(definePlugin\(\{ name \}\)\)$/,
    )
    expect(plugins).toEqual([])
  })

  it('are refused when neither was made by definePlugin, as plugin objects', async () => {
    const plain = (): Plugin => ({ name: 'redis', version: '1.0.0', apiVersion: 1 })
    const { err } = await setUp([plain(), plain()])
    expect((err as Error).message).toContain('plugins[0] and plugins[1] are both "redis": plugins[0] is a plugin object, plugins[1] is a plugin object.')
  })

  it('say what an entry says of its source and place, in the file it names', () => {
    const err = (() => {
      try {
        refusePluginNameTwins([
          { plugin: cachePlugin(), where: 'plugins[0]', file: 'venomqa.json', from: '/p/a.mjs', source: 'the file ./a.mjs' },
          { plugin: cachePlugin(), where: '--plugin ./b.mjs?', from: '/p/b.mjs', source: 'the file ./b.mjs' },
        ])
      } catch (e) {
        return e as PluginError
      }
    })()
    expect(err?.message).toMatch(/^plugins\[0\] and --plugin \.\/b\.mjs are both "redis": plugins\[0\] is the file \.\/a\.mjs, --plugin \.\/b\.mjs is the file \.\/b\.mjs\. /)
    expect(err?.where).toBe('--plugin ./b.mjs')
  })

  it('one plugin listed twice with other options, its factory called for each entry, is two instances', async () => {
    const { err, plugins } = await setUp([cachePlugin({ prefix: '-a' }), cachePlugin({ prefix: '-b' })])
    expect(err).toBeUndefined()
    expect(plugins).toEqual(['redis (plugins[0])', 'redis (plugins[1])'])
    const same = await setUp([[ownRedis, { a: 1 }], [ownRedis, { a: 2 }]])
    expect(same.err).toBeUndefined()
  })
})
