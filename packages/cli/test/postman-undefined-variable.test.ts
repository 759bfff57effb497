import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importCollection } from '../src/postman/emit'
import { type Project, assertBuilt, cliHost, makeProject } from './helpers/project'

// A variable a request sends that nothing defines: an export leaves out the environment (and the current
// values), so `{{password}}` or a misspelt `{{tokne}}` is common. The import names it, and the step that
// sends it says how to give it a value.

/** This file's commands run in one process of the built CLI (see CliHost). */
const host = cliHost()
const projects: Project[] = []
beforeAll(() => assertBuilt())
afterAll(async () => {
  for (const p of projects) await p.remove()
})

const SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json'
const collection = {
  info: { name: 'Todo', schema: SCHEMA },
  variable: [{ key: 'baseUrl', value: 'http://127.0.0.1:1' }],
  item: [
    {
      name: 'Todos',
      item: [
        {
          name: 'login',
          request: { method: 'POST', url: '{{baseUrl}}/login', body: { mode: 'raw', raw: '{"user": "ann", "password": "{{password}}"}' } },
          event: [{ listen: 'test', script: { exec: ["pm.collectionVariables.set('token', pm.response.json().token)"] } }],
        },
        { name: 'list', request: { method: 'GET', url: '{{baseUrl}}/todos', header: [{ key: 'X-Tenant', value: '{{tenant}}' }, { key: 'X-Token', value: '{{token}}' }] } },
      ],
    },
    // A script reads `{{flag}}` and may test it for undefined: only what a request sends is warned about.
    { name: 'Other', item: [{ name: 'ping', request: { method: 'GET', url: '{{baseUrl}}/ping' }, event: [{ listen: 'prerequest', script: { exec: ["if (pm.variables.get('flag')) console.log('x')"] } }] }] },
  ],
}

describe('venomqa import postman: a variable a request sends that nothing defines', () => {
  it('is listed by importCollection, with the journeys that send it; one a script sets, or a script only reads, is not', async () => {
    const { readCollection } = await import('../src/postman/collection')
    const p = await makeProject(null, {}, host)
    projects.push(p)
    await writeFile(path.join(p.dir, 'col.json'), JSON.stringify(collection))
    const imported = importCollection(await readCollection('col.json', p.dir))
    expect(imported.undefinedVariables).toEqual([
      { variable: 'password', journeys: ['todos'] },
      { variable: 'tenant', journeys: ['todos'] },
    ])
  })

  it('is named on stderr by the import, with how to give it a value, and again by the step that sends it', async () => {
    const p = await makeProject(null, {}, host)
    projects.push(p)
    await writeFile(path.join(p.dir, 'col.json'), JSON.stringify(collection))
    const imported = await p.venomqa(['import', 'postman', 'col.json', '--out', 'journeys'])
    expect(imported.code, imported.stderr).toBe(0)
    expect(imported.stderr).toContain(
      'journey todos sends {{password}}, which neither the collection nor an environment defines and no script sets: its step fails until it has a value; give it in a Postman environment (venomqa import postman col.json --environment <env.json> --force) or in the collection\'s variables',
    )
    expect(imported.stderr).toContain('journey todos sends {{tenant}}')
    expect(imported.stderr).not.toContain('{{token}}')
    expect(imported.stderr).not.toContain('{{flag}}')

    const run = await p.venomqa(['run', 'journeys/todos.journey.ts', '--base-url', 'http://127.0.0.1:1'])
    expect(run.code).toBe(1)
    expect(run.stdout).toContain(
      'the Postman variable {{password}} has no value: no script set it (did the request that sets it fail?), and neither the collection nor the environment given to venomqa import defines it',
    )
    // The fix the import named, not the advice for an action that crashed.
    expect(run.stdout).toContain(
      "Suggestion: {{password}} needs a value: give it in a Postman environment (venomqa import postman col.json --environment <env.json> --force) or in the collection's variables, or set it in a script of an earlier request.",
    )
    expect(run.stdout).not.toContain('unexpected error')
  })
})

describe('venomqa import postman: the journeys it writes', () => {
  it('stop at their first failed step, as generated ones do: a later request runs on what the failed one did not do', async () => {
    const p = await makeProject(null, {}, host)
    projects.push(p)
    await writeFile(path.join(p.dir, 'col.json'), JSON.stringify(collection))
    expect((await p.venomqa(['import', 'postman', 'col.json', '--out', 'journeys'])).code).toBe(0)
    const run = await p.venomqa(['run', 'journeys/todos.journey.ts', '--base-url', 'http://127.0.0.1:1'])
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/Steps +0 passed, 1 failed, 1 skipped of 2/)
  })

  it('are run by the "Next" line as printed: with --base-url when nothing else gives the run one', async () => {
    const p = await makeProject(null, {}, host)
    projects.push(p)
    await writeFile(path.join(p.dir, 'col.json'), JSON.stringify(collection))
    const bare = await p.venomqa(['import', 'postman', 'col.json', '--out', 'journeys'])
    expect(bare.stdout).toContain('\nNext: venomqa run journeys --base-url http://127.0.0.1:1\n')
    await writeFile(path.join(p.dir, 'venomqa.json'), JSON.stringify({ baseUrl: 'http://127.0.0.1:1' }))
    const configured = await p.venomqa(['import', 'postman', 'col.json', '--out', 'journeys', '--force'])
    expect(configured.stdout).toContain('\nNext: venomqa run journeys\n')
    const fromEnv = await p.venomqa(['import', 'postman', 'col.json', '--out', 'other'], { env: { VENOMQA_BASE_URL: 'http://127.0.0.1:1' } })
    expect(fromEnv.stdout).toContain('\nNext: venomqa run other\n')
  })
})
