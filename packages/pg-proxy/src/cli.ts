#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { TIMER_MS_EXPECTED, isTimerMs, unencodedUserinfoProblem } from '@venomqa/core'
import { startControlServer } from './control'
import { listenProblem, maskSecrets, maskUrl, parseListen } from './options'
import { PgProxy } from './proxy'
import type { RefusalRecord } from './refusals'
import { DEFAULT_UPSTREAM_TIMEOUT_MS, upstreamTlsProblem } from './upstream'

const USAGE = `usage: venomqa-pg-proxy --upstream postgres://user[:password]@host:port/db [options]

  --upstream <url>        the real database (or DATABASE_URL)
  --listen <host:port>    where the app connects (default 127.0.0.1:6543)
  --control <host:port>   where the run takes checkpoints over HTTP (default 127.0.0.1:6544)
  --password <secret>     required from clients; without it only loopback clients are accepted
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
    password: values.password,
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
    throw new Error(listenProblem('--listen', listen, err) ?? `cannot start in front of ${maskUrl(upstream)}: ${maskSecrets((err as Error).message)}`, { cause: err })
  }
  let server: Awaited<ReturnType<typeof startControlServer>>
  try {
    server = await startControlServer(proxy, control.host, control.port, (m) => console.error(m))
  } catch (err) {
    // Stopped as at Ctrl-C: nothing the proxy started stays open behind the error.
    await proxy.stop().catch(() => {})
    throw new Error(listenProblem('--control', control, err) ?? `cannot start the control port: ${maskSecrets((err as Error).message)}`, { cause: err })
  }
  console.log(`venomqa-pg-proxy listening on ${maskUrl(proxy.url)}`)
  console.log(`control on ${server.url} (POST /checkpoint, /rollback, /release {"name": ...}; GET /status)`)
  const lost = new Promise<number>((resolve) =>
    proxy.once('lost', (err: Error) => {
      console.error(`the upstream session is lost: ${err.message}`)
      resolve(1)
    }),
  )
  const stopped = new Promise<number>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(0))
  })
  const code = await Promise.race([lost, stopped])
  await server.close()
  await proxy.stop()
  return code
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`venomqa-pg-proxy: ${err.message}`)
    process.exit(1)
  },
)
