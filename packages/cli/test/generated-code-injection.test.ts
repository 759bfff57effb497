import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { commentText } from '../src/codegen'
import { type Project, assertBuilt, makeProject } from './helpers/project'

// `venomqa generate` and `venomqa import postman` write names from the document they read (an operation's
// id, a tag, a server URL, a folder, a script line) into the journeys' comments and template literals. The
// document may be anyone's (`generate` takes a URL): a line break in a name must not end a comment and make
// the rest of the name code that `venomqa list` or `run` would run. Each hostile name here would write a
// marker file if it ran; the journeys must load, and no marker may appear.

describe('commentText', () => {
  it('shows every line break JavaScript knows, and a star-slash, as escapes', () => {
    expect(commentText('a\nb\rc\r\nd\u2028e\u2029f')).toBe('a\\nb\\rc\\r\\nd\\u2028e\\u2029f')
    expect(commentText('x */ y')).toBe('x *\\/ y')
    expect(commentText('plain (text) "quoted"')).toBe('plain (text) "quoted"')
  })
})

describe('journeys written from a hostile document run none of it', () => {
  assertBuilt()
  let project: Project | undefined
  afterEach(async () => {
    await project?.remove()
    project = undefined
  })

  /** A statement that writes `marker` in the project when it runs. */
  const planting = (marker: string) => `require('fs').writeFileSync(${JSON.stringify(marker)}, '1')`
  const markers = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('ran-'))

  it('venomqa generate', async () => {
    project = await makeProject(null)
    const dir = project.dir
    const doc = {
      openapi: '3.0.3',
      info: { title: 't', version: '1' },
      // An API key sent as a cookie: its name is written inside a template literal.
      components: { securitySchemes: { k: { type: 'apiKey', in: 'cookie', name: `sid\`+${planting('ran-cookie')}+\`` } } },
      security: [{ k: [] }],
      servers: [{ url: `http://x.example/\n${planting('ran-server')}\n//` }],
      paths: {
        '/ok': { get: { tags: [`w\u2028${planting('ran-tag')}\u2028//`], responses: { 200: { description: 'ok' } } } },
        // A backtick in an item's path would end the template literal the path is written in: the step
        // that reads the item would exit the run.
        '/it`+process.exit(7)+`ems': {
          post: {
            tags: ['items'],
            requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } } } },
            responses: { 201: { description: 'made', content: { 'application/json': { schema: { type: 'object', properties: { id: { type: 'integer' } } } } } } },
          },
        },
        '/it`+process.exit(7)+`ems/{id}': {
          get: {
            tags: ['items'],
            parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
            responses: { 200: { description: 'ok' } },
          },
        },
        '/w/{id}/`+process.exit(7)+`': {
          get: {
            tags: [`w\u2028${planting('ran-tag')}\u2028//`],
            operationId: `getW\n${planting('ran-opid')}\n//`,
            parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
            responses: { 200: { description: 'ok' } },
          },
        },
        // A star-slash in a parameter's name would end the block comment that marks it to fill in.
        '/v/{a*/process.exit(8)/*}': {
          get: {
            tags: ['v'],
            parameters: [{ name: 'a*/process.exit(8)/*', in: 'path', required: true, schema: { type: 'string' } }],
            responses: { 200: { description: 'ok' } },
          },
        },
      },
    }
    await writeFile(path.join(dir, 'api.json'), JSON.stringify(doc))
    const generated = await project.venomqa(['generate', '--openapi', 'api.json'])
    expect(generated.code, generated.stderr).toBe(0)
    const listed = await project.venomqa(['list'])
    expect(listed.stderr).toBe('')
    expect(listed.code).toBe(0)
    expect(markers(dir)).toEqual([])
    const written = readdirSync(path.join(dir, 'journeys')).map((f) => readFileSync(path.join(dir, 'journeys', f), 'utf8')).join('\n')
    // The names are still there to read, their line breaks shown.
    expect(written).toContain('getW\\nrequire(')
    expect(written).toContain('http://x.example/\\nrequire(')
    expect(written).toContain("http.get(`/it\\`+process.exit(7)+\\`ems/${encodeURIComponent(String(ctx.require('id')))}`)")
    expect(written).toContain("http.setHeader('Cookie', `sid\\`+require(")
  })

  it('venomqa import postman', async () => {
    project = await makeProject(null)
    const dir = project.dir
    const collection = {
      info: { name: `Shop\n${planting('ran-collection')}\n//`, schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
      variable: [{ key: 'baseUrl', value: `http://x.example/\n${planting('ran-base')}\n//` }],
      item: [
        {
          name: `Users "folder"\n${planting('ran-folder')}//`,
          item: [
            {
              name: 'list users',
              request: { method: 'GET', url: '{{baseUrl}}/users' },
              event: [
                // A script line that cannot be translated is kept as a comment: U+2028 in it would end that.
                { listen: 'test', script: { exec: [`pm.somethingUnknown()\u2028${planting('ran-script')}`] } },
              ],
            },
          ],
        },
      ],
    }
    await writeFile(path.join(dir, 'col.json'), JSON.stringify(collection))
    const imported = await project.venomqa(['import', 'postman', 'col.json', '--out', 'journeys'])
    expect(imported.code, imported.stderr).toBe(0)
    const listed = await project.venomqa(['list', 'journeys'])
    expect(listed.stderr).toBe('')
    expect(listed.code).toBe(0)
    expect(markers(dir)).toEqual([])
    expect(existsSync(path.join(dir, 'journeys'))).toBe(true)
  })
})
