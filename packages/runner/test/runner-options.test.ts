/** createRunner's own options: one it does not take is refused by name, never ignored. */
import { ConfigError, TIMER_MS_EXPECTED, checkpoint, journey, step } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { MemoryState, RunnerHttpClient, createRunner } from '../src'
import { renderMarkdown } from '../src/reporters'

describe('createRunner options', () => {
  it('refuses an option it does not take, naming it and the one meant', () => {
    // `stateBackend` was ignored: the run took its checkpoints on no backend, and rolled nothing back.
    const misspelt = () => createRunner({ stateBackend: [new MemoryState()] } as never)
    expect(misspelt).toThrow(ConfigError)
    expect(misspelt).toThrow('createRunner: unknown option "stateBackend" (did you mean "stateBackends"?)')
    expect(() => createRunner({ colour: true } as never)).toThrow(/unknown option "colour" \(the options are parallelPaths, workers, .*toolVersion\)/)
  })

  it('refuses an app option that cannot start an app, naming its key, before anything runs', () => {
    const cases: [unknown, string, string][] = [
      [{ command: '' }, 'app.command', 'createRunner: app.command: expected a command line ("node dist/server.js", run by the shell) or the program and its arguments (["node", "dist/server.js"]), got ""'],
      [{ command: ['node'], env: { PORT: 3000 } }, 'app.env.PORT', 'createRunner: app.env.PORT: expected a string, got 3000'],
      [{ command: 'node s.js', url: 'ftp://x' }, 'app.url', 'createRunner: app.url: expected an http:// or https:// URL the app answers at once it listens, got "ftp://x"'],
      [{ command: 'node s.js', timeoutMs: 0 }, 'app.timeoutMs', `createRunner: app.timeoutMs: ${TIMER_MS_EXPECTED}, got 0`],
      [{ command: 'node s.js', ready: 1 }, 'app.ready', 'createRunner: app: unknown key "ready" (the keys are command, env, cwd, url, timeoutMs)'],
    ]
    for (const [app, where, said] of cases) {
      const make = () => createRunner({ baseUrl: 'http://127.0.0.1:3000', app: app as never })
      expect(make).toThrow(said)
      expect(() => make()).toThrow(expect.objectContaining({ where }))
    }
    // Nothing to wait at: the app's own URL, else the run's.
    expect(() => createRunner({ app: { command: 'node s.js' } })).toThrow('createRunner: app: no URL to wait for the app at: give app.url, or baseUrl')
    expect(() => createRunner({ app: { command: 'node s.js', url: 'http://127.0.0.1:3000/health' } })).not.toThrow()
  })

  it('refuses a timeout longer than a Node timer keeps (it fired at once, failing every step), or a fraction of a millisecond, as every duration is', () => {
    for (const name of ['stepTimeout', 'journeyTimeout', 'pluginTimeout'] as const) {
      // AbortSignal.timeout(1500.5) throws: the first step to start failed on it, not the option.
      expect(() => createRunner({ [name]: 1500.5 })).toThrow(ConfigError)
      expect(() => createRunner({ [name]: 99_999_999_999 })).toThrow(
        `createRunner: ${name}: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got 99999999999`,
      )
      expect(() => createRunner({ [name]: 0 })).toThrow(ConfigError)
      expect(() => createRunner({ [name]: 1500.5 })).toThrow(`createRunner: ${name}: ${TIMER_MS_EXPECTED}, got 1500.5`)
    }
    expect(() => createRunner({ stepTimeout: 2_147_483_647 })).not.toThrow()
  })

  it('refuses a retry policy whose count is no whole number, which retried until the deadline (NaN), runner-wide and a request\'s own', async () => {
    const cases: [unknown, string][] = [
      [{ retries: Number.NaN }, 'retries: expected a whole number from 0 to 100, got NaN'],
      [{ retries: 1.5 }, 'retries: expected a whole number from 0 to 100, got 1.5'],
      [{ baseDelayMs: -1 }, 'baseDelayMs: expected a whole number of milliseconds from 0 to 2147483647, got -1'],
      [{ baseDelayMs: 12.5 }, 'baseDelayMs: expected a whole number of milliseconds from 0 to 2147483647, got 12.5'],
      [{ maxDelayMs: Number.POSITIVE_INFINITY }, 'maxDelayMs: expected a whole number of milliseconds from 0 to 2147483647, got Infinity'],
      [{ statuses: [503, 'x'] }, 'statuses: expected a list of HTTP statuses (100 to 599), got [503, "x"]'],
      [{ retry: 2 }, 'unknown key "retry" (a policy has retries, baseDelayMs, maxDelayMs, statuses)'],
      ['always', 'expected true, false or { retries, baseDelayMs, maxDelayMs, statuses }, got "always"'],
    ]
    for (const [retry, said] of cases) {
      expect(() => createRunner({ http: { retry: retry as never } })).toThrow(`createRunner: http.retry: ${said}`)
      expect(() => new RunnerHttpClient({ baseUrl: 'http://127.0.0.1:9', retry: retry as never })).toThrow(`http.retry: ${said}`)
    }
    for (const retry of [true, false, { retries: 0 }, { retries: 3, baseDelayMs: 0, maxDelayMs: 10, statuses: [503] }])
      expect(() => createRunner({ http: { retry: retry as never } })).not.toThrow()
    // A request's own: the step's mistake, told as such, never sent (port 9 answers nothing).
    const runner = createRunner({ baseUrl: 'http://127.0.0.1:9' })
    try {
      const run = await runner.run(journey('j', { steps: [step('get', ({ http }) => http.get('/x', { retry: { retries: Number.NaN } }))] }))
      expect(run.journeys[0]!.issues[0]).toMatchObject({ step: 'get', error: 'GET /x: retry: retries: expected a whole number from 0 to 100, got NaN' })
    } finally {
      await runner.close()
    }
  })

  it('refuses an http timeout no timer keeps, which meant no limit (NaN, Infinity) or cut every request (-1)', async () => {
    for (const ms of [Number.NaN, Number.POSITIVE_INFINITY, -1, 0, 1000.5, 3_000_000_000]) {
      const made = () => createRunner({ http: { timeout: ms } })
      expect(made).toThrow(ConfigError)
      expect(made).toThrow(`createRunner: http.timeout: ${TIMER_MS_EXPECTED}, got ${ms}`)
      expect(() => new RunnerHttpClient({ baseUrl: 'http://127.0.0.1:9', timeout: ms })).toThrow(`http.timeout: ${TIMER_MS_EXPECTED}, got ${ms}`)
    }
    // A request's own: the step's mistake, told as such, never sent.
    const runner = createRunner({ baseUrl: 'http://127.0.0.1:9' })
    try {
      const run = await runner.run(journey('j', { steps: [step('get', ({ http }) => http.get('/x', { timeout: Number.POSITIVE_INFINITY }))] }))
      expect(run.status).toBe('failed')
      expect(run.journeys[0]!.issues[0]).toMatchObject({ step: 'get', error: `GET /x: timeout: ${TIMER_MS_EXPECTED}, got Infinity` })
    } finally {
      await runner.close()
    }
  })

  it('takes every option it documents, an undefined one too', async () => {
    const runner = createRunner({ stateBackends: [new MemoryState()], stepTimeout: undefined, http: { redactKeys: ['pin'] } })
    try {
      const run = await runner.run(journey('j', { steps: [step('a', () => {}), checkpoint('c')] }))
      expect(run.status).toBe('passed')
    } finally {
      await runner.close()
    }
  })

  it("knows the run's own secrets before anything is sent: a step that fails first prints them masked", async () => {
    const runner = createRunner({ baseUrl: 'http://admin:Pa55-in-url@127.0.0.1:9', headers: { 'X-Api-Key': 'HeaderKey-7781' } })
    try {
      const run = await runner.run(
        journey('early', {
          steps: [
            step('fails_first', () => {
              throw new Error('saw Pa55-in-url and HeaderKey-7781')
            }),
          ],
        }),
      )
      const text = renderMarkdown(run)
      expect(text).toContain('saw [REDACTED] and [REDACTED]')
      expect(text).not.toMatch(/Pa55-in-url|HeaderKey-7781/)
    } finally {
      await runner.close()
    }
  })
})
