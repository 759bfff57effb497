/**
 * `restoreAfterJourney` against the example todo app in its own process on a PostgreSQL database of this
 * test's own: a sign-up journey with a fixed address, run twice, passes both times (the first sign-up was
 * put back, so the second is no 409), and the database holds no user afterwards.
 */
import { randomBytes } from 'node:crypto'
import { checkpoint, journey, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { type RunningProcess, describeWithService, startTodoApp } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { postgresState } from '../src/index'
import { PG, createDatabase, dropDatabase, trackingLeftovers, withClient } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const DB = `venomqa_pg_restore_${randomBytes(4).toString('hex')}`

describe('restore after every journey', () => {
  let url: string
  let app: RunningProcess | undefined

  beforeAll(async () => {
    url = await createDatabase(DB) // the app creates its tables at start
    app = await startTodoApp({ DATABASE_URL: url })
  })
  afterAll(async () => {
    await app?.stop()
    await dropDatabase(DB)
  })

  const signUp = journey('sign_up', {
    steps: [
      step('sign_up', ({ http }) => http.post('/api/users', { json: { email: 'ada@example.com', password: 'a long password', name: 'Ada' } })),
      checkpoint('signed_up'),
      step('log_in', ({ http }) => http.post('/api/auth/login', { json: { email: 'ada@example.com', password: 'a long password' } })),
    ],
  })
  const users = () => withClient(url, async (c) => (await c.query('SELECT email FROM users')).rows.map((r) => r.email))

  it('two runs of a sign-up journey with a fixed address both pass, and no user is left', async () => {
    for (const n of [1, 2]) {
      const runner = createRunner({ baseUrl: app!.url, stateBackends: [postgresState({ url })], restoreAfterJourney: true })
      try {
        const run = await runner.run(signUp)
        expect(run.status, `run ${n}: ${JSON.stringify(run.journeys[0]!.issues)}`).toBe('passed')
        expect(run.journeys[0]!.restored!.backends).toEqual([expect.objectContaining({ backend: `postgres:${DB}`, mechanism: 'snapshot' })])
      } finally {
        await runner.close()
      }
      expect(await users()).toEqual([])
    }
    expect(await trackingLeftovers(url)).toEqual([])
  })
})
