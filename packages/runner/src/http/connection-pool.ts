import type * as Net from 'node:net'
import type { Socket } from 'node:net'
import type * as Tls from 'node:tls'
import { type DeadlineClock, Deadlines, REAL_CLOCK } from './deadlines'
import { lazyBuiltin } from '@venomqa/core'

/**
 * The connections of a run, kept by the runner itself rather than by Node's http.Agent: at most
 * `connections` at once to each origin, kept alive between requests, handed to Node's http client through
 * `createConnection`.
 *
 * Why not http.Agent: measured on 1,500 dependent requests to a local server (bench/runner-overhead), the
 * agent's bookkeeping for every request (its name for the origin, the server name, a socket timeout set and
 * cleared, its free-socket lists and async resets) cost about a sixth of a plain node:http loop's time per
 * request, and more while it was being optimised: the same loop on sockets from a pool like this one took
 * 87 µs per added request against 103 µs through the agent, and 345 ms against 400-520 ms for the first
 * 1,500 (4 rounds, alternated). What is kept here is what a run needs: idle connections reused newest first, a queue of
 * requests waiting when an origin is at its count, idle connections closed after IDLE_CONNECTION_MS (sooner
 * when the server's `Keep-Alive: timeout=` says so), and TLS sessions resumed.
 */

const net = lazyBuiltin<typeof Net>('node:net')
/** tls, loaded at the first https connection: it alone costs more to load than a run's first request. */
const tls = lazyBuiltin<typeof Tls>('node:tls')

/** How long an idle kept-alive connection is kept: under the 5 s Node's own servers keep one. */
export const IDLE_CONNECTION_MS = 4000
/** The TLS sessions a pool keeps to resume, one an origin: as many as Node's https agent keeps (maxCachedSessions). */
const MAX_TLS_SESSIONS = 100

/** What asks the pool for a connection: a request, which may settle (fail) while it waits for one. */
export interface ConnectionUser {
  readonly settled: boolean
  /** The pool was destroyed while this waited for a connection. */
  cutWaiting(error: Error): void
}

/** Node's http client's `createConnection` callback: a connection for the request, or why there is none. */
export type HandConnection = (error: Error | null, socket?: Socket) => void

interface Waiting {
  readonly user: ConnectionUser
  readonly hand: HandConnection
}

/** On a connection: until when it may be taken from the idle ones. */
const IDLE_UNTIL = Symbol('venomqa.idleUntil')
/**
 * On a connection: how long the server said it keeps it idle, less a second (as Node's agent reads the
 * `Keep-Alive: timeout=` hint: a connection used at the server's last moment is closed under the request).
 */
const SERVER_IDLE_MS = Symbol('venomqa.serverIdleMs')
/**
 * On a connection: the last `Keep-Alive` hint read on it, as it came. A server sends the same one with
 * every answer: only a hint that differs from it is read again.
 */
const KEEP_ALIVE_HINT = Symbol('venomqa.keepAliveHint')
type PooledSocket = Socket & { [IDLE_UNTIL]?: number; [SERVER_IDLE_MS]?: number; [KEEP_ALIVE_HINT]?: string }

/** One origin's connections. */
class Origin {
  /** Idle connections, the newest last: taken newest first, the one the server is least likely to be closing. */
  readonly idle: PooledSocket[] = []
  /** Connections open, idle or in use. */
  open = 0
  /** Requests waiting for a connection, in the order they came. */
  readonly waiting: Waiting[] = []
  constructor(
    /** Its key in the pool's map of origins. */
    readonly key: string,
    readonly protocol: string,
    readonly host: string,
    readonly port: number,
    /** The name sent for SNI and checked against the certificate (https), none for an IP address. */
    readonly servername: string | undefined,
  ) {}
}

export class ConnectionPool {
  readonly #connections: number
  readonly #idleMs: number
  readonly #clock: DeadlineClock
  readonly #origins = new Map<string, Origin>()
  /**
   * The TLS session of each https origin's last connection, by its key, to resume on its next one rather than
   * shake hands again: kept apart from the origin, which is forgotten with its last connection (a server that
   * closes each one, a step that waits past the idle limit), and at most MAX_TLS_SESSIONS, the oldest dropped.
   */
  readonly #sessions = new Map<string, Buffer>()
  /** Every open connection, for destroy(). */
  readonly #sockets = new Set<Socket>()
  /** The one timer that closes idle connections past their time, armed while any is idle. */
  #sweep?: ReturnType<typeof setTimeout>
  /** Requests sent and not yet settled, and what close() waits on until they are none. */
  #underWay = 0
  #allSettled?: () => void
  /** Resolved once no request is under way: one for every close() that waits. */
  #whenSettled?: Promise<void>
  #closed = false
  /** Set by destroy(): its connections were cut by the pool itself, not by a server. */
  #destroyed = false
  /** The deadlines of the requests under way. */
  readonly deadlines = new Deadlines()
  /** The key of the last origin asked for without a Host header of its own (see #origin). */
  #lastKey?: string

  /** `idleMs`: how long an idle connection is kept (tests shorten it). */
  constructor(connections = 16, idleMs = IDLE_CONNECTION_MS, clock: DeadlineClock = REAL_CLOCK) {
    this.#connections = connections
    this.#idleMs = idleMs
    this.#clock = clock
  }

  /**
   * Refuse a request once the pool is closed: a request already under way (`underWay`: one sent again on
   * another connection, see Exchange#failed) still goes while close() waits for it; nothing does once the
   * pool is destroyed.
   */
  assertOpen(underWay = false): void {
    if (this.#destroyed || (this.#closed && !underWay)) throw new PoolClosedError()
  }

  /**
   * A connection to the URL's origin for `user`, for Node's http client (its `createConnection`): an idle
   * one, a new one while the origin is under its count, or, at its count, none yet: `hand` is called with
   * the next one freed or opened. `hostHeader`: the request's own Host header, if it sets one: over https
   * its name is the one sent for SNI and checked against the certificate, as Node's agent does (an API
   * reached at an IP address, or through a load balancer, with the name of its virtual host), and a
   * connection made for one name is not used for another. `again`: the request is sent again after its
   * kept-alive connection closed under it (see Exchange#failed); at the origin's count it waits before the
   * requests that came after it, as it was sent before them.
   */
  connection(target: URL, user: ConnectionUser, hand: HandConnection, hostHeader?: string, again = false): Socket | undefined {
    const origin = this.#origin(target, hostHeader)
    const idle = this.#takeIdle(origin)
    if (idle) return idle
    if (origin.open < this.#connections) return this.#open(origin)
    if (again) origin.waiting.unshift({ user, hand })
    else origin.waiting.push({ user, hand })
    return undefined
  }

  /**
   * The origins the pool keeps: those with a connection open or a request waiting. One is forgotten with
   * its last connection: a long run to many hosts keeps none it is done with. Its TLS session is kept apart
   * (see #sessions), to be resumed when the origin is used again.
   */
  get origins(): number {
    return this.#origins.size
  }

  /** The server's `Keep-Alive: timeout=` hint, read from an answer that came on `socket`. */
  heedKeepAlive(socket: Socket, hint: string): void {
    const pooled = socket as PooledSocket
    // The same hint as the last one on this connection says what it said then: reading it again was a
    // regular expression per response. One that differs is read, as every hint was.
    if (pooled[KEEP_ALIVE_HINT] === hint) return
    pooled[KEEP_ALIVE_HINT] = hint
    const seconds = /^\s*timeout=(\d+)/i.exec(hint)?.[1]
    if (seconds !== undefined) pooled[SERVER_IDLE_MS] = Number(seconds) * 1000 - 1000
  }

  /** A request was sent: close() waits for it. A counter, not a set of promises: this runs for every request. */
  sent(): void {
    this.#underWay++
  }

  /** A request sent settled. */
  settled(): void {
    if (--this.#underWay === 0) this.#allSettled?.()
  }

  /** Wait for the requests under way, then close every connection; a request sent after this is refused. */
  async close(): Promise<void> {
    this.#closed = true
    if (this.#underWay > 0) await (this.#whenSettled ??= new Promise<void>((resolve) => (this.#allSettled = resolve)))
    this.destroy()
  }

  /**
   * Close every connection now, cutting the requests under way. A request waiting for a connection fails at
   * once with a PoolClosedError, as one sent after this does.
   */
  destroy(): void {
    this.#closed = true
    this.#destroyed = true
    if (this.#sweep) this.#clock.clearTimeout(this.#sweep)
    this.#sweep = undefined
    for (const origin of this.#origins.values()) {
      const waiting = origin.waiting.splice(0)
      origin.idle.length = 0
      for (const w of waiting) if (!w.user.settled) w.user.cutWaiting(new PoolClosedError())
    }
    for (const socket of this.#sockets) socket.destroy()
  }

  /** Whether destroy() cut the connections: a request that failed then was cut by the pool, not by its server. */
  get destroyed(): boolean {
    return this.#destroyed
  }

  #origin(target: URL, hostHeader: string | undefined): Origin {
    // A run sends most of its requests to one origin: a URL that starts with the last key built, followed
    // by the path's slash, has that key (no user name, the same scheme, host and port), and building it
    // again from the URL's parts, then hashing the new string, was most of the work here.
    const last = this.#lastKey
    if (hostHeader === undefined && last !== undefined) {
      const { href } = target
      if (href.charCodeAt(last.length) === 47 && href.startsWith(last)) {
        const known = this.#origins.get(last)
        if (known) return known
      }
    }
    const https = target.protocol === 'https:'
    let key = `${target.protocol}//${target.host}`
    if (hostHeader === undefined) this.#lastKey = key
    // A Host header naming the URL's own host shares its connections.
    const named = https && hostHeader !== undefined ? hostName(hostHeader) : undefined
    if (named !== undefined && named !== bare(target.hostname)) key += ` ${named}`
    let origin = this.#origins.get(key)
    if (!origin) {
      const { host, port } = socketAddress(target)
      const name = named ?? host
      // An IP address is not a server name: none is sent (RFC 6066 3), and the certificate is checked against the address.
      const servername = https && name !== '' && net().isIP(name) === 0 ? name : undefined
      this.#origins.set(key, (origin = new Origin(key, target.protocol, host, port, servername)))
    }
    return origin
  }

  /** The newest idle connection still in its time; older ones past theirs are closed on the way. */
  #takeIdle(origin: Origin): Socket | undefined {
    const { idle } = origin
    if (idle.length === 0) return undefined
    const now = this.#clock.now()
    while (idle.length > 0) {
      const socket = idle.pop()!
      if (socket.destroyed) continue
      if (socket[IDLE_UNTIL]! <= now) {
        socket.destroy()
        continue
      }
      socket.ref()
      return socket
    }
    return undefined
  }

  /**
   * A new connection. Its timeout is the request's deadline (see RequestOptions.deadlineMs), not a socket
   * timeout: a slow connect or DNS lookup is cut when the request's time is up, whatever the idle limit.
   */
  #open(origin: Origin): Socket {
    let socket: PooledSocket
    if (origin.protocol === 'https:') {
      const tlsSocket = tls().connect({ host: origin.host, port: origin.port, servername: origin.servername, session: this.#sessions.get(origin.key) })
      tlsSocket.setNoDelay(true)
      tlsSocket.on('session', (session: Buffer) => this.#keepSession(origin.key, session))
      socket = tlsSocket
    } else {
      socket = net().createConnection({ host: origin.host, port: origin.port, noDelay: true })
    }
    origin.open++
    this.#sockets.add(socket)
    // Node's http client emits `free` once an answer was read to its end on a connection both sides keep.
    socket.on('free', () => this.#onFree(origin, socket))
    socket.on('close', () => this.#onClose(origin, socket))
    // An idle connection has no request listening: its error (a reset by the server) would be uncaught.
    // Its request hears a connection's error through its own listener; the close that follows is handled.
    socket.on('error', ignore)
    return socket
  }

  #keepSession(key: string, session: Buffer): void {
    // Newest last: the first one is the one used longest ago.
    this.#sessions.delete(key)
    this.#sessions.set(key, session)
    if (this.#sessions.size > MAX_TLS_SESSIONS) this.#sessions.delete(this.#sessions.keys().next().value!)
  }

  /** A request's answer was read: the connection goes to the next request waiting, else to the idle ones. */
  #onFree(origin: Origin, socket: PooledSocket): void {
    // Not writable: the server half-closed it as the answer ended; it cannot carry another request.
    if (socket.destroyed || !socket.writable || this.#destroyed) return void socket.destroy()
    const next = this.#nextWaiting(origin)
    if (next) return next.hand(null, socket)
    const ms = Math.min(this.#idleMs, socket[SERVER_IDLE_MS] ?? Number.POSITIVE_INFINITY)
    if (ms <= 0) return void socket.destroy()
    socket[IDLE_UNTIL] = this.#clock.now() + ms
    // Idle, it does not keep the process alive.
    socket.unref()
    origin.idle.push(socket)
    this.#armSweep(ms)
  }

  /** A connection closed: idle or in use, it is no longer counted, and a request waiting gets a new one. */
  #onClose(origin: Origin, socket: Socket): void {
    origin.open--
    this.#sockets.delete(socket)
    const at = origin.idle.indexOf(socket)
    if (at >= 0) origin.idle.splice(at, 1)
    if (this.#destroyed || origin.open >= this.#connections) return
    const next = this.#nextWaiting(origin)
    if (next) next.hand(null, this.#open(origin))
    else if (origin.open === 0 && this.#origins.get(origin.key) === origin) this.#origins.delete(origin.key)
  }

  /** The first request still waiting; those that settled meanwhile (aborted, past their deadline) are dropped. */
  #nextWaiting(origin: Origin): Waiting | undefined {
    const { waiting } = origin
    while (waiting.length > 0) {
      const next = waiting.shift()!
      if (!next.user.settled) return next
    }
    return undefined
  }

  /**
   * One timer for every idle connection: armed when one goes idle and none is armed, it closes those past
   * their time and is armed again for the next. A run sends requests more often than that: it is armed once
   * per idle limit, not per request.
   */
  #armSweep(ms: number): void {
    if (this.#sweep) return
    this.#sweep = this.#clock.setTimeout(() => this.#sweepIdle(), ms).unref()
  }

  #sweepIdle(): void {
    this.#sweep = undefined
    const now = this.#clock.now()
    let next = Number.POSITIVE_INFINITY
    for (const origin of this.#origins.values())
      for (const socket of [...origin.idle]) {
        if (socket[IDLE_UNTIL]! <= now) socket.destroy()
        else next = Math.min(next, socket[IDLE_UNTIL]!)
      }
    if (next !== Number.POSITIVE_INFINITY) this.#armSweep(Math.max(1, Math.ceil(next - now)))
  }
}

function ignore(): void {}

/** A URL's host name without the brackets of an IPv6 address. */
function bare(hostname: string): string {
  return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname
}

/** Where a socket to `url` connects: its host name bare (`::1`, not `[::1]`), and its port or its scheme's. */
export function socketAddress(url: URL): { host: string; port: number } {
  return { host: bare(url.hostname), port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80 }
}

/** The host name of a Host header, lower-cased as a URL's is: `API.test:8443` is `api.test`, `[::1]:8443` is `::1`. */
function hostName(hostHeader: string): string {
  const value = hostHeader.trim().toLowerCase()
  if (value.startsWith('[')) {
    const end = value.indexOf(']')
    return end === -1 ? value : value.slice(1, end)
  }
  return value.split(':', 1)[0]!
}

/** A request sent through a pool that was closed. */
export class PoolClosedError extends Error {
  readonly code = 'VENOM_POOL_CLOSED'
  constructor() {
    super('the connection pool is closed')
    this.name = 'PoolClosedError'
  }
}
