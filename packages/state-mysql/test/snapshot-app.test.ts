import { type RunningProcess, describeWithService } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { MysqlSavepointBackend, MysqlSnapshotBackend } from '../src'
import { HOST, PORT, admin, dbName, api, dropDatabase, dump, freshDatabase, privateObjects, startFixtureApp, urlFor } from './helpers'

const DB = dbName('app')
const describe = await describeWithService('MariaDB', HOST, PORT)

describe('snapshot rollback with the app in its own process', () => {
  let app: RunningProcess
  let http: ReturnType<typeof api>

  beforeAll(async () => {
    await freshDatabase(DB)
    app = await startFixtureApp(DB)
    http = api(app.url)
  })
  afterAll(async () => {
    await app?.stop()
    await dropDatabase(DB)
  })

  it('gives every path of a branch exactly the checkpoint state, AUTO_INCREMENT included, and leaves it behind', async () => {
    // Setup steps, before the checkpoint.
    const alice = (await http.post('/users', { email: 'alice@x.io', name: 'Alice' })).body.id
    const bob = (await http.post('/users', { email: 'bob@x.io', name: 'Bob' })).body.id
    const t1 = (await http.post('/todos', { userId: alice, title: 'milk' })).body.id
    const t2 = (await http.post('/todos', { userId: bob, title: 'bread' })).body.id
    await http.post(`/todos/${t1}/comments`, { text: 'skimmed' })
    await http.post(`/todos/${t2}/comments`, { text: 'rye' })
    await http.post(`/todos/${t1}/tags`, { tag: 'shop' })
    await http.post(`/todos/${t2}/tags`, { tag: 'bakery' })

    const backend = new MysqlSnapshotBackend({ url: urlFor(DB) })
    await backend.connect()
    try {
      await backend.checkpoint('ready')
      const atCheckpoint = await dump(DB)
      const firstIds: number[] = []

      const paths: Record<string, () => Promise<void>> = {
        // Inserts in three tables.
        insert: async () => {
          const carol = await http.post('/users', { email: 'carol@x.io', name: 'Carol' })
          const todo = await http.post('/todos', { userId: carol.body.id, title: 'eggs' })
          await http.post(`/todos/${todo.body.id}/comments`, { text: 'a dozen' })
          await http.post(`/todos/${todo.body.id}/tags`, { tag: 'shop' })
          firstIds.push(carol.body.id, todo.body.id)
        },
        // Updates, and a delete that cascades two tables away (todos, then comments and tags).
        'update-and-cascade': async () => {
          expect((await http.patch(`/users/${alice}`, { name: 'Alicia' })).status).toBe(200)
          expect((await http.patch(`/todos/${t2}`, { title: 'sourdough', done: true })).status).toBe(200)
          expect((await http.delete(`/users/${alice}`)).status).toBe(204)
          expect((await http.get('/counts')).body).toEqual({ users: 1, todos: 1, comments: 1, tags: 1 })
        },
        // Deletes first, then inserts: the new rows must get the same ids as in the first path.
        'delete-then-insert': async () => {
          await http.delete(`/todos/${t1}`)
          const dave = await http.post('/users', { email: 'dave@x.io', name: 'Dave' })
          const todo = await http.post('/todos', { userId: dave.body.id, title: 'jam' })
          firstIds.push(dave.body.id, todo.body.id)
        },
        // A failed insert moves AUTO_INCREMENT without changing a row: the only trace is the counter.
        'failed-insert-only': async () => {
          expect((await http.post('/users', { email: 'bob@x.io', name: 'Bob again' })).status).toBe(409)
          const now = await dump(DB)
          expect(now.rows).toEqual(atCheckpoint.rows)
          expect(Number(now.autoIncrement.users)).toBe(Number(atCheckpoint.autoIncrement.users) + 1)
        },
      }

      for (const [name, run] of Object.entries(paths)) {
        await backend.rollback('ready')
        expect(await dump(DB), `state at the start of path "${name}"`).toEqual(atCheckpoint)
        await run()
        expect(await dump(DB), `path "${name}" changed something`).not.toEqual(atCheckpoint)
      }
      // Ids from AUTO_INCREMENT continue as at the checkpoint in every path: the same next user and todo id.
      expect(firstIds).toEqual([firstIds[0], firstIds[1], firstIds[0], firstIds[1]])
      expect(firstIds[0]).toBe(bob + 1)
      expect(firstIds[1]).toBe(t2 + 1)

      await backend.rollback('ready')
      expect(await dump(DB)).toEqual(atCheckpoint)
      expect((await http.get('/counts')).body).toEqual({ users: 2, todos: 2, comments: 2, tags: 2 })
      await backend.release('ready')
    } finally {
      await backend.disconnect()
    }
    expect(await privateObjects(DB)).toEqual([])
  })

  it('a path that runs DDL: every table whose shape stays is restored (the next sign-up is no 409), then the rollback fails naming the table', async () => {
    const backend = new MysqlSnapshotBackend({ url: urlFor(DB) })
    await backend.connect()
    const conn = await admin(DB)
    try {
      await backend.checkpoint('ddl')
      expect((await http.post('/users', { email: 'dup@x.io', name: 'Dup' })).status).toBe(201)
      await conn.query('CREATE INDEX todos_by_title ON todos (title)')
      await expect(backend.rollback('ddl')).rejects.toThrow(/table `todos`: index `todos_by_title` was added.*Every other table was restored; table `todos` stays as the path left it/)
      // The next path signs the same user up.
      expect((await http.post('/users', { email: 'dup@x.io', name: 'Dup' })).status).toBe(201)
      // With the index gone, the shape is the checkpoint's again and a rollback goes through.
      await conn.query('DROP INDEX todos_by_title ON todos')
      await backend.rollback('ddl')
      await backend.release('ddl')
    } finally {
      await conn.end()
      await backend.disconnect()
    }
  })

  it('contrast: a savepoint on its own connection (the old approach) leaks every write of the app', async () => {
    const before = await dump(DB)
    const backend = new MysqlSavepointBackend({ url: urlFor(DB) })
    await backend.connect()
    try {
      await backend.checkpoint('ready')
      const created = await http.post('/users', { email: 'leak@x.io', name: 'Leak' })
      expect(created.status).toBe(201)
      // The app committed on its own pool; the savepoint never saw it. This is the bug the snapshot fixes,
      // and the savepoint's rollback says so rather than passing it over as restored.
      await expect(backend.rollback('ready')).rejects.toThrow(/rollback to "ready" left rows written since: users has rows with id above \d+/)
      const after = await dump(DB)
      expect(after).not.toEqual(before)
      expect(after.rows.users).toContainEqual({ id: created.body.id, email: 'leak@x.io', name: 'Leak' })
    } finally {
      await backend.disconnect()
    }
    // The same steps with the snapshot backend leave nothing behind.
    const snapshot = new MysqlSnapshotBackend({ url: urlFor(DB) })
    await snapshot.connect()
    try {
      await snapshot.checkpoint('ready')
      const atCheckpoint = await dump(DB)
      expect((await http.post('/users', { email: 'leak2@x.io', name: 'Leak' })).status).toBe(201)
      await snapshot.rollback('ready')
      expect(await dump(DB)).toEqual(atCheckpoint)
    } finally {
      await snapshot.disconnect()
    }
  })
})
