/**
 * Start a worker's app as a process of its own, for a `startApp`: it tells where it listens, how to stop
 * it, and when it ended (with its exit code and last stderr lines), and it honours the create's signal.
 * See docs/parallel.md.
 */
import { AbortedError, ConfigError, errorMessage } from './errors'
import { redactText } from './redact'
import { startWatchdog } from './watchdog'
import type { WorkerApp, WorkerAppExit } from './workers'

export interface AppProcessOptions {
  /** The program and its arguments: `[process.execPath, 'dist/server.js']`. Not a shell line: the program is the app. */
  command: readonly string[]
  /** Added to this process's environment (`resources.env`, and `PORT: '0'` for an app that picks a free port). */
  env?: Record<string, string | undefined>
  cwd?: string
  /** How messages name the app. Default: the command (its program and arguments). */
  name?: string
  /**
   * Found in what the app writes (stdout or stderr) once it listens; its first group is its base URL, or
   * its port (then `http://127.0.0.1:<port>`). Without it, the app is ready once it writes `listening on
   * http://host:port` (that URL is its base URL), or once a port it names on a line saying it listens or
   * started (`listening on 4712`, `Server started on port 4712`, `running at http://localhost:4712`)
   * answers HTTP there (see `portsNamedAsListening`).
   */
  ready?: RegExp
  /**
   * Instead of `ready`: the app is ready once this URL answers HTTP, whatever the status (a 404 and a 500
   * are answers: something listens). For an app that listens where it is told (a fixed port) and says
   * nothing of it; the started app's `baseUrl` is this URL. One that answers already, before the app is
   * started, is refused: the app is not started (what answers there would be tested in its place).
   */
  readyUrl?: string
  /**
   * How messages name where `readyUrl` came from (`baseUrl`, `app.url`), for the hint given when the app
   * does not answer there but names another port in its output. Default: `readyUrl`.
   */
  readyUrlKey?: string
  /** `resources.signal`: aborted, the app is stopped and the start rejects. */
  signal?: AbortSignal
  /** How long it may take to be ready. Default 60 000 ms. */
  readyTimeoutMs?: number
  /** How long `close()`, and the watchdog, wait after SIGTERM before SIGKILL. Default 5 000 ms. */
  killAfterMs?: number
  /** How many of its last lines are kept, of stderr and of stdout each, for the message when it ends. Default 10. */
  stderrLines?: number
  /**
   * A tiny watchdog process (`node -e`, detached, one for this process however many apps it starts) stops
   * the app, with its process group, if this process dies without stopping it: killed by a signal (SIGKILL,
   * an OOM kill, a killed test worker), where no exit handler runs. It sends SIGTERM, then SIGKILL after
   * `killAfterMs`, and ends once this process is gone; `close()`, and the app ending by itself, make it
   * forget the app (see `startWatchdog`). Default true; false leaves an app whose starter was killed
   * outright running, holding its port and its database connections.
   */
  watchdog?: boolean
}

/** A started app: `WorkerApp` (baseUrl, close, exited), its process id, and its watchdog's. */
export interface AppProcess extends WorkerApp {
  readonly pid: number
  /** The watchdog's process id, if one runs (see `AppProcessOptions.watchdog`): the same for every app this process starts. */
  readonly watchdogPid?: number
  close(): Promise<void>
  exited: Promise<WorkerAppExit>
}

const LISTENING = /listening on (https?:\/\/[^\s/"']+)/i
/** What is kept of one line of output: a stack frame or a log line, not a whole JSON dump. */
const MAX_LINE = 300

/**
 * Start `command` and wait until it says where it listens (`ready`). The result is a `WorkerApp` whose
 * `exited` lets the run tell a crashed worker app apart from a wrong base URL. It rejects, with the app's
 * last stderr lines, when the app ends or takes longer than `readyTimeoutMs` before it is ready, and when
 * `signal` aborts (the run gave the create up); the app is stopped first in every case.
 *
 *   startApp: (index, resources) => startAppProcess({ command: [process.execPath, 'dist/server.js'],
 *     env: { ...resources.env, PORT: '0' }, signal: resources.signal })
 */
export async function startAppProcess(options: AppProcessOptions): Promise<AppProcess> {
  const command = options?.command
  if (!Array.isArray(command) || command.length === 0 || command.some((c) => typeof c !== 'string'))
    throw new ConfigError('startAppProcess: `command` must be the program and its arguments, such as [process.execPath, "dist/server.js"]', { where: 'command' })
  const [program, ...args] = command as string[]
  // In messages; an argument may hold a URL with its password.
  const name = redactText(options.name ?? (args.length ? `${program} ${args.join(' ')}` : program!))
  const signal = options.signal
  if (signal?.aborted) throw givenUp(signal, name)
  if (options.ready !== undefined && !(options.ready instanceof RegExp))
    throw new ConfigError('startAppProcess: `ready` must be a regular expression whose first group is the base URL or the port, such as /listening on (http:\\/\\/\\S+)/', { where: 'ready' })
  // Its first group is the URL or port: a pattern without one would match and still never give it.
  if (options.ready && new RegExp(`${options.ready.source}|`).exec('')!.length < 2)
    throw new ConfigError(
      `startAppProcess: \`ready\` ${options.ready} has no group: put the base URL or the port in parentheses, such as /started on port (\\d+)/`,
      { where: 'ready' },
    )
  if (options.readyUrl !== undefined && (options.ready !== undefined || !isHttpUrl(options.readyUrl)))
    throw new ConfigError(options.ready !== undefined ? 'startAppProcess: give `ready` or `readyUrl`, not both' : 'startAppProcess: `readyUrl` must be an http:// or https:// URL', {
      where: 'readyUrl',
    })
  const readyUrl = options.readyUrl
  // Without g or y: each look starts from the beginning of what the app wrote.
  const ready = options.ready ? new RegExp(options.ready.source, options.ready.flags.replace(/[gy]/g, '')) : LISTENING
  const keep = Math.max(1, options.stderrLines ?? 10)
  const killAfterMs = options.killAfterMs ?? 5_000

  // An app waited for at a URL is told ready by any answer there: one already there (an instance an earlier
  // run left, a dev server on the port) would pass for it, and be tested in its place while this one fails
  // to listen. Refused before anything starts.
  if (readyUrl && (await answersHttp(readyUrl)) === true) throw new Error(alreadyAnswering(readyUrl, name))
  // Loaded when an app is started: core is loaded by every command, and most never start one.
  // node:fs with it, for what a spawn's ENOENT means (see notFound): importing core loads neither.
  const [{ spawn }, { existsSync }] = await Promise.all([import('node:child_process'), import('node:fs')])
  if (signal?.aborted) throw givenUp(signal, name)
  const child = spawn(program!, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    windowsHide: true,
    // A process group of its own: stopping it stops what it started too (a shell's or npm's child, a
    // cluster's workers), and a Ctrl-C at the terminal reaches the run only, which stops the app itself
    // once its requests in flight are answered and rolled back.
    detached: GROUPS,
  })
  const pid = child.pid
  if (pid !== undefined && GROUPS) {
    running.add(pid)
    watchExit()
  }
  // For when this process is killed outright: no handler of its own runs then, the exit hook below included.
  const dog = pid !== undefined && options.watchdog !== false ? startWatchdog(pid, { graceMs: killAfterMs }) : null
  const lines: string[] = []
  let partial = ''
  let seen = ''
  let onOutput: ((text: string) => void) | undefined
  /** Why it is not ready yet: the pattern or URL it waits for, and the last lines the app wrote (either stream). */
  let lastAnswer = 'no try yet'
  /** Without `ready`: the base URLs the app's lines name as where it listens, each with that line and its last try. */
  const named = new Map<string, { line: string; answer: string }>()
  const notReady = () => {
    const written = seen
      .split(/\r?\n/)
      .filter((l) => l.trim())
      .slice(-3)
    const what = written.length ? `; the last lines it wrote: ${written.map((l) => JSON.stringify(redactText(l.slice(0, MAX_LINE)))).join(' ')}` : ', and it has written nothing yet'
    if (readyUrl) return `nothing answered HTTP at ${redactText(readyUrl)} (the last try: ${lastAnswer})${what}${otherPortHint(seen, readyUrl, options.readyUrlKey ?? 'readyUrl')}`
    if (options.ready) return `${listenLineNotTaken(seen, ready)}no line it wrote matched ${ready} (\`ready\`: the line it writes once it listens)${what}`
    const tried = [...named].at(-1)
    const first = tried ? `it wrote ${quoteLine(tried[1].line)}, but nothing answered HTTP at ${redactText(tried[0])} (the last try: ${tried[1].answer}); ` : ''
    return `${first}no line it wrote named a port that answers HTTP (such as "listening on http://127.0.0.1:4712", "listening on 4712" or "started on port 4712": give startAppProcess a \`ready\` pattern for another line)${what}`
  }
  child.stderr!.setEncoding('utf8')
  child.stdout!.setEncoding('utf8')
  child.stderr!.on('data', (chunk: string) => {
    const parts = (partial + chunk).split(/\r?\n/)
    partial = parts.pop() ?? ''
    for (const line of parts) if (line.trim()) lines.push(line.slice(0, MAX_LINE))
    if (lines.length > keep) lines.splice(0, lines.length - keep)
    onOutput?.(chunk)
  })
  // Read to the end, always: a pipe nobody reads fills up and stops the app at its next write.
  // Its last lines too, for an app that logs its failure there (as pino and many loggers do by default).
  const outLines: string[] = []
  let outPartial = ''
  child.stdout!.on('data', (chunk: string) => {
    const parts = (outPartial + chunk).split(/\r?\n/)
    outPartial = parts.pop() ?? ''
    for (const line of parts) if (line.trim()) outLines.push(line.slice(0, MAX_LINE))
    if (outLines.length > keep) outLines.splice(0, outLines.length - keep)
    onOutput?.(chunk)
  })
  const lastOutLines = () => [...outLines, ...(outPartial.trim() ? [outPartial.slice(0, MAX_LINE)] : [])].slice(-keep)
  const lastLines = () => [...lines, ...(partial.trim() ? [partial.slice(0, MAX_LINE)] : [])].slice(-keep)

  const exited = new Promise<WorkerAppExit>((resolve) => {
    let ended = false
    const end = (code: number | null, sig: NodeJS.Signals | null) => {
      if (ended) return
      ended = true
      resolve({ code, signal: sig, stderr: lastLines(), stdout: lastOutLines() })
    }
    // 'close' comes once its output is read to the end; 'exit' alone when a process it started keeps the pipes open.
    child.once('close', end)
    child.once('exit', (code, sig) => setTimeout(() => end(code, sig), 200).unref())
    child.once('error', () => end(child.exitCode, child.signalCode))
  })
  // Ended with nothing of its group left: its pid may be reused, so it is no longer one to stop at exit,
  // nor one for the watchdog to stop.
  void exited.then(() => {
    if (pid === undefined || (GROUPS && groupAlive(pid))) return
    running.delete(pid)
    void dog?.release()
  })
  const isRunning = () => child.exitCode === null && child.signalCode === null && pid !== undefined
  /** Whether the app, or a process it started, is still there. */
  const anyLeft = () => isRunning() || (pid !== undefined && GROUPS && groupAlive(pid))
  const send = (sig: NodeJS.Signals) => {
    if (pid !== undefined && GROUPS && signalGroup(pid, sig)) return
    if (isRunning()) child.kill(sig)
  }
  const stop = async (): Promise<void> => {
    if (anyLeft()) {
      send('SIGTERM')
      const deadline = Date.now() + killAfterMs
      // The app first, then what it started: a shell's child may outlive the shell by a moment.
      while (anyLeft() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25))
      if (anyLeft()) send('SIGKILL')
    }
    await exited
    if (pid !== undefined) running.delete(pid)
    // The app is stopped: the watchdog forgets it (and stays for the other apps this process starts).
    await dog?.release()
  }

  let baseUrl: string
  try {
    baseUrl = await new Promise<string>((resolve, reject) => {
      const timeoutMs = options.readyTimeoutMs ?? 60_000
      const timer = setTimeout(() => reject(new Error(`${name} ${readyUrl ? 'did not answer' : 'did not say it was ready'} within ${timeoutMs} ms: ${notReady()}`)), timeoutMs)
      let polling = true
      const onAbort = () => reject(givenUp(signal!, name))
      signal?.addEventListener('abort', onAbort, { once: true })
      if (signal?.aborted) onAbort()
      // Asked by a run that gives the create up at its timeout, to say why it waited (see appStartProgress).
      if (signal) starting.set(signal, () => `${name} was still starting: ${notReady()}`)
      const settle = () => {
        polling = false
        // Ready or not, the app's later output is no longer looked through.
        onOutput = undefined
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        if (signal) starting.delete(signal)
      }
      /** Tries each base URL the app named, until one answers HTTP: that one is the app's. */
      let tryingNamed = false
      const tryNamed = async () => {
        tryingNamed = true
        while (polling) {
          for (const [url, seenAt] of named) {
            const answer = await answersHttp(url)
            if (!polling) return
            if (answer === true) {
              settle()
              return resolve(url)
            }
            seenAt.answer = answer
          }
          await new Promise((r) => setTimeout(r, READY_POLL_MS))
        }
      }
      onOutput = (chunk) => {
        seen = (seen + chunk).slice(-4096)
        if (readyUrl) return
        const found = ready.exec(seen)?.[1]
        if (found === undefined) {
          // A port named in words of its own is the app's once it answers HTTP there: a database's or a
          // queue's port named on such a line does not.
          if (options.ready) return
          for (const { url, line } of portsNamedAsListening(seen)) if (!named.has(url)) named.set(url, { line, answer: 'no try yet' })
          if (named.size && !tryingNamed) void tryNamed()
          return
        }
        settle()
        resolve(/^\d+$/.test(found) ? `http://127.0.0.1:${found}` : found)
      }
      child.once('error', (err: NodeJS.ErrnoException) => {
        settle()
        reject(err.code === 'ENOENT' ? notFound(program!, options.cwd, existsSync) : new Error(`${name} could not be started: ${errorMessage(err)}`))
      })
      if (readyUrl)
        void (async () => {
          while (polling) {
            const answer = await answersHttp(readyUrl)
            if (!polling) return
            if (answer === true) {
              settle()
              return resolve(readyUrl)
            }
            lastAnswer = answer
            await new Promise((r) => setTimeout(r, READY_POLL_MS))
          }
        })()
      void exited.then((exit) => {
        settle()
        // Both streams: many apps log their fatal error to stdout, and a wrapper (npm, a shell) adds its own on stderr.
        reject(new Error(`${name} ${describeAppExit(exit)} before it was ready${appOutputText(exit)}`))
      })
    })
  } catch (err) {
    if (signal) starting.delete(signal)
    await stop()
    throw err
  }
  return { pid: pid!, ...(dog?.pid !== undefined ? { watchdogPid: dog.pid } : {}), baseUrl, close: stop, exited }
}

/**
 * What a spawn's ENOENT means, as the caller's mistake naming its option: the directory to run in is not
 * there (Node names the program then too), or the program is neither on PATH nor a file relative to it.
 */
function notFound(program: string, cwd: string | undefined, existsSync: (path: string) => boolean): ConfigError {
  const dir = cwd ?? process.cwd()
  if (cwd !== undefined && !existsSync(cwd)) return new ConfigError(`cwd: the directory ${redactText(cwd)} does not exist`, { where: 'cwd' })
  return new ConfigError(`command: the program ${JSON.stringify(redactText(program))} was not found (not on PATH, nor a file relative to ${redactText(dir)})`, { where: 'command' })
}

/**
 * What names the port an app listens at: an http(s) URL with a port, `listening on :4712` (or on a host:4712),
 * `listening on 4712`, `on port 4712`. Not a bare `port 5432`: that may be its database's.
 */
const NAMED_PORT =
  /\bhttps?:\/\/(?:\[[^\]\s]*\]|[\w.-]+):(\d{1,5})\b|\blisten(?:ing)?(?: on| at)?\s+(?:[\w.-]*|\[[^\]\s]*\]):(\d{1,5})\b|\b(?:on|at)\s+port\b[\s:=]*(\d{1,5})\b|\blisten(?:ing)?(?: on| at)?\s+(\d{1,5})\b(?![.:\d])/gi

/** A line saying the app listens, or started: one whose port (NAMED_PORT's, or a `port: 4712` field) may be the app's. */
const LISTEN_WORD = /\b(?:listen\w*|start\w*|running|ready|serv(?:er|ing)|up|available)\b/i
const PORT_FIELD = /\bport\b["'\s:=]*(\d{1,5})\b/i

/**
 * The base URLs `output`'s lines saying the app listens or started name (see LISTEN_WORD), in order, with
 * their line: a URL's origin (`0.0.0.0` and `::`, every address, as 127.0.0.1), else `http://127.0.0.1:<port>`.
 * Only a guess until it answers HTTP: a line may name another service's port (`started; cache on port 6379`).
 */
function portsNamedAsListening(output: string): { url: string; line: string }[] {
  const found: { url: string; line: string }[] = []
  for (const line of output.split(/\r?\n/)) {
    if (!LISTEN_WORD.test(line)) continue
    const matches = [...line.matchAll(NAMED_PORT)]
    for (const m of matches) {
      if (m[1] === undefined) found.push({ url: `http://127.0.0.1:${Number(m[2] ?? m[3] ?? m[4])}`, line })
      else if (URL.canParse(m[0])) found.push({ url: everyAddressAsLoopback(new URL(m[0])), line })
    }
    const field = matches.length ? undefined : PORT_FIELD.exec(line)?.[1]
    if (field !== undefined) found.push({ url: `http://127.0.0.1:${Number(field)}`, line })
  }
  return found
}

/** `url`'s origin, an app listening at every address (`0.0.0.0`, `[::]`) reached at 127.0.0.1. */
function everyAddressAsLoopback(url: URL): string {
  if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = '127.0.0.1'
  return url.origin
}

/**
 * With a `ready` of the caller's: the last line that names a port as the app's (see portsNamedAsListening)
 * and that `ready` does not take, said first, for a pattern that misses the line the app writes. Else nothing.
 */
function listenLineNotTaken(output: string, ready: RegExp): string {
  const line = portsNamedAsListening(output).at(-1)?.line
  if (line === undefined || ready.test(line)) return ''
  return `it wrote ${quoteLine(line)}, which names a port, but \`ready\` ${ready} does not take it (change \`ready\` to take that line, or leave \`ready\` out: a line naming a port that answers HTTP is taken then); `
}

/** A line the app wrote, as messages quote it: trimmed, cut to MAX_LINE, redacted. */
function quoteLine(line: string): string {
  return JSON.stringify(redactText(line.trim().slice(0, MAX_LINE)))
}

/**
 * For an app that did not answer at `readyUrl`: when the last port its output names clearly (see NAMED_PORT)
 * is another one, say so and which option to change. Nothing when no line names a port, or it is that one.
 */
function otherPortHint(output: string, readyUrl: string, key: string): string {
  const waited = new URL(readyUrl)
  const waitedPort = waited.port || (waited.protocol === 'https:' ? '443' : '80')
  let named: { port: string; line: string } | undefined
  for (const line of output.split(/\r?\n/))
    for (const m of line.matchAll(NAMED_PORT)) named = { port: String(Number(m[1] ?? m[2] ?? m[3] ?? m[4])), line }
  if (!named || named.port === waitedPort) return ''
  const line = quoteLine(named.line)
  return `; it names port ${named.port} (${line}), not port ${waitedPort} of ${redactText(readyUrl)}: if the app listens there, change ${key}, or have the app listen at port ${waitedPort}`
}

/** Whether `value` is an absolute http:// or https:// URL (a query and a fragment allowed: see httpUrlProblem for a base URL). */
export function isHttpUrl(value: unknown): value is string {
  return typeof value === 'string' && URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)
}

/** Why an app whose `readyUrl` answers before it is started is not started. */
function alreadyAnswering(readyUrl: string, name: string): string {
  return `something already answers HTTP at ${redactText(readyUrl)}, before ${name} was started: another process listens there (an instance left running, a dev server), and it would be tested in the app's place; stop it, or have the app listen at another port`
}

/** How often a `readyUrl` is tried, and how long one try may wait for its answer. */
const READY_POLL_MS = 100
const READY_TRY_MS = 2_000

/**
 * Whether `url` answers HTTP now: true for any status, else what happened instead (`connection refused`).
 * A certificate is not checked: the question is whether the app listens, not whom to trust.
 */
async function answersHttp(url: string): Promise<true | string> {
  const { request } = await import(url.startsWith('https:') ? 'node:https' : 'node:http')
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', agent: false, timeout: READY_TRY_MS, rejectUnauthorized: false }, (res: import('node:http').IncomingMessage) => {
      res.resume()
      resolve(true)
    })
    req.once('timeout', () => req.destroy(new Error(`no answer within ${READY_TRY_MS} ms`)))
    req.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED' ? 'connection refused' : redactText(errorMessage(err))))
    req.end()
  })
}

/** What each start waiting for its app's ready line is waiting for, by its signal. */
const starting = new WeakMap<AbortSignal, () => string>()

/**
 * What the `startAppProcess` given `signal` is still waiting for (`node dist/server.js was still starting:
 * no line it wrote matched /.../; the last lines it wrote: ...`), or undefined: a run that gives a create up
 * at its timeout says it, so that an app that never writes its ready line is told from a slow one.
 */
export function appStartProgress(signal: AbortSignal | undefined): string | undefined {
  return signal ? starting.get(signal)?.() : undefined
}

/** Process groups are POSIX: on Windows the app alone is stopped. */
const GROUPS = process.platform !== 'win32'

/**
 * Groups of apps started and not stopped yet. When this process exits before it stops them (a second
 * Ctrl-C, which quits at once), they are told to stop too: in a group of their own, the terminal's Ctrl-C
 * does not reach them.
 */
const running = new Set<number>()
let exitHook = false
function watchExit(): void {
  if (exitHook) return
  exitHook = true
  process.once('exit', () => {
    for (const pid of running) signalGroup(pid, 'SIGTERM')
  })
}

/** Send `sig` to the process group `pid` leads: false when there is none left. */
function signalGroup(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, sig)
    return true
  } catch {
    return false
  }
}

const groupAlive = (pid: number) => signalGroup(pid, 0)

/** `exited with code 3`, `was ended by SIGKILL`: how a process ended. */
export function describeAppExit(exit: WorkerAppExit | undefined): string {
  if (typeof exit?.signal === 'string' && exit.signal) return `was ended by ${exit.signal}`
  if (typeof exit?.code === 'number') return `exited with code ${exit.code}`
  return 'exited'
}

/** `; its last stderr lines: "a" "b"`, redacted, on one line; nothing when there are none. */
export function stderrLinesText(lines: readonly unknown[]): string {
  return outputLinesText(lines, 'its last stderr lines')
}

/**
 * What an app that ended wrote last, to put after how it ended: `; its last stderr lines: "a" "b"; its last
 * stdout lines: "c"`, each redacted, on one line; nothing when it wrote nothing. Stdout too, always: an app
 * that logs there only (pino's default) says there why it ended, and the stack of an uncaught error goes to
 * stderr after the log lines that came before it.
 */
export function appOutputText(exit: WorkerAppExit | undefined): string {
  const lines = (l: unknown) => (Array.isArray(l) ? (l as unknown[]) : [])
  return outputLinesText(lines(exit?.stderr), 'its last stderr lines') + outputLinesText(lines(exit?.stdout), 'its last stdout lines')
}

/** `; <label>: "a" "b"`, the lines redacted and cut to MAX_LINE; nothing when there are none. */
function outputLinesText(lines: readonly unknown[], label: string): string {
  const shown = lines.filter((l): l is string => typeof l === 'string' && l.trim() !== '').map((l) => JSON.stringify(redactText(l.slice(0, MAX_LINE))))
  return shown.length ? `; ${label}: ${shown.join(' ')}` : ''
}

function givenUp(signal: AbortSignal, name: string): Error {
  return signal.reason instanceof Error ? signal.reason : new AbortedError(`the start of ${name} was given up`)
}
