import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ConfigError, plainRequest, startWatchdog } from '@venomqa/core'
import { WireMockAdmin } from './admin'
import { WireMockError } from './errors'
import { freePort, isListening } from './free-port'

export interface StartWireMockOptions {
  /** The port to listen on; 0 or unset picks a free one. */
  port?: number
  /** Bind address. Default 127.0.0.1, so the mock is not reachable from other machines. */
  host?: string
  /** The WireMock standalone jar; by default the one the `wiremock` npm package bundles. */
  jar?: string
  /** The java binary; by default $JAVA_HOME/bin/java, else `java` on the PATH. */
  java?: string
  /**
   * How a message names the option that sets `java`, when none was given and no Java was found: the plugin
   * gives its entry's (`plugins[1].managed.java`). Default `managed.java`.
   */
  javaKey?: string
  /** Folders to resolve the `wiremock` npm package from, in order. Default: the working folder, then this package's. */
  resolveFrom?: string[]
  /** JVM options. Default: a client-style JIT and the serial GC, which start WireMock about a fifth faster. */
  jvmArgs?: string[]
  /** More WireMock command-line options, e.g. ['--verbose']. */
  args?: string[]
  /** ms to wait for /__admin/health. Default 60 000 (a loaded machine can take long to start a JVM). */
  startTimeoutMs?: number
  /** ms between SIGTERM and SIGKILL when stopping. Default 5000. */
  stopGraceMs?: number
  /**
   * A tiny watchdog process (one for this process, see core's `startWatchdog`) stops Java and removes its
   * folder if this process dies without stopping it (killed by a signal, where no exit handler runs).
   * Default true.
   */
  watchdog?: boolean
}

export interface ManagedWireMock {
  readonly baseUrl: string
  readonly port: number
  /** The Java process's id. */
  readonly pid: number
  /** The watchdog's process id, if one runs: this process's one watchdog, which guards every process it starts. */
  readonly watchdogPid?: number
  readonly jar: string
  /** ms from spawning Java to the first healthy answer. */
  readonly startupMs: number
  readonly running: boolean
  /** What WireMock printed (the last 64 KB). */
  output(): string
  /** SIGTERM, SIGKILL after the grace period, and wait until the Java process has exited. Safe to call twice. */
  stop(): Promise<void>
}

export const DEFAULT_JVM_ARGS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC']
const OUTPUT_LIMIT = 64 * 1024

/** The `wiremock` npm package's standalone jar. A ConfigError that says how to install it when there is none. */
export function findWireMockJar(resolveFrom: string[] = defaultResolveFrom()): string {
  const tried: string[] = []
  for (const dir of new Set(resolveFrom.map((d) => path.resolve(d)))) {
    const pkgDir = findPackageDir(dir, 'wiremock')
    if (!pkgDir) {
      tried.push(`${dir} (no node_modules/wiremock in it or above it)`)
      continue
    }
    const buildDir = path.join(pkgDir, 'build')
    const jar = existsSync(buildDir) ? readdirSync(buildDir).find((f) => /^wiremock.*\.jar$/.test(f)) : undefined
    if (jar) return path.join(buildDir, jar)
    tried.push(`${buildDir} (no jar in it)`)
  }
  throw new ConfigError(
    `WireMock's jar was not found. Install the \`wiremock\` npm package, which bundles it (npm install --save-dev wiremock, or pnpm add -D wiremock), ` +
      `or give the jar's path as managed: { jar: '/path/to/wiremock-standalone.jar' }. Looked in: ${tried.join('; ')}`,
    { where: 'managed.jar' },
  )
}

/**
 * node_modules/<name> in `dir` or the nearest folder above it: Node's own lookup, minus NODE_PATH and the
 * global folders, so that what is found is what the project installed.
 */
function findPackageDir(dir: string, name: string): string | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    const candidate = path.join(d, 'node_modules', name)
    if (existsSync(path.join(candidate, 'package.json'))) return candidate
    if (path.dirname(d) === d) return undefined
  }
}

/** Where the `wiremock` package is looked for by default: the working folder, then this package's own. */
export function defaultResolveFrom(): string[] {
  const here = typeof __filename === 'string' ? path.dirname(__filename) : path.dirname(new URL(import.meta.url).pathname)
  return [process.cwd(), here]
}

function defaultJava(): string {
  const home = process.env.JAVA_HOME
  if (home) {
    const candidate = path.join(home, 'bin', process.platform === 'win32' ? 'java.exe' : 'java')
    if (existsSync(candidate)) return candidate
  }
  return 'java'
}

const INSTALL_JAVA = "Managed WireMock runs on the machine's Java 11 or newer: install a JRE (e.g. apt-get install openjdk-17-jre-headless, or brew install openjdk)"
const OR_URL = 'or run WireMock yourself and give its url instead of managed.'

/** The java binary the user gave (`managed.java`) did not start: that value is what to fix. */
function javaMissing(java: string, err: NodeJS.ErrnoException): ConfigError {
  return new ConfigError(
    `Java was not found (tried "${java}": ${err.code ?? err.message}). ${INSTALL_JAVA}, set JAVA_HOME, or give managed: { java: '/path/to/java' }; ${OR_URL}`,
    { where: 'managed.java' },
  )
}

/**
 * No java was given and none was found where one is looked for (JAVA_HOME, then PATH): placed at no option,
 * as the user set none that is wrong, and naming `javaKey` as the way to point to one.
 */
function javaNotFound(java: string, javaKey: string, err: NodeJS.ErrnoException): ConfigError {
  const home = process.env.JAVA_HOME
  const looked =
    java === 'java'
      ? `no "java" in any folder of PATH; ${home ? `JAVA_HOME is "${home}", which has no bin/java` : 'JAVA_HOME is not set'}`
      : `tried "${java}" from JAVA_HOME: ${err.code ?? err.message}`
  return new ConfigError(
    `Java was not found ${java === 'java' ? 'on PATH' : 'at JAVA_HOME'} (${looked}). ${INSTALL_JAVA} and put its bin folder on PATH, set JAVA_HOME to it, or set ${javaKey} to the path of a java binary; ${OR_URL}`,
  )
}

/** Start WireMock from its jar with the machine's Java and wait until it answers. */
export async function startWireMock(options: StartWireMockOptions = {}): Promise<ManagedWireMock> {
  const host = options.host ?? '127.0.0.1'
  if (options.port !== undefined && (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535))
    throw new ConfigError(`managed WireMock: "port" must be a port number (0 for a free one), got ${JSON.stringify(options.port)}`, { where: 'managed.port' })
  const jar = options.jar ?? findWireMockJar(options.resolveFrom)
  if (!existsSync(jar)) throw new ConfigError(`managed WireMock: the jar "${jar}" does not exist`, { where: 'managed.jar' })
  const fixedPort = options.port ? options.port : undefined
  // A free port can be taken between our probe and Java's bind: try again on another one.
  for (let attempt = 1; ; attempt++) {
    const port = fixedPort ?? (await freePort(host))
    try {
      if (await isListening(port, host)) throw new PortTaken()
      return await launch({ ...options, host, jar, port })
    } catch (err) {
      if (err instanceof PortTaken && !fixedPort && attempt < 3) continue
      if (err instanceof PortTaken) throw new WireMockError(`managed WireMock: port ${port} on ${host} is already in use`)
      throw err
    }
  }
}

class PortTaken extends Error {}

async function launch(options: StartWireMockOptions & { host: string; jar: string; port: number }): Promise<ManagedWireMock> {
  const java = options.java ?? defaultJava()
  // Its own root folder: WireMock creates mappings/ and __files/ there and must not load a project's files.
  const root = mkdtempSync(path.join(os.tmpdir(), 'venomqa-wiremock-'))
  // A stub only this instance loads (from its own root): readiness is this stub answering, so another
  // server on the same port can never pass for ours.
  const marker = randomUUID()
  mkdirSync(path.join(root, 'mappings'))
  writeFileSync(
    path.join(root, 'mappings', 'venomqa-instance.json'),
    JSON.stringify({ id: marker, request: { method: 'GET', urlPath: `/__venomqa/instance/${marker}` }, response: { status: 204 } }),
  )
  const args = [
    ...(options.jvmArgs ?? DEFAULT_JVM_ARGS),
    '-jar',
    options.jar,
    '--port',
    String(options.port),
    '--bind-address',
    options.host,
    '--root-dir',
    root,
    '--disable-banner',
    ...(options.args ?? []),
  ]
  const startedAt = performance.now()
  // A process group of its own (POSIX): a Ctrl-C typed at the terminal goes to the terminal's foreground
  // group, and Java in it died at once, so the interrupted run's rollback found no WireMock (ECONNRESET).
  // Only this process stops it: stop(), the exit handler below, or the watchdog when this process is gone.
  const child = spawn(java, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true, detached: GROUPS })
  let out = ''
  const collect = (chunk: Buffer) => {
    out += chunk.toString()
    if (out.length > OUTPUT_LIMIT) out = out.slice(-OUTPUT_LIMIT)
  }
  child.stdout!.on('data', collect)
  child.stderr!.on('data', collect)
  const spawnError = new Promise<never>((_, reject) => child.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ENOENT' || err.code === 'EACCES' ? (options.java === undefined ? javaNotFound(java, options.javaKey ?? 'managed.java', err) : javaMissing(java, err)) : err)))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const graceMs = options.stopGraceMs ?? 5000
  const dog = child.pid !== undefined && options.watchdog !== false ? startWatchdog(child.pid, { graceMs, remove: [root] }) : null
  const cleanup = () => {
    rmSync(root, { recursive: true, force: true })
    // Java is stopped and its folder gone: the watchdog (this process's, shared) forgets them.
    void dog?.release()
  }
  track(child, cleanup)

  const baseUrl = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`
  const admin = new WireMockAdmin(baseUrl)
  const timeoutMs = options.startTimeoutMs ?? 60_000
  try {
    await Promise.race([spawnError, waitReady(admin, marker, child, exited, timeoutMs, () => out)])
    // The marker has done its job; the user's WireMock starts empty.
    rmSync(path.join(root, 'mappings', 'venomqa-instance.json'), { force: true })
    await admin.deleteMapping(marker)
  } catch (err) {
    await kill(child, exited, 1000)
    untrack(child, cleanup)
    if (/Address already in use|BindException/i.test(out)) throw new PortTaken()
    throw err
  }
  const startupMs = performance.now() - startedAt
  // A forgotten stop() must not keep Node alive forever: the exit handler kills Java when Node ends.
  child.on('error', () => {})
  child.unref()
  for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.()

  let stopping: Promise<void> | undefined
  return {
    baseUrl,
    port: options.port,
    pid: child.pid!,
    watchdogPid: dog?.pid,
    jar: options.jar,
    startupMs,
    get running() {
      return child.exitCode === null && child.signalCode === null
    },
    output: () => out,
    stop: () =>
      (stopping ??= (async () => {
        await kill(child, exited, graceMs)
        untrack(child, cleanup)
      })()),
  }
}

async function waitReady(admin: WireMockAdmin, marker: string, child: ChildProcess, exited: Promise<void>, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let gone = false
  void exited.then(() => (gone = true))
  while (Date.now() < deadline) {
    if (gone || child.exitCode !== null)
      throw new WireMockError(`managed WireMock exited with code ${child.exitCode ?? child.signalCode} before it answered${tail(output())}`)
    if (await hasMarker(admin, marker)) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new WireMockError(`managed WireMock was not ready on ${admin.baseUrl} within ${timeoutMs} ms${tail(output())}`)
}

async function hasMarker(admin: WireMockAdmin, marker: string): Promise<boolean> {
  try {
    const res = await plainRequest(`${admin.baseUrl}/__admin/mappings/${marker}`, { signal: AbortSignal.timeout(1000) })
    await res.bytes()
    return res.ok
  } catch {
    return false
  }
}

function tail(out: string): string {
  const text = out.trim()
  return text ? `; its output:\n${text.slice(-2000)}` : ''
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
async function kill(child: ChildProcess, exited: Promise<void>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
  const timer = setTimeout(() => signal(child, 'SIGKILL'), graceMs)
  signal(child, 'SIGTERM')
  await exited
  clearTimeout(timer)
}

/** Process groups are POSIX: on Windows Java is started and stopped as a process alone. */
const GROUPS = process.platform !== 'win32'

/** Send `sig` to Java's process group (it leads one, see launch), else to Java alone. */
function signal(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid !== undefined && GROUPS) {
    try {
      process.kill(-child.pid, sig)
      return
    } catch {
      // No such group any more: Java alone, if it is still there.
    }
  }
  child.kill(sig)
}

// ---- never leave Java behind ------------------------------------------------------------------------

const running = new Map<ChildProcess, () => void>()

/** Kill what is still running when this process exits: an exit handler must be synchronous, so SIGKILL. */
function onExit(): void {
  for (const [child, cleanup] of running) {
    if (child.exitCode === null && child.signalCode === null) signal(child, 'SIGKILL')
    try {
      cleanup()
    } catch {
      // The folder may be in use by the dying process; it is only a temp folder.
    }
  }
  running.clear()
}

function track(child: ChildProcess, cleanup: () => void): void {
  if (running.size === 0) process.on('exit', onExit)
  running.set(child, cleanup)
}

function untrack(child: ChildProcess, cleanup: () => void): void {
  cleanup()
  running.delete(child)
  if (running.size === 0) process.removeListener('exit', onExit)
}
