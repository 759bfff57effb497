import { type RunningProcess, describeWithService } from '@venomqa/test-utils'
import { runDatabaseName } from '@venomqa/test-utils/postgres'
import { StateError } from '@venomqa/core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type PostgresSnapshotBackend, postgresState } from '../src/index'
import { PG, SCHEMA, SEED, api, createDatabase, dropDatabase, dump, startTestApp, trackingLeftovers, withClient } from './helpers'
import { runBranchScenario } from './scenario'

const DB = runDatabaseName('venomqa_pg_snapshot_app')
const describe = await describeWithService('PostgreSQL', PG.host, PG.port)

describe('snapshot mechanism, app in its own process with its own pool', () => {
  let url: string
  let app: RunningProcess
  let backend: PostgresSnapshotBackend

  beforeAll(async () => {
    url = await createDatabase(DB, SCHEMA + SEED)
    app = await startTestApp(url)
    backend = postgresState({ url })
    await backend.connect()
  })

  // The database goes even when a disconnect or the app's stop fails: a later run must not find it.
  afterAll(async () => {
    try {
      await backend?.disconnect()
      await app?.stop()
    } finally {
      await dropDatabase(DB)
    }
  })

  it('every path starts from the checkpoint, ids continue as at the checkpoint, the run ends at the checkpoint', async () => {
    expect(backend.mechanism).toBe('snapshot')
    expect(backend.tables).toEqual(['public.audit_log', 'public.comments', 'public.sessions', 'public.todo_tags', 'public.todos', 'public.users'])

    const result = await runBranchScenario(backend, app.url, url)

    expect(result.errors).toEqual([])
    expect(result.startsFromCheckpoint).toEqual({ insertEverywhere: true, updateAndRekey: true, deleteWithCascades: true, insertAgain: true })
    // Sequences (serial, bigserial) and identity columns give the same ids in every path.
    expect(result.ids).toEqual([
      { user: 4, todo: 5, comment: '4' }, // bigserial comes back as text
      { user: 4, todo: 5, comment: '4' },
    ])
    expect(result.endsAtCheckpoint).toBe(true)
    expect(await backend.observe()).toEqual({
      'public.audit_log': (result.checkpointState.audit_log as unknown[]).length,
      'public.comments': 3,
      'public.sessions': 2,
      'public.todo_tags': 4,
      'public.todos': 4,
      'public.users': 3,
    })
  })

  it('a path that runs DDL: every table whose shape stays is restored (the next sign-up is no 409), then the rollback fails naming the table', async () => {
    const http = api(app.url)
    await backend.checkpoint('ddl')
    await http('POST', '/users', { email: 'dup@example.com', name: 'Dup' }, 201)
    await withClient(url, (c) => c.query('CREATE INDEX todos_by_title ON todos (title)'))
    const err = await backend.rollback('ddl').catch((e) => e)
    expect(err).toBeInstanceOf(StateError)
    expect(err.message).toMatch(/changed under checkpoint "ddl": table public\.todos: .*Every other table was restored; table public\.todos stays as the path left it/)
    // The next path signs the same user up: the path's user is gone.
    await http('POST', '/users', { email: 'dup@example.com', name: 'Dup' }, 201)
    // With the index gone, the shape is the checkpoint's again and a rollback goes through.
    await withClient(url, (c) => c.query('DROP INDEX todos_by_title'))
    await backend.rollback('ddl')
    await backend.release('ddl')
  })

  it('disconnect removes every trigger, function and table it created; the app goes on normally', async () => {
    await backend.release('ready')
    expect(await trackingLeftovers(url)).not.toEqual([])
    const before = await dump(url)
    await backend.disconnect()
    expect(await trackingLeftovers(url)).toEqual([])
    expect(await dump(url)).toEqual(before)
    await api(app.url)('POST', '/users', { email: 'eve@example.com', name: 'Eve' }, 201)
  })
})
