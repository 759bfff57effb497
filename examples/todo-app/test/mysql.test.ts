import { type RunningProcess, SERVICES, describeWithService, startTodoApp } from '@venomqa/test-utils'
import mysql from 'mysql2/promise'
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { TEST_QUOTA, apiContract } from './contract'
import { type Client, assertFreshBuild, client, startMailCatcher, startStubServer } from './support'

/** The one database these tests may use; created if missing, dropped at the end. */
const DATABASE = 'venomqa_todo_test'
const SERVER_URL = `mysql://root@${SERVICES.mysql.host}:${SERVICES.mysql.port}`
const DATABASE_URL = `${SERVER_URL}/${DATABASE}`
const TABLES = ['comments', 'password_resets', 'sessions', 'todos', 'users']

const describeMysql = await describeWithService('MariaDB', SERVICES.mysql.host, SERVICES.mysql.port)

describeMysql('todo app on MySQL/MariaDB, as a separate process', () => {
  let app: RunningProcess
  let api: Client
  let db: mysql.Connection
  let mail: Awaited<ReturnType<typeof startMailCatcher>>
  let stub: Awaited<ReturnType<typeof startStubServer>>

  beforeAll(async () => {
    assertFreshBuild()
    db = await mysql.createConnection(SERVER_URL)
    await db.query(`CREATE DATABASE IF NOT EXISTS ${DATABASE}`)
    await db.query(`USE ${DATABASE}`)
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
    await db?.query(`DROP DATABASE IF EXISTS ${DATABASE}`)
    await db?.end()
    await Promise.all([mail?.close(), stub?.close()])
  })

  beforeEach(async () => {
    // TRUNCATE also resets AUTO_INCREMENT, so ids start at 1 in every test, as in the other modes.
    await db.query('SET FOREIGN_KEY_CHECKS = 0')
    for (const table of TABLES) await db.query(`TRUNCATE TABLE ${table}`)
    await db.query('SET FOREIGN_KEY_CHECKS = 1')
    mail.mails.length = 0
    stub.requests.length = 0
  })

  apiContract(() => ({ api, storage: 'mysql', mails: mail.mails, stub }))

  it('created the schema at startup, with the foreign keys the brief asks for', async () => {
    const [rows] = await db.query<mysql.RowDataPacket[]>(
      `SELECT k.TABLE_NAME AS t, k.COLUMN_NAME AS c, k.REFERENCED_TABLE_NAME AS r, rc.DELETE_RULE AS d
       FROM information_schema.KEY_COLUMN_USAGE k
       JOIN information_schema.REFERENTIAL_CONSTRAINTS rc
         ON rc.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND rc.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA
       WHERE k.TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL ORDER BY k.TABLE_NAME`,
      [DATABASE],
    )
    expect(rows.map((r) => ({ ...r }))).toEqual([
      { t: 'comments', c: 'todo_id', r: 'todos', d: 'CASCADE' },
      { t: 'password_resets', c: 'user_id', r: 'users', d: 'CASCADE' },
      { t: 'sessions', c: 'user_id', r: 'users', d: 'CASCADE' },
      { t: 'todos', c: 'user_id', r: 'users', d: 'RESTRICT' },
    ])
  })

  it('reads every request from the database: changes made behind its back show at once', async () => {
    const u = await api.user()
    const todo = (await api.post('/api/todos', { title: 'original' }, u.token)).body
    await db.query("UPDATE todos SET title = 'changed behind its back' WHERE id = ?", [todo.id])
    expect((await api.get(`/api/todos/${todo.id}`, u.token)).body.title).toBe('changed behind its back')
    await db.query('UPDATE users SET premium = TRUE')
    expect((await api.get('/api/me', u.token)).body.premium).toBe(true)
    await db.query('DELETE FROM sessions')
    expect((await api.get('/api/me', u.token)).status).toBe(401)
  })

  it('keeps createdAt in UTC with milliseconds, whatever the server time zone', async () => {
    const u = await api.user()
    const before = Date.now()
    const created = (await api.post('/api/todos', { title: 'when?' }, u.token)).body
    const read = (await api.get(`/api/todos/${created.id}`, u.token)).body
    expect(read.createdAt).toBe(created.createdAt)
    expect(Math.abs(Date.parse(read.createdAt) - before)).toBeLessThan(5000)
  })

  it('has no control endpoints', async () => {
    expect(await api.post('/__venomqa/checkpoint', { name: 'x' })).toMatchObject({
      status: 404,
      body: { error: 'control endpoints exist only in memory mode' },
    })
  })
})
