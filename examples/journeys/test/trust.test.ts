/**
 * A run ends in exactly one of three ways: finished, interrupted, or failed with a reason. Each case here
 * runs the built `venomqa` CLI as its own process, in a project of its own, against the todo app in its
 * own process on PostgreSQL (rolled back by the `snapshot` mechanism) wherever state is involved.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { REPO_ROOT, describeWithService, startTodoApp, type RunningProcess } from '@venomqa/test-utils'
import { Ajv } from 'ajv'
import { pgDatabaseUrl, pgTestDatabases, withPgClient } from '@venomqa/test-utils/postgres'
import { afterAll, beforeAll, expect, it } from 'vitest'

const here = path.dirname(fileURLToPath(import.meta.url))
const NODE_MODULES = path.join(here, '../node_modules')
const CLI = path.join(NODE_MODULES, '@venomqa/cli/dist/bin.js')
const DB = `venomqa_trust_${process.pid}`
const DB_URL = pgDatabaseUrl(DB)
const databases = pgTestDatabases(/^venomqa_trust_\d+$/)

const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)

async function sql<T = Record<string, unknown>>(url: string, text: string): Promise<T[]> {
  return withPgClient(url, async (c) => (await c.query(text)).rows as T[])
}

/** Every row of every table of the app, and every sequence's position: what "exactly as it was" means. */
async function dumpDatabase(): Promise<Record<string, unknown>> {
  const tables = await sql<{ t: string }>(DB_URL, `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`)
  const out: Record<string, unknown> = {}
  for (const { t } of tables) out[t] = await sql(DB_URL, `SELECT * FROM "${t}" ORDER BY 1`)
  for (const { s } of await sql<{ s: string }>(DB_URL, `SELECT sequence_name AS s FROM information_schema.sequences WHERE sequence_schema = 'public' ORDER BY 1`))
    out[`seq:${s}`] = await sql(DB_URL, `SELECT last_value, is_called FROM "${s}"`)
  return out
}

async function trackingLeftovers(): Promise<string[]> {
  const schemas = await sql<{ n: string }>(DB_URL, `SELECT nspname AS n FROM pg_namespace WHERE nspname LIKE '%venomqa%'`)
  const triggers = await sql<{ n: string }>(DB_URL, `SELECT tgname AS n FROM pg_trigger WHERE tgname LIKE '%venomqa%'`)
  return [...schemas.map((r) => `schema ${r.n}`), ...triggers.map((r) => `trigger ${r.n}`)]
}

interface CliRun {
  code: number | null
  stdout: string
  stderr: string
  dir: string
}

/** A project with the given files, its node_modules the examples' (core, runner, cli, state-postgres). */
async function runProject(files: Record<string, string>, args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<CliRun> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-trust-'))
  projects.push(dir)
  await symlink(NODE_MODULES, path.join(dir, 'node_modules'), 'dir')
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true })
    await writeFile(path.join(dir, name), text)
  }
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true', APP_URL: app.url, DB_URL, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)))
  clearTimeout(timer)
  return { code, stdout, stderr, dir }
}

const POSTGRES_CONFIG = `export default {
  baseUrl: process.env.APP_URL,
  plugins: [['@venomqa/state-postgres', { url: process.env.DB_URL, mechanism: 'snapshot' }]],
}
`

/** A journey whose first path writes to the database, then runs `fault`; its sibling needs a clean checkpoint. */
function faultyJourney(fault: string): string {
  return `import { assertStatus, branch, checkpoint, journey, path, step } from '@venomqa/core'
const user = { email: 'trust@example.test', password: 'correct horse', name: 'Trust' }
export default journey('faulty', {
  steps: [
    checkpoint('empty'),
    branch('empty', [
      path('writes_then_faults', [
        step('sign_up', async ({ http }) => { const res = await http.post('/api/users', { json: user }); assertStatus(res, 201); return res }),
        step('fault', async () => { ${fault} }),
        step('after_the_fault', ({ http }) => http.get('/api/stats')),
      ]),
      // Passes only if the first path's user was rolled back: the e-mail is unique.
      path('sibling', [step('sign_up_again', async ({ http }) => { const res = await http.post('/api/users', { json: user }); assertStatus(res, 201); return res })]),
    ]),
  ],
})
`
}

const REPORT_ARGS = ['--reporter', 'console', '--reporter', 'junit:out/junit.xml', '--reporter', 'markdown:out/report.md', '--save', 'out/results.json']

/** A raw Node stack frame: `    at fn (file.js:1:2)`. A user must never see one without --debug. */
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m

const validateResults = new Ajv({ strict: true, allErrors: true }).compile(JSON.parse(readFileSync(path.join(REPO_ROOT, 'packages/core/schema/results.schema.json'), 'utf8')))

/** Every requested report is there, and the saved results validate against the published schema. */
function expectReports(run: CliRun): Record<string, any> {
  for (const f of ['out/junit.xml', 'out/report.md', 'out/results.json']) expect(existsSync(path.join(run.dir, f)), `${f} written\n${run.stderr}`).toBe(true)
  const results = JSON.parse(readFileSync(path.join(run.dir, 'out/results.json'), 'utf8'))
  expect(validateResults(results), JSON.stringify(validateResults.errors)).toBe(true)
  return results
}

function stepNamed(results: any, name: string): any {
  const walk = (nodes: any[]): any => {
    for (const n of nodes) {
      if (n.kind === 'step' && n.name === name) return n
      if (n.kind === 'branch') for (const p of n.paths) {
        const hit = walk(p.nodes)
        if (hit) return hit
      }
    }
  }
  return walk(results.journeys[0].nodes)
}

let app: RunningProcess
const projects: string[] = []

describe('a run ends finished, interrupted, or failed with a reason (CLI, todo app on PostgreSQL)', () => {
  let before: Record<string, unknown>
  beforeAll(async () => {
    await databases.create(DB)
    app = await startTodoApp({ DATABASE_URL: DB_URL })
    before = await dumpDatabase()
  })
  afterAll(async () => {
    await app?.stop()
    await databases.drop(DB)
    for (const dir of projects) await rm(dir, { recursive: true, force: true })
  })

  for (const [name, fault, says] of [
    ['a throw in a timer', `setTimeout(() => { throw new Error('boom from a timer') }, 5); await new Promise((r) => setTimeout(r, 300))`, /boom from a timer/],
    ['a promise nobody awaits', `Promise.reject(new Error('nobody awaited me')); await new Promise((r) => setTimeout(r, 300))`, /nobody awaited me/],
  ] as const)
    it(`${name} inside a path fails that step with a critical issue, rolls back, writes every report, exits 1`, async () => {
      const run = await runProject({ 'venomqa.config.mjs': POSTGRES_CONFIG, 'journeys/faulty.journey.ts': faultyJourney(fault) }, ['run', ...REPORT_ARGS])
      const output = run.stdout + run.stderr
      expect(run.code, output).toBe(1)
      expect(output).not.toMatch(STACK_FRAME)
      expect(output).toMatch(says)
      const results = expectReports(run)
      const step = stepNamed(results, 'fault')
      expect(step.status).toBe('failed')
      expect(step.error.kind).toBe('stray-error')
      expect(step.error.message).toMatch(says)
      const issue = results.journeys[0].issues.find((i: any) => i.step === 'fault')
      expect(issue).toMatchObject({ severity: 'critical', kind: 'stray-error', path: 'writes_then_faults' })
      // The run went on: the path's next step ran, and the sibling started from the checkpoint.
      expect(stepNamed(results, 'after_the_fault').status).toBe('passed')
      expect(stepNamed(results, 'sign_up_again').status).toBe('passed')
      expect(await dumpDatabase()).toEqual(before)
      expect(await trackingLeftovers()).toEqual([])
    })

  it('a step that can never settle (no timeout) fails naming the step, rolls back, writes the reports, exits 1', async () => {
    // An app in memory, rolled back through its control endpoint: nothing but the step's promise is left
    // in the process. (A database backend's open connection would keep Node waiting: then only a
    // timeout ends the step, see docs/journeys.md.)
    const memoryApp = await startTodoApp()
    const config = `export default { baseUrl: process.env.APP_URL, plugins: ['http-control'] }\n`
    const run = await runProject({ 'venomqa.config.mjs': config, 'journeys/faulty.journey.ts': faultyJourney('await new Promise(() => {})') }, ['run', ...REPORT_ARGS], {
      APP_URL: memoryApp.url,
    }).finally(() => memoryApp.stop())
    const output = run.stdout + run.stderr
    expect(run.code, output).toBe(1)
    expect(output).not.toMatch(STACK_FRAME)
    const results = expectReports(run)
    const step = stepNamed(results, 'fault')
    expect(step.error.kind).toBe('stall')
    expect(step.error.message).toMatch(/step "fault" of journey "faulty", path "writes_then_faults" never settled/)
    expect(stepNamed(results, 'sign_up_again').status).toBe('passed')
    expect(output).toMatch(/never settled/)
  })

  it('a plugin whose setup never settles: every journey fails naming the plugin, reports written, exit 1', async () => {
    const plugin = `export default { name: 'hangs-in-setup', version: '1.0.0', apiVersion: 1, setup: () => new Promise(() => {}) }\n`
    const config = `export default { baseUrl: process.env.APP_URL, plugins: ['./plugins/hang.mjs'] }\n`
    const run = await runProject(
      { 'venomqa.config.mjs': config, 'plugins/hang.mjs': plugin, 'journeys/faulty.journey.ts': faultyJourney('') },
      ['run', ...REPORT_ARGS],
    )
    const output = run.stdout + run.stderr
    expect(run.code, output).toBe(1)
    expect(output).toMatch(/plugin "hangs-in-setup" setup never settled/)
    const results = expectReports(run)
    expect(results.status).toBe('failed')
    expect(results.issues).toContainEqual(expect.objectContaining({ severity: 'critical', kind: 'stall', step: 'setup hangs-in-setup' }))
    expect(results.journeys[0].status).toBe('failed')
    expect(results.journeys[0].issues[0].error).toMatch(/not run: plugin "hangs-in-setup" setup never settled/)
  })

  it('a plugin setup that outlives pluginTimeout is abandoned at the deadline, naming the plugin', async () => {
    // The setup waits the longest a timer can (about 24 days), which keeps the process alive: a run that
    // waited for it, or did not end while it was pending, would be killed at runProject's timeout (code null).
    const plugin = `export default { name: 'slow-setup', version: '1.0.0', apiVersion: 1, setup: () => new Promise((r) => setTimeout(r, 2 ** 31 - 1)) }\n`
    const config = `export default { baseUrl: process.env.APP_URL, pluginTimeout: 300, plugins: ['./plugins/slow.mjs'] }\n`
    const run = await runProject({ 'venomqa.config.mjs': config, 'plugins/slow.mjs': plugin, 'journeys/faulty.journey.ts': faultyJourney('') }, ['run', ...REPORT_ARGS])
    expect(run.code, run.stdout + run.stderr).toBe(1)
    expect(run.stdout + run.stderr).toMatch(/plugin "slow-setup" setup timed out after 300 ms/)
    expectReports(run)
  })

  it('a hook that never settles is abandoned with a critical issue naming the plugin; the run goes on, rolls back, exits 1', async () => {
    const plugin = `export default { name: 'hangs-in-hook', version: '1.0.0', apiVersion: 1, hooks: { pathEnd: () => new Promise(() => {}) } }\n`
    const config = `export default { baseUrl: process.env.APP_URL, plugins: [['@venomqa/state-postgres', { url: process.env.DB_URL }], './plugins/hang.mjs'] }\n`
    const run = await runProject(
      { 'venomqa.config.mjs': config, 'plugins/hang.mjs': plugin, 'journeys/faulty.journey.ts': faultyJourney('') },
      ['run', ...REPORT_ARGS, '--plugin-timeout', '500'],
    )
    const output = run.stdout + run.stderr
    expect(run.code, output).toBe(1)
    expect(output).toMatch(/plugin:hangs-in-hook "pathEnd" hook timed out after 500 ms/)
    const results = expectReports(run)
    const hookIssues = results.journeys[0].issues.filter((i: any) => i.source === 'plugin:hangs-in-hook')
    expect(hookIssues).toHaveLength(2) // one per path
    expect(hookIssues[0]).toMatchObject({ severity: 'critical', kind: 'stall' })
    expect(stepNamed(results, 'sign_up_again').status).toBe('passed')
    expect(await dumpDatabase()).toEqual(before)
    expect(await trackingLeftovers()).toEqual([])
  })

  it('a step that rejects with undefined, null, a string, or an object that cannot be printed gets a readable issue, and every report and `venomqa report` work', async () => {
    const journey = `import { journey, step } from '@venomqa/core'
const unprintable = { get message() { throw new Error('no') }, toString() { throw new Error('no') }, toJSON() { throw new Error('no') } }
export default journey('odd_rejections', {
  steps: [
    step('fine_first', ({ http }) => http.get('/api/stats')),
    step('rejects_undefined', () => Promise.reject(undefined)),
    step('rejects_null', () => Promise.reject(null)),
    step('throws_a_string', () => { throw 'plain words' }),
    step('rejects_unprintable', () => Promise.reject(unprintable)),
  ],
})
`
    const config = `export default { baseUrl: process.env.APP_URL }\n`
    const run = await runProject({ 'venomqa.config.mjs': config, 'journeys/odd.journey.ts': journey }, ['run', ...REPORT_ARGS])
    const output = run.stdout + run.stderr
    expect(run.code, output).toBe(1)
    expect(output).not.toMatch(STACK_FRAME)
    const results = expectReports(run)
    const errors = Object.fromEntries(results.journeys[0].issues.map((i: any) => [i.step, i.error]))
    expect(errors).toEqual({
      rejects_undefined: expect.stringMatching(/undefined was thrown/),
      rejects_null: expect.stringMatching(/null was thrown/),
      throws_a_string: 'plain words',
      rejects_unprintable: expect.stringMatching(/reading its message threw too/),
    })
    expect(stepNamed(results, 'fine_first').status).toBe('passed')
    for (const step of ['rejects_undefined', 'rejects_null', 'throws_a_string', 'rejects_unprintable']) expect(output).toContain(step)
    // The saved file reads back: re-rendered by `venomqa report`, which prints it.
    const again = spawnSyncReport(run.dir, 'out/results.json')
    expect(again.status, again.stderr).toBe(0)
    expect(again.stdout).toContain('rejects_unprintable')
    // A file saved before every issue had an error (as older versions wrote) renders too.
    for (const j of results.journeys) for (const i of j.issues) delete i.error
    await writeFile(path.join(run.dir, 'out/old.json'), JSON.stringify(results))
    const old = spawnSyncReport(run.dir, 'out/old.json')
    expect(old.status, old.stderr).toBe(0)
    expect(old.stderr).not.toMatch(/failed/)
    expect(old.stdout).toMatch(/rejects_unprintable[\s\S]*no message was recorded/)
  })
})

function spawnSyncReport(dir: string, file: string) {
  return spawnSync(process.execPath, [CLI, 'report', file, '--reporter', 'console'], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, CI: 'true' } })
}
