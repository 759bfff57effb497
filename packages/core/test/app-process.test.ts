/**
 * startAppProcess with real processes (small node scripts): where the app listens, how it is stopped, what
 * `exited` says when it ends on its own, and a start given up through its signal leaving no process.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { processAlive as alive } from '@venomqa/test-utils'
import { AbortedError, type AppProcess, appOutputText, startAppProcess } from '../src/index'

/** A node script as an app's command. */
const node = (script: string) => [process.execPath, '-e', script]

/** An app that listens on a free port and says where; `more` runs after that. */
const listening = (more = '') =>
  node(`const s = require('node:http').createServer((q, r) => r.end('ok')); s.listen(0, '127.0.0.1', () => { console.log('app listening on http://127.0.0.1:' + s.address().port); ${more} })`)


describe('startAppProcess', () => {
  const started: AppProcess[] = []
  afterEach(async () => {
    await Promise.all(started.splice(0).map((a) => a.close()))
  })

  it('gives the base URL the app prints, answers there, and close() stops it: exited says how', async () => {
    const app = await startAppProcess({ command: listening() })
    started.push(app)
    expect(app.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(await (await fetch(app.baseUrl)).text()).toBe('ok')
    await app.close()
    expect(alive(app.pid)).toBe(false)
    expect(await app.exited).toMatchObject({ code: null, signal: 'SIGTERM', stderr: [], stdout: [expect.stringMatching(/^app listening on http:/)] })
  })

  it('takes a port for the base URL, from a pattern of its own', async () => {
    const app = await startAppProcess({
      command: node(`const s = require('node:http').createServer((q, r) => r.end('ok')); s.listen(0, '127.0.0.1', () => console.error('ready on port ' + s.address().port))`),
      ready: /ready on port (\d+)/,
    })
    started.push(app)
    expect(await (await fetch(app.baseUrl)).text()).toBe('ok')
  })

  it('exited gives the exit code and the last stderr and stdout lines of an app that ends on its own', async () => {
    const app = await startAppProcess({
      command: listening(`setTimeout(() => { console.log('{"level":50,"msg":"queue gone"}'); console.error('one'); console.error('two'); console.error('three'); process.exit(7) }, 50)`),
      stderrLines: 2,
    })
    started.push(app)
    const exit = await app.exited
    // Stdout too: an app that logs there (pino's default) says there why it ended.
    expect(exit).toEqual({ code: 7, signal: null, stderr: ['two', 'three'], stdout: [expect.stringMatching(/^app listening on http:/), '{"level":50,"msg":"queue gone"}'] })
    expect(appOutputText(exit)).toBe(`; its last stderr lines: "two" "three"; its last stdout lines: ${JSON.stringify(exit.stdout![0])} ${JSON.stringify('{"level":50,"msg":"queue gone"}')}`)
  })

  it('rejects with the exit code and the last stderr lines, redacted, when the app ends before it is ready', async () => {
    const start = startAppProcess({ command: node(`console.error('cannot reach postgres://app:hunter2@db/app'); process.exit(2)`) })
    await expect(start).rejects.toThrow(/ exited with code 2 before it was ready; its last stderr lines: "cannot reach postgres:\/\/app:\*\*\*@db\/app"$/)
  })

  it('an app that never names its port is stopped at readyTimeoutMs, with what was awaited and what it wrote instead', async () => {
    const start = startAppProcess({
      command: node(`require('node:http').createServer().listen(0, '127.0.0.1', function () { console.log('Server started') })`),
      readyTimeoutMs: 500,
    })
    await expect(start).rejects.toThrow(
      /did not say it was ready within 500 ms: no line it wrote named a port that answers HTTP \(such as "listening on http:\/\/127\.0\.0\.1:4712", "listening on 4712" or "started on port 4712": give startAppProcess a `ready` pattern for another line\); the last lines it wrote: "Server started"$/,
    )
  })

  it('an app that names its port in words of its own (a bare port, "on port N") is ready once that port answers HTTP there', async () => {
    for (const say of [`'listening on ' + s.address().port`, `'Server started on port ' + s.address().port`, `'App running at port ' + s.address().port + ' (pid ' + process.pid + ')'`]) {
      const app = await startAppProcess({
        command: node(`const s = require('node:http').createServer((q, r) => r.end('ok')); s.listen(0, '127.0.0.1', () => console.log(${say}))`),
        readyTimeoutMs: 30_000,
      })
      started.push(app)
      expect(app.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(await (await fetch(app.baseUrl)).text()).toBe('ok')
    }
  })

  it('a port named that nothing answers HTTP at is not taken for the app\'s: the message says so first', async () => {
    // A port that was free a moment ago, named before anything listens there (and nothing does).
    const start = startAppProcess({
      command: node(`const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { const port = s.address().port; s.close(() => console.log('Server started on port ' + port)); setInterval(() => {}, 1000) })`),
      readyTimeoutMs: 500,
    })
    await expect(start).rejects.toThrow(
      /did not say it was ready within 500 ms: it wrote "Server started on port (\d+)", but nothing answered HTTP at http:\/\/127\.0\.0\.1:\1 \(the last try: connection refused\); no line it wrote named a port that answers HTTP /,
    )
  })

  it('with a `ready` of its own, a line that names the port the app listens at but that the pattern does not take is named first in the message', async () => {
    const start = startAppProcess({
      command: node(`const s = require('node:http').createServer((q, r) => r.end('ok')); s.listen(0, '127.0.0.1', () => console.log('listening on ' + s.address().port))`),
      ready: /Ready at (\S+)/,
      readyTimeoutMs: 500,
    })
    await expect(start).rejects.toThrow(
      /did not say it was ready within 500 ms: it wrote "listening on \d+", which names a port, but `ready` \/Ready at \(\\S\+\)\/ does not take it \(change `ready` to take that line, or leave `ready` out: a line naming a port that answers HTTP is taken then\); no line it wrote matched \/Ready at /,
    )
  })

  it('an app that says why it failed on stdout alone (a JSON logger) rejects with those lines, redacted', async () => {
    const start = startAppProcess({ command: node(`console.log(JSON.stringify({ level: 60, msg: 'no table users in postgres://app:hunter2@db/app' })); process.exit(1)`) })
    const line = JSON.stringify({ level: 60, msg: 'no table users in postgres://app:***@db/app' })
    const error = await start.then(() => undefined, (err: Error) => err.message)
    expect(error).toMatch(/ exited with code 1 before it was ready; its last stdout lines: /)
    expect(error?.endsWith(`its last stdout lines: ${JSON.stringify(line)}`)).toBe(true)
  })

  it('a start given up through its signal stops the app and rejects with the reason: no process is left', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'venomqa-app-'))
    const pidFile = path.join(dir, 'pid')
    try {
      const giveUp = new AbortController()
      // Never ready: it writes down its pid and waits.
      const start = startAppProcess({ command: node(`require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`), signal: giveUp.signal })
      void start.catch(() => {})
      let pid = 0
      for (let tries = 0; !pid && tries < 200; tries++) pid = Number(await readFile(pidFile, 'utf8').catch(() => new Promise((r) => setTimeout(() => r('0'), 50))))
      expect(alive(pid)).toBe(true)
      giveUp.abort(new AbortedError('the run gave the create up'))
      await expect(start).rejects.toThrow('the run gave the create up')
      // Stopped before the start rejected: nothing is left once the caller hears of it.
      expect(alive(pid)).toBe(false)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('close() stops what the app started too: the child a shell line starts is not left running', async () => {
    // The shell starts the app as a child of its own (the `; true` keeps the shell from handing itself over).
    // It answers with its pid.
    const inner = `const s = require('node:http').createServer((q, r) => r.end(String(process.pid))); s.listen(0, '127.0.0.1', () => console.log('app listening on http://127.0.0.1:' + s.address().port))`
    const app = await startAppProcess({ command: ['sh', '-c', `'${process.execPath}' -e "${inner}"; true`] })
    started.push(app)
    const innerPid = Number(await (await fetch(app.baseUrl)).text())
    try {
      expect(innerPid).not.toBe(app.pid)
      expect(alive(innerPid)).toBe(true)
      await app.close()
      expect(alive(app.pid)).toBe(false)
      expect(alive(innerPid)).toBe(false)
    } finally {
      if (alive(innerPid)) process.kill(innerPid, 'SIGKILL')
    }
  })

  it('an app not stopped when this process exits (a second Ctrl-C quits at once) is stopped with it', async () => {
    // A parent that starts the app and exits without closing it, as the CLI does on a second Ctrl-C.
    const core = JSON.stringify(new URL('../dist/index.js', import.meta.url).pathname)
    const parent = `import(${core}).then(async ({ startAppProcess }) => {
      const app = await startAppProcess({ command: [process.execPath, '-e', "require('node:http').createServer().listen(0, '127.0.0.1', function () { console.log('listening on http://127.0.0.1:' + this.address().port) })"] })
      console.log('app pid ' + app.pid)
      process.exit(0)
    })`
    const { execFile } = await import('node:child_process')
    const out = await new Promise<string>((resolve, reject) => execFile(process.execPath, ['-e', parent], (err, stdout) => (err ? reject(err) : resolve(stdout))))
    const pid = Number(/app pid (\d+)/.exec(out)?.[1])
    expect(pid).toBeGreaterThan(0)
    try {
      for (let tries = 0; alive(pid) && tries < 100; tries++) await new Promise((r) => setTimeout(r, 50))
      expect(alive(pid)).toBe(false)
    } finally {
      if (alive(pid)) process.kill(pid, 'SIGKILL')
    }
  })

  it('a start whose signal was aborted already starts nothing', async () => {
    const giveUp = new AbortController()
    giveUp.abort(new AbortedError('given up before it began'))
    await expect(startAppProcess({ command: listening(), signal: giveUp.signal })).rejects.toThrow('given up before it began')
  })

  it('refuses a command that is not a list of strings, and says when the program cannot be started', async () => {
    await expect(startAppProcess({ command: 'node server.js' as never })).rejects.toThrow('startAppProcess: `command` must be the program and its arguments')
    // A pattern with no group would match the app's line and still never give its URL: a wait to the timeout.
    await expect(startAppProcess({ command: node("console.log('Server started'); process.exit(0)"), ready: /Server started/ })).rejects.toThrow(
      'startAppProcess: `ready` /Server started/ has no group: put the base URL or the port in parentheses, such as /started on port (\\d+)/',
    )
    await expect(startAppProcess({ command: ['/nonexistent/venomqa-app'] })).rejects.toThrow(
      `command: the program "/nonexistent/venomqa-app" was not found (not on PATH, nor a file relative to ${process.cwd()})`,
    )
  })

  it('a program not found, and a cwd that is not there, are the caller\'s mistakes (ConfigError), each naming its option, not a raw ENOENT', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'venomqa-app-'))
    try {
      const notFound = await startAppProcess({ command: ['venomqa-no-such-program', 'serve'], cwd: dir }).then(() => undefined, (err: Error) => err)
      expect(notFound).toMatchObject({ name: 'ConfigError', where: 'command' })
      expect(notFound?.message).toBe(`command: the program "venomqa-no-such-program" was not found (not on PATH, nor a file relative to ${dir})`)
      const noDir = await startAppProcess({ command: node('1'), cwd: path.join(dir, 'gone') }).then(() => undefined, (err: Error) => err)
      expect(noDir).toMatchObject({ name: 'ConfigError', where: 'cwd' })
      expect(noDir?.message).toBe(`cwd: the directory ${path.join(dir, 'gone')} does not exist`)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('an app that ends before it is ready is shown by its last stderr and stdout lines both: many log their fatal error to stdout', async () => {
    const start = startAppProcess({ command: node(`console.log('fatal: no DATABASE_URL'); console.error('npm ERR! code 1'); process.exit(1)`) })
    await expect(start).rejects.toThrow(/ exited with code 1 before it was ready; its last stderr lines: "npm ERR! code 1"; its last stdout lines: "fatal: no DATABASE_URL"$/)
  })

  it('an app that does not answer at readyUrl but names another port in its output gets a hint naming the option to change', async () => {
    const wrote = async (line: string, extra: { readyUrlKey?: string } = {}) => {
      const start = startAppProcess({ command: node(`console.log(${JSON.stringify(line)}); setInterval(() => {}, 1000)`), readyUrl: 'http://127.0.0.1:1/health', readyTimeoutMs: 500, ...extra })
      return start.then(() => '', (err: Error) => err.message)
    }
    expect(await wrote('listening on :4712', { readyUrlKey: 'baseUrl' })).toContain(
      '; it names port 4712 ("listening on :4712"), not port 1 of http://127.0.0.1:1/health: if the app listens there, change baseUrl, or have the app listen at port 1',
    )
    expect(await wrote('Server ready at http://localhost:4712/')).toContain('; it names port 4712 ("Server ready at http://localhost:4712/"), not port 1 of http://127.0.0.1:1/health: if the app listens there, change readyUrl')
    // Only a port clearly named: a duration or a count is not one, and the port waited at is no news.
    expect(await wrote('started in 4712 ms')).not.toContain('it names port')
    expect(await wrote('listening on http://127.0.0.1:1')).not.toContain('it names port')
  })
})
