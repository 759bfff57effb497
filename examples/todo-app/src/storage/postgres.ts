import type { Pool, PoolClient } from 'pg'
import type { Comment, CreateTodoResult, CreateUserResult, Quota, Stats, Store, Todo, User, UserWithPassword } from './types'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  id            SERIAL PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  name          TEXT NOT NULL,
  premium       BOOLEAN NOT NULL DEFAULT FALSE,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS sessions (
  token      TEXT PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS todos (
  id         SERIAL PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id),
  title      TEXT NOT NULL,
  done       BOOLEAN NOT NULL DEFAULT FALSE,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS todos_user_id_idx ON todos (user_id);
CREATE TABLE IF NOT EXISTS comments (
  id      SERIAL PRIMARY KEY,
  todo_id INTEGER NOT NULL REFERENCES todos(id) ON DELETE CASCADE,
  text    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS comments_todo_id_idx ON comments (todo_id);
CREATE TABLE IF NOT EXISTS password_resets (
  token   TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  used    BOOLEAN NOT NULL DEFAULT FALSE
);
`

/** Serialises schema creation when several app processes start against one database at once. */
const SCHEMA_LOCK_KEY = 0x70d0a99

const USER_COLUMNS = 'id, email, name, premium, created_at'
const TODO_COLUMNS = 'id, title, done, user_id, created_at'

type Row = Record<string, any>

const toUser = (r: Row): User => ({
  id: r.id,
  email: r.email,
  name: r.name,
  premium: r.premium,
  createdAt: (r.created_at as Date).toISOString(),
})
const toTodo = (r: Row): Todo => ({
  id: r.id,
  title: r.title,
  done: r.done,
  userId: r.user_id,
  createdAt: (r.created_at as Date).toISOString(),
})
const toComment = (r: Row): Comment => ({ id: r.id, todoId: r.todo_id, text: r.text })

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const
  readonly #url: string
  readonly #onError: (err: Error) => void
  #pool!: Pool

  constructor(url: string, onError: (err: Error) => void = () => {}) {
    this.#url = url
    this.#onError = onError
  }

  async init(): Promise<void> {
    // Loaded here, not at the top, so the memory mode starts without paying for the driver.
    const { default: pg } = await import('pg')
    // The app's own pool, separate from anything a test harness opens against the same database.
    this.#pool = new pg.Pool({ connectionString: this.#url, max: 5, idleTimeoutMillis: 10_000 })
    // An idle client losing its connection (database restarted or recreated) must not crash the process.
    this.#pool.on('error', this.#onError)
    await this.#tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK_KEY])
      await c.query(SCHEMA)
    })
  }

  async ping(): Promise<void> {
    await this.#pool.query('SELECT 1')
  }

  async close(): Promise<void> {
    await this.#pool?.end()
  }

  async #tx<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect()
    let broken: Error | undefined
    try {
      await client.query('BEGIN')
      const result = await fn(client)
      await client.query('COMMIT')
      return result
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackErr: Error) => (broken = rollbackErr))
      throw err
    } finally {
      // A client whose ROLLBACK failed is in an unknown state: destroy it rather than reuse it.
      client.release(broken)
    }
  }

  async createUser(input: { email: string; name: string; passwordHash: string }): Promise<CreateUserResult> {
    try {
      const { rows } = await this.#pool.query(
        `INSERT INTO users (email, password_hash, name) VALUES ($1, $2, $3) RETURNING ${USER_COLUMNS}`,
        [input.email, input.passwordHash, input.name],
      )
      return { ok: true, user: toUser(rows[0]) }
    } catch (err) {
      if ((err as { code?: string }).code === '23505') return { ok: false, reason: 'duplicate_email' }
      throw err
    }
  }

  async findUserByEmail(email: string): Promise<UserWithPassword | null> {
    const { rows } = await this.#pool.query(`SELECT ${USER_COLUMNS}, password_hash FROM users WHERE email = $1`, [email])
    return rows[0] ? { ...toUser(rows[0]), passwordHash: rows[0].password_hash } : null
  }

  async findUserById(id: number): Promise<User | null> {
    const { rows } = await this.#pool.query(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id])
    return rows[0] ? toUser(rows[0]) : null
  }

  async setPremium(userId: number): Promise<User | null> {
    const { rows } = await this.#pool.query(`UPDATE users SET premium = TRUE WHERE id = $1 RETURNING ${USER_COLUMNS}`, [userId])
    return rows[0] ? toUser(rows[0]) : null
  }

  async createSession(token: string, userId: number): Promise<void> {
    await this.#pool.query('INSERT INTO sessions (token, user_id) VALUES ($1, $2)', [token, userId])
  }

  async userForToken(token: string): Promise<User | null> {
    const { rows } = await this.#pool.query(
      'SELECT u.id, u.email, u.name, u.premium, u.created_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token = $1',
      [token],
    )
    return rows[0] ? toUser(rows[0]) : null
  }

  async listTodos(userId: number): Promise<Todo[]> {
    const { rows } = await this.#pool.query(`SELECT ${TODO_COLUMNS} FROM todos WHERE user_id = $1 ORDER BY id`, [userId])
    return rows.map(toTodo)
  }

  async getTodo(userId: number, id: number): Promise<Todo | null> {
    const { rows } = await this.#pool.query(`SELECT ${TODO_COLUMNS} FROM todos WHERE id = $1 AND user_id = $2`, [id, userId])
    return rows[0] ? toTodo(rows[0]) : null
  }

  async createTodo(userId: number, input: { title: string; done: boolean }, quota: Quota): Promise<CreateTodoResult> {
    return this.#tx(async (c) => {
      // Locking the user row serialises concurrent creates of one user, so the count below cannot be stale.
      const user = await c.query('SELECT premium FROM users WHERE id = $1 FOR UPDATE', [userId])
      if (!user.rows[0]) return { ok: false, reason: 'no_user' } as const
      const limit = user.rows[0].premium ? quota.premium : quota.regular
      const open = await c.query('SELECT count(*)::int AS n FROM todos WHERE user_id = $1 AND NOT done', [userId])
      if (open.rows[0].n >= limit) return { ok: false, reason: 'quota_exceeded' } as const
      const { rows } = await c.query(`INSERT INTO todos (user_id, title, done) VALUES ($1, $2, $3) RETURNING ${TODO_COLUMNS}`, [
        userId,
        input.title,
        input.done,
      ])
      return { ok: true, todo: toTodo(rows[0]) } as const
    })
  }

  async updateTodo(userId: number, id: number, patch: { title?: string; done?: boolean }): Promise<Todo | null> {
    const { rows } = await this.#pool.query(
      `UPDATE todos SET title = COALESCE($3, title), done = COALESCE($4, done)
       WHERE id = $1 AND user_id = $2 RETURNING ${TODO_COLUMNS}`,
      [id, userId, patch.title ?? null, patch.done ?? null],
    )
    return rows[0] ? toTodo(rows[0]) : null
  }

  async deleteTodo(userId: number, id: number): Promise<boolean> {
    const { rowCount } = await this.#pool.query('DELETE FROM todos WHERE id = $1 AND user_id = $2', [id, userId])
    return rowCount === 1
  }

  async addComment(userId: number, todoId: number, text: string): Promise<Comment | null> {
    // The ownership check and the insert are one statement: no comment lands on someone else's todo.
    const { rows } = await this.#pool.query(
      `INSERT INTO comments (todo_id, text)
       SELECT id, $3 FROM todos WHERE id = $1 AND user_id = $2
       RETURNING id, todo_id, text`,
      [todoId, userId, text],
    )
    return rows[0] ? toComment(rows[0]) : null
  }

  async listComments(userId: number, todoId: number): Promise<Comment[] | null> {
    if (!(await this.getTodo(userId, todoId))) return null
    const { rows } = await this.#pool.query('SELECT id, todo_id, text FROM comments WHERE todo_id = $1 ORDER BY id', [todoId])
    return rows.map(toComment)
  }

  async createPasswordReset(token: string, userId: number): Promise<void> {
    await this.#pool.query('INSERT INTO password_resets (token, user_id) VALUES ($1, $2)', [token, userId])
  }

  async isPasswordResetUsable(token: string): Promise<boolean> {
    const { rows } = await this.#pool.query('SELECT used FROM password_resets WHERE token = $1', [token])
    return !!rows[0] && !rows[0].used
  }

  async consumePasswordReset(token: string, passwordHash: string): Promise<boolean> {
    // One statement: the row lock taken by the inner UPDATE makes a second use of the token find it used.
    const { rowCount } = await this.#pool.query(
      `WITH r AS (UPDATE password_resets SET used = TRUE WHERE token = $1 AND NOT used RETURNING user_id)
       UPDATE users SET password_hash = $2 FROM r WHERE users.id = r.user_id`,
      [token, passwordHash],
    )
    return rowCount === 1
  }

  async stats(): Promise<Stats> {
    const { rows } = await this.#pool.query(
      `SELECT (SELECT count(*) FROM users)::int AS users,
              (SELECT count(*) FROM todos)::int AS todos,
              (SELECT count(*) FROM comments)::int AS comments`,
    )
    return rows[0] as Stats
  }
}
