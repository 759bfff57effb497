/**
 * The README's first example, run as written: the code block is taken from README.md, its package import
 * pointed at this package's source, and run against a database of its own with the example todo app.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { TODO_APP_SERVER, describeWithService } from '@venomqa/test-utils'
import { afterAll, expect, it, vi } from 'vitest'
import { PG, createDatabase, dbName, dropDatabase, withClient } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const here = path.dirname(fileURLToPath(import.meta.url))
const DB = dbName('readme')
const GENERATED = path.join(here, `readme-example.${process.pid}.generated.ts`)

describe('README example', () => {
  afterAll(async () => {
    rmSync(GENERATED, { force: true })
    await dropDatabase(DB)
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
})
