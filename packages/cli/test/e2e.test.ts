import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { type RunningProcess, freePort, startTodoApp } from '@venomqa/test-utils'
import { Ajv } from 'ajv'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { RESULTS_SCHEMA_FILE } from '../scripts/schemas'
import { checkJUnit } from './helpers/junit-shape'
import { type CliResult, type Project, assertBuilt, makeProject, waitUntil, cliHost } from './helpers/project'

/** This file's commands run in one process of the built CLI (see CliHost), but those that need one of their own. */
const host = cliHost()

// End to end: the built `venomqa` binary, run in small fixture projects with their own package.json and
// node_modules, against the example todo app (memory mode, its own process).
let app: RunningProcess
const projects: Project[] = []

beforeAll(async () => {
  assertBuilt()
  app = await startTodoApp()
})
afterAll(async () => {
  for (const p of projects) await p.remove()
  await app?.stop()
})
beforeEach(async () => {
  // Each run starts from an empty app.
  await fetch(`${app.url}/__venomqa/reset`, { method: 'POST' })
})

async function project(fixture: string | null, env: Record<string, string> = {}): Promise<Project> {
  const p = await makeProject(fixture, { TODO_URL: app.url, ...env }, host)
  projects.push(p)
  return p
}

type SlowStats = { pending: number; completed: number; aborted: number }

/** The todo app's count of /api/slow requests: waiting, answered, and ended by their client before the answer. */
async function slowStats(): Promise<SlowStats> {
  return (await fetch(`${app.url}/api/slow/stats`)).json() as Promise<SlowStats>
}

/** The same once none is waiting: a request let go counts once the app has seen its client go. */
async function settledSlowStats(): Promise<SlowStats> {
  await waitUntil(async () => (await slowStats()).pending === 0, 'no /api/slow request to be waiting in the app')
  return slowStats()
}

const noStack = (r: CliResult) => expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?/)
const read = (p: Project, file: string) => readFileSync(path.join(p.dir, file), 'utf8')

describe('venomqa run with a TypeScript config', () => {
  let ts: Project
  beforeAll(async () => {
    ts = await project('ts-project')
  })

  it('runs passing journeys (branch, rollback through http-control) and exits 0', async () => {
    const r = await ts.venomqa(['run', '--tag', 'smoke'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('✓ create_todo POST')
    expect(r.stdout).toContain('↺ rollback to logged_in (after-branch)')
    expect(r.stdout).toContain('✓ no_todos_after_branch')
    expect(r.stdout).toMatch(/Journeys {2}2 passed of 2/)
    expect(r.stdout).toContain('Result: PASSED')
  })

  it('a failing journey exits 1', async () => {
    const r = await ts.venomqa(['run', 'leaky_login'])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('✗ login_with_secrets POST')
    expect(r.stdout).toContain('Result: FAILED')
  })

  it('filters by file argument and --grep', async () => {
    const r = await ts.venomqa(['run', 'journeys/health.journey.ts', '--grep', '^sta'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('▶ stats')
    expect(r.stdout).not.toContain('▶ health')
  })

  it('redacts the Authorization header, the cookie and the password field in console, JSON, JUnit and Markdown', async () => {
    const r = await ts.venomqa(['run', '--tag', 'broken', '-r', 'console', '-r', 'json:out/results.json', '-r', 'junit:out/junit.xml', '-r', 'markdown:out/report.md'])
    expect(r.code).toBe(1)
    const outputs = { console: r.stdout, json: read(ts, 'out/results.json'), junit: read(ts, 'out/junit.xml'), markdown: read(ts, 'out/report.md') }
    for (const [name, text] of Object.entries(outputs)) {
      for (const secret of ['AUTH-SECRET-123', 'COOKIE-SECRET-456', 'PASSWORD-SECRET-789']) expect(text, `${name} leaks ${secret}`).not.toContain(secret)
      expect(text, `${name} shows the request`).toContain('/api/auth/login')
    }
    expect(r.stdout).toContain('> authorization: [REDACTED]')
    expect(r.stdout).toContain('> cookie: session=[REDACTED]')
    expect(r.stdout).toContain('"password": "[REDACTED]"')
    const step = JSON.parse(outputs.json).journeys[0].nodes[0]
    expect(step.request.headers).toMatchObject({ authorization: '[REDACTED]', cookie: 'session=[REDACTED]' })
    expect(JSON.stringify(step.request.body)).toContain('[REDACTED]')
    expect(outputs.junit).toContain('authorization: [REDACTED]')
    expect(outputs.markdown).toContain('cookie: session=[REDACTED]')
    expect(r.stderr).toContain('venomqa: junit report written to out/junit.xml')
  })

  it('writes JUnit XML that parses and has the JUnit shape, and JSON that validates against the results schema', async () => {
    const r = await ts.venomqa(['run', '--tag', 'smoke', '--tag', 'broken', '-r', 'junit:out/all.xml', '-r', 'json:out/all.json', '--save', 'out/saved.json'])
    expect(r.code).toBe(1)
    const { problems, suites } = checkJUnit(read(ts, 'out/all.xml'))
    expect(problems).toEqual([])
    expect(suites.map((s) => s.name).sort()).toEqual(['health', 'leaky_login', 'todos'])
    const todos = suites.find((s) => s.name === 'todos')!
    expect(todos.cases.map((c) => c.name)).toEqual(['register', 'login', 'create > create_todo', 'path create', 'no_title > create_without_title', 'path no_title', 'no_todos_after_branch'])
    const failed = suites.find((s) => s.name === 'leaky_login')!.cases[0]!
    expect(failed.outcome).toBe('failure')
    expect(failed.text).toContain('HTTP 401')

    const validate = new Ajv({ strict: true, allErrors: true }).compile(JSON.parse(readFileSync(RESULTS_SCHEMA_FILE, 'utf8')))
    for (const file of ['out/all.json', 'out/saved.json']) {
      const json = JSON.parse(read(ts, file))
      expect(validate(json), `${file}: ${JSON.stringify(validate.errors, null, 2)}`).toBe(true)
    }
  })

  it('venomqa report re-renders a saved run with any reporter', async () => {
    await ts.venomqa(['run', '--tag', 'broken', '--save', 'out/run.json', '-r', 'junit:out/first.xml', '-r', 'markdown:out/first.md'])
    const r = await ts.venomqa(['report', 'out/run.json', '-r', 'junit:out/again.xml', '-r', 'markdown:out/again.md', '-r', 'console'])
    expect(r.code).toBe(0)
    expect(read(ts, 'out/again.xml')).toBe(read(ts, 'out/first.xml'))
    expect(read(ts, 'out/again.md')).toBe(read(ts, 'out/first.md'))
    expect(r.stdout).toContain('▶ leaky_login')
    expect(r.stdout).toContain('Result: FAILED')
    const bad = await ts.venomqa(['report', 'venomqa.config.ts'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^venomqa: venomqa\.config\.ts:1:1 is not JSON/)
  })

  it('--plugin by short name: venomqa-plugin-csv from the project, with its reporter', async () => {
    const r = await ts.venomqa(['run', '--tag', 'smoke', '--plugin', 'csv', '-r', 'csv:out/results.csv'])
    expect(r.code).toBe(0)
    expect(read(ts, 'out/results.csv').split('\r\n').slice(0, 2)).toEqual([
      'journey_name,success,duration_ms,total_steps,passed_steps,issue_count,status',
      expect.stringMatching(/^health,true,\d+,1,1,0,passed$/),
    ])
  })

  it('--reporter <name> loads @venomqa/reporter-<name> when it is installed', async () => {
    const r = await ts.venomqa(['run', 'health', '-r', 'tally:out/tally.txt'])
    expect(r.code).toBe(0)
    expect(read(ts, 'out/tally.txt')).toBe('steps passed: 1\n')
  })

  it('without any base URL, a run warns up front and the relative requests fail saying where to set one', async () => {
    const bare = await project(null)
    await import('node:fs/promises').then(async (fs) => {
      await fs.mkdir(path.join(bare.dir, 'journeys'))
      await fs.copyFile(path.join(ts.dir, 'journeys/health.journey.ts'), path.join(bare.dir, 'journeys/health.journey.ts'))
    })
    const none = await bare.venomqa(['run'])
    expect(none.code).toBe(1)
    expect(none.stderr).toBe('venomqa: warning: no base URL (set baseUrl in the config, VENOMQA_BASE_URL or --base-url): relative requests in health, stats will fail\n')
    expect(none.stdout).toContain('needs a base URL')
    expect((await bare.venomqa(['run'], { env: { VENOMQA_BASE_URL: app.url } })).code).toBe(0)
  })

  it('a reporter no plugin declares is exit 2 naming the known ones', async () => {
    const r = await ts.venomqa(['run', '--tag', 'smoke', '-r', 'nosuch'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('venomqa: unknown reporter "nosuch": no plugin declares it and @venomqa/reporter-nosuch is not installed. Known reporters: console, json, junit, markdown')
    noStack(r)
  })

  it('a plugin for the wrong apiVersion is exit 2 with a clear message and no stack', async () => {
    const r = await ts.venomqa(['run', '--plugin', 'future'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe(
      "venomqa: plugin venomqa-plugin-future@5.0.0 is built for plugin API 2, newer than this VenomQA's (plugin API 1): upgrade @venomqa/cli and @venomqa/core to a release that speaks plugin API 2, or install a version of the plugin made for plugin API 1\n  at --plugin future\n",
    )
  })

  it('a plugin whose @venomqa/core peer range excludes this core is exit 2', async () => {
    const r = await ts.venomqa(['run', '--plugin', 'oldcore'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('venomqa: plugin venomqa-plugin-oldcore@1.4.0 needs @venomqa/core ^9.0.0, but this VenomQA runs @venomqa/core 0.1.0')
    noStack(r)
  })

  it('an unknown plugin is exit 2 listing every candidate tried; --debug adds the stack', async () => {
    const r = await ts.venomqa(['run', '--plugin', 'nope'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`venomqa: unknown plugin "nope": none of these packages is installed in ${ts.dir}:`)
    for (const c of ['nope', '@venomqa/nope', '@venomqa/adapter-nope', '@venomqa/state-nope', '@venomqa/reporter-nope', 'venomqa-plugin-nope'])
      expect(r.stderr).toContain(`  - ${c}\n`)
    noStack(r)
    const debug = await ts.venomqa(['run', '--plugin', 'nope', '--debug'])
    expect(debug.code).toBe(2)
    expect(debug.stderr).toMatch(/\n\s+at .+:\d+:\d+/)
  })

  it('--debug shows the request and response of every step, passed ones too, before or after the command', async () => {
    for (const args of [['run', 'health', '--debug'], ['--debug', 'run', 'health']]) {
      const r = await ts.venomqa(args)
      expect(r.code, args.join(' ')).toBe(0)
      expect(r.stdout, args.join(' ')).toMatch(/> GET http:\/\/127\.0\.0\.1:\d+\/health\n[\s\S]*< HTTP 200\n/)
    }
    expect((await ts.venomqa(['run', 'health'])).stdout).not.toContain('> GET')
  })

  it('a bad journey definition is exit 2 naming the file, the journey and the step, before any request', async () => {
    await import('node:fs/promises').then(async (fs) => {
      await fs.mkdir(path.join(ts.dir, 'wip'), { recursive: true })
      await fs.writeFile(
        path.join(ts.dir, 'wip/bad.journey.ts'),
        "import { branch, journey, path, step } from '@venomqa/core'\nexport default journey('bad', { steps: [step('a', ({ http }) => http.post('/api/users', { json: {} })), branch('nowhere', [path('p', [step('b', () => 1)])])] })\n",
      )
    })
    const before = await (await fetch(`${app.url}/api/stats`)).json()
    const r = await ts.venomqa(['run', 'wip'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('venomqa: wip/bad.journey.ts:2:105: journey "bad", step "branch nowhere": branch names unknown checkpoint "nowhere" (no checkpoint is declared before it)\n')
    expect(await (await fetch(`${app.url}/api/stats`)).json()).toEqual(before)
  })

  it('bad flags are exit 2 naming the flag', async () => {
    const r = await ts.venomqa(['run', '--retries', 'many'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('venomqa: --retries: expected a whole number from 0 to 100, got "many"\n')
    expect((await ts.venomqa(['run', '--no-such-flag'])).code).toBe(2)
    expect((await ts.venomqa(['run', '--profile', 'nope'])).stderr).toContain('profile "nope" is not defined in venomqa.config.ts (profiles: strict)')
  })

  it('Ctrl-C stops after the current request, rolls back, writes reports marked interrupted, exits 130', async () => {
    const before = await settledSlowStats()
    const run = ts.spawn(['run', '--tag', 'slow', '--save', 'out/int.json', '-r', 'console', '-r', 'junit:out/int.xml'])
    await waitUntil(() => run.output().stdout.includes('path waits'), 'the slow path to start')
    await waitUntil(async () => (await slowStats()).pending === 1, 'the app to receive the slow request')
    run.child.kill('SIGINT')
    // The slow request would take 2 min: a run that waited for it would fail at the test's timeout.
    const r = await run.done
    expect(r.code).toBe(130)
    // It was cancelled: the app saw its client go, and never answered it.
    expect(await settledSlowStats()).toEqual({ pending: 0, completed: before.completed, aborted: before.aborted + 1 })
    expect(r.stderr).toContain('venomqa: interrupted: finishing the current request, rolling back, writing reports')
    expect(r.stdout).toContain('↺ rollback to registered (interrupt)')
    expect(r.stdout).toContain('Result: INTERRUPTED')
    const saved = JSON.parse(read(ts, 'out/int.json'))
    expect(saved.interrupted).toBe(true)
    expect(saved.journeys[0].interrupted).toBe(true)
    expect(read(ts, 'out/int.xml')).toContain('<testsuites name="venomqa (interrupted)"')
    expect(readdirSync(path.join(ts.dir, 'out')).filter((f) => f.startsWith('.venomqa-tmp-'))).toEqual([])
  })

  it('a run killed before it writes leaves no older run\'s results or reports where it would have written', async () => {
    // A CI step that merges shards, or reads a JUnit file, would take these for this run's, and call it green.
    mkdirSync(path.join(ts.dir, 'out'), { recursive: true })
    for (const f of ['out/killed.json', 'out/killed.xml', 'out/killed.har']) writeFileSync(path.join(ts.dir, f), 'an earlier run\n')
    const run = ts.spawn(['run', '--tag', 'slow', '--save', 'out/killed.json', '-r', 'console', '-r', 'junit:out/killed.xml', '--har', 'out/killed.har'])
    await waitUntil(() => run.output().stdout.includes('path waits'), 'the slow path to start')
    run.child.kill('SIGKILL')
    await run.done
    for (const f of ['out/killed.json', 'out/killed.xml', 'out/killed.har']) expect(existsSync(path.join(ts.dir, f)), f).toBe(false)
  })

  it('after a run that was killed, --last-failed runs every selected journey: the earlier passing record is gone', async () => {
    // `venomqa run || venomqa run --last-failed` read the record of the run before the killed one:
    // "no journey failed: nothing to run", exit 0, over a run that never finished.
    const passed = await ts.venomqa(['run', '--tag', 'smoke'])
    expect(passed.code).toBe(0)
    expect(JSON.parse(read(ts, '.venomqa/last-run.json'))).toMatchObject({ status: 'passed', failedJourneys: [] })
    const run = ts.spawn(['run', '--tag', 'slow'])
    await waitUntil(() => run.output().stdout.includes('path waits'), 'the slow path to start')
    run.child.kill('SIGKILL')
    await run.done
    expect(existsSync(path.join(ts.dir, '.venomqa/last-run.json'))).toBe(false)
    await fetch(`${app.url}/__venomqa/reset`, { method: 'POST' })
    const again = await ts.venomqa(['run', '--tag', 'smoke', '--last-failed'])
    expect(again.stderr).toContain('venomqa: --last-failed: no record of a finished last run')
    expect(again.stderr).toContain('running every selected journey')
    expect(again.stdout).toMatch(/Journeys {2}2 passed of 2/)
    expect(again.code).toBe(0)
  })

  it('a run that stops on a mistake in a flag or the config leaves no earlier run\'s record, nor the outputs it names', async () => {
    // The record of the passing run before it stayed: the next --last-failed said "no journey failed:
    // nothing to run", exit 0; and a bad --timeout left an earlier run's report where this one's would be.
    const record = path.join(ts.dir, '.venomqa/last-run.json')
    for (const [mistake, env] of [[['--timeout', 'abc'], {}], [[], { VENOMQA_TIMEOUT: 'abc' }]] as const) {
      await fetch(`${app.url}/__venomqa/reset`, { method: 'POST' })
      const passed = await ts.venomqa(['run', '--tag', 'smoke'])
      expect(passed.code, passed.stdout).toBe(0)
      expect(existsSync(record)).toBe(true)
      mkdirSync(path.join(ts.dir, 'out'), { recursive: true })
      writeFileSync(path.join(ts.dir, 'out/stopped.json'), 'an earlier run\n')
      const stopped = await ts.venomqa(['run', '--tag', 'smoke', ...mistake, '-r', 'json:out/stopped.json'], { env })
      expect(stopped.code, stopped.stderr).toBe(2)
      expect(existsSync(record), `${mistake.join(' ')}${Object.keys(env).join('')}: the record`).toBe(false)
      expect(existsSync(path.join(ts.dir, 'out/stopped.json')), 'the report it names').toBe(false)
    }
    await fetch(`${app.url}/__venomqa/reset`, { method: 'POST' })
    const again = await ts.venomqa(['run', '--tag', 'smoke', '--last-failed'])
    expect(again.stderr).toContain('venomqa: --last-failed: no record of a finished last run')
    expect(again.code).toBe(0)
  })

  it('an interrupted run records what it never finished, so `run || run --last-failed` reruns it instead of passing', async () => {
    // It used to put back the record of the run before it: after a passing run, "nothing failed: nothing
    // to run", exit 0, over a journey that never finished.
    const passed = await ts.venomqa(['run', '--tag', 'smoke'])
    expect(passed.code).toBe(0)
    const run = ts.spawn(['run', '--tag', 'slow'])
    await waitUntil(() => run.output().stdout.includes('path waits'), 'the slow path to start')
    run.child.kill('SIGINT')
    expect((await run.done).code).toBe(130)
    const record = JSON.parse(read(ts, '.venomqa/last-run.json'))
    expect(record).toMatchObject({ status: 'failed', interrupted: true, failedJourneys: [expect.stringMatching(/#slow$/)] })
  })

  it('Ctrl-C after the journeys ran (a runEnd hook that takes its time) marks what it writes interrupted, as its exit code says', async () => {
    // The results and reports said passed, not interrupted, under exit code 130.
    writeFileSync(
      path.join(ts.dir, 'plugins/slow-run-end.mjs'),
      [
        "import { definePlugin } from '@venomqa/core'",
        "export default definePlugin({ name: 'slow-run-end', version: '1.0.0', apiVersion: 1, hooks: {",
        // It ends when the Ctrl-C comes (or after 30 s): taking its time, without making the test wait it out.
        "  async runEnd() { process.stderr.write('ending slowly\\n'); await new Promise((r) => { const t = setTimeout(r, 30_000); process.once('SIGINT', () => { clearTimeout(t); r() }) }) },",
        '} })',
        '',
      ].join('\n'),
    )
    await fetch(`${app.url}/__venomqa/reset`, { method: 'POST' })
    const run = ts.spawn(['run', '--tag', 'smoke', '--plugin', './plugins/slow-run-end.mjs', '--save', 'out/late.json', '-r', 'console', '-r', 'json:out/late-report.json'])
    await waitUntil(() => run.output().stderr.includes('ending slowly'), 'the slow runEnd hook')
    run.child.kill('SIGINT')
    const r = await run.done
    expect(r.code).toBe(130)
    for (const file of ['out/late.json', 'out/late-report.json']) expect(JSON.parse(read(ts, file)), file).toMatchObject({ interrupted: true })
    // The summary comes after it, once: INTERRUPTED, and stderr says what was cut short.
    expect(r.stdout.match(/^Result: .*$/gm)).toEqual(['Result: INTERRUPTED'])
    expect(r.stderr).toContain('venomqa: interrupted after the journeys ran: what was still to do (a runEnd hook, a report or the close) was cut short')
    expect(JSON.parse(read(ts, '.venomqa/last-run.json'))).toMatchObject({ status: 'failed', interrupted: true })
  })

  it('a second Ctrl-C exits at once, even while cleanup hangs', async () => {
    const run = ts.spawn(['run', '--tag', 'slow', '--plugin', './plugins/slow-close.ts', '--save', 'out/int2.json'])
    await waitUntil(() => run.output().stdout.includes('path waits'), 'the slow path to start')
    run.child.kill('SIGINT')
    await waitUntil(() => run.output().stderr.includes('closing slowly'), 'the hanging cleanup')
    expect(existsSync(path.join(ts.dir, 'out/int2.json'))).toBe(true)
    // The cleanup never ends by itself: a quit that waited for it would fail at the test's timeout.
    run.child.kill('SIGINT')
    const r = await run.done
    expect(r.code).toBe(130)
    // The reports were out: only what closing would have tidied is left.
    expect(r.stderr).toMatch(/venomqa: quitting now, before the run finished:\n {2}- closing did not finish: \S+ may keep what it set up in the system under test until the next run connects/)
    expect(r.stderr).not.toContain('not written')
  })

  /**
   * `venomqa run --tag slow` with the slow-rollback plugin and `args`: Ctrl-C once the slow path started,
   * and again once the interrupted journey's rollback hangs (or is slow): how it ended, with when the
   * second Ctrl-C was sent.
   */
  async function quitDuringRollback(args: string[], env: Record<string, string> = {}): Promise<{ r: CliResult; said: string }> {
    const run = ts.spawn(['run', '--tag', 'slow', '--plugin', './plugins/slow-rollback.ts', ...args], { env })
    await waitUntil(() => run.output().stdout.includes('path waits'), 'the slow path to start')
    run.child.kill('SIGINT')
    await waitUntil(() => run.output().stderr.includes('rolling back slowly'), 'the interrupted journey\'s rollback')
    run.child.kill('SIGINT')
    const r = await run.done
    return { r, said: r.stderr.slice(r.stderr.indexOf('venomqa: quitting now')) }
  }

  it('a second Ctrl-C while the interrupted journey is put back says which backends had not put their part back, and which files are missing', async () => {
    const { r, said } = await quitDuringRollback(['--save', 'out/int3.json', '-r', 'console', '-r', 'junit:out/int3.xml'])
    expect(r.code).toBe(130)
    // http-control goes first and had put its part back when stuck-db hung: it said both were not.
    expect(said).toContain(
      '\n  - journey "slow" was put back to its checkpoint "registered" in http-control only, not in stuck-db: what it wrote there since is still in the app\'s data, and the next run starts from it\n',
    )
    expect(said).toContain('\n  - not written: out/int3.json, out/int3.xml\n')
    expect(said).toContain('\n  - closing did not finish')
  })

  it('a second Ctrl-C there, with a backend that undoes what the run left itself: its part is not said to stay, and it is asked to let go', async () => {
    const mark = path.join(ts.dir, 'out/let-go.txt')
    const { r, said } = await quitDuringRollback(['--save', 'out/int4.json'], { STUCK_DB_UNDOES: '1', STUCK_DB_LET_GO_FILE: mark })
    expect(r.code).toBe(130)
    expect(said).toContain(
      '\n  - journey "slow" was put back to its checkpoint "registered" in http-control only, and stuck-db undoes its part itself once this process ends, so the next run does not start from it\n',
    )
    // Its letGo ran before the process ended: an in-process proxy puts the sequences back there.
    expect(read(ts, 'out/let-go.txt')).toBe('let go\n')
    expect(said).not.toContain('did not finish undoing')
  })

  it('a second Ctrl-C whose letGo outlasts the rest of the run: the process waits for it, and writes none of the files it said it left', async () => {
    const mark = path.join(ts.dir, 'out/let-go-slow.txt')
    // The rollback ends 300 ms after the quit, and the run could go on to its end (files, close, exit)
    // long before the letGo's 1200 ms: the process ended there, the letGo cut short.
    const { r } = await quitDuringRollback(['--save', 'out/int6.json'], { STUCK_DB_UNDOES: '1', STUCK_DB_ROLLBACK_MS: '300', STUCK_DB_LET_GO_MS: '1200', STUCK_DB_LET_GO_FILE: mark })
    expect(r.code).toBe(130)
    expect(r.stderr).toContain('\n  - not written: out/int6.json\n')
    expect(existsSync(mark)).toBe(true)
    expect(existsSync(path.join(ts.dir, 'out/int6.json'))).toBe(false)
    expect(r.stderr).not.toContain('did not finish undoing')
  })

  it('a second Ctrl-C whose letGo lets the rollback under way finish: the journey is not said to stay, and the lines come in one piece', async () => {
    // The template backend's letGo: the rollback (500 ms more) is let finish, and the journey is put back.
    const { r, said } = await quitDuringRollback(['--save', 'out/int7.json'], { STUCK_DB_ROLLBACK_MS: '500', STUCK_DB_LET_GO: 'finish-rollback' })
    expect(r.code).toBe(130)
    expect(said).not.toContain('was not put back')
    expect(said).toMatch(/^venomqa: quitting now, before the run finished:\n {2}- not written: out\/int7\.json\n {2}- closing did not finish: /)
    expect(existsSync(path.join(ts.dir, 'out/int7.json'))).toBe(false)
  })

  it('a third Ctrl-C while a backend lets go: the quit stops waiting, and names the backend among what is left', async () => {
    const run = ts.spawn(['run', '--tag', 'slow', '--plugin', './plugins/slow-rollback.ts', '--save', 'out/int8.json'], { env: { STUCK_DB_UNDOES: '1', STUCK_DB_LET_GO: 'hang' } })
    await waitUntil(() => run.output().stdout.includes('path waits'), 'the slow path to start')
    run.child.kill('SIGINT')
    await waitUntil(() => run.output().stderr.includes('rolling back slowly'), "the interrupted journey's rollback")
    run.child.kill('SIGINT')
    // Said at once, so that the moment it waits is not a silence (LET_GO_MS: the third comes well within it).
    await waitUntil(() => run.output().stderr.includes('venomqa: quitting: the state backends first undo what only this process can (2 s at most; Ctrl-C again not to wait)\n'), 'the quit to wait for the backends')
    run.child.kill('SIGINT')
    const r = await run.done
    expect(r.code).toBe(130)
    const said = r.stderr.slice(r.stderr.indexOf('venomqa: quitting now'))
    expect(said).toMatch(/^venomqa: quitting now, before the run finished:\n/)
    expect(said).toContain('\n  - stuck-db had not finished undoing what it holds when the quit stopped waiting\n')
    expect(said).not.toContain('within 2000 ms')
  })

  it('a second Ctrl-C with a backend whose letGo hangs exits once its moment is over, saying so', async () => {
    // LET_GO_MS (2 s), then out: the letGo never ends by itself, and a quit that waited for it would fail
    // at the test's timeout.
    const { r } = await quitDuringRollback(['--save', 'out/int5.json'], { STUCK_DB_UNDOES: '1', STUCK_DB_LET_GO: 'hang' })
    expect(r.code).toBe(130)
    expect(r.stderr).toMatch(/\n {2}- stuck-db did not finish undoing what it holds within 2000 ms\n$/)
  })
})

describe('venomqa run with a YAML config', () => {
  it('loads JS journeys, a plugin with options (interpolated), a TS plugin by path, and the profile', async () => {
    const yaml = await project('yaml-project', { STAMP_LABEL: 'hello from env' })
    const r = await yaml.venomqa(['run', '--profile', 'ci'])
    expect(r.stderr).toBe('venomqa: stamp report written to out/stamp.txt\n')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('✓ register_again POST')
    expect(read(yaml, 'out/stamp.txt')).toBe('hello from env: passed 1/1\n')
    expect(read(yaml, 'out/audit.txt')).toBe(
      ['signup main register passed', 'signup duplicate register_again passed', 'signup login login passed', 'signup main profile_header_sent passed', 'profile=ci', ''].join('\n'),
    )
  })

  it('a broken config is exit 2 with a message naming each key', async () => {
    const broken = await project('broken-config')
    const r = await broken.venomqa(['run'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('venomqa: venomqa.yaml has 4 problems:')
    expect(r.stderr).toContain('  - baseURL: unknown key (did you mean "baseUrl"?)')
    expect(r.stderr).toContain('  - retries: expected a whole number from 0 to 100, got "three"')
    expect(r.stderr).toContain('  - timeout: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got -5')
    expect(r.stderr).toContain('  - reporters[0].file: unknown key; known keys: name, output, options')
    noStack(r)
  })
})

describe('the other commands', () => {
  it('list shows journeys, tags and the paths tree; --json too', async () => {
    const ts = await project('ts-project')
    const r = await ts.venomqa(['list', '--tag', 'smoke'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('todos  [smoke]  journeys/todos.journey.ts')
    expect(r.stdout).toContain('  ⑂ branch from logged_in\n    ├ path create\n    │   step create_todo\n    └ path no_title\n        step create_without_title (expects failure)')
    expect(r.stdout).toContain('2 journeys in 2 files; tags: smoke (2)')
    const json = JSON.parse((await ts.venomqa(['list', '--json'])).stdout)
    expect(json.map((j: { name: string }) => j.name)).toEqual(['leaky_login', 'health', 'stats', 'slow', 'todos'])
    // What the text says of a step, the JSON says too: a step that expects failure (or is skipped) was a bare name.
    const todos = json.find((j: { name: string }) => j.name === 'todos')
    const branch = todos.tree.find((n: { kind: string }) => n.kind === 'branch')
    expect(branch.children[1]).toEqual({ kind: 'path', name: 'no_title', children: [{ kind: 'step', name: 'create_without_title', expectFailure: true }] })
    expect(branch.children[0].children).toEqual([{ kind: 'step', name: 'create_todo' }])
  })

  it('plugins shows what resolved, its version and where from', async () => {
    const yaml = await project('yaml-project')
    const r = await yaml.venomqa(['plugins', '--plugin', 'csv'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/http-control\s+0\.1\.0\s+http-control\s+built into @venomqa\/runner@0\.1\.0 {2}\(options: url\)/)
    expect(r.stdout).toMatch(/@acme\/venomqa-plugin-stamp\s+2\.3\.0\s+@acme\/stamp\s+node_modules\/@acme\/venomqa-plugin-stamp {2}\(options: label\)/)
    expect(r.stdout).toMatch(/audit\s+0\.0\.1\s+\.\/plugins\/audit\.ts\s+plugins\/audit\.ts/)
    expect(r.stdout).toMatch(/venomqa-plugin-csv\s+0\.1\.0\s+csv\s+\S*examples\/plugin-csv/)
    const json = JSON.parse((await yaml.venomqa(['plugins', '--json'])).stdout)
    expect(json.plugins.map((p: { source: string }) => p.source)).toEqual(['built-in', 'package', 'path'])
    // An option `venomqa run` would refuse is refused here too, before anything is listed.
    const wrong = await yaml.venomqa(['plugins', '--plugin', 'http-control?url=http://127.0.0.1:1&bogus=1'])
    expect(wrong.code).toBe(2)
    expect(wrong.stderr).toContain('--plugin http-control?bogus: unknown option')
    expect(wrong.stdout).toBe('')
  })

  it('doctor gives a verdict per check, exits 1 when the API is unreachable, and 2 when a plugin is unknown too', async () => {
    const ts = await project('ts-project')
    const ok = await ts.venomqa(['doctor'])
    expect(ok.stdout).toMatch(/^✓ config {5}venomqa\.config\.ts$/m)
    expect(ok.stdout).toMatch(/^✓ plugin {5}http-control 0\.1\.0 \(built in\)$/m)
    expect(ok.stdout).toMatch(/^✓ journeys {3}5 journeys in 4 files$/m)
    expect(ok.stdout).toMatch(/^✓ base URL {3}http:\/\/127\.0\.0\.1:\d+ answered \d+ in \d+ ms$/m)
    expect(ok.stdout).toMatch(/^✓ service {4}http-control is healthy$/m)
    expect(ok.stdout).toMatch(/^✓ state {6}http-control connected, checkpointed, rolled back and released$/m)
    expect(ok.stdout).toContain('doctor: all 7 checks passed')
    expect(ok.code).toBe(0)
    const nobody = `http://127.0.0.1:${await freePort()}`
    const down = await ts.venomqa(['doctor'], { env: { TODO_URL: nobody } })
    expect(down.code).toBe(1)
    expect(down.stdout).toContain(`✗ base URL   ${nobody} is not reachable: ECONNREFUSED\n`)
    expect(down.stdout).toMatch(new RegExp(`^✗ service {4}http-control: .*${nobody.replace(/\./g, '\\.')}.*ECONNREFUSED`, 'm')) // the cause, as run names it
    expect(down.stdout).toMatch(/^✗ state {6}state backend "http-control" .*could not connect/m)
    expect(down.stdout).toMatch(/doctor: 3 of \d+ checks failed\n/)
    // An unknown plugin is the user's mistake, as for `venomqa run`: exit 2, whatever else is down.
    const unknown = await ts.venomqa(['doctor', '--plugin', 'nope'], { env: { TODO_URL: nobody } })
    expect(unknown.code).toBe(2)
    expect(unknown.stdout).toMatch(/^✗ plugin {5}unknown plugin "nope"/m)
    expect(unknown.stdout).toMatch(/doctor: 4 of \d+ checks failed, 1 of them a mistake in the config, a plugin or a journey\n/)
  })

  it('doctor fails a plugin whose setup runs past pluginTimeout, naming it, as the run would fail every journey', async () => {
    // The runner abandons such a setup without throwing: doctor said "all checks passed" over it.
    const p = await project(null)
    writeFileSync(path.join(p.dir, 'package.json'), JSON.stringify({ name: 'hangs', type: 'module' }))
    writeFileSync(
      path.join(p.dir, 'hangs.mjs'),
      "import { definePlugin } from '@venomqa/core'\nexport default definePlugin({ name: 'hangs', version: '1.0.0', apiVersion: 1, setup: () => new Promise((r) => setTimeout(r, 20_000).unref()) })\n",
    )
    writeFileSync(path.join(p.dir, 'venomqa.json'), JSON.stringify({ plugins: ['./hangs.mjs'], pluginTimeout: 300, journeys: ['*.journey.mjs'] }))
    writeFileSync(path.join(p.dir, 'a.journey.mjs'), "import { journey, step } from '@venomqa/core'\nexport default journey('a', { steps: [step('s', () => {})] })\n")
    const r = await p.venomqa(['doctor'])
    expect(r.stdout).toMatch(/^✗ setup {6}plugin "hangs" setup timed out after 300 ms; nothing ran/m)
    expect(r.stdout).toMatch(/doctor: 1 of \d+ checks failed\n/)
    expect(r.code).toBe(1)
  })

  it('init scaffolds a project that runs, and never overwrites without --force', async () => {
    const fresh = await project(null)
    await import('node:fs/promises').then((fs) => fs.writeFile(path.join(fresh.dir, 'package.json'), '{\n    "name": "app",\n    "scripts": { "test": "vitest" }\n}\n'))
    const r = await fresh.venomqa(['init', '--base-url', app.url])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('created venomqa.config.ts\ncreated journeys/example.journey.ts\nadded "test:api": "venomqa run" to package.json')
    expect(r.stdout).toContain(`\nNext: start your API (on ${app.url}, or set API_URL to where it runs), then npm run test:api\n`) // the packages are installed: no install advice
    const pkg = read(fresh, 'package.json')
    expect(JSON.parse(pkg).scripts).toEqual({ test: 'vitest', 'test:api': 'venomqa run' })
    expect(pkg).toContain('\n    "name"') // indentation kept
    const run = await fresh.venomqa(['run'])
    expect(run.stdout).toContain('Result: PASSED')
    expect(run.code).toBe(0)
    expect(read(fresh, 'reports/junit.xml')).toContain('<testsuite name="example"')

    await import('node:fs/promises').then((fs) => fs.writeFile(path.join(fresh.dir, 'journeys/example.journey.ts'), '// mine'))
    const again = await fresh.venomqa(['init'])
    expect(again.code).toBe(2)
    expect(again.stderr).toContain('venomqa: not overwriting what exists: venomqa.config.ts, journeys/example.journey.ts. Nothing was written; use --force to replace them')
    expect(read(fresh, 'journeys/example.journey.ts')).toBe('// mine')
    expect((await fresh.venomqa(['init', '--force'])).code).toBe(0)
    expect(read(fresh, 'journeys/example.journey.ts')).toContain("journey('example'")
  })

  it('init writes --base-url as a string literal that loads as given, whatever quotes it holds', async () => {
    const quoted = await project(null)
    const url = `${app.url}/o'brien`
    const r = await quoted.venomqa(['init', '--base-url', url])
    expect(r.code).toBe(0)
    // doctor loads the config: the base URL it reads is the one given, quote and all.
    const doctor = await quoted.venomqa(['doctor'])
    expect(doctor.stderr).not.toContain('could not load')
    expect(doctor.stdout).toContain(`base URL   ${url} answered`)

    const injected = await project(null)
    const code = "http://x/'+process.exit(7)+'"
    expect((await injected.venomqa(['init', '--base-url', code])).code).toBe(0)
    expect(read(injected, 'venomqa.config.ts')).toContain(`baseUrl: '\${API_URL:-http://x/\\'+process.exit(7)+\\'}',`)
    const list = await injected.venomqa(['list'])
    expect(list.code).toBe(0)
    expect(list.stdout).toContain('example')
  })

  it('init refuses a --base-url with a password, which it would write into the config in clear', async () => {
    const p = await project(null)
    const r = await p.venomqa(['init', '--base-url', 'http://u:CliPassw0rd@127.0.0.1:3000'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('venomqa: --base-url holds a password (http://u:***@127.0.0.1:3000), which would be written into venomqa.config.ts')
    expect(r.stderr + r.stdout).not.toContain('CliPassw0rd')
    expect(existsSync(path.join(p.dir, 'venomqa.config.ts'))).toBe(false)
    // A user name alone holds no secret.
    expect((await p.venomqa(['init', '--base-url', 'http://u@127.0.0.1:3000'])).code).toBe(0)
  })

  it('init refuses a --base-url that is not an http(s) URL, at once and writing nothing', async () => {
    const p = await project(null)
    for (const bad of ['not a url', 'ftp://example.test', 'http://127.0.0.1:3000/api?v=2']) {
      const r = await p.venomqa(['init', '--base-url', bad])
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(/^venomqa: --base-url: expected /)
      expect(r.stderr).toContain(JSON.stringify(bad))
      expect(existsSync(path.join(p.dir, 'venomqa.config.ts'))).toBe(false)
      expect(existsSync(path.join(p.dir, 'journeys'))).toBe(false)
    }
    // Its credentials are never echoed.
    const secret = await p.venomqa(['init', '--base-url', 'http://ada:s3cr3tpass@127.0.0.1:3000/x?y'])
    expect(secret.code).toBe(2)
    expect(secret.stderr).not.toContain('s3cr3tpass')
  })

  it('init without the packages installed says which to install', async () => {
    const bare = await project(null)
    await import('node:fs/promises').then((fs) => fs.unlink(path.join(bare.dir, 'node_modules/@venomqa/core')))
    const r = await bare.venomqa(['init'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('no package.json here: run the journeys with npx venomqa run\n\nNext: npm install -D @venomqa/core, then start your API (on http://localhost:3000, or set API_URL to where it runs), then npx venomqa run\n')
  })

  it('--help and --version answer without config, and unknown commands are exit 2', async () => {
    const empty = await project(null)
    const help = await empty.venomqa(['--help'])
    expect(help.code).toBe(0)
    for (const cmd of ['run', 'list', 'init', 'report', 'plugins', 'doctor']) expect(help.stdout).toContain(`  ${cmd} `)
    const version = await empty.venomqa(['--version'])
    expect(version.stdout).toBe(`${JSON.parse(readFileSync(path.join(__dirname, '../package.json'), 'utf8')).version}\n`)
    const runHelp = await empty.venomqa(['run', '--help'])
    for (const flag of ['--config', '--base-url', '--plugin', '--reporter', '--grep', '--tag', '--fail-fast', '--timeout', '--retries', '--profile', '--save', '--debug'])
      expect(runHelp.stdout).toContain(flag)
    const bad = await empty.venomqa(['frobnicate'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("venomqa: unknown command 'frobnicate'")
    // Asked for its help, a command that is not there says so: the program's help and exit 0 read as if it were.
    for (const flag of ['--help', '-h']) {
      const unknownHelp = await empty.venomqa(['init-plugin', flag])
      expect(unknownHelp.code).toBe(2)
      expect(unknownHelp.stderr).toContain("venomqa: unknown command 'init-plugin'")
      expect(unknownHelp.stdout).toBe('')
    }
    // A command group without its command is a mistake too: its help, on stderr, and exit 2.
    const group = await empty.venomqa(['import'])
    expect(group.code).toBe(2)
    expect(group.stderr).toContain('Usage: venomqa import [options] [command]')
    expect((await empty.venomqa(['import', '--help'])).code).toBe(0)
  })
})
