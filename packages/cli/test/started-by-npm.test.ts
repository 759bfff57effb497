import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { REPO_ROOT, canConnect, freePort, waitForHttp } from '@venomqa/test-utils'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { CLI_BIN, type Project, cleanEnv, projectWithJourneys, waitUntil } from './helpers/project'

// npm 11 (npx, `npm run`) and pnpm run a package's bin through `sh -c`: the SIGTERM they forward (a CI
// job cancelled, `kill <npx pid>`) goes to that shell, which dies without passing it on. venomqa,
// orphaned, went on sending requests, then wrote results saying passed, not interrupted. Real npx and
// npm here, against a journey whose first request takes seconds.

let p: Project
let server: http.Server
let base: string
/** The paths the app was asked for, in order. */
const hits: string[] = []
/** The processes a test started (npx and what it started share its process group): ended after it. */
const started: ChildProcess[] = []
/**
 * How long /slow takes to answer. Long enough for a run that does not stop to be seen going on (its next
 * request), short enough for the test to end when it does.
 */
const SLOW_MS = 4_000
let slowMs = SLOW_MS
/** A file the app writes when /slow is asked for, when set: a shell can wait for the request to be under way. */
let slowMarker: string | undefined

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits.push(req.url ?? '')
    if (req.url === '/slow' && slowMarker) writeFileSync(slowMarker, '')
    const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    if (req.url === '/slow') setTimeout(answer, slowMs).unref()
    else answer()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  p = await projectWithJourneys({
    'slow.journey.mjs': [
      "import { journey, step } from '@venomqa/core'",
      "export default journey('slow', { steps: [step('wait', ({ http }) => http.get('/slow')), step('after', ({ http }) => http.get('/after'))] })",
      '',
    ].join('\n'),
  })
  // As `npm install` leaves it: the package's bin linked in node_modules/.bin, and a script that runs it.
  await writeFile(path.join(p.dir, 'package.json'), JSON.stringify({ name: 'npm-signals', private: true, scripts: { 'test:api': 'venomqa run' } }))
  await mkdir(path.join(p.dir, 'node_modules/.bin'), { recursive: true })
  await mkdir(path.join(p.dir, 'out'), { recursive: true })
  await symlink(CLI_BIN, path.join(p.dir, 'node_modules/.bin/venomqa'))
  // For `venomqa mail-catcher`, a plugin's command.
  await symlink(path.join(REPO_ROOT, 'packages/adapter-mailhog'), path.join(p.dir, 'node_modules/@venomqa/adapter-mailhog'), 'dir')
  // How venomqa's own process ended, which its orphaned process cannot tell the test otherwise.
  await writeFile(
    path.join(p.dir, 'exit-recorder.cjs'),
    "if (/(\\.bin\\/venomqa|cli\\/dist\\/bin\\.js)$/.test(process.argv[1] || '')) process.on('exit', (code) => require('node:fs').writeFileSync(process.env.EXIT_FILE, String(code)))\n",
  )
})
afterEach(() => {
  slowMs = SLOW_MS
  slowMarker = undefined
  for (const child of started.splice(0))
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch {}
})
afterAll(async () => {
  await p?.remove()
  await new Promise((resolve) => server?.close(resolve))
})

/** The environment of a CI shell: none of the npm_* variables of the package manager that runs these tests. */
function shellEnv(exitFile: string): NodeJS.ProcessEnv {
  const env = cleanEnv({ NODE_OPTIONS: `--require ${path.join(p.dir, 'exit-recorder.cjs')}`, EXIT_FILE: exitFile, CI: 'true' })
  for (const key of Object.keys(env)) if (key.toLowerCase().startsWith('npm_')) delete env[key]
  return env
}

/**
 * Start `command` in the project in a process group of its own (as `setsid`), with its output kept.
 * `exited` is when the command itself ends; `closed` when its output does, which is when whatever it
 * started and left behind (venomqa, orphaned) ends too.
 */
function launch(command: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(command, args, { cwd: p.dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  started.push(child)
  const out = { stdout: '', stderr: '' }
  child.stdout!.on('data', (d) => (out.stdout += d))
  child.stderr!.on('data', (d) => (out.stderr += d))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  const ended = new Promise<void>((resolve) => child.on('close', () => resolve()))
  /** Resolves once venomqa is gone too; rejects when it is still there after 20 s, as an orphan that went on. */
  const closed = () =>
    Promise.race([
      ended,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`venomqa still running 20 s later; it said:\n${out.stdout}\n${out.stderr}`)), 20_000).unref()),
    ])
  return { child, out, exited, closed }
}

const read = (file: string) => readFileSync(path.join(p.dir, file), 'utf8')

describe('venomqa started by npx or npm run, when only npm is sent SIGTERM', () => {
  it.each([
    ['npx', (save: string) => ['venomqa', 'run', '--base-url', base, '--save', save]],
    ['npm', (save: string) => ['run', 'test:api', '--', '--base-url', base, '--save', save]],
  ] as const)('%s killed: venomqa stops as on SIGTERM, rolls back, writes the results marked interrupted, exits 130', async (command, args) => {
    hits.length = 0
    const save = `out/${command}.json`
    const exitFile = path.join(p.dir, `out/${command}.exit`)
    const run = launch(command, [...args(save)], shellEnv(exitFile))
    await waitUntil(() => hits.includes('/slow') && run.out.stdout.includes('▶ slow'), 'the slow request to reach the app', 30_000)
    process.kill(run.child.pid!, 'SIGTERM')
    // npm exits at once (143): it does not wait for what it ran.
    await run.exited
    await run.closed()
    expect(run.out.stderr).toContain(
      `venomqa: ${command === 'npx' ? 'npx' : 'npm run test:api'}, which started it, is gone (npm, npx and pnpm run a package's bin through a shell, which does not pass a SIGTERM on): stopping as on SIGTERM\n`,
    )
    expect(run.out.stderr).toContain('venomqa: interrupted: finishing the current request, rolling back, writing reports')
    expect(run.out.stdout).toContain('Result: INTERRUPTED')
    expect(hits).not.toContain('/after')
    const saved = JSON.parse(read(save))
    expect([saved.status, saved.interrupted]).toEqual(['failed', true])
    expect(read(`out/${command}.exit`)).toBe('130')
  })

  it('the same for a watcher, its run under way: the run is interrupted, and the watcher exits 130', async () => {
    hits.length = 0
    const exitFile = path.join(p.dir, 'out/watch.exit')
    const run = launch('npx', ['venomqa', 'run', '--watch', '--base-url', base, '--save', 'out/watch.json'], shellEnv(exitFile))
    await waitUntil(() => hits.includes('/slow') && run.out.stdout.includes('▶ slow'), 'the slow request to reach the app', 30_000)
    process.kill(run.child.pid!, 'SIGTERM')
    await run.closed()
    expect(run.out.stderr).toContain('venomqa: npx, which started it, is gone')
    expect(hits).not.toContain('/after')
    expect(JSON.parse(read('out/watch.json')).interrupted).toBe(true)
    expect(read('out/watch.exit')).toBe('130')
  })

  it('the same for a plugin\'s command: `npx venomqa mail-catcher` stops and frees its ports', async () => {
    const [smtp, api] = [await freePort(), await freePort()]
    const exitFile = path.join(p.dir, 'out/mail.exit')
    const catcher = launch('npx', ['venomqa', 'mail-catcher', '--smtp-port', String(smtp), '--http-port', String(api)], shellEnv(exitFile))
    await waitForHttp(`http://127.0.0.1:${api}/api/v2/messages`, 30_000)
    process.kill(catcher.child.pid!, 'SIGTERM')
    await catcher.closed()
    expect(catcher.out.stderr).toContain('venomqa: npx, which started it, is gone')
    expect(read('out/mail.exit')).toBe('0')
    expect(await canConnect('127.0.0.1', smtp)).toBe(false)
    expect(await canConnect('127.0.0.1', api)).toBe(false)
  })

  it('npx and venomqa both sent SIGTERM (the process group): one interrupt, not a second that quits without the results', async () => {
    hits.length = 0
    const exitFile = path.join(p.dir, 'out/group.exit')
    const run = launch('npx', ['venomqa', 'run', '--base-url', base, '--save', 'out/group.json'], shellEnv(exitFile))
    await waitUntil(() => hits.includes('/slow') && run.out.stdout.includes('▶ slow'), 'the slow request to reach the app', 30_000)
    process.kill(-run.child.pid!, 'SIGTERM')
    await run.closed()
    // The shell npm ran it in died of the same signal: its going is no news.
    expect(run.out.stderr).not.toContain('which started it, is gone')
    expect(run.out.stderr).not.toContain('quitting now')
    expect(run.out.stdout).toContain('Result: INTERRUPTED')
    expect(JSON.parse(read('out/group.json')).interrupted).toBe(true)
    expect(read('out/group.exit')).toBe('130')
  })

  it('not started by npm: a run whose parent goes away on purpose (`venomqa run &` in a shell that exits) runs to its end', async () => {
    hits.length = 0
    // The shell exits once venomqa's first request is under way (the app marks it), and venomqa would see its
    // parent gone within 350 ms (npm-parent.ts) if it took that for npm's going: the request lasts well past
    // that, and the run is waited for. Exiting at once, before venomqa started, the shell left it no parent
    // to watch, and a venomqa that took any parent's going for npm's passed too.
    slowMs = 1_500
    slowMarker = path.join(p.dir, 'out/detached.slow')
    const exitFile = path.join(p.dir, 'out/detached.exit')
    const line = `"${process.execPath}" node_modules/.bin/venomqa run --base-url ${base} --save out/detached.json > out/detached.log 2>&1 & while [ ! -e out/detached.slow ]; do sleep 0.05; done`
    const shell = launch('sh', ['-c', line], shellEnv(exitFile))
    expect((await shell.exited).code).toBe(0)
    await waitUntil(() => existsSync(exitFile), 'the detached run to end', 30_000)
    expect(read('out/detached.exit')).toBe('0')
    expect(hits).toContain('/after')
    expect(JSON.parse(read('out/detached.json'))).toMatchObject({ status: 'passed', interrupted: false })
  })
})
