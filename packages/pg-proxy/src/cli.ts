#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { TIMER_MS_EXPECTED, isTimerMs, plural, redactConnectionUrl, redactText, unencodedUserinfoProblem } from '@venomqa/core'
import { startControlServer } from './control'
import { listenProblem, parseListen } from './options'
import { PgProxy, type ProxyStopped } from './proxy'
import type { RefusalRecord } from './refusals'
import { DEFAULT_UPSTREAM_TIMEOUT_MS, upstreamTlsProblem } from './upstream'

/**
 * The variable that gives the password clients must give, as --password does: a command line shows in `ps`
 * and in CI logs, the environment does not. Not PGPASSWORD, which is the upstream's, as for libpq.
 */
const PASSWORD_VARIABLE = 'VENOMQA_PG_PROXY_PASSWORD'

const USAGE = `usage: venomqa-pg-proxy --upstream postgres://user[:password]@host:port/db [options]

  --upstream <url>        the real database (or DATABASE_URL; its password may come from PGPASSWORD)
  --listen <host:port>    where the app connects (default 127.0.0.1:6543)
  --control <host:port>   where the run takes checkpoints over HTTP (default 127.0.0.1:6544)
  --password <secret>     required from clients (or ${PASSWORD_VARIABLE}, which ps does not show);
                          without it only loopback clients are accepted
  --idle-in-transaction-timeout <ms>
                          how long a connection may sit idle in a transaction while another waits (default 5000)
  --upstream-timeout <ms> how long a checkpoint, rollback or release may wait for the database; past it the
                          database is taken as gone, and the proxy exits 1 (default 30000)

Everything the app does through the proxy is rolled back when it stops (Ctrl-C). Killed (SIGKILL, a second
Ctrl-C), its rows are rolled back all the same, but sequences stay where the app left them.`

/** A mistake in the command line: said with the usage, exit 2. */
class UsageError extends Error {}

const FLAGS = {
  upstream: { type: 'string' },
  listen: { type: 'string', default: '127.0.0.1:6543' },
  control: { type: 'string', default: '127.0.0.1:6544' },
  password: { type: 'string' },
  'idle-in-transaction-timeout': { type: 'string', default: '5000' },
  'upstream-timeout': { type: 'string', default: String(DEFAULT_UPSTREAM_TIMEOUT_MS) },
  help: { type: 'boolean', short: 'h' },
} as const

interface CliOptions {
  upstream: string
  listen: { host: string; port: number }
  control: { host: string; port: number }
  password?: string
  idleInTransactionTimeoutMs: number
  upstreamTimeoutMs: number
}

/** The command line, checked (`'help'` for --help): every mistake is a UsageError. */
function readArgs(): CliOptions | 'help' {
  const values = parseFlags()
  if (values.help) return 'help'
  const upstream = values.upstream ?? process.env.DATABASE_URL
  if (!upstream) throw new UsageError('--upstream (or DATABASE_URL) is required')
  const source = values.upstream === undefined ? 'DATABASE_URL' : '--upstream'
  // Read as written, a piece of an unencoded password would be the host the proxy names in its error.
  const unencoded = unencodedUserinfoProblem(upstream)
  if (unencoded) throw new UsageError(`${source}: ${unencoded}`)
  // Checked here, not at connect: a bare "Invalid URL" (exit 1) named neither the flag nor what it takes.
  // The URL is not quoted: it may hold a password.
  if (!/^postgres(ql)?:\/\//i.test(upstream) || !URL.canParse(upstream))
    throw new UsageError(`${source}: expected a postgres:// or postgresql:// URL, such as postgres://user:password@127.0.0.1:5432/db`)
  const tls = upstreamTlsProblem(upstream)
  if (tls) throw new UsageError(`${source}: ${tls}`)
  const idleInTransactionTimeoutMs = timerMs('--idle-in-transaction-timeout', values['idle-in-transaction-timeout'])
  const upstreamTimeoutMs = timerMs('--upstream-timeout', values['upstream-timeout'])
  return {
    upstream,
    listen: hostPort('--listen', values.listen),
    control: hostPort('--control', values.control),
    // An empty one is none, as an empty --password is.
    password: (values.password ?? process.env[PASSWORD_VARIABLE]) || undefined,
    idleInTransactionTimeoutMs,
    upstreamTimeoutMs,
  }
}

/** A flag's milliseconds for a timer, or a UsageError quoting what was given. */
function timerMs(flag: string, value: string): number {
  const ms = Number(value)
  if (!isTimerMs(ms)) throw new UsageError(`${flag}: ${TIMER_MS_EXPECTED}, got ${JSON.stringify(value)}`)
  return ms
}

/** parseArgs throws a plain error for an unknown option or a stray argument: a usage mistake all the same. */
function parseFlags() {
  try {
    return parseArgs({ options: FLAGS }).values
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

function hostPort(flag: string, value: string): { host: string; port: number } {
  try {
    return parseListen(value)
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`)
  }
}

async function main(): Promise<number> {
  let options: CliOptions | 'help'
  try {
    options = readArgs()
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    console.error(`venomqa-pg-proxy: ${err.message}\n\n${USAGE}`)
    return 2
  }
  if (options === 'help') {
    console.log(USAGE)
    return 0
  }
  const { upstream, listen, control, password, idleInTransactionTimeoutMs, upstreamTimeoutMs } = options
  const proxy = new PgProxy({ upstream, host: listen.host, port: listen.port, password, idleInTransactionTimeoutMs, upstreamTimeoutMs })
  proxy.on('warning', (m: string) => console.error(`warning: ${m}`))
  proxy.on('refusal', (r: RefusalRecord) => console.error(`refused: ${r.message} [${r.code}]${r.hint ? `\n  hint: ${r.hint}` : ''}`))
  try {
    await proxy.start()
  } catch (err) {
    await proxy.stop().catch(() => {})
    // A port in use is named by its flag; a database that cannot be reached by its masked URL (a bare
    // `connect ECONNREFUSED 127.0.0.1:1` or `listen EADDRINUSE` named neither).
    throw new Error(listenProblem('--listen', listen, err) ?? `cannot start in front of ${redactConnectionUrl(upstream)}: ${redactText((err as Error).message)}`, { cause: err })
  }
  let server: Awaited<ReturnType<typeof startControlServer>>
  try {
    server = await startControlServer(proxy, control.host, control.port, (m) => console.error(m))
  } catch (err) {
    // Stopped as at Ctrl-C: nothing the proxy started stays open behind the error.
    await proxy.stop().catch(() => {})
    throw new Error(listenProblem('--control', control, err) ?? `cannot start the control port: ${redactText((err as Error).message)}`, { cause: err })
  }
  // Listened for before the lines that say it is ready: a supervisor that stops it as soon as it reads them
  // would otherwise end it with the signal's default action, before it could put the sequences back.
  // Once: a second Ctrl-C finds no listener and ends the process at once (the usage says what that leaves).
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(signal))
  })
  const lost = new Promise<'lost'>((resolve) =>
    proxy.once('lost', (err: Error) => {
      console.error(`the upstream session is lost: ${err.message}`)
      resolve('lost')
    }),
  )
  console.log(`venomqa-pg-proxy listening on ${redactConnectionUrl(proxy.url)}`)
  console.log(`control on ${server.url} (POST /checkpoint, /rollback, /release {"name": ...}; GET /status)`)
  const ended = await Promise.race([lost, stopped])
  await server.close()
  if (ended !== 'lost') return stopOn(proxy, ended)
  await proxy.stop()
  return 1
}

/** The connections a stop ended, and how many of them were in a transaction (rolled back with the rest). */
function connectionsEnded({ connections, inTransaction }: ProxyStopped): string {
  if (!connections) return 'no connection was open'
  if (connections === 1) return `1 connection ended, ${inTransaction ? 'in a transaction' : 'not in a transaction'}`
  return `${plural(connections, 'connection')} ended, ${inTransaction || 'none'} of them in a transaction`
}

/** What every stop did, however it went: the proxy's transaction was never committed, and its session ended. */
const ROLLED_BACK = 'everything done through it is rolled back, what the app committed too (nothing was ever committed on the database)'

/**
 * Stop at a signal and say so in one line: what was rolled back, the connections it ended, the sequences.
 * Without it the proxy went silently, and a user could not tell what became of the app's open transactions.
 */
async function stopOn(proxy: PgProxy, signal: NodeJS.Signals): Promise<number> {
  let what: ProxyStopped
  try {
    what = await proxy.stop()
  } catch (err) {
    // Only putting the sequences back can fail: its session was ended first, which rolled the rest back.
    console.error(`venomqa-pg-proxy stopped (${signal}): ${ROLLED_BACK}; but ${redactText((err as Error).message)}`)
    return 1
  }
  const sequences = what.sequences === 'none' ? '' : `; sequences ${what.sequences === 'put back' ? 'put back where they stood at start' : 'left where they are (see the warning above)'}`
  console.log(`venomqa-pg-proxy stopped (${signal}): ${ROLLED_BACK}; ${connectionsEnded(what)}${sequences}`)
  return 0
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`venomqa-pg-proxy: ${err.message}`)
    process.exit(1)
  },
)
