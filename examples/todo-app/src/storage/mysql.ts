import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise'
import type { Comment, CreateTodoResult, CreateUserResult, Quota, Stats, Store, Todo, User, UserWithPassword } from './types'

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS users (
    id            INT AUTO_INCREMENT PRIMARY KEY,
    email         VARCHAR(255) NOT NULL UNIQUE,
    password_hash VARCHAR(255) NOT NULL,
    name          VARCHAR(255) NOT NULL,
    premium       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  `CREATE TABLE IF NOT EXISTS sessions (
    token      VARCHAR(128) PRIMARY KEY,
    user_id    INT NOT NULL,
    created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  `CREATE TABLE IF NOT EXISTS todos (
    id         INT AUTO_INCREMENT PRIMARY KEY,
    user_id    INT NOT NULL,
    title      VARCHAR(500) NOT NULL,
    done       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    FOREIGN KEY (user_id) REFERENCES users(id)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  `CREATE TABLE IF NOT EXISTS comments (
    id      INT AUTO_INCREMENT PRIMARY KEY,
    todo_id INT NOT NULL,
    text    TEXT NOT NULL,
    FOREIGN KEY (todo_id) REFERENCES todos(id) ON DELETE CASCADE
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  `CREATE TABLE IF NOT EXISTS password_resets (
    token   VARCHAR(128) PRIMARY KEY,
    user_id INT NOT NULL,
    used    BOOLEAN NOT NULL DEFAULT FALSE,
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
]

const USER_COLUMNS = 'id, email, name, premium, created_at'
const TODO_COLUMNS = 'id, title, done, user_id, created_at'

type Row = RowDataPacket

// BOOLEAN is TINYINT(1) on the wire.
const toUser = (r: Row): User => ({
  id: r.id,
  email: r.email,
  name: r.name,
  premium: !!r.premium,
  createdAt: (r.created_at as Date).toISOString(),
})
const toTodo = (r: Row): Todo => ({
  id: r.id,
  title: r.title,
  done: !!r.done,
  userId: r.user_id,
  createdAt: (r.created_at as Date).toISOString(),
})
const toComment = (r: Row): Comment => ({ id: r.id, todoId: r.todo_id, text: r.text })

/** The app writes timestamps itself (sent as UTC, see `timezone`), so they read back equal whatever the server's zone. */
const nowMs = () => new Date()

/** MySQL and MariaDB, through a mysql2 pool of its own. */
export class MysqlStore implements Store {
  readonly kind = 'mysql' as const
  readonly #url: string
  #pool!: Pool

  constructor(url: string) {
    // mysql2 reads only the mysql:// scheme; mariadb:// is accepted as a synonym by the app.
    this.#url = url.replace(/^mariadb:/, 'mysql:')
  }

  async init(): Promise<void> {
    // Loaded here, not at the top, so the memory mode starts without paying for the driver.
    const { default: mysql } = await import('mysql2/promise')
    // timezone 'Z': DATETIME values are written and read as UTC whatever the server's zone.
    this.#pool = mysql.createPool({ uri: this.#url, connectionLimit: 5, timezone: 'Z', enableKeepAlive: true })
    const conn = await this.#pool.getConnection()
    try {
      // Serialises schema creation when several app processes start against one database at once.
      await conn.query("SELECT GET_LOCK('venomqa_todo_app_schema', 30)")
      try {
        for (const statement of SCHEMA) await conn.query(statement)
      } finally {
        await conn.query("SELECT RELEASE_LOCK('venomqa_todo_app_schema')")
      }
    } finally {
      conn.release()
    }
  }

  async ping(): Promise<void> {
    await this.#pool.query('SELECT 1')
  }

  async close(): Promise<void> {
    await this.#pool?.end()
  }

  async #rows(sql: string, params: unknown[] = []): Promise<Row[]> {
    const [rows] = await this.#pool.query<Row[]>(sql, params)
    return rows
  }

  async #exec(sql: string, params: unknown[] = [], conn: Pool | PoolConnection = this.#pool): Promise<ResultSetHeader> {
    const [result] = await conn.query<ResultSetHeader>(sql, params)
    return result
  }

  async #tx<T>(fn: (conn: PoolConnection) => Promise<T>): Promise<T> {
    const conn = await this.#pool.getConnection()
    let broken = false
    try {
      await conn.beginTransaction()
      const result = await fn(conn)
      await conn.commit()
      return result
    } catch (err) {
      await conn.rollback().catch(() => (broken = true))
      throw err
    } finally {
      // A connection whose ROLLBACK failed is in an unknown state: drop it rather than reuse it.
      if (broken) conn.destroy()
      else conn.release()
    }
  }

  async createUser(input: { email: string; name: string; passwordHash: string }): Promise<CreateUserResult> {
    const createdAt = nowMs()
    try {
      const result = await this.#exec('INSERT INTO users (email, password_hash, name, created_at) VALUES (?, ?, ?, ?)', [
        input.email,
        input.passwordHash,
        input.name,
        createdAt,
      ])
      return {
        ok: true,
        user: { id: result.insertId, email: input.email, name: input.name, premium: false, createdAt: createdAt.toISOString() },
      }
    } catch (err) {
      if ((err as { code?: string }).code === 'ER_DUP_ENTRY') return { ok: false, reason: 'duplicate_email' }
      throw err
    }
  }

  async findUserByEmail(email: string): Promise<UserWithPassword | null> {
    const rows = await this.#rows(`SELECT ${USER_COLUMNS}, password_hash FROM users WHERE email = ?`, [email])
    return rows[0] ? { ...toUser(rows[0]), passwordHash: rows[0].password_hash } : null
  }

  async findUserById(id: number): Promise<User | null> {
    const rows = await this.#rows(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`, [id])
    return rows[0] ? toUser(rows[0]) : null
  }

  async setPremium(userId: number): Promise<User | null> {
    await this.#exec('UPDATE users SET premium = TRUE WHERE id = ?', [userId])
    return this.findUserById(userId)
  }

  async createSession(token: string, userId: number): Promise<void> {
    await this.#exec('INSERT INTO sessions (token, user_id, created_at) VALUES (?, ?, ?)', [token, userId, nowMs()])
  }

  async userForToken(token: string): Promise<User | null> {
    const rows = await this.#rows(
      'SELECT u.id, u.email, u.name, u.premium, u.created_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token = ?',
      [token],
    )
    return rows[0] ? toUser(rows[0]) : null
  }

  async listTodos(userId: number): Promise<Todo[]> {
    return (await this.#rows(`SELECT ${TODO_COLUMNS} FROM todos WHERE user_id = ? ORDER BY id`, [userId])).map(toTodo)
  }

  async getTodo(userId: number, id: number): Promise<Todo | null> {
    const rows = await this.#rows(`SELECT ${TODO_COLUMNS} FROM todos WHERE id = ? AND user_id = ?`, [id, userId])
    return rows[0] ? toTodo(rows[0]) : null
  }

  async createTodo(userId: number, input: { title: string; done: boolean }, quota: Quota): Promise<CreateTodoResult> {
    return this.#tx(async (conn) => {
      // Locking the user row serialises concurrent creates of one user; InnoDB takes the read view of
      // the count below only after the lock is held, so the count cannot be stale.
      const [users] = await conn.query<Row[]>('SELECT premium FROM users WHERE id = ? FOR UPDATE', [userId])
      if (!users[0]) return { ok: false, reason: 'no_user' } as const
      const limit = users[0].premium ? quota.premium : quota.regular
      const [open] = await conn.query<Row[]>('SELECT COUNT(*) AS n FROM todos WHERE user_id = ? AND done = FALSE', [userId])
      if (Number(open[0]!.n) >= limit) return { ok: false, reason: 'quota_exceeded' } as const
      const createdAt = nowMs()
      const result = await this.#exec(
        'INSERT INTO todos (user_id, title, done, created_at) VALUES (?, ?, ?, ?)',
        [userId, input.title, input.done, createdAt],
        conn,
      )
      const todo: Todo = { id: result.insertId, title: input.title, done: input.done, userId, createdAt: createdAt.toISOString() }
      return { ok: true, todo } as const
    })
  }

  async updateTodo(userId: number, id: number, patch: { title?: string; done?: boolean }): Promise<Todo | null> {
    await this.#exec('UPDATE todos SET title = COALESCE(?, title), done = COALESCE(?, done) WHERE id = ? AND user_id = ?', [
      patch.title ?? null,
      patch.done ?? null,
      id,
      userId,
    ])
    return this.getTodo(userId, id)
  }

  async deleteTodo(userId: number, id: number): Promise<boolean> {
    const result = await this.#exec('DELETE FROM todos WHERE id = ? AND user_id = ?', [id, userId])
    return result.affectedRows === 1
  }

  async addComment(userId: number, todoId: number, text: string): Promise<Comment | null> {
    // The ownership check and the insert are one statement: no comment lands on someone else's todo.
    const result = await this.#exec('INSERT INTO comments (todo_id, text) SELECT id, ? FROM todos WHERE id = ? AND user_id = ?', [
      text,
      todoId,
      userId,
    ])
    return result.affectedRows === 1 ? { id: result.insertId, todoId, text } : null
  }

  async listComments(userId: number, todoId: number): Promise<Comment[] | null> {
    if (!(await this.getTodo(userId, todoId))) return null
    return (await this.#rows('SELECT id, todo_id, text FROM comments WHERE todo_id = ? ORDER BY id', [todoId])).map(toComment)
  }

  async createPasswordReset(token: string, userId: number): Promise<void> {
    await this.#exec('INSERT INTO password_resets (token, user_id) VALUES (?, ?)', [token, userId])
  }

  async isPasswordResetUsable(token: string): Promise<boolean> {
    const rows = await this.#rows('SELECT used FROM password_resets WHERE token = ?', [token])
    return !!rows[0] && !rows[0].used
  }

  async consumePasswordReset(token: string, passwordHash: string): Promise<boolean> {
    // One multi-table UPDATE: marking the token used and setting the password succeed or fail together.
    const result = await this.#exec(
      `UPDATE password_resets r JOIN users u ON u.id = r.user_id
       SET r.used = TRUE, u.password_hash = ?
       WHERE r.token = ? AND r.used = FALSE`,
      [passwordHash, token],
    )
    return result.affectedRows > 0
  }

  async stats(): Promise<Stats> {
    const rows = await this.#rows(
      `SELECT (SELECT COUNT(*) FROM users) AS users, (SELECT COUNT(*) FROM todos) AS todos, (SELECT COUNT(*) FROM comments) AS comments`,
    )
    return { users: Number(rows[0]!.users), todos: Number(rows[0]!.todos), comments: Number(rows[0]!.comments) }
  }
}
