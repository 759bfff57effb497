import { expect, it } from 'vitest'
import type { StorageKind } from '../src'
import { type Client, eventually, type ReceivedMail, type RecordedRequest } from './support'

export const TEST_QUOTA = 3

export interface ContractContext {
  api: Client
  storage: StorageKind
  mails: ReceivedMail[]
  stub: { requests: RecordedRequest[]; stub: { chargeStatus: number } }
}

/**
 * The API every storage must serve identically. Call inside a describe whose app runs with
 * TODO_QUOTA=TEST_QUOTA, SMTP_URL, PAYMENT_URL and WEBHOOK_URL, and whose storage is emptied before each test.
 */
export function apiContract(get: () => ContractContext): void {
  it('answers /health with the storage in use', async () => {
    const { api, storage } = get()
    expect(await api.get('/health')).toMatchObject({ status: 200, body: { ok: true, storage } })
  })

  it('signs users up, refuses duplicates and invalid input', async () => {
    const { api } = get()
    const created = await api.post('/api/users', { email: 'Alice@Example.test', password: 'secret-pw', name: 'Alice' })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ id: 1, email: 'alice@example.test', name: 'Alice', premium: false })
    expect(created.body).not.toHaveProperty('passwordHash')

    const duplicate = await api.post('/api/users', { email: 'alice@example.test', password: 'other-pw', name: 'A2' })
    expect(duplicate).toMatchObject({ status: 409, body: { field: 'email' } })

    expect(await api.post('/api/users', { password: 'secret-pw', name: 'x' })).toMatchObject({ status: 422, body: { field: 'email' } })
    expect(await api.post('/api/users', { email: 'not-an-email', password: 'secret-pw' })).toMatchObject({ status: 422, body: { field: 'email' } })
    expect(await api.post('/api/users', { email: 'b@example.test', password: '123' })).toMatchObject({ status: 422, body: { field: 'password' } })
    expect(await api.post('/api/users', { email: 'b@example.test', password: 'secret-pw', name: 42 })).toMatchObject({ status: 422, body: { field: 'name' } })
    expect((await api.call('POST', '/api/users', { raw: '{"email":' })).status).toBe(400)
    expect((await api.get('/api/stats')).body).toEqual({ users: 1, todos: 0, comments: 0 })
  })

  it('logs in with bearer tokens and rejects bad credentials', async () => {
    const { api } = get()
    await api.post('/api/users', { email: 'bob@example.test', password: 'secret-pw', name: 'Bob' })
    const login = await api.post('/api/auth/login', { email: 'bob@example.test', password: 'secret-pw' })
    expect(login.status).toBe(200)
    expect(login.body.token).toMatch(/^[0-9a-f]{64}$/)
    expect(login.body.user).toMatchObject({ email: 'bob@example.test', name: 'Bob' })
    expect(login.body.user).not.toHaveProperty('passwordHash')

    expect((await api.post('/api/auth/login', { email: 'bob@example.test', password: 'wrong-pw' })).status).toBe(401)
    expect((await api.post('/api/auth/login', { email: 'nobody@example.test', password: 'secret-pw' })).status).toBe(401)

    expect(await api.get('/api/me', login.body.token)).toMatchObject({ status: 200, body: { email: 'bob@example.test' } })
    expect((await api.get('/api/me')).status).toBe(401)
    expect((await api.get('/api/me', 'f'.repeat(64))).status).toBe(401)
    expect((await api.get('/api/todos')).status).toBe(401)
  })

  it('creates, reads, updates and deletes todos', async () => {
    const { api } = get()
    const alice = await api.user('alice')
    const created = await api.post('/api/todos', { title: '  Buy milk ' }, alice.token)
    expect(created.status).toBe(201)
    expect(created.body).toEqual({ id: 1, title: 'Buy milk', done: false, userId: alice.id, createdAt: expect.any(String) })
    expect(Date.parse(created.body.createdAt)).toBeGreaterThan(Date.now() - 60_000)

    expect(await api.post('/api/todos', { done: true }, alice.token)).toMatchObject({ status: 422, body: { field: 'title' } })
    expect(await api.post('/api/todos', { title: '   ' }, alice.token)).toMatchObject({ status: 422, body: { field: 'title' } })
    expect(await api.post('/api/todos', { title: 'x', done: 'yes' }, alice.token)).toMatchObject({ status: 422, body: { field: 'done' } })

    const second = await api.post('/api/todos', { title: 'Walk dog', done: true }, alice.token)
    expect(second.body).toMatchObject({ id: 2, done: true })
    expect((await api.get('/api/todos', alice.token)).body.map((t: { id: number }) => t.id)).toEqual([1, 2])
    expect(await api.get('/api/todos/1', alice.token)).toMatchObject({ status: 200, body: { id: 1, title: 'Buy milk' } })

    const patched = await api.patch('/api/todos/1', { done: true }, alice.token)
    expect(patched).toMatchObject({ status: 200, body: { id: 1, title: 'Buy milk', done: true } })
    expect(await api.patch('/api/todos/1', { title: 'Buy oat milk' }, alice.token)).toMatchObject({ body: { title: 'Buy oat milk', done: true } })
    expect(await api.patch('/api/todos/1', {}, alice.token)).toMatchObject({ status: 422 })
    expect((await api.get('/api/todos/1', alice.token)).body).toMatchObject({ title: 'Buy oat milk', done: true })

    expect((await api.del('/api/todos/1', alice.token)).status).toBe(204)
    expect((await api.get('/api/todos/1', alice.token)).status).toBe(404)
    expect((await api.del('/api/todos/1', alice.token)).status).toBe(404)
    expect((await api.get('/api/todos/abc', alice.token)).status).toBe(404)
    expect((await api.get('/api/todos/99999999999', alice.token)).status).toBe(404)
    expect((await api.get('/api/stats')).body).toEqual({ users: 1, todos: 1, comments: 0 })
  })

  it(`enforces the quota of ${TEST_QUOTA} open todos, counting only open ones`, async () => {
    const { api } = get()
    const u = await api.user()
    for (let i = 1; i <= TEST_QUOTA; i++) expect((await api.post('/api/todos', { title: `t${i}` }, u.token)).status).toBe(201)
    const refused = await api.post('/api/todos', { title: 'one too many' }, u.token)
    expect(refused).toMatchObject({ status: 403, body: { error: 'quota_exceeded' } })
    expect((await api.get('/api/todos', u.token)).body).toHaveLength(TEST_QUOTA)

    await api.patch('/api/todos/1', { done: true }, u.token)
    expect((await api.post('/api/todos', { title: 'fits again' }, u.token)).status).toBe(201)
    // The quota is per user.
    const other = await api.user()
    expect((await api.post('/api/todos', { title: 'mine' }, other.token)).status).toBe(201)
  })

  it('keeps the quota under concurrent creates (check and insert are atomic)', async () => {
    const { api } = get()
    const u = await api.user()
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => api.post('/api/todos', { title: `c${i}` }, u.token)))
    expect(results.filter((r) => r.status === 201)).toHaveLength(TEST_QUOTA)
    expect(results.filter((r) => r.status === 403)).toHaveLength(12 - TEST_QUOTA)
    expect((await api.get('/api/todos', u.token)).body).toHaveLength(TEST_QUOTA)
  })

  it("answers 404 for another user's todo, whatever the method", async () => {
    const { api } = get()
    const alice = await api.user('alice')
    const mallory = await api.user('mallory')
    const todo = (await api.post('/api/todos', { title: 'private' }, alice.token)).body
    expect((await api.get(`/api/todos/${todo.id}`, mallory.token)).status).toBe(404)
    expect((await api.patch(`/api/todos/${todo.id}`, { title: 'pwned' }, mallory.token)).status).toBe(404)
    expect((await api.del(`/api/todos/${todo.id}`, mallory.token)).status).toBe(404)
    expect((await api.post(`/api/todos/${todo.id}/comments`, { text: 'hi' }, mallory.token)).status).toBe(404)
    expect((await api.get(`/api/todos/${todo.id}/comments`, mallory.token)).status).toBe(404)
    expect((await api.get('/api/todos', mallory.token)).body).toEqual([])
    expect((await api.get(`/api/todos/${todo.id}`, alice.token)).body).toMatchObject({ title: 'private', done: false })
    expect((await api.get('/api/stats')).body.comments).toBe(0)
  })

  it('adds comments to a todo and deletes them with it', async () => {
    const { api } = get()
    const u = await api.user()
    const todo = (await api.post('/api/todos', { title: 'discuss' }, u.token)).body
    const comment = await api.post(`/api/todos/${todo.id}/comments`, { text: 'first!' }, u.token)
    expect(comment).toMatchObject({ status: 201, body: { id: 1, todoId: todo.id, text: 'first!' } })
    await api.post(`/api/todos/${todo.id}/comments`, { text: 'second' }, u.token)
    expect(await api.post(`/api/todos/${todo.id}/comments`, {}, u.token)).toMatchObject({ status: 422, body: { field: 'text' } })
    expect((await api.get(`/api/todos/${todo.id}/comments`, u.token)).body.map((c: { text: string }) => c.text)).toEqual(['first!', 'second'])
    expect((await api.get('/api/stats')).body).toEqual({ users: 1, todos: 1, comments: 2 })

    expect((await api.del(`/api/todos/${todo.id}`, u.token)).status).toBe(204)
    expect((await api.get('/api/stats')).body).toEqual({ users: 1, todos: 0, comments: 0 })
  })

  it('mails a password-reset link through SMTP, and the link resets the password once', async () => {
    const { api, mails } = get()
    const u = await api.user('forgetful')
    const before = mails.length
    expect((await api.post('/api/auth/forgot-password', { email: u.email.toUpperCase() })).status).toBe(202)
    // Unknown addresses get the same answer and no mail.
    expect((await api.post('/api/auth/forgot-password', { email: 'nobody@example.test' })).status).toBe(202)
    expect(await api.post('/api/auth/forgot-password', {})).toMatchObject({ status: 422, body: { field: 'email' } })
    expect(mails).toHaveLength(before + 1)

    const mail = mails[before]!
    expect(mail.subject).toBe('Password Reset')
    expect(mail.from).toBe('Todo App <no-reply@todo.test>')
    expect(mail.to).toEqual([u.email])
    const link = /(http:\/\/\S+\/api\/auth\/reset\/[0-9a-f]{64})/.exec(mail.text)?.[1]
    expect(link, mail.text).toBeDefined()
    expect(mail.html).toContain(`href="${link}"`)
    const resetPath = new URL(link!).pathname

    expect(await api.get(resetPath)).toMatchObject({ status: 200, body: { valid: true } })
    expect(await api.post(resetPath, { password: '1' })).toMatchObject({ status: 422, body: { field: 'password' } })
    expect(await api.post(resetPath, { password: 'brand-new-pw' })).toMatchObject({ status: 200, body: { ok: true } })
    expect((await api.post(resetPath, { password: 'again-new-pw' })).status).toBe(400)
    expect((await api.get(resetPath)).status).toBe(400)
    expect((await api.post(`/api/auth/reset/${'0'.repeat(64)}`, { password: 'whatever-pw' })).status).toBe(400)

    expect((await api.post('/api/auth/login', { email: u.email, password: u.password })).status).toBe(401)
    expect((await api.post('/api/auth/login', { email: u.email, password: 'brand-new-pw' })).status).toBe(200)
  })

  it('upgrades to premium when the payment provider answers 201, and raises the quota', async () => {
    const { api, stub } = get()
    const u = await api.user()
    for (let i = 0; i < TEST_QUOTA; i++) await api.post('/api/todos', { title: `t${i}` }, u.token)
    expect((await api.post('/api/todos', { title: 'over' }, u.token)).status).toBe(403)

    stub.stub.chargeStatus = 201
    // Only the charges: the webhooks of the todos above are sent without waiting and may still be arriving.
    const charges = () => stub.requests.filter((r) => r.url === '/v1/charges')
    const before = charges().length
    const upgrade = await api.post('/api/upgrade', undefined, u.token)
    expect(upgrade).toMatchObject({ status: 200, body: { premium: true, user: { id: u.id, premium: true } } })
    expect(charges().slice(before)).toEqual([
      { method: 'POST', url: '/v1/charges', body: { amount: 500, currency: 'usd', userId: u.id } },
    ])
    expect((await api.get('/api/me', u.token)).body.premium).toBe(true)
    expect((await api.post('/api/todos', { title: 'premium room' }, u.token)).status).toBe(201)
    // Already premium: no second charge.
    const charged = charges().length
    expect(await api.post('/api/upgrade', undefined, u.token)).toMatchObject({ status: 200, body: { premium: true, charged: false } })
    expect(charges()).toHaveLength(charged)
  })

  it("answers 402 with the provider's status when the charge is not a 201", async () => {
    const { api, stub } = get()
    const u = await api.user()
    stub.stub.chargeStatus = 500
    try {
      expect(await api.post('/api/upgrade', undefined, u.token)).toMatchObject({
        status: 402,
        body: { error: 'payment_failed', providerStatus: 500 },
      })
      stub.stub.chargeStatus = 200
      expect(await api.post('/api/upgrade', undefined, u.token)).toMatchObject({ status: 402, body: { providerStatus: 200 } })
      expect((await api.get('/api/me', u.token)).body.premium).toBe(false)
    } finally {
      stub.stub.chargeStatus = 201
    }
  })

  it('posts the new todo to the webhook without waiting for it', async () => {
    const { api, stub } = get()
    const u = await api.user()
    const todo = (await api.post('/api/todos', { title: 'announce me' }, u.token)).body
    const hook = await eventually(() => stub.requests.find((r) => r.url === '/webhooks/todo-created' && r.body?.title === 'announce me'))
    expect(hook).toEqual({ method: 'POST', url: '/webhooks/todo-created', body: todo })
  })
}
