export type StorageKind = 'memory' | 'postgres' | 'mysql'

export interface User {
  id: number
  email: string
  name: string
  premium: boolean
  createdAt: string
}

export interface UserWithPassword extends User {
  passwordHash: string
}

export interface Todo {
  id: number
  title: string
  done: boolean
  userId: number
  createdAt: string
}

export interface Comment {
  id: number
  todoId: number
  text: string
}

export interface Stats {
  users: number
  todos: number
  comments: number
}

/** Open-todo limits; which one applies depends on the user's premium flag, read in the same transaction. */
export interface Quota {
  regular: number
  premium: number
}

export type CreateUserResult = { ok: true; user: User } | { ok: false; reason: 'duplicate_email' }
export type CreateTodoResult = { ok: true; todo: Todo } | { ok: false; reason: 'quota_exceeded' | 'no_user' }

/**
 * Everything the routes need from storage. Implementations read from their source of truth on every
 * call (no row caching), so that a rollback done behind the app's back shows on the next request.
 */
export interface Store {
  readonly kind: StorageKind
  /** Connect and create the schema if it is missing. */
  init(): Promise<void>
  /** Cheap liveness check, for /health. */
  ping(): Promise<void>
  close(): Promise<void>

  createUser(input: { email: string; name: string; passwordHash: string }): Promise<CreateUserResult>
  findUserByEmail(email: string): Promise<UserWithPassword | null>
  findUserById(id: number): Promise<User | null>
  setPremium(userId: number): Promise<User | null>

  createSession(token: string, userId: number): Promise<void>
  userForToken(token: string): Promise<User | null>

  listTodos(userId: number): Promise<Todo[]>
  getTodo(userId: number, id: number): Promise<Todo | null>
  /** Inserts unless the user already has their quota of open todos; the check and the insert are atomic. */
  createTodo(userId: number, input: { title: string; done: boolean }, quota: Quota): Promise<CreateTodoResult>
  updateTodo(userId: number, id: number, patch: { title?: string; done?: boolean }): Promise<Todo | null>
  deleteTodo(userId: number, id: number): Promise<boolean>

  /** Null when the todo is not the user's. */
  addComment(userId: number, todoId: number, text: string): Promise<Comment | null>
  listComments(userId: number, todoId: number): Promise<Comment[] | null>

  createPasswordReset(token: string, userId: number): Promise<void>
  /** True if the token exists and is unused. */
  isPasswordResetUsable(token: string): Promise<boolean>
  /** Marks the token used and sets the password in one transaction; false if the token was bad or used. */
  consumePasswordReset(token: string, passwordHash: string): Promise<boolean>

  stats(): Promise<Stats>
}
