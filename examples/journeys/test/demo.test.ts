/** The demo journeys pass against the todo app, and `node demo.mjs` (what `pnpm demo` runs) works end to end. */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Journey } from '@venomqa/core'
import { startMailCatcher, type MailCatcher } from '@venomqa/adapter-mailhog'
import { createRunner, httpControlState } from '@venomqa/runner'
import { describeWithService, startTodoApp, type RunningProcess } from '@venomqa/test-utils'
import { PG_ADMIN_URL, withPgClient } from '@venomqa/test-utils/postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import passwordReset from '../journeys/password-reset.journey'
import lifecycle from '../journeys/todo-lifecycle.journey'
import registration from '../journeys/registration.journey'
import resilience from '../journeys/resilience.journey'

const here = path.dirname(fileURLToPath(import.meta.url))
let app: RunningProcess
let catcher: MailCatcher
beforeAll(async () => {
  catcher = await startMailCatcher()
  app = await startTodoApp({ SMTP_URL: catcher.smtpUrl })
})
afterAll(async () => {
  await app?.stop()
  await catcher?.close()
})

describe('demo journeys', () => {
  it('all pass, with every path of every branch run and rolled back', async () => {
    const runner = createRunner({
      baseUrl: app.url,
      stateBackends: [httpControlState({ url: app.url }), catcher.stateBackend()],
      ports: { mail: catcher.client() },
    })
    const result = await runner.run([lifecycle, resilience, passwordReset, ...(registration as Journey[])])
    await runner.close()
    for (const j of result.journeys) expect(j.issues, j.name).toEqual([])
    expect(result.status).toBe('passed')
    const life = result.journeys[0]!
    expect(life.counts.branches).toBe(3)
    expect(life.counts.paths).toMatchObject({ total: 7, passed: 7 })
  })

  it('`node demo.mjs` starts the app, runs the journeys with the venomqa CLI, prints per-step results and stops the app', () => {
    const res = spawnSync(process.execPath, [path.join(here, '../demo.mjs')], { encoding: 'utf8', env: { ...process.env, CI: 'true' }, timeout: 60_000 })
    const out = res.stdout + res.stderr
    expect(res.status, out).toBe(0)
    expect(out).toContain('todo_lifecycle')
    expect(out).toMatch(/mark_done/)
    expect(out).toMatch(/create_sixth/)
    expect(out).toMatch(/register_invalid_email/)
    expect(out).toMatch(/follow_the_link/)
    // The reset token the link carries, kept under a secret name, is masked in the link's URL.
    expect(out).toMatch(/✓ follow_the_link POST http:\/\/\S+\/api\/auth\/reset\/\[REDACTED\] → 200 /)
    expect(out).toMatch(/Result: PASSED/)
  })

  it('writes the HTML and Slack reports from `venomqa run`, and again from `venomqa report`', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'venomqa-demo-reports-'))
    try {
      const html = path.join(dir, 'report.html')
      const slack = path.join(dir, 'slack.json')
      const saved = path.join(dir, 'results.json')
      const res = spawnSync(process.execPath, [path.join(here, '../demo.mjs'), '--reporter', `html:${html}`, '--reporter', `slack:${slack}`, '--save', saved], {
        encoding: 'utf8',
        env: { ...process.env, CI: 'true', SLACK_WEBHOOK_URL: '' },
        timeout: 60_000,
      })
      expect(res.status, res.stdout + res.stderr).toBe(0)
      const page = fs.readFileSync(html, 'utf8')
      expect(page).toContain('todo_lifecycle')
      expect(page).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/) // self-contained
      expect(JSON.parse(fs.readFileSync(slack, 'utf8')).blocks.length).toBeGreaterThan(0)
      // Re-render the saved run with another file name.
      const again = path.join(dir, 'again.html')
      const bin = path.join(here, '../node_modules/@venomqa/cli/dist/bin.js')
      const rep = spawnSync(process.execPath, [bin, 'report', saved, '--reporter', `html:${again}`], { cwd: path.join(here, '..'), encoding: 'utf8', timeout: 30_000 })
      expect(rep.status, rep.stdout + rep.stderr).toBe(0)
      expect(fs.readFileSync(again, 'utf8')).toContain('password_reset')
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

const withPostgres = await describeWithService('PostgreSQL', '127.0.0.1', 5432)
withPostgres('the demo on PostgreSQL', () => {
  const admin = (sql: string) => withPgClient(PG_ADMIN_URL, (c) => c.query(sql))
  beforeAll(async () => {
    // Not created here: the demo creates a database that does not exist yet.
    await admin('DROP DATABASE IF EXISTS venomqa_demo_test WITH (FORCE)')
  })
  afterAll(async () => {
    await admin('DROP DATABASE IF EXISTS venomqa_demo_test WITH (FORCE)')
    await admin('DROP DATABASE IF EXISTS venomqa_demo_proxy_test WITH (FORCE)')
  })

  it('`DEMO_DATABASE_URL=... node demo.mjs` rolls the app\'s tables back with the snapshot mechanism', () => {
    const res = spawnSync(process.execPath, [path.join(here, '../demo.mjs')], {
      encoding: 'utf8',
      env: { ...process.env, CI: 'true', DEMO_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/venomqa_demo_test' },
      timeout: 60_000,
    })
    const out = res.stdout + res.stderr
    expect(res.status, out).toBe(0)
    expect(out).toContain('demo: created the database "venomqa_demo_test"')
    expect(out).toMatch(/rollback to one_todo \(before-path\) \d+ ms: postgres:venomqa_demo_test \(snapshot\)/)
    expect(out).toMatch(/Result: PASSED/)
  })

  it('`DEMO_STATE=proxy` puts venomqa-pg-proxy in front of the app: rolled back by the proxy mechanism, the database untouched after', async () => {
    // A database of its own: the snapshot demo above keeps its main line's writes (sign-ups), as journeys do.
    await admin('DROP DATABASE IF EXISTS venomqa_demo_proxy_test WITH (FORCE)')
    await admin('CREATE DATABASE venomqa_demo_proxy_test')
    const url = 'postgres://postgres@127.0.0.1:5432/venomqa_demo_proxy_test'
    const before = await tableCounts(url)
    const res = spawnSync(process.execPath, [path.join(here, '../demo.mjs')], {
      encoding: 'utf8',
      env: { ...process.env, CI: 'true', DEMO_DATABASE_URL: url, DEMO_STATE: 'proxy' },
      timeout: 60_000,
    })
    const out = res.stdout + res.stderr
    expect(res.status, out).toBe(0)
    expect(out).toMatch(/rollback to one_todo \(before-path\) \d+ ms: pg-proxy:control \(proxy\)/)
    expect(out).toMatch(/Result: PASSED/)
    // The proxy's own log among the run's lines says whose it is.
    expect(res.stderr).toMatch(/^venomqa-pg-proxy: a run took the control$/m)
    // The app is stopped before the proxy, so it never reads as if its database went away.
    expect(out).not.toMatch(/connection lost/)
    // Everything the app did stayed in the proxy's transaction, rolled back when it stopped.
    expect(await tableCounts(url)).toEqual(before)
  })
})

/** Every public table of the database with its row count. */
async function tableCounts(url: string): Promise<Record<string, number>> {
  return withPgClient(url, async (c) => {
    const { rows } = await c.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)
    const out: Record<string, number> = {}
    for (const { tablename } of rows) out[tablename] = (await c.query(`SELECT count(*)::int AS n FROM public."${tablename}"`)).rows[0].n
    return out
  })
}
