import { spawn } from 'node:child_process'
import { type RunningProcess, TODO_APP_SERVER, startTodoApp } from '@venomqa/test-utils'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createTodoApp } from '../src'
import { TEST_QUOTA, apiContract } from './contract'
import { assertFreshBuild, client, eventually, startMailCatcher, startStubServer, type Client } from './support'

describe('todo app in memory, as a separate process', () => {
  let app: RunningProcess
  let api: Client
  let mail: Awaited<ReturnType<typeof startMailCatcher>>
  let stub: Awaited<ReturnType<typeof startStubServer>>

  beforeAll(async () => {
    assertFreshBuild()
    ;[mail, stub] = await Promise.all([startMailCatcher(), startStubServer()])
    app = await startTodoApp({ TODO_QUOTA: String(TEST_QUOTA), SMTP_URL: mail.url, PAYMENT_URL: stub.url, WEBHOOK_URL: stub.url })
    api = client(app.url)
  })
  afterAll(async () => {
    await app?.stop()
    await Promise.all([mail?.close(), stub?.close()])
  })
  beforeEach(async () => {
    expect((await api.post('/__venomqa/reset')).status).toBe(200)
    mail.mails.length = 0
    stub.requests.length = 0
  })

  apiContract(() => ({ api, storage: 'memory', mails: mail.mails, stub }))

  it('prints one ready line and no per-request log by default', () => {
    expect(app.output().trim()).toBe(`todo-app listening on ${app.url} (storage: memory)`)
  })

  describe('control endpoints', () => {
    it('rolls back to a checkpoint exactly: rows, sessions and id counters', async () => {
      const alice = await api.user('alice')
      await api.post('/api/todos', { title: 'before' }, alice.token)
      const atCheckpoint = (await api.get('/__venomqa/state')).body
      expect(await api.post('/__venomqa/checkpoint', { name: 'c1' })).toMatchObject({ status: 200, body: { checkpoints: ['c1'] } })

      // Changes after the checkpoint: more todos, a comment, a new user and a new session.
      await api.post('/api/todos', { title: 'after 1' }, alice.token)
      await api.post('/api/todos/1/comments', { text: 'later' }, alice.token)
      const bob = await api.user('bob')
      const secondSession = (await api.post('/api/auth/login', { email: alice.email, password: alice.password })).body.token
      expect((await api.get('/api/stats')).body).toEqual({ users: 2, todos: 2, comments: 1 })

      expect(await api.post('/__venomqa/rollback', { name: 'c1' })).toMatchObject({ status: 200, body: { checkpoints: ['c1'] } })
      expect((await api.get('/api/stats')).body).toEqual({ users: 1, todos: 1, comments: 0 })
      expect((await api.get('/api/todos', alice.token)).body.map((t: { title: string }) => t.title)).toEqual(['before'])
      expect((await api.get('/api/me', bob.token)).status).toBe(401)
      expect((await api.get('/api/me', secondSession)).status).toBe(401)
      expect((await api.get('/api/me', alice.token)).status).toBe(200)
      expect((await api.get('/__venomqa/state')).body).toEqual({ ...atCheckpoint, checkpoints: ['c1'] })

      // Ids continue as they stood at the checkpoint.
      expect((await api.post('/api/todos', { title: 'again' }, alice.token)).body.id).toBe(2)
      expect((await api.post('/api/users', { email: 'carol@example.test', password: 'secret-pw' })).body.id).toBe(2)

      // A checkpoint survives its rollback, so it can be rolled back to again.
      expect((await api.post('/__venomqa/rollback', { name: 'c1' })).status).toBe(200)
      expect((await api.get('/api/stats')).body).toEqual({ users: 1, todos: 1, comments: 0 })
    })

    it('drops later checkpoints on rollback, releases one by name, and 404s unknown names', async () => {
      const u = await api.user()
      await api.post('/__venomqa/checkpoint', { name: 'a' })
      await api.post('/api/todos', { title: 'one' }, u.token)
      await api.post('/__venomqa/checkpoint', { name: 'b' })
      await api.post('/api/todos', { title: 'two' }, u.token)
      await api.post('/__venomqa/checkpoint', { name: 'c' })
      expect((await api.get('/__venomqa/state')).body.checkpoints).toEqual(['a', 'b', 'c'])

      expect((await api.post('/__venomqa/rollback', { name: 'b' })).body.checkpoints).toEqual(['a', 'b'])
      expect((await api.get('/api/todos', u.token)).body).toHaveLength(1)
      const gone = await api.post('/__venomqa/rollback', { name: 'c' })
      expect(gone.status).toBe(404)
      expect(gone.body.error).toContain('"c"')

      expect(await api.post('/__venomqa/release', { name: 'a' })).toMatchObject({ status: 200, body: { checkpoints: ['b'] } })
      expect((await api.post('/__venomqa/rollback', { name: 'a' })).status).toBe(404)
      expect((await api.post('/__venomqa/release', { name: 'a' })).status).toBe(404)
      expect(await api.post('/__venomqa/checkpoint', {})).toMatchObject({ status: 422, body: { field: 'name' } })
      expect((await api.post('/__venomqa/rollback', { name: 'b' })).status).toBe(200)
      expect((await api.get('/api/todos', u.token)).body).toHaveLength(1)
    })

    it('resets to an empty store with fresh ids', async () => {
      const u = await api.user()
      await api.post('/api/todos', { title: 'x' }, u.token)
      await api.post('/__venomqa/checkpoint', { name: 'kept?' })
      expect((await api.post('/__venomqa/reset')).status).toBe(200)
      expect((await api.get('/api/stats')).body).toEqual({ users: 0, todos: 0, comments: 0 })
      expect((await api.get('/__venomqa/state')).body).toMatchObject({
        storage: 'memory',
        checkpoints: [],
        nextId: { users: 1, todos: 1, comments: 1 },
      })
      expect((await api.get('/api/me', u.token)).status).toBe(401)
    })
  })

  it('fails /api/flaky the first N times per key, then succeeds', async () => {
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await api.get('/api/flaky?key=k1&failures=2')).status)
    expect(statuses).toEqual([503, 503, 200, 200])
    expect((await api.get('/api/flaky?key=k2&failures=1')).body).toMatchObject({ error: 'flaky failure', key: 'k2', attempt: 1 })
    expect((await api.get('/api/flaky?key=k2&failures=1')).body).toEqual({ ok: true, key: 'k2', attempt: 2 })
    expect((await api.get('/api/flaky?key=k3&failures=-1')).status).toBe(422)
  })

  it('answers /api/slow after the delay, and stops the timer when the client goes away', async () => {
    expect(await api.get('/api/slow?ms=30')).toMatchObject({ status: 200, body: { sleptMs: 30 } })
    expect((await api.get('/api/slow?ms=abc')).status).toBe(422)
    const start = (await api.get('/api/slow/stats')).body

    const controller = new AbortController()
    const pending = api.call('GET', '/api/slow?ms=600', { signal: controller.signal })
    await eventually(async () => (await api.get('/api/slow/stats')).body.pending === start.pending + 1)
    // The app starts its 600 ms timer in the same tick as it counts the request as pending: before now.
    const timerStartedBy = Date.now()
    controller.abort()
    await expect(pending).rejects.toThrow()
    await eventually(async () => (await api.get('/api/slow/stats')).body.aborted === start.aborted + 1)
    // Past the 600 ms: a timer left running would have fired and counted the request as completed. What is
    // checked is that something does NOT happen, so only waiting can show it; the wait is measured from a
    // moment known to be after the timer started, not from before the request was sent.
    await new Promise((r) => setTimeout(r, Math.max(0, timerStartedBy + 600 + 200 - Date.now())))
    expect((await api.get('/api/slow/stats')).body).toEqual({ pending: start.pending, completed: start.completed, aborted: start.aborted + 1 })
  })

  it('answers unknown routes 404 and wrong methods 405', async () => {
    expect((await api.get('/api/nothing-here')).status).toBe(404)
    const wrong = await api.call('PUT', '/api/todos')
    expect(wrong.status).toBe(405)
    expect(wrong.headers.get('allow')).toBe('GET, POST')
    expect((await api.get('/__venomqa/nope')).status).toBe(404)
    expect((await api.get('/api/auth/reset/%E0%A4%A')).status).toBe(404)
  })

  it('says mail is not configured (503) without SMTP_URL, and payments likewise without PAYMENT_URL', async () => {
    const bare = await startTodoApp({ SMTP_URL: undefined, PAYMENT_URL: undefined, TODO_QUOTA: undefined, REDIS_URL: undefined })
    try {
      const bareApi = client(bare.url)
      expect(await bareApi.post('/api/auth/forgot-password', { email: 'a@example.test' })).toMatchObject({
        status: 503,
        body: { error: 'mail not configured' },
      })
      const u = await bareApi.user()
      expect(await bareApi.post('/api/upgrade', undefined, u.token)).toMatchObject({ status: 503 })
      // Default quota is 5.
      for (let i = 0; i < 5; i++) expect((await bareApi.post('/api/todos', { title: `t${i}` }, u.token)).status).toBe(201)
      expect((await bareApi.post('/api/todos', { title: 't5' }, u.token)).status).toBe(403)
    } finally {
      await bare.stop()
    }
    expect(bare.child.exitCode).toBe(0)
  })

  it('logs one line per request with LOG_REQUESTS=1, and exits 0 on SIGTERM', async () => {
    const logged = await startTodoApp({ LOG_REQUESTS: '1' })
    await client(logged.url).get('/api/stats')
    await eventually(() => /GET \/api\/stats 200 [\d.]+ms/.test(logged.output()))
    await logged.stop()
    expect(logged.child.exitCode).toBe(0)
  })

  it('exits with a clear message on a bad DATABASE_URL or REDIS_URL, or an unreachable database or Redis', async () => {
    const run = async (env: Record<string, string>) => {
      // PORT=0: the app never gets as far as listening here, and if it did the OS would pick a free port.
      const child = spawn(process.execPath, [TODO_APP_SERVER], { env: { ...process.env, PORT: '0', ...env } })
      let out = ''
      child.stdout.on('data', (d) => (out += d))
      child.stderr.on('data', (d) => (out += d))
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
      return { code, out }
    }
    const unknown = await run({ DATABASE_URL: 'mongodb://localhost/x' })
    expect(unknown.code).toBe(2)
    expect(unknown.out).toContain('DATABASE_URL has the scheme "mongodb"')
    // Port 1: nothing listens there, and no test or other user program can start listening there (it is
    // privileged), unlike a port found free a moment ago.
    const unreachable = await run({ DATABASE_URL: 'postgres://postgres:hunter2@127.0.0.1:1/none' })
    expect(unreachable.code).toBe(1)
    expect(unreachable.out).toMatch(/cannot use postgres at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1/)
    expect(unreachable.out).not.toContain('hunter2')
    const noRedis = await run({ REDIS_URL: 'redis://127.0.0.1:1/5' })
    expect(noRedis.code).toBe(1)
    expect(noRedis.out).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+\/5: connect ECONNREFUSED/)
    const badRedis = await run({ REDIS_URL: 'http://127.0.0.1:6379' })
    expect(badRedis.code).toBe(2)
    expect(badRedis.out).toContain('REDIS_URL must start with redis://')
  })
})

describe('createTodoApp (in this process)', () => {
  it('listens, serves and closes', async () => {
    const app = createTodoApp({ todoQuota: 1 })
    const url = await app.listen(0)
    try {
      expect(app.url).toBe(url)
      expect(app.storage).toBe('memory')
      const api = client(url)
      expect((await api.get('/health')).body).toEqual({ ok: true, storage: 'memory' })
      const u = await api.user()
      expect((await api.post('/api/todos', { title: 'a' }, u.token)).status).toBe(201)
      expect((await api.post('/api/todos', { title: 'b' }, u.token)).status).toBe(403)
    } finally {
      await app.close()
    }
    expect(app.server.listening).toBe(false)
  })
})
