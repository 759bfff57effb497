/**
 * A PgBouncer of one test, in front of a proxy: its own port on 127.0.0.1, its own config and log in a temp
 * directory. Session pooling with one server connection per database, and PgBouncer's default
 * server_reset_query (DISCARD ALL), which it sends when a client lets a server connection go.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { freePort } from '@venomqa/test-utils'

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

/** `upstream`: the URL of what PgBouncer's server connections go to (the proxy), its host and port. */
export async function startPgBouncer(upstream: string): Promise<Bouncer> {
  const user = runAs()
  const dir = mkdtempSync(path.join(os.tmpdir(), 'venomqa-pgbouncer-'))
  const port = await freePort()
  const target = new URL(upstream)
  writeFileSync(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${target.hostname} port=${target.port}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${path.join(dir, 'users.txt')}`,
      'pool_mode = session',
      'default_pool_size = 1',
      'max_client_conn = 10',
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
