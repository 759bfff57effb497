/**
 * Ctrl-C while the app is still handling a write, against the fixture app in its own process with its own
 * pool: the run rolls back only once the app has answered, so the write is undone too. Cancelling the
 * request and rolling back at once would let the app commit after the rollback (a dirty database).
 */
import { type Logger, checkpoint, journey, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { type RunningProcess, describeWithService, waitUntil } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { postgresState } from '../src/index'
import { PG, SCHEMA, SEED, api, createDatabase, dropDatabase, dump, startTestApp } from './helpers'

const DB = `venomqa_pg_interrupt_${process.pid}`
const describe = await describeWithService('PostgreSQL', PG.host, PG.port)

describe('an interrupt while the app is still writing', () => {
  let url: string
  let app: RunningProcess

  beforeAll(async () => {
    url = await createDatabase(DB, SCHEMA + SEED)
    app = await startTestApp(url)
  })
  afterAll(async () => {
    await app?.stop()
    await dropDatabase(DB)
  })

  const pendingWrites = async () => ((await api(app.url)('GET', '/users/slowly')) as { pending: number }).pending

  /**
   * A journey whose write takes the app `ms` (or is held until the test releases it), interrupted once the
   * app has received it; what the run logged.
   */
  async function interruptMidWrite(ms: number | 'held') {
    const warnings: string[] = []
    const logger: Logger = { info() {}, debug() {}, error() {}, warn: (m) => warnings.push(m) }
    const ac = new AbortController()
    const runner = createRunner({ baseUrl: app.url, stateBackends: [postgresState({ url })], signal: ac.signal, logger })
    const before = await dump(url)
    try {
      const running = runner.run([
        journey('slow_write', {
          steps: [
            checkpoint('start'),
            step('write', ({ http }) => http.post(`/users/slowly?ms=${ms}&token=s3cret-${ms}`, { json: { email: `slow${ms}@example.com`, name: 'Slow' } })),
            step('never', () => {}),
          ],
        }),
      ])
      await waitUntil(async () => (await pendingWrites()) === 1, 'the app to receive the write')
      ac.abort()
      const result = await running
      return { result, before, warnings }
    } finally {
      await runner.close()
    }
  }

  it('a write the app finishes within the grace is rolled back with the rest', async () => {
    const run = await interruptMidWrite(600)
    expect(run.result.interrupted).toBe(true)
    expect(run.result.journeys[0]!.nodes.find((n) => 'name' in n && n.name === 'write')).toMatchObject({ status: 'failed', error: { kind: 'aborted', message: 'interrupted before the step finished' } })
    // The app has answered (nothing is pending), so a late commit would show now: there is none.
    expect(await pendingWrites()).toBe(0)
    expect(await dump(url)).toEqual(run.before)
    expect(run.warnings).toEqual([])
  })

  it('a write the app has not answered when the grace is over is cut off, and the run says it may not be rolled back', async () => {
    // The app holds the write until the test releases it: a run that waited for the app's answer rather
    // than the grace (1 s) would not end, and the test would fail at its timeout.
    const release = () => api(app.url)('POST', '/users/slowly/release', undefined, 200)
    try {
      const run = await interruptMidWrite('held')
      expect(run.result.interrupted).toBe(true)
      // The run is over, and the write still held: the run gave up on it.
      expect(await pendingWrites()).toBe(1)
      // The warning names the step and its request, without the secret in its URL.
      expect(run.warnings).toEqual([
        `slow_write › write: POST ${app.url}/users/slowly?ms=held&token=[REDACTED] got no answer after its step stopped (it is given 1000 ms): if the app still acts on it, that is not rolled back`,
      ])
      // What the warning says: once the app gets to it, its write is there.
      await release()
      await waitUntil(async () => (await pendingWrites()) === 0, 'the app to finish the write')
      expect((await dump(url)).users).toHaveLength((run.before.users as unknown[]).length + 1)
    } finally {
      await release()
    }
  })
})
