/**
 * A health check registered twice under one name replaced the first, and `venomqa doctor` never checked
 * that service: refused at setup, as two state backends of one name are. Two entries of one plugin (two
 * Redis databases) still keep one check each, named by place.
 */
import { PluginError, definePlugin } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { createRunner } from '../src/index'

/** A plugin that registers one health check per name in its options, in order. */
const checks = definePlugin<{ names: string[] }>({
  name: 'venomqa-plugin-services',
  version: '1.0.0',
  apiVersion: 1,
  setup(api) {
    for (const name of api.options.names) api.addHealthCheck(name, async () => `${name} checked`)
  },
})

describe('health checks of one name', () => {
  it('one entry that registers two health checks of one name is refused, naming the plugin and the name', async () => {
    const runner = createRunner({ plugins: [[checks, { names: ['db', 'db'] }]] })
    const err = await runner.init().then(
      () => undefined,
      (e: unknown) => e,
    )
    await runner.close()
    expect(err).toBeInstanceOf(PluginError)
    expect((err as Error).message).toBe(
      'plugin "venomqa-plugin-services" registers two health checks named "db"; a plugin must give each of its health checks a name of its own',
    )
  })

  it('names of their own pass, and two entries of one plugin keep one check each, named by place', async () => {
    const runner = createRunner({
      plugins: [
        [checks, { names: ['db', 'cache'] }],
        [checks, { names: ['db'] }],
      ],
    })
    await runner.init()
    expect([...runner.registry.healthChecks.keys()]).toEqual(['db', 'cache', 'db (plugins[1])'])
    expect(await runner.registry.healthChecks.get('db (plugins[1])')!()).toBe('db checked')
    await runner.close()
  })

  it('three --plugin flags of one plugin, one place for all: each check named by its own (#2, #3), none refused', async () => {
    const flag = (names: string[]) => ({ plugin: checks, options: { names }, where: '--plugin services' })
    const runner = createRunner({ plugins: [flag(['db']), flag(['db', 'queue']), flag(['db'])] })
    await runner.init()
    expect([...runner.registry.healthChecks.keys()]).toEqual(['db', 'db (--plugin services #2)', 'queue', 'db (--plugin services #3)'])
    await runner.close()
  })
})
