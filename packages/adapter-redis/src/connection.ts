import { ConfigError, VenomError, hasMalformedEscape, redactCredentials, unencodedUserinfoProblem } from '@venomqa/core'
import { Redis } from 'ioredis'
import { hasAnswered, markAnswered } from './answered'
import { settledTlsMismatch, watchPlainAgainstTls, watchTlsHandshake } from './tls'

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379'

/** How a class gets its Redis: a URL (it then owns and closes the client) or a client the caller owns. */
export interface ConnectionOptions {
  /** Default redis://127.0.0.1:6379. The path selects the DB (redis://host:6379/2). */
  url?: string
  /** DB index; wins over the one in the URL. */
  db?: number
  /** An ioredis client to use instead of opening one. The caller closes it. */
  redis?: Redis
  /** Where the user wrote `url`, for messages about it: the plugin gives `plugins[2].url`. Default `url`. */
  urlWhere?: string
  /**
   * Told what fails nothing but should be said, in the adapter's words (a password the server asks none
   * for, a server BullMQ advises against): the plugin gives its `api.log.warn`. Without it nothing is said.
   * Either way ioredis and BullMQ print none of their own console lines about it.
   */
  onNotice?: (message: string) => void
}

/** A client and whether closing it is our job. */
export interface OwnedClient {
  readonly redis: Redis
  readonly owned: boolean
  /** The client's URL for messages (describeClient): its user shown, its password masked. */
  readonly where: string
  /**
   * The option that gave the address (`plugins[0].url`), when a plugin's config did: a server that is not
   * there is a mistake at that key, and a config with two Redis entries must say which one.
   */
  readonly urlWhere?: string
}

export function openClient(options: ConnectionOptions): OwnedClient {
  if (options.redis) {
    // The client decides the server and DB: a `url` or another `db` beside it was ignored, and the state
    // backend rolled back (deleting keys in) the client's DB while the config named another.
    const clientDb = options.redis.options.db ?? 0
    if (options.url !== undefined || (options.db !== undefined && options.db !== clientDb))
      throw new ConfigError(
        `Redis: give \`redis\` or \`url\`/\`db\`, not both: the client is on ${describeClient(options.redis)}, and it is the one used${options.db !== undefined ? ` (\`db\` says ${String(options.db)})` : ''}`,
        { where: 'redis' },
      )
    return { redis: options.redis, owned: false, where: describeClient(options.redis) }
  }
  const urlProblem = options.url === undefined ? undefined : redisUrlProblem(options.url)
  if (urlProblem) throw new ConfigError(`Redis: \`url\`: ${urlProblem}`, { where: 'url' })
  const url = withDb(options.url ?? DEFAULT_REDIS_URL, options.db)
  // ioredis takes any path as the DB and sends SELECT NaN for `/abc`: a rejection nothing can catch (the
  // SELECT of its connect), then a raw ReplyError. A path that is no DB index is a mistake in the config.
  if (options.db !== undefined && !(Number.isInteger(options.db) && options.db >= 0))
    throw new ConfigError(`Redis: \`db\` must be an integer >= 0, got ${String(options.db)}`, { where: 'db' })
  if (!hasDbIndexPath(url)) throw new ConfigError(`Redis: ${DB_PATH_EXPECTED}, got "/${dbPathOf(url)}"`, { where: 'url' })
  const redis = new Redis(url, {
    // Connect on first use: registering a plugin must not touch the network.
    lazyConnect: true,
    // Fail a command after one reconnect attempt instead of queueing it for minutes while Redis is down.
    maxRetriesPerRequest: 1,
    connectTimeout: 5000,
    // No ready check: ioredis' is an INFO on each connect, and an ACL user that may not run INFO made it
    // print its own warning to the console, outside VenomQA's output. Nothing here needs it: the first call
    // on a connection PINGs with a deadline first (whenAnswering), and a server still loading its data
    // says LOADING to it.
    enableReadyCheck: false,
    // Without a ready check ioredis calls the connection ready once its CLIENT SETINFO commands settle,
    // which a connection closed meanwhile (a server that takes only TLS resets it) does too: "ready" with no
    // connection, and every command then waited for ever. Without them it is ready at once, then closed.
    disableClientInfo: true,
    ...(options.db !== undefined ? { db: options.db } : {}),
  })
  // Without a listener ioredis prints every connection error; the failing command reports it instead.
  // But a DB the server does not have (`/16` of 16) fails only the SELECT ioredis sends on connecting,
  // and ioredis then goes on in DB 0: the connection is closed instead, so that nothing lands there.
  redis.on('error', (err: Error) => {
    lastError.set(redis, err)
    if (!DB_OUT_OF_RANGE.test(err.message)) return
    noSuchDb.set(redis, err)
    redis.disconnect()
  })
  // The same for `?db=abc` in the query, which ioredis reads when the path has no DB.
  const db = redis.options.db ?? 0
  if (!Number.isInteger(db) || db < 0) {
    redis.disconnect()
    throw new ConfigError(`Redis: ${DB_PATH_EXPECTED}, got DB ${JSON.stringify(db)}`, { where: 'url' })
  }
  const urlWhere = options.urlWhere ?? 'url'
  urlPlaces.set(redis, urlWhere)
  takeAuthWarnings(redis, options.onNotice)
  if (redis.options.tls) watchTlsHandshake(redis, { urlWhere, server: describeClient(redis), plainUrl: describeClient(redis, 'redis') })
  else watchPlainAgainstTls(redis, { urlWhere, server: describeClient(redis), tlsUrl: describeClient(redis, 'rediss') })
  return { redis, owned: true, where: describeClient(redis), ...(options.urlWhere ? { urlWhere: options.urlWhere } : {}) }
}

/**
 * The AUTH replies ioredis answers with a console.warn of its own and then goes on as if AUTH had passed:
 * a password given to a server that asks none (Redis 6 and later, then older), and a user name given to
 * Redis 5 or older, which has no users (its AUTH takes the password alone).
 */
const NEEDLESS_AUTH = /without any password configured for the default user|no password is set/
const NO_USERS = /wrong number of arguments for 'auth' command/

/**
 * ioredis sends AUTH on each connection, and answers the replies of NEEDLESS_AUTH and NO_USERS with a
 * console.warn of its own ("[WARN] ... does not require a password, but a password was supplied"), written
 * into the user's terminal over VenomQA's report, once per connection and reconnection. The console is
 * left alone: this client's `auth` alone is wrapped, and only the call ioredis makes as it connects (status
 * "connect", with a callback), whose callback is told such a reply as AUTH passed, which is what ioredis
 * does after its warning. So is its `duplicate`, so that the connections made from it (BullMQ's QueueEvents
 * duplicates the queue's) are alike. What it means is said once through `onNotice`, in the adapter's words.
 */
function takeAuthWarnings(redis: Redis, onNotice: ((message: string) => void) | undefined, told = { once: false }): void {
  const auth = redis.auth.bind(redis) as (...args: unknown[]) => Promise<unknown>
  const wrapped = (...args: unknown[]): Promise<unknown> => {
    const callback = args.at(-1)
    if (redis.status !== 'connect' || typeof callback !== 'function') return auth(...args)
    return auth(...args.slice(0, -1), (err: Error | null | undefined, result: unknown) => {
      const reply = err?.message ?? ''
      if (!err || !(NEEDLESS_AUTH.test(reply) || NO_USERS.test(reply))) return callback(err, result)
      if (!told.once) onNotice?.(needlessAuthText(redis, NO_USERS.test(reply)))
      told.once = true
      return callback(null, 'OK')
    })
  }
  const duplicate = redis.duplicate.bind(redis)
  const duplicated = (...args: Parameters<Redis['duplicate']>): Redis => {
    const copy = duplicate(...args)
    const where = urlPlaces.get(redis)
    if (where !== undefined) urlPlaces.set(copy, where)
    takeAuthWarnings(copy, onNotice, told)
    return copy
  }
  Object.defineProperty(redis, 'auth', { value: wrapped, configurable: true, writable: true })
  Object.defineProperty(redis, 'duplicate', { value: duplicated, configurable: true, writable: true })
}

/** What a needless AUTH means (see takeAuthWarnings), naming the option and the server, never the password. */
function needlessAuthText(redis: Redis, noUsers: boolean): string {
  const where = urlPlaces.get(redis)
  const option = where === undefined ? 'the client' : where
  const server = describeServer(redis)
  if (noUsers)
    return `${option} gives the user "${redis.options.username}", but Redis at ${server} is version 5 or older, which has no users: the user and password are not used; give the password alone (redis://:password@host)`
  return `${option} gives a password, but Redis at ${server} asks none of ${redis.options.username ? `the user "${redis.options.username}"` : 'its default user'}: it is not used; take it out of the URL, or give the server one (requirepass) if it should ask for it`
}

export const DB_PATH_EXPECTED = 'the path of `url` must be a DB index, as in redis://host:6379/2'

/**
 * Why ioredis could not open a redis:// URL, or undefined when it can: it parses one as a WHATWG URL
 * (a port that is no number from 0 to 65535, a space, an unclosed `[` throw "Invalid URL") and decodes
 * its user and password (a `%` that starts no `%XX` throws "URI malformed"). Found at setup, neither
 * said which option it was; the schema says it at the key, and so does openClient for code that builds one.
 * A password with an unencoded `#`, `/` or `?` is refused too (see unencodedUserinfoProblem): such a URL
 * often parses, with a piece of the password as the host.
 */
export function redisUrlProblem(url: string): string | undefined {
  // First: such a URL may parse, with a piece of the password as its host, which an error would then name.
  const unencoded = unencodedUserinfoProblem(url)
  if (unencoded) return unencoded
  // ioredis decodes the user and password: a "%" that starts no escape fails it with "URI malformed".
  if (hasMalformedEscape(url)) return 'expected a redis:// URL whose user and password are percent-encoded: a "%" there must start a %XX escape (write "%" as %25)'
  if (!URL.canParse(url))
    return 'expected a redis:// URL that parses, as in redis://host:6379/2 (the port a number from 0 to 65535, no spaces, user and password percent-encoded)'
  return undefined
}

/** The DB a URL's path selects (without its slash; 0 for none), or undefined when the path is no DB index. */
export function dbFromPath(path: string): number | undefined {
  if (path === '') return 0
  return /^\d+$/.test(path) ? Number(path) : undefined
}

/** The path of a redis:// URL without its slash, which ioredis takes as the DB ('' for none); undefined if not such a URL. */
export function dbPathOf(url: string): string | undefined {
  if (!/^rediss?:\/\//i.test(url)) return undefined
  try {
    return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''))
  } catch {
    return undefined
  }
}

/** Whether a redis:// URL selects a DB ioredis can SELECT: no path, or a DB index. */
export function hasDbIndexPath(url: string): boolean {
  const path = dbPathOf(url)
  return path === undefined || dbFromPath(path) !== undefined
}

/** The `keyPrefix` a redis:// URL gives ioredis in its query, if any. */
export function keyPrefixOfUrl(url: string): string | undefined {
  try {
    return new URL(url).searchParams.get('keyPrefix') ?? undefined
  } catch {
    return undefined
  }
}

/**
 * Refuse a client with an ioredis `keyPrefix` (given, or read from `?keyPrefix=` in the URL). SCAN answers
 * full key names, which ioredis prefixes once more in every command that takes keys (EVAL's included): a
 * checkpoint then saved nothing, a rollback did nothing and clear() deleted nothing, all silently. The
 * class's own `prefix` option does what keyPrefix is for, and knows SCAN.
 */
export function refuseKeyPrefix(client: OwnedClient, who: string): void {
  const keyPrefix = client.redis.options.keyPrefix
  if (!keyPrefix) return
  if (client.owned) client.redis.disconnect()
  throw new ConfigError(
    `${who}: an ioredis client with keyPrefix ${JSON.stringify(keyPrefix)} would make it read and write other keys than it finds with SCAN; give the key prefix as its "prefix" option instead, with a client (or url) without keyPrefix`,
    { where: 'keyPrefix' },
  )
}

const DB_OUT_OF_RANGE = /DB index is out of range|invalid DB index/i
/**
 * The last connection error of a client: a command that fails for want of a connection says only "Reached
 * the max retries per request limit", and the reason (`connect ECONNREFUSED ...`) comes as an event.
 */
const lastError = new WeakMap<Redis, Error>()
/** The SELECT a client's connection failed on, when its DB does not exist (see openClient). */
const noSuchDb = new WeakMap<Redis, Error>()
/** Where the URL of a client of our own was written (`plugins[1].url`, or `url` in code), for messages about it. */
const urlPlaces = new WeakMap<Redis, string>()

/**
 * What a Redis error says about the URL's user and password, when it is about them: the password refused
 * (WRONGPASS), none given where one is required (NOAUTH), or the ACL user not allowed a command (NOPERM).
 * Said with the option that gave them and the user's name, never the password. Undefined for any other
 * error: those are about the server or the address.
 */
export function credentialsProblem(redis: Redis, errors: readonly unknown[]): string | undefined {
  const messages = errors.map((e) => (e instanceof Error ? e.message : typeof e === 'string' ? e : '')).filter(Boolean)
  const refused = messages.find((m) => /^WRONGPASS\b/.test(m))
  const notAllowed = messages.find((m) => /^NOPERM\b/.test(m))
  const required = messages.find((m) => /^NOAUTH\b/.test(m))
  const where = urlPlaces.get(redis)
  // A client the caller gave has its credentials in code, not in an option of ours.
  const at = where === undefined ? 'Redis: the client given' : where === 'url' ? 'Redis: `url`' : where
  const option = where === undefined ? 'the client' : where === 'url' ? '`url`' : where
  const server = describeClient(redis)
  const user = redis.options.username || undefined
  const password = typeof redis.options.password === 'string' && redis.options.password !== ''
  if (refused || (required && password)) {
    const reply = refused ?? required!
    return user
      ? `${at}: Redis at ${server} refused the user "${user}" with the password given (${reply}): put a user it has, with that user's password, in the URL (both percent-encoded)`
      : `${at}: Redis at ${server} refused the password given (${reply}): put the right one in the URL (percent-encoded)`
  }
  if (notAllowed) return `${notAllowedText(notAllowed, user ?? 'default', option)}`
  if (required)
    return `${at}: Redis at ${server} requires a password (${required}), and the URL gives none: put it in the URL (percent-encoded), with the user's name before it for a user of its ACL`
  return undefined
}

/**
 * `the Redis user "app" of plugins[1].url may not run SET (NOPERM ...): allow it ...`: what an ACL refused,
 * the command read from Redis' reply (`'config|get'` is CONFIG GET), or the keys it would touch.
 */
function notAllowedText(reply: string, user: string, option: string): string {
  const who = `the Redis user "${user}" of ${option}`
  const command = /run the '([^']+)' command/.exec(reply)?.[1]
  if (command) {
    const name = command.split('|').join(' ').toUpperCase()
    return `${who} may not run ${name} (${reply}): allow it in the user's ACL (ACL SETUSER ${user} +${command.toLowerCase()}), or give ${option} a user that may`
  }
  return `${who} may not use the keys or channels this needs (${reply}): allow their pattern in the user's ACL (ACL SETUSER ${user} ~pattern), or give ${option} a user that may`
}

/** `credentialsProblem` as the ConfigError a connect or a first call throws, at the option that gave them. */
export function credentialsError(redis: Redis, errors: readonly unknown[]): ConfigError | undefined {
  const problem = credentialsProblem(redis, errors)
  return problem === undefined ? undefined : new ConfigError(problem, { where: urlPlaces.get(redis) ?? 'redis' })
}

/**
 * The client is in the DB it was opened for, or a ConfigError names the DB: a DB index the server does
 * not have is a mistake in the config, told before anything is read or written.
 */
export async function requireDb(client: OwnedClient, where: string): Promise<void> {
  let failure: Error | undefined
  await client.redis.select(client.redis.options.db ?? 0).catch((err: Error) => (failure = err))
  const refused = noSuchDb.get(client.redis) ?? (failure && DB_OUT_OF_RANGE.test(failure.message) ? failure : undefined)
  if (refused) throw dbMissing(client, refused, where)
  if (failure) throw failure
}

/** The ConfigError of a client whose DB the server does not have, if that is why it is closed. */
export function missingDbError(client: OwnedClient, where: string): ConfigError | undefined {
  const refused = noSuchDb.get(client.redis)
  return refused && dbMissing(client, refused, where)
}

function dbMissing(client: OwnedClient, refused: Error, where: string): ConfigError {
  return new ConfigError(`Redis DB ${client.redis.options.db ?? 0} does not exist at ${client.where} (${refused.message}): the server has fewer DBs, see its "databases" setting`, { where })
}

/** `db` put in the URL's path: ioredis takes a URL's DB over a `db` option, and `db` must win. */
function withDb(url: string, db: number | undefined): string {
  if (db === undefined) return url
  try {
    const u = new URL(url)
    u.pathname = `/${db}`
    return u.toString()
  } catch {
    // Not a URL ioredis would understand either: let it say so.
    return url
  }
}

/**
 * `rediss://host:port/db` for a TLS client, else `redis://...`; `scheme` forces one. With the user and
 * password it connects with shown as core shows a URL's (redactCredentials): the user named, the password
 * `***` (`redis://app:***@host:6379/0`, `redis://:***@host:6379/0`), so that a message says which account
 * was used, never the password.
 */
export function describeClient(redis: Redis, scheme: 'redis' | 'rediss' = redis.options.tls ? 'rediss' : 'redis'): string {
  return redactCredentials(`${scheme}://${userinfoOf(redis)}${addressOf(redis)}`)
}

/** `user:password@` as a URL writes them, percent-encoded; '' when the client gives neither. */
function userinfoOf(redis: Redis): string {
  const { username, password } = redis.options
  if (!username && !password) return ''
  return `${encodeURIComponent(username ?? '')}${password ? `:${encodeURIComponent(password)}` : ''}@`
}

/** `host:port/db`: which DB of which server, whoever connects to it. */
function addressOf(redis: Redis): string {
  const o = redis.options
  return `${o.host ?? '127.0.0.1'}:${o.port ?? 6379}/${o.db ?? 0}`
}

/** `redis://host:port` (or rediss://) without a DB: for what holds for the whole server. */
export function describeServer(redis: Redis): string {
  return describeClient(redis).replace(/\/\d+$/, '')
}

/** Where the URL of a client of our own was written (`plugins[1].url`, or `url` in code); undefined for a client the caller gave. */
export function urlPlaceOf(redis: Redis): string | undefined {
  return urlPlaces.get(redis)
}

/**
 * Whether two clients work on one DB of one server. Two that name one host and port do; else the server is
 * told by its `run_id`, not by how a URL names it: `localhost` and `127.0.0.1` are one server, and a worker
 * that took a port on one for a port on another would leave it shared between workers. A server that does
 * not answer INFO is compared by name; a user its ACL does not allow INFO is told (credentialsError), since
 * a guess by name could leave a port shared.
 */
export async function sameDb(a: Redis, b: Redis): Promise<boolean> {
  if ((a.options.db ?? 0) !== (b.options.db ?? 0)) return false
  if (addressOf(a) === addressOf(b)) return true
  const [idA, idB] = await Promise.all([serverIdOf(a), serverIdOf(b)])
  for (const [redis, id] of [
    [a, idA],
    [b, idB],
  ] as const)
    if (id instanceof Error) throw credentialsError(redis, [id]) ?? id
  return idA !== undefined && idB !== undefined && idA === idB
}

const serverIds = new WeakMap<Redis, Promise<string | undefined | Error>>()

/** The server's run_id (one per server process), asked once per client; the error when the ACL refused INFO. */
function serverIdOf(redis: Redis): Promise<string | undefined | Error> {
  let id = serverIds.get(redis)
  if (!id) {
    id = redis.info('server').then(
      (info) => /^run_id:(\w+)/m.exec(info)?.[1],
      (err: unknown) => (err instanceof Error && /^NOPERM\b/.test(err.message) ? err : undefined),
    )
    serverIds.set(redis, id)
  }
  return id
}

/** Close a client we own; a client that never connected is just dropped. */
export async function closeClient(client: OwnedClient): Promise<void> {
  if (!client.owned) return
  const { redis } = client
  if (redis.status === 'end') return
  // "ready" without a PING answered may be a server that never answers (see hasAnswered): QUIT would wait for ever.
  if (redis.status !== 'ready' || !hasAnswered(redis)) {
    redis.disconnect()
    return
  }
  // Resolve only once the socket is closed, so a finished run leaves nothing open behind it.
  const ended = new Promise<void>((resolve) => redis.once('end', () => resolve()))
  try {
    await redis.quit()
  } catch {
    redis.disconnect()
  }
  await Promise.race([ended, new Promise<void>((resolve) => setTimeout(resolve, 1000).unref())])
  if ((redis.status as string) !== 'end') redis.disconnect()
}

/**
 * `true` when the server answers PING, else why not, for `venomqa doctor`: the connection's own error
 * (`connect ECONNREFUSED 127.0.0.1:6390`) rather than ioredis' "max retries" when there is one, and a
 * password refused or missing, or a user not allowed PING, said as that (see credentialsProblem).
 */
export async function pingProblem(redis: Redis, timeoutMs = 2000): Promise<true | string> {
  const failure = await pingFailure(redis, timeoutMs)
  return failure === true ? true : failure.message
}

/** Why PING failed: the ConfigError of a scheme or credentials mistake, else an Error saying what happened. */
export async function pingFailure(redis: Redis, timeoutMs: number): Promise<true | Error> {
  const where = describeClient(redis)
  // Only an error met during this PING says why it failed: an older one may be from a connection since mended.
  const earlier = lastError.get(redis)
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    const answer = await Promise.race([
      redis.ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs)
      }),
    ])
    if (answer === 'PONG') {
      markAnswered(redis)
      return true
    }
    return new Error(`Redis at ${where} answered PING with ${JSON.stringify(answer)}`)
  } catch (err) {
    // A URL whose scheme the server does not speak (rediss:// without TLS, redis:// to a TLS port): the
    // option to change, not a server that seems down.
    const mismatch = await settledTlsMismatch(redis)
    if (mismatch) return mismatch
    const met = lastError.get(redis)
    // A password refused or missing, or a user not allowed PING: the URL's user and password are what is
    // wrong, not the server. The refusal of the password comes first (AUTH), then each command's NOAUTH.
    const credentials = credentialsError(redis, [err, ...(met ? [met] : [])])
    if (credentials) return credentials
    const cause = met && met !== earlier ? met : (err as Error)
    return new Error(`Redis at ${where} did not answer PING: ${cause.message}`)
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Return once the client's connection is ready, or throw after `timeoutMs`. Until its connection is ready,
 * ioredis queues commands with no deadline (connectTimeout covers the TCP connect only): a server that
 * accepts the connection and never answers (its AUTH, its SELECT) made every call wait for ever.
 */
export async function whenAnswering(redis: Redis, timeoutMs = 5000): Promise<void> {
  // Without a ready check (see openClient) "ready" comes before the server's answer to AUTH: a refused
  // password then failed the first command with Redis' bare WRONGPASS, not said as the URL's mistake.
  if (redis.status === 'ready' && hasAnswered(redis)) return
  const failure = await pingFailure(redis, timeoutMs)
  if (failure !== true) throw failure
}

/** PING with a deadline: true when Redis answers. Never throws. */
export async function ping(redis: Redis, timeoutMs = 2000): Promise<boolean> {
  return (await pingProblem(redis, timeoutMs)) === true
}

/** A SCAN pattern that matches `prefix` literally, then anything. */
export function prefixPattern(prefix: string): string {
  return prefix.replace(/[*?[\]\\]/g, (c) => '\\' + c) + '*'
}

/** Every key matching `pattern` (undefined: every key), as Buffers so binary key names survive. */
export async function scanKeys(redis: Redis, pattern: string | undefined, count = 1000): Promise<Buffer[]> {
  const keys: Buffer[] = []
  let cursor = '0'
  do {
    const [next, batch] = pattern
      ? await redis.scanBuffer(cursor, 'MATCH', pattern, 'COUNT', count)
      : await redis.scanBuffer(cursor, 'COUNT', count)
    cursor = next.toString()
    for (const key of batch) keys.push(key)
  } while (cursor !== '0')
  return keys
}

/** The keys of every pattern, each once (SCAN may return a key twice; patterns may overlap). */
export async function scanScope(redis: Redis, patterns: (string | undefined)[]): Promise<Buffer[]> {
  const seen = new Set<string>()
  const out: Buffer[] = []
  for (const pattern of patterns) {
    for (const key of await scanKeys(redis, pattern)) {
      const id = key.toString('latin1')
      if (seen.has(id)) continue
      seen.add(id)
      out.push(key)
    }
  }
  return out
}

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/**
 * Run a Redis call, and turn a driver error ("Connection is closed.", "Reached the max retries per request
 * limit") into one that says which port, what operation and which server. Mistakes already explained
 * (VenomError) pass through.
 */
export async function explained<T>(what: string, client: Pick<OwnedClient, 'where' | 'urlWhere'> & { redis?: Redis }, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (err) {
    if (err instanceof VenomError) throw err
    const reason = (err as Error)?.message ?? String(err)
    // The ACL refused the command: the user of the URL is what to change, named with the entry.
    if (/^NOPERM\b/.test(reason) && client.redis) {
      const refused = credentialsProblem(client.redis, [err])
      if (refused) throw new VenomError('E_REDIS', `${what} failed on ${client.where}: ${refused}`, { cause: err })
    }
    const unreachable = /max retries|Connection is closed|did not answer|ECONNREFUSED|ETIMEDOUT|ENOTFOUND|EAI_AGAIN/.test(reason)
    // No server at the address (refused, no such host, no answer to the connect): the config's key for it
    // leads, as the mail and WireMock plugins say it. Not for a client that was closed (the port used after
    // close()), whose "Connection is closed" says nothing against the address.
    const noServer = /ECONNREFUSED|ETIMEDOUT|ENOTFOUND|EAI_AGAIN/.test(reason)
    const at = noServer && client.urlWhere ? `${client.urlWhere}: ` : ''
    throw new VenomError('E_REDIS', `${at}${what} failed on ${client.where}: ${reason}${unreachable ? ' (is Redis running there?)' : ''}`, { cause: err })
  }
}
