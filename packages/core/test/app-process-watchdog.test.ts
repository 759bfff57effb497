/**
 * startAppProcess's watchdog: a process that started an app and died without running any handler of its
 * own (SIGKILL, an OOM kill, a killed test worker) leaves no app behind, and an app closed as usual leaves
 * no watchdog behind. The app is started from a separate Node process, through core's build (dist).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { processAlive as alive } from '@venomqa/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { type AppProcess, startAppProcess } from '../src/index'

/** An app that listens on a free port and says where (SIGTERM ends it); `more` runs after that. */
const listening = (more = '') =>
  `require('node:http').createServer((q, r) => r.end('ok')).listen(0, '127.0.0.1', function () { console.log('app listening on http://127.0.0.1:' + this.address().port); ${more} })`
const APP = listening()

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Wait until none of `pids` is alive, or `ms` passed. */
async function gone(pids: number[], ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (pids.some(alive) && Date.now() < deadline) await sleep(50)
}

describe('startAppProcess watchdog', () => {
  /** Every pid a test started (the script, the app, the watchdog): killed after it, if still there. */
  const pids: number[] = []
  const apps: AppProcess[] = []
  const scripts: ChildProcess[] = []
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()))
    for (const s of scripts.splice(0)) if (s.exitCode === null && s.signalCode === null) s.kill('SIGKILL')
    for (const pid of pids.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL')
  })

  it('an app whose starter is killed outright (no exit handler runs) is stopped, and the watchdog ends too', async () => {
    const core = JSON.stringify(new URL('../dist/index.js', import.meta.url).pathname)
    // Started as a run starts its worker apps, then left running until it is killed.
    const script = `import(${core}).then(async ({ startAppProcess }) => {
      const app = await startAppProcess({ command: [process.execPath, '-e', ${JSON.stringify(APP)}], killAfterMs: 1000 })
      console.log(JSON.stringify({ pid: app.pid, dog: app.watchdogPid ?? null }))
      setInterval(() => {}, 1000)
    })`
    const starter = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] })
    scripts.push(starter)
    pids.push(starter.pid!)
    let out = ''
    let err = ''
    starter.stdout!.on('data', (d) => (out += d))
    starter.stderr!.on('data', (d) => (err += d))
    const deadline = Date.now() + 30_000
    while (!out.includes('\n') && starter.exitCode === null && Date.now() < deadline) await sleep(50)
    const started = JSON.parse(out.split('\n')[0] || 'null') as { pid: number; dog: number | null } | null
    expect(started, err).not.toBeNull()
    const { pid, dog } = started!
    pids.push(pid)
    if (dog) pids.push(dog)
    expect(alive(pid)).toBe(true)

    const ended = new Promise<void>((resolve) => starter.once('exit', () => resolve()))
    starter.kill('SIGKILL')
    await ended
    // The watchdog polls its parent a few times a second; the app ends at its SIGTERM.
    await gone([pid], 5000)
    expect(alive(pid)).toBe(false)
    expect(dog).toBeGreaterThan(0)
    await gone([dog!], 3000)
    expect(alive(dog!)).toBe(false)
  })

  it('close() leaves no watchdog behind: it ends with the app', async () => {
    const app = await startAppProcess({ command: [process.execPath, '-e', APP] })
    apps.push(app)
    pids.push(app.pid)
    const dog = app.watchdogPid
    expect(dog).toBeGreaterThan(0)
    pids.push(dog!)
    expect(alive(dog!)).toBe(true)
    await app.close()
    expect(alive(app.pid)).toBe(false)
    expect(alive(dog!)).toBe(false)
  })

  it('an app that ends on its own takes its watchdog with it', async () => {
    const app = await startAppProcess({ command: [process.execPath, '-e', listening('setTimeout(() => process.exit(0), 200)')] })
    apps.push(app)
    pids.push(app.pid)
    const dog = app.watchdogPid!
    expect(dog).toBeGreaterThan(0)
    pids.push(dog)
    await app.exited
    await gone([dog], 3000)
    expect(alive(dog)).toBe(false)
  })

  it('watchdog: false starts none', async () => {
    const app = await startAppProcess({ command: [process.execPath, '-e', APP], watchdog: false })
    apps.push(app)
    pids.push(app.pid)
    expect(app.watchdogPid).toBeUndefined()
  })
})
