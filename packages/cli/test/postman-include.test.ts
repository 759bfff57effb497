import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject, cliHost } from './helpers/project'
import { typecheckJourneys } from './helpers/typecheck'

/** This file's commands run in one process of the built CLI (see CliHost), but those that need one of their own. */
const host = cliHost()

// End to end: `venomqa import postman` (the built binary) translates Chai's include for what it is
// given (a string, an array, an object), and reads a `?session=` token from the environment; `venomqa run`
// runs the journey against a server that answers a todo and checks the session.
const SESSION = 'SESS-q8Zx31kPl0'

/** GET /todo answers a todo when the query's session is SESSION, else 401. */
async function startServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const ok = url.pathname === '/todo' && url.searchParams.get('session') === SESSION
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' })
    res.end(JSON.stringify(ok ? { id: 7, title: 'buy milk', owner: { name: 'al' }, tags: ['home', 'shop'], items: [{ id: 1, qty: 2 }] } : { error: 'no session' }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

/** A collection of one request whose test script holds `checks`. */
function collection(checks: string[]) {
  return {
    info: { name: 'Todos', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
    item: [
      {
        name: 'todo',
        request: { method: 'GET', url: `{{baseUrl}}/todo?session=${SESSION}&view=full` },
        event: [{ listen: 'test', script: { exec: checks } }],
      },
    ],
  }
}

describe('venomqa import postman: include, and a session in the URL', () => {
  let server: Awaited<ReturnType<typeof startServer>>
  let p: Project
  beforeAll(async () => {
    assertBuilt()
    server = await startServer()
    p = await makeProject(null, {}, host)
  })
  afterAll(async () => {
    await p?.remove()
    await server?.close()
  })

  /** Import `checks` into `dir` and run the journey with the session set. */
  async function importAndRun(dir: string, checks: string[]) {
    await writeFile(path.join(p.dir, `${dir}.json`), JSON.stringify(collection(checks)))
    const imported = await p.venomqa(['import', 'postman', `${dir}.json`, '--out', dir])
    expect(imported.code, imported.stderr).toBe(0)
    const text = readFileSync(path.join(p.dir, dir, 'todos.journey.ts'), 'utf8')
    const run = await p.venomqa(['run', `${dir}/todos.journey.ts`, '--base-url', server.url], { env: { VENOMQA_SECRET_SESSION: SESSION } })
    return { text, run, imported }
  }

  it('include holds for a substring, an array item, an object property, and deep.include compares deep', async () => {
    const { text, run, imported } = await importAndRun('passing', [
      "pm.test('includes', function () {",
      '  const todo = pm.response.json()',
      "  pm.expect(todo).to.include({ title: 'buy milk', id: 7 })",
      "  pm.expect(todo).to.deep.include({ owner: { name: 'al' } })",
      "  pm.expect(todo.tags).to.include('shop')",
      "  pm.expect(todo.title).to.contain('milk')",
      "  pm.expect(pm.response.text()).to.include('buy milk')",
      '  pm.expect(todo.items).to.deep.include({ id: 1, qty: 2 })',
      "  pm.expect(todo).to.not.include({ title: 'buy bread' })",
      '})',
    ])
    expect(text).toContain("assert(includesValue(todo, { title: 'buy milk', id: 7 }),")
    expect(text).toContain("assert(includesValue(todo, { owner: { name: 'al' } }, true),")
    expect(text).not.toMatch(/\.includes\(/)
    // The session is the environment's, never written; the rest of the query stays readable.
    expect(text).not.toContain(SESSION)
    expect(text).toContain('fromEnvironment(')
    expect(text).toContain('VENOMQA_SECRET_SESSION')
    expect(imported.stderr).toContain('VENOMQA_SECRET_SESSION')
    expect(text).toContain('&view=full')
    expect(run.stdout).toMatch(/Journeys {2}1 passed of 1/)
    expect(run.code, run.stdout).toBe(0)
    expect(typecheckJourneys(p.dir, 'passing')).toBe('')
  })

  it('include fails where Chai says it does: an absent property, a deep value compared by identity, a missing item', async () => {
    for (const [i, check] of [
      "pm.expect(pm.response.json()).to.include({ title: 'buy bread' })",
      "pm.expect(pm.response.json()).to.include({ owner: { name: 'al' } })",
      "pm.expect(pm.response.json().tags).to.include('work')",
      "pm.expect(pm.response.json().items).to.deep.include({ id: 2, qty: 2 })",
    ].entries()) {
      const { run } = await importAndRun(`failing-${i}`, [check])
      expect(run.stdout, check).toMatch(/Journeys {2}0 passed, 1 failed of 1/)
      expect(run.code).toBe(1)
    }
  })
})
