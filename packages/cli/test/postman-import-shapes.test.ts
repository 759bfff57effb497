import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, cliHost, makeProject } from './helpers/project'

/** This file's commands run in one process of the built CLI (see CliHost). */
const host = cliHost()

const SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json'

const withUrl = (url: unknown) => ({
  info: { name: 'Shapes', schema: SCHEMA },
  item: [{ name: 'users', item: [{ name: 'list', request: { method: 'GET', url: '{{baseUrl}}/users' } }, { name: 'odd', request: { method: 'GET', url } }] }],
})

describe('venomqa import postman: a request whose url has the wrong shape', () => {
  let p: Project
  beforeAll(async () => {
    assertBuilt()
    p = await makeProject(null, {}, host)
  })
  afterAll(async () => {
    await p?.remove()
  })

  for (const [shown, url] of [
    ['the number 42', 42],
    ['the boolean true', true],
    ['an array', ['{{baseUrl}}/x']],
  ] as const)
    it(`a url that is ${shown} is said to be as neither a string nor an object, with its item and key: exit 2, nothing written`, async () => {
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
