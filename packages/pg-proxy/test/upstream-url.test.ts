/**
 * What the upstream URL may ask for, and what of it reaches the app's URL: the proxy speaks to PostgreSQL
 * without TLS, so a URL that demands TLS is refused rather than served in plaintext; the upstream's
 * password never reaches the app's URL, nor any message.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { ConfigError } from '@venomqa/core'
import { describeWithService } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { PgProxy, pgProxyState } from '../src/index'
import { CLI, PG, createDatabase, dbName, dbUrl, dropDatabase, withClient } from './helpers'

if (!existsSync(CLI)) throw new Error(`build first: ${CLI} is missing (pnpm --filter @venomqa/pg-proxy build)`)
const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const DB = dbName('upstream_url')
const SECRET = 'hunter2-upstream'
/** The test database with a password in the URL (trust auth ignores it) and `query`. */
const withPassword = (query: string) => `postgres://postgres:${SECRET}@127.0.0.1:5432/${DB}?${query}`

/** Start a proxy; whatever happens, stop it. The error it failed with, or undefined when it started. */
async function startError(upstream: string): Promise<Error | undefined> {
  let proxy: PgProxy | undefined
  try {
    proxy = new PgProxy({ upstream })
    await proxy.start()
    return undefined
  } catch (err) {
    return err as Error
  } finally {
    await proxy?.stop().catch(() => {})
  }
}

/** Run `venomqa-pg-proxy --upstream <url>` on free ports: its exit code and output, or 'started' (then it is stopped). */
function runCli(upstream: string): Promise<{ code: number | null | 'started'; output: string }> {
  const child = spawn(process.execPath, [CLI, '--upstream', upstream, '--listen', '127.0.0.1:0', '--control', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d
      if (/control on http/.test(output)) {
        child.kill('SIGTERM')
        child.once('exit', () => resolve({ code: 'started', output }))
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('error', reject)
    child.once('exit', (code) => resolve({ code, output }))
  })
}

describe('the upstream URL', () => {
  beforeAll(() => createDatabase(DB, 'CREATE TABLE t (id serial PRIMARY KEY, v text)'))
  afterAll(() => dropDatabase(DB))

  const demandsTls = ['sslmode=require', 'sslmode=verify-ca', 'sslmode=verify-full', 'sslmode=no-verify', 'ssl=true']

  it('one that demands TLS is refused, never served in plaintext, and the message names why without the password', async () => {
    for (const query of demandsTls) {
      const err = await startError(withPassword(query))
      expect(err?.message, query).toMatch(
        new RegExp(`^${query} in the upstream URL asks for TLS, and venomqa-pg-proxy connects to PostgreSQL without TLS \\(upstream TLS is not supported`),
      )
      expect(err?.message).not.toContain(SECRET)
      const config = (() => {
        try {
          pgProxyState({ upstream: withPassword(query) })
        } catch (e) {
          return e as Error
        }
      })()
      expect(config).toBeInstanceOf(ConfigError)
      expect(config?.message).toMatch(/^pgProxyState\(\)\.upstream: .* asks for TLS/)
      expect(config?.message).not.toContain(SECRET)
    }
  })

  it('PGSSLMODE counts when the URL says nothing', () => {
    const before = process.env.PGSSLMODE
    process.env.PGSSLMODE = 'verify-full'
    try {
      expect(() => pgProxyState({ upstream: dbUrl(DB) })).toThrow(/PGSSLMODE=verify-full asks for TLS/)
      expect(() => pgProxyState({ upstream: `${dbUrl(DB)}?sslmode=disable` })).not.toThrow()
    } finally {
      if (before === undefined) delete process.env.PGSSLMODE
      else process.env.PGSSLMODE = before
    }
  })

  it('venomqa-pg-proxy refuses it too: exit 2, the reason, no password', async () => {
    const { code, output } = await runCli(withPassword('sslmode=require'))
    expect([code, output]).toEqual([2, expect.stringMatching(/--upstream: sslmode=require in the upstream URL asks for TLS/)])
    expect(output).not.toContain(SECRET)
  })

  it('sslmode disable, allow and prefer go on without TLS', async () => {
    for (const mode of ['disable', 'allow', 'prefer']) expect(await startError(withPassword(`sslmode=${mode}`)), mode).toBeUndefined()
  })

  it("the app's URL keeps the upstream's settings, not its password parameter, host, port or TLS settings; the app connects with it", async () => {
    const proxy = new PgProxy({ upstream: `${dbUrl(DB)}?password=${SECRET}&application_name=vq_app&sslmode=prefer&host=127.0.0.1&port=5432` })
    await proxy.start()
    try {
      expect(proxy.url).toBe(`postgres://postgres@127.0.0.1:${proxy.port}/${DB}?application_name=vq_app`)
      // node-pg takes sslmode=prefer as "TLS or fail", and a host parameter over the URL's host.
      const name = await withClient(proxy.url, (c) => c.query('SHOW application_name'))
      expect(name.rows).toEqual([{ application_name: 'vq_app' }])
    } finally {
      await proxy.stop()
    }
  })
})
