/**
 * A worker's app that does not get ready (a real process, started with startAppProcess). One that never
 * writes its ready line is told apart from a slow one when the create is given up at pluginTimeout: the
 * issue says what startAppProcess waited for and what the app wrote instead. Ctrl-C while a worker's app is still starting (a real process, started with startAppProcess, that takes
 * long to be ready): the run stops waiting at once and tells the create to stop, as at the timeout, so the
 * app is stopped then, not once it is ready or at pluginTimeout. The journey that waited for the worker
 * is interrupted, with no issue of its own.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { assertStatus, branch, checkpoint, journey, path as path_, startAppProcess, step } from '@venomqa/core'
import { type RunningProcess, processAlive as alive, startNodeProcess } from '@venomqa/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { createRunner } from '../src/index'

const APP = new URL('./fixtures/crashing-app.mjs', import.meta.url).pathname


describe('Ctrl-C while a worker is being made', () => {
  const apps: RunningProcess[] = []
  const dirs: string[] = []
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.stop()))
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })))
  })

  it('stops the app it is starting at once: the journey is interrupted, and no app is left', async () => {
    const main = await startNodeProcess(APP)
    apps.push(main)
    const dir = await mkdtemp(path.join(tmpdir(), 'venomqa-create-'))
    dirs.push(dir)
    const pidFile = path.join(dir, 'pid')
    const ctrlC = new AbortController()
    let createSignal: AbortSignal | undefined
    const runner = createRunner({
      baseUrl: main.url,
      workers: 2,
      // Past it, the create would be abandoned at the timeout instead: a critical issue on j2. Far above the
      // app's start (a node process on a loaded machine took over 5 s once), which Ctrl-C cuts short.
      pluginTimeout: 30_000,
      workerSetup: {
        create(_index, _main, signal) {
          createSignal = signal
          // An app still starting (its migrations, say): it writes down its pid and is not ready yet.
          return startAppProcess({
            command: [process.execPath, '-e', `require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`],
            signal,
          })
        },
      },
    })
    const lists = (name: string) => journey(name, { steps: [step('list', async ({ http }) => assertStatus(await http.get('/items'), 200))] })
    let result: Awaited<ReturnType<typeof runner.run>>
    let pid = 0
    try {
      const running = runner.run([lists('j1'), lists('j2')], { signal: ctrlC.signal })
      for (let tries = 0; !pid && tries < 400; tries++) pid = Number(await readFile(pidFile, 'utf8').catch(() => new Promise((r) => setTimeout(() => r('0'), 25))))
      expect(alive(pid)).toBe(true)
      ctrlC.abort()
      result = await running
    } finally {
      await runner.close()
    }
    expect(alive(pid)).toBe(false)
    expect(createSignal?.aborted).toBe(true)
    expect((createSignal?.reason as Error | undefined)?.message).toBe('workerSetup.create(1) was given up: the run was interrupted')
    expect(result.interrupted).toBe(true)
    const j2 = result.journeys.find((j) => j.name === 'j2')!
    expect(result.status).not.toBe('passed')
    // Not started, as a journey Ctrl-C comes before: skipped, interrupted, with no issue of its own.
    expect([j2.status, j2.worker, j2.issues]).toEqual(['skipped', 1, []])
    expect(runner.closeIssues).toEqual([])
  })
})

describe('Ctrl-C while the workers of parallel paths are being made', () => {
  const apps: RunningProcess[] = []
  const dirs: string[] = []
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.stop()))
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })))
  })

  it('stops the app at once, and the branch is interrupted with no issue of the worker setup', async () => {
    const main = await startNodeProcess(APP)
    apps.push(main)
    const dir = await mkdtemp(path.join(tmpdir(), 'venomqa-create-'))
    dirs.push(dir)
    const pidFile = path.join(dir, 'pid')
    const ctrlC = new AbortController()
    const runner = createRunner({
      baseUrl: main.url,
      parallelPaths: 2,
      // Far above the app's start, which Ctrl-C cuts short (see the test above).
      pluginTimeout: 30_000,
      workerSetup: {
        create: (_index, _main, signal) =>
          startAppProcess({
            command: [process.execPath, '-e', `require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`],
            signal,
          }),
      },
    })
    const list = (name: string) => path_(name, [step('list', async ({ http }) => assertStatus(await http.get('/items'), 200))])
    const branches = journey('j', { steps: [checkpoint('start'), branch('start', [list('a'), list('b')])] })
    let result: Awaited<ReturnType<typeof runner.run>>
    let pid = 0
    try {
      const running = runner.run([branches], { signal: ctrlC.signal })
      for (let tries = 0; !pid && tries < 400; tries++) pid = Number(await readFile(pidFile, 'utf8').catch(() => new Promise((r) => setTimeout(() => r('0'), 25))))
      expect(alive(pid)).toBe(true)
      ctrlC.abort()
      result = await running
    } finally {
      await runner.close()
    }
    expect(alive(pid)).toBe(false)
    expect(result.interrupted).toBe(true)
    expect(result.status).not.toBe('passed')
    expect(result.journeys[0]!.issues.filter((i) => i.severity === 'critical')).toEqual([])
    expect(runner.closeIssues).toEqual([])
  })
})

describe('a worker whose app never writes its ready line', () => {
  const apps: RunningProcess[] = []
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.stop()))
  })

  it('is given up at pluginTimeout, and the issue says which line was awaited and what the app wrote instead', async () => {
    const main = await startNodeProcess(APP)
    apps.push(main)
    const runner = createRunner({
      baseUrl: main.url,
      workers: 2,
      // Time for a node process to start and print its line on a loaded machine: the issue quotes it.
      pluginTimeout: 3_000,
      workerSetup: {
        create: (_index, _main, signal) =>
          startAppProcess({
            // It listens, but never says where (it names its database URL, password and all).
            command: [
              process.execPath,
              '-e',
              "const s = require('node:http').createServer((q, r) => r.end('ok')); s.listen(0, '127.0.0.1', () => console.log('Server started, db postgres://app:hunter2@db/app'))",
            ],
            signal,
          }),
      },
    })
    const lists = (name: string) => journey(name, { steps: [step('list', async ({ http }) => assertStatus(await http.get('/items'), 200))] })
    let result: Awaited<ReturnType<typeof runner.run>>
    try {
      result = await runner.run([lists('j1'), lists('j2')])
    } finally {
      await runner.close()
    }
    expect(result.status).toBe('failed')
    const j2 = result.journeys.find((j) => j.name === 'j2')!
    expect(j2.worker).toBe(1)
    expect(j2.issues.map((i) => i.error)).toEqual([
      expect.stringMatching(
        /^worker 1 could not be made, so the journey did not run: workerSetup\.create\(1\) timed out after 3000 ms \(pluginTimeout\); worker 1 is not used again in this run; \S+ -e .* was still starting: no line it wrote named a port that answers HTTP \(such as "listening on http:\/\/127\.0\.0\.1:4712", "listening on 4712" or "started on port 4712": give startAppProcess a `ready` pattern for another line\); the last lines it wrote: "Server started, db postgres:\/\/app:\*\*\*@db\/app"$/,
      ),
    ])
    expect(runner.closeIssues).toEqual([])
  })
})
