import { type RunningProcess, describeWithService } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type PostgresSavepointBackend, postgresState } from '../src/index'
import { PG, SCHEMA, SEED, createDatabase, dropDatabase, startTestApp } from './helpers'
import { runBranchScenario } from './scenario'

const DB = 'venomqa_pg_contrast'
const describe = await describeWithService('PostgreSQL', PG.host, PG.port)

/**
 * Why `snapshot` exists. The Python original rolled back only its own connection (a SAVEPOINT on a
 * session the app never uses). Run the very same branch that way: the app's writes leak from path to path.
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
    await backend?.disconnect()
    await app?.stop()
    await dropDatabase(DB)
  })

  it('fails to restore: later paths see earlier paths\' writes, and the run does not end at the checkpoint', async () => {
    const result = await runBranchScenario(backend, app.url, url)

    // The first path starts right after the checkpoint, so it is fine; every later one sees the leak.
    expect(result.startsFromCheckpoint).toEqual({ insertEverywhere: true, updateAndRekey: false, deleteWithCascades: false, insertAgain: false })
    // Dave from the first path is still there when the same insert runs again.
    expect(result.errors).toEqual([expect.stringMatching(/^insertAgain: POST \/users: expected 201, got 409/)])
    expect(result.endsAtCheckpoint).toBe(false)
  })
})
