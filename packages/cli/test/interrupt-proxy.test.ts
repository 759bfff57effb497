/**
 * Ctrl-C of `venomqa run` while the app behind the in-process PostgreSQL proxy runs a long statement: the
 * interrupt's rollback cancels it rather than wait for it to end, says so, and leaves the database clean.
 */
import { existsSync, readFileSync } from 'node:fs'
import { symlink } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { REPO_ROOT, describeWithService, freePort, waitUntil } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ADMIN_URL, dumpDatabase, sql } from './helpers/postgres'
import { type Project, projectsOfFiles } from './helpers/project'

const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)
const DB = `venomqa_test_interrupt_${process.pid}`
const DATABASE_URL = `postgres://postgres@127.0.0.1:5432/${DB}`
const PG = createRequire(import.meta.url).resolve('pg')
const project = projectsOfFiles()

/**
 * An app in its own process: POST /items inserts a row, GET /slow runs a statement that never ends on its
 * own, and writes the error code the statement ended with to slow-error.txt.
 */
const APP = `import http from 'node:http'
import { writeFileSync } from 'node:fs'
import pg from ${JSON.stringify(PG)}
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL })
http.createServer(async (req, res) => {
  try {
    if (req.url === '/slow') await pool.query('SELECT pg_sleep(3600)').catch((err) => { writeFileSync('slow-error.txt', String(err.code)); throw err })
    else await pool.query("INSERT INTO items (name) VALUES ('x')")
    res.end('{}')
  } catch (err) {
    res.statusCode = 500
    res.end(JSON.stringify({ error: err.message }))
  }
}).listen(Number(process.env.PORT), '127.0.0.1')
`

const JOURNEY = `import { checkpoint, journey, step } from '@venomqa/core'
export default journey('slow', {
  steps: [
    step('add', ({ http }) => http.post('/items')),
    checkpoint('one'),
    step('add_more', ({ http }) => http.post('/items')),
    step('slow', ({ http }) => http.get('/slow', { timeoutMs: 3_600_000 })),
  ],
})
`

async function withPgProxy(files: Record<string, string>): Promise<Project> {
  const p = await project(files)
  await symlink(path.join(REPO_ROOT, 'packages/pg-proxy'), path.join(p.dir, 'node_modules/@venomqa/pg-proxy'), 'dir')
  return p
}

const sleeping = () => sql(ADMIN_URL, async (c) => (await c.query(`SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND state = 'active' AND query = 'SELECT pg_sleep(3600)'`, [DB])).rowCount === 1)

describe('Ctrl-C of venomqa run while the app behind the proxy runs a long statement', () => {
  beforeAll(async () => {
    await sql(ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${DB}`))
    await sql(ADMIN_URL, (c) => c.query(`CREATE DATABASE ${DB}`))
    await sql(DATABASE_URL, (c) => c.query('CREATE TABLE items (id serial PRIMARY KEY, name text)'))
  })
  afterAll(async () => {
    // WITH (FORCE) ends a statement a failed run left behind.
    await sql(ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`))
  })

  it("cancels the app's statement rather than wait for it, says so on stderr, exits 130 with the database as it was", async () => {
    const port = await freePort()
    const p = await withPgProxy({
      'venomqa.config.mjs': `export default {
  baseUrl: 'http://127.0.0.1:${port}',
  plugins: [['@venomqa/pg-proxy', { upstream: '${DATABASE_URL}' }]],
  app: { command: [process.execPath, 'app.mjs'], env: { DATABASE_URL: '\${VENOMQA_PG_PROXY_URL}', PORT: '${port}' } },
}
`,
      'app.mjs': APP,
      'journeys/slow.journey.mjs': JOURNEY,
    })
    const before = await dumpDatabase(DATABASE_URL)
    const run = p.spawn(['run'])
    try {
      await waitUntil(sleeping, "the app's statement to run", 30_000)
      run.child.kill('SIGINT')
      const r = await run.done
      expect(r.code, r.stdout + r.stderr).toBe(130)
      expect(r.stderr).toContain(`the rollback to "one" (interrupt) cancelled the statement the app's connection`)
      // The request the step stopped waiting for is cut off after its grace: what it did on the database was
      // cancelled and rolled back, which the warning says, rather than that it stays.
      expect(r.stderr).toMatch(
        /GET \S+\/slow got no answer after its step stopped \(it is given 1000 ms\): state backend "[^"]+" stopped the app's work on it under way and rolled back what it had done; only what the app does for it after the rollback is not rolled back/,
      )
      expect(r.stderr).not.toContain('if the app still acts on it, that is not rolled back')
      // The app's statement ended cancelled (57014), not by the app's end or the proxy's.
      expect(existsSync(path.join(p.dir, 'slow-error.txt')) && readFileSync(path.join(p.dir, 'slow-error.txt'), 'utf8')).toBe('57014')
      expect(await dumpDatabase(DATABASE_URL)).toBe(before)
    } finally {
      run.child.kill('SIGKILL')
    }
  }, 60_000)
})
