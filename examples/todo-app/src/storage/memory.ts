import { createHash } from 'node:crypto'
import type { Comment, CreateTodoResult, CreateUserResult, Quota, Stats, Store, Todo, User, UserWithPassword } from './types'

interface UserRow {
  id: number
  email: string
  passwordHash: string
  name: string
  premium: boolean
  createdAt: string
}

/** The whole state of the memory store: copied whole at a checkpoint, put back whole on rollback. */
export interface MemoryData {
  users: Map<number, UserRow>
  userIdByEmail: Map<string, number>
  sessions: Map<string, { userId: number; createdAt: string }>
  todos: Map<number, Todo>
  comments: Map<number, Comment>
  passwordResets: Map<string, { userId: number; used: boolean }>
  /** The next id of each table, like a sequence: part of the state so ids continue as at a checkpoint. */
  nextId: { users: number; todos: number; comments: number }
}

function emptyData(): MemoryData {
  return {
    users: new Map(),
    userIdByEmail: new Map(),
    sessions: new Map(),
    todos: new Map(),
    comments: new Map(),
    passwordResets: new Map(),
    nextId: { users: 1, todos: 1, comments: 1 },
  }
}

const publicUser = (row: UserRow): User => ({
  id: row.id,
  email: row.email,
  name: row.name,
  premium: row.premium,
  createdAt: row.createdAt,
})

/** Everything in Maps. Returned objects are copies, so callers can never change stored rows by accident. */
export class MemoryStore implements Store {
  readonly kind = 'memory' as const
  #data: MemoryData = emptyData()

  async init(): Promise<void> {}
  async ping(): Promise<void> {}
  async close(): Promise<void> {}

  /** A deep copy of the whole state. */
  snapshot(): MemoryData {
    return structuredClone(this.#data)
  }

  /** Replace the whole state with a deep copy of `data` (so the snapshot can be restored again). */
  restore(data: MemoryData): void {
    this.#data = structuredClone(data)
  }

  reset(): void {
    this.#data = emptyData()
  }

  /** Row counts, next ids and a content hash: enough to tell two states apart. */
  describe(): Record<string, unknown> {
    const d = this.#data
    const canonical = JSON.stringify([
      [...d.users.values()],
      [...d.sessions.entries()],
      [...d.todos.values()],
      [...d.comments.values()],
      [...d.passwordResets.entries()],
      d.nextId,
    ])
    return {
      counts: {
        users: d.users.size,
        sessions: d.sessions.size,
        todos: d.todos.size,
        comments: d.comments.size,
        passwordResets: d.passwordResets.size,
      },
      nextId: { ...d.nextId },
      fingerprint: createHash('sha1').update(canonical).digest('hex'),
    }
  }

  async createUser(input: { email: string; name: string; passwordHash: string }): Promise<CreateUserResult> {
    const d = this.#data
    if (d.userIdByEmail.has(input.email)) return { ok: false, reason: 'duplicate_email' }
    const row: UserRow = { id: d.nextId.users++, ...input, premium: false, createdAt: new Date().toISOString() }
    d.users.set(row.id, row)
    d.userIdByEmail.set(row.email, row.id)
    return { ok: true, user: publicUser(row) }
  }

  async findUserByEmail(email: string): Promise<UserWithPassword | null> {
    const id = this.#data.userIdByEmail.get(email)
    const row = id === undefined ? undefined : this.#data.users.get(id)
    return row ? { ...row } : null
  }

  async findUserById(id: number): Promise<User | null> {
    const row = this.#data.users.get(id)
    return row ? publicUser(row) : null
  }

  async setPremium(userId: number): Promise<User | null> {
    const row = this.#data.users.get(userId)
    if (!row) return null
    row.premium = true
    return publicUser(row)
  }

  async createSession(token: string, userId: number): Promise<void> {
    this.#data.sessions.set(token, { userId, createdAt: new Date().toISOString() })
  }

  async userForToken(token: string): Promise<User | null> {
    const session = this.#data.sessions.get(token)
    const row = session && this.#data.users.get(session.userId)
    return row ? publicUser(row) : null
  }

  #ownTodo(userId: number, id: number): Todo | undefined {
    const todo = this.#data.todos.get(id)
    return todo && todo.userId === userId ? todo : undefined
  }

  async listTodos(userId: number): Promise<Todo[]> {
    const out: Todo[] = []
    for (const todo of this.#data.todos.values()) if (todo.userId === userId) out.push({ ...todo })
    return out
  }

  async getTodo(userId: number, id: number): Promise<Todo | null> {
    const todo = this.#ownTodo(userId, id)
    return todo ? { ...todo } : null
  }

  async createTodo(userId: number, input: { title: string; done: boolean }, quota: Quota): Promise<CreateTodoResult> {
    const d = this.#data
    const user = d.users.get(userId)
    if (!user) return { ok: false, reason: 'no_user' }
    let open = 0
    for (const todo of d.todos.values()) if (todo.userId === userId && !todo.done) open++
    if (open >= (user.premium ? quota.premium : quota.regular)) return { ok: false, reason: 'quota_exceeded' }
    const todo: Todo = { id: d.nextId.todos++, title: input.title, done: input.done, userId, createdAt: new Date().toISOString() }
    d.todos.set(todo.id, todo)
    return { ok: true, todo: { ...todo } }
  }

  async updateTodo(userId: number, id: number, patch: { title?: string; done?: boolean }): Promise<Todo | null> {
    const todo = this.#ownTodo(userId, id)
    if (!todo) return null
    if (patch.title !== undefined) todo.title = patch.title
    if (patch.done !== undefined) todo.done = patch.done
    return { ...todo }
  }

  async deleteTodo(userId: number, id: number): Promise<boolean> {
    if (!this.#ownTodo(userId, id)) return false
    this.#data.todos.delete(id)
    // ON DELETE CASCADE, as in the SQL schema
    for (const [commentId, comment] of this.#data.comments) if (comment.todoId === id) this.#data.comments.delete(commentId)
    return true
  }

  async addComment(userId: number, todoId: number, text: string): Promise<Comment | null> {
    if (!this.#ownTodo(userId, todoId)) return null
    const comment: Comment = { id: this.#data.nextId.comments++, todoId, text }
    this.#data.comments.set(comment.id, comment)
    return { ...comment }
  }

  async listComments(userId: number, todoId: number): Promise<Comment[] | null> {
    if (!this.#ownTodo(userId, todoId)) return null
    const out: Comment[] = []
    for (const comment of this.#data.comments.values()) if (comment.todoId === todoId) out.push({ ...comment })
    return out
  }

  async createPasswordReset(token: string, userId: number): Promise<void> {
    this.#data.passwordResets.set(token, { userId, used: false })
  }

  async isPasswordResetUsable(token: string): Promise<boolean> {
    const reset = this.#data.passwordResets.get(token)
    return !!reset && !reset.used
  }

  async consumePasswordReset(token: string, passwordHash: string): Promise<boolean> {
    const reset = this.#data.passwordResets.get(token)
    const user = reset && this.#data.users.get(reset.userId)
    if (!reset || reset.used || !user) return false
    reset.used = true
    user.passwordHash = passwordHash
    return true
  }

  async stats(): Promise<Stats> {
    return { users: this.#data.users.size, todos: this.#data.todos.size, comments: this.#data.comments.size }
  }
}
