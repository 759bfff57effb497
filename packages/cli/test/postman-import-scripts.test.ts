import { writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, cliHost, makeProject } from './helpers/project'
import { typecheckJourneys } from './helpers/typecheck'

/** This file's commands run in one process of the built CLI (see CliHost). */
const host = cliHost()

const SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json'
const exec = (listen: 'prerequest' | 'test', ...lines: string[]) => ({ listen, script: { exec: lines } })
const get = (name: string, pathname: string, ...event: unknown[]) => ({ name, request: { method: 'GET', url: `{{baseUrl}}${pathname}` }, event })

/**
 * Checks the import cannot translate (they use lodash and moment) in the collection's test script and a
 * folder's: Postman runs them after every request of the collection, or of the folder.
 */
const SHARED_CHECKS = {
  info: { name: 'Shop', schema: SCHEMA },
  event: [exec('test', "pm.test('same', () => pm.expect(_.isEqual(1, 1)).to.be.true);")],
  item: [
    { name: 'users', event: [exec('test', "pm.test('recent', () => pm.expect(moment().isValid()).to.be.true);")], item: [get('list', '/users'), get('one', '/users/1')] },
    { name: 'orders', item: [get('list', '/orders')] },
  ],
}

const withUrl = (url: unknown) => ({
  info: { name: 'Shapes', schema: SCHEMA },
  item: [{ name: 'users', item: [{ name: 'list', request: { method: 'GET', url: '{{baseUrl}}/users' } }, { name: 'odd', request: { method: 'GET', url } }] }],
})

/** Scripts that declare the names the journey's own code uses in a step: its response, its tests, its logger, its client and ctx. */
const SAME_NAMES = {
  info: { name: 'Names', schema: SCHEMA },
  item: [
    {
      name: 'names',
      item: [
        get(
          'first',
          '/users',
          exec('prerequest', 'const http = 1;', 'const ctx = { n: http };', 'const log = [];', "pm.environment.set('n', ctx.n + log.length);"),
          exec(
            'test',
            'const res = pm.response.json();',
            'const pmTests = [res.length];',
            "pm.test('one user', () => pm.expect(pmTests[0]).to.eql(1));",
            "pm.test('n is set', () => pm.expect(pm.environment.get('n')).to.eql(1));",
          ),
        ),
        get('second', '/users', exec('test', 'const postmanTests = 2;', "pm.test('two', () => pm.expect(postmanTests).to.eql(2));", "pm.test('fails', () => pm.expect(pm.response.code).to.eql(201));")),
      ],
    },
  ],
}

describe('venomqa import postman: the scripts of a collection and of its folders, the names scripts declare, a url of the wrong kind', () => {
  let p: Project
  let server: http.Server
  let baseUrl: string
  beforeAll(async () => {
    assertBuilt()
    server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('[{"id": 1}]')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    p = await makeProject(null, {}, host)
    await writeFile(path.join(p.dir, 'shared.json'), JSON.stringify(SHARED_CHECKS))
    await writeFile(path.join(p.dir, 'names.json'), JSON.stringify(SAME_NAMES))
  })
  afterAll(async () => {
    await p?.remove()
    await new Promise((resolve) => server?.close(resolve))
  })

  it("lists a collection's or a folder's check not translated once, for where it is; each step it runs after fails naming that script", async () => {
    const imported = await p.venomqa(['import', 'postman', 'shared.json', '--out', 'shared'])
    expect(imported.code, imported.stderr).toBe(0)
    expect(imported.stdout).toContain('2 things were not translated')
    expect(imported.stdout).toContain(`collection "Shop" (test script, in every step): pm.test('same'`)
    expect(imported.stdout).toContain(`shared/users.journey.ts  folder "users" (test script, in each of its steps): pm.test('recent'`)
    expect(imported.stdout).not.toContain('users > list')
    const run = await p.venomqa(['run', 'shared/users.journey.ts', '--base-url', baseUrl])
    expect(run.code, run.stdout).toBe(1)
    expect(run.stdout).toContain("same (in the collection's test script, which Postman runs after every request): not translated by venomqa import")
    expect(run.stdout).toContain('recent (in the test script of folder "users", which Postman runs after each of its requests): not translated by venomqa import')
    expect(typecheckJourneys(p.dir, 'shared')).toBe('')
  })

  it("a script declaring res, pmTests, postmanTests, log, http or ctx runs as in Postman: the journey's own names stay out of its way", async () => {
    const imported = await p.venomqa(['import', 'postman', 'names.json', '--out', 'names'])
    expect(imported.code, imported.stderr).toBe(0)
    expect(typecheckJourneys(p.dir, 'names')).toBe('')
    const run = await p.venomqa(['run', 'names/names.journey.ts', '--base-url', baseUrl])
    expect(run.stdout).not.toMatch(/SyntaxError|already been declared|is not a function|before initialization/)
    // The first step's tests pass on its own names; the second fails only on the status it checks.
    expect(run.stdout).toMatch(/✓ first/)
    expect(run.stdout).toContain('fails: ')
    expect(run.stdout).not.toContain('two: ')
    expect(run.code, run.stdout).toBe(1)
  })

  for (const [shown, url] of [
    ['the number 42', 42],
    ['the boolean true', true],
    ['an array', ['{{baseUrl}}/x']],
  ] as const)
    it(`a url that is ${shown} is said to be neither a string nor an object, with its item and key: exit 2, nothing written`, async () => {
      await writeFile(path.join(p.dir, 'shapes.json'), JSON.stringify(withUrl(url)))
      const run = await p.venomqa(['import', 'postman', 'shapes.json', '--out', 'shapes'])
      expect(run.code, run.stderr).toBe(2)
      expect(run.stderr).toContain(`shapes.json at item[0].item[1].request.url: is ${shown}, `)
      expect(run.stderr).toContain('not a string or an object: a request\'s "url" is its URL as text, or an object with "raw" (or "host" and "path")')
      expect(run.stderr).not.toContain('missing')
      expect(run.stdout).not.toContain('created')
    })

  it('a request with no url at all is still said to be missing it', async () => {
    await writeFile(path.join(p.dir, 'shapes.json'), JSON.stringify(withUrl(undefined)))
    const run = await p.venomqa(['import', 'postman', 'shapes.json', '--out', 'shapes'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('shapes.json at item[0].item[1].request.url: missing: a request needs a URL')
  })
})
