/**
 * A PostgreSQL cluster of one test file: its own data directory under the OS temp dir, its own port on
 * 127.0.0.1, its own pg_hba.conf. For tests that need server settings the shared server on :5432 must
 * not be changed for (password authentication, say).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { freePort, isCI } from './index'
import { describe } from 'vitest'

export interface PrivateCluster {
  readonly port: number
  /** postgres://user:password@127.0.0.1:port/db, the password URL-encoded. */
  url(user: string, db: string, password?: string): string
  /** Stops the server (immediate shutdown) and removes its directory. Safe to call twice. */
  stop(): Promise<void>
}

const READY = 'database system is ready to accept connections'

/** The directory holding initdb and postgres: $PG_BIN, else the newest /usr/lib/postgresql/<v>/bin, else PATH. */
export function postgresBinaries(): string | undefined {
  const has = (dir: string) => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'postgres'))
  if (process.env.PG_BIN) return has(process.env.PG_BIN) ? process.env.PG_BIN : undefined
  const debian = '/usr/lib/postgresql'
  const versions = existsSync(debian) ? readdirSync(debian).filter((v) => /^\d+$/.test(v)) : []
  for (const v of versions.sort((a, b) => Number(b) - Number(a))) if (has(path.join(debian, v, 'bin'))) return path.join(debian, v, 'bin')
  return (process.env.PATH ?? '').split(path.delimiter).find((dir) => dir && has(dir))
}

/**
 * `describe` for tests that need a private cluster. No PostgreSQL binaries: under CI the suite fails (a
 * test that cannot run must not pass); elsewhere it is skipped with a loud warning.
 */
export function describeWithPrivateCluster(): (title: string, fn: () => void) => void {
  if (postgresBinaries()) return describe
  const where = process.env.PG_BIN ? `$PG_BIN (${process.env.PG_BIN})` : '/usr/lib/postgresql/<version>/bin or PATH (set PG_BIN to their directory)'
  const why = `PostgreSQL server binaries (initdb, postgres) were not found in ${where}`
  if (isCI) {
    return (title) =>
      describe(title, () => {
        throw new Error(`${why}, and CI is set: this suite cannot be skipped`)
      })
  }
  console.warn(`\n!!! SKIPPING: ${why}. These tests did NOT run.\n`)
  return describe.skip
}

/**
 * initdb and postgres refuse to run as root: as root, they run as the `postgres` OS user (the data
 * directory is handed to it); as anyone else, as that user.
 */
function runAs(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {}
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim())
    return { uid: id('-u'), gid: id('-g') }
  } catch {
    throw new Error('running as root, and there is no `postgres` OS user to run initdb and postgres as (they refuse to run as root)')
  }
}

function initdb(bin: string, data: string, user: { uid?: number; gid?: number }, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // No fsync (-N) and the C locale: a throwaway cluster, created in about a second.
    const args = ['-D', data, '-U', 'postgres', '-A', 'trust', '-N', '-E', 'UTF8', '--locale=C', '--no-instructions']
    const child = spawn(path.join(bin, 'initdb'), args, { ...user, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`initdb exited ${code}:\n${out}`))))
  })
}

/** Starts postgres: the child at once, and `ready` once it says it accepts connections (rejects if it exits first). */
function postmaster(bin: string, data: string, port: number, socketDir: string, user: { uid?: number; gid?: number }, extra: Record<string, string>) {
  const settings = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: socketDir,
    // Nothing here has to survive a crash: no fsync, small memory.
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    shared_buffers: '16MB',
    max_connections: '20',
    ...extra,
  }
  const args = ['-D', data, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])]
  const child = spawn(path.join(bin, 'postgres'), args, { ...user, cwd: socketDir, stdio: ['ignore', 'ignore', 'pipe'] })
  const ready = new Promise<void>((resolve, reject) => {
    let log = ''
    let up = false
    // The log is read to its end (a full pipe would block the server); the last part is kept for errors.
    child.stderr!.on('data', (d) => {
      log = (log + d).slice(-8000)
      if (!up && log.includes(READY)) {
        up = true
        resolve()
      }
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (!up) reject(new Error(`postgres exited (${signal ?? code}) before accepting connections:\n${log}`))
    })
  })
  return { child, ready }
}

const running = (child: ChildProcess | undefined): child is ChildProcess & { pid: number } =>
  child?.pid !== undefined && child.exitCode === null && child.signalCode === null

function exited(child: ChildProcess): Promise<void> {
  // No pid: it never started (spawn failed), and no 'exit' will come.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/**
 * A new cluster with `hba` as its whole pg_hba.conf (add `host all postgres 127.0.0.1/32 trust` to set it
 * up through the `postgres` superuser), and `settings` given to the server at start (those only a restart
 * sets: `max_prepared_transactions`, say). On any failure, nothing is left behind.
 */
export async function startPrivateCluster(hba: string[], settings: Record<string, string> = {}): Promise<PrivateCluster> {
  const bin = postgresBinaries()
  if (!bin) throw new Error('PostgreSQL server binaries (initdb, postgres) were not found')
  const user = runAs()
  const dir = mkdtempSync(path.join(os.tmpdir(), 'venomqa-pg-'))
  let child: ChildProcess | undefined
  // If the test process ends without afterAll (a crash), the server must not outlive it.
  const onExit = () => {
    if (running(child)) process.kill(child.pid, 'SIGQUIT')
    // The server may still be writing there as it shuts down; at worst a directory stays in the temp dir.
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
  }
  process.on('exit', onExit)
  const stop = async () => {
    // SIGQUIT is PostgreSQL's immediate shutdown: the postmaster ends its backends and then itself.
    if (running(child)) child.kill('SIGQUIT')
    if (child) await exited(child)
    rmSync(dir, { recursive: true, force: true })
    process.off('exit', onExit)
  }
  try {
    if (user.uid !== undefined) chownSync(dir, user.uid, user.gid!)
    const data = path.join(dir, 'data')
    await initdb(bin, data, user, dir)
    writeFileSync(path.join(data, 'pg_hba.conf'), `${hba.join('\n')}\n`)
    // The port is free when chosen, not necessarily when postgres binds it: another try on a new one.
    let port = 0
    for (let attempt = 1; ; attempt++) {
      port = await freePort()
      const started = postmaster(bin, data, port, dir, user, settings)
      child = started.child
      try {
        await started.ready
        break
      } catch (e) {
        if (attempt >= 3 || !/could not bind|Address already in use/.test((e as Error).message)) throw e
      }
    }
    return { port, url: (u, db, pw) => `postgres://${u}${pw === undefined ? '' : `:${encodeURIComponent(pw)}`}@127.0.0.1:${port}/${db}`, stop }
  } catch (e) {
    await stop()
    throw e
  }
}
