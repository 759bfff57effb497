/**
 * connect() with a signal: the run aborts it when it stops waiting (Ctrl-C, pluginTimeout). A database that
 * does not answer is left at once, and a setup the abort caught halfway is undone, so nothing of the
 * backend stays in the app's database.
 */
import { AbortedError, checkpoint, journey, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { abortedAgainstSilentServer, describeWithService, settledWithin, startSilentServer, waitUntil } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { postgresState } from '../src/index'
import { PG, SCHEMA, SEED, createDatabase, dropDatabase, trackingLeftovers, withClient } from './helpers'

const DB = `venomqa_pg_connect_abort_${process.pid}`
const describe = await describeWithService('PostgreSQL', PG.host, PG.port)

describe('connect() aborted by its signal', () => {
  let url: string
  beforeAll(async () => {
    url = await createDatabase(DB, SCHEMA + SEED)
  })
  afterAll(async () => {
    await dropDatabase(DB)
  })

  it('stops connecting to a database that does not answer, with the signal reason', async () => {
    // The backend's own connect timeout is a minute: only the abort can end this connect soon.
    const { settled, reason } = await abortedAgainstSilentServer(({ port }, signal) =>
      postgresState({ url: `postgres://postgres@127.0.0.1:${port}/x`, connectTimeoutMs: 60_000 }).connect({ signal }),
    )
    expect(settled).toBe(reason)
  })

  it('a signal aborted before the call connects to nothing', async () => {
    const backend = postgresState({ url })
    const ac = new AbortController()
    ac.abort(new Error('already stopped'))
    await expect(backend.connect({ signal: ac.signal })).rejects.toThrow('already stopped')
    expect(await sessionsOf('venomqa postgres:')).toEqual([])
  })

  it('a setup caught halfway is finished and undone: no tracking is left in the database', async () => {
    const backend = postgresState({ url, lockTimeoutMs: 30_000 })
    const ac = new AbortController()
    // Another session holds the users table, so the backend's setup waits for its lock.
    await withClient(url, async (locker) => {
      await locker.query('BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE')
      const connecting = backend.connect({ signal: ac.signal })
      const outcome = settledWithin(connecting, 20_000)
      await waitUntil(async () => (await sessionsOf(`venomqa ${backend.name}`, 'Lock')).length === 1, 'the backend to wait for the table lock')
      ac.abort(new Error('stopped mid-setup'))
      await locker.query('COMMIT')
      expect(await outcome).toMatchObject({ message: 'stopped mid-setup' })
    })
    expect(await trackingLeftovers(url)).toEqual([])
    expect(await sessionsOf(`venomqa ${backend.name}`)).toEqual([])
  })

  it('Ctrl-C while the runner connects: the run stops, and the close has no connect left to wait for', async () => {
    const silent = await startSilentServer()
    const warnings: string[] = []
    const ac = new AbortController()
    const backend = postgresState({ url: `postgres://postgres@127.0.0.1:${silent.port}/x`, connectTimeoutMs: 60_000 })
    const connect = backend.connect.bind(backend)
    let connecting: Promise<void> | undefined
    backend.connect = (options) => {
      connecting = connect(options)
      return connecting
    }
    const runner = createRunner({
      baseUrl: 'http://127.0.0.1:1',
      stateBackends: [backend],
      signal: ac.signal,
      logger: { info() {}, debug() {}, error() {}, warn: (m) => warnings.push(m) },
    })
    try {
      const running = runner.run([journey('j', { steps: [checkpoint('start'), step('s', () => {})] })])
      await waitUntil(() => connecting !== undefined, 'the runner to connect the backend')
      ac.abort(new AbortedError('interrupted by the user'))
      const result = await running
      expect(result.interrupted).toBe(true)
      expect(result.journeys[0]).toMatchObject({ status: 'skipped', interrupted: true })
      expect(result.issues.map((i) => i.error)).toEqual([])
      // The backend's connect ends with the abort: before, it went on for the connect timeout (a minute)
      // and the close waited for it.
      expect(await settledWithin(connecting!, 10_000)).toBeInstanceOf(AbortedError)
      expect(await settledWithin(runner.close(), 10_000)).toBe('done')
      expect(warnings.filter((w) => /still connecting|to finish the connect/.test(w))).toEqual([])
    } finally {
      await silent.close()
    }
  })
})

/** Sessions of this database whose application_name starts with `prefix`, waiting on `waitType` if given. */
async function sessionsOf(prefix: string, waitType?: string): Promise<string[]> {
  return withClient(`postgres://postgres@127.0.0.1:5432/postgres`, async (c) => {
    const { rows } = await c.query(
      `SELECT application_name AS name FROM pg_stat_activity WHERE datname = $1 AND starts_with(application_name, $2) AND ($3::text IS NULL OR wait_event_type = $3)`,
      [DB, prefix, waitType ?? null],
    )
    return rows.map((r) => r.name)
  })
}
