/**
 * The plugin: option checks, and what it registers in a real runner, with WireMock managed (started from
 * the npm package's jar and gone after runner.close()) or given by URL.
 */
import { execFileSync } from 'node:child_process'
import { ConfigError, PluginError, type StateBackend, parseOptions, redactText } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { describe, expect, it } from 'vitest'
import wiremockPlugin, { DEFAULT_WIREMOCK_URL, PLUGIN_NAME, WIREMOCK_URL_ENV, WireMockPort, freePort, isListening, resolveOptions, wiremockPluginOptions } from '../src'
import { describeWithJava, useWireMock } from './helpers'

const describeJava = describeWithJava()

describeJava('the plugin', () => {
  /** Java processes whose command line names this port. */
  function javaOnPort(port: number): string[] {
    const out = execFileSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' })
    return out.split('\n').filter((line) => line.includes('wiremock') && line.includes(` --port ${port} `) && !/^\s*\d+\s+Z/.test(line))
  }

  describe('options', () => {
    const resolve = (options: unknown) => resolveOptions(parseOptions(wiremockPluginOptions, options ?? {}, 'plugins[0]'))

    it('defaults to WireMock on 127.0.0.1:8080 with the state backend and VENOMQA_WIREMOCK_URL', () => {
      expect(resolve(undefined)).toEqual({ url: DEFAULT_WIREMOCK_URL, managed: undefined, state: { name: undefined }, env: WIREMOCK_URL_ENV, timeoutMs: undefined })
      expect(resolve({ managed: { port: 9999, startTimeoutMs: 5000 }, state: false, env: false })).toEqual({
        url: undefined,
        managed: { port: 9999, jar: undefined, java: undefined, jvmArgs: undefined, args: undefined, startTimeoutMs: 5000 },
        state: undefined,
        env: false,
        timeoutMs: undefined,
      })
    })

    it.each([
      [{ urll: 'x' }, 'plugins[0].urll: unknown option (did you mean "url"?)'],
      [{ url: 'localhost:8080' }, 'plugins[0].url: expected an http:// or https:// URL, got "localhost:8080"'],
      // fetch refuses such a URL before it connects: every call would fail as "not reachable". The value is masked.
      [{ url: 'http://admin:WmPw-secret@127.0.0.1:8080' }, 'plugins[0].url: expected a URL with no user name or password in it (WireMock\'s admin API is reached without credentials), got "http://admin:***@127.0.0.1:8080"'],
      [{ url: 'http://127.0.0.1:8080', managed: true }, 'plugins[0].managed: give "url" (a WireMock that already runs) or "managed" (start one), not both'],
      [{ managed: 'yes' }, 'plugins[0].managed: expected true, false or an object with port, jar, java, jvmArgs, args, startTimeoutMs, got "yes"'],
      [{ managed: { port: 70000 } }, 'plugins[0].managed.port: expected a port number (0 for a free one), got 70000'],
      [{ managed: { prot: 1 } }, 'plugins[0].managed.prot: unknown option (did you mean "port"?)'],
      // An object, so the object form: what is wrong inside it, at its key.
      [{ managed: { jvmArgs: '-Xmx64m' } }, 'plugins[0].managed.jvmArgs: expected a list of strings, got "-Xmx64m"'],
      [{ managed: { startTimeout: 5000 } }, 'plugins[0].managed.startTimeout: renamed to startTimeoutMs (milliseconds)'],
      [{ timeout: 5000 }, 'plugins[0].timeout: renamed to timeoutMs (milliseconds)'],
      // A fraction, or more than a timer keeps (it would fire at once), was taken.
      [{ timeoutMs: 2.5 }, 'plugins[0].timeoutMs: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got 2.5'],
      [{ managed: { startTimeoutMs: 2_147_483_648 } }, 'plugins[0].managed.startTimeoutMs: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got 2147483648'],
      [{ state: { nme: 'x' } }, 'plugins[0].state.nme: unknown option (did you mean "name"?)'],
      [{ env: 'NOT A NAME' }, 'plugins[0].env: expected an environment variable name or false, got "NOT A NAME"'],
      // Every problem at once: url and managed together are named beside a wrong value, not only once it is fixed.
      [
        { url: 'http://127.0.0.1:8080', managed: true, timeoutMs: -1 },
        '2 problems with plugin options:\n  - plugins[0].timeoutMs: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got -1\n  - plugins[0].managed: give "url" (a WireMock that already runs) or "managed" (start one), not both',
      ],
    ])('refuses %j, naming the key', (options, message) => {
      let err: unknown
      try {
        resolve(options)
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(ConfigError)
      expect((err as Error).message).toBe(message)
      // The CLI masks every line it prints: a message whose own words looked like a credential
      // (`without user:password@`) reached the user as `without [REDACTED]@`.
      expect(redactText(message)).toBe(message)
    })
  })

  describe('managed WireMock in a runner', () => {
    it('starts WireMock at init, registers port, backend and health check, sets the env var, and stops Java at close', async () => {
      delete process.env[WIREMOCK_URL_ENV]
      const runner = createRunner({ baseUrl: 'http://127.0.0.1:1', plugins: [[wiremockPlugin, { managed: true }]] })
      let port = 0
      try {
        await runner.init()
        const mock = runner.registry.ports.get('mock') as WireMockPort
        expect(mock).toBeInstanceOf(WireMockPort)
        port = Number(new URL(mock.baseUrl).port)
        expect(process.env[WIREMOCK_URL_ENV]).toBe(mock.baseUrl)
        expect(javaOnPort(port)).toHaveLength(1)
        expect(await runner.registry.healthChecks.get('wiremock')!()).toBe(true)
        const backend = runner.registry.stateBackends.find((b: StateBackend) => b.name === 'wiremock')!
        expect([backend.mechanism, backend.parallelSafe]).toEqual(['mappings', false])
        expect(runner.registry.plugins).toEqual([{ name: PLUGIN_NAME, version: expect.any(String) }])
      } finally {
        expect(await runner.close()).toEqual([])
      }
      expect(process.env[WIREMOCK_URL_ENV]).toBeUndefined()
      expect(javaOnPort(port)).toEqual([])
      expect(await isListening(port)).toBe(false)
    })

    it('fails init with the missing-Java message and leaves nothing running', async () => {
      const port = await freePort()
      const runner = createRunner({ baseUrl: 'http://127.0.0.1:1', plugins: [[wiremockPlugin, { managed: { port, java: '/nonexistent/java' } }]] })
      const err = await runner.init().catch((e: unknown) => e)
      await runner.close()
      expect(err).toBeInstanceOf(ConfigError)
      expect((err as Error).message).toMatch(/^Java was not found/)
      expect(javaOnPort(port)).toEqual([])
    })
  })

  describe('an existing WireMock by URL', () => {
    const wiremock = useWireMock()

    it('uses it without starting anything, with the state backend optional', async () => {
      const runner = createRunner({ baseUrl: 'http://127.0.0.1:1', plugins: [[wiremockPlugin, { url: wiremock().baseUrl, state: false, env: 'MY_MOCK_URL' }]] })
      try {
        await runner.init()
        expect((runner.registry.ports.get('mock') as WireMockPort).baseUrl).toBe(wiremock().baseUrl)
        expect(runner.registry.stateBackends).toEqual([])
        expect(process.env.MY_MOCK_URL).toBe(wiremock().baseUrl)
      } finally {
        await runner.close()
      }
      expect(process.env.MY_MOCK_URL).toBeUndefined()
      // The server belongs to someone else: closing the run leaves it up.
      expect(await isListening(wiremock().port)).toBe(true)
    })

    it('refuses to manage a WireMock on a port that is taken, naming the port', async () => {
      const runner = createRunner({ baseUrl: 'http://127.0.0.1:1', plugins: [[wiremockPlugin, { managed: { port: wiremock().port } }]] })
      const err = await runner.init().catch((e: unknown) => e)
      await runner.close()
      expect(err).toBeInstanceOf(PluginError)
      expect((err as Error).message).toBe(`${PLUGIN_NAME}: managed WireMock: port ${wiremock().port} on 127.0.0.1 is already in use`)
      expect(javaOnPort(wiremock().port)).toHaveLength(1)
    })

    it('reports an unreachable WireMock through its health check, without throwing', async () => {
      const runner = createRunner({ baseUrl: 'http://127.0.0.1:1', plugins: [[wiremockPlugin, { url: `http://127.0.0.1:${await freePort()}` }]] })
      try {
        await runner.init()
        // Why, for `venomqa doctor`: not only that it is unhealthy; and the option to look at.
        expect(await runner.registry.healthChecks.get('wiremock')!()).toMatch(/^plugins\[0\]\.url: WireMock at http:\/\/127\.0\.0\.1:\d+ is not reachable \(GET \/__admin\/health: connect ECONNREFUSED/)
      } finally {
        await runner.close()
      }
    })
  })
})
