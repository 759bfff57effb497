import { type RunningProcess, describeWithService } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { PostgresSnapshotBackend, postgresState } from '../src/index'
import { PG, SCHEMA, SEED, api, createDatabase, dropDatabase, dump, startTestApp, trackingLeftovers } from './helpers'

const DB = 'venomqa_pg_snapshot_app'
const describe = await describeWithService('PostgreSQL', PG.host, PG.port)

describe('snapshot mechanism, app in its own process with its own pool', () => {
  let url: string
  let app: RunningProcess
  let backend: PostgresSnapshotBackend
  let call: ReturnType<typeof api>

  beforeAll(async () => {
    url = await createDatabase(DB, SCHEMA + SEED)
    app = await startTestApp(url)
    call = api(app.url)
    backend = postgresState({ url })
    await backend.connect()
  })

  afterAll(async () => {
    await backend?.disconnect()
    await app?.stop()
    await dropDatabase(DB)
  })

  it('every path of a branch starts from the checkpoint, ids continue as at the checkpoint, the end state is the checkpoint', async () => {
    expect(backend.mechanism).toBe('snapshot')
    expect(backend.tables).toEqual(['public.audit_log', 'public.comments', 'public.sessions', 'public.todo_tags', 'public.todos', 'public.users'])

    // Main line: some writes before the checkpoint are part of the checkpoint state.
    const carol = await call('POST', '/users', { email: 'carol@example.com', name: 'Carol' }, 201)
    await call('POST', '/todos', { userId: carol.id, title: 'carol todo', tags: ['a'] }, 201)
    await backend.checkpoint('ready')
    const atCheckpoint = await dump(url)
    const appAtCheckpoint = await call('GET', '/state', undefined, 200)

    const ids: Record<string, unknown>[] = []
    const paths: Record<string, () => Promise<void>> = {
      async insertEverywhere() {
        const dave = await call('POST', '/users', { email: 'dave@example.com', name: 'Dave' }, 201)
        const session = await call('POST', '/sessions', { userId: dave.id }, 201)
        const todo = await call('POST', '/todos', { userId: dave.id, title: 'dave todo', tags: ['x', 'y'] }, 201)
        const comment = await call('POST', `/todos/${todo.id}/comments`, { body: 'hi' }, 201)
        ids.push({ user: dave.id, todo: todo.id, comment: comment.id })
        expect(session.user_id).toBe(dave.id)
      },
      async updateAndRekey() {
        await call('PATCH', '/users/1', { name: 'Ada Lovelace' }, 200)
        await call('PATCH', '/todos/1', { title: 'write more tests', done: true }, 200)
        // A primary key that changes: the row under the new key must go, the old one come back.
        await call('PUT', '/todos/1/tags/work', { tag: 'play' }, 200)
        await call('POST', '/wipe-audit', {}, 200)
      },
      async deleteWithCascades() {
        // users -> sessions, todos -> comments, todo_tags: all through ON DELETE CASCADE, plus the app's triggers.
        await call('DELETE', '/users/1', undefined, 204)
        await call('DELETE', '/todos/3', undefined, 204)
        const state = await call('GET', '/state', undefined, 200)
        expect(state.users.map((u: { id: number }) => u.id)).toEqual([2, carol.id])
        expect(state.comments).toEqual([])
      },
      async insertAgain() {
        await paths.insertEverywhere!()
      },
    }

    for (const [name, run] of Object.entries(paths)) {
      await backend.rollback('ready')
      // What the app sees through its own pool on its next request is the checkpoint state.
      expect(await call('GET', '/state', undefined, 200), `app state before path ${name}`).toEqual(appAtCheckpoint)
      await run()
      expect(await dump(url), `path ${name} changed something`).not.toEqual(atCheckpoint)
    }
    // Ids from sequences and identity columns continue as at the checkpoint, in every path.
    expect(ids[1]).toEqual(ids[0])
    expect(ids[0]).toEqual({ user: carol.id + 1, todo: 5, comment: '4' }) // bigserial comes back as text

    await backend.rollback('ready')
    expect(await dump(url)).toEqual(atCheckpoint)
    expect(await call('GET', '/state', undefined, 200)).toEqual(appAtCheckpoint)
    expect(await backend.observe()).toEqual({
      'public.audit_log': appAtCheckpoint.audit_log.length,
      'public.comments': 3,
      'public.sessions': 2,
      'public.todo_tags': 4,
      'public.todos': 4,
      'public.users': 3,
    })
  })

  it('disconnect removes every trigger, function and table it created', async () => {
    await backend.release('ready')
    expect(await trackingLeftovers(url)).not.toEqual([])
    await backend.disconnect()
    expect(await trackingLeftovers(url)).toEqual([])
    // The app goes on writing normally once tracking is gone.
    await call('POST', '/users', { email: 'eve@example.com', name: 'Eve' }, 201)
  })
})
