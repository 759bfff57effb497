/**
 * A stub that never matched: the app got WireMock's 404 and the step failed on what the app made of it
 * (a 402, a 500). When a step fails, the plugin says which requests of that step no stub matched, each
 * with the nearest stub, so the failure points at the stub. Against a real WireMock started from the jar.
 */
import { assertEqual, journey, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { expect, it } from 'vitest'
import wiremockPlugin from '../src'
import { describeWithJava, useWireMock } from './helpers'

const describeJava = describeWithJava()

describeJava('requests no stub matched', () => {
  const wiremock = useWireMock()

  async function run(steps: Parameters<typeof journey>[1]['steps']) {
    const warnings: string[] = []
    const logger = { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error: (m: string) => warnings.push(m) }
    const runner = createRunner({ baseUrl: 'http://127.0.0.1:1', logger, plugins: [[wiremockPlugin, { url: wiremock().baseUrl }]] })
    try {
      const result = await runner.run(journey('charges', { requires: ['mock'], steps }))
      return { result, warnings }
    } finally {
      await runner.close()
    }
  }
  const charge = async (path: string) => (await fetch(`${wiremock().baseUrl}${path}`, { method: 'POST', body: '{"amount":5}' })).status

  it('are named when a step fails, with the nearest stub', async () => {
    const { result, warnings } = await run([
      step('stub', ({ ports }) => ports.mock!.stub({ method: 'POST', path: '/v1/charge', status: 201 })),
      step('charge', async () => assertEqual(await charge('/v1/charges'), 201, 'charge status')),
    ])
    expect(result.status).toBe('failed')
    expect(warnings).toEqual([
      '[@venomqa/adapter-wiremock] step "charge" failed, and WireMock answered 1 request of it that no stub matched with a 404: POST /v1/charges (nearest stub: POST /v1/charge)',
    ])
  })

  it('are named with the credentials in their URLs masked, and said with no stub at all', async () => {
    const { warnings } = await run([
      // The WireMock of this file is shared: the stubs of the tests before are removed.
      step('no_stubs', ({ ports }) => ports.mock!.reset()),
      step('charge', async () => assertEqual(await charge('/v1/charges?api_key=KeyValue-9931'), 201, 'charge status')),
    ])
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('POST /v1/charges?api_key=')
    expect(warnings[0]).toContain('(no stub is near it)')
    expect(warnings[0]).not.toContain('KeyValue-9931')
  })

  it('are not named when the step passed, nor when its requests all matched', async () => {
    const { warnings } = await run([
      step('stub', ({ ports }) => ports.mock!.stub({ method: 'POST', path: '/v1/charges', status: 201 })),
      step('unmatched_expected', async () => assertEqual(await charge('/v1/nothing'), 404, 'no stub')),
      step('matched_then_failed', async () => assertEqual(await charge('/v1/charges'), 200, 'charge status')),
    ])
    expect(warnings).toEqual([])
  })
})
