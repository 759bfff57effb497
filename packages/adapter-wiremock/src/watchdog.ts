import { type ChildProcess, spawn } from 'node:child_process'

/**
 * Runs in its own small Node process: when the process that started WireMock is gone (its parent id
 * changed: a killed test worker, a SIGKILLed CLI), it stops Java (SIGTERM, SIGKILL after the grace period)
 * and removes WireMock's root folder. It ends by itself once Java has exited.
 */
const SCRIPT = `
const [java, grace, root] = [Number(process.argv[1]), Number(process.argv[2]), process.argv[3]]
const parent = process.ppid
const alive = (pid) => { try { process.kill(pid, 0); return true } catch (e) { return e.code === 'EPERM' } }
const clean = () => { try { require('node:fs').rmSync(root, { recursive: true, force: true }) } catch {} }
// Java leads a process group of its own where there are groups: the group, else Java alone.
const stop = (sig) => { try { process.kill(process.platform === 'win32' ? java : -java, sig) } catch { try { process.kill(java, sig) } catch {} } }
const timer = setInterval(() => {
  if (!alive(java)) { clearInterval(timer); return }
  if (process.ppid === parent) return
  clearInterval(timer)
  stop('SIGTERM')
  const deadline = Date.now() + grace
  const wait = setInterval(() => {
    if (!alive(java)) { clearInterval(wait); clean(); return }
    if (Date.now() > deadline) { stop('SIGKILL'); clearInterval(wait); setTimeout(clean, 200) }
  }, 100)
}, 300)
`

/** Start the watchdog for a Java process; null where it cannot run. Never holds the caller's event loop. */
export function startWatchdog(javaPid: number, root: string, graceMs: number): ChildProcess | null {
  try {
    // Detached, as Java is: in the terminal's foreground group a Ctrl-C (or the terminal closing) ended
    // the watchdog with the run, and a run then killed outright left Java behind.
    const dog = spawn(process.execPath, ['-e', SCRIPT, String(javaPid), String(graceMs), root], { stdio: 'ignore', windowsHide: true, detached: process.platform !== 'win32' })
    dog.on('error', () => {})
    dog.unref()
    return dog
  } catch {
    return null
  }
}
