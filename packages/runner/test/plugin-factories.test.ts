import { CheckpointStack, type StateBackend, definePlugin, journey, step } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { createRunner } from '../src/index'

// A plugin may register a port or a state backend as a factory, which the runner calls once every plugin
// is set up. A factory that threw was an "unexpected error" naming neither the plugin nor the port; one
// that never settled held the run for ever, past pluginTimeout, where a setup that hangs is abandoned.

const aJourney = journey('uses_it', { steps: [step('s', () => {})] })
const backend = (): StateBackend => {
  const stack = new CheckpointStack<number>('kv')
  return {
    name: 'kv',
    mechanism: 'snapshot',
    parallelSafe: false,
    async connect() {},
    checkpoint: (n) => stack.take(n, () => 1),
    rollback: (n) => stack.rollback(n, () => {}),
    release: (n) => stack.release(n),
    async disconnect() {},
  }
}

describe('a port or state backend a plugin registers as a factory', () => {
  it('that throws is refused at the entry, naming the plugin and the port', async () => {
    const plugin = definePlugin({
      name: 'venomqa-plugin-thing',
      version: '1.0.0',
      apiVersion: 1,
      setup: (api) =>
        api.addPort('thing', () => {
          throw new Error('cannot connect to thing at 127.0.0.1:1')
        }),
    })
    const runner = createRunner({ plugins: [plugin] })
    const err = await runner.init().then(
      () => undefined,
      (e: unknown) => e as Error & { where?: string },
    )
    await runner.close()
    expect(err?.message).toMatch(/^plugin "venomqa-plugin-thing": the factory of port "thing" failed: cannot connect to thing at 127\.0\.0\.1:1/)
    expect(err?.name).toBe('PluginError')
    expect(err?.where).toBe('plugins[0]')
  })

  it('that throws for a state backend is refused the same way', async () => {
    const plugin = definePlugin({
      name: 'venomqa-plugin-kv',
      version: '1.0.0',
      apiVersion: 1,
      setup: (api) =>
        api.addStateBackend(async () => {
          throw new Error('no store')
        }),
    })
    const runner = createRunner({ plugins: [plugin] })
    await expect(runner.init()).rejects.toThrow(/^plugin "venomqa-plugin-kv": the factory of its state backend failed: no store/)
    await runner.close()
  })

  it('that never settles is abandoned at pluginTimeout: nothing runs, the plugin and the port named', async () => {
    let made = 0
    const plugin = definePlugin({
      name: 'venomqa-plugin-slow',
      version: '1.0.0',
      apiVersion: 1,
      setup(api) {
        // A timer keeps the process alive: only pluginTimeout can end the wait.
        api.addPort('slow', () => new Promise((resolve) => setTimeout(resolve, 60_000)))
        api.addStateBackend(() => {
          made++
          return backend()
        })
      },
    })
    const runner = createRunner({ plugins: [plugin], pluginTimeout: 200 })
    const run = await runner.run(aJourney)
    await runner.close()
    expect(made).toBe(1)
    expect(run.status).toBe('failed')
    expect(run.journeys.map((j) => j.status)).toEqual(['failed'])
    const issue = run.issues.find((i) => i.source === 'plugin:venomqa-plugin-slow')
    expect(issue?.severity).toBe('critical')
    expect(issue?.step).toBe('setup venomqa-plugin-slow: the factory of port "slow"')
    expect(issue?.error).toMatch(/^plugin "venomqa-plugin-slow": the factory of port "slow" timed out after 200 ms/)
    expect(issue?.suggestion).toMatch(/^A port or state backend a plugin registered as a factory was never made/)
  })
})
