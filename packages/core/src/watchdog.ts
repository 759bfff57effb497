import type * as ChildProcesses from 'node:child_process'
import path from 'node:path'

/**
 * Runs in its own small Node process, one for every process that starts processes to guard, and talks with
 * it over an IPC channel: `guard` adds a process (with its grace period and folders), `release` forgets one.
 * The channel closes when the process that started it is gone, whatever the way (a killed test worker, a
 * SIGKILLed CLI, an OOM kill, where no exit handler runs, or a normal exit that left guarded processes
 * running): then it stops every guarded process still there (SIGTERM, SIGKILL after that process's grace
 * period), with the process group it leads where there are groups, removes their folders, and exits.
 * While its starter runs and it guards nothing, it waits for the next one. A guarded process that ended by
 * itself is never signalled after that (its id may be another process's by then); its folders still are
 * removed once the starter is gone, unless it was released.
 */
const SCRIPT = `
const GROUPS = process.platform !== 'win32'
const exists = (target) => { try { process.kill(target, 0); return true } catch (e) { return e.code === 'EPERM' } }
// The group it leads, where there are groups: a shell's or npm's child outlives the process it was started by.
const alive = (pid) => (GROUPS && exists(-pid)) || exists(pid)
const clean = (folders) => { for (const folder of folders) { try { require('node:fs').rmSync(folder, { recursive: true, force: true }) } catch {} } }
// The group, else the process alone (one that leads no group, or Windows, which has none).
const stop = (pid, sig) => { try { process.kill(GROUPS ? -pid : pid, sig) } catch { try { process.kill(pid, sig) } catch {} } }
// pid -> { grace, folders, ended }
const guarded = new Map()
let orphaned = false
// A guarded process that ended by itself is marked so, and never signalled again.
let sweep
const look = () => {
  for (const [pid, entry] of guarded) if (!entry.ended && !alive(pid)) { entry.ended = true; if (!entry.folders.length) guarded.delete(pid) }
  if (!guarded.size) { clearInterval(sweep); sweep = undefined }
}
process.on('message', (m) => {
  if (orphaned || !m || !Number.isInteger(m.pid) || m.pid <= 0) return
  if (m.op === 'release') guarded.delete(m.pid)
  if (m.op !== 'guard') return
  guarded.set(m.pid, { grace: Math.max(0, Number(m.grace) || 0), folders: Array.isArray(m.folders) ? m.folders.filter((f) => typeof f === 'string') : [], ended: false })
  sweep ??= setInterval(look, 500)
})
// The starter is gone: the channel closed, at once, however it ended.
process.on('disconnect', () => {
  orphaned = true
  clearInterval(sweep)
  const left = [...guarded]
  guarded.clear()
  let pending = left.length
  const done = () => { if (--pending <= 0) process.exit(0) }
  if (!pending) process.exit(0)
  for (const [pid, entry] of left) {
    if (entry.ended || !alive(pid)) { clean(entry.folders); done(); continue }
    stop(pid, 'SIGTERM')
    const deadline = Date.now() + entry.grace
    const wait = setInterval(() => {
      if (!alive(pid)) { clearInterval(wait); clean(entry.folders); done(); return }
      if (Date.now() < deadline) return
      clearInterval(wait)
      stop(pid, 'SIGKILL')
      setTimeout(() => { clean(entry.folders); done() }, 200)
    }, 100)
  }
})
`

export interface WatchdogOptions {
  /** How long the guarded process may take to end after SIGTERM before it is sent SIGKILL. Default 5 000 ms. */
  graceMs?: number
  /** Folders removed once the watchdog has stopped the guarded process (its own temporary root, say); relative ones from the working folder. */
  remove?: readonly string[]
}

/** What `startWatchdog` gives: the watchdog's process id, and how to make it forget the guarded process. */
export interface WatchdogGuard {
  /** The watchdog's process id: the same for every process this process guards. */
  readonly pid: number
  /**
   * The guarded process is stopped (or about to be, by this process): the watchdog forgets it, and neither
   * signals it nor removes its folders (this process removes them itself). Resolves once the watchdog has
   * been told (at most a second). Safe to call twice.
   */
  release(): Promise<void>
}

type Guard = (pid: number, graceMs: number, remove: string[]) => WatchdogGuard | null

/**
 * Shared by every copy of core loaded in this process (the ESM and the CommonJS build both, say): one
 * watchdog for all of them.
 */
const SHARED = Symbol.for('venomqa.watchdog.v1')

/**
 * Guard process `pid`, started by this process, with the watchdog of this process: a tiny detached Node
 * process (`node -e`), one for every process however many it guards, started at the first call. When this
 * process is gone without stopping `pid` (killed by a signal, where no exit handler runs, or exited while
 * `pid` still ran), it learns it at once (the IPC channel between them closes) and stops `pid`, with the
 * process group it leads on Linux and macOS (SIGTERM, SIGKILL after `graceMs`), removes `remove`, and
 * exits. It never holds this process's event loop, and a Ctrl-C typed at the terminal does not reach it
 * (a process group of its own, on POSIX). While this process runs it stays, also when it guards nothing:
 * an idle Node process costs some memory only, and a watchdog that ended by itself would race the next
 * guard sent to it. A watchdog killed by someone is started again at the next call, which guards again
 * every process not released. On Windows, which has no process groups, it stops `pid` alone. The result
 * is the watchdog's process id and `release()`, to call once `pid` is stopped; null where no watchdog
 * can be started.
 */
export function startWatchdog(pid: number, options: WatchdogOptions = {}): WatchdogGuard | null {
  if (!Number.isInteger(pid) || pid <= 0) return null
  const graceMs = Number.isFinite(options.graceMs) ? Math.max(0, options.graceMs!) : 5_000
  try {
    const remove = (options.remove ?? []).map((folder) => path.resolve(folder))
    const holder = globalThis as { [SHARED]?: Guard }
    holder[SHARED] ??= createGuard()
    return holder[SHARED](pid, graceMs, remove)
  } catch {
    return null
  }
}

interface Entry {
  readonly pid: number
  readonly graceMs: number
  readonly remove: string[]
}

/** This process's side of the watchdog: the processes it guards, and the watchdog, started when needed. */
function createGuard(): Guard {
  let dog: ChildProcesses.ChildProcess | undefined
  /** Guarded and not released: sent again to a watchdog started in place of one that was killed. */
  const entries = new Map<number, Entry>()
  const send = (child: ChildProcesses.ChildProcess, message: object, done?: () => void) => {
    try {
      // An error (the watchdog is gone) comes to the callback, not as an 'error' event.
      if (child.connected) child.send(message, () => done?.())
      else done?.()
    } catch {
      done?.()
    }
  }
  const start = (): ChildProcesses.ChildProcess | undefined => {
    // Loaded at first use: core is loaded by every command, and most never start a process.
    const { spawn } = process.getBuiltinModule('node:child_process') as typeof ChildProcesses
    // Detached, as the guarded process is: in the terminal's foreground group a Ctrl-C (or the terminal
    // closing) ended the watchdog with the run, and a run then killed outright left the process behind.
    // In the file system's root: a working folder it held could not be removed on Windows while it runs.
    const child = spawn(process.execPath, ['-e', SCRIPT], {
      cwd: path.parse(process.execPath).root,
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      serialization: 'json',
      windowsHide: true,
      detached: process.platform !== 'win32',
    })
    child.on('error', () => {})
    const gone = () => {
      if (dog === child) dog = undefined
    }
    child.once('exit', gone)
    child.once('disconnect', gone)
    // Neither the channel nor the process holds this process's event loop: it ends when it has nothing
    // else to do, and the channel closing is what tells the watchdog so.
    child.channel?.unref()
    child.unref()
    if (child.pid === undefined || !child.connected) return undefined
    for (const entry of entries.values()) send(child, { op: 'guard', pid: entry.pid, grace: entry.graceMs, folders: entry.remove })
    return child
  }
  return (pid, graceMs, remove) => {
    dog ??= start()
    const child = dog
    if (!child) return null
    const entry: Entry = { pid, graceMs, remove }
    entries.set(pid, entry)
    send(child, { op: 'guard', pid, grace: graceMs, folders: remove })
    let released: Promise<void> | undefined
    return {
      pid: child.pid!,
      release: () =>
        (released ??= new Promise<void>((resolve) => {
          // A later guard of the same pid (a process id used again) is that guard's to release.
          if (entries.get(pid) !== entry) return resolve()
          entries.delete(pid)
          if (!dog) return resolve()
          // Bounded, and holding the event loop while it waits: an await nothing holds ends the program early.
          const timer = setTimeout(resolve, 1_000)
          send(dog, { op: 'release', pid }, () => {
            clearTimeout(timer)
            resolve()
          })
        })),
    }
  }
}
