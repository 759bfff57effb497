import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { CLOSED_PORT, REPO_ROOT, type RunningProcess, startTodoApp } from '@venomqa/test-utils'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type CliResult, cliHost, type Project, assertBuilt, makeProject } from './helpers/project'

// Every user mistake is exit 2 with one clear message, before any request reaches the app; state is touched
// only where the user said so. The built `venomqa` binary runs in small projects made per test.

/** An app that only counts what reaches it: a mistake caught before the run must leave it at zero. */
let counter: { url: string; hits: string[]; close(): Promise<void> }
let todo: RunningProcess
const projects: Project[] = []
/** This file's commands run in one process of the built CLI (see CliHost), but those that need one of their own. */
const host = cliHost()

beforeAll(async () => {
  assertBuilt()
  const hits: string[] = []
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`)
    res.setHeader('content-type', 'application/json')
    res.end('{}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  counter = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
  todo = await startTodoApp()
})
afterAll(async () => {
  for (const p of projects) await p.remove()
  await counter?.close()
  await todo?.stop()
})
beforeEach(() => {
  counter.hits.length = 0
})

const JOURNEY = `import { journey, step } from '@venomqa/core'
export default journey('ping', { steps: [step('ping', ({ http }) => http.get('/ping'))] })
`

async function project(files: Record<string, string>): Promise<Project> {
  const p = await makeProject(null, { APP_URL: counter.url, TODO_URL: todo.url }, host)
  projects.push(p)
  for (const [name, text] of Object.entries({ 'journeys/ping.journey.ts': JOURNEY, ...files })) {
    await mkdir(path.dirname(path.join(p.dir, name)), { recursive: true })
    await writeFile(path.join(p.dir, name), text)
  }
  return p
}

/** Exit 2, one message, no stack trace, and nothing sent to the app. */
function expectRefused(r: CliResult, message: RegExp): void {
  expect(r.code, r.stdout + r.stderr).toBe(2)
  expect(r.stderr).toMatch(message)
  expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?/)
  expect(r.stderr).not.toMatch(/unexpected error|runner crashed/)
  expect(counter.hits).toEqual([])
}

describe('user mistakes: exit 2, one clear message, no request sent', () => {
  it('a config file that exports a function that throws names the file', async () => {
    const p = await project({ 'venomqa.config.mjs': `export default () => { throw new Error('DATABASE_HOST missing') }\n` })
    expectRefused(await p.venomqa(['run']), /venomqa\.config\.mjs:1:30 exports a function that threw while making the config: DATABASE_HOST missing/)
  })

  it('an unset variable, a misspelt key and a wrong type are reported together', async () => {
    const p = await project({ 'venomqa.yaml': 'baseUrl: ${APP_URL}\nretires: 2\ntimeout: soon\nheaders:\n  x-token: ${NOT_SET_ANYWHERE}\n' })
    const r = await p.venomqa(['run'])
    expectRefused(r, /venomqa\.yaml has 3 problems:/)
    expect(r.stderr).toMatch(/headers\["x-token"\]|headers\.x-token/)
    expect(r.stderr).toMatch(/environment variable NOT_SET_ANYWHERE is not set/)
    expect(r.stderr).toMatch(/retires.*did you mean "retries"/i)
    expect(r.stderr).toMatch(/timeout: expected a positive whole number of milliseconds, at most 2147483647 \(about 24\.8 days\), got "soon"/)
  })

  it('a --timeout longer than a Node timer keeps is refused, naming the flag: it fired at once, failing every step', async () => {
    const p = await project({ 'venomqa.yaml': 'baseUrl: http://127.0.0.1:9\n' })
    const r = await p.venomqa(['run', '--timeout', '99999999999'])
    expectRefused(r, /--timeout: expected a positive whole number of milliseconds, at most 2147483647 \(about 24\.8 days\), got "99999999999"/)
  })

  it('a journey whose baseUrl is not an http(s) URL is a definition error', async () => {
    const journey = `import { journey, step } from '@venomqa/core'
export default journey('elsewhere', { baseUrl: 'localhost:3000', steps: [step('ping', ({ http }) => http.get('/ping'))] })
`
    const p = await project({ 'venomqa.config.mjs': 'export default { baseUrl: process.env.APP_URL }\n', 'journeys/ping.journey.ts': journey })
    expectRefused(await p.venomqa(['run']), /journey "elsewhere": baseUrl must use http:\/\/ or https:\/\/, got "localhost:3000"/)
  })

  it("a step option of the wrong type or a misspelt one is a definition error naming the journey, the step and the option: `expectFailure: 'no'` passed a failing step", async () => {
    const journey = (options: string) => `import { journey, step } from '@venomqa/core'
export default journey('mistyped', { steps: [step('ping', ({ http }) => http.get('/ping'), ${options})] })
`
    const config = { 'venomqa.config.mjs': 'export default { baseUrl: process.env.APP_URL }\n' }
    const wrongType = await project({ ...config, 'journeys/ping.journey.ts': journey("{ expectFailure: 'no' }") })
    expectRefused(await wrongType.venomqa(['run']), /^venomqa: journeys\/ping\.journey\.ts:2:\d+: journey "mistyped", step "ping": expectFailure: expected true, false, an HTTP status from 400 to 599 \(422\) or a list of them \(\[401, 403\]\), got "no"\n$/)
    const typo = await project({ ...config, 'journeys/ping.journey.ts': journey('{ tiemout: 5000 }') })
    expectRefused(await typo.venomqa(['run']), /^venomqa: journeys\/ping\.journey\.ts:2:\d+: journey "mistyped", step "ping": unknown option "tiemout" \(did you mean "timeout"\?\)\n$/)
  })

  it('a base URL with a query or fragment is refused (the config, --base-url, a journey\'s), its secrets masked: each request\'s path would land inside the query', async () => {
    const p = await project({ 'venomqa.config.mjs': `export default { baseUrl: process.env.APP_URL + '/api?version=2' }\n` })
    expectRefused(await p.venomqa(['run']), /baseUrl: expected a URL with no query \(\?\.\.\.\) or fragment \(#\.\.\.\): each request's path is added at its end/)
    const flag = await p.venomqa(['run', '--base-url', 'http://127.0.0.1:1/?api_key=K-SECRET-1'])
    expectRefused(flag, /expected a URL with no query/)
    expect(flag.stderr).not.toContain('K-SECRET-1')
    const journey = `import { journey, step } from '@venomqa/core'
export default journey('elsewhere', { baseUrl: 'http://127.0.0.1:1/#top', steps: [step('ping', ({ http }) => http.get('/ping'))] })
`
    const q = await project({ 'venomqa.config.mjs': 'export default { baseUrl: process.env.APP_URL }\n', 'journeys/ping.journey.ts': journey })
    expectRefused(await q.venomqa(['run']), /journey "elsewhere": baseUrl must have no query \(\?\.\.\.\) or fragment \(#\.\.\.\), got "http:\/\/127\.0\.0\.1:1\/#top"/)
  })

  it('what the user\'s code threw while loading is masked as free text: a password=, token= or api_key= in it never reaches the log', async () => {
    const secret = 'vault: password=PW-CLEAR-1 api_key=AK-CLEAR-2 token=TK-CLEAR-3'
    const clean = (r: CliResult) => {
      for (const s of ['PW-CLEAR-1', 'AK-CLEAR-2', 'TK-CLEAR-3']) expect(r.stderr).not.toContain(s)
      expect(r.stderr).toContain('password=[REDACTED]')
    }
    const fn = await project({ 'venomqa.config.mjs': `export default async () => { throw new Error(${JSON.stringify(secret)}) }\n` })
    const r1 = await fn.venomqa(['run'])
    expectRefused(r1, /venomqa\.config\.mjs:1:\d+ exports a function that threw while making the config: vault: password=\[REDACTED\]/)
    clean(r1)
    const top = await project({ 'venomqa.config.mjs': 'export default { baseUrl: process.env.APP_URL }\n', 'journeys/ping.journey.ts': `throw new Error(${JSON.stringify(secret)})\n` })
    const r2 = await top.venomqa(['run'])
    expectRefused(r2, /could not load journeys\/ping\.journey\.ts:1:7: vault: password=\[REDACTED\]/)
    clean(r2)
    const plugin = await project({
      'venomqa.config.mjs': "export default { baseUrl: process.env.APP_URL, plugins: ['./plug.mjs'] }\n",
      'plug.mjs': `export default { name: 'p', version: '1.0.0', apiVersion: 1, setup() { throw new Error(${JSON.stringify(secret)}) } }\n`,
    })
    const r3 = await plugin.venomqa(['run'])
    expectRefused(r3, /plugin "p" failed in setup: vault: password=\[REDACTED\]/)
    clean(r3)
  })

  it('journey files that define nothing are not blamed on a filter; filters that leave nothing are quoted', async () => {
    const empty = await project({ 'venomqa.config.mjs': 'export default { baseUrl: process.env.APP_URL }\n', 'journeys/ping.journey.ts': 'export const notAJourney = 1\n' })
    const r = await empty.venomqa(['run'])
    expectRefused(r, /venomqa: the journey files export no journeys \(export default journey\(\.\.\.\) or an array of journeys\)\n$/)
    expect(r.stderr).toContain('journeys/ping.journey.ts exports no journeys')
    expect(r.stderr).not.toContain('filter')

    const p = await project({ 'venomqa.config.mjs': 'export default { baseUrl: process.env.APP_URL }\n' })
    expectRefused(await p.venomqa(['run', 'pnig']), /venomqa: no journey named "pnig" \(did you mean "ping"\?\) \(and no such file\); known journeys: ping\n$/)
    expectRefused(
      await p.venomqa(['run', 'ping', '--grep', 'x', '--tag', 'smoke']),
      /venomqa: no journey matches "ping", --grep x, --tag smoke; known: ping; no journey is tagged "smoke"; no journey has a tag\n$/,
    )
  })

  it('a --tag no journey has names the tags there are, and the one meant', async () => {
    const p = await project({
      'venomqa.config.mjs': 'export default { baseUrl: process.env.APP_URL }\n',
      'journeys/tagged.journey.ts': "import { journey, step } from '@venomqa/core'\nexport default journey('tagged', { tags: ['smoke', 'Billing'], steps: [step('s', () => {})] })\n",
    })
    expectRefused(
      await p.venomqa(['run', '--tag', 'smok,nightly', '--tag', 'nightly']),
      /venomqa: no journey matches --tag smok,nightly, --tag nightly; known: ping, tagged; no journey is tagged "smok" \(did you mean "smoke"\?\) or "nightly"; tags: billing, smoke\n$/,
    )
    // A tag that some journey has, left out by another filter: the filters are quoted, no tag is blamed.
    expectRefused(await p.venomqa(['run', '--tag', 'smoke', '--grep', 'ping']), /venomqa: no journey matches --grep ping, --tag smoke; known: ping, tagged\n$/)
  })

  it('a name that matches none of a large suite names its first ten journeys and where to see them all', async () => {
    const many = Array.from({ length: 14 }, (_, i) => `journey('j${String(i).padStart(2, '0')}', { steps: [step('s', () => {})] })`)
    const p = await project({
      'venomqa.config.mjs': 'export default { baseUrl: process.env.APP_URL }\n',
      'journeys/many.journey.ts': `import { journey, step } from '@venomqa/core'\nexport default [${many.join(', ')}]\n`,
    })
    const known = 'j00, j01, j02, j03, j04, j05, j06, j07, j08, j09 and 5 more (venomqa list names them all)' // and ping, which every project here has
    expectRefused(await p.venomqa(['run', 'nope']), new RegExp(`venomqa: no journey named "nope" \\(and no such file\\); known journeys: ${escapeRegExp(known)}\n$`))
    expectRefused(await p.venomqa(['run', '--grep', 'nope']), new RegExp(`venomqa: no journey matches --grep nope; known: ${escapeRegExp(known)}\n$`))
  })

  it('venomqa report on a file that is not JSON says so in one line, with the line and column', async () => {
    const p = await project({ 'results.json': 'hello\nworld\n', 'broken.json': '{\n  "version": 1,\n  "journeys": [,]\n}\n' })
    expectRefused(await p.venomqa(['report', 'results.json']), /^venomqa: results\.json:1:1 is not JSON: Unexpected token 'h' \(a results file is what venomqa run --save writes\)\n$/)
    // Node 20 says "Unexpected token ','" with no position: the place is found all the same.
    expectRefused(await p.venomqa(['report', 'broken.json']), /^venomqa: broken\.json:3:16 is not JSON: Unexpected token ',' \(a results file is what venomqa run --save writes\)\n$/)
  })

  it('venomqa init in a project whose package.json is not JSON names the place and writes nothing', async () => {
    const p = await project({ 'package.json': '{\n  "name": "x",\n}\n' })
    expectRefused(await p.venomqa(['init']), /^venomqa: package\.json:3:1 is not valid JSON \(Expected double-quoted property name\); fix it first\n$/)
    expect(existsSync(path.join(p.dir, 'venomqa.config.ts'))).toBe(false)
  })

  it('venomqa init where package.json "scripts" is no object (a string, an array, null), or package.json is none, refuses and writes nothing', async () => {
    for (const [scripts, what] of [['"venomqa run"', 'a string'], ['["build"]', 'an array'], ['null', 'null']]) {
      const text = `{\n  "name": "x",\n  "scripts": ${scripts}\n}\n`
      const p = await project({ 'package.json': text })
      expectRefused(
        await p.venomqa(['init']),
        new RegExp(`^venomqa: package\\.json "scripts" is ${what}, not an object of script names to commands: init adds "test:api" there\\. Nothing was written; make "scripts" an object \\(or remove it\\) first\n$`),
      )
      expect(readFileSync(path.join(p.dir, 'package.json'), 'utf8')).toBe(text)
      expect(existsSync(path.join(p.dir, 'venomqa.config.ts'))).toBe(false)
      expect(existsSync(path.join(p.dir, 'journeys/example.journey.ts'))).toBe(false)
    }
    const list = await project({ 'package.json': '["x"]\n' })
    expectRefused(await list.venomqa(['init']), /^venomqa: package\.json holds an array, not an object: init adds a "test:api" script to its "scripts"\. Nothing was written; fix package\.json first\n$/)
    expect(readFileSync(path.join(list.dir, 'package.json'), 'utf8')).toBe('["x"]\n')
  })

  it('a journey file that throws or does not parse is named with the line (and column) where; --debug shows its own stack', async () => {
    const p = await project({
      'journeys/ping.journey.ts': "import { journey, step } from '@venomqa/core'\n\ninterface Env { url: string }\nconst host = process.env.NOT_SET_ANYWHERE.trim()\nexport default journey('j', { steps: [step('s', () => {})] })\n",
      'journeys/typo.journey.ts': "import { journey, step } from '@venomqa/core'\nexport default journey('t', { steps: [step('s', () => {} ]})\n",
    })
    expectRefused(await p.venomqa(['run', 'journeys/ping.journey.ts']), /^venomqa: could not load journeys\/ping\.journey\.ts:4:43: Cannot read properties of undefined \(reading 'trim'\)\n$/)
    expectRefused(await p.venomqa(['run', 'journeys/typo.journey.ts']), /^venomqa: could not load journeys\/typo\.journey\.ts:2:58: Unexpected token, expected ","\n$/)
    const debug = await p.venomqa(['run', 'journeys/ping.journey.ts', '--debug'])
    expect(debug.stderr).toMatch(/\nCaused by: TypeError: Cannot read properties of undefined \(reading 'trim'\)\n\s+at \S*journeys\/ping\.journey\.ts:4:\d+/)
  })

  it('explore --emit with no directory is refused: the journeys would land in the root, their imports broken', async () => {
    const p = await project({})
    expectRefused(await p.venomqa(['explore', '--emit', '']), /^venomqa: --emit needs the directory to write the regression journeys into \(or --no-emit for none\)\n$/)
  })

  it('explore --openapi without a base URL is refused before anything runs: each operation would fail and nothing be explored', async () => {
    const document = { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/things': { get: { operationId: 'listThings', responses: { 200: { description: 'ok' } } } } } }
    const p = await project({ 'openapi.json': JSON.stringify(document) })
    expectRefused(
      await p.venomqa(['explore', '--openapi', 'openapi.json']),
      /^venomqa: explore --openapi needs the base URL of the API: set baseUrl in the config, VENOMQA_BASE_URL or --base-url\n$/,
    )
  })

  it('explore --openapi refused for want of a state backend writes nothing: no exploration module with no journey to import it', async () => {
    const document = { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/things': { get: { operationId: 'listThings', responses: { 200: { description: 'ok' } } } } } }
    const p = await project({ 'openapi.json': JSON.stringify(document), 'venomqa.json': JSON.stringify({ baseUrl: counter.url }) })
    expectRefused(await p.venomqa(['explore', '--openapi', 'openapi.json']), /^venomqa: exploration "openapi openapi\.json" needs a state backend that can roll back/)
    expect(existsSync(path.join(p.dir, 'journeys/regressions'))).toBe(false)
  })

  it("a JavaScript journey or config that does not parse is named with the place Node's own parser found", async () => {
    const p = await project({
      'journeys/comma.journey.mjs': 'export const a = 1\nexport default {\n  name: "x",,\n}\n',
      'journeys/unended.journey.mjs': 'export default [\n',
      'journeys/common.journey.cjs': 'const x = 1\nmodule.exports = {\n  a: 1,,\n}\n',
      // A SyntaxError thrown while the file runs is placed by its frame, as any other throw.
      'journeys/parse.journey.mjs': 'const a = 1\nJSON.parse("{x")\nexport default {}\n',
      'venomqa.config.mjs': 'export default {\n\tbaseUrl: "http://127.0.0.1:9" +,\n}\n',
    })
    const config = await p.venomqa(['run', 'journeys/comma.journey.mjs'])
    expectRefused(config, /^venomqa: could not load venomqa\.config\.mjs:2:\d+: Unexpected token ','\n$/)
    // A tab before the place counts as one column, as in an editor that shows it as one character.
    expect(config.stderr).toContain('venomqa.config.mjs:2:33:')
    rmSync(path.join(p.dir, 'venomqa.config.mjs'))
    expectRefused(await p.venomqa(['run', 'journeys/comma.journey.mjs']), /^venomqa: could not load journeys\/comma\.journey\.mjs:3:13: Unexpected token ','\n$/)
    expectRefused(await p.venomqa(['run', 'journeys/common.journey.cjs']), /^venomqa: could not load journeys\/common\.journey\.cjs:3:8: Unexpected token ','\n$/)
    expectRefused(await p.venomqa(['run', 'journeys/parse.journey.mjs']), /^venomqa: could not load journeys\/parse\.journey\.mjs:2:6: /)
    // At the end of the input there is no column to point at.
    expectRefused(await p.venomqa(['run', 'journeys/unended.journey.mjs']), /^venomqa: could not load journeys\/unended\.journey\.mjs:2: Unexpected end of input\n$/)
  })

  it('a .js journey written with `import` where package.json makes it CommonJS is told how to make it an ES module, in one message', async () => {
    // npm init writes "type": "commonjs" (npm 11): Node refuses the file as it is written, and printed its
    // own warning about it above ours.
    const p = await project({
      'package.json': JSON.stringify({ name: 'p', version: '1.0.0', type: 'commonjs' }),
      'journeys/esm.journey.js': "import { journey, step } from '@venomqa/core'\nexport default journey('a', { steps: [step('one', () => {})] })\n",
    })
    expectRefused(
      await p.venomqa(['run', 'journeys/esm.journey.js'], { process: true }),
      /^venomqa: could not load journeys\/esm\.journey\.js:1:1: Cannot use import statement outside a module \(this \.js file is CommonJS, as package\.json says: name it \.mjs, or set "type": "module" in package\.json\)\n$/,
    )
  })

  it('an error that carries a password is printed masked, with --debug too, and so is a mistyped option', async () => {
    const p = await project({ 'venomqa.config.mjs': "throw new Error('cannot reach postgres://app:s3cr3t@db/app')\nexport default {}\n" })
    for (const args of [['run'], ['run', '--debug']]) {
      const r = await p.venomqa(args)
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toContain('postgres://app:***@db/app')
      expect(r.stdout + r.stderr).not.toContain('s3cr3t')
    }
    const typo = await p.venomqa(['run', '--base-url-x=http://app:s3cr3t@db/x'])
    expect(typo.code).toBe(2)
    expect(typo.stderr).toContain("unknown option '--base-url-x=http://app:***@db/x'")
    expect(typo.stdout + typo.stderr).not.toContain('s3cr3t')
  })

  it('a password in a URL written slightly wrong (`http//`, no scheme) is masked in the message that refuses it', async () => {
    const p = await project({
      'venomqa.yaml': "baseUrl: ${API_URL}\nplugins:\n  - ['@venomqa/state-postgres', { url: '${DATABASE_URL}' }]\n",
    })
    for (const name of ['state-postgres', 'state-mysql', 'adapter-redis']) symlinkSync(path.join(REPO_ROOT, 'packages', name), path.join(p.dir, 'node_modules/@venomqa', name), 'dir')
    const ok = { API_URL: counter.url, DATABASE_URL: 'postgres://u@127.0.0.1/x' }
    for (const [args, env, shown] of [
      [['run', '--base-url', 'http//u:PwLeak4@127.0.0.1/db'], ok, '--base-url: expected an http(s) URL such as http://localhost:3000, got "http//u:***@127.0.0.1/db"'],
      [['run'], { ...ok, VENOMQA_BASE_URL: 'u:PwLeak5@127.0.0.1' }, 'VENOMQA_BASE_URL: expected an http(s) URL such as http://localhost:3000, got "u:***@127.0.0.1"'],
      [['run'], { ...ok, API_URL: 'http//u:PwLeak4@127.0.0.1/db' }, 'venomqa.yaml: baseUrl: expected an http(s) URL such as http://localhost:3000, got "http//u:***@127.0.0.1/db"'],
      [['run'], { ...ok, DATABASE_URL: 'postgres//u:PwLeak4@127.0.0.1/db' }, 'plugins[0].url: expected a postgres:// or postgresql:// URL, got "postgres//u:***@127.0.0.1/db"'],
      [['run', '--plugin', '@venomqa/state-mysql?url=mysql//u:PwLeak6@127.0.0.1/db'], ok, '--plugin @venomqa/state-mysql?url: expected a mysql:// or mariadb:// URL, got "mysql//u:***@127.0.0.1/db"'],
      [['run', '--plugin', 'redis?url=redis//:PwLeak7RedisPw@127.0.0.1:6379/10'], ok, '--plugin redis?url: expected a redis:// or rediss:// URL, got "redis//:***@127.0.0.1:6379/10"'],
    ] as const) {
      const r = await p.venomqa([...args], { env })
      expectRefused(r, /venomqa: /)
      expect(r.stderr).toContain(shown)
      expect(r.stdout + r.stderr).not.toContain('PwLeak')
    }
  })

  it('a database URL whose password holds an unencoded "#" or "/" is refused at plugins[N].url, saying to percent-encode it, no piece of it shown', async () => {
    const p = await project({
      'venomqa.yaml': "baseUrl: ${APP_URL}\nplugins:\n  - ['@venomqa/state-postgres', { url: '${DATABASE_URL}' }]\n",
    })
    for (const name of ['state-postgres', 'state-mysql', 'pg-proxy']) symlinkSync(path.join(REPO_ROOT, 'packages', name), path.join(p.dir, 'node_modules/@venomqa', name), 'dir')
    const said = 'reads as a URL with part of its password as the host: percent-encode a "#", "/", "?" or "@" in the user name or password ("#" as %23, "/" as %2F, "?" as %3F, "@" as %40)'
    const ok = { DATABASE_URL: 'postgres://u@127.0.0.1/x' }
    for (const [args, env, shown] of [
      // Read as written, the host was `ss` and the database the user's: `cannot connect to database "u" at ss:5432`.
      [['run'], { DATABASE_URL: 'postgres://u:p@ss#LEAKword1@127.0.0.1/db' }, `plugins[0].url: ${said}`],
      [['run'], { DATABASE_URL: 'postgres://u:p#LEAKword2@127.0.0.1/db' }, `plugins[0].url: ${said}`],
      // Read as written: "no database named", though one is.
      [['run', '--plugin', '@venomqa/state-mysql?url=mysql://u:p@ss%23LEAKword3@127.0.0.1/db'], ok, `--plugin @venomqa/state-mysql?url: ${said}`],
      [['run', '--plugin', '@venomqa/pg-proxy?upstream=postgres://u:12/LEAKword4@127.0.0.1/db'], ok, `--plugin @venomqa/pg-proxy?upstream: ${said}`],
    ] as const) {
      const r = await p.venomqa([...args], { env })
      expectRefused(r, /venomqa: /)
      expect(r.stderr).toContain(shown)
      expect(r.stdout + r.stderr).not.toContain('LEAK')
      expect(r.stdout + r.stderr).not.toMatch(/\bss\b/)
    }
  })

  it('two reporters that would write one file are refused before the run', async () => {
    const p = await project({ 'venomqa.config.mjs': 'export default { baseUrl: process.env.APP_URL }\n' })
    expectRefused(
      await p.venomqa(['run', '--reporter', 'junit:out/report.xml', '--reporter', 'markdown:./out/../out/report.xml']),
      /reporter "junit" and reporter "markdown" would both write out\/report\.xml; give one of them another file/,
    )
    expectRefused(await p.venomqa(['run', '--reporter', 'json:results.json', '--save', 'results.json']), /--save and reporter "json" would both write results\.json/)
    expectRefused(await p.venomqa(['run', '--save', 'results.json', '--har', 'results.json']), /^venomqa: --save and --har would both write results\.json; give one of them another file\n$/)
    // Through a link: the JUnit file CI reads would have become the Markdown report.
    mkdirSync(path.join(p.dir, 'out'), { recursive: true })
    writeFileSync(path.join(p.dir, 'out/a.xml'), '')
    symlinkSync('a.xml', path.join(p.dir, 'out/link.md'))
    symlinkSync('out', path.join(p.dir, 'reports'))
    expectRefused(
      await p.venomqa(['run', '-r', 'junit:out/a.xml', '-r', 'markdown:out/link.md']),
      /^venomqa: reporter "junit" and reporter "markdown" would both write out\/link\.md \(out\/a\.xml, through a link\); give one of them another file\n {2}at --reporter markdown:out\/link\.md\n$/,
    )
    expectRefused(await p.venomqa(['run', '--save', 'out/r.json', '-r', 'json:reports/r.json']), /--save and reporter "json" would both write reports\/r\.json \(out\/r\.json, through a link\)/)
    // `-` is stdout to a reporter; to --save it was a file named "-".
    expectRefused(await p.venomqa(['run', '--save', '-']), /^venomqa: --save needs a file name \(the results are not written to stdout: -r json:- prints them there\), e\.g\. --save out\/results\.json\n$/)
    expect(existsSync(path.join(p.dir, '-'))).toBe(false)
    // A link to a file not written yet: the write through it creates the target, over the results.
    symlinkSync('results.json', path.join(p.dir, 'out/junit.xml'))
    expectRefused(
      await p.venomqa(['run', '--save', 'out/results.json', '-r', 'junit:out/junit.xml']),
      /--save and reporter "junit" would both write out\/junit\.xml \(out\/results\.json, through a link\)/,
    )
    // Two outputs on stdout: the JSON a pipe reads would start with the console's lines.
    expectRefused(
      await p.venomqa(['run', '-r', 'console', '-r', 'json:-']),
      /^venomqa: reporter "console" and reporter "json" would both print to stdout, one output mixed into the other; give one of them a file \(-r json:<file>\)\n {2}at --reporter json:-\n$/,
    )
    expectRefused(await p.venomqa(['run', '-r', 'json:-', '-r', 'markdown:-']), /reporter "json" and reporter "markdown" would both print to stdout/)
    expect(readFileSync(path.join(p.dir, 'out/a.xml'), 'utf8')).toBe('')
  })

  it('save and reporters from the config or a VENOMQA_* variable are named there, not as the flags', async () => {
    const p = await project({ 'venomqa.yaml': "baseUrl: ${APP_URL}\nsave: '-'\nprofiles:\n  ci:\n    save: venomqa.yaml\n    reporters: [console, 'json:-']\n" })
    expectRefused(
      await p.venomqa(['run']),
      /^venomqa: save needs a file name \(the results are not written to stdout: -r json:- prints them there\), e\.g\. save: out\/results\.json\n$/,
    )
    expectRefused(await p.venomqa(['run', '--profile', 'ci', '-r', 'console']), /^venomqa: profiles\.ci\.save would write venomqa\.yaml, the config file, which it would replace; give it another file\n$/)
    expectRefused(
      await p.venomqa(['run', '--profile', 'ci', '--save', 'out/r.json']),
      /^venomqa: reporter "console" and reporter "json" would both print to stdout, one output mixed into the other; give one of them a file \("json:<file>"\)\n {2}at venomqa\.yaml: profiles\.ci\.reporters\[1\]\n$/,
    )
    expectRefused(
      await p.venomqa(['run'], { env: { VENOMQA_SAVE: 'out/r.json', VENOMQA_REPORTERS: 'console,junit:out/r.json' } }),
      /^venomqa: VENOMQA_SAVE and reporter "junit" would both write out\/r\.json; give one of them another file\n {2}at VENOMQA_REPORTERS\[1\]\n$/,
    )
    expectRefused(
      await p.venomqa(['run'], { env: { VENOMQA_SAVE: 'journeys/ping.journey.ts' } }),
      /^venomqa: VENOMQA_SAVE would write journeys\/ping\.journey\.ts, a JavaScript or TypeScript file, which it would replace; give it another file\n$/,
    )
  })

  it("an output over the user's own files is refused before anything is removed: the journey, the config, the run a report renders", async () => {
    const configText = 'baseUrl: ${APP_URL}\n'
    const helperText = 'export const id = 1\n'
    const p = await project({ 'venomqa.yaml': configText, 'journeys/helper.ts': helperText, 'other.yaml': configText, 'package.json': '{"type":"module"}\n' })
    const untouched = () => {
      expect(readFileSync(path.join(p.dir, 'journeys/ping.journey.ts'), 'utf8')).toBe(JOURNEY)
      expect(readFileSync(path.join(p.dir, 'journeys/helper.ts'), 'utf8')).toBe(helperText)
      expect(readFileSync(path.join(p.dir, 'venomqa.yaml'), 'utf8')).toBe(configText)
      expect(readFileSync(path.join(p.dir, 'other.yaml'), 'utf8')).toBe(configText)
      expect(readFileSync(path.join(p.dir, 'package.json'), 'utf8')).toBe('{"type":"module"}\n')
    }
    // Each of these deleted or replaced the file, and the next run failed on what was left.
    const refusals: [string[], RegExp][] = [
      [['run', '-r', 'junit:journeys/ping.journey.ts'], /^venomqa: reporter "junit" would write journeys\/ping\.journey\.ts, a JavaScript or TypeScript file, which it would replace; give it another file\n {2}at --reporter junit:journeys\/ping\.journey\.ts\n$/],
      [['run', '--har', 'journeys/helper.ts'], /--har would write journeys\/helper\.ts, a JavaScript or TypeScript file/],
      [['run', 'journeys/ping.journey.ts', '--save', 'journeys/ping.journey.ts'], /--save would write journeys\/ping\.journey\.ts, a JavaScript or TypeScript file/],
      [['run', '--save', 'venomqa.yaml'], /^venomqa: --save would write venomqa\.yaml, the config file, which it would replace; give it another file\n$/],
      [['run', '--config', 'other.yaml', '-r', 'json:other.yaml'], /reporter "json" would write other\.yaml, the config file/],
      [['run', '--save', 'package.json'], /--save would write package\.json, the project's package\.json/],
    ]
    for (const [args, message] of refusals) {
      expectRefused(await p.venomqa(args), message)
      untouched()
    }
    // A broken config is what is told, and the output over a file of the user's is still not removed.
    writeFileSync(path.join(p.dir, 'broken.yaml'), 'baseUrl: [\n')
    const broken = await p.venomqa(['run', '--config', 'broken.yaml', '--save', 'journeys/helper.ts'])
    expect(broken.code).toBe(2)
    expect(broken.stderr).toContain('broken.yaml')
    untouched()

    // `venomqa report` rendered over the run it was reading, and the saved run was gone.
    const saved = await p.venomqa(['run', '--save', 'out/save.json'])
    expect(saved.code, saved.stderr).toBe(0)
    const run = readFileSync(path.join(p.dir, 'out/save.json'), 'utf8')
    counter.hits.length = 0
    for (const target of ['console:out/save.json', 'json:out/save.json', 'markdown:out/../out/save.json']) {
      expectRefused(await p.venomqa(['report', 'out/save.json', '-r', target]), /would write out\/save\.json, the results file to render, which it would replace; give it another file/)
      expect(readFileSync(path.join(p.dir, 'out/save.json'), 'utf8')).toBe(run)
    }
    // Files of its own it may write over, as before.
    const again = await p.venomqa(['report', 'out/save.json', '-r', 'json:out/again.json'])
    expect(again.code, again.stderr).toBe(0)
    expect((await p.venomqa(['report', 'out/save.json', '-r', 'json:out/again.json'])).code).toBe(0)
    const merged = await p.venomqa(['merge-reports', 'out/save.json', '--save', 'out/save.json'])
    expectRefused(merged, /--save would write out\/save\.json, one of the files to merge/)
    expect(readFileSync(path.join(p.dir, 'out/save.json'), 'utf8')).toBe(run)
  })

  it('an output that is a directory is refused before the run: found after it, it would lose the results and the reports', async () => {
    const p = await project({
      'venomqa.config.mjs': 'export default { baseUrl: process.env.APP_URL }\n',
      'explore/x.explore.mjs': "import { action, exploration } from '@venomqa/core'\nexport default exploration('x', { actions: [action('a', () => {})] })\n",
    })
    await mkdir(path.join(p.dir, 'adir'))
    expectRefused(await p.venomqa(['run', '--save', 'adir']), /^venomqa: --save would write adir, which is a directory; give a file\n$/)
    expectRefused(await p.venomqa(['run', '-r', 'junit:adir']), /^venomqa: reporter "junit" would write adir, which is a directory; give a file\n {2}at --reporter junit:adir\n$/)
    expectRefused(await p.venomqa(['explore', '--save', 'adir']), /--save would write adir, which is a directory; give a file/)
    // A file where a directory of the path should be: its directory could never be made.
    await writeFile(path.join(p.dir, 'afile'), 'x')
    expectRefused(await p.venomqa(['run', '--save', 'afile/deeper/results.json']), /^venomqa: --save would write afile\/deeper\/results\.json, but afile is a file, not a directory; give another path\n$/)
    expectRefused(await p.venomqa(['run', '-r', 'junit:afile/j.xml']), /^venomqa: reporter "junit" would write afile\/j\.xml, but afile is a file, not a directory; give another path\n {2}at --reporter junit:afile\/j\.xml\n$/)
  })

  it('a results file that cannot be written once the run is over fails the run (exit 1): the reports are still written, and say so', async () => {
    // The step puts a file where the results' directory goes: the path was fine when the run began.
    const p = await project({
      'venomqa.config.mjs': 'export default { baseUrl: process.env.APP_URL }\n',
      'journeys/ping.journey.ts': `import { writeFileSync } from 'node:fs'\nimport { journey, step } from '@venomqa/core'\nexport default journey('ping', { steps: [step('ping', ({ http }) => { writeFileSync('out', 'in the way'); return http.get('/ping') })] })\n`,
    })
    const r = await p.venomqa(['run', '--save', 'out/results.json', '-r', 'console', '-r', 'junit:report.xml'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^venomqa: warning: --save: could not write the results to out\/results\.json: .+\n/m)
    expect(r.stderr).not.toMatch(/unexpected error/)
    // One verdict, the exit code's: the console's summary comes after the files, and lists why.
    expect(r.stdout.match(/^Result: .*$/gm)).toEqual(['Result: FAILED'])
    expect(r.stdout).toMatch(/write the results \[critical\] output\n\s+--save: could not write the results to out\/results\.json/)
    // The JUnit file, written before the results failed, is written again to say so.
    const junit = readFileSync(path.join(p.dir, 'report.xml'), 'utf8')
    expect(junit).toContain('--save: could not write the results to out/results.json')
    expect(junit).not.toMatch(/<testsuites[^>]* failures="0" errors="0"/)
    counter.hits.length = 0
  })

  it('a results file that cannot be written is named as given, never as the temp file it is written through', async () => {
    const p = await project({
      'venomqa.config.mjs': 'export default { baseUrl: process.env.APP_URL }\n',
      'journeys/ping.journey.ts': `import { journey, step } from '@venomqa/core'\nexport default journey('ping', { steps: [step('ping', ({ http }) => http.get('/ping'))] })\n`,
    })
    // A directory of Linux's where no file can be made: a path fine before the run, that fails the write.
    const target = `/proc/venomqa-results-${process.pid}.json`
    const r = await p.venomqa(['run', '--save', target])
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toContain(`venomqa: warning: --save: could not write the results to ${target}: `)
    expect(r.stderr).toContain(`could not write the results to ${target}: it cannot be made there (a directory of its path is missing and cannot be made, or takes no new files)\n`)
    expect(r.stderr).not.toMatch(/ENOENT|open '|write '/)
    expect(r.stderr).not.toContain('.venomqa-tmp-')
    counter.hits.length = 0
  })

  it('two plugins that register the same reporter name are refused, naming both', async () => {
    const plugin = (name: string) => `export default { name: '${name}', version: '1.0.0', apiVersion: 1, setup(api) { api.addReporter('audit', () => ({ name: 'audit' })) } }\n`
    const p = await project({
      'venomqa.config.mjs': `export default { baseUrl: process.env.APP_URL, plugins: ['./plugins/one.mjs', './plugins/two.mjs'] }\n`,
      'plugins/one.mjs': plugin('audit-one'),
      'plugins/two.mjs': plugin('audit-two'),
    })
    expectRefused(await p.venomqa(['run']), /plugins "audit-one" and "audit-two" both register a reporter named "audit"/)
  })

  it('one plugin listed twice with other options is set up twice; two entries that claim one name are refused, naming both', async () => {
    // A state backend per entry, named by its options, and a health check of a name the options give.
    const plugin = `export default { name: 'two-dbs', version: '1.0.0', apiVersion: 1, setup(api) {
  const name = api.options.name
  api.addStateBackend({ name, mechanism: 'snapshot', parallelSafe: false, async connect() {}, async checkpoint() {}, async rollback() {}, async release() {}, async disconnect() {} })
  api.addHealthCheck(api.options.check ?? name, () => true)
} }\n`
    const config = (entries: object[]) => `export default { baseUrl: process.env.APP_URL, plugins: ${JSON.stringify(entries.map((o) => ['./plugins/two-dbs.mjs', o]))} }\n`
    const p = await project({ 'plugins/two-dbs.mjs': plugin, 'venomqa.config.mjs': config([{ name: 'orders-db' }, { name: 'users-db' }]) })
    const listed = await p.venomqa(['doctor'])
    expect(listed.stdout).toContain('✓ setup      2 plugins set up: two-dbs (plugins[0]), two-dbs (plugins[1])\n')
    expect(listed.stdout).toMatch(/✓ service +orders-db is healthy\n✓ service +users-db is healthy/)
    counter.hits.length = 0 // the doctor's look at the base URL; the refusals below send nothing
    await writeFile(path.join(p.dir, 'venomqa.config.mjs'), config([{ name: 'db' }, { name: 'db', other: true }]))
    const sameName = /plugins\[0\] and plugins\[1\] both set up two-dbs with a state backend named "db": .*; set `name` on one of them/
    expectRefused(await p.venomqa(['run']), sameName)
    // doctor says the same, as a mistake in the config (exit 2).
    const doctor = await p.venomqa(['doctor'])
    expect(doctor.stdout).toMatch(new RegExp(`^✗ setup +plugin setup failed: ${sameName.source}`, 'm'))
    expect(doctor.code, doctor.stdout + doctor.stderr).toBe(2)
    counter.hits.length = 0
    // Two instances check two services under the plugin's one name: each keeps its own.
    await writeFile(path.join(p.dir, 'venomqa.config.mjs'), config([{ name: 'a', check: 'control' }, { name: 'b', check: 'control' }]))
    expect((await p.venomqa(['doctor'])).stdout).toMatch(/✓ service +control is healthy\n✓ service +control \(plugins\[1\]\) is healthy/)
    counter.hits.length = 0
    // Two plugins, one name: one check would replace the other, and a service nobody checked be reported healthy.
    await writeFile(path.join(p.dir, 'plugins/other.mjs'), plugin.replace("name: 'two-dbs'", "name: 'other'"))
    await writeFile(
      path.join(p.dir, 'venomqa.config.mjs'),
      `export default { baseUrl: process.env.APP_URL, plugins: [['./plugins/two-dbs.mjs', { name: 'a', check: 'control' }], ['./plugins/other.mjs', { name: 'b', check: 'control' }]] }\n`,
    )
    expectRefused(await p.venomqa(['run']), /plugins "two-dbs" and "other" both register a health check named "control"/)
  })

  it('doctor looks at a base URL that carries a user and password without sending them, and never prints the password', async () => {
    const p = await project({})
    const withPassword = counter.url.replace('http://', 'http://admin:BASEURLPASS@')
    const r = await p.venomqa(['doctor', '--base-url', withPassword])
    expect(r.stdout).toMatch(/✓ base URL +http:\/\/admin:\*\*\*@127\.0\.0\.1:\d+\/? answered \d+ in \d+ ms/)
    expect(r.stdout + r.stderr).not.toContain('BASEURLPASS')
    expect(counter.hits).toEqual(['GET /'])
    counter.hits.length = 0
  })

  it('doctor: a config mistake or an unknown plugin is exit 2, naming it; a base URL nobody answers stays exit 1', async () => {
    const misspelt = await project({ 'venomqa.yaml': 'baseUrl: ${APP_URL}\nretires: 2\n' })
    const config = await misspelt.venomqa(['doctor'])
    expect(config.stdout).toMatch(/^✗ config +venomqa\.yaml.*retires.*did you mean "retries"/im)
    // The checks that need none of the config are still made: the journeys, and the base URL it gives.
    expect(config.stdout).toContain('doctor: 1 of 3 checks failed, a mistake in the config, a plugin or a journey\n')
    expect(config.code, config.stdout + config.stderr).toBe(2)
    const unknown = await project({})
    const plugin = await unknown.venomqa(['doctor', '--plugin', 'nope'])
    expect(plugin.stdout).toMatch(/^✗ plugin +unknown plugin "nope"/m)
    expect(plugin.code, plugin.stdout + plugin.stderr).toBe(2)
    // Nothing wrong in what the user wrote: the API is down, a failed check (exit 1).
    const down = await unknown.venomqa(['doctor', '--base-url', `http://127.0.0.1:${CLOSED_PORT}`])
    expect(down.stdout).toMatch(/^✗ base URL +http:\/\/127\.0\.0\.1:1 is not reachable/m)
    expect(down.code, down.stdout + down.stderr).toBe(1)
    counter.hits.length = 0
  })

  it('--require-state refuses checkpoints with no state backend', async () => {
    const journey = `import { branch, checkpoint, journey, path, step } from '@venomqa/core'
export default journey('branches', { steps: [checkpoint('c'), branch('c', [path('a', [step('ping', ({ http }) => http.get('/ping'))])])] })
`
    const p = await project({ 'venomqa.config.mjs': 'export default { baseUrl: process.env.APP_URL }\n', 'journeys/ping.journey.ts': journey })
    expectRefused(await p.venomqa(['run', '--require-state']), /"branches" has checkpoints, but no state backend is registered and requireState is on/)
  })

  it('--restore, the restoreAfterJourney key or a journey\'s restore: true with no state backend is refused before a request, naming it', async () => {
    const ping = (options: string) => `import { journey, step } from '@venomqa/core'
export default journey('ping', { ${options}steps: [step('ping', ({ http }) => http.get('/ping'))] })
`
    const p = await project({ 'venomqa.config.mjs': 'export default { baseUrl: process.env.APP_URL }\n', 'journeys/ping.journey.ts': ping('') })
    expectRefused(await p.venomqa(['run', '--restore']), /restoreAfterJourney \(--restore\) is on, but no state backend is registered, so nothing would put the system back after the journey: add a state backend plugin/)
    const key = await project({ 'venomqa.yaml': 'baseUrl: ${APP_URL}\nrestoreAfterJourney: true\n', 'journeys/ping.journey.ts': ping('') })
    expectRefused(await key.venomqa(['run']), /restoreAfterJourney \(--restore\) is on, but no state backend is registered/)
    const own = await project({ 'venomqa.config.mjs': 'export default { baseUrl: process.env.APP_URL }\n', 'journeys/ping.journey.ts': ping('restore: true, ') })
    expectRefused(await own.venomqa(['run']), /journey "ping" sets restore: true, but no state backend is registered/)
  })
})

describe('state is touched only where the user said so', () => {
  it('checkpoints with no state backend run, with a warning once and an info issue that says how to add one', async () => {
    const journey = (name: string) => `import { branch, checkpoint, journey, path, step } from '@venomqa/core'
export default journey('${name}', { steps: [checkpoint('c'), branch('c', [path('a', [step('ping', ({ http }) => http.get('/ping'))])])] })
`
    const p = await project({
      'venomqa.config.mjs': 'export default { baseUrl: process.env.APP_URL }\n',
      'journeys/ping.journey.ts': journey('one'),
      'journeys/two.journey.ts': journey('two'),
    })
    const r = await p.venomqa(['run', '--save', 'results.json'])
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stderr.match(/warning: no state backend is registered/g)).toHaveLength(1)
    expect(r.stderr).toMatch(/checkpoints of "one", "two" restore only the context and HTTP headers/)
    const { readFileSync } = await import('node:fs')
    const saved = JSON.parse(readFileSync(path.join(p.dir, 'results.json'), 'utf8'))
    expect(saved.issues).toContainEqual(
      expect.objectContaining({ severity: 'info', kind: 'state', error: expect.stringMatching(/add a state backend plugin/), suggestion: expect.stringMatching(/^The checkpoints saved the context alone: /) }),
    )
    // Marked as what informs, not as a failure; not told that a backend failed.
    expect(r.stdout).toMatch(/^ {2}i state \[info\] runner$/m)
    expect(r.stdout).not.toContain('could not save or put back the state')
  })

  it('--plugin takes options: http-control with its url, and with none it controls the base URL', async () => {
    const journey = `import { assertEqual, branch, checkpoint, journey, path, step } from '@venomqa/core'
const count = async (http) => (await http.get('/api/stats')).json().users
export default journey('rolled_back', {
  steps: [
    checkpoint('empty'),
    branch('empty', [
      path('adds_a_user', [step('sign_up', ({ http }) => http.post('/api/users', { json: { email: 'p@example.test', password: 'correct horse', name: 'P' } }))]),
      path('sees_none', [step('count', async ({ http }) => assertEqual(await count(http), 0, 'users'))]),
    ]),
  ],
})
`
    await fetch(`${todo.url}/__venomqa/reset`, { method: 'POST' })
    const p = await project({ 'venomqa.config.mjs': 'export default { baseUrl: process.env.TODO_URL }\n', 'journeys/ping.journey.ts': journey })
    const withUrl = await p.venomqa(['run', '--plugin', `http-control?url=${encodeURIComponent(todo.url)}&prefix=/__venomqa`])
    expect(withUrl.code, withUrl.stdout + withUrl.stderr).toBe(0)
    expect(withUrl.stdout).toMatch(/State +http-control/)
    const plain = await p.venomqa(['run', '--plugin', 'http-control'])
    expect(plain.code, plain.stdout + plain.stderr).toBe(0)
    expect(plain.stderr).not.toMatch(/no state backend/)
  })

  it('--plugin options that are not key=value pairs are refused, naming the plugin', async () => {
    const p = await project({ 'venomqa.config.mjs': 'export default { baseUrl: process.env.APP_URL }\n' })
    expectRefused(await p.venomqa(['run', '--plugin', 'http-control?url=x&=oops']), /--plugin http-control: an option has no name/)
  })

  it('a plugin whose onClose throws: a warning line and an issue in the saved results, never dropped', async () => {
    const plugin = `export default { name: 'bad-close', version: '1.0.0', apiVersion: 1, setup(api) { api.onClose(() => { throw new Error('pool already ended') }) } }\n`
    const p = await project({ 'venomqa.config.mjs': `export default { baseUrl: process.env.APP_URL, plugins: ['./plugins/bad-close.mjs'] }\n`, 'plugins/bad-close.mjs': plugin })
    const r = await p.venomqa(['run', '--save', 'results.json'])
    expect(r.code, r.stdout + r.stderr).toBe(0) // a medium issue: the journeys passed
    expect(r.stderr).toMatch(/warning: plugin "bad-close" failed to close: pool already ended/)
    const { readFileSync } = await import('node:fs')
    const saved = JSON.parse(readFileSync(path.join(p.dir, 'results.json'), 'utf8'))
    expect(saved.issues).toContainEqual(expect.objectContaining({ severity: 'medium', source: 'plugin:bad-close', step: 'close bad-close' }))
  })

  it('a report that cannot be written again after closing found a problem fails the run: its file, which said passed, is gone', async () => {
    // Closing adds an issue, so the files are written again; the reporter's second render fails (a full disk).
    const plugin = `export default { name: 'flaky-out', version: '1.0.0', apiVersion: 1, setup(api) {
  api.onClose(() => { throw new Error('pool already ended') })
  let renders = 0
  api.addReporter('flip', () => ({ name: 'flip', render(run) { if (++renders > 1) throw new Error('second render failed'); return 'status=' + run.status + '\\n' } }))
} }\n`
    const p = await project({ 'venomqa.config.mjs': `export default { baseUrl: process.env.APP_URL, plugins: ['./plugins/flaky-out.mjs'] }\n`, 'plugins/flaky-out.mjs': plugin })
    const r = await p.venomqa(['run', '-r', 'console', '-r', 'flip:flip.txt'])
    expect(r.stderr).toMatch(/reporter "?flip"? failed: second render failed/)
    expect(r.code, r.stdout + r.stderr).toBe(1)
    expect(r.stdout.match(/^Result: .*$/gm)).toEqual(['Result: FAILED'])
    expect(r.stdout).toContain('reporter flip failed: second render failed')
    // It would tell an earlier verdict: no file of the run says passed.
    expect(existsSync(path.join(p.dir, 'flip.txt'))).toBe(false)
    const { readFileSync } = await import('node:fs')
    expect(JSON.parse(readFileSync(path.join(p.dir, '.venomqa/last-run.json'), 'utf8')).status).toBe('failed')
  })

  it('a backend that cannot disconnect fails the run: the summary, printed after closing, says FAILED, once', async () => {
    const plugin = `export default { name: 'stuck', version: '1.0.0', apiVersion: 1, setup(api) {
  api.addStateBackend({ name: 'stuck', mechanism: 'snapshot', parallelSafe: false, async connect() {}, async checkpoint() {}, async rollback() {}, async release() {}, async disconnect() { throw new Error('left its tables behind') } })
} }\n`
    const p = await project({ 'venomqa.config.mjs': `export default { baseUrl: process.env.APP_URL, plugins: ['./plugins/stuck.mjs'] }\n`, 'plugins/stuck.mjs': plugin })
    const r = await p.venomqa(['run'])
    expect(r.code, r.stdout + r.stderr).toBe(1)
    expect(r.stderr).toMatch(/left its tables behind/)
    expect(r.stdout.match(/^Result: .*$/gm)).toEqual(['Result: FAILED'])
    expect(r.stdout).toMatch(/^Issues\n[\s\S]*left its tables behind/m)
  })
})

describe('config, arguments and commands that used to crash or disagree with run', () => {
  const ONLY = `import { journey, step } from '@venomqa/core'
export default journey.only('focused', { steps: [step('ping', ({ http }) => http.get('/ping'))] })
`
  const CHECKPOINTED = `import { checkpoint, journey, step } from '@venomqa/core'
export default journey('saved', { steps: [step('ping', ({ http }) => http.get('/ping')), checkpoint('c')] })
`

  it('a journeys glob with an unclosed { matches nothing and says so (exit 2), not an invalid regular expression', async () => {
    const p = await project({ 'venomqa.yaml': 'baseUrl: ${APP_URL}\njourneys: "journeys/**/*.{journey.ts"\n' })
    expectRefused(await p.venomqa(['run']), /no journey files match journeys\/\*\*\/\*\.\{journey\.ts in /)
    expectRefused(await p.venomqa(['list']), /no journey files match journeys\/\*\*\/\*\.\{journey\.ts in /)
  })

  it('a project with no config and no journey is told that venomqa init starts one; one with a config is not', async () => {
    const empty = await project({})
    await rm(path.join(empty.dir, 'journeys'), { recursive: true })
    for (const command of ['run', 'list'])
      expectRefused(await empty.venomqa([command]), /no journey files match journeys\/\*\*\/\*\.journey\.\{ts,js,mts,mjs\} in [^\n]* \(venomqa init writes a config and an example journey to start from\)\n$/)
    const doctor = await empty.venomqa(['doctor'])
    expect(doctor.stdout).toContain('no journeys match journeys/**/*.journey.{ts,js,mts,mjs} (venomqa init writes a config and an example journey to start from)\n')
    const configured = await project({ 'venomqa.yaml': 'baseUrl: ${APP_URL}\n' })
    await rm(path.join(configured.dir, 'journeys'), { recursive: true })
    const r = await configured.venomqa(['run'])
    expectRefused(r, /no journey files match /)
    expect(r.stderr).not.toContain('venomqa init')
  })

  it('a journey file whose name lacks .journey is named, with the name the pattern wants, when no file matches', async () => {
    const p = await project({ 'venomqa.yaml': 'baseUrl: ${APP_URL}\n', 'journeys/orders.ts': JOURNEY, 'journeys/types.d.ts': 'export {}\n' })
    await rm(path.join(p.dir, 'journeys/ping.journey.ts'))
    for (const command of ['run', 'list'])
      expectRefused(
        await p.venomqa([command]),
        /no journey files match journeys\/\*\*\/\*\.journey\.\{ts,js,mts,mjs\} in [^\n]*; journeys\/orders\.ts is there, but not named as journeys\/\*\*\/\*\.journey\.\{ts,js,mts,mjs\} asks \(rename it journeys\/orders\.journey\.ts\)\n/,
      )
    // A pattern on the command line is the user's own words: nothing is guessed for it.
    const given = await p.venomqa(['run', 'journeys/*.journey.ts'])
    expectRefused(given, /no journey files match journeys\/\*\.journey\.ts in [^\n]*\n$/)
    // doctor says it too (last: it asks the base URL).
    expect((await p.venomqa(['doctor'])).stdout).toContain(
      'no journeys match journeys/**/*.journey.{ts,js,mts,mjs}; journeys/orders.ts is there, but not named as journeys/**/*.journey.{ts,js,mts,mjs} asks (rename it journeys/orders.journey.ts)\n',
    )
  })

  it('VENOMQA_JOURNEYS keeps the commas inside braces', async () => {
    const p = await project({ 'venomqa.yaml': 'baseUrl: ${APP_URL}\n', 'journeys/other.journey.mts': JOURNEY.replace("'ping'", "'other'") })
    const r = await p.venomqa(['list'], { env: { VENOMQA_JOURNEYS: 'journeys/**/*.journey.{ts,mts}' } })
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toContain('2 journeys in 2 files')
  })

  it('an existing journey file with [ in its name runs, and only it', async () => {
    const p = await project({
      'venomqa.yaml': 'baseUrl: ${APP_URL}\n',
      'journeys/[id].journey.ts': JOURNEY.replace("'ping'", "'by_id'"),
      'journeys/i.journey.ts': JOURNEY.replace("'ping'", "'just_i'"),
    })
    const r = await p.venomqa(['list', 'journeys/[id].journey.ts'])
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toContain('by_id')
    expect(r.stdout).not.toContain('just_i')
  })

  it('init where journeys is a file writes nothing and names it (exit 2)', async () => {
    const p = await makeProject(null)
    projects.push(p)
    await writeFile(path.join(p.dir, 'journeys'), 'x\n')
    const r = await p.venomqa(['init'])
    expectRefused(r, /journeys is not a directory: init writes journeys\/example\.journey\.ts in it\. Nothing was written/)
    expect(existsSync(path.join(p.dir, 'venomqa.config.ts'))).toBe(false)
    expect(r.stdout).not.toContain('created')
  })

  it('init does not replace a dangling link at journeys/example.journey.ts without --force', async () => {
    const p = await makeProject(null)
    projects.push(p)
    mkdirSync(path.join(p.dir, 'journeys'))
    symlinkSync('nowhere.ts', path.join(p.dir, 'journeys/example.journey.ts'))
    const r = await p.venomqa(['init'])
    expectRefused(r, /not overwriting what exists: journeys\/example\.journey\.ts\. Nothing was written/)
    expect(existsSync(path.join(p.dir, 'venomqa.config.ts'))).toBe(false)
  })

  it('init --force replaces a link at journeys/example.journey.ts or venomqa.config.ts, never the file it points to', async () => {
    const p = await makeProject(null)
    projects.push(p)
    writeFileSync(path.join(p.dir, 'mine.ts'), '// mine\n')
    mkdirSync(path.join(p.dir, 'journeys'))
    symlinkSync('../mine.ts', path.join(p.dir, 'journeys/example.journey.ts'))
    symlinkSync('mine.ts', path.join(p.dir, 'venomqa.config.ts'))
    const r = await p.venomqa(['init', '--force'])
    expect(r.code, r.stderr).toBe(0)
    expect(readFileSync(path.join(p.dir, 'mine.ts'), 'utf8')).toBe('// mine\n')
    for (const file of ['journeys/example.journey.ts', 'venomqa.config.ts']) expect(lstatSync(path.join(p.dir, file)).isSymbolicLink()).toBe(false)
    expect(readFileSync(path.join(p.dir, 'journeys/example.journey.ts'), 'utf8')).toContain("journey('example'")
  })

  it('init refuses a package.json that is a symbolic link, writing nothing; --force makes it a file of its own, never writing what it points to', async () => {
    const p = await makeProject(null)
    projects.push(p)
    // A package.json shared with another package: init must not change it under a name the user never gave.
    const shared = '{\n  "name": "shared",\n  "scripts": {\n    "build": "tsc"\n  }\n}\n'
    mkdirSync(path.join(p.dir, 'shared'))
    writeFileSync(path.join(p.dir, 'shared/package.json'), shared)
    symlinkSync('shared/package.json', path.join(p.dir, 'package.json'))
    const r = await p.venomqa(['init'])
    expectRefused(
      r,
      /^venomqa: not overwriting what exists: package\.json \(a symbolic link to shared\/package\.json, which init does not write through\)\. Nothing was written; use --force to replace them\n {2}at /,
    )
    expect(r.stdout).toBe('')
    expect(readFileSync(path.join(p.dir, 'shared/package.json'), 'utf8')).toBe(shared)
    expect(lstatSync(path.join(p.dir, 'package.json')).isSymbolicLink()).toBe(true)
    for (const file of ['venomqa.config.ts', 'journeys/example.journey.ts', 'journeys']) expect(existsSync(path.join(p.dir, file)), file).toBe(false)

    const forced = await p.venomqa(['init', '--force'])
    expect(forced.code, forced.stderr).toBe(0)
    expect(readFileSync(path.join(p.dir, 'shared/package.json'), 'utf8')).toBe(shared)
    expect(lstatSync(path.join(p.dir, 'package.json')).isSymbolicLink()).toBe(false)
    expect(JSON.parse(readFileSync(path.join(p.dir, 'package.json'), 'utf8'))).toEqual({ name: 'shared', scripts: { build: 'tsc', 'test:api': 'venomqa run' } })
  })

  it('init leaves a linked package.json that has its script already as it is: nothing to write there', async () => {
    const p = await makeProject(null)
    projects.push(p)
    const shared = '{\n  "scripts": {\n    "test:api": "venomqa run"\n  }\n}\n'
    writeFileSync(path.join(p.dir, 'shared.json'), shared)
    symlinkSync('shared.json', path.join(p.dir, 'package.json'))
    const r = await p.venomqa(['init'])
    expect(r.code, r.stderr).toBe(0)
    expect(lstatSync(path.join(p.dir, 'package.json')).isSymbolicLink()).toBe(true)
    expect(readFileSync(path.join(p.dir, 'shared.json'), 'utf8')).toBe(shared)
  })

  it('list shows what run would run: journey.only narrows it, and a filter or glob that matches nothing is refused (exit 2)', async () => {
    const p = await project({ 'venomqa.yaml': 'baseUrl: ${APP_URL}\n', 'journeys/focused.journey.ts': ONLY })
    const listed = await p.venomqa(['list'], { env: { CI: undefined } })
    expect(listed.code, listed.stdout + listed.stderr).toBe(0)
    expect(listed.stdout).toContain('1 journey in 1 file')
    expect(listed.stdout).not.toMatch(/^ping/m)
    expectRefused(await p.venomqa(['list'], { env: { CI: 'true' } }), /journey\.only is not allowed when CI is set: "focused" in journeys\/focused\.journey\.ts/)
    // As `run --allow-only`: the error says to pass it, and list takes it.
    const allowed = await p.venomqa(['list', '--allow-only'], { env: { CI: 'true' } })
    expect(allowed.code, allowed.stderr).toBe(0)
    expect(allowed.stdout).toContain('focused')
    expectRefused(await p.venomqa(['list', '--grep', 'nomatch'], { env: { CI: undefined } }), /no journey matches --grep nomatch; known: /)
    // The pattern came from the command line: the config file is not named as where the mistake is.
    expectRefused(await p.venomqa(['list', 'nowhere/*.journey.ts']), /^venomqa: no journey files match nowhere\/\*\.journey\.ts in [^\n]*\n$/)
  })

  it('doctor fails where run would refuse: an unknown reporter, requireState without a state backend, journey.only in CI', async () => {
    const reporter = await project({ 'venomqa.yaml': 'baseUrl: ${APP_URL}\nreporters: [htm]\n' })
    const r1 = await reporter.venomqa(['doctor'])
    expect(r1.code, r1.stdout + r1.stderr).toBe(2)
    expect(r1.stdout).toMatch(/✗ reporters +unknown reporter "htm"/)
    const state = await project({ 'venomqa.yaml': 'baseUrl: ${APP_URL}\nrequireState: true\n', 'journeys/saved.journey.ts': CHECKPOINTED })
    const r2 = await state.venomqa(['doctor'])
    expect(r2.code, r2.stdout + r2.stderr).toBe(2)
    expect(r2.stdout).toMatch(/✗ state +"saved" has checkpoints, but no state backend is registered and requireState is on/)
    const only = await project({ 'venomqa.yaml': 'baseUrl: ${APP_URL}\n', 'journeys/focused.journey.ts': ONLY })
    const r3 = await only.venomqa(['doctor'], { env: { CI: 'true' } })
    expect(r3.code, r3.stdout + r3.stderr).toBe(2)
    expect(r3.stdout).toMatch(/✗ journeys +journey\.only is not allowed when CI is set/)
  })

  it('doctor checks restore: no state backend to put the system back is the refusal run gives (exit 2); workers with no workerSetup to give them one fail; else it says which backends do it', async () => {
    const RESTORED = `import { journey, step } from '@venomqa/core'\nexport default journey('kept_clean', { restore: true, steps: [step('ping', ({ http }) => http.get('/ping'))] })\n`
    const none = await project({ 'venomqa.yaml': 'baseUrl: ${APP_URL}\n', 'journeys/restored.journey.ts': RESTORED })
    const own = await none.venomqa(['doctor'])
    expect(own.code, own.stdout + own.stderr).toBe(2)
    expect(own.stdout).toMatch(/\n✗ restore +journey "kept_clean" sets restore: true, but no state backend is registered, so nothing would put the system back after the journey: add a state backend plugin/)
    expect(own.stdout).toContain('doctor: 1 of ')
    // As `venomqa run` refuses it, with the same words.
    const run = await none.venomqa(['run'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('journey "kept_clean" sets restore: true, but no state backend is registered')
    // --restore, as run takes it; a journey that says restore: false is not put back.
    const flag = await project({ 'venomqa.yaml': 'baseUrl: ${APP_URL}\n' })
    expect((await flag.venomqa(['doctor'])).stdout).not.toContain('restore')
    const asked = await flag.venomqa(['doctor', '--restore'])
    expect(asked.code, asked.stdout + asked.stderr).toBe(2)
    expect(asked.stdout).toMatch(/\n✗ restore +restoreAfterJourney \(--restore\) is on, but no state backend is registered/)

    const backed = await project({ 'venomqa.yaml': 'baseUrl: ${APP_URL}\nplugins:\n  - [http-control, { url: "${TODO_URL}" }]\n', 'journeys/restored.journey.ts': RESTORED })
    const ok = await backed.venomqa(['doctor', '--restore'])
    expect(ok.stdout).toMatch(/\n✓ restore +restoreAfterJourney \(--restore\) is on: 2 journeys put back after they run by http-control\n/)
    expect(ok.code, ok.stdout + ok.stderr).toBe(0)
    const mine = await backed.venomqa(['doctor'])
    expect(mine.stdout).toMatch(/\n✓ restore +journey "kept_clean" sets restore: true: 1 journey put back after it runs by http-control\n/)
    const workers = await project({
      'venomqa.yaml': 'baseUrl: ${APP_URL}\nworkers: 2\nplugins:\n  - [http-control, { url: "${TODO_URL}" }]\n',
      'journeys/restored.journey.ts': RESTORED,
    })
    const lanes = await workers.venomqa(['doctor'])
    expect(lanes.code, lanes.stdout + lanes.stderr).toBe(1)
    expect(lanes.stdout).toMatch(/\n✗ restore +journey "kept_clean" sets restore: true, but workers: 2 has no workerSetup: worker 1 has no state backend of its own to put back, so the restored journeys it takes are not run/)
  })

  it('doctor says what puts journeys back on the workers from the worker it made: a workerSetup that gives worker 1 no state backend fails restore', async () => {
    const RESTORED = `import { journey, step } from '@venomqa/core'\nexport default journey('kept_clean', { restore: true, steps: [step('ping', ({ http }) => http.get('/ping'))] })\n`
    // A backend that may be shared lets the worker be made without one of its own: nothing puts its journeys back.
    const CONFIG = `const shared = { name: 'shared', mechanism: 'memory', parallelSafe: true, async connect() {}, async checkpoint() {}, async rollback() {}, async release() {}, async disconnect() {} }
export default {
  baseUrl: process.env.APP_URL,
  workers: 2,
  plugins: [{ name: 'shared-state', version: '1.0.0', apiVersion: 1, setup(api) { api.addStateBackend(shared) } }],
  workerSetup: { create: async () => ({}) },
}
`
    const p = await project({ 'venomqa.config.mjs': CONFIG, 'journeys/restored.journey.ts': RESTORED })
    const r = await p.venomqa(['doctor'])
    expect(r.code, r.stdout + r.stderr).toBe(1)
    expect(r.stdout).toMatch(/\n✓ workers +worker 1 made by the workerSetup in \d+ ms: no app of its own \(its requests go to the run's base URL\), no state backend of its own; undone\n/)
    expect(r.stdout).toContain(
      '\n✗ restore    journey "kept_clean" sets restore: true: 1 journey put back after it runs by shared (memory) on the run\'s own system, but the workerSetup gave worker 1 no state backend of its own to put back, so the restored journeys worker 1 takes are not run',
    )
  })
})

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
