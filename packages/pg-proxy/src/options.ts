import { type StandardSchemaV1, parseOptions, TIMER_MS_EXPECTED, isTimerMs, unencodedUserinfoProblem } from '@venomqa/core'
import * as z from 'zod/mini'
import en from 'zod/v4/locales/en.js'
import { DEFAULT_UPSTREAM_TIMEOUT_MS, upstreamTlsProblem } from './upstream'

// zod/mini, bundled into this package tree-shaken (see tsup.config.ts): a configured plugin no longer costs
// every run the start-up of the whole of zod (95 modules, about 50 ms), only of what this schema uses. zod is a
// dependency as it is of every plugin, and the runner's; the schema is typed as a Standard Schema of the two
// interfaces below, so the package's types need none of zod's.
z.config(en())

export interface PgProxyStateOptions {
  /**
   * The real database, postgres://user:password@host:port/database: the backend starts the proxy in this
   * process. Give this or `control`.
   */
  upstream?: string
  /** Where the in-process proxy listens for the app, `host:port`. Default `127.0.0.1:0` (any free port). */
  listen?: string
  /** Clients must give this password (md5); without it only loopback clients are accepted. */
  password?: string
  /** A proxy started on its own (`venomqa-pg-proxy --control ...`): its control URL, http://host:port. */
  control?: string
  /**
   * The backend's name in results and errors. Default `pg-proxy:<database>` with `upstream`, `pg-proxy:control`
   * with `control`: the name is fixed before connect (the runner registers the backend and its health check
   * under it at setup), and only /status, after connect, says the database.
   */
  name?: string
  /** How long a connection may stay idle inside a transaction while another waits, ms. Default 5000. */
  idleInTransactionTimeoutMs?: number
  /** How long to wait for the database at connect, ms. Default 5000. */
  connectTimeoutMs?: number
  /**
   * How long the proxy's own statements (a checkpoint, a rollback, a release) may wait for the database,
   * ms. Default 30000: past it the database is taken as gone (see PgProxyOptions.upstreamTimeoutMs).
   */
  upstreamTimeoutMs?: number
}

export interface ResolvedOptions {
  upstream?: string
  host: string
  port: number
  password?: string
  control?: string
  name?: string
  idleInTransactionTimeoutMs: number
  connectTimeoutMs: number
  upstreamTimeoutMs: number
}

/** `host:port`, `[v6]:port` or `:port`; or what is wrong with it, said without the value. */
function readListen(value: string): { host: string; port: number } | { problem: string } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value.trim())
  if (!m) return { problem: 'expected host:port' }
  const port = Number(m[3])
  if (port > 65535) return { problem: `port ${port} is out of range` }
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port }
}

/** `host:port`, `[v6]:port` or `:port`; throws saying what is wrong (`--listen` of venomqa-pg-proxy). */
export function parseListen(value: string): { host: string; port: number } {
  const listen = readListen(value)
  if ('problem' in listen) throw new Error(listen.problem.startsWith('expected ') ? `${listen.problem}, got ${JSON.stringify(value)}` : listen.problem)
  return listen
}

const POSTGRES_URL = 'expected a postgres:// or postgresql:// URL'
/** An empty string is no value: what `${DATABASE_URL}` gives when the variable is not set. */
const given = (value: string | undefined): value is string => value !== undefined && value !== ''
const text = z.string({ error: 'expected a non-empty string' }).check(z.minLength(1, { error: 'expected a non-empty string' }))
const positiveMs = z.number({ error: TIMER_MS_EXPECTED }).check(z.refine(isTimerMs, { error: TIMER_MS_EXPECTED }))

const upstream = z.string({ error: POSTGRES_URL }).check(
  z.superRefine((url, ctx) => {
    if (!given(url)) return
    // Before "expected a URL": an unencoded password may keep it from parsing, and the encoding is the fix.
    const unencoded = /^postgres(ql)?:\/\//i.test(url) ? unencodedUserinfoProblem(url) : undefined
    if (unencoded) return void ctx.addIssue({ code: 'custom', message: unencoded, input: url })
    if (!/^postgres(ql)?:\/\//i.test(url) || !URL.canParse(url)) return void ctx.addIssue({ code: 'custom', message: POSTGRES_URL, input: url })
    // The message never quotes the URL (its password).
    const tls = upstreamTlsProblem(url)
    if (tls) ctx.addIssue({ code: 'custom', message: tls, input: url })
  }),
)
const control = z
  .string({ error: "expected the proxy's control URL, e.g. http://127.0.0.1:6544" })
  .check(z.refine((url) => !given(url) || /^https?:\/\/[^/]+/.test(url), { error: "expected the proxy's control URL, e.g. http://127.0.0.1:6544" }))
// The value is not in the message: the option's error adds what the user wrote (`got "nowhere"`).
const listen = z.string({ error: 'expected host:port' }).check(
  z.superRefine((value, ctx) => {
    const read = readListen(value)
    if ('problem' in read) ctx.addIssue({ code: 'custom', message: read.problem, input: value })
  }),
)

/** The options of the proxy backend, from config or `pgProxyState({...})`. Give `upstream` or `control`. */
export const pgProxyStateOptions: StandardSchemaV1<PgProxyStateOptions, ResolvedOptions> = z.pipe(
  z
    .strictObject({
      upstream: z.optional(upstream),
      listen: z.optional(listen),
      password: z.optional(text),
      control: z.optional(control),
      name: z.optional(text),
      idleInTransactionTimeoutMs: z._default(positiveMs, 5000),
      connectTimeoutMs: z._default(positiveMs, 5000),
      upstreamTimeoutMs: z.optional(positiveMs),
    })
    .check(
      z.superRefine((o, ctx) => {
        if (given(o.upstream) === given(o.control))
          ctx.addIssue({
            code: 'custom',
            path: ['upstream'],
            message: 'give exactly one of `upstream` (the database: the proxy starts here) and `control` (drive a running venomqa-pg-proxy)',
            input: o.upstream,
          })
        // The proxy started on its own has its deadline from its command line: here it would change nothing.
        if (given(o.control) && o.upstreamTimeoutMs !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['upstreamTimeoutMs'],
            message: 'applies to a proxy the run starts (`upstream`); a venomqa-pg-proxy started on its own takes --upstream-timeout',
            input: o.upstreamTimeoutMs,
          })
      }),
    ),
  z.transform(({ upstream, control, listen, upstreamTimeoutMs, ...rest }) => ({
    ...rest,
    upstreamTimeoutMs: upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS,
    upstream: given(upstream) ? upstream : undefined,
    control: given(control) ? control : undefined,
    ...(listen === undefined ? { host: '127.0.0.1', port: 0 } : parseListen(listen)),
  })),
)

/** Check options given in code (the plugin's are checked by the runner); every mistake names the key. */
export function resolveOptions(input: PgProxyStateOptions | undefined): ResolvedOptions {
  return parseOptions(pgProxyStateOptions, input ?? {}, 'pgProxyState()')
}

/**
 * A socket that could not listen where a flag or option says (`--listen`, `` `listen` ``), told with it and
 * the address, and what to do about a port in use (`instead`: another way out than another port);
 * undefined for any other error. No URL is in it: the address is the proxy's own.
 */
export function listenProblem(option: string, at: { host: string; port: number }, err: unknown, instead?: string): string | undefined {
  const e = err as NodeJS.ErrnoException
  if (e?.syscall !== 'listen') return undefined
  const where = `${option} ${at.host.includes(':') ? `[${at.host}]` : at.host}:${at.port}`
  if (e.code === 'EADDRINUSE') return `${where} is in use: ${e.message}; stop what listens there, or give ${option} another port${instead ? ` (${instead})` : ''}`
  return `${where}: cannot listen there: ${e.message}`
}
