import { ConfigError, HOOK_NAMES, type Issue, PLUGIN_API_VERSION, type PluginApi, definePlugin, journey, optionPath, redactText, step } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { HookBus, createRunner } from '../src/index'

// Hooks run in-process here: no HTTP, no stray errors (those are tested in their own processes).
const quiet = journey('quiet', { steps: [step('noop', () => undefined)] })

describe('hooks', () => {
  it('an issue a throwing hook causes is given to the issue hooks too', async () => {
    const told: Issue[] = []
    const runner = createRunner({
      plugins: [
        definePlugin({ name: 'breaks', version: '1.0.0', apiVersion: 1, hooks: { stepEnd: () => { throw new Error('stepEnd broke') } } }),
        definePlugin({ name: 'listens', version: '1.0.0', apiVersion: 1, hooks: { issue: ({ issue }) => void told.push(issue) } }),
      ],
    })
    const result = await runner.run(quiet)
    await runner.close()
    const issue = result.journeys[0]!.issues[0]!
    expect(issue).toMatchObject({ severity: 'medium', kind: 'hook', source: 'plugin:breaks', step: 'noop', error: 'plugin:breaks threw in its "stepEnd" hook: stepEnd broke' })
    expect(told).toEqual([issue])
  })

  it('an issue hook that throws becomes an issue itself, once, without calling the issue hooks again', async () => {
    let calls = 0
    const runner = createRunner({
      plugins: [
        definePlugin({ name: 'breaks', version: '1.0.0', apiVersion: 1, hooks: { stepEnd: () => { throw new Error('first') } } }),
        definePlugin({
          name: 'bad-listener',
          version: '1.0.0',
          apiVersion: 1,
          hooks: {
            issue: () => {
              calls++
              throw new Error('issue hook broke')
            },
          },
        }),
      ],
    })
    const result = await runner.run(quiet)
    await runner.close()
    expect(calls).toBe(1)
    expect(result.journeys[0]!.issues.map((i) => [i.source, i.error])).toEqual([
      ['plugin:breaks', 'plugin:breaks threw in its "stepEnd" hook: first'],
      ['plugin:bad-listener', 'plugin:bad-listener threw in its "issue" hook: issue hook broke'],
    ])
    expect(result.status).toBe('passed') // medium issues never fail a run
  })

  it('a failed step\'s issue reaches the issue hooks before the journey ends, and a throwing issue hook is kept', async () => {
    const runner = createRunner({
      plugins: [definePlugin({ name: 'bad-listener', version: '1.0.0', apiVersion: 1, hooks: { issue: async () => { await new Promise((r) => setTimeout(r, 20)); throw new Error('late and broken') } } })],
    })
    const result = await runner.run(journey('fails', { steps: [step('boom', () => { throw new Error('step failed') })] }))
    await runner.close()
    expect(result.journeys[0]!.issues.map((i) => i.error)).toEqual(['step failed', 'plugin:bad-listener threw in its "issue" hook: late and broken'])
  })

  it('a hook past pluginTimeout is abandoned with a critical issue naming it, and the run goes on', async () => {
    // The hook never settles until the test lets it: a run that waited for it would hang here, and fail at
    // the test's timeout, instead of ending with the issues below.
    let letGo = () => {}
    const held = new Promise<void>((resolve) => {
      letGo = resolve
    })
    let started = 0
    const runner = createRunner({
      pluginTimeout: 100,
      plugins: [definePlugin({ name: 'slow', version: '1.0.0', apiVersion: 1, hooks: { stepStart: () => { started++; return held } } })],
    })
    const result = await runner.run(journey('two_steps', { steps: [step('a', () => undefined), step('b', () => undefined)] }))
    await runner.close()
    letGo()
    expect(started).toBe(2)
    const j = result.journeys[0]!
    expect(j.issues.map((i) => [i.step, i.severity, i.kind, i.error])).toEqual([
      ['a', 'critical', 'stall', 'plugin:slow "stepStart" hook timed out after 100 ms; the run went on without it (raise pluginTimeout if the hook is slow on purpose)'],
      ['b', 'critical', 'stall', 'plugin:slow "stepStart" hook timed out after 100 ms; the run went on without it (raise pluginTimeout if the hook is slow on purpose)'],
    ])
    expect(j.counts.steps.passed).toBe(2)
    expect(result.status).toBe('failed')
  })

  it('close() reports a backend that did not disconnect and an onClose that threw, never drops them', async () => {
    const runner = createRunner({
      stateBackends: [
        {
          name: 'sticky',
          mechanism: 'test',
          parallelSafe: true,
          connect: async () => {},
          checkpoint: async () => {},
          rollback: async () => {},
          release: async () => {},
          disconnect: async () => {
            throw new Error('could not drop the tracking schema')
          },
        },
      ],
      plugins: [definePlugin({ name: 'closer', version: '1.0.0', apiVersion: 1, setup: (api) => api.onClose(() => { throw new Error('pool already ended, token=abc123secret') }) })],
    })
    await runner.run(quiet)
    const messages = await runner.close()
    // What was thrown is masked as free text, and a plugin's failure is not told as a state backend's.
    expect(runner.closeIssues.map((i) => [i.severity, i.source, i.kind, i.error])).toEqual([
      ['critical', 'state:sticky', 'state', 'state backend "sticky" did not disconnect cleanly, so what it set up in the system under test may still be there: could not drop the tracking schema'],
      ['medium', 'plugin:closer', 'hook', 'plugin "closer" failed to close: pool already ended, token=[REDACTED]'],
    ])
    expect(messages).toEqual(runner.closeIssues.map((i) => i.error))
    // A cleanup that threw is no hook: its advice said "A plugin hook threw; the run went on".
    expect(runner.closeIssues[1]!.suggestion).toMatch(/^A plugin's cleanup \(its onClose\) failed after the run/)
  })

  it('the bus: hooks that are done when they return make no promise; a throwing or async one is awaited, and each hook runs in order', async () => {
    const bus = new HookBus({ timeoutMs: 1_000 })
    const order: string[] = []
    bus.on('stepEnd', 'reporter:a', () => void order.push('a'))
    bus.on('stepEnd', 'reporter:b', () => void order.push('b'))
    const issues: Issue[] = []
    const event = { journey: 'j', path: 'main', step: 's' } as never
    expect(bus.emit('stepEnd', event, (i) => issues.push(i))).toBeUndefined()
    expect(order).toEqual(['a', 'b'])

    bus.on('stepEnd', 'plugin:throws', () => {
      order.push('throws')
      throw new Error('sync boom')
    })
    bus.on('stepEnd', 'plugin:slow', async () => {
      await new Promise((r) => setTimeout(r, 20))
      order.push('slow')
    })
    bus.on('stepEnd', 'reporter:last', () => void order.push('last'))
    order.length = 0
    const pending = bus.emit('stepEnd', event, (i) => issues.push(i), { journey: 'j', step: 's' })
    expect(pending).toBeInstanceOf(Promise)
    // Hooks before the throwing one ran at once; the rest wait their turn.
    expect(order).toEqual(['a', 'b', 'throws'])
    await pending
    expect(order).toEqual(['a', 'b', 'throws', 'slow', 'last'])
    expect(issues).toHaveLength(1)
    expect(issues[0]).toMatchObject({ severity: 'medium', kind: 'hook', source: 'plugin:throws', journey: 'j', step: 's', error: 'plugin:throws threw in its "stepEnd" hook: sync boom' })
  })
})

describe('a mistake a plugin\'s setup finds', () => {
  it('is placed at its entry, under it when the plugin named one of its option keys', async () => {
    const picky = definePlugin({
      name: 'picky',
      version: '1.0.0',
      apiVersion: PLUGIN_API_VERSION,
      setup(api) {
        const o = api.options as { scope?: string; plain?: boolean }
        if (o.plain) throw new ConfigError('picky: give a scope')
        if (!o.scope) throw new ConfigError('picky: the state backend needs a scope', { where: 'state.prefix' })
      },
    })
    const at = async (entries: unknown[]) => {
      const runner = createRunner({ plugins: entries as never })
      try {
        return await runner.init().then(() => undefined, (e: unknown) => e as ConfigError)
      } finally {
        await runner.close()
      }
    }
    // Two entries of one plugin: the second is the wrong one, and the error says so.
    expect(await at([[picky, { scope: 'a' }], [picky, {}]])).toMatchObject({ where: 'plugins[1].state.prefix', message: 'picky: the state backend needs a scope' })
    expect(await at([[picky, { scope: 'a' }], [picky, { plain: true }]])).toMatchObject({ where: 'plugins[1]' })
    // An entry of a config file is placed in it, as its option errors are; one of a flag is not in a file.
    expect(await at([{ plugin: picky, options: {}, where: 'plugins[1]', file: 'venomqa.json' }])).toMatchObject({ where: 'venomqa.json: plugins[1].state.prefix' })
    expect(await at([{ plugin: picky, options: {}, where: '--plugin picky?' }])).toMatchObject({ where: '--plugin picky?state.prefix' })
  })

  it('is placed alike when the plugin was installed with a @venomqa/core of its own, whose ConfigError is another class', async () => {
    // What another copy of core throws: a ConfigError by name and shape, not of this copy's classes.
    class ConfigError extends Error {
      override name = 'ConfigError'
      readonly code = 'E_CONFIG'
      constructor(message: string, readonly where?: string) {
        super(message)
      }
    }
    const foreign = definePlugin({
      name: 'foreign',
      version: '1.0.0',
      apiVersion: PLUGIN_API_VERSION,
      setup() {
        throw new ConfigError('foreign: the state backend needs a scope', 'state.prefix')
      },
    })
    const runner = createRunner({ plugins: [[foreign, {}]] as never })
    try {
      const err = await runner.init().then(() => undefined, (e: unknown) => e as Error & { where?: string })
      // Before: `plugin "foreign" failed in setup: foreign: the state backend needs a scope`, at no place.
      expect(err).toMatchObject({ message: 'foreign: the state backend needs a scope', where: 'plugins[0].state.prefix' })
    } finally {
      await runner.close()
    }
  })
})

describe('a mistake a plugin finds after setup', () => {
  it('can name its option where the user wrote it: setup is given its entry\'s place as api.where', async () => {
    const places: (string | undefined)[] = []
    const placed = definePlugin({
      name: 'placed',
      version: '1.0.0',
      apiVersion: PLUGIN_API_VERSION,
      setup(api) {
        places.push(api.where === undefined ? undefined : optionPath(api.where, ['url']))
      },
    })
    const runner = createRunner({ plugins: [[placed, {}], placed, { plugin: placed, options: {}, where: '--plugin placed?' }] as never })
    try {
      await runner.init()
      expect(places).toEqual(['plugins[0].url', 'plugins[1].url', '--plugin placed?url'])
    } finally {
      await runner.close()
    }
  })
})

describe('plugin entries', () => {
  const reporting = definePlugin({
    name: 'reporting',
    version: '1.0.0',
    apiVersion: PLUGIN_API_VERSION,
    setup(api) {
      api.addReporter('same', () => ({ name: 'same' }))
    },
  })

  it("a plugin may not register a reporter under a built-in's name: it silently replaced the built-in", async () => {
    const hijack = definePlugin({
      name: 'hijack',
      version: '1.0.0',
      apiVersion: PLUGIN_API_VERSION,
      setup(api) {
        api.addReporter('console', () => ({ name: 'console', render: () => 'hijacked' }))
      },
    })
    const runner = createRunner({ plugins: [hijack] })
    try {
      const err = await runner.init().then(() => undefined, (e: unknown) => e as Error)
      expect(err?.message).toBe('plugin "hijack" registers a reporter named "console", the name of a built-in one, which it would replace; give it another name')
    } finally {
      await runner.close()
    }
  })

  it('two entries given at one place (two --plugin flags of one plugin) still may not register one name twice', async () => {
    const runner = createRunner({
      plugins: [
        { plugin: reporting, options: { a: 1 }, where: '--plugin reporting?' },
        { plugin: reporting, options: { a: 2 }, where: '--plugin reporting?' },
      ] as never,
    })
    try {
      const err = await runner.init().then(() => undefined, (e: unknown) => e as Error)
      // Named as the entries they are, with the option to change, not as two plugins to remove one of.
      expect(err?.message).toBe(
        '--plugin reporting? and --plugin reporting? #2 both set up reporting with a reporter named "same": the second would replace the first\'s; give one of them another name in its options (the plugin\'s README names the option, such as `cache.port`)',
      )
    } finally {
      await runner.close()
    }
  })

  it('the values of secret-named options are masked wherever they turn up from then on', async () => {
    const leaky = definePlugin({ name: 'leaky', version: '1.0.0', apiVersion: PLUGIN_API_VERSION, setup() {} })
    const runner = createRunner({ plugins: [[leaky, { password: 'Pw_LEAK_11', apiKey: 'Ak_LEAK_12', user: 'ann' }]] })
    try {
      await runner.init()
      expect(redactText('connecting with Pw_LEAK_11 and Ak_LEAK_12 as ann')).toBe('connecting with [REDACTED] and [REDACTED] as ann')
    } finally {
      await runner.close()
    }
  })
})

describe('what a plugin registers is checked when it registers it', () => {
  const refusal = async (plugin: unknown) => {
    const runner = createRunner({ plugins: [plugin as never] })
    try {
      return await runner.init().then(() => undefined, (e: unknown) => e as Error)
    } finally {
      await runner.close()
    }
  }
  const make = (extra: object) => ({ name: 'sloppy', version: '1.0.0', apiVersion: PLUGIN_API_VERSION, ...extra })

  it('a hook under a name the runner never calls, or one that is not a function, is refused naming it', async () => {
    expect((await refusal(make({ hooks: { stepEnded: () => {} } })))?.message).toBe(
      `plugin "sloppy": hooks.stepEnded: no hook is named "stepEnded" (did you mean "stepEnd"?); hooks: ${HOOK_NAMES.join(', ')}`,
    )
    expect((await refusal(make({ setup: (api: PluginApi) => (api.addHook as (h: string, f: () => void) => void)('journeyFinish', () => {}) })))?.message).toMatch(/^plugin "sloppy": addHook\("journeyFinish"\): no hook is named "journeyFinish"; hooks: runStart, /)
    expect((await refusal(make({ setup: (api: PluginApi) => api.addHook('stepEnd', 'nope' as never) })))?.message).toBe('plugin "sloppy": addHook("stepEnd"): expected a function, got string')
  })

  it('a reporter\'s hooks are checked by the same rule when it is added; an undefined hook is none', async () => {
    const runner = createRunner()
    try {
      expect(() => runner.addReporter({ name: 'lines', hooks: { stepEnded: () => {} } as never })).toThrow('reporter "lines": hooks.stepEnded: no hook is named "stepEnded" (did you mean "stepEnd"?)')
      runner.addReporter({ name: 'quiet', hooks: { stepStart: undefined } })
    } finally {
      await runner.close()
    }
  })

  it('a reporter factory that is not a function, and a state backend that is not one, are refused naming the plugin', async () => {
    expect((await refusal(make({ setup: (api: PluginApi) => api.addReporter('r', 42 as never) })))?.message).toBe(
      'plugin "sloppy": addReporter("r"): the factory must be a function that makes the reporter, got number',
    )
    expect((await refusal(make({ setup: (api: PluginApi) => api.addStateBackend({ name: 'x' } as never) })))?.message).toBe(
      'plugin "sloppy": addStateBackend() was given no state backend: it has no connect, checkpoint, rollback, release, disconnect methods (see StateBackend in docs/plugins.md)',
    )
  })
})
