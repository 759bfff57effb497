/**
 * A standalone proxy's control port serves one run at a time: two would undo each other's writes and
 * release each other's checkpoints.
 */
import { spawn } from 'node:child_process'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { StateError } from '@venomqa/core'
import { describeWithService } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type PgProxy, pgProxyState, startControlServer } from '../src/index'
import { FIXTURES, PG, createDatabase, dbName, dropDatabase, startProxy, withClient } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const DB = dbName('control')

/** Connect a new run; after a run's process died, the control is free once the proxy saw its connection close, a moment later. */
async function nextRun(control: string) {
  for (let i = 0; ; i++) {
    const run = pgProxyState({ control }, () => {})
    try {
      await run.connect()
      return run
    } catch (err) {
      if (i >= 200 || !/another run is using this proxy/.test((err as Error).message)) throw err
      await new Promise((r) => setTimeout(r, 10))
    }
  }
}

describe('the control port of a standalone proxy', () => {
  let proxy: PgProxy
  let control: Awaited<ReturnType<typeof startControlServer>>
  const rows = async () => (await proxy.query('SELECT v FROM t ORDER BY id')).map((r) => r[0])

  beforeAll(async () => {
    await createDatabase(DB, 'CREATE TABLE t (id serial PRIMARY KEY, v text)')
    proxy = await startProxy(DB)
    control = await startControlServer(proxy, '127.0.0.1', 0)
  })

  afterAll(async () => {
    await control?.close()
    await proxy?.stop()
    await dropDatabase(DB)
  })

  it('a second run is refused while one holds the control, and the first goes on undisturbed; once it disconnects the next takes over', async () => {
    const first = pgProxyState({ control: control.url }, () => {})
    await first.connect()
    try {
      await first.checkpoint('cp')
      await withClient(first.url, (c) => c.query("INSERT INTO t (v) VALUES ('first run')"))
      const second = pgProxyState({ control: control.url }, () => {})
      const err = await second.connect().catch((e) => e)
      expect(err).toBeInstanceOf(StateError)
      expect(err.message).toMatch(
        /cannot drive the venomqa-pg-proxy at http:\/\/127\.0\.0\.1:\d+: another run is using this proxy \(it took the control at [\d-]+T[\d:.]+Z\): run them one after another, or give each its own proxy$/,
      )
      // A command from elsewhere (curl, a run of an older version) is refused too, and changes nothing.
      const stray = await fetch(`${control.url}/release`, { method: 'POST', body: JSON.stringify({ name: 'cp' }) })
      expect([stray.status, ((await stray.json()) as { error: string }).error]).toEqual([409, expect.stringMatching(/^another run is using this proxy/)])
      expect(proxy.checkpoints).toEqual(['cp'])
      expect(await rows()).toEqual(['first run'])
      await first.rollback('cp')
      expect(await rows()).toEqual([])
      await first.release('cp')
    } finally {
      await first.disconnect()
    }
    const next = pgProxyState({ control: control.url }, () => {})
    await next.connect()
    try {
      await next.checkpoint('cp')
      await next.rollback('cp')
      await next.release('cp')
    } finally {
      await next.disconnect()
    }
  })

  // A first-time user mixes up the proxy's ports, or gives the app's: what answers there is named, and where
  // the control port is said, for the run's connect and for `venomqa doctor` alike.
  it('a `control` address where no control port answers says what answers there and which address to give', async () => {
    const other = http.createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>'))
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve))
    const web = `http://127.0.0.1:${(other.address() as AddressInfo).port}`
    const advice = 'give `control` the address venomqa-pg-proxy printed after "control on" (its --control), not the one the app connects to (its --listen)'
    try {
      const pgPort = `http://127.0.0.1:${proxy.port}`
      for (const [control, what] of [
        [pgPort, 'something answers there, but not over HTTP (the proxy\'s PostgreSQL port, perhaps)'],
        [web, 'an HTTP server answers there, but it is no venomqa-pg-proxy (GET /status: 404, not its status)'],
      ]) {
        const backend = pgProxyState({ control }, () => {})
        const err = await backend.connect().catch((e) => e)
        expect(err).toBeInstanceOf(StateError)
        expect(err.message).toBe(`state backend "pg-proxy:control": no venomqa-pg-proxy answers at ${control}: ${what}: ${advice}`)
        expect(await backend.healthReport()).toBe(`no venomqa-pg-proxy answers at ${control}: ${what}: ${advice}`)
      }
      // The real one still answers, and nothing above took its control.
      const run = pgProxyState({ control: control.url }, () => {})
      await run.connect()
      await run.disconnect()
    } finally {
      await new Promise((resolve) => other.close(resolve))
    }
  })

  it('when the run holding the control dies, the next takes over, and what the dead run left after its checkpoint is rolled back', async () => {
    const child = spawn(process.execPath, [path.join(FIXTURES, 'controller.mjs')], {
      env: { ...process.env, CONTROL: control.url, DATABASE_URL: proxy.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const exited = new Promise((resolve) => child.once('exit', resolve))
    try {
      let out = ''
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d) => {
          out += d
          if (out.includes('ready')) resolve()
        })
        child.stderr.on('data', (d) => (out += d))
        void exited.then(() => reject(new Error(`the run exited early:\n${out}`)))
      })
      expect(await rows()).toEqual(['left by a dead run'])
      await expect(pgProxyState({ control: control.url }, () => {}).connect()).rejects.toThrow(/another run is using this proxy/)
    } finally {
      child.kill('SIGKILL')
      await exited
    }
    const next = await nextRun(control.url)
    try {
      expect(proxy.checkpoints).toEqual([])
      expect(await rows()).toEqual([])
    } finally {
      await next.disconnect()
    }
  })
})
