import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import type http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe } from 'vitest'

export {
  type ExampleFiles,
  type ExampleRun,
  JS_LANGS,
  codeFences,
  jsBlock,
  jsBlocks,
  recordingRunner,
  runExample,
  runExampleInFolder,
  stepsRun,
  tsBlock,
  tsBlocks,
} from './readme'
export { expectBranchOnWorkers } from './parallel'
export { FOREIGN_404_PAGE, expectNoPage, htmlServer } from './foreign-page'
export { fromPackage, modulesLoadedBy } from './loaded-modules'
export { selfSignedCert } from './tls'

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
export const isCI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0'

/**
 * The services on this machine. Suites of different packages run at once, so each Redis DB belongs to one
 * package's suites (one that empties or syncs a DB breaks any other using it): adapter-redis 1, 2 and 10-15,
 * cli 4, the todo app 5, examples/journeys 6-9 (a main DB and its three workers'). DB 3 is free; the
 * benches (bench/redis-state on 2) never run beside the suite.
 */
export const SERVICES = {
  postgres: { host: '127.0.0.1', port: 5432 },
  mysql: { host: '127.0.0.1', port: 3306 },
  redis: { host: '127.0.0.1', port: 6379 },
} as const

/**
 * True if something accepts TCP connections at host:port within timeoutMs. A service that is down refuses
 * at once; the timeout only has to outlast a machine so busy that a local connect takes a while (seen at
 * over 1 s with both cores saturated), where a shorter one skips a suite whose service is up.
 */
export function canConnect(host: string, port: number, timeoutMs = 10_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

/**
 * `describe` for tests that need a real service. Unreachable service: under CI the suite fails (a test
 * that cannot run must not pass); elsewhere it is skipped with a loud warning.
 */
export async function describeWithService(name: string, host: string, port: number) {
  if (await canConnect(host, port)) return describe
  return describeUnavailable(`${name} is not reachable at ${host}:${port}`)
}

/**
 * `describe` for tests that run a program (curl), with the same rules as describeWithService. `args` is
 * what the program must run without failing to count as there (a driver it must import, say).
 */
export function describeWithCommand(command: string, install: string, args: string[] = ['--version']) {
  try {
    execFileSync(command, args, { stdio: 'ignore' })
    return describe
  } catch {
    const what = args.length === 1 && args[0] === '--version' ? `${command} is missing` : `\`${[command, ...args].join(' ')}\` failed`
    return describeUnavailable(`${what} (${install})`)
  }
}

function describeUnavailable(why: string) {
  if (isCI) {
    return ((title: string, _fn: () => void) =>
      describe(title, () => {
        throw new Error(`${why}, and CI is set: this suite cannot be skipped`)
      })) as unknown as typeof describe
  }
  console.warn(`\n!!! SKIPPING: ${why}. These tests did NOT run.\n`)
  return describe.skip
}

/**
 * What `call` settled with within `ms`: its error, 'done', or 'still waiting'. For a test of something
 * that used to wait for ever: past `ms` it says so, and the test ends what holds it, instead of hanging.
 */
export async function settledWithin(call: Promise<unknown>, ms: number): Promise<Error | 'done' | 'still waiting'> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const waited = new Promise<'still waiting'>((resolve) => {
    timer = setTimeout(() => resolve('still waiting'), ms)
  })
  try {
    return await Promise.race([
      call.then(
        () => 'done' as const,
        (err: Error) => err,
      ),
      waited,
    ])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * A port nothing listens on, for tests of "connection refused": 1 is privileged and unused, so unlike a
 * port found free a moment ago, no other test or program can start listening there in the meantime.
 */
/** A test's own HTTP server, listening on a free loopback port. */
export interface LocalServer {
  url: string
  port: number
  /** Ends open keep-alive connections too: `server.close()` alone would wait for the client to drop them. */
  close(): Promise<void>
}

/** `server`, listening on loopback at `port`, as a LocalServer. */
function listening(server: http.Server, port: number): LocalServer {
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections()
        server.close(() => done())
      }),
  }
}

/** `server` listening on loopback, on a free port or on `port` (one found free earlier), as a LocalServer. */
export function listenLocally(server: http.Server, port = 0): Promise<LocalServer> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(listening(server, (server.address() as net.AddressInfo).port)))
  })
}

/**
 * Ports on the fetch standard's "bad ports" list, which Node's global fetch (and undici's) refuses to
 * connect to ("bad port") while a user's own service may well listen there. Tried in this order.
 */
export const BAD_PORTS = [6665, 6666, 6667, 6668, 6669, 10080, 6000, 6697, 5060, 5061, 2049, 4045, 6566, 3659, 4190] as const

/**
 * `server` listening on loopback on the first port of BAD_PORTS that is free here: what a test of a
 * client that must reach any port serves from. Fails (never skips) when every one of them is taken.
 */
export async function listenOnBadPort(server: http.Server): Promise<LocalServer> {
  for (const port of BAD_PORTS) {
    const took = await new Promise<boolean>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' || err.code === 'EACCES' ? resolve(false) : reject(err))
      server.once('error', onError)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', onError)
        resolve(true)
      })
    })
    if (took) return listening(server, port)
  }
  throw new Error(`every port of ${BAD_PORTS.join(', ')} is taken on this machine`)
}

/** Poll until `check` holds (output a child has not printed yet, a count an app has not reached); fail naming `what` after timeoutMs. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

export const CLOSED_PORT = 1

/** A TCP port nobody is listening on right now (anyone may take it the next moment). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })
}

/**
 * A server on a free port that takes every connection and request and never says a word: a service that
 * hangs. `close()` ends its connections and stops it.
 */
export async function startSilentServer(): Promise<{
  port: number
  url: string
  /** The connections open now: a client that gave up on one has closed it. */
  openSockets(): number
  close(): Promise<void>
}> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('data', () => {})
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    openSockets: () => sockets.size,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/**
 * Start `connect` against a server that takes the connection and never answers, abort its signal at once,
 * and say what the connect settled with within `ms` (see settledWithin), beside the abort's reason: a
 * connect that honours its signal settles with that reason, one that does not is 'still waiting'.
 */
export async function abortedAgainstSilentServer(
  connect: (server: { port: number; url: string }, signal: AbortSignal) => Promise<unknown>,
  ms = 10_000,
): Promise<{ settled: Error | 'done' | 'still waiting'; reason: Error }> {
  const silent = await startSilentServer()
  try {
    const ac = new AbortController()
    const connecting = connect(silent, ac.signal)
    const reason = new Error('stopped by the run')
    ac.abort(reason)
    return { settled: await settledWithin(connecting, ms), reason }
  } finally {
    await silent.close()
  }
}

/** Whether process `pid` is still there (signal 0 only asks). */
export function processAlive(pid: number): boolean {
  // 0 and below name a process group (kill(0, 0) asks about the caller's own, always there): a pid read
  // as '' from a file not written yet made a stopped app look alive.
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`processAlive: ${pid} is not a process id`)
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export interface RunningProcess {
  readonly child: ChildProcess
  readonly url: string
  readonly port: number
  output(): string
  stop(): Promise<void>
}

/** Poll url until it answers (any status) or the timeout passes. */
export async function waitForHttp(url: string, timeoutMs = 15_000, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`process exited with code ${child.exitCode} before ${url} answered`)
    try {
      const res = await fetch(url)
      await res.arrayBuffer()
      return
    } catch (err) {
      last = err
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms: ${String(last)}`)
}

/** The line a server started by `startNodeProcess` prints once it listens: `... listening on http://host:port ...`. */
const LISTENING = /listening on (http:\/\/[^\s/]+)/

/**
 * Start a node script as its own process and wait for readyPath. The script gets PORT=0, so the OS picks
 * a port at the moment it binds, and prints where it listens (`listening on http://host:port`). A port
 * picked here and bound later by the child could be taken in between, by another test or anyone, and the
 * readiness check would then be answered by that other server.
 */
export async function startNodeProcess(
  script: string,
  options: { env?: Record<string, string | undefined>; readyPath?: string; args?: string[]; timeoutMs?: number } = {},
): Promise<RunningProcess> {
  const timeoutMs = options.timeoutMs ?? 15_000
  let out = ''
  const child = spawn(process.execPath, [script, ...(options.args ?? [])], {
    env: { ...process.env, ...options.env, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let url: string
  try {
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${script} did not say where it listens within ${timeoutMs} ms`)), timeoutMs)
      const onData = (d: Buffer) => {
        out += d
        const found = LISTENING.exec(out)?.[1]
        if (found) {
          clearTimeout(timer)
          resolve(found)
        }
      }
      child.stdout!.on('data', onData)
      child.stderr!.on('data', (d) => (out += d))
      child.once('exit', (code, signal) => {
        clearTimeout(timer)
        reject(new Error(`${script} exited (${code ?? signal}) before it listened`))
      })
    })
    await waitForHttp(url + (options.readyPath ?? '/health'), timeoutMs, child)
  } catch (err) {
    child.kill('SIGKILL')
    throw new Error(`${(err as Error).message}\n--- output of ${script} ---\n${out}`)
  }
  const port = Number(new URL(url).port)
  return {
    child,
    url,
    port,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
        child.once('exit', () => {
          clearTimeout(timer)
          resolve()
        })
        child.kill('SIGTERM')
      }),
  }
}

/** The built `venomqa`: tests that run it as a user does need `pnpm build` (turbo builds before test). */
export const CLI_BIN = path.join(REPO_ROOT, 'packages/cli/dist/bin.js')

/**
 * Run the built `venomqa` in `cwd`, its environment only PATH, HOME, CI=true and `env` (nothing of the
 * developer's shell, no VENOMQA_* of theirs): its exit code, and stdout and stderr as one text.
 */
export function runBuiltCli(args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (d) => (output += d))
  child.stderr!.on('data', (d) => (output += d))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })))
}

export const TODO_APP_SERVER = path.join(REPO_ROOT, 'examples/todo-app/dist/server.js')

/**
 * Start the example todo app as a separate process. With DATABASE_URL it keeps its data in PostgreSQL,
 * otherwise in memory. Build it first (turbo does, for packages that list it as a devDependency).
 */
export function startTodoApp(env: Record<string, string | undefined> = {}): Promise<RunningProcess> {
  return startNodeProcess(TODO_APP_SERVER, { env: { DATABASE_URL: undefined, ...env } })
}

export const SHOP_APP_SERVER = path.join(REPO_ROOT, 'examples/shop-app/dist/server.js')

/**
 * Start the example shop app (examples/shop-app, planted sequence bugs) as a separate process on
 * PostgreSQL: env needs DATABASE_URL. SHOP_BUGS picks the bugs (`all`, `none` or a comma list); left out,
 * it is `all`, whatever the calling process has in its own environment, so a test says what it runs.
 */
export function startShopApp(env: Record<string, string | undefined> & { DATABASE_URL: string }): Promise<RunningProcess> {
  return startNodeProcess(SHOP_APP_SERVER, { env: { SHOP_BUGS: undefined, ...env } })
}
