import type { StateBackend } from '@venomqa/core'
import { api, dump } from './helpers'

export interface ScenarioResult {
  /** Per path: did the app, through its own pool, see exactly the checkpoint state when the path began? */
  startsFromCheckpoint: Record<string, boolean>
  /** Ids the two identical insert paths got. */
  ids: Record<string, unknown>[]
  /** Did the database (rows and sequences) end exactly as at the checkpoint? */
  endsAtCheckpoint: boolean
  /** Requests that failed inside a path. */
  errors: string[]
  checkpointState: Record<string, unknown>
}

/**
 * A branch driven by hand, as the runner does it: checkpoint, then for each path rollback + run, then a
 * final rollback. Paths insert, update and delete in users, sessions, todos, comments and todo_tags, through
 * the app's HTTP API (the app commits through its own pool). Nothing is asserted here: the caller decides
 * whether the mechanism had to restore the state or had to be shown not to.
 */
export async function runBranchScenario(backend: StateBackend, appUrl: string, dbUrl: string): Promise<ScenarioResult> {
  const call = api(appUrl)
  const carol = await call('POST', '/users', { email: 'carol@example.com', name: 'Carol' }, 201)
  await call('POST', '/todos', { userId: carol.id, title: 'carol todo', tags: ['a'] }, 201)
  await backend.checkpoint('ready')
  const checkpointState = await dump(dbUrl)
  const appAtCheckpoint = JSON.stringify(await call('GET', '/state', undefined, 200))

  const ids: Record<string, unknown>[] = []
  const insertEverywhere = async () => {
    const dave = await call('POST', '/users', { email: 'dave@example.com', name: 'Dave' }, 201)
    await call('POST', '/sessions', { userId: dave.id }, 201)
    const todo = await call('POST', '/todos', { userId: dave.id, title: 'dave todo', tags: ['x', 'y'] }, 201)
    const comment = await call('POST', `/todos/${todo.id}/comments`, { body: 'hi' }, 201)
    ids.push({ user: dave.id, todo: todo.id, comment: comment.id })
  }
  const paths: Record<string, () => Promise<void>> = {
    insertEverywhere,
    async updateAndRekey() {
      await call('PATCH', '/users/1', { name: 'Ada Lovelace' }, 200)
      await call('PATCH', '/todos/1', { title: 'write more tests', done: true }, 200)
      // A primary key that changes: the row under the new key must go, the old one come back.
      await call('PUT', '/todos/1/tags/work', { tag: 'play' }, 200)
      await call('POST', '/wipe-audit', {}, 200)
    },
    async deleteWithCascades() {
      // users -> sessions, todos -> comments, todo_tags through ON DELETE CASCADE, plus the app's own triggers.
      await call('DELETE', '/users/1', undefined, 204)
      await call('DELETE', '/todos/3', undefined, 204)
    },
    insertAgain: insertEverywhere,
  }

  const startsFromCheckpoint: Record<string, boolean> = {}
  const errors: string[] = []
  for (const [name, run] of Object.entries(paths)) {
    await backend.rollback('ready')
    startsFromCheckpoint[name] = JSON.stringify(await call('GET', '/state', undefined, 200)) === appAtCheckpoint
    try {
      await run()
    } catch (err) {
      errors.push(`${name}: ${(err as Error).message}`)
    }
  }
  await backend.rollback('ready')
  const endsAtCheckpoint = JSON.stringify(await dump(dbUrl)) === JSON.stringify(checkpointState)
  return { startsFromCheckpoint, ids, endsAtCheckpoint, errors, checkpointState }
}
