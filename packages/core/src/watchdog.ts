import type * as ChildProcesses from 'node:child_process'
import path from 'node:path'

/**
 * Runs in its own small Node process: when the process that started it is gone (its parent id changed: a
 * killed test worker, a SIGKILLed CLI, an OOM kill, where no exit handler runs), it stops the guarded
 * process (SIGTERM, SIGKILL after the grace period), with the process group it leads where there are
 * groups, and removes the folders it was given. It ends by itself once nothing of the guarded process is
 * left, also while its parent still runs.
 */
const SCRIPT = `
const [pid, grace, folders] = [Number(process.argv[1]), Number(process.argv[2]), JSON.parse(process.argv[3] || '[]')]
const parent = process.ppid
const GROUPS = process.platform !== 'win32'
const exists = (target) => { try { process.kill(target, 0); return true } catch (e) { return e.code === 'EPERM' } }
// The group it leads, where there are groups: a shell's or npm's child outlives the process it was started by.
const alive = () => (GROUPS && exists(-pid)) || exists(pid)
const clean = () => { for (const folder of folders) { try { require('node:fs').rmSync(folder, { recursive: true, force: true }) } catch {} } }
// The group, else the process alone (one that leads no group, or Windows, which has none).
const stop = (sig) => { try { process.kill(GROUPS ? -pid : pid, sig) } catch { try { process.kill(pid, sig) } catch {} } }
const timer = setInterval(() => {
  if (!alive()) { clearInterval(timer); return }
  if (process.ppid === parent) return
  clearInterval(timer)
  stop('SIGTERM')
  const deadline = Date.now() + grace
  const wait = setInterval(() => {
    if (!alive()) { clearInterval(wait); clean(); return }
    if (Date.now() > deadline) { stop('SIGKILL'); clearInterval(wait); setTimeout(clean, 200) }
  }, 100)
}, 300)
`

export interface WatchdogOptions {
  /** How long the guarded process may take to end after SIGTERM before it is sent SIGKILL. Default 5 000 ms. */
  graceMs?: number
  /** Folders removed once the watchdog has stopped the guarded process (its own temporary root, say); relative ones from the working folder. */
  remove?: readonly string[]
}

/**
 * Start a watchdog for process `pid`, started by this process: a tiny detached Node process (`node -e`)
 * that, when this process dies without stopping `pid` (killed by a signal, where no exit handler runs),
 * stops it, with the process group it leads on Linux and macOS (SIGTERM, SIGKILL after `graceMs`), and
 * removes `remove`. It ends by itself once `pid` (and its group) has ended. It never holds this process's
 * event loop, and a Ctrl-C typed at the terminal does not reach it (a process group of its own, on POSIX).
 * On Windows, which has no process groups, it stops `pid` alone. The result is the watchdog's process (kill
 * it once `pid` is stopped, to be rid of it at once), or null where it cannot be started.
 */
export function startWatchdog(pid: number, options: WatchdogOptions = {}): ChildProcesses.ChildProcess | null {
  if (!Number.isInteger(pid) || pid <= 0) return null
  const graceMs = Number.isFinite(options.graceMs) ? Math.max(0, options.graceMs!) : 5_000
  try {
    // Loaded at first use: core is loaded by every command, and most never start a process.
    const { spawn } = process.getBuiltinModule('node:child_process') as typeof ChildProcesses
    const remove = (options.remove ?? []).map((folder) => path.resolve(folder))
    // Detached, as the guarded process is: in the terminal's foreground group a Ctrl-C (or the terminal
    // closing) ended the watchdog with the run, and a run then killed outright left the process behind.
    // In the file system's root: a working folder it held could not be removed on Windows while it runs.
    const dog = spawn(process.execPath, ['-e', SCRIPT, String(pid), String(graceMs), JSON.stringify(remove)], {
      cwd: path.parse(process.execPath).root,
      stdio: 'ignore',
      windowsHide: true,
      detached: process.platform !== 'win32',
    })
    dog.on('error', () => {})
    dog.unref()
    return dog
  } catch {
    return null
  }
}
