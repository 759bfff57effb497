import { type RunningProcess, SERVICES, describeWithService, startTodoApp } from '@venomqa/test-utils'
import pg from 'pg'
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { TEST_QUOTA, apiContract } from './contract'
import { type Client, assertFreshBuild, client, startMailCatcher, startStubServer } from './support'

/** The one database these tests may use; created if missing, dropped at the end. */
const DATABASE = 'venomqa_todo_test'
const SERVER_URL = `postgres://postgres@${SERVICES.postgres.host}:${SERVICES.postgres.port}`
const DATABASE_URL = `${SERVER_URL}/${DATABASE}`
const TABLES = ['comments', 'password_resets', 'sessions', 'todos', 'users']

async function onServer<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: `${SERVER_URL}/postgres` })
  await admin.connect()
  try {
    return await fn(admin)
  } finally {
    await admin.end()
  }
}

const describePg = await describeWithService('PostgreSQL', SERVICES.postgres.host, SERVICES.postgres.port)

describePg('todo app on PostgreSQL, as a separate process', () => {
  let app: RunningProcess
  let api: Client
  let db: pg.Client
  let mail: Awaited<ReturnType<typeof startMailCatcher>>
  let stub: Awaited<ReturnType<typeof startStubServer>>

  beforeAll(async () => {
    assertFreshBuild()
    await onServer(async (admin) => {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE])
      if (!exists.rowCount) await admin.query(`CREATE DATABASE ${DATABASE}`)
    })
    db = new pg.Client({ connectionString: DATABASE_URL })
    await db.connect()
    await db.query(`DROP TABLE IF EXISTS ${TABLES.join(', ')}`)
    ;[mail, stub] = await Promise.all([startMailCatcher(), startStubServer()])
    app = await startTodoApp({
      DATABASE_URL,
      TODO_QUOTA: String(TEST_QUOTA),
      SMTP_URL: mail.url,
      PAYMENT_URL: stub.url,
      WEBHOOK_URL: stub.url,
    })
    api = client(app.url)
  })

  afterAll(async () => {
    await app?.stop()
    await db?.end()
    await Promise.all([mail?.close(), stub?.close()])
    await onServer((admin) => admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`))
  })

  beforeEach(async () => {
    await db.query(`TRUNCATE ${TABLES.join(', ')} RESTART IDENTITY CASCADE`)
    mail.mails.length = 0
    stub.requests.length = 0
  })

  apiContract(() => ({ api, storage: 'postgres', mails: mail.mails, stub }))

  it('created the schema at startup, with the foreign keys the brief asks for', async () => {
    const { rows } = await db.query(`
      SELECT tc.table_name, kcu.column_name, ccu.table_name AS references, rc.delete_rule
      FROM information_schema.table_constraints tc
      JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name
      JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name
      JOIN information_schema.referential_constraints rc ON rc.constraint_name = tc.constraint_name
      WHERE tc.constraint_type = 'FOREIGN KEY' ORDER BY tc.table_name`)
    expect(rows).toEqual([
      { table_name: 'comments', column_name: 'todo_id', references: 'todos', delete_rule: 'CASCADE' },
      { table_name: 'password_resets', column_name: 'user_id', references: 'users', delete_rule: 'CASCADE' },
      { table_name: 'sessions', column_name: 'user_id', references: 'users', delete_rule: 'CASCADE' },
      { table_name: 'todos', column_name: 'user_id', references: 'users', delete_rule: 'NO ACTION' },
    ])
    const hash = (await db.query('SELECT password_hash FROM users')).rows
    expect(hash).toEqual([])
    await api.user()
    expect((await db.query('SELECT password_hash FROM users')).rows[0].password_hash).toMatch(/^scrypt\$/)
  })

  it('reads every request from the database: changes made behind its back show at once', async () => {
    const u = await api.user()
    const todo = (await api.post('/api/todos', { title: 'original' }, u.token)).body
    expect((await api.get(`/api/todos/${todo.id}`, u.token)).body.title).toBe('original')

    await db.query("UPDATE todos SET title = 'changed behind its back' WHERE id = $1", [todo.id])
    expect((await api.get(`/api/todos/${todo.id}`, u.token)).body.title).toBe('changed behind its back')

    // A rollback done by a state backend looks like this to the app: rows gone, sequence back.
    await db.query('DELETE FROM todos')
    await db.query("SELECT setval('todos_id_seq', 1, false)")
    expect((await api.get(`/api/todos/${todo.id}`, u.token)).status).toBe(404)
    expect((await api.post('/api/todos', { title: 'again' }, u.token)).body.id).toBe(1)

    await db.query('DELETE FROM sessions')
    expect((await api.get('/api/me', u.token)).status).toBe(401)
  })

  it('has no control endpoints', async () => {
    for (const [method, path] of [
      ['POST', '/__venomqa/checkpoint'],
      ['POST', '/__venomqa/rollback'],
      ['POST', '/__venomqa/reset'],
      ['GET', '/__venomqa/state'],
    ] as const)
      expect(await api.call(method, path, method === 'POST' ? { json: { name: 'x' } } : {})).toMatchObject({
        status: 404,
        body: { error: 'control endpoints exist only in memory mode' },
      })
  })
})
