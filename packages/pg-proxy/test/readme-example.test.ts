/**
 * The README's examples, run as written: the code blocks are taken from README.md, their package imports
 * pointed at this package's source, and run against a database of their own with the example todo app.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { assertStatus, branch, checkpoint, journey, path as pathOf, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { TODO_APP_SERVER, describeWithService, startTodoApp } from '@venomqa/test-utils'
import { afterAll, expect, it, vi } from 'vitest'
import plugin from '../src/index'
import { PG, createDatabase, dbName, dbUrl, dropDatabase, startCli, stopCli, withClient } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const here = path.dirname(fileURLToPath(import.meta.url))
const DB = dbName('readme')
const GENERATED = path.join(here, `readme-example.${process.pid}.generated.ts`)
const STANDALONE = dbName('readme_standalone')
const GENERATED_CONFIG = path.join(here, `readme-config.${process.pid}.generated.ts`)

describe('README example', () => {
  afterAll(async () => {
    rmSync(GENERATED, { force: true })
    rmSync(GENERATED_CONFIG, { force: true })
    await dropDatabase(DB)
    await dropDatabase(STANDALONE)
  })

  it('runs: every path from the checkpoint, backend "proxy"; the database is left as it was', async () => {
    const readme = readFileSync(path.join(here, '../README.md'), 'utf8')
    const code = /```ts\n(\/\/ run\.ts[\s\S]*?)```/.exec(readme)?.[1]
    if (!code) throw new Error('no run.ts example in README.md')
    writeFileSync(GENERATED, code.replace("'@venomqa/pg-proxy'", "'../src/index'"))
    process.env.DATABASE_URL = await createDatabase(DB)
    process.env.TODO_APP = TODO_APP_SERVER
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    try {
      await import(GENERATED)
      expect(log).toHaveBeenCalledWith('passed', [{ name: `pg-proxy:${DB}`, mechanism: 'proxy', parallelSafe: false }])
    } finally {
      log.mockRestore()
    }
    // The proxy stopped with the run: its transaction rolled back, the database holds no table.
    const tables = await withClient(process.env.DATABASE_URL, async (c) => (await c.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'")).rows[0].n)
    expect(tables).toBe(0)
  })

  // A standalone proxy outlives the run: what a journey wrote before its first checkpoint stayed in the
  // proxy's transaction, and the next run's sign-up with the same address got a 409.
  it('the standalone example: its config puts every journey back, so a second run against the same proxy starts as the first did', async () => {
    const readme = readFileSync(path.join(here, '../README.md'), 'utf8')
    const code = /```ts\n(\/\/ venomqa\.config\.ts\n[\s\S]*?)```/.exec(readme)?.[1]
    if (!code) throw new Error('no venomqa.config.ts example in README.md')
    writeFileSync(GENERATED_CONFIG, code.replace("import { defineConfig } from '@venomqa/cli'", 'const defineConfig = <T>(config: T): T => config'))
    const { plugins, baseUrl: _readmeBaseUrl, ...config } = (await import(GENERATED_CONFIG)).default
    await createDatabase(STANDALONE)
    const proxy = await startCli(dbUrl(STANDALONE))
    try {
      const app = await startTodoApp({ DATABASE_URL: proxy.url })
      try {
        const journeyOnce = journey('sign_up_and_branch', {
          steps: [
            step('sign_up', async ({ http }) => assertStatus(await http.post('/api/users', { json: { email: 'ada@example.test', password: 'a long password', name: 'Ada' } }), 201)),
            checkpoint('signed_up'),
            branch('signed_up', [
              pathOf('log_in', [step('log_in', async ({ http }) => assertStatus(await http.post('/api/auth/login', { json: { email: 'ada@example.test', password: 'a long password' } }), 200))]),
              pathOf('sign_up_again', [step('sign_up_again', async ({ http }) => assertStatus(await http.post('/api/users', { json: { email: 'ada@example.test', password: 'x long password' } }), 409))]),
            ]),
          ],
        })
        for (const run of ['first', 'second']) {
          const [[name, options]] = plugins
          expect(name).toBe('@venomqa/pg-proxy')
          const runner = createRunner({ ...config, baseUrl: app.url, plugins: [[plugin, { ...options, control: proxy.control }]] })
          try {
            const result = await runner.run(journeyOnce)
            expect([run, result.status, result.journeys[0]!.issues.map((i) => i.error)]).toEqual([run, 'passed', []])
          } finally {
            await runner.close()
          }
        }
      } finally {
        await app.stop()
      }
    } finally {
      await stopCli(proxy)
    }
  })
})
