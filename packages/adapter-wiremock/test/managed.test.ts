/**
 * Managed mode: WireMock started from the `wiremock` npm package's jar with the machine's Java, and the Java
 * process really gone afterwards (asked of `ps`, and nothing accepts connections on its port).
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfigError } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { WireMockError, WireMockPort, findWireMockJar, freePort, isListening, startWireMock } from '../src'
import { describeWithJava, processExists } from './helpers'

const describeJava = describeWithJava()

describeJava('managed WireMock', () => {
  const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

  describe('startWireMock', () => {
    it('starts on a free port, serves stubs, and stop() ends the Java process and frees the port', async () => {
      const server = await startWireMock()
      console.log(`managed WireMock started in ${Math.round(server.startupMs)} ms (pid ${server.pid}, port ${server.port})`)
      try {
        expect(server.baseUrl).toBe(`http://127.0.0.1:${server.port}`)
        expect(server.jar).toMatch(/wiremock-standalone-3\.13\.2\.jar$/)
        expect(server.running).toBe(true)
        expect(processExists(server.pid)).toBe(true)
        expect(processExists(server.watchdogPid!)).toBe(true)
        const mock = new WireMockPort({ url: server.baseUrl })
        // It starts empty, also after WireMock reloads its files (the readiness marker is gone for good).
        expect(await mock.admin.mappings()).toEqual([])
        await mock.admin.call('POST', 'mappings/reset')
        expect(await mock.admin.mappings()).toEqual([])
        await mock.stub({ method: 'GET', path: '/ping', body: 'pong' })
        expect(await (await fetch(`${server.baseUrl}/ping`)).text()).toBe('pong')
        // Its own root folder: no mappings/ or __files/ appear where the tests run.
        expect(existsSync(path.join(process.cwd(), 'mappings'))).toBe(false)
      } finally {
        await server.stop()
      }
      expect(server.running).toBe(false)
      expect(processExists(server.pid)).toBe(false)
      // This process's one watchdog, shared with whatever else it starts: it forgot Java, and stays while
      // this process runs (it ends once this process is gone, see the built package's tests below).
      expect(processExists(server.watchdogPid!)).toBe(true)
      expect(await isListening(server.port)).toBe(false)
      await server.stop()
    })

    it('listens on a fixed port, and says so when that port is taken', async () => {
      const port = await freePort()
      const server = await startWireMock({ port })
      try {
        expect(server.baseUrl).toBe(`http://127.0.0.1:${port}`)
        const err = await startWireMock({ port }).catch((e: unknown) => e)
        expect(err).toBeInstanceOf(WireMockError)
        expect((err as Error).message).toBe(`managed WireMock: port ${port} on 127.0.0.1 is already in use`)
      } finally {
        await server.stop()
      }
      expect(processExists(server.pid)).toBe(false)
      expect(await isListening(port)).toBe(false)
    })

    it('says how to get Java when there is none', async () => {
      const err = await startWireMock({ java: '/nonexistent/bin/java' }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ConfigError)
      expect((err as ConfigError).where).toBe('managed.java')
      expect((err as Error).message).toContain('Java was not found (tried "/nonexistent/bin/java": ENOENT)')
      expect((err as Error).message).toContain('install a JRE')
    })

    it('says Java is not on PATH when no java was given, naming the option that can point to one', async () => {
      // A PATH with no java on it, and no JAVA_HOME: as on a machine where Java was never installed.
      const saved = { PATH: process.env.PATH, JAVA_HOME: process.env.JAVA_HOME }
      const empty = mkdtempSync(path.join(os.tmpdir(), 'vqwref-nojava-'))
      process.env.PATH = empty
      delete process.env.JAVA_HOME
      let err: unknown
      try {
        err = await startWireMock({ javaKey: 'plugins[0].managed.java' }).catch((e: unknown) => e)
      } finally {
        process.env.PATH = saved.PATH
        if (saved.JAVA_HOME === undefined) delete process.env.JAVA_HOME
        else process.env.JAVA_HOME = saved.JAVA_HOME
        rmSync(empty, { recursive: true, force: true })
      }
      expect(err).toBeInstanceOf(ConfigError)
      // Not pinned to managed.java: the user set none, so no value of theirs is wrong.
      expect((err as ConfigError).where).toBeUndefined()
      expect((err as Error).message).toContain('Java was not found on PATH (no "java" in any folder of PATH; JAVA_HOME is not set)')
      expect((err as Error).message).toContain('set plugins[0].managed.java to the path of a java binary')
      expect((err as Error).message).toContain('install a JRE')
    })

    it('says the java JAVA_HOME names cannot be run, when no java was given', async () => {
      // A JAVA_HOME whose bin/java is there but not executable: the one case where no java was given and the
      // one tried is not PATH's (JAVA_HOME with no bin/java at all falls back to PATH).
      const saved = process.env.JAVA_HOME
      const home = mkdtempSync(path.join(os.tmpdir(), 'venomqa-badjdk-'))
      mkdirSync(path.join(home, 'bin'))
      writeFileSync(path.join(home, 'bin/java'), '', { mode: 0o644 })
      process.env.JAVA_HOME = home
      let err: unknown
      try {
        err = await startWireMock({ javaKey: 'plugins[0].managed.java' }).catch((e: unknown) => e)
      } finally {
        if (saved === undefined) delete process.env.JAVA_HOME
        else process.env.JAVA_HOME = saved
        rmSync(home, { recursive: true, force: true })
      }
      expect(err).toBeInstanceOf(ConfigError)
      expect((err as ConfigError).where).toBeUndefined()
      expect((err as Error).message).toContain(`Java was not found at JAVA_HOME (tried "${home}/bin/java" from JAVA_HOME: EACCES)`)
      expect((err as Error).message).toContain('set plugins[0].managed.java to the path of a java binary')
    })

    it('reports a Java that exits at once, with its output', async () => {
      const err = await startWireMock({ java: process.execPath, jvmArgs: ["-e", "console.error(\"not a JVM\"); process.exit(3)", "--"] }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(WireMockError)
      expect((err as Error).message).toMatch(/^managed WireMock exited with code 3 before it answered; its output:\nnot a JVM/)
    })

    it('says how to install the wiremock package when its jar is not found', async () => {
      const empty = mkdtempSync(path.join(os.tmpdir(), 'no-wiremock-'))
      try {
        const err = (() => {
          try {
            findWireMockJar([empty])
          } catch (e) {
            return e
          }
        })()
        expect(err).toBeInstanceOf(ConfigError)
        expect((err as Error).message).toContain('Install the `wiremock` npm package, which bundles it (npm install --save-dev wiremock')
        expect((err as Error).message).toContain(`${empty} (no node_modules/wiremock in it or above it)`)
      } finally {
        rmSync(empty, { recursive: true, force: true })
      }
      expect(findWireMockJar([PKG])).toMatch(/node_modules\/wiremock\/build\/wiremock-standalone-3\.13\.2\.jar$/)
      await expect(startWireMock({ jar: '/nonexistent/wiremock.jar' })).rejects.toThrow('managed WireMock: the jar "/nonexistent/wiremock.jar" does not exist')
    })
  })

  describe('the built package', () => {
    const dist = path.join(PKG, 'dist')
    const built = () => {
      if (!existsSync(path.join(dist, 'index.js'))) throw new Error(`${dist} is missing: run \`pnpm --filter @venomqa/adapter-wiremock build\` first (turbo does before test)`)
      if (statSync(path.join(dist, 'index.js')).mtimeMs < statSync(path.join(PKG, 'src/managed.ts')).mtimeMs)
        throw new Error(`${dist} is older than src/managed.ts: rebuild with \`pnpm --filter @venomqa/adapter-wiremock build\``)
    }

    /** Run a script with Node in the package folder; its stdout. */
    const node = (args: string[]) =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, args, { cwd: PKG, stdio: ['ignore', 'pipe', 'pipe'] })
        let out = ''
        let err = ''
        child.stdout.on('data', (d) => (out += d))
        child.stderr.on('data', (d) => (err += d))
        // A script may end itself with SIGKILL on purpose; what it printed before counts.
        child.once('exit', (code, signal) => (code === 0 || signal === 'SIGKILL' ? resolve(out) : reject(new Error(`node exited with ${code ?? signal}: ${err}`))))
      })

    /** Start WireMock from the ESM build in a child Node, let `end` finish that Node, and check nothing is left. */
    async function leavesNothing(end: string, waitMs: number) {
      built()
      const script = `
        import { startWireMock } from ${JSON.stringify(path.join(dist, 'index.js'))}
        const server = await startWireMock({ stopGraceMs: 2000 })
        console.log(JSON.stringify({ pid: server.pid, port: server.port, dog: server.watchdogPid }))
        ${end}
      `
      const { pid, port, dog } = JSON.parse(await node(['--input-type=module', '-e', script])) as { pid: number; port: number; dog: number }
      expect(pid).toBeGreaterThan(0)
      const deadline = Date.now() + waitMs
      while ((processExists(pid) || processExists(dog)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      expect(processExists(pid)).toBe(false)
      expect(processExists(dog)).toBe(false)
      expect(await isListening(port)).toBe(false)
    }

    it('kills a WireMock that was never stopped when Node exits (ESM build)', async () => {
      // No stop(): the process simply ends, and its exit handler kills Java.
      await leavesNothing('', 2000)
    })

    it('the watchdog stops Java when Node is killed and no exit handler runs', async () => {
      // SIGKILL: no handler of ours runs; the watchdog sees its parent gone and stops Java itself.
      await leavesNothing("process.kill(process.pid, 'SIGKILL')", 6000)
    })

    it('WireMock and an app started by one Node share its one watchdog, which stops both and removes WireMock\'s folder when that Node is killed', async () => {
      built()
      const app = `require('node:http').createServer((q, r) => r.end('ok')).listen(0, '127.0.0.1', function () { console.log('app listening on http://127.0.0.1:' + this.address().port) })`
      const script = `
        import { execFileSync } from 'node:child_process'
        import { startAppProcess } from '@venomqa/core'
        import { startWireMock } from ${JSON.stringify(path.join(dist, 'index.js'))}
        const server = await startWireMock({ stopGraceMs: 2000 })
        const app = await startAppProcess({ command: [process.execPath, '-e', ${JSON.stringify(app)}], killAfterMs: 1000 })
        // Java's own folder, as it was started with it.
        const root = execFileSync('ps', ['-o', 'args=', '-p', String(server.pid)], { encoding: 'utf8' }).match(/--root-dir (\\S+)/)?.[1]
        console.log(JSON.stringify({ pid: server.pid, port: server.port, app: app.pid, dog: server.watchdogPid, appDog: app.watchdogPid, root }))
        process.kill(process.pid, 'SIGKILL')
      `
      let pids: number[] = []
      try {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: PKG, stdio: ['ignore', 'pipe', 'pipe'] })
        let out = ''
        let err = ''
        child.stdout.on('data', (d) => (out += d))
        child.stderr.on('data', (d) => (err += d))
        await new Promise<void>((resolve) => child.once('exit', () => resolve()))
        const line = out.split('\n').find((l) => l.startsWith('{'))
        if (!line) throw new Error(`the script did not start WireMock and the app: ${err}`)
        const { pid, port, app: appPid, dog, appDog, root } = JSON.parse(line) as { pid: number; port: number; app: number; dog: number; appDog: number; root?: string }
        pids = [pid, appPid, dog]
        expect(dog).toBeGreaterThan(0)
        expect(appDog).toBe(dog)
        expect(root).toMatch(/venomqa-wiremock-/)
        const deadline = Date.now() + 8000
        while (pids.some(processExists) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
        expect(pids.map(processExists)).toEqual([false, false, false])
        expect(await isListening(port)).toBe(false)
        // Nothing of this process ran to remove it: the watchdog did.
        while (existsSync(root!) && Date.now() < deadline + 2000) await new Promise((r) => setTimeout(r, 50))
        expect(existsSync(root!)).toBe(false)
      } finally {
        for (const p of pids) if (processExists(p)) process.kill(p, 'SIGKILL')
      }
    })

    /**
     * A Node started as a terminal starts a command (a process group of its own, `detached`), that starts
     * WireMock and prints READY, then runs `onInterrupt` on SIGINT; its output as JSON lines, and the pids.
     */
    async function underTerminal(onInterrupt: string) {
      built()
      const script = `
        import { startWireMock } from ${JSON.stringify(path.join(dist, 'index.js'))}
        const server = await startWireMock({ stopGraceMs: 2000 })
        const answers = async () => { try { return (await fetch(server.baseUrl + '/__admin/health', { signal: AbortSignal.timeout(2000) })).ok } catch { return false } }
        process.once('SIGINT', async () => {
          // What the run does on the first Ctrl-C: go on using WireMock (its rollback), a moment later.
          await new Promise((r) => setTimeout(r, 1000))
          console.log(JSON.stringify({ running: server.running, answers: await answers(), dog: server.watchdogPid !== undefined && (() => { try { process.kill(server.watchdogPid, 0); return true } catch { return false } })() }))
          ${onInterrupt}
        })
        console.log(JSON.stringify({ pid: server.pid, port: server.port, dog: server.watchdogPid }))
        setInterval(() => {}, 1000)
      `
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: PKG, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
      let out = ''
      let err = ''
      child.stdout.on('data', (d) => (out += d))
      child.stderr.on('data', (d) => (err += d))
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      const lines = () => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>)
      const deadline = Date.now() + 60_000
      while (!lines().length && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50))
      const started = lines()[0] as { pid: number; port: number; dog: number } | undefined
      if (!started) throw new Error(`the script did not start WireMock: ${err}`)
      return { child, started, exited, lines, stderr: () => err }
    }

    it("the terminal's Ctrl-C (SIGINT to the whole foreground group) does not reach Java: the run's rollback still finds WireMock, and it is stopped at the end", async () => {
      // Java in the terminal's group died at once, and the interrupted run's rollback failed with
      // ECONNRESET (a false critical issue). The Node process alone decides when Java stops.
      const run = await underTerminal('await server.stop(); process.exit(0)')
      const { pid, port, dog } = run.started
      try {
        process.kill(-run.child.pid!, 'SIGINT')
        await run.exited
        expect(run.lines()[1], run.stderr()).toEqual({ running: true, answers: true, dog: true })
        expect(processExists(pid)).toBe(false)
        const deadline = Date.now() + 5000
        while (processExists(dog) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
        expect(processExists(dog)).toBe(false)
        expect(await isListening(port)).toBe(false)
      } finally {
        for (const p of [pid, dog, run.child.pid!]) if (processExists(p)) process.kill(p, 'SIGKILL')
      }
    })

    it("after the terminal's Ctrl-C, Node killed outright still leaves no Java behind: the watchdog outlived the Ctrl-C too", async () => {
      const run = await underTerminal("process.kill(process.pid, 'SIGKILL')")
      const { pid, port, dog } = run.started
      try {
        process.kill(-run.child.pid!, 'SIGINT')
        await run.exited
        expect(run.lines()[1], run.stderr()).toMatchObject({ running: true, dog: true })
        const deadline = Date.now() + 8000
        while ((processExists(pid) || processExists(dog)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
        expect(processExists(pid)).toBe(false)
        expect(processExists(dog)).toBe(false)
        expect(await isListening(port)).toBe(false)
      } finally {
        for (const p of [pid, dog]) if (processExists(p)) process.kill(p, 'SIGKILL')
      }
    })

    it('finds the jar from the CommonJS build too', async () => {
      built()
      const out = await node(['-e', `console.log(require(${JSON.stringify(path.join(dist, 'index.cjs'))}).findWireMockJar())`])
      expect(out.trim()).toMatch(/wiremock-standalone-3\.13\.2\.jar$/)
    })
  })
})
