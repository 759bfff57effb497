/**
 * End to end: `venomqa run --har` and `venomqa explore --har` with the built CLI against the todo app in its
 * own process. The file is checked by a HAR 1.2 validator (har-validator, on the HAR JSON schema) and
 * replayed in headless Chromium by Playwright's routeFromHAR; it holds no secret, and each entry names
 * the step that sent it.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { type RunningProcess, isCI, startTodoApp } from '@venomqa/test-utils'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TRICKY_TITLE } from './fixtures/reproduce-project/journeys/reproduce.journey'
import { type CliResult, type Project, assertBuilt, makeProject, cliHost } from './helpers/project'

/** This file's commands run in one process of the built CLI (see CliHost), but those that need one of their own. */
const host = cliHost()

const validateHar = (createRequire(import.meta.url)('har-validator') as { har(data: unknown): Promise<unknown> }).har

const RUN_ID = `${process.pid}-${Date.now()}`
const PASSWORD = 'PASSWORD-SECRET-5e2a7d'
const API_KEY = 'APIKEY-SECRET-9c4b1f'
const TOKEN_LIKE = /\b[0-9a-f]{64}\b/

interface Har {
  log: {
    version: string
    creator: { name: string; version: string }
    entries: {
      request: { method: string; url: string; headers: { name: string; value: string }[]; postData?: { text: string } }
      response: { status: number; content: { text?: string } }
      _venomqa?: { journey: string; path: string; step: string }
    }[]
  }
}

let app: RunningProcess
let project: Project
let run: CliResult
let explored: CliResult
const readHar = (file: string) => JSON.parse(readFileSync(path.join(project.dir, file), 'utf8')) as Har

beforeAll(async () => {
  assertBuilt()
  app = await startTodoApp()
  project = await makeProject('reproduce-project', { TODO_URL: app.url, API_KEY, RUN_ID, USER_PASSWORD: PASSWORD }, host)
  run = await project.venomqa(['run', '-r', 'console', '--har', 'out/run.har'])
  explored = await project.venomqa(['explore', 'explore/todos.explore.ts', '--no-emit', '--har', 'out/explore.har'])
}, 120_000)
afterAll(async () => {
  await project?.remove()
  await app?.stop()
})

describe('venomqa run --har', () => {
  it('writes every exchange of the run, in order, and says so', () => {
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('venomqa: HAR of 5 requests written to out/run.har\n')
    const { log } = readHar('out/run.har')
    expect(log.version).toBe('1.2')
    expect(log.creator.name).toBe('venomqa')
    expect(log.entries.map((e) => `${e.request.method} ${e.request.url.slice(app.url.length)} ${e.response.status}`)).toEqual([
      'POST /api/users 201',
      'POST /api/auth/login 200',
      "POST /api/todos?source=e2e&note=it%27s 422",
      'POST /api/todos 201',
      'GET /api/todos 200',
    ])
    expect(JSON.parse(log.entries[3]!.request.postData!.text)).toEqual({ title: TRICKY_TITLE })
  })

  it('names the journey, path and step of every entry', () => {
    const { log } = readHar('out/run.har')
    expect(log.entries.map((e) => e._venomqa)).toEqual(
      ['sign_up', 'log_in', 'add_todo_too_long', 'add_todo_tricky', 'list_todos'].map((step) => ({ journey: 'reproduce', path: 'main', step })),
    )
  })

  it('validates as HAR 1.2, with the step named in each entry', async () => {
    const har = readHar('out/run.har')
    expect(har.log.entries.every((e) => e._venomqa)).toBe(true)
    await expect(validateHar(har)).resolves.toBeTruthy()
  })

  it("names each path of a branch in its requests' entries (a journey with a checkpoint and two paths)", async () => {
    const branched = await makeProject('ts-project', { TODO_URL: app.url }, host)
    try {
      const r = await branched.venomqa(['run', 'todos', '--har', 'out/todos.har'])
      expect(r.code).toBe(0)
      const har = JSON.parse(readFileSync(path.join(branched.dir, 'out/todos.har'), 'utf8')) as Har
      const origin = new URL(app.url).origin
      expect(har.log.entries.map((e) => [`${e.request.method} ${e.request.url.slice(origin.length)}`, e._venomqa])).toEqual([
        ['POST /api/users', { journey: 'todos', path: 'main', step: 'register' }],
        ['POST /api/auth/login', { journey: 'todos', path: 'main', step: 'login' }],
        ['POST /api/todos', { journey: 'todos', path: 'create', step: 'create_todo' }],
        ['POST /api/todos', { journey: 'todos', path: 'no_title', step: 'create_without_title' }],
        ['GET /api/todos', { journey: 'todos', path: 'main', step: 'no_todos_after_branch' }],
      ])
      await expect(validateHar(har)).resolves.toBeTruthy()
    } finally {
      await branched.remove()
    }
  })

  it('holds no secret: the password, the API key and the session token are redacted', () => {
    const text = readFileSync(path.join(project.dir, 'out/run.har'), 'utf8')
    expect(text).not.toContain(PASSWORD)
    expect(text).not.toContain(API_KEY)
    expect(text).not.toMatch(TOKEN_LIKE)
    const { log } = readHar('out/run.har')
    expect(JSON.parse(log.entries[1]!.response.content.text!).token).toBe('[REDACTED]')
    expect(log.entries[4]!.request.headers).toContainEqual({ name: 'authorization', value: '[REDACTED]' })
  })

  it('is refused before the run when it is a report file, or stdout', async () => {
    const clash = await project.venomqa(['run', '-r', 'markdown:out/same.md', '--har', 'out/same.md'])
    expect(clash.code).toBe(2)
    expect(clash.stderr).toContain('--har and reporter "markdown" would both write out/same.md; give one of them another file')
    const stdout = await project.venomqa(['run', '--har', '-'])
    expect(stdout.code).toBe(2)
    expect(stdout.stderr).toContain('venomqa: --har needs a file name (a HAR is not written to stdout, where the console reporter writes)')
    for (const r of [clash, stdout]) {
      expect(r.stdout).not.toContain('VenomQA: running')
      expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?/)
    }
    expect(existsSync(path.join(project.dir, 'out/same.md'))).toBe(false)
  })
})

describe('venomqa explore --har', () => {
  it("writes the exploration's exchanges (setup and actions), a valid HAR without secrets", async () => {
    expect(explored.code).toBe(0)
    const har = readHar('out/explore.har')
    const lines = har.log.entries.map((e) => `${e.request.method} ${e.request.url.slice(app.url.length)}`)
    expect(lines.slice(0, 2)).toEqual(['POST /api/users', 'POST /api/auth/login'])
    expect(lines).toContain('POST /api/todos')
    expect(explored.stderr).toContain(`venomqa: HAR of ${lines.length} requests written to out/explore.har`)
    await expect(validateHar(har)).resolves.toBeTruthy()
    const text = readFileSync(path.join(project.dir, 'out/explore.har'), 'utf8')
    for (const secret of [PASSWORD, API_KEY]) expect(text).not.toContain(secret)
    expect(text).not.toMatch(TOKEN_LIKE)
  })

  it('names the setup step or the action, with the sequence that led to it, of every entry', () => {
    const entries = readHar('out/explore.har').log.entries
    const origins = entries.map((e) => e._venomqa!)
    expect(origins.every((o) => o && o.journey.length > 0)).toBe(true)
    expect(origins.slice(0, 2).map((o) => [o.path, o.step])).toEqual([
      ['setup', expect.any(String)],
      ['setup', expect.any(String)],
    ])
    const actions = origins.filter((o) => o.path !== 'setup')
    expect(actions.length).toBeGreaterThan(0)
    // An action's path is the sequence of actions taken from the root, each with its input, ending with this one.
    for (const o of actions) expect(new RegExp(`(^| > )${o.step}( [[{"].*)?$`).test(o.path), JSON.stringify(o)).toBe(true)
  })
})

// ---------------------------------------------------------------------------------------------------
// Replayed in a browser

const CHROMIUM = '/usr/bin/chromium'
if (!existsSync(CHROMIUM) && !isCI) console.warn(`\n!!! SKIPPING: ${CHROMIUM} is missing. The HAR replay test did NOT run (apt-get install -y chromium).\n`)
const describeWithChromium = existsSync(CHROMIUM) || isCI ? describe : describe.skip

describeWithChromium('the HAR in Chromium', () => {
  let browser: Browser
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing and CI is set: this test cannot be skipped (apt-get install -y chromium)`)
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] })
  })
  afterAll(async () => {
    await browser?.close()
  })

  it("answers a page's fetch from the file, not from the app", async () => {
    // Live, the app refuses a request without the token; the HAR holds the run's answer to it.
    expect((await fetch(`${app.url}/api/todos`)).status).toBe(401)
    const context = await browser.newContext()
    try {
      await context.route(`${app.url}/`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>replay</title>' }))
      await context.routeFromHAR(path.join(project.dir, 'out/run.har'), { url: '**/api/**', notFound: 'abort' })
      const page = await context.newPage()
      await page.goto(`${app.url}/`)
      const got = await page.evaluate(async () => {
        const res = await fetch('/api/todos')
        return { status: res.status, body: await res.json() }
      })
      expect(got.status).toBe(200)
      expect(got.body).toMatchObject([{ title: TRICKY_TITLE, done: false }])
      // A request the run never made is not in the file: aborted, not sent to the app.
      const missing = await page.evaluate(() => fetch('/api/never').then(() => 'answered', () => 'failed'))
      expect(missing).toBe('failed')
    } finally {
      await context.close()
    }
  })
})
