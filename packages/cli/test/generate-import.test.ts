import { execFileSync } from 'node:child_process'
import { existsSync, lstatSync, readFileSync, readdirSync } from 'node:fs'
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { REPO_ROOT, type RunningProcess, describeWithService, freePort, listenLocally, startNodeProcess, startShopApp, startTodoApp } from '@venomqa/test-utils'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jsonApp } from './helpers/json-app'
import { type Project, assertBuilt, makeProject, cliHost } from './helpers/project'

/** This file's commands run in one process of the built CLI (see CliHost), but those that need one of their own. */
const host = cliHost()

// End to end: `venomqa generate` and `venomqa import postman` (the built binary) write journeys, and
// `venomqa run` runs them against the example apps, each in its own process.
const projects: Project[] = []
afterAll(async () => {
  for (const p of projects) await p.remove()
})

const read = (p: Project, file: string) => readFileSync(path.join(p.dir, file), 'utf8')
const TSC = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc')

/**
 * The journeys the tests below wrote, type-checked together by the last test of the file: one run of tsc
 * (about ten seconds, most of it loading TypeScript and @types/node) instead of one per test.
 */
const toTypecheck: { p: Project; dir: string; what: string }[] = []
const typecheckAtEnd = (p: Project, dir: string, what: string) => toTypecheck.push({ p, dir, what })

/** Type-check the journeys in `dirs` as a user's editor would (strict), with @venomqa/core's published types: tsc's output, or '' when clean. */
async function typecheck(dirs: readonly string[]): Promise<string> {
  const root = await makeProject(null, {}, host)
  projects.push(root)
  await writeFile(
    path.join(root.dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, module: 'ESNext', moduleResolution: 'Bundler', target: 'ES2022', types: ['node'], typeRoots: [path.join(REPO_ROOT, 'node_modules/@types')], skipLibCheck: true },
      include: dirs.map((dir) => `${dir}/**/*.ts`),
    }),
  )
  try {
    execFileSync(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: root.dir, encoding: 'utf8' })
    return ''
  } catch (err) {
    const output = String((err as { stdout?: string }).stdout || err)
    // tsc names a file by its path from where it ran: name the test that wrote it instead.
    return toTypecheck.reduce((text, t) => text.replaceAll(path.relative(root.dir, path.join(t.p.dir, t.dir)), `<${t.what}>`), output)
  }
}

/** The environment's secret password (local.postman_environment.json), which the imported journey reads from VENOMQA_SECRET_PASSWORD. */
const TODO_SECRETS = { VENOMQA_SECRET_PASSWORD: 'a long password' }

/**
 * Every kind of secret in secrets.postman_collection.json and secrets.postman_environment.json, with the
 * environment variable the imported journey reads it from.
 */
const SECRETS = {
  VENOMQA_SECRET_BEARER_TOKEN: 'sk_live_COLLECTIONTOKEN123', // the collection's bearer auth
  VENOMQA_SECRET_BASIC_PASSWORD: 'BASICPASS77', // a request's basic auth
  VENOMQA_SECRET_X_API_KEY: 'APIKEYAUTH321', // a request's apikey auth, in the X-API-KEY header
  VENOMQA_SECRET_X_SECRET_TOKEN: 'HEADERSECRET999', // a hard-coded header with a secret name
  VENOMQA_SECRET_API_KEY: 'QUERYKEY444', // a hard-coded ?api_key= in a URL
  VENOMQA_SECRET_CLIENT_SECRET: 'BODYSECRET888', // a hard-coded "client_secret" in a JSON body
  VENOMQA_SECRET_CLIENT_REF: 'ENVSECRETKEY111', // an environment variable of type secret
  VENOMQA_SECRET_PASSWORD: 'ENVPASSWORD222', // an environment variable named password
  VENOMQA_SECRET_DB_PASSWORD: 'DBPASS555', // a collection variable named dbPassword
}

/**
 * A server that answers 200 only when each request of the secrets collection carries the right secrets,
 * and 401 naming what was wrong (never a value) otherwise.
 */
async function startSecretsServer(): Promise<{ url: string; sawUndefined: () => boolean; close: () => Promise<void> }> {
  const basic = `Basic ${Buffer.from(`admin:${SECRETS.VENOMQA_SECRET_BASIC_PASSWORD}`).toString('base64')}`
  const checks = (req: http.IncomingMessage, url: URL, body: Record<string, unknown>): Record<string, boolean> => {
    if (url.pathname === '/users')
      return {
        bearer: req.headers.authorization === `Bearer ${SECRETS.VENOMQA_SECRET_BEARER_TOKEN}`,
        header: req.headers['x-secret-token'] === SECRETS.VENOMQA_SECRET_X_SECRET_TOKEN,
        typeSecret: req.headers['x-client-ref'] === SECRETS.VENOMQA_SECRET_CLIENT_REF,
        plain: req.headers['x-region'] === 'eu-west-1',
        query: url.searchParams.get('api_key') === SECRETS.VENOMQA_SECRET_API_KEY && url.searchParams.get('page') === '1',
      }
    if (url.pathname === '/login')
      return {
        basic: req.headers.authorization === basic,
        body:
          body.user === 'admin' &&
          body.password === SECRETS.VENOMQA_SECRET_PASSWORD &&
          body.db === SECRETS.VENOMQA_SECRET_DB_PASSWORD &&
          body.client_secret === SECRETS.VENOMQA_SECRET_CLIENT_SECRET,
      }
    if (url.pathname === '/keyed') return { apikey: req.headers['x-api-key'] === SECRETS.VENOMQA_SECRET_X_API_KEY }
    return { path: false }
  }
  // A secret read from an unset environment variable must never be sent as the text "undefined".
  let sawUndefined = false
  const server = http.createServer((req, res) => {
    let text = ''
    req.on('data', (d) => (text += d))
    req.on('end', () => {
      if ([req.url, text, ...Object.values(req.headers)].some((v) => String(v).includes('undefined'))) sawUndefined = true
      const wrong = Object.entries(checks(req, new URL(req.url ?? '/', 'http://x'), text ? JSON.parse(text) : {}))
        .filter(([, ok]) => !ok)
        .map(([name]) => name)
      res.writeHead(wrong.length ? 401 : 200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ wrong }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sawUndefined: () => sawUndefined,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** What GET /session answers: a token, which a Postman script logs. */
const SESSION_TOKEN = 'tok_LOGGED_SECRET_123456'

/** A server whose GET /session answers { token }, for the script that logs it. */
async function startSessionServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    res.writeHead(req.url === '/session' ? 200 : 404, { 'content-type': 'application/json' })
    res.end(JSON.stringify(req.url === '/session' ? { token: SESSION_TOKEN, user: 'ada' } : {}))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

describe('venomqa import postman: secrets read from the environment', () => {
  it('are masked in the console and the results wherever a step sends them, a plain header and a URL path too', async () => {
    const p = await makeProject(null, {}, host)
    projects.push(p)
    const collection = {
      info: { name: 'Regions', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
      variable: [{ key: 'region', value: 'eu-PRIVATE-9f3k2', type: 'secret' }],
      item: [{ name: 'region info', request: { method: 'GET', url: '{{baseUrl}}/regions/{{region}}', header: [{ key: 'X-Region', value: '{{region}}' }] } }],
    }
    await writeFile(path.join(p.dir, 'col.json'), JSON.stringify(collection))
    const imported = await p.venomqa(['import', 'postman', 'col.json', '--out', 'journeys'])
    expect(imported.code, imported.stderr).toBe(0)
    const file = readdirSync(path.join(p.dir, 'journeys')).map((f) => read(p, `journeys/${f}`)).join('\n')
    expect(file).not.toContain('eu-PRIVATE-9f3k2')
    const variable = /VENOMQA_SECRET_[A-Z_]+/.exec(file)![0]
    const seen: string[] = []
    const server = await listenLocally(
      http.createServer((req, res) => {
        seen.push(`${req.url} ${req.headers['x-region']}`)
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'down', url: req.url }))
      }),
    )
    try {
      // A 500, so that the console prints the failed step's whole request and response.
      const run = await p.venomqa(['run', 'journeys', '--base-url', server.url, '--save', 'results.json'], { env: { [variable]: 'eu-PRIVATE-9f3k2' } })
      expect(seen).toEqual(['/regions/eu-PRIVATE-9f3k2 eu-PRIVATE-9f3k2'])
      expect(run.code).toBe(1)
      expect(run.stdout).toContain('/regions/')
      for (const output of [run.stdout, run.stderr, read(p, 'results.json')]) expect(output).not.toContain('eu-PRIVATE-9f3k2')
    } finally {
      await server.close()
    }
  })
})

describe('venomqa import postman', () => {
  let app: RunningProcess
  let p: Project
  beforeAll(async () => {
    assertBuilt()
    app = await startTodoApp()
    p = await makeProject('postman-project', { TODO_URL: app.url }, host)
    projects.push(p)
  })
  afterAll(async () => {
    await app?.stop()
  })

  /** Import the todos collection into `dir`, change one line of its journey, and run it with the secrets set. */
  async function importChangedAndRun(dir: string, line: string, changed: string) {
    await p.venomqa(['import', 'postman', 'todos.postman_collection.json', '--environment', 'local.postman_environment.json', '--out', dir])
    const file = path.join(p.dir, dir, 'todos.journey.ts')
    const text = readFileSync(file, 'utf8')
    // The line must be there: a change that does nothing would test the journey as imported.
    expect(text).toContain(line)
    await writeFile(file, text.replace(line, changed))
    return p.venomqa(['run', `${dir}/todos.journey.ts`], { env: TODO_SECRETS })
  }

  it('turns folders into journeys whose translated tests pass against the todo app', async () => {
    const r = await p.venomqa(['import', 'postman', 'todos.postman_collection.json', '--environment', 'local.postman_environment.json', '--out', 'journeys'])
    // The environment's password is a secret: only where to set it is said, on stderr.
    expect(r.stderr).toBe(
      'venomqa: no secret is written in the journeys; they read it from this environment variable, to set before venomqa run:\n  VENOMQA_SECRET_PASSWORD: the Postman variable {{password}}\n',
    )
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('created journeys/todos.journey.ts')
    expect(r.stdout).toContain('created journeys/health.journey.ts')
    expect(r.stdout).not.toContain('not translated')
    const todos = read(p, 'journeys/todos.journey.ts')
    // The chained id: set by the create's test script, read by the later requests' URLs.
    expect(todos).toContain("ctx.set('todoId', res.json().id)")
    expect(todos).toContain("http.get(`/api/todos/${sentVariable(ctx, 'todoId')}`")
    // The environment's value wins over the collection's; a secret one is read from the environment.
    expect(todos).toContain("get password() { return fromEnvironment('VENOMQA_SECRET_PASSWORD') }")
    expect(todos).not.toContain('a long password')
    expect(todos).not.toContain('collection password')
    expect(todos).toContain("assertEqual(todo.done, false, 'todo.done')")
    // No Postman call is left (their source text remains only as assertion labels).
    expect(todos).not.toMatch(/^\s*pm\.|[(,] pm\./m)

    const run = await p.venomqa(['run', 'journeys'], { env: TODO_SECRETS })
    expect(run.stdout).toContain('✓ get_deleted_todo GET')
    expect(run.stdout).toMatch(/Journeys {2}2 passed of 2/)
    expect(run.code).toBe(0)
  })

  it('a secret whose environment variable is unset fails the step that reads it, naming the variable, instead of sending "undefined"', async () => {
    await p.venomqa(['import', 'postman', 'todos.postman_collection.json', '--environment', 'local.postman_environment.json', '--out', 'unset'])
    // The app signs up and logs in with any password: "undefined" in its place would pass.
    const run = await p.venomqa(['run', 'unset/todos.journey.ts'])
    expect(run.stdout).toContain('VENOMQA_SECRET_PASSWORD is not set: export it with the value of the Postman variable {{password}}')
    expect(run.stdout).toMatch(/Journeys {2}0 passed, 1 failed of 1/)
    expect(run.code).toBe(1)
  })

  it('a variable a request sends that has no value (the script that sets it did not run) fails that step, never sends "undefined"', async () => {
    const run = await importChangedAndRun('unsetvar', "ctx.set('todoId', res.json().id)", 'void res')
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('the Postman variable {{todoId}} has no value: no script set it')
    expect(run.stdout).not.toContain('/api/todos/undefined')
  })

  it('a translated test fails its step when the app answers otherwise', async () => {
    const run = await importChangedAndRun('changed', "assertEqual(todo.done, false, 'todo.done')", "assertEqual(todo.done, true, 'todo.done')")
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('is the one created: todo.done: expected true, got false')
  })

  it('writes no secret: the journeys read each from an environment variable their header names', async () => {
    const server = await startSecretsServer()
    try {
      const r = await p.venomqa(['import', 'postman', 'secrets.postman_collection.json', '--environment', 'secrets.postman_environment.json', '--out', 'secrets'])
      expect(r.code).toBe(0)
      const files = readdirSync(path.join(p.dir, 'secrets')).map((f) => read(p, `secrets/${f}`))
      const written = [...files, r.stdout].join('\n')
      for (const value of Object.values(SECRETS)) expect(written).not.toContain(value)

      const [users] = files as [string]
      expect(users).toContain('// Secrets are never written here; set these environment variables to send the values they stand for:')
      for (const name of Object.keys(SECRETS)) {
        expect(users).toMatch(new RegExp(`^//   ${name}: \\S`, 'm'))
        expect(users).toContain(`fromEnvironment('${name}')`)
        // Listed once on stderr, whatever the number of reads.
        expect(r.stderr.split(`  ${name}: `)).toHaveLength(2)
      }
      expect(r.stderr).toContain('VENOMQA_SECRET_CLIENT_REF: the Postman variable {{clientRef}}')
      expect(r.stderr).toContain('VENOMQA_SECRET_BEARER_TOKEN: the bearer token in the auth of the collection')
      // What is not a secret stays as it was; a reference to a secret variable stays a reference.
      // Every read goes through the one helper: no other code touches the environment.
      expect(users.match(/process\.env/g)).toHaveLength(1)
      expect(users).toContain("region: 'eu-west-1'")
      expect(users).toContain("userName: 'admin'")
      expect(users).toContain("emptyToken: ''")
      expect(users).toContain("'X-Client-Ref': `${sentVariable(ctx, 'clientRef')}`")
      expect(users).toContain("password: `${sentVariable(ctx, 'password')}`")
      typecheckAtEnd(p, 'secrets', 'the Postman import with secrets')

      // The journey sends each secret, from the environment: without it the server refuses every request.
      const run = await p.venomqa(['run', 'secrets', '--base-url', server.url], { env: SECRETS })
      expect(run.stdout).toMatch(/Journeys {2}1 passed of 1/)
      expect(run.code).toBe(0)
      expect(server.sawUndefined()).toBe(false)
      // Without them, the first request fails before it is sent, naming the variable and what it stands for.
      const unset = await p.venomqa(['run', 'secrets', '--base-url', server.url])
      expect(unset.stdout).toContain('VENOMQA_SECRET_API_KEY is not set: export it with the value of the api_key in the URL of request "List users"')
      expect(unset.code).toBe(1)
      expect(server.sawUndefined()).toBe(false)
    } finally {
      await server.close()
    }
  })

  it('keeps what it cannot translate as marked comments, and lists each line', async () => {
    const r = await p.venomqa(['import', 'postman', 'sync.postman_collection.json', '--out', 'sync'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("sync/health.journey.ts  health > health (pre-request script): pm.sendRequest('https://example.test/warm-up', function (err, res) {")
    expect(r.stdout).toContain("sync/health.journey.ts  health > health (test script): postman.setNextRequest('Health')")
    const file = read(p, 'sync/health.journey.ts')
    expect(file).toContain("// venomqa import: not translated: postman.setNextRequest('Health')")
    expect(file).toContain("// venomqa import: not translated: pm.sendRequest('https://example.test/warm-up', function (err, res) {")
    expect(file).toContain('// venomqa import: not translated: console.log(res)')
    // The rest of the script is translated around it, in order.
    expect(file).toMatch(/assertStatus\(res, 200\)\n.*setNextRequest.*\n\s+assertEqual\(res\.json\(\)\.ok, true/)
    const run = await p.venomqa(['run', 'sync'])
    expect(run.code).toBe(0)
  })

  it("turns the scripts' console calls into the step's log, which masks what they print", async () => {
    const server = await startSessionServer()
    try {
      const r = await p.venomqa(['import', 'postman', 'logs.postman_collection.json', '--out', 'logs'])
      expect(r.code).toBe(0)
      const file = read(p, 'logs/session.journey.ts')
      expect(file).toContain("step('get_session', async ({ http, log }) => {")
      expect(file).toContain("log.info('asking for a session')")
      expect(file).toContain("log.info('the token:', body.token)")
      expect(file).toContain("log.info('body', body)")
      expect(file).toContain('log.warn(`token ${body.token}`)')
      expect(file).toContain("log.error('token', [body.token, 'again'])")
      expect(file).toContain("  log.info('body.token', body.token)")
      expect(file).toContain("} catch (err) {\n        log.warn('not JSON without its first character')\n      }")
      expect(file).not.toMatch(/^\s*console\./m)
      // A console call with no step log equivalent is left out, and listed.
      expect(file).toContain('// venomqa import: not translated: console.table(body)')
      expect(r.stdout).toContain('logs/session.journey.ts  session > get_session (test script): console.table(body)')
      // A step whose scripts have a log of their own: log.info would be theirs, so the call is left out too.
      // Its warning of what was left out goes through the step's log, under a name the scripts do not use.
      expect(file).toContain("step('own_log', async ({ http, log: stepLog }) => {")
      expect(file).toContain(`stepLog.warn('1 line of this step was not translated by venomqa import and does not run: see "// venomqa import: not translated:" in session.journey.ts')`)
      expect(r.stdout).toContain("logs/session.journey.ts  session > own_log (test script): console.log('entries', log.length)")
      typecheckAtEnd(p, 'logs', "the Postman import with scripts' console calls")

      const run = await p.venomqa(['run', 'logs', '--base-url', server.url])
      expect(run.stdout).toMatch(/Journeys {2}1 passed of 1/)
      expect(run.code).toBe(0)
      expect(`${run.stdout}${run.stderr}`).not.toContain(SESSION_TOKEN)
      expect(run.stdout).not.toContain('entries')
      expect(run.stderr).toContain('  [session › get_session] asking for a session\n')
      expect(run.stderr).toContain('  [session › get_session] the token: "[REDACTED]"\n')
      expect(run.stderr).toContain('  [session › get_session] warning: token [REDACTED]\n')
      expect(run.stderr).toContain('"user":"ada"')
      expect(run.stderr).toContain('  [session › own_log] warning: 1 line of this step was not translated by venomqa import')
    } finally {
      await server.close()
    }
  })

  it('a collection that is not v2.1, a file where the output directory should be, and existing files are exit 2', async () => {
    const old = await p.venomqa(['import', 'postman', 'v2.0.postman_collection.json', '--out', 'old'])
    expect(old.code).toBe(2)
    expect(old.stderr).toContain('venomqa: v2.0.postman_collection.json at info.schema: "https://schema.getpostman.com/json/collection/v2.0.0/collection.json": only Postman collections v2.1 are read')
    expect(existsSync(path.join(p.dir, 'old'))).toBe(false)

    const notJson = await p.venomqa(['import', 'postman', 'venomqa.config.ts'])
    expect(notJson.code).toBe(2)
    expect(notJson.stderr).toMatch(/^venomqa: venomqa.config.ts:1:1 is not JSON \(/)

    const intoFile = await p.venomqa(['import', 'postman', 'todos.postman_collection.json', '--out', 'package.json'])
    expect(intoFile.code).toBe(2)
    expect(intoFile.stderr).toContain('venomqa: --out package.json is a file, not a directory')

    // A directory that cannot be made (here /proc, where nothing can; Node's own recursive mkdir never returns there).
    if (process.platform === 'linux') {
      const unmakeable = await p.venomqa(['import', 'postman', 'todos.postman_collection.json', '--out', '/proc/venomqa-out/journeys'])
      expect(unmakeable.code).toBe(2)
      expect(unmakeable.stderr).toMatch(/^venomqa: --out \/proc\/venomqa-out\/journeys: cannot make the directory \/proc\/venomqa-out \(ENOENT: [^)]*\)\. Nothing was written; give a directory you can write to\n/)
    }

    await p.venomqa(['import', 'postman', 'sync.postman_collection.json', '--out', 'again'])
    await writeFile(path.join(p.dir, 'again/health.journey.ts'), '// mine\n')
    const again = await p.venomqa(['import', 'postman', 'sync.postman_collection.json', '--out', 'again'])
    expect(again.code).toBe(2)
    expect(again.stderr).toContain('not overwriting what exists: again/health.journey.ts')
    expect(read(p, 'again/health.journey.ts')).toBe('// mine\n')
    const forced = await p.venomqa(['import', 'postman', 'sync.postman_collection.json', '--out', 'again', '--force'])
    expect(forced.code).toBe(0)
    expect(read(p, 'again/health.journey.ts')).toContain("journey('health'")
    // A directory where a file goes: refused before anything is written, --force or not.
    await mkdir(path.join(p.dir, 'dirs/health.journey.ts'), { recursive: true })
    const blocked = await p.venomqa(['import', 'postman', 'sync.postman_collection.json', '--out', 'dirs', '--force'])
    expect(blocked.code).toBe(2)
    expect(blocked.stderr).toContain('venomqa: a directory stands where a journey file goes: dirs/health.journey.ts. Nothing was written')
    expect(readdirSync(path.join(p.dir, 'dirs'))).toEqual(['health.journey.ts'])
  })

  it('--force replaces a link where a journey goes, and never writes the file it points to (generate too)', async () => {
    const outside = path.join(p.dir, 'outside.ts')
    await writeFile(outside, '// not a journey: the file a link in the output directory points to\n')
    await mkdir(path.join(p.dir, 'linked'), { recursive: true })
    await symlink(outside, path.join(p.dir, 'linked/health.journey.ts'))
    const refused = await p.venomqa(['import', 'postman', 'sync.postman_collection.json', '--out', 'linked'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('not overwriting what exists: linked/health.journey.ts')
    const forced = await p.venomqa(['import', 'postman', 'sync.postman_collection.json', '--out', 'linked', '--force'])
    expect(forced.code, forced.stderr).toBe(0)
    expect(lstatSync(path.join(p.dir, 'linked/health.journey.ts')).isSymbolicLink()).toBe(false)
    expect(read(p, 'linked/health.journey.ts')).toContain("journey('health'")
    expect(readFileSync(outside, 'utf8')).toBe('// not a journey: the file a link in the output directory points to\n')

    const doc = { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/health': { get: { tags: ['meta'], responses: { 200: { description: 'ok' } } } } } }
    await writeFile(path.join(p.dir, 'api.json'), JSON.stringify(doc))
    await mkdir(path.join(p.dir, 'generated'), { recursive: true })
    await symlink(outside, path.join(p.dir, 'generated/meta.journey.ts'))
    const generated = await p.venomqa(['generate', '--openapi', 'api.json', '--out', 'generated', '--force'])
    expect(generated.code, generated.stderr).toBe(0)
    expect(lstatSync(path.join(p.dir, 'generated/meta.journey.ts')).isSymbolicLink()).toBe(false)
    expect(read(p, 'generated/meta.journey.ts')).toContain("journey('meta_reads'")
    expect(readFileSync(outside, 'utf8')).toBe('// not a journey: the file a link in the output directory points to\n')
  })
})

describe('venomqa generate from a third-party document', () => {
  const examples = path.join(REPO_ROOT, 'packages/cli/node_modules/@readme/oas-examples/3.0/json')
  it.each(['petstore.json', 'petstore-expanded.json'])('%s (@readme/oas-examples) gives journeys that load (type-checked at the end of the file)', async (doc) => {
    const p = await makeProject(null, {}, host)
    projects.push(p)
    const r = await p.venomqa(['generate', '--openapi', path.join(examples, doc), '--out', 'journeys'])
    // petstore.json secures its pet operations with OAuth 2 and its store's with an API key header, and has no open login: its journeys read both,
    // and the password its GET /user/login takes in the query, an existing user's.
    const tokenNotice = `venomqa: no secret is written in the journeys; they read them from these environment variables, to set before venomqa run:\n  API_TOKEN: the bearer token the secured operations of ${path.join(examples, doc)} need\n  API_KEY: the API key api_key of ${path.join(examples, doc)}, sent in the api_key header\n  API_PASSWORD: the password query parameter of GET /user/login (loginUser) of ${path.join(examples, doc)}\n`
    expect(r.stderr).toBe(doc === 'petstore.json' ? tokenNotice : '')
    expect(r.code).toBe(0)
    const files = readdirSync(path.join(p.dir, 'journeys'))
    expect(files.length).toBeGreaterThan(0)
    typecheckAtEnd(p, 'journeys', `the journeys generated from ${doc}`)
    const list = await p.venomqa(['list', 'journeys'])
    expect(list.code).toBe(0)
  })

  it("a document's secured operations send the token from API_TOKEN: unset, the journey fails naming it and sends no empty token", async () => {
    const p = await makeProject(null, {}, host)
    projects.push(p)
    const secured = { get: { tags: ['items'], operationId: 'list_items', responses: { 200: { description: 'ok' } } } }
    const document = { openapi: '3.1.0', info: { title: 't', version: '1' }, components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } }, security: [{ bearerAuth: [] }], paths: { '/items': secured } }
    await writeFile(path.join(p.dir, 'api.json'), JSON.stringify(document))
    const r = await p.venomqa(['generate', '--openapi', 'api.json', '--out', 'journeys'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toBe('venomqa: no secret is written in the journeys; they read it from this environment variable, to set before venomqa run:\n  API_TOKEN: the bearer token the secured operations of api.json need\n')
    const file = read(p, 'journeys/items.journey.ts')
    expect(file).toContain('//   API_TOKEN: the bearer token the secured operations of api.json need')
    expect(file).toContain("http.setAuthToken(fromEnvironment('API_TOKEN'))")
    // Every read goes through the one helper: no other code touches the environment.
    expect(file.match(/process\.env/g)).toHaveLength(1)

    // An API that answers whatever the credentials: an empty token would pass here, testing nothing.
    const authorizations: Array<string | undefined> = []
    const server = await listenLocally(
      http.createServer((req, res) => {
        authorizations.push(req.headers.authorization)
        res.writeHead(200, { 'content-type': 'application/json' }).end('[]')
      }),
    )
    try {
      const unset = await p.venomqa(['run', 'journeys', '--base-url', server.url])
      expect(unset.stdout).toContain('API_TOKEN is not set: export it with the value of the bearer token the secured operations of api.json need')
      // The issue says what to do, not "an unexpected error": the thrown error carries its suggestion.
      expect(unset.stdout).toContain('Suggestion: Set API_TOKEN in the environment venomqa run starts in (on CI, from a secret): no journey file holds it.')
      expect(unset.stdout).not.toContain('unexpected error')
      expect(unset.stdout).toMatch(/Journeys {2}0 passed, 1 failed of 1/)
      expect(unset.code).toBe(1)
      // The journey stops at the missing token: no request goes out without it, and the variable is named once.
      expect(authorizations).toEqual([])
      expect(unset.stdout).toMatch(/Steps {5}0 passed, 1 failed, 1 skipped of 2\nIssues {4}1 high\n/)

      authorizations.length = 0
      const set = await p.venomqa(['run', 'journeys', '--base-url', server.url], { env: { API_TOKEN: 'tok_generate_123' } })
      expect(set.stdout).toMatch(/Journeys {2}1 passed of 1/)
      expect(set.code).toBe(0)
      expect(authorizations).toEqual(['Bearer tok_generate_123'])
    } finally {
      await server.close()
    }
  })

  it('petstore-expanded: create, read, then a branch that deletes and reads 404', async () => {
    const p = await makeProject(null, {}, host)
    projects.push(p)
    await p.venomqa(['generate', '--openapi', path.join(examples, 'petstore-expanded.json'), '--out', 'journeys'])
    const file = read(p, 'journeys/default.journey.ts')
    expect(file).toContain("const res = await http.post('/pets', { json: { name: 'name' } })")
    expect(file).toContain("ctx.set('id', res.json().id)")
    expect(file).toContain("http.delete(`/pets/${encodeURIComponent(String(ctx.require('id')))}`)")
    expect(file).toContain('assertStatus(res, 204)')

    // Its steps read the id the create gave: when the create fails, the rest is skipped (the journey is
    // failFast), where each would fail on the missing id and bury the one cause under its own failure.
    expect(file).toContain('  failFast: true,\n')
    const requests: string[] = []
    const refusing = await listenLocally(
      http.createServer((req, res) => {
        requests.push(`${req.method} ${req.url}`)
        res.writeHead(422, { 'content-type': 'application/json' }).end('{"error":"name taken"}')
      }),
    )
    try {
      const run = await p.venomqa(['run', 'journeys', '--base-url', refusing.url])
      expect(run.code).toBe(1)
      expect(run.stdout).toContain('Steps     0 passed, 1 failed, 3 skipped of 4\n')
      expect(run.stdout).toContain('Issues    1 high, 1 info\n') // the info: no state backend in this project
      expect(run.stdout).not.toContain('context has no')
      expect(requests).toEqual(['POST /pets'])
    } finally {
      await refusing.close()
    }
  })

  it("--openapi sends a URL's user:password as Basic auth and never prints them; an unreachable URL says why", async () => {
    const p = await makeProject(null, {}, host)
    projects.push(p)
    const document = readFileSync(path.join(examples, 'petstore-expanded.json'), 'utf8')
    const basic = `Basic ${Buffer.from('ada:pa55:w0rd').toString('base64')}`
    const server = await listenLocally(
      http.createServer((req, res) => {
        const ok = req.headers.authorization === basic
        res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(ok ? document : '{}')
      }),
    )
    try {
      const url = `http://ada:${encodeURIComponent('pa55:w0rd')}@127.0.0.1:${server.port}/openapi.json`
      const r = await p.venomqa(['generate', '--openapi', url, '--out', 'journeys'])
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      const written = [r.stdout, ...readdirSync(path.join(p.dir, 'journeys')).map((f) => read(p, `journeys/${f}`))].join('\n')
      expect(written).toContain(`http://ada:***@127.0.0.1:${server.port}/openapi.json`)
      expect(written).not.toContain('pa55')
    } finally {
      await server.close()
    }
    const port = await freePort()
    const down = await p.venomqa(['generate', '--openapi', `http://ada:pa55@127.0.0.1:${port}/openapi.json`, '--out', 'down'])
    expect(down.code).toBe(2)
    expect(down.stderr).toBe(`venomqa: cannot fetch the OpenAPI document http://ada:***@127.0.0.1:${port}/openapi.json: connection refused (ECONNREFUSED)\n`)
  })

  it('an unknown tag and a document that does not load are exit 2, naming them', async () => {
    const p = await makeProject(null, {}, host)
    projects.push(p)
    const tag = await p.venomqa(['generate', '--openapi', path.join(examples, 'petstore.json'), '--tag', 'pets'])
    expect(tag.code).toBe(2)
    // As run's --tag says it: the tag given is most likely a typo of one the document has.
    expect(tag.stderr).toContain('has no operation tagged "pets" (did you mean "pet"?); its tags: pet, store, user')
    await writeFile(path.join(p.dir, 'broken.json'), '{"openapi": "3.1.0", "paths": {"/a": {"get": {"responses": {"200": {"$ref": "#/components/responses/Nope"}}}}}}')
    const broken = await p.venomqa(['generate', '--openapi', 'broken.json'])
    expect(broken.code).toBe(2)
    expect(broken.stderr).toContain('broken.json#/paths/~1a/get/responses/200/$ref')
    expect(existsSync(path.join(p.dir, 'journeys'))).toBe(false)
  })

  it('a schema that is not JSON Schema, or that no value meets, is exit 2 naming its place, as explore --openapi says it', async () => {
    // Sampled anyway, `"type": "int"` was written as `pages: null` and `minimum` above `maximum` as a value the
    // document forbids, with no word: the journey failed against the API, or passed having sent nothing of use.
    const p = await makeProject(null, {}, host)
    projects.push(p)
    const book = (pages: object) => ({
      openapi: '3.1.0',
      info: { title: 'books', version: '1' },
      paths: { '/books': { post: { requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Book' } } } }, responses: { 201: { description: 'made' } } } } },
      components: { schemas: { Book: { type: 'object', required: ['pages'], properties: { pages } } } },
    })
    await writeFile(path.join(p.dir, 'typo.json'), JSON.stringify(book({ type: 'int' })))
    const typo = await p.venomqa(['generate', '--openapi', 'typo.json'])
    expect(typo.code).toBe(2)
    expect(typo.stderr).toMatch(/^venomqa: typo\.json#\/components\/schemas\/Book\/properties\/pages(\/type)?: not a valid JSON Schema: .*\n/)
    expect(typo.stderr).not.toMatch(/\n\s+at /)
    await writeFile(path.join(p.dir, 'bounds.json'), JSON.stringify(book({ type: 'integer', minimum: 10, maximum: 5 })))
    const bounds = await p.venomqa(['generate', '--openapi', 'bounds.json'])
    expect(bounds.code).toBe(2)
    expect(bounds.stderr).toContain('venomqa: bounds.json#/components/schemas/Book/properties/pages: no value can satisfy this schema: ')
    expect(existsSync(path.join(p.dir, 'journeys'))).toBe(false)
  })

  it('names journeys once across files; a tag that makes no journey gets no file, and a document that makes none is exit 2', async () => {
    const p = await makeProject(null, {}, host)
    projects.push(p)
    const list = (tag: string) => ({ get: { tags: [tag], operationId: `list_${tag.length}`, responses: { 200: { description: 'ok' } } } })
    // Two tags that are one name as a journey's (pets_owners), and one whose only operation needs an id nothing creates.
    const paths = { '/a': list('Pets & Owners'), '/b': list('pets-owners'), '/c/{id}': { get: { tags: ['orphans'], parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'ok' } } } } }
    await writeFile(path.join(p.dir, 'tags.json'), JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths }))
    const r = await p.venomqa(['generate', '--openapi', 'tags.json', '--out', 'gen'])
    expect(r.code, r.stderr).toBe(0)
    expect(readdirSync(path.join(p.dir, 'gen')).sort()).toEqual(['pets-owners-2.journey.ts', 'pets-owners.journey.ts'])
    expect(r.stderr).toContain('venomqa: no journey for tag "orphans": its operations need an id no operation creates, or a body to write by hand (GET /c/{id})')
    const listed = await p.venomqa(['list', 'gen'])
    expect(listed.code, listed.stderr).toBe(0)
    await writeFile(path.join(p.dir, 'orphans.json'), JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/c/{id}': paths['/c/{id}'] } }))
    const none = await p.venomqa(['generate', '--openapi', 'orphans.json', '--out', 'none'])
    expect(none.code).toBe(2)
    expect(none.stderr).toMatch(/^venomqa: orphans\.json gives no journey to write: each of its operations needs an id no operation creates, or a body to write by hand \(GET \/c\/\{id\}\)/)
    await writeFile(path.join(p.dir, 'empty.json'), JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: {} }))
    expect((await p.venomqa(['generate', '--openapi', 'empty.json', '--out', 'none'])).stderr).toMatch(/^venomqa: empty\.json has no operation to write a journey for/)
    expect(existsSync(path.join(p.dir, 'none'))).toBe(false)
  })

  it('says that journeys that branch need a state backend, and says nothing of it when none branches', async () => {
    const p = await makeProject(null, {}, host)
    projects.push(p)
    const item = { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } }
    const created = { 201: { description: 'made', content: { 'application/json': { schema: item } } } }
    const body = { content: { 'application/json': { schema: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } } }
    const idParam = [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }]
    const crud = {
      openapi: '3.1.0',
      info: { title: 't', version: '1' },
      paths: {
        '/items': { post: { tags: ['items'], operationId: 'create_item', requestBody: body, responses: created } },
        '/items/{id}': {
          get: { tags: ['items'], operationId: 'get_item', parameters: idParam, responses: { 200: { description: 'ok', content: { 'application/json': { schema: item } } } } },
          delete: { tags: ['items'], operationId: 'delete_item', parameters: idParam, responses: { 204: { description: 'gone' }, 404: { description: 'none' } } },
        },
      },
    }
    await writeFile(path.join(p.dir, 'crud.json'), JSON.stringify(crud))
    const branching = await p.venomqa(['generate', '--openapi', 'crud.json', '--out', 'crud'])
    expect(branching.code, branching.stderr).toBe(0)
    expect(read(p, 'crud/items.journey.ts')).toContain('branch(')
    expect(branching.stdout).toContain(
      "Their branches start each path from a checkpoint: give the run your app's database as a state backend (--plugin '@venomqa/state-postgres?url=<database url>', or @venomqa/state-mysql; see docs/plugins.md), or each path sees what the one before it wrote\n",
    )
    const reads = { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/health': { get: { tags: ['meta'], responses: { 200: { description: 'ok' } } } } } }
    await writeFile(path.join(p.dir, 'reads.json'), JSON.stringify(reads))
    const flat = await p.venomqa(['generate', '--openapi', 'reads.json', '--out', 'reads'])
    expect(flat.code, flat.stderr).toBe(0)
    expect(flat.stdout).not.toContain('state backend')
  })
})

/**
 * An API in its own process that checks each credential where its security scheme says it goes: an API
 * key in the X-API-Key header (/widgets), in the api_key query parameter (/reports), Basic auth
 * (/accounts), a session cookie (/profile), an OAuth 2 bearer token (/tokens), an admin's HTTP bearer token,
 * another token than the OAuth 2 one (/admin). Anything else is 401.
 * GET /seen counts the requests the API got (not /health, not itself).
 */
const SECURED_APP = jsonApp({
  state: `const KEYS = JSON.parse(process.env.APP_KEYS)
const widgets = new Map()
let nextId = 1
let seen = 0
const cookies = (req) => (req.headers.cookie ?? '').split(/;\\s*/)
const authorized = (req, url) => {
  if (url.pathname.startsWith('/widgets')) return req.headers['x-api-key'] === KEYS.header
  if (url.pathname === '/reports') return url.searchParams.get('api_key') === KEYS.query
  if (url.pathname === '/accounts') return req.headers.authorization === 'Basic ' + Buffer.from(KEYS.basic).toString('base64')
  if (url.pathname === '/profile') return cookies(req).includes('session=' + KEYS.cookie)
  if (url.pathname === '/tokens') return req.headers.authorization === 'Bearer ' + KEYS.bearer
  if (url.pathname === '/admin') return req.headers.authorization === 'Bearer ' + KEYS.admin
  return false
}`,
  early: "if (url.pathname === '/seen') return send(200, { seen })",
  handle: `
    seen++
    if (!authorized(req, url)) return send(401, { error: 'unauthorized' })
    const item = /^\\/widgets\\/(\\d+)$/.exec(url.pathname)
    if (req.method === 'POST' && url.pathname === '/widgets') {
      const widget = { id: nextId++, ...body }
      widgets.set(widget.id, widget)
      return send(201, widget)
    }
    if (item && req.method === 'GET') return widgets.has(Number(item[1])) ? send(200, widgets.get(Number(item[1]))) : send(404, { error: 'not found' })
    if (item && req.method === 'DELETE') return send(widgets.delete(Number(item[1])) ? 204 : 404)
    return send(200, [])`,
})

/** The document of SECURED_APP: the widgets' scheme is the document's own, each other operation names its own. */
function securedDocument() {
  const widget = { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } }
  const json = (schema: unknown) => ({ 'application/json': { schema } })
  const read = (tag: string, operationId: string, security: Record<string, string[]>[]) => ({ get: { tags: [tag], operationId, security, responses: { 200: { description: 'ok' } } } })
  return {
    openapi: '3.1.0',
    info: { title: 'secured', version: '1' },
    components: {
      securitySchemes: {
        WidgetKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        ReportKey: { type: 'apiKey', in: 'query', name: 'api_key' },
        AccountLogin: { type: 'http', scheme: 'basic' },
        SessionCookie: { type: 'apiKey', in: 'cookie', name: 'session' },
        Partner: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: 'https://auth.example.test/token', scopes: { read: 'read' } } } },
        AdminToken: { type: 'http', scheme: 'bearer' },
        Legacy: { type: 'http', scheme: 'digest' },
      },
    },
    security: [{ WidgetKey: [] }],
    paths: {
      '/widgets': {
        post: {
          tags: ['widgets'],
          operationId: 'create_widget',
          requestBody: { required: true, content: json({ type: 'object', required: ['name'], properties: { name: { type: 'string' } } }) },
          responses: { 201: { description: 'made', content: json(widget) } },
        },
      },
      '/widgets/{widgetId}': {
        parameters: [{ name: 'widgetId', in: 'path', required: true, schema: { type: 'integer' } }],
        get: { tags: ['widgets'], operationId: 'get_widget', responses: { 200: { description: 'ok', content: json(widget) }, 404: { description: 'gone' } } },
        delete: { tags: ['widgets'], operationId: 'delete_widget', responses: { 204: { description: 'deleted' } } },
      },
      '/reports': read('reports', 'list_reports', [{ ReportKey: [] }]),
      '/accounts': read('accounts', 'list_accounts', [{ AccountLogin: [] }]),
      '/profile': read('profile', 'get_profile', [{ SessionCookie: [] }]),
      '/tokens': read('tokens', 'list_tokens', [{ Partner: ['read'] }]),
      '/admin': read('admin', 'get_admin', [{ AdminToken: [] }]),
      '/legacy': read('legacy', 'get_legacy', [{ Legacy: [] }]),
    },
  }
}

describe('venomqa generate sends each credential the way its security scheme says', () => {
  const KEYS = { header: 'hdr_KEY_123', query: 'qry_KEY_456', basic: 'ada:pa55:w0rd', cookie: 'ck_789', bearer: 'tok_partner_42', admin: 'tok_admin_77' }
  /** The variables the journeys read, set to what the app wants. */
  const ENV = {
    API_WIDGET_KEY: KEYS.header,
    API_REPORT_KEY: KEYS.query,
    API_ACCOUNT_LOGIN_USERNAME: 'ada',
    API_ACCOUNT_LOGIN_PASSWORD: 'pa55:w0rd',
    API_SESSION_COOKIE: KEYS.cookie,
    API_PARTNER_TOKEN: KEYS.bearer,
    API_ADMIN_TOKEN: KEYS.admin,
  }
  const satisfiable = ['widgets', 'reports', 'accounts', 'profile', 'tokens', 'admin'].map((t) => `journeys/${t}.journey.ts`)
  let app: RunningProcess
  let p: Project
  let generated: Awaited<ReturnType<Project['venomqa']>>
  const seen = async () => ((await (await fetch(`${app.url}/seen`)).json()) as { seen: number }).seen

  beforeAll(async () => {
    assertBuilt()
    p = await makeProject(null, {}, host)
    projects.push(p)
    await writeFile(path.join(p.dir, 'app.mjs'), SECURED_APP)
    await writeFile(path.join(p.dir, 'api.json'), JSON.stringify(securedDocument()))
    app = await startNodeProcess(path.join(p.dir, 'app.mjs'), { env: { APP_KEYS: JSON.stringify(KEYS) } })
    generated = await p.venomqa(['generate', '--openapi', 'api.json', '--out', 'journeys'])
  })
  afterAll(async () => {
    await app?.stop()
  })

  it('writes where each credential goes, names each variable, and says which scheme it cannot send', () => {
    expect(generated.code, generated.stderr).toBe(0)
    for (const [name, standsFor] of Object.entries({
      API_WIDGET_KEY: 'the API key WidgetKey of api.json, sent in the X-API-Key header',
      API_REPORT_KEY: 'the API key ReportKey of api.json, sent in the api_key query parameter',
      API_ACCOUNT_LOGIN_USERNAME: 'the user name of the security scheme AccountLogin (HTTP Basic) of api.json',
      API_ACCOUNT_LOGIN_PASSWORD: 'the password of the security scheme AccountLogin (HTTP Basic) of api.json',
      API_SESSION_COOKIE: 'the API key SessionCookie of api.json, sent in the session cookie',
      // Two schemes send a bearer token: each reads its own variable, none API_TOKEN.
      API_PARTNER_TOKEN: 'the bearer token of the security scheme Partner of api.json',
      API_ADMIN_TOKEN: 'the bearer token of the security scheme AdminToken of api.json',
    }))
      expect(generated.stderr).toContain(`\n  ${name}: ${standsFor}\n`)
    const cannot = 'GET /legacy (get_legacy) needs the security scheme "Legacy" (http digest), which venomqa generate cannot send: its journey sends no credential; add it by hand'
    expect(generated.stderr).toContain(`venomqa: ${cannot}\n`)
    expect(read(p, 'journeys/legacy.journey.ts')).toContain(`// venomqa generate: ${cannot}`)
    expect(read(p, 'journeys/widgets.journey.ts')).toContain("http.setHeader('X-API-Key', fromEnvironment('API_WIDGET_KEY'))")
    expect(read(p, 'journeys/reports.journey.ts')).toContain("api_key: fromEnvironment('API_REPORT_KEY')")
    // Only the OAuth 2 and the admin's schemes send a bearer token, each its own.
    for (const tag of ['widgets', 'reports', 'profile']) expect(read(p, `journeys/${tag}.journey.ts`)).not.toContain('setAuthToken')
    expect(read(p, 'journeys/tokens.journey.ts')).toContain("http.setAuthToken(fromEnvironment('API_PARTNER_TOKEN'))")
    expect(read(p, 'journeys/admin.journey.ts')).toContain("http.setAuthToken(fromEnvironment('API_ADMIN_TOKEN'))")
    expect(generated.stderr).not.toContain('API_TOKEN')
    typecheckAtEnd(p, 'journeys', 'the journeys generated for each security scheme')
  })

  it('the journeys pass against the app with the variables set, and fail with a wrong key', async () => {
    const run = await p.venomqa(['run', ...satisfiable, '--base-url', app.url], { env: ENV })
    expect(run.stdout).toMatch(/Journeys {2}6 passed of 6/)
    expect(run.code).toBe(0)
    // The app refuses a wrong key: a pass above is the key reaching it where it checks.
    const wrong = await p.venomqa(['run', 'journeys/widgets.journey.ts', 'journeys/reports.journey.ts', '--base-url', app.url], { env: { ...ENV, API_WIDGET_KEY: 'nope', API_REPORT_KEY: 'nope' } })
    expect(wrong.stdout).toMatch(/Journeys {2}0 passed, 2 failed of 2/)
    expect(wrong.code).toBe(1)
  })

  it('an unset variable stops the journey before its first request, naming the variable once', async () => {
    const before = await seen()
    const run = await p.venomqa(['run', 'journeys/widgets.journey.ts', 'journeys/reports.journey.ts', '--base-url', app.url], { env: { ...ENV, API_WIDGET_KEY: undefined, API_REPORT_KEY: undefined } })
    expect(run.stdout).toMatch(/Journeys {2}0 passed, 2 failed of 2/)
    expect(run.code).toBe(1)
    // One failed step a journey (the one that reads the variable: the journey is failFast), each naming its
    // variable in the step and in its issue; the rest skipped.
    expect(run.stdout.split('API_WIDGET_KEY is not set: export it with the value of the API key WidgetKey of api.json')).toHaveLength(3)
    expect(run.stdout.split('API_REPORT_KEY is not set: export it with the value of the API key ReportKey of api.json')).toHaveLength(3)
    expect(run.stdout).toMatch(/Steps {5}0 passed, 2 failed, 4 skipped of 6\n/)
    expect(run.stdout).toMatch(/Issues {4}2 high[,\n]/)
    // No request went out without its credential: no cascade of 401s hiding the cause.
    expect(run.stdout).not.toContain('401')
    expect(await seen()).toBe(before)
  })

  it('with two of a file\'s variables unset, the first failed step names both, so one run says everything to set', async () => {
    const both = await p.venomqa(['run', 'journeys/accounts.journey.ts', '--base-url', app.url], {
      env: { ...ENV, API_ACCOUNT_LOGIN_USERNAME: undefined, API_ACCOUNT_LOGIN_PASSWORD: undefined },
    })
    expect(both.code).toBe(1)
    expect(both.stdout).toContain(
      'API_ACCOUNT_LOGIN_USERNAME is not set: export it with the value of the user name of the security scheme AccountLogin (HTTP Basic) of api.json; this file also reads API_ACCOUNT_LOGIN_PASSWORD, not set either',
    )
    expect(both.stdout).toContain(
      'Suggestion: Set API_ACCOUNT_LOGIN_USERNAME, API_ACCOUNT_LOGIN_PASSWORD in the environment venomqa run starts in (on CI, from a secret): no journey file holds them.',
    )
    // A variable that is set is not named.
    const one = await p.venomqa(['run', 'journeys/accounts.journey.ts', '--base-url', app.url], { env: { ...ENV, API_ACCOUNT_LOGIN_PASSWORD: undefined } })
    expect(one.code).toBe(1)
    expect(one.stdout).toContain('API_ACCOUNT_LOGIN_PASSWORD is not set: export it with the value of the password of the security scheme AccountLogin (HTTP Basic) of api.json\n')
    expect(one.stdout).not.toContain('API_ACCOUNT_LOGIN_USERNAME')
  })
})

/**
 * An API in its own process with accounts: an open sign-up, a login that answers a token, hooks made with
 * a signing secret of the caller's choosing, and items that need the token and an access_token query
 * parameter, the value APP_ACCESS_TOKEN. The account `al` exists already, with the password APP_PASSWORD.
 * GET /seen counts the other requests.
 */
const ACCOUNTS_APP = `import http from 'node:http'
const users = new Map([['al', process.env.APP_PASSWORD]])
const tokens = new Set()
const hooks = new Map()
let seen = 0
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://app')
  const send = (status, body) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  if (url.pathname === '/health') return send(200, { ok: true })
  if (url.pathname === '/seen') return send(200, { seen })
  let text = ''
  req.on('data', (d) => (text += d))
  req.on('end', () => {
    seen++
    const body = text ? JSON.parse(text) : {}
    if (url.pathname === '/signup') {
      if (!body.username || !body.password) return send(400, { error: 'username and password' })
      users.set(body.username, body.password)
      return send(201, { username: body.username })
    }
    if (url.pathname === '/login') {
      if (users.get(body.username) !== body.password) return send(401, { error: 'wrong username or password' })
      const token = 'tok-' + Math.random().toString(36).slice(2)
      tokens.add(token)
      return send(200, { token })
    }
    if (!tokens.has((req.headers.authorization ?? '').replace(/^Bearer /, ''))) return send(401, { error: 'log in first' })
    if (url.pathname === '/items') return url.searchParams.get('access_token') === process.env.APP_ACCESS_TOKEN ? send(200, []) : send(403, { error: 'wrong access_token' })
    if (req.method === 'POST' && url.pathname === '/hooks') {
      if (!body.signing_secret) return send(400, { error: 'signing_secret' })
      const hook = { id: hooks.size + 1, url: body.url }
      hooks.set(hook.id, hook)
      return send(201, hook)
    }
    const hook = /^\\/hooks\\/(\\d+)$/.exec(url.pathname)
    if (hook && hooks.has(Number(hook[1]))) return send(200, hooks.get(Number(hook[1])))
    send(404, { error: 'not found' })
  })
})
server.listen(Number(process.env.PORT), process.env.HOST, () => console.log('listening on http://' + process.env.HOST + ':' + server.address().port))
`

/** The examples of secret-named fields in accountsDocument: none may be written in a journey. */
const EXAMPLE_SECRETS = ['OA-EXAMPLE-PASSWORD-1a1a', 'OA-EXAMPLE-PASSWORD-3c3c', 'OA-EXAMPLE-ACCESS-TOKEN-2b2b', 'OA-EXAMPLE-SIGNING-SECRET-4d4d']

/** ACCOUNTS_APP's document, with examples under secret names everywhere; without its sign-up when `signUp` is false. */
function accountsDocument({ signUp }: { signUp: boolean }) {
  const json = (schema: unknown) => ({ 'application/json': { schema } })
  const credentials = { type: 'object', required: ['username', 'password'], properties: { username: { type: 'string' }, password: { type: 'string', minLength: 8 } } }
  const hook = { type: 'object', properties: { id: { type: 'integer' }, url: { type: 'string' } } }
  return {
    openapi: '3.1.0',
    info: { title: 'accounts', version: '1' },
    components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    paths: {
      ...(signUp && {
        // The whole body's example, as many documents give one.
        '/signup': { post: { tags: ['accounts'], operationId: 'sign_up', requestBody: { required: true, content: json({ ...credentials, example: { username: 'new-user', password: 'OA-EXAMPLE-PASSWORD-1a1a' } }) }, responses: { 201: { description: 'signed up' } } } },
      }),
      '/login': {
        post: {
          tags: ['accounts'],
          operationId: 'log_in',
          // An example per property.
          requestBody: { required: true, content: json({ ...credentials, properties: { username: { type: 'string', example: 'al' }, password: { type: 'string', example: 'OA-EXAMPLE-PASSWORD-3c3c' } } }) },
          responses: { 200: { description: 'ok', content: json({ type: 'object', properties: { token: { type: 'string' } } }) } },
        },
      },
      '/items': {
        get: {
          tags: ['accounts'],
          operationId: 'list_items',
          security: [{ bearerAuth: [] }],
          parameters: [{ name: 'access_token', in: 'query', required: true, schema: { type: 'string' }, example: 'OA-EXAMPLE-ACCESS-TOKEN-2b2b' }],
          responses: { 200: { description: 'ok' } },
        },
      },
      '/hooks': {
        post: {
          tags: ['hooks'],
          operationId: 'create_hook',
          security: [{ bearerAuth: [] }],
          requestBody: {
            required: true,
            content: json({ type: 'object', required: ['url', 'signing_secret'], properties: { url: { type: 'string', example: 'https://example.test/hook' }, signing_secret: { type: 'string', example: 'OA-EXAMPLE-SIGNING-SECRET-4d4d' } } }),
          },
          responses: { 201: { description: 'made', content: json(hook) } },
        },
      },
      '/hooks/{hookId}': {
        get: { tags: ['hooks'], operationId: 'get_hook', security: [{ bearerAuth: [] }], parameters: [{ name: 'hookId', in: 'path', required: true, schema: { type: 'integer' } }], responses: { 200: { description: 'ok', content: json(hook) } } },
      },
    },
  }
}

describe("venomqa generate writes no document's example of a secret", () => {
  const APP_PASSWORD = 'app-password-5e5e'
  const APP_ACCESS_TOKEN = 'app-access-token-6f6f'
  let app: RunningProcess
  let p: Project
  const seen = async () => ((await (await fetch(`${app.url}/seen`)).json()) as { seen: number }).seen
  const journeys = (dir: string) => readdirSync(path.join(p.dir, dir)).map((f) => read(p, `${dir}/${f}`))

  beforeAll(async () => {
    assertBuilt()
    p = await makeProject(null, {}, host)
    projects.push(p)
    await writeFile(path.join(p.dir, 'app.mjs'), ACCOUNTS_APP)
    await writeFile(path.join(p.dir, 'open.json'), JSON.stringify(accountsDocument({ signUp: true })))
    await writeFile(path.join(p.dir, 'closed.json'), JSON.stringify(accountsDocument({ signUp: false })))
    app = await startNodeProcess(path.join(p.dir, 'app.mjs'), { env: { APP_PASSWORD, APP_ACCESS_TOKEN } })
  })
  afterAll(async () => {
    await app?.stop()
  })

  it('with an open sign-up: a made-up password for the account the journey makes, a made-up signing secret, the access token from the environment', async () => {
    const generated = await p.venomqa(['generate', '--openapi', 'open.json', '--out', 'open'])
    expect(generated.code, generated.stderr).toBe(0)
    expect(generated.stderr).toBe(
      'venomqa: no secret is written in the journeys; they read it from this environment variable, to set before venomqa run:\n  API_ACCESS_TOKEN: the access_token query parameter of GET /items (list_items) of open.json\n',
    )
    for (const file of journeys('open')) for (const secret of EXAMPLE_SECRETS) expect(file).not.toContain(secret)
    const accounts = read(p, 'open/accounts.journey.ts')
    expect(accounts).toContain("{ query: { access_token: fromEnvironment('API_ACCESS_TOKEN') } }")
    expect(accounts).toMatch(/^const credentials = \{ username: 'new-user', password: '[^']{8,}' \}$/m)
    typecheckAtEnd(p, 'open', 'the journeys generated from a document with an open sign-up')

    const run = await p.venomqa(['run', 'open', '--base-url', app.url], { env: { API_ACCESS_TOKEN: APP_ACCESS_TOKEN } })
    expect(run.stdout).toMatch(/Journeys {2}2 passed of 2/)
    expect(run.code).toBe(0)
    const unset = await p.venomqa(['run', 'open/accounts.journey.ts', '--base-url', app.url])
    expect(unset.stdout).toContain('API_ACCESS_TOKEN is not set: export it with the value of the access_token query parameter of GET /items (list_items) of open.json')
    expect(unset.code).toBe(1)
  })

  it("without a sign-up: the login's password of an existing account from the environment; unset, no login is sent", async () => {
    const generated = await p.venomqa(['generate', '--openapi', 'closed.json', '--out', 'closed'])
    expect(generated.code, generated.stderr).toBe(0)
    expect(generated.stderr).toContain('\n  API_PASSWORD: the password of an existing account, which POST /login (log_in) of closed.json logs in with\n')
    expect(generated.stderr).toContain('\n  API_ACCESS_TOKEN: the access_token query parameter of GET /items (list_items) of closed.json\n')
    for (const file of journeys('closed')) for (const secret of EXAMPLE_SECRETS) expect(file).not.toContain(secret)
    expect(read(p, 'closed/accounts.journey.ts')).toContain("password: fromEnvironment('API_PASSWORD')")
    typecheckAtEnd(p, 'closed', 'the journeys generated from a document with a login and no sign-up')

    const env = { API_PASSWORD: APP_PASSWORD, API_ACCESS_TOKEN: APP_ACCESS_TOKEN }
    const run = await p.venomqa(['run', 'closed', '--base-url', app.url], { env })
    expect(run.stdout).toMatch(/Journeys {2}2 passed of 2/)
    expect(run.code).toBe(0)
    const before = await seen()
    const unset = await p.venomqa(['run', 'closed', '--base-url', app.url], { env: { ...env, API_PASSWORD: undefined } })
    expect(unset.stdout).toContain('API_PASSWORD is not set: export it with the value of the password of an existing account, which POST /login (log_in) of closed.json logs in with')
    expect(unset.stdout).toMatch(/Journeys {2}0 passed, 2 failed of 2/)
    expect(unset.code).toBe(1)
    // Each journey stops at the login it cannot send: nothing went out with a guessed password, or after it.
    expect(await seen()).toBe(before)
  })
})

const DB = `venomqa_generate_${process.pid}_cli`
const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres'
const DATABASE_URL = `postgres://postgres@127.0.0.1:5432/${DB}`
const withPostgres = await describeWithService('PostgreSQL', '127.0.0.1', 5432)

async function sql(url: string, query: string): Promise<void> {
  const c = new pg.Client({ connectionString: url })
  c.on('error', () => {})
  await c.connect()
  try {
    await c.query(query)
  } finally {
    await c.end()
  }
}

withPostgres('venomqa generate for the shop app', () => {
  let app: RunningProcess
  beforeAll(async () => {
    assertBuilt()
    await sql(ADMIN_URL, `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`)
    await sql(ADMIN_URL, `CREATE DATABASE ${DB}`)
    app = await startShopApp({ DATABASE_URL, SHOP_BUGS: 'none' })
  })
  afterAll(async () => {
    await app?.stop()
    await sql(ADMIN_URL, `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`)
  })

  it('writes a journey file per tag that passes against the fixed app (type-checked at the end of the file)', async () => {
    const p = await makeProject(null, { SHOP_URL: app.url, DATABASE_URL }, host)
    projects.push(p)
    await symlink(path.join(REPO_ROOT, 'packages/state-postgres'), path.join(p.dir, 'node_modules/@venomqa/state-postgres'), 'dir')
    await writeFile(path.join(p.dir, 'venomqa.json'), JSON.stringify({ baseUrl: '${SHOP_URL}', plugins: [['@venomqa/state-postgres', { url: '${DATABASE_URL}', mechanism: 'snapshot' }]] }))
    const r = await p.venomqa(['generate', '--openapi', path.join(REPO_ROOT, 'examples/shop-app/openapi.json'), '--out', 'journeys'])
    expect(r.code).toBe(0)
    expect(readdirSync(path.join(p.dir, 'journeys')).sort()).toEqual(['meta.journey.ts', 'orders.journey.ts', 'products.journey.ts', 'reservations.journey.ts', 'users.journey.ts'])
    const products = read(p, 'journeys/products.journey.ts')
    expect(products).toContain("ctx.set('productId', res.json().id)")
    expect(products).toContain("branch('product_created', [")
    expect(products).toMatch(/step\('get_product_after_delete'[\s\S]*assertStatus\(res, 404\)/)
    // The update sends another name and price than the create did, so reading it back shows an update that
    // changed nothing; a change that requires nothing sends what it can change, not only its first property.
    expect(products).toContain("{ json: { sku: 'sku', name: 'name', price: 10, stock: 10 } }")
    expect(products).toMatch(/step\('update_product'[\s\S]*\{ json: \{ name: 'name \(updated\)', price: 11 \} \}[\s\S]*assertEqual\(res\.json\(\)\.name, 'name \(updated\)', 'name'\)\n\s*assertEqual\(res\.json\(\)\.price, 11, 'price'\)/)
    // An order needs a product first: its path takes the product's id.
    expect(read(p, 'journeys/orders.journey.ts')).toMatch(/step\('create_product'[\s\S]*step\('create_order'[\s\S]*\/api\/products\/\$\{encodeURIComponent\(String\(ctx\.require\('productId'\)\)\)\}\/orders/)
    typecheckAtEnd(p, 'journeys', 'the journeys generated from the shop app')

    const run = await p.venomqa(['run', 'journeys'], { timeoutMs: 60_000 })
    expect(run.stderr).toBe('')
    expect(run.stdout).toMatch(/Journeys {2}5 passed of 5/)
    expect(run.code).toBe(0)

    const again = await p.venomqa(['generate', '--openapi', path.join(REPO_ROOT, 'examples/shop-app/openapi.json'), '--out', 'journeys'])
    expect(again.code).toBe(2)
    expect(again.stderr).toContain('not overwriting what exists: journeys/meta.journey.ts, journeys/users.journey.ts')
  })

  it('writes an orders journey alone (--tag orders) that creates the product it orders first, and passes against the fixed app', async () => {
    const p = await makeProject(null, { SHOP_URL: app.url, DATABASE_URL }, host)
    projects.push(p)
    await symlink(path.join(REPO_ROOT, 'packages/state-postgres'), path.join(p.dir, 'node_modules/@venomqa/state-postgres'), 'dir')
    await writeFile(path.join(p.dir, 'venomqa.json'), JSON.stringify({ baseUrl: '${SHOP_URL}', plugins: [['@venomqa/state-postgres', { url: '${DATABASE_URL}', mechanism: 'snapshot' }]] }))
    const r = await p.venomqa(['generate', '--openapi', path.join(REPO_ROOT, 'examples/shop-app/openapi.json'), '--out', 'orders', '--tag', 'orders'])
    expect(r.code, r.stderr).toBe(0)
    expect(readdirSync(path.join(p.dir, 'orders'))).toEqual(['orders.journey.ts'])
    // The products tag was not asked for: the document still says createProduct makes the id an order needs.
    expect(read(p, 'orders/orders.journey.ts')).toMatch(/step\('create_product'[\s\S]*ctx\.set\('productId', res\.json\(\)\.id\)[\s\S]*step\('create_order'/)
    typecheckAtEnd(p, 'orders', 'the orders journey generated from the shop app alone')

    const run = await p.venomqa(['run', 'orders'], { timeoutMs: 60_000 })
    expect(run.stderr).toBe('')
    expect(run.stdout).toMatch(/Journeys {2}1 passed of 1/)
    expect(run.code).toBe(0)
  })
})

// Last in the file: every journey the tests above wrote, in one run of tsc.
it('every journey written above type-checks as a user would see it (strict, with the published types)', async () => {
  // Each test that writes journeys adds them; fewer means a test above stopped before it got there.
  expect(toTypecheck.map((t) => t.what)).toHaveLength(9)
  expect(await typecheck(toTypecheck.map((t) => path.join(t.p.dir, t.dir)))).toBe('')
})
