import { type RunningProcess, describeWithService } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type PostgresSavepointBackend, postgresState } from '../src/index'
import { PG, SCHEMA, SEED, createDatabase, dropDatabase, startTestApp } from './helpers'
import { runBranchScenario } from './scenario'

const DB = 'venomqa_pg_contrast'
const describe = await describeWithService('PostgreSQL', PG.host, PG.port)

/**
 * Why `snapshot` exists. The Python original rolled back only its own connection (a SAVEPOINT on a
 * session the app never uses), and the app's writes leaked from path to path without a word. Run the very
 * same branch that way here: the rollback cannot undo them either, but it fails saying so.
 */
describe('contrast: rollback of only its own connection, app in its own process', () => {
  let url: string
  let app: RunningProcess
  let backend: PostgresSavepointBackend

  beforeAll(async () => {
    url = await createDatabase(DB, SCHEMA + SEED)
    app = await startTestApp(url)
    backend = postgresState({ url, mechanism: 'savepoint' })
    await backend.connect()
  })

  afterAll(async () => {
    try {
      // Its rollback of the run fails when the app's rows outlive it (the test asserts that): that must not
      // keep the app process and the database from being removed.
      await backend?.disconnect()
    } finally {
      await app?.stop()
      await dropDatabase(DB)
    }
  })

  it('cannot restore, and says so: the rollback after the first path fails naming the tables, and the app can go on', async () => {
    // Before, the rollback "succeeded": later paths saw earlier paths' writes (Dave inserted twice: 409),
    // and the sequences were set back under the app's rows, so its next inserts failed on their ids.
    await expect(runBranchScenario(backend, app.url, url)).rejects.toThrow(
      /the rollback to "ready" left rows written since: .*"public"\."users" has ids from public\.users_id_seq handed out after it.*committed through another connection.*use mechanism 'snapshot'/,
    )
    // The sequences were left ahead of the app's rows: its next insert gets a new id, not a clash.
    const res = await fetch(`${app.url}/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'after@e.com', name: 'After' }) })
    expect(res.status).toBe(201)
    // Disconnecting rolls the run back, and says the same: the app's rows outlive it.
    await expect(backend.disconnect()).rejects.toThrow(/the rollback of the run left rows written since/)
  })
})
