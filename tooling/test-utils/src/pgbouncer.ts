/**
 * A PgBouncer of one test, in front of a PostgreSQL server (the shared one on :5432 by default, or a proxy):
 * its own port on 127.0.0.1, its own config and log in a temp directory. Apps in production often reach
 * PostgreSQL through one: the state backends must restore what such an app committed although its server
 * connections are PgBouncer's, and the proxy must take PgBouncer's reset query (DISCARD ALL).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { freePort } from './index'

export type PoolMode = 'session' | 'transaction'

export interface Bouncer {
  /** postgres://postgres@127.0.0.1:<port>/<db>, through PgBouncer. */
  url(db: string): string
  /** What PgBouncer wrote to its log: shown when a test fails. */
  log(): string
  /** Stops it (at once, closing its connections) and removes its directory. Safe to call twice. */
  stop(): Promise<void>
}

/** PgBouncer refuses to run as root: as root, it runs as the `postgres` OS user, which owns its directory. */
function runAs(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {}
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim())
  return { uid: id('-u'), gid: id('-g') }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

export interface BouncerOptions {
  mode?: PoolMode
  /** What its server connections go to: a URL whose host and port are used. Default the server on :5432. */
  upstream?: string
  /** Server connections per database and user (default_pool_size). */
  poolSize?: number
  /** More lines of the [pgbouncer] section (`server_round_robin = 1`). */
  settings?: string[]
}

export async function startPgBouncer({
  mode = 'session',
  upstream = 'postgres://127.0.0.1:5432',
  poolSize = 10,
  settings = [],
}: BouncerOptions = {}): Promise<Bouncer> {
  const target = new URL(upstream)
  const user = runAs()
  const dir = mkdtempSync(path.join(os.tmpdir(), 'venomqa-pgbouncer-'))
  const port = await freePort()
  // Trust, as the shared server on :5432 is set up. By default server connections enough for the app's pool
  // and a backend's two at once in session pooling, where each client connection keeps one.
  writeFileSync(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${target.hostname} port=${target.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${path.join(dir, 'users.txt')}`,
      `pool_mode = ${mode}`,
      `default_pool_size = ${poolSize}`,
      'max_client_conn = 50',
      // pg sends none of these, the test's own clients may.
      'ignore_startup_parameters = extra_float_digits,options',
      ...settings,
      '',
    ].join('\n'),
  )
  writeFileSync(path.join(dir, 'users.txt'), '"postgres" ""\n')
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid!)
  let out = ''
  const child: ChildProcess = spawn('pgbouncer', [path.join(dir, 'pgbouncer.ini')], { ...user, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout!.on('data', (d) => (out = (out + d).slice(-8000)))
  child.stderr!.on('data', (d) => (out = (out + d).slice(-8000)))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      // SIGTERM is PgBouncer's immediate shutdown.
      child.kill('SIGTERM')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  }
  // If the test process ends without its cleanup, PgBouncer must not outlive it.
  process.once('exit', () => child.exitCode === null && child.kill('SIGKILL'))
  const deadline = Date.now() + 10_000
  while (!(await listening(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop()
      throw new Error(`PgBouncer did not listen on 127.0.0.1:${port}:\n${out}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  return { url: (db) => `postgres://postgres@127.0.0.1:${port}/${db}`, log: () => out, stop }
}
