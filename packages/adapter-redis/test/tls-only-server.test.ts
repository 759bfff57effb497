/**
 * The reverse of tls-mismatch.test.ts: a redis:// URL for a Redis that takes only TLS (its tls-port). The
 * server resets the connection at the first plain byte and ioredis reconnects for ever: every call failed
 * as "did not answer PING ... (is Redis running there?)". Now the first call fails with a ConfigError
 * naming the option and the rediss:// URL. The server is a real redis-server started here with
 * `--port 0 --tls-port <free>` and a certificate openssl makes for it; no data is written.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { ConfigError, journey, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { describeWithCommand, freePort, selfSignedCert } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import redisPlugin, { RedisCache, RedisState } from '../src'

const PASSWORD = 'tls-only-s3cret'

// A Redis that takes only TLS needs redis-server built with TLS, and openssl for its certificate.
const describeTlsRedis = describeWithCommand('sh', 'redis-server and openssl', ['-c', 'redis-server --version && openssl version'])

describeTlsRedis('redis:// to a Redis that takes only TLS', () => {
  let dir = ''
  let server: ChildProcess | undefined
  let hostPort = ''

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'venomqa-tls-redis-'))
    const { key, cert } = selfSignedCert()
    writeFileSync(path.join(dir, 'key.pem'), key)
    writeFileSync(path.join(dir, 'cert.pem'), cert)
    const port = await freePort()
    hostPort = `127.0.0.1:${port}`
    server = spawn(
      'redis-server',
      ['--port', '0', '--bind', '127.0.0.1', '--tls-port', String(port), '--tls-cert-file', 'cert.pem', '--tls-key-file', 'key.pem', '--tls-ca-cert-file', 'cert.pem', '--tls-auth-clients', 'no', '--save', '', '--appendonly', 'no'],
      { cwd: dir, stdio: 'ignore' },
    )
    // Listening once a TCP connection is taken.
    for (let i = 0; ; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const s = connect(port, '127.0.0.1', () => resolve(true)).once('error', () => resolve(false))
        s.unref()
        setTimeout(() => s.destroy(), 100)
      })
      if (up) break
      if (i > 100 || server.exitCode !== null) throw new Error(`redis-server with --tls-port ${port} did not start`)
      await new Promise((r) => setTimeout(r, 50))
    }
  })
  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r))
      server.kill('SIGTERM')
      await exited
    }
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  /** `userinfo`: how the message shows the URL's user and password (`:***@`, its password masked). */
  function expectTakesOnlyTls(err: unknown, where: string, db: number, userinfo = ''): void {
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as ConfigError).where).toBe(where)
    expect((err as Error).message).toContain(`the server at redis://${userinfo}${hostPort}/${db} takes only TLS`)
    expect((err as Error).message).toContain(`use rediss://${userinfo}${hostPort}/${db}`)
    expect((err as Error).message).not.toContain(PASSWORD)
  }

  it('a cache call and a state connect fail with a ConfigError naming url and the rediss:// URL, and keep failing so', async () => {
    const cache = new RedisCache({ url: `redis://:${PASSWORD}@${hostPort}/0`, prefix: 'tls:' })
    const state = new RedisState({ url: `redis://${hostPort}/3`, prefix: 'tls:' })
    try {
      const first = await cache.get('k').catch((e: unknown) => e)
      expectTakesOnlyTls(first, 'url', 0, ':***@')
      expectTakesOnlyTls(await cache.set('k', 1).catch((e: unknown) => e), 'url', 0, ':***@')
      expectTakesOnlyTls(await state.connect().catch((e: unknown) => e), 'url', 3)
    } finally {
      await cache.close()
      await state.disconnect().catch(() => {})
    }
  }, 20_000)

  it('in a run, the plugin names its entry, plugins[N].url, and the health check says the same', async () => {
    let cacheError: string | undefined
    const runner = createRunner({ baseUrl: 'http://127.0.0.1:1', plugins: [[redisPlugin, { url: `redis://:${PASSWORD}@${hostPort}/0`, prefix: 'tls:', queue: false, state: false }]] })
    try {
      const run = await runner.run(
        journey('tls_only', {
          steps: [
            step('read', async ({ ports }) => {
              try {
                await ports.require('cache').get('k')
              } catch (err) {
                cacheError = (err as Error).message
                throw err
              }
            }),
          ],
        }),
      )
      expect(run.status).toBe('failed')
      expect(cacheError).toMatch(new RegExp(`^plugins\\[0\\]\\.url: the server at redis://:\\*\\*\\*@${hostPort.replace(/\./g, '\\.')}/0 takes only TLS`))
      expect(JSON.stringify(run)).not.toContain(PASSWORD)
      const health = await runner.registry.healthChecks.get('redis')!()
      expect(health).toMatch(/^plugins\[0\]\.url: the server at redis:\/\/.* takes only TLS/)
    } finally {
      await runner.close()
    }
  }, 20_000)
})
