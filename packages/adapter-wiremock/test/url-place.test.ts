/**
 * A WireMock `url` that is wrong shows only when it is first used: nothing listens there, no such host, no
 * admin API at that path. The error names the config entry's key (`plugins[1].url`), as the schema names
 * the other mistakes, in the health check, the port's calls, and the state backend's connect and checkpoint.
 */
import { PLUGIN_API_VERSION, type StateBackend, StateError, definePlugin } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { expect, it } from 'vitest'
import wiremockPlugin, { WireMockPort, freePort } from '../src'
import { describeWithJava, useWireMock } from './helpers'

const describeJava = describeWithJava()

/** An entry before the WireMock one, so that its index (1) is told apart from the first's. */
const first = definePlugin({ name: 'first', version: '1.0.0', apiVersion: PLUGIN_API_VERSION })

describeJava('a wrong WireMock url, found on first use', () => {
  const wiremock = useWireMock()

  const wrongUrls: [string, () => Promise<string>][] = [
    ['nothing listens there', async () => `http://127.0.0.1:${await freePort()}`],
    ['no such host', async () => 'http://no-such-host.invalid:8080'],
    ['no admin API at that path', async () => `${wiremock().baseUrl}/not-here`],
  ]

  for (const [what, urlOf] of wrongUrls) {
    it(`${what}: the health check, the port and the backend name plugins[1].url`, async () => {
      const runner = createRunner({ baseUrl: 'http://127.0.0.1:1', plugins: [first, [wiremockPlugin, { url: await urlOf(), env: false }]] })
      try {
        await runner.init()
        expect(await runner.registry.healthChecks.get('wiremock')!()).toEqual(expect.stringMatching(/^plugins\[1\]\.url: WireMock at /))
        const mock = runner.registry.ports.get('mock') as WireMockPort
        for (const call of [() => mock.requests(), () => mock.reset()]) {
          const err = await call().catch((e: Error) => e)
          expect((err as Error).message).toMatch(/^plugins\[1\]\.url: WireMock at /)
        }
        const backend = runner.registry.stateBackends[0] as StateBackend
        for (const call of [() => backend.connect(), () => backend.checkpoint('cp')]) {
          const err = await call().catch((e: Error) => e)
          expect(err).toBeInstanceOf(StateError)
          expect((err as Error).message).toMatch(/^state backend "wiremock": (checkpoint "cp" failed: )?plugins\[1\]\.url: WireMock at /)
        }
      } finally {
        await runner.close()
      }
    })
  }

  it('a stub on a server that is not there names plugins[1].url; the right url is never blamed', async () => {
    const runner = createRunner({ baseUrl: 'http://127.0.0.1:1', plugins: [first, [wiremockPlugin, { url: `http://127.0.0.1:${await freePort()}`, env: false }]] })
    try {
      await runner.init()
      const err = await (runner.registry.ports.get('mock') as WireMockPort).stub({ method: 'GET', path: '/x', status: 200 }).catch((e: Error) => e)
      expect((err as Error).message).toMatch(/^plugins\[1\]\.url: WireMock at http:\/\/127\.0\.0\.1:\d+ is not reachable \(POST \/__admin\/mappings: .*ECONNREFUSED/)
    } finally {
      await runner.close()
    }
    const good = createRunner({ baseUrl: 'http://127.0.0.1:1', plugins: [first, [wiremockPlugin, { url: wiremock().baseUrl, env: false }]] })
    try {
      await good.init()
      const mock = good.registry.ports.get('mock') as WireMockPort
      // A 404 that the call expects (a stub already gone) is no mistake of the url, nor is one WireMock
      // itself explains (a scenario it does not have).
      await expect(mock.removeStub('00000000-0000-0000-0000-000000000000')).resolves.toBeUndefined()
      const missing = await mock.admin.setScenarioState('no-such-scenario', 'x').catch((e: Error) => e)
      expect((missing as Error).message).toMatch(/^WireMock at .* answered PUT \/__admin\/scenarios\/no-such-scenario\/state with 404/)
      expect(await good.registry.healthChecks.get('wiremock')!()).toBe(true)
    } finally {
      await good.close()
    }
  })
})
