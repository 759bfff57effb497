/**
 * startAppProcess's watchdog: a process that started apps and died without running any handler of its own
 * (SIGKILL, an OOM kill, a killed test worker) leaves no app behind. One watchdog guards every app a process
 * starts: close() makes it forget that app, and it ends once its starter is gone. The apps are started from
 * a separate Node process, through core's build (dist).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { processAlive as alive } from '@venomqa/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { type AppProcess, startAppProcess } from '../src/index'

/** An app that listens on a free port and says where (SIGTERM ends it); `more` runs after that. */
const listening = (more = '') =>
  `require('node:http').createServer((q, r) => r.end('ok')).listen(0, '127.0.0.1', function () { console.log('app listening on http://127.0.0.1:' + this.address().port); ${more} })`
const APP = listening()
/** What a script gives startAppProcess for an app. */
const START = `{ command: [process.execPath, '-e', ${JSON.stringify(APP)}], killAfterMs: 1000 }`
/** A process that runs until it is stopped, in a group of its own as startAppProcess starts an app. */
const SLEEPER = `require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore', detached: true })`

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Wait until none of `pids` is alive, or `ms` passed. */
async function gone(pids: number[], ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (pids.some(alive) && Date.now() < deadline) await sleep(50)
}

describe('startAppProcess watchdog', () => {
  /** Every pid a test started (the script, the apps, the watchdog): killed after it, if still there. */
  const pids: number[] = []
  const apps: AppProcess[] = []
  const scripts: ChildProcess[] = []
  const folders: string[] = []
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()))
    for (const s of scripts.splice(0)) if (s.exitCode === null && s.signalCode === null) s.kill('SIGKILL')
    for (const pid of pids.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL')
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true })
  })

  /**
   * Run `body` in a Node process of its own, with core's build as `core` and `say(value)` to print a JSON
   * line; `next()` is its next line, parsed. Its stdin is a pipe the test can write to.
   */
  function starter(body: string) {
    const core = JSON.stringify(new URL('../dist/index.js', import.meta.url).pathname)
    const script = `const say = (v) => console.log(JSON.stringify(v)); import(${core}).then(async (core) => { ${body} })`
    const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'pipe'] })
    scripts.push(child)
    pids.push(child.pid!)
    let out = ''
    let err = ''
    child.stdout!.on('data', (d) => (out += d))
    child.stderr!.on('data', (d) => (err += d))
    let read = 0
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    const next = async <T = Record<string, number>>(): Promise<T> => {
      const deadline = Date.now() + 30_000
      while (out.split('\n').length - 1 <= read && child.exitCode === null && Date.now() < deadline) await sleep(50)
      const line = out.split('\n')[read]
      if (line === undefined || !line.trim()) throw new Error(`the script printed no line ${read + 1}: ${err || '(no stderr)'}`)
      read++
      const value = JSON.parse(line) as T
      for (const v of Object.values(value as object)) if (typeof v === 'number' && v > 0) pids.push(v)
      return value
    }
    /** SIGKILL: no handler of its own runs. */
    const kill = async () => {
      child.kill('SIGKILL')
      await exited
    }
    return { child, next, kill, exited, stderr: () => err }
  }

  it('an app whose starter is killed outright (no exit handler runs) is stopped, and the watchdog ends too', async () => {
    const run = starter(`const app = await core.startAppProcess(${START}); say({ pid: app.pid, dog: app.watchdogPid ?? 0 }); setInterval(() => {}, 1000)`)
    const { pid, dog } = await run.next()
    expect(alive(pid!)).toBe(true)
    expect(dog).toBeGreaterThan(0)
    await run.kill()
    // It learns at once that its starter is gone; the app ends at its SIGTERM.
    await gone([pid!, dog!], 5000)
    expect(alive(pid!)).toBe(false)
    expect(alive(dog!)).toBe(false)
  })

  it('two apps started by one process share one watchdog, and that process killed outright stops both', async () => {
    const run = starter(`
      const a = await core.startAppProcess(${START})
      const b = await core.startAppProcess(${START})
      say({ a: a.pid, b: b.pid, dogA: a.watchdogPid ?? 0, dogB: b.watchdogPid ?? 0 })
      setInterval(() => {}, 1000)`)
    const { a, b, dogA, dogB } = await run.next()
    expect(dogA).toBeGreaterThan(0)
    expect(dogB).toBe(dogA)
    expect([a, b].map((p) => alive(p!))).toEqual([true, true])
    await run.kill()
    await gone([a!, b!, dogA!], 5000)
    expect([a, b, dogA].map((p) => alive(p!))).toEqual([false, false, false])
  })

  it('close() of one app leaves the other guarded: the starter killed after it still stops the other', async () => {
    const run = starter(`
      const a = await core.startAppProcess(${START})
      const b = await core.startAppProcess(${START})
      await a.close()
      say({ a: a.pid, b: b.pid, dog: b.watchdogPid ?? 0 })
      setInterval(() => {}, 1000)`)
    const { a, b, dog } = await run.next()
    expect(alive(a!)).toBe(false)
    expect(alive(b!)).toBe(true)
    // The other's watchdog: the one close() did not end.
    expect(alive(dog!)).toBe(true)
    await run.kill()
    await gone([b!, dog!], 5000)
    expect(alive(b!)).toBe(false)
    expect(alive(dog!)).toBe(false)
  })

  it('after both apps are closed the watchdog stays while its starter runs, and that starter killed leaves no process behind', async () => {
    const run = starter(`
      const a = await core.startAppProcess(${START})
      const b = await core.startAppProcess(${START})
      await Promise.all([a.close(), b.close()])
      say({ a: a.pid, b: b.pid, dog: a.watchdogPid ?? 0 })
      setInterval(() => {}, 1000)`)
    const { a, b, dog } = await run.next()
    expect([a, b].map((p) => alive(p!))).toEqual([false, false])
    // Guarding nothing, it waits for the next app (cheap), rather than end and be started again.
    expect(alive(dog!)).toBe(true)
    await run.kill()
    await gone([dog!], 3000)
    expect(alive(dog!)).toBe(false)
  })

  it('a starter whose apps are closed or ended on their own ends by itself: the watchdog does not hold it, and ends with it', async () => {
    const run = starter(`
      const a = await core.startAppProcess(${START})
      const b = await core.startAppProcess({ command: [process.execPath, '-e', ${JSON.stringify(listening('setTimeout(() => process.exit(0), 200)'))}] })
      say({ a: a.pid, b: b.pid, dog: a.watchdogPid ?? 0 })
      await a.close()
      await b.exited`)
    const { a, b, dog } = await run.next()
    const deadline = Date.now() + 10_000
    while (run.child.exitCode === null && Date.now() < deadline) await sleep(50)
    expect(run.child.exitCode, run.stderr()).toBe(0)
    await gone([a!, b!, dog!], 3000)
    expect([a, b, dog].map((p) => alive(p!))).toEqual([false, false, false])
  })

  it('a watchdog killed is started again at the next start, and guards the earlier apps too', async () => {
    const run = starter(`
      const a = await core.startAppProcess(${START})
      say({ a: a.pid, dog: a.watchdogPid ?? 0 })
      process.stdin.once('data', async () => {
        const b = await core.startAppProcess(${START})
        say({ b: b.pid, dog: b.watchdogPid ?? 0 })
      })
      setInterval(() => {}, 1000)`)
    const first = await run.next()
    process.kill(first.dog!, 'SIGKILL')
    await gone([first.dog!], 3000)
    run.child.stdin!.write('go\n')
    const second = await run.next()
    expect(second.dog).toBeGreaterThan(0)
    expect(second.dog).not.toBe(first.dog)
    await run.kill()
    await gone([first.a!, second.b!, second.dog!], 5000)
    expect([first.a, second.b, second.dog].map((p) => alive(p!))).toEqual([false, false, false])
  })

  it('startWatchdog: release() forgets a process, which the starter killed then leaves running', async () => {
    const run = starter(`
      const s = ${SLEEPER}
      s.unref()
      say({ s: s.pid })
      const guard = core.startWatchdog(s.pid, { graceMs: 500 })
      await guard.release()
      say({ dog: guard.pid })
      setInterval(() => {}, 1000)`)
    const { s } = await run.next()
    const { dog } = await run.next()
    await run.kill()
    await gone([dog!], 3000)
    expect(alive(dog!)).toBe(false)
    expect(alive(s!)).toBe(true)
  })

  it('startWatchdog: a starter that exits as usual, leaving a guarded process running, has it stopped and its folders removed', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'venomqa-watchdog-'))
    folders.push(folder)
    const run = starter(`
      const s = ${SLEEPER}
      s.unref()
      say({ s: s.pid })
      const guard = core.startWatchdog(s.pid, { graceMs: 500, remove: [${JSON.stringify(folder)}] })
      say({ dog: guard.pid })`)
    const { s } = await run.next()
    const { dog } = await run.next()
    await run.exited
    expect(run.child.exitCode, run.stderr()).toBe(0)
    await gone([s!, dog!], 5000)
    expect(alive(s!)).toBe(false)
    expect(alive(dog!)).toBe(false)
    const deadline = Date.now() + 2000
    while (existsSync(folder) && Date.now() < deadline) await sleep(50)
    expect(existsSync(folder)).toBe(false)
  })

  it('apps started by this process share its one watchdog, which stays for the next once they are closed', async () => {
    const a = await startAppProcess({ command: [process.execPath, '-e', APP] })
    apps.push(a)
    pids.push(a.pid)
    const b = await startAppProcess({ command: [process.execPath, '-e', APP] })
    apps.push(b)
    pids.push(b.pid)
    expect(a.watchdogPid).toBeGreaterThan(0)
    expect(b.watchdogPid).toBe(a.watchdogPid)
    await Promise.all([a.close(), b.close()])
    expect([a.pid, b.pid].map(alive)).toEqual([false, false])
    expect(alive(a.watchdogPid!)).toBe(true)
  })

  it('watchdog: false starts none', async () => {
    const app = await startAppProcess({ command: [process.execPath, '-e', APP], watchdog: false })
    apps.push(app)
    pids.push(app.pid)
    expect(app.watchdogPid).toBeUndefined()
  })
})
