import net from 'node:net'
import { AUTH, ScramClient, md5Password } from './protocol/auth'
import { BodyReader, FrameReader, type Message, type TextEncoding, textEncodingOf } from './protocol/frames'
import { writeCoalesced } from './write'
import {
  type Fields,
  type TxStatus,
  parseFields,
  passwordMessage,
  query,
  readCommandTag,
  readDataRow,
  saslInitialResponse,
  saslResponse,
  startupMessage,
  terminate,
} from './protocol/messages'

/** Where the proxy connects, from a postgres:// URL. */
export interface UpstreamTarget {
  host: string
  port: number
  user: string
  password?: string
  database: string
}

export function parseUpstreamUrl(url: string): UpstreamTarget {
  const u = new URL(url)
  if (!/^postgres(ql)?:$/.test(u.protocol)) throw new Error(`not a postgres:// URL: ${u.protocol}`)
  const tls = upstreamTlsProblem(u)
  if (tls) throw new Error(tls)
  const user = decodeURIComponent(u.username) || u.searchParams.get('user') || process.env.PGUSER || 'postgres'
  return {
    host: u.hostname.replace(/^\[|\]$/g, '') || u.searchParams.get('host') || '127.0.0.1',
    port: Number(u.port || 5432),
    user,
    password: u.password ? decodeURIComponent(u.password) : (u.searchParams.get('password') ?? process.env.PGPASSWORD ?? undefined),
    database: decodeURIComponent(u.pathname.slice(1)) || user,
  }
}

/** The sslmode values with which libpq and node-pg may go on without TLS. */
const PLAINTEXT_SSLMODES = ['disable', 'allow', 'prefer']

/**
 * Why the proxy must not connect: the URL demands TLS (`sslmode=require`, `verify-ca`, `verify-full`,
 * node-pg's `no-verify` or `ssl=true`; PGSSLMODE when the URL says nothing), and the proxy speaks to
 * PostgreSQL without TLS. Refused rather than connected in plaintext behind the user's back. The message
 * never quotes the URL (its password).
 */
export function upstreamTlsProblem(url: URL | string): string | undefined {
  const u = typeof url === 'string' ? new URL(url) : url
  const mode = u.searchParams.get('sslmode')
  const ssl = u.searchParams.get('ssl')
  const env = process.env.PGSSLMODE || undefined
  const plaintext =
    mode !== null ? PLAINTEXT_SSLMODES.includes(mode) : ssl !== null ? /^(false|0|no|off|)$/i.test(ssl) : !env || PLAINTEXT_SSLMODES.includes(env)
  if (plaintext) return undefined
  const said = mode !== null ? `sslmode=${mode} in the upstream URL` : ssl !== null ? `ssl=${ssl} in the upstream URL` : `PGSSLMODE=${env}`
  return `${said} asks for TLS, and venomqa-pg-proxy connects to PostgreSQL without TLS (upstream TLS is not supported; sslmode disable, allow and prefer go on without it): use one of those for a database the proxy may reach in plaintext, or the snapshot mechanism of @venomqa/state-postgres`
}

/** How long the proxy's own statements may wait for the database by default (PgProxyOptions.upstreamTimeoutMs). */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 30_000

/** An error the server sent, with its SQLSTATE. */
export class ServerError extends Error {
  override name = 'ServerError'
  readonly code: string
  readonly fields: Fields
  /** The app has been sent this error (or the proxy's own answer for it). */
  forwarded = false
  /** @param encoding the one its text was read in: written again in it (see serverErrorResponse). */
  constructor(
    fields: Fields,
    readonly encoding: TextEncoding = 'utf8',
  ) {
    super(fields.M ?? 'server error')
    this.code = fields.C ?? ''
    this.fields = fields
  }

  /** An ErrorResponse's body, read in the encoding the server wrote it in. */
  static read(body: Buffer, encoding: TextEncoding = 'utf8'): ServerError {
    return new ServerError(parseFields(body, encoding), encoding)
  }
}

function isFatal(body: Buffer): boolean {
  const severity = parseFields(body).V ?? parseFields(body).S
  return severity === 'FATAL' || severity === 'PANIC'
}

/** Receives every upstream message after startup; the proxy swaps it as ownership changes. */
export type UpstreamListener = (m: Message) => void

export interface QueryResult {
  rows: (string | null)[][]
  tags: string[]
  status: TxStatus
  error?: ServerError
}

/**
 * The one session the proxy holds: connected, authenticated (trust, cleartext, md5 or SCRAM-SHA-256), and
 * from then on a pipe whose messages go to whoever listens.
 */
export class Upstream {
  readonly parameters = new Map<string, string>()
  /**
   * How the session's text reads now, by its client_encoding: the server reads what it is sent, and writes
   * what it sends, in it (see textEncodingOf). It changes with each connection's settings given the session.
   */
  text: ReturnType<typeof textEncodingOf> = { encoding: 'utf8', name: 'UTF8' }
  pid = 0
  secret = 0
  status: TxStatus = 'I'
  closed = false
  #listener: UpstreamListener = () => {}
  #onClose: ((err?: Error) => void)[] = []
  #fatal?: ServerError

  private constructor(
    readonly socket: net.Socket,
    readonly target: UpstreamTarget,
  ) {}

  /**
   * `parameters`: the startup parameters besides user and database, exactly (a client's, to learn how the
   * server answers them); by default the proxy's own session's.
   */
  static async connect(
    target: UpstreamTarget,
    options: { applicationName?: string; timeoutMs?: number; parameters?: Record<string, string> } = {},
  ): Promise<Upstream> {
    const socket = net.connect({ host: target.host, port: target.port })
    socket.setNoDelay(true)
    const upstream = new Upstream(socket, target)
    // The proxy's session is always inside a transaction, idle between the app's statements: a server,
    // database or role default of idle_in_transaction_session_timeout would end it, and the run with it.
    // Given here, 0 is what RESET and RESET ALL go back to as well.
    const parameters = options.parameters ?? {
      application_name: options.applicationName ?? 'venomqa pg-proxy',
      client_encoding: 'UTF8',
      idle_in_transaction_session_timeout: '0',
    }
    await upstream.#handshake(parameters, options.timeoutMs ?? 5000)
    return upstream
  }

  async #handshake(parameters: Record<string, string>, timeoutMs: number): Promise<void> {
    const socket = this.socket
    const reader = new FrameReader()
    let scram: ScramClient | undefined
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`no answer from ${this.target.host}:${this.target.port} within ${timeoutMs} ms`)), timeoutMs)
      const fail = (err: Error) => {
        clearTimeout(timer)
        socket.destroy()
        reject(err)
      }
      const needPassword = (method: string) => {
        if (this.target.password === undefined)
          throw new Error(`the server asks for a password (${method}) for user "${this.target.user}", and the upstream URL has none`)
        return this.target.password
      }
      const onData = (chunk: Buffer) => {
        try {
          for (const m of reader.push(chunk)) {
            if (m.type === 'R') {
              const r = new BodyReader(m.body)
              const code = r.int32()
              if (code === AUTH.ok) continue
              if (code === AUTH.cleartext) socket.write(passwordMessage(needPassword('password')))
              else if (code === AUTH.md5) socket.write(passwordMessage(md5Password(this.target.user, needPassword('md5'), r.bytes(4))))
              else if (code === AUTH.sasl) {
                const mechanisms: string[] = []
                for (let s = r.cstring(); s; s = r.at < m.body.length ? r.cstring() : '') mechanisms.push(s)
                if (!mechanisms.includes('SCRAM-SHA-256')) throw new Error(`the server offers SASL ${mechanisms.join(', ')}; only SCRAM-SHA-256 is supported`)
                scram = new ScramClient(needPassword('SCRAM-SHA-256'))
                socket.write(saslInitialResponse('SCRAM-SHA-256', scram.first()))
              } else if (code === AUTH.saslContinue) socket.write(saslResponse(scram!.final(r.rest().toString('utf8'))))
              else if (code === AUTH.saslFinal) scram!.verify(r.rest().toString('utf8'))
              else throw new Error(`the server asks for an authentication method the proxy does not speak (code ${code})`)
            } else if (m.type === 'E') throw ServerError.read(m.body)
            else if (m.type === 'S') {
              const r = new BodyReader(m.body)
              this.#parameter(r.cstring(), r.cstring())
            } else if (m.type === 'K') {
              const r = new BodyReader(m.body)
              this.pid = r.int32()
              this.secret = r.int32()
            } else if (m.type === 'Z') {
              clearTimeout(timer)
              socket.off('data', onData)
              socket.off('error', fail)
              socket.off('close', onEarlyClose)
              this.#attach(reader)
              return resolve()
            }
          }
        } catch (err) {
          fail(err as Error)
        }
      }
      const onEarlyClose = () => fail(new Error('the server closed the connection during startup'))
      socket.on('data', onData)
      socket.once('error', fail)
      socket.once('close', onEarlyClose)
      socket.once('connect', () => socket.write(startupMessage({ ...parameters, user: this.target.user, database: this.target.database })))
    })
  }

  #parameter(name: string, value: string): void {
    this.parameters.set(name, value)
    if (name === 'client_encoding') this.text = textEncodingOf(value)
  }

  #attach(reader: FrameReader) {
    this.socket.on('data', (chunk: Buffer) => {
      for (const m of reader.push(chunk)) {
        if (m.type === 'Z') this.status = m.body.toString('latin1', 0, 1) as TxStatus
        else if (m.type === 'E' && isFatal(m.body)) {
          // The server is ending the session (shutdown, pg_terminate_backend): the proxy's loss, not a
          // statement's error. The close that follows carries it.
          this.#fatal = ServerError.read(m.body, this.text.encoding)
          continue
        } else if (m.type === 'S') {
          const r = new BodyReader(m.body)
          this.#parameter(r.cstring(), r.cstring())
        }
        this.#listener(m)
      }
    })
    const closed = (err?: Error) => {
      if (this.closed) return
      this.closed = true
      for (const fn of this.#onClose) fn(this.#fatal ?? err)
    }
    this.socket.on('error', closed)
    this.socket.on('close', () => closed())
  }

  listen(listener: UpstreamListener): void {
    this.#listener = listener
  }

  onClose(fn: (err?: Error) => void): void {
    this.#onClose.push(fn)
  }

  write(data: Buffer | Buffer[]): void {
    if (Array.isArray(data)) for (const d of data) writeCoalesced(this.socket, d)
    else writeCoalesced(this.socket, data)
  }

  /**
   * One simple Query for the proxy itself; resolves at ReadyForQuery with the rows (as text), the command
   * tags and the first error. The caller must own the upstream.
   */
  simpleQuery(sql: string): Promise<QueryResult> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('the upstream connection is closed'))
      const result: QueryResult = { rows: [], tags: [], status: 'I' }
      const onClose = () => reject(new Error('the upstream connection closed during a query'))
      this.#onClose.push(onClose)
      this.listen((m) => {
        if (m.type === 'D') result.rows.push(readDataRow(m.body, this.text.encoding))
        else if (m.type === 'C') result.tags.push(readCommandTag(m.body))
        else if (m.type === 'E') result.error ??= ServerError.read(m.body, this.text.encoding)
        else if (m.type === 'Z') {
          this.#onClose.splice(this.#onClose.indexOf(onClose), 1)
          result.status = this.status
          resolve(result)
        }
      })
      this.write(query(sql))
    })
  }

  /** simpleQuery that throws the server's error. */
  async run(sql: string): Promise<QueryResult> {
    const r = await this.simpleQuery(sql)
    if (r.error) throw r.error
    return r
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve()
      this.onClose(() => resolve())
      this.socket.end(terminate())
      setTimeout(() => this.socket.destroy(), 1000).unref()
    })
  }
}

