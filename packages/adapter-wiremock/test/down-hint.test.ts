/**
 * Nothing listening at WireMock's url (most often: no WireMock started) used to say only that it is not
 * reachable. The plugin can start one itself, and says so, naming the option as the entry has it. Needs no
 * WireMock: the point is the one that is not there.
 */
import { PLUGIN_API_VERSION, definePlugin } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { expect, it } from 'vitest'
import wiremockPlugin, { type WireMockPort, WireMockAdmin, freePort } from '../src'

/** An entry before the WireMock one, so that its index (1) is told apart from the first's. */
const first = definePlugin({ name: 'first', version: '1.0.0', apiVersion: PLUGIN_API_VERSION })

it('a WireMock that is not there: the health check and the port name managed: true as the other way', async () => {
  const runner = createRunner({ baseUrl: 'http://127.0.0.1:1', plugins: [first, [wiremockPlugin, { url: `http://127.0.0.1:${await freePort()}`, env: false }]] })
  try {
    await runner.init()
    const hint = ': start WireMock there, or let the plugin start one with plugins[1].managed: true (in place of url; it needs Java)'
    const health = await runner.registry.healthChecks.get('wiremock')!()
    expect(health).toMatch(/^plugins\[1\]\.url: WireMock at http:\/\/127\.0\.0\.1:\d+ is not reachable \(GET \/__admin\/health: connect ECONNREFUSED/)
    expect(health).toContain(hint)
    const err = await (runner.registry.ports.get('mock') as WireMockPort).requests().catch((e: Error) => e)
    expect((err as Error).message).toContain(hint)
  } finally {
    await runner.close()
  }
})

it('a client made in code, which no option starts a WireMock for, says nothing of managed', async () => {
  const admin = new WireMockAdmin(`http://127.0.0.1:${await freePort()}`)
  const err = await admin.call('GET', 'health').catch((e: Error) => e)
  expect((err as Error).message).toMatch(/is not reachable \(GET \/__admin\/health: connect ECONNREFUSED [^)]*\)$/)
})
