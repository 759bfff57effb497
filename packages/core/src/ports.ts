/**
 * Ports: what a journey can check besides HTTP. Adapter packages implement them; actions reach them
 * through `ports`. Every method is async so that a real service and an in-memory one look alike.
 */

import { describeValue } from './describe-value'
import { didYouMean } from './did-you-mean'
import { UserError } from './errors'
import { refuseRenamed } from './options'

export interface HealthCheckable {
  /** True when the service answers. Never throws. */
  healthCheck(): Promise<boolean>
}

// ---- state ---------------------------------------------------------------------------------------

/**
 * A state backend as every report and message names it: `postgres (snapshot)`, or the name alone when it is
 * the mechanism's (`redis`). One spelling, so that a doctor line and a console line about a backend match.
 */
export function backendLabel(name: string, mechanism: string): string {
  return name === mechanism ? name : `${name} (${mechanism})`
}

/** What a state backend's connect() is given. */
export interface ConnectOptions {
  /** Aborted when the run stops waiting for the connect; its reason says why. */
  readonly signal?: AbortSignal
}

/** What a state backend's rollback() is given. */
export interface RollbackOptions {
  /**
   * Why the journey is being put back, when it was stopped: `interrupt` (Ctrl-C: the user wants the run
   * to end now), `timeout` (the journey's), `stopped` (its workers failed). Absent for a branch's own
   * rollbacks. A backend that waits on the app's work under way (a proxy whose session an app's long
   * statement holds) may stop that work rather than wait for it on an interrupt.
   */
  readonly reason?: 'interrupt' | 'timeout' | 'stopped'
}

/** What a state backend's rollback() may answer (most answer nothing). */
export interface RollbackAnswer {
  /**
   * The backend stopped the app's work under way in what it keeps (a proxy cancelled the app's statements)
   * and the rollback undid what that work had done: a request the run cut off is then told so, not that
   * what it did stays.
   */
  readonly cancelledAppWork?: boolean
}

export interface StateBackend {
  readonly name: string
  /** How rollback works: 'snapshot', 'savepoint', 'template', 'dump-restore', 'memory', 'http-control'... */
  readonly mechanism: string
  /** True only if concurrent paths cannot see each other's writes. */
  readonly parallelSafe: boolean
  /**
   * True when what the run left under its open checkpoints is undone without the run once its process
   * goes (a second Ctrl-C, a crash): a proxy that holds the app's writes in a transaction of its own and
   * rolls it back. What a run quit mid-journey says it left (the CLI's) counts on it. Optional: false.
   */
  readonly undoesOpenCheckpointsWhenLetGo?: boolean
  /**
   * What this backend's setup leaves in the system under test when a run is quit before it closed, until
   * the next run connects and removes it, in words that follow its name (`keeps its tracking in the
   * database: schema _venomqa, triggers on the app's tables`); false when it leaves nothing there. A quit
   * run says it; of a backend that does not say, the run says it may leave what it set up. Optional.
   */
  readonly leftWhenQuit?: string | false
  /**
   * Connect and set up what rollback needs. `options.signal` aborts when the run stops waiting (Ctrl-C,
   * SIGTERM, pluginTimeout): a backend that honours it stops connecting, undoes what it already set up in
   * the system under test, and rejects. One that ignores it is disconnected by the runner if its connect
   * finishes after all, which the run's close waits for.
   */
  connect(options?: ConnectOptions): Promise<void>
  checkpoint(name: string): Promise<void>
  /**
   * Put the state back to checkpoint `name`. Checkpoints form a stack, as savepoints do: this also drops
   * every checkpoint taken after `name`, and frees what they held (the World will not release them).
   * `options.reason` says why, when the journey was stopped (see RollbackOptions).
   */
  rollback(name: string, options?: RollbackOptions): Promise<void | RollbackAnswer>
  release(name: string): Promise<void>
  /** Back to an empty, clean state (truncate, restart sequences). Optional. */
  reset?(): Promise<void>
  /** A cheap fingerprint of the state. Optional. */
  observe?(): Promise<Record<string, unknown>>
  /**
   * What in the system under test waits on this backend, in a sentence that says what to do (a session
   * connected to the database directly that waits on a lock the backend's transaction holds); undefined
   * when nothing does. Asked when a step gave up waiting (a timeout, a stall), and the answer is that
   * step's suggestion: a request that timed out said nothing of why. Never throws. Optional.
   */
  blockedByIt?(): Promise<string | undefined>
  disconnect(): Promise<void>
  /**
   * What a quit run (a second Ctrl-C) asks in place of the rollbacks and the disconnect it no longer
   * waits for: undo at once what only this process can still undo. A proxy in the run's process ends its
   * transaction (the rows) and puts the sequences back, which the end of its transaction alone does not.
   * The CLI waits for it a short while (2 s), then exits all the same and says it did not finish. It may
   * come at any moment: while connecting, in the middle of a rollback, after disconnect (then there is
   * nothing left to undo). Optional: a backend with nothing of its own to undo leaves it out.
   */
  letGo?(): Promise<void>
  /**
   * What stays in the system under test when `letGo` throws or does not finish in time, in words that follow
   * the backend's name (`leaves the sequences where the app moved them: ...`): the quit run says it after
   * the line that names the backend. Optional: without it, the line only says the backend did not finish.
   */
  readonly leftWhenLetGoFails?: string
}

// ---- cache ---------------------------------------------------------------------------------------

export interface CacheStats {
  hits: number
  misses: number
  /** Percentage, 0 to 100. */
  hitRate: number
  keys?: number
}

export interface CacheSetOptions {
  /** Milliseconds until the entry expires. */
  ttlMs?: number
}

/**
 * How a refused cache TTL is told, with `, got ...` after it: the words of TIMER_MS_EXPECTED without its
 * bound, since a TTL is no Node timer (a cache keeps a key for a month, a year).
 */
export const TTL_MS_EXPECTED = 'expected a positive whole number of milliseconds'

/**
 * Whether `value` is a TTL a cache keeps as given: a whole number of milliseconds, at least 1. A fraction is
 * refused rather than rounded: Redis takes whole milliseconds only, so `ttlMs: 1.5` could not be what the
 * user meant, and a TTL under 1 ms rounded to 0 deleted the key.
 */
export function isTtlMs(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0
}

/**
 * The `ttlMs` of a cache `set`/`setMany` call, checked: a positive whole number of milliseconds, or
 * undefined. A bare number is refused: it was a TTL in seconds before, and reading it as milliseconds would
 * expire the entry a thousand times too soon without a word.
 */
export function cacheTtlMs(options: CacheSetOptions | number | undefined, where: string): number | undefined {
  if (typeof options === 'number') throw new UserError('E_CACHE_TTL', `${where}: the TTL is now given as { ttlMs } in milliseconds, e.g. { ttlMs: ${options * 1000} } for ${options} s`)
  refuseRenamed(options, { ttl: 'ttlMs' }, where)
  const ttlMs = options?.ttlMs
  if (ttlMs !== undefined && !isTtlMs(ttlMs)) throw ttlRefused(`${where}: ttlMs`, TTL_MS_EXPECTED, ttlMs)
  return ttlMs
}

/**
 * The `ttlMs` of `cache.setTtlMs(key, ttlMs)`, checked: a whole number of milliseconds, where 0 or less
 * deletes the key (as Redis PEXPIRE does). A fraction is refused, as in `set`.
 */
export function cacheExpiryMs(ttlMs: unknown, where: string): number {
  if (typeof ttlMs === 'number' && Number.isSafeInteger(ttlMs)) return ttlMs
  throw ttlRefused(`${where}: ttlMs`, 'expected a whole number of milliseconds (0 or less deletes the key)', ttlMs)
}

/** The UserError of a refused TTL: `cache.set("k", ...): ttlMs: expected ..., got 1.5`. */
export function ttlRefused(what: string, expected: string, got: unknown): UserError {
  return new UserError('E_CACHE_TTL', `${what}: ${expected}, got ${describeValue(got)}`)
}

export interface CachePort extends HealthCheckable {
  get<T = unknown>(key: string): Promise<T | undefined>
  /** `ttlMs`: expire after this many milliseconds (default: the adapter's, else never). */
  set(key: string, value: unknown, options?: CacheSetOptions): Promise<void>
  delete(key: string): Promise<boolean>
  exists(key: string): Promise<boolean>
  getMany<T = unknown>(keys: string[]): Promise<Record<string, T | undefined>>
  setMany(entries: Record<string, unknown>, options?: CacheSetOptions): Promise<void>
  deleteMany(keys: string[]): Promise<number>
  /** Remove every key the port owns (within its prefix). */
  clear(): Promise<void>
  /** Milliseconds left; -1 no expiry; -2 no such key. */
  getTtlMs(key: string): Promise<number>
  /** Expire the key after `ttlMs` milliseconds (0 or less deletes it); false when there is no such key. */
  setTtlMs(key: string, ttlMs: number): Promise<boolean>
  stats(): Promise<CacheStats>
}

// ---- mail ----------------------------------------------------------------------------------------

export interface EmailAttachment {
  filename?: string
  contentType: string
  size: number
  content: Uint8Array
}

export interface Email {
  id: string
  from: string
  to: string[]
  cc: string[]
  /** Known only where the SMTP envelope was seen (the embedded catcher). */
  bcc?: string[]
  subject: string
  text: string
  html?: string
  headers: Record<string, string>
  attachments: EmailAttachment[]
  receivedAt: string
}

export interface EmailFilter {
  to?: string
  from?: string
  /** A substring, or a regular expression, of the subject. */
  subject?: string | RegExp
}

export interface OutgoingEmail {
  from: string
  to: string | string[]
  cc?: string | string[]
  /** Recipients in the envelope only: no header names them. */
  bcc?: string | string[]
  subject: string
  text?: string
  html?: string
  attachments?: { filename: string; content: string | Uint8Array; contentType?: string }[]
}

const OUTGOING_EMAIL_FIELDS = ['from', 'to', 'cc', 'bcc', 'subject', 'text', 'html', 'attachments'] as const

/**
 * Refuse a field `send` would not send (`replyTo`, `cC`): a mail port's `send` dropped it without a word,
 * and a journey that meant to cover the Cc path covered nothing. Every MailPort's `send` asks this first.
 */
export function refuseUnknownEmailFields(mail: object, where = 'mail.send'): void {
  const unknown = Object.keys(mail).filter((k) => !(OUTGOING_EMAIL_FIELDS as readonly string[]).includes(k))
  if (!unknown.length) return
  const said = unknown.map((k) => {
    const near = didYouMean(k, OUTGOING_EMAIL_FIELDS)
    return `"${k}"${near ? ` (did you mean "${near}"?)` : ''}`
  })
  throw new UserError('E_MAIL', `${where}: ${unknown.length === 1 ? 'a field' : 'fields'} a mail cannot be sent with: ${said.join(', ')}; it takes ${OUTGOING_EMAIL_FIELDS.join(', ')}`)
}

export interface MailPort extends HealthCheckable {
  list(filter?: EmailFilter): Promise<Email[]>
  getLatest(filter?: EmailFilter): Promise<Email | undefined>
  /** Poll until a matching mail arrives; rejects with a clear message at the timeout (ms) or when `signal` aborts. */
  waitForEmail(filter: EmailFilter & { timeoutMs?: number; signal?: AbortSignal }): Promise<Email>
  deleteAll(): Promise<void>
  send(mail: OutgoingEmail): Promise<void>
}

// ---- queue ---------------------------------------------------------------------------------------

export type JobStatus = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed' | 'cancelled' | 'unknown'

export interface Job {
  id: string
  name: string
  queue: string
  data: unknown
  status: JobStatus
  attempts: number
  result?: unknown
  error?: string
  createdAt?: string
  finishedAt?: string
}

export interface JobResult {
  id: string
  success: boolean
  result?: unknown
  error?: string
}

export interface EnqueueOptions {
  queue?: string
  delayMs?: number
  attempts?: number
  jobId?: string
}

export interface QueuePort extends HealthCheckable {
  enqueue(name: string, data: unknown, options?: EnqueueOptions): Promise<string>
  getJob(id: string, queue?: string): Promise<Job | undefined>
  /** Wait for the job to finish; undefined at the timeout (ms). */
  getJobResult(id: string, options?: { queue?: string; timeoutMs?: number }): Promise<JobResult | undefined>
  cancel(id: string, queue?: string): Promise<boolean>
  length(queue?: string): Promise<number>
  getActiveJobs(queue?: string): Promise<Job[]>
  getFailedJobs(queue?: string): Promise<Job[]>
  retry(id: string, queue?: string): Promise<boolean>
  clear(queue?: string): Promise<void>
}

// ---- search --------------------------------------------------------------------------------------

export interface SearchHit<T = Record<string, unknown>> {
  id: string
  score: number | null
  source: T
}

export interface SearchResult<T = Record<string, unknown>> {
  total: number
  hits: SearchHit<T>[]
}

export interface SearchPort extends HealthCheckable {
  createIndex(index: string, options?: { mappings?: Record<string, unknown>; settings?: Record<string, unknown> }): Promise<void>
  deleteIndex(index: string): Promise<void>
  refresh(index: string): Promise<void>
  index(index: string, document: Record<string, unknown>, id?: string): Promise<string>
  get<T = Record<string, unknown>>(index: string, id: string): Promise<T | undefined>
  delete(index: string, id: string): Promise<boolean>
  search<T = Record<string, unknown>>(index: string, query: Record<string, unknown> | string, options?: { size?: number; from?: number }): Promise<SearchResult<T>>
  /** Delete every document in the index. */
  clear(index: string): Promise<void>
}

// ---- mock server ---------------------------------------------------------------------------------

export interface MockResponse {
  status?: number
  body?: unknown
  headers?: Record<string, string>
  /** Delay before answering, ms. */
  delayMs?: number
}

export interface StubOptions extends MockResponse {
  method: string
  /** Exact path, or a regular expression string when `pathPattern` is true. */
  path: string
  pathPattern?: boolean
}

export interface MockRequest {
  method: string
  url: string
  headers: Record<string, string>
  body?: string
  loggedAt?: string
}

export interface VerifyOptions {
  count?: number
  atLeast?: number
  atMost?: number
}

export interface MockPort extends HealthCheckable {
  readonly baseUrl: string
  stub(stub: StubOptions): Promise<string>
  /** Answer the same request with each response in turn; the last one repeats. */
  stubSequence(method: string, path: string, responses: MockResponse[]): Promise<string[]>
  removeStub(id: string): Promise<void>
  requests(filter?: { method?: string; path?: string }): Promise<MockRequest[]>
  /** The requests the app sent to `method` and `path`, whether a stub matched them or not. */
  countRequests(method: string, path: string): Promise<number>
  /** True when the count of those requests (countRequests) fits; with no options, at least one. */
  verify(method: string, path: string, options?: VerifyOptions): Promise<boolean>
  /** Remove every stub and clear the request journal. */
  reset(): Promise<void>
}

// ---- time ----------------------------------------------------------------------------------------

export interface TimePort {
  now(): Date
  freeze(at?: Date): void
  unfreeze(): void
  readonly frozen: boolean
  /** Move time forward by ms (or a duration object); fires every scheduled callback that comes due, in order. */
  advance(by: number | Duration): void
  setTime(at: Date): void
  /** Run `callback` when time reaches now + delay (ms). Returns an id for `cancel`. */
  scheduleAfter(delayMs: number, callback: () => void): string
  scheduleAt(at: Date, callback: () => void): string
  cancel(id: string): boolean
  pending(): { id: string; dueAt: Date }[]
}

export interface Duration {
  days?: number
  hours?: number
  minutes?: number
  seconds?: number
  milliseconds?: number
}

export function durationToMs(d: number | Duration): number {
  if (typeof d === 'number') return d
  return (
    (d.days ?? 0) * 86_400_000 +
    (d.hours ?? 0) * 3_600_000 +
    (d.minutes ?? 0) * 60_000 +
    (d.seconds ?? 0) * 1000 +
    (d.milliseconds ?? 0)
  )
}

// ---- storage -------------------------------------------------------------------------------------

export interface StoredObject {
  key: string
  size: number
  contentType?: string
  modifiedAt: string
}

export interface StoragePort extends HealthCheckable {
  put(key: string, content: string | Uint8Array, options?: { contentType?: string }): Promise<void>
  get(key: string): Promise<Uint8Array | undefined>
  getText(key: string): Promise<string | undefined>
  exists(key: string): Promise<boolean>
  delete(key: string): Promise<boolean>
  list(prefix?: string): Promise<StoredObject[]>
  clear(): Promise<void>
}

// ---- concurrency ---------------------------------------------------------------------------------

export type TaskStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled'

export interface TaskResult<T = unknown> {
  id: string
  success: boolean
  value?: T
  error?: string
  durationMs: number
}

export interface ConcurrencyPort {
  spawn<T>(task: (signal: AbortSignal) => Promise<T> | T): string
  /** Start `fn` for every item with at most `limit` running at once; returns the task ids in item order. */
  mapAsync<I, T>(items: Iterable<I>, fn: (item: I, signal: AbortSignal) => Promise<T> | T, options?: { limit?: number }): string[]
  join<T = unknown>(id: string, options?: { timeoutMs?: number }): Promise<TaskResult<T>>
  /** Wait for every task; at the timeout (ms), unfinished ones are cancelled and reported as failed. */
  joinAll<T = unknown>(ids: string[], options?: { timeoutMs?: number }): Promise<TaskResult<T>[]>
  cancel(id: string): boolean
  status(id: string): TaskStatus | undefined
}

/** The ports known by name. A plugin may register others under its own name. */
export interface KnownPorts {
  cache: CachePort
  mail: MailPort
  queue: QueuePort
  search: SearchPort
  mock: MockPort
  time: TimePort
  storage: StoragePort
  concurrency: ConcurrencyPort
}

export type PortName = keyof KnownPorts | (string & {})

/** What actions see as `ports`: typed access to known ports, `get` for any. */
export type Ports = Partial<KnownPorts> & {
  /** The port registered under `name`; a clear error if there is none. */
  require<K extends keyof KnownPorts>(name: K): KnownPorts[K]
  require<T = unknown>(name: string): T
  has(name: string): boolean
  names(): string[]
}
