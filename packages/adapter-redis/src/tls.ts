import { connect, isIP } from 'node:net'
import { connect as connectTls } from 'node:tls'
import { ConfigError } from '@venomqa/core'
import type { Redis } from 'ioredis'
import { hasAnswered } from './answered'

/**
 * How long a rediss:// connection may go without a finished TLS handshake before we look at what the
 * server speaks. A plain Redis reads the TLS hello as the start of an inline command and looks for its end
 * of line with strchr, which stops at the NUL in the hello's length bytes: it waits for more, and the
 * handshake neither completes nor fails. ioredis waited out `connectTimeout` (5 s), then retried for ever,
 * and every call failed as if Redis were down. A TLS server answers a hello at once; one slower than this
 * only costs a second connection that gets no Redis reply.
 */
export const HANDSHAKE_GRACE_MS = 1000
/** How long the plain PING may take to be answered. */
const PROBE_TIMEOUT_MS = 2000

/** The client's diagnosis once the server turned out to speak Redis without TLS; the client is then closed. */
const mismatches = new WeakMap<Redis, ConfigError>()

/** The probe under way for a redis:// client whose server may take only TLS (see watchPlainAgainstTls). */
const probes = new WeakMap<Redis, Promise<void>>()

/** Why a client was closed, when its URL's scheme does not match what the server speaks. */
export function tlsMismatchOf(redis: Redis): ConfigError | undefined {
  return mismatches.get(redis)
}

/** The same, once a probe under way has told: a failed call waits for it before it says why. */
export async function settledTlsMismatch(redis: Redis): Promise<ConfigError | undefined> {
  await probes.get(redis)
  return mismatches.get(redis)
}

/** How messages name the URL option and the server, with no password in either. */
export interface TlsWatchNames {
  /** Where the user wrote the URL: `url`, or `plugins[2].url` from the plugin. */
  readonly urlWhere: string
  /** The server as `rediss://host:port/db`. */
  readonly server: string
  /** The same without TLS: what to write instead. */
  readonly plainUrl: string
}

/**
 * Watch a TLS client's connection attempts: when one has not finished its handshake after
 * HANDSHAKE_GRACE_MS, ask the server a PING without TLS. A Redis reply means it speaks no TLS: the client
 * is closed (no more retries, every waiting command fails at once) and tlsMismatchOf() tells why, naming
 * the option. Anything else (silence, a TLS alert) leaves the client to its own timeouts.
 */
export function watchTlsHandshake(redis: Redis, names: TlsWatchNames): void {
  const { host, port } = redis.options
  // A Unix socket has no TLS to get wrong in this way.
  if (!host || !port || redis.options.path) return
  let timer: ReturnType<typeof setTimeout> | undefined
  let probing = false
  const stopWaiting = () => clearTimeout(timer)
  const check = () => {
    if (probing || mismatches.has(redis)) return
    probing = true
    void answersPlainRedis(host, port).then((plain) => {
      probing = false
      // A handshake that finished meanwhile is TLS after all.
      if (!plain || redis.status === 'connect' || redis.status === 'ready' || redis.status === 'end') return
      mismatches.set(redis, mismatchError(names))
      redis.disconnect()
    })
  }
  redis.on('connecting', () => {
    stopWaiting()
    timer = setTimeout(() => redis.status === 'connecting' && check(), HANDSHAKE_GRACE_MS)
    timer.unref()
  })
  for (const settled of ['connect', 'close', 'end']) redis.on(settled, stopWaiting)
}

function mismatchError({ urlWhere, server, plainUrl }: TlsWatchNames): ConfigError {
  const at = urlWhere === 'url' ? 'Redis: `url`' : urlWhere
  return new ConfigError(
    `${at}: the server at ${server} did not complete a TLS handshake; it answers Redis without TLS, so use ${plainUrl} (or the port the server takes TLS on, its tls-port)`,
    { where: urlWhere },
  )
}

/** Redis' answers to a PING: `+PONG`, or an error such as `-NOAUTH ...` or `-DENIED ...` (protected mode). */
const REDIS_PING_REPLY = /^(\+PONG\r\n|-[A-Z]+ )/

/**
 * Whether `host:port` answers a PING sent without TLS as Redis does. Only PING is sent: never the
 * password, which the user meant to travel encrypted.
 */
function answersPlainRedis(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    const done = (plain: boolean) => {
      socket.destroy()
      resolve(plain)
    }
    socket.unref()
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (reply: Buffer) => done(REDIS_PING_REPLY.test(reply.toString('latin1'))))
    socket.once('error', () => done(false))
    socket.once('close', () => done(false))
  })
}

/** Names for the reverse mistake: a redis:// URL for a server that takes only TLS. */
export interface PlainWatchNames {
  readonly urlWhere: string
  /** The server as `redis://host:port/db`. */
  readonly server: string
  /** The same with TLS: what to write instead. */
  readonly tlsUrl: string
}

/** What a server that takes only TLS does to a plain client's first bytes. */
const RESET_BY_TLS = new Set(['ECONNRESET', 'EPIPE'])

/**
 * Watch a plain client for the reverse mistake: a redis:// URL for a server that takes only TLS (Redis'
 * `tls-port`). Such a server resets the connection at the first plain byte, and ioredis reconnects for
 * ever: every call failed as "did not answer PING ... is Redis running there?". On the first reset before
 * the server ever answered, one TLS handshake is tried (no certificate check, and nothing is sent over
 * it): a server that completes it takes TLS, and the client is closed with a ConfigError naming the option
 * and the rediss:// URL. Anything else leaves the client to its own retries.
 */
export function watchPlainAgainstTls(redis: Redis, names: PlainWatchNames): void {
  const { host, port } = redis.options
  if (!host || !port || redis.options.path) return
  let probed = false
  // Not ioredis' "ready", which without a ready check (see openClient) comes before the server's first answer.
  redis.on('error', (err: NodeJS.ErrnoException) => {
    if (probed || hasAnswered(redis) || !RESET_BY_TLS.has(err.code ?? '')) return
    probed = true
    const probe = completesTlsHandshake(host, port).then((tls) => {
      if (!tls || hasAnswered(redis)) return
      mismatches.set(redis, plainMismatchError(names))
      // No more attempts: the next reset ends the client, and its waiting commands fail then. Not
      // disconnect(): between two attempts (status "reconnecting") ioredis has no socket to close, never
      // ends, and a command waiting in its queue is never settled.
      redis.options.retryStrategy = () => null
      if (redis.status !== 'reconnecting') redis.disconnect()
    })
    probes.set(redis, probe)
  })
}

function plainMismatchError({ urlWhere, server, tlsUrl }: PlainWatchNames): ConfigError {
  const at = urlWhere === 'url' ? 'Redis: `url`' : urlWhere
  return new ConfigError(`${at}: the server at ${server} takes only TLS (it reset the connection and completed a TLS handshake), so use ${tlsUrl}`, {
    where: urlWhere,
  })
}

/** Whether `host:port` completes a TLS handshake. The certificate is not checked: only whether TLS is spoken. */
function completesTlsHandshake(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTls({ host, port, rejectUnauthorized: false, ...(isIP(host) ? {} : { servername: host }) })
    const done = (tls: boolean) => {
      socket.destroy()
      resolve(tls)
    }
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false))
    socket.once('secureConnect', () => done(true))
    socket.once('error', () => done(false))
    socket.once('close', () => done(false))
  })
}
