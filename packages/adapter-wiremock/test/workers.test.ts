/**
 * Parallel paths on WireMock workers: each worker has its own WireMock (from the jar) and its own instance of
 * a small app that calls the payment provider WireMock stands in for. At each sync the main WireMock's stubs
 * and scenario states are copied and the worker's journal emptied. Every path checks it starts from the
 * checkpoint (stubs, where a scenario stands, an empty journal), adds a stub of its own, and sees only it.
 */
import { type MockPort, assertEqual, branch, checkpoint, journey, path, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { type RunningProcess, startNodeProcess, expectBranchOnWorkers } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import wiremockPlugin, { type ManagedWireMock, startWireMock, wiremockWorkers } from '../src'
import { describeWithJava } from './helpers'

const APP = new URL('./fixtures/proxy-app.mjs', import.meta.url).pathname
const startApp = (paymentUrl: string) => startNodeProcess(APP, { env: { PAYMENT_URL: paymentUrl } })

function parallelJourney(run: number) {
  const paths = Array.from({ length: 8 }, (_, i) =>
    path(`p${i}`, [
      step('starts_at_checkpoint', async ({ http, ports }) => {
        const mock = ports.require<MockPort>('mock')
        assertEqual(await mock.countRequests('POST', '/v1/quote'), 0, `journal at the start of p${i}`)
        // The scenario stands where the main line left it: its second answer comes next.
        assertEqual((await http.post('/pay/v1/quote', { json: {} })).json(), { n: 2 }, `quote at the start of p${i}`)
        const paid = await http.post('/pay/v1/charges', { json: { amount: 10 } })
        assertEqual([paid.status, paid.json()], [200, { status: 'paid', run }], `charge at the start of p${i}`)
        await mock.stub({ method: 'POST', path: '/v1/charges', status: 402, body: { declined: `p${i}` } })
      }),
      step('sees_only_its_own_stub', async ({ http, ports }) => {
        const declined = await http.post('/pay/v1/charges', { json: { amount: 10 } })
        assertEqual([declined.status, declined.json()], [402, { declined: `p${i}` }], `charge after p${i}'s stub`)
        assertEqual((await http.post('/pay/v1/quote', { json: {} })).json(), { n: 3 }, `quote after p${i}`)
        const mock = ports.require<MockPort>('mock')
        assertEqual([await mock.countRequests('POST', '/v1/charges'), await mock.countRequests('POST', '/v1/quote')], [2, 2], `journal of p${i}`)
      }),
    ]),
  )
  return journey(`wiremock_parallel_${run}`, {
    requires: ['mock'],
    steps: [
      step('stubs', async ({ http, ports }) => {
        const mock = ports.require<MockPort>('mock')
        await mock.reset()
        await mock.stub({ method: 'POST', path: '/v1/charges', status: 200, body: { status: 'paid', run } })
        await mock.stubSequence('POST', '/v1/quote', [{ body: { n: 1 } }, { body: { n: 2 } }, { body: { n: 3 } }])
        assertEqual((await http.post('/pay/v1/quote', { json: {} })).json(), { n: 1 }, 'first quote')
      }),
      checkpoint('stubbed'),
      branch('stubbed', paths),
      step('main_line_back_at_checkpoint', async ({ http }) => {
        const paid = await http.post('/pay/v1/charges', { json: { amount: 10 } })
        assertEqual([paid.status, paid.json()], [200, { status: 'paid', run }], 'charge after the branch')
      }),
    ],
  })
}

describeWithJava()('wiremockWorkers', () => {
  let wiremock: ManagedWireMock
  let app: RunningProcess
  beforeAll(async () => {
    wiremock = await startWireMock()
    app = await startApp(wiremock.baseUrl)
  }, 120_000)
  afterAll(async () => {
    await app?.stop()
    await wiremock?.stop()
  })

  it('runs 8 paths on 4 workers, each WireMock holding the checkpoint stubs plus its own, 10 times over', async () => {
    const apps: RunningProcess[] = []
    const mocks: string[] = []
    const runner = createRunner({
      baseUrl: app.url,
      plugins: [[wiremockPlugin, { url: wiremock.baseUrl }]],
      parallelPaths: 4,
      workerSetup: wiremockWorkers({
        async startApp(_index, mockUrl) {
          mocks.push(mockUrl)
          const w = await startApp(mockUrl)
          apps.push(w)
          return { baseUrl: w.url, close: () => w.stop() }
        },
      }),
    })
    try {
      // Ten runs of eight paths, each run syncing every worker: the suite's time budget, where twenty ran before.
      for (let run = 0; run < 10; run++) expectBranchOnWorkers(await runner.run(parallelJourney(run)), run)
    } finally {
      await runner.close()
    }
    expect(new Set(mocks).size).toBe(3)
    expect(mocks).not.toContain(wiremock.baseUrl)
    // The workers' WireMocks are stopped with the run: nothing answers where they listened.
    for (const url of mocks) await expect(fetch(`${url}/__admin/health`)).rejects.toThrow()
    expect(apps.every((w) => w.child.exitCode !== null || w.child.signalCode !== null)).toBe(true)
  }, 180_000)
})
