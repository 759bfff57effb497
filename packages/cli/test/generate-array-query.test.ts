import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import http from 'node:http'
import path from 'node:path'
import { type LocalServer, listenLocally } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, cliHost, makeProject } from './helpers/project'
import { typecheckJourneys } from './helpers/typecheck'

/** This file's commands run in one process of the built CLI (see CliHost), but those that need one of their own. */
const host = cliHost()

// A journey `venomqa generate` writes sends a required list parameter as its OpenAPI `style` and `explode`
// say, as zero-code exploration does: `form` (the query's default, exploded) as `?tag=a&tag=b`, `explode:
// false` comma-separated, `spaceDelimited` and `pipeDelimited` joined by their character, a header's list
// (`simple`) comma-separated. Sent comma-separated whatever the style, `?tag=red,blue` is one tag no such
// server knows, and the generated journey failed against an API that reads its query the standard way.

const COLOURS = ['red', 'blue', 'green']
const list = { type: 'array', items: { type: 'string', enum: COLOURS }, minItems: 2, maxItems: 2 }
const doc = {
  openapi: '3.0.3',
  info: { title: 't', version: '1' },
  paths: {
    '/paints': {
      get: {
        tags: ['paints'],
        operationId: 'list_paints',
        parameters: [
          { name: 'tag', in: 'query', required: true, schema: list },
          { name: 'exact', in: 'query', required: true, style: 'form', explode: false, schema: list },
          { name: 'spaced', in: 'query', required: true, style: 'spaceDelimited', schema: list },
          { name: 'piped', in: 'query', required: true, style: 'pipeDelimited', schema: list },
          { name: 'X-Colours', in: 'header', required: true, schema: list },
        ],
        responses: { 200: { description: 'ok' } },
      },
    },
  },
}

/** The lists as an API reads them by their styles: 400 naming the first one that is not two known colours. */
function paintsApi(): http.Server {
  return http.createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://x').searchParams
    const lists: [string, string[]][] = [
      ['tag', query.getAll('tag')],
      ['exact', (query.get('exact') ?? '').split(',')],
      ['spaced', (query.get('spaced') ?? '').split(' ')],
      ['piped', (query.get('piped') ?? '').split('|')],
      ['X-Colours', String(req.headers['x-colours'] ?? '').split(',')],
    ]
    const wrong = lists.find(([, items]) => items.length !== 2 || !items.every((item) => COLOURS.includes(item)))
    res.writeHead(wrong ? 400 : 200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(wrong ? { error: `${wrong[0]}: ${JSON.stringify(wrong[1])}` } : []))
  })
}

describe('venomqa generate: a required list parameter is sent as its style says', () => {
  let p: Project
  let api: LocalServer
  beforeAll(async () => {
    assertBuilt()
    p = await makeProject(null, {}, host)
    api = await listenLocally(paintsApi())
  })
  afterAll(async () => {
    await api?.close()
    await p?.remove()
  })

  it('form exploded, form not exploded, space- and pipe-delimited, and a header: the journey type-checks and passes', async () => {
    await writeFile(path.join(p.dir, 'paints.json'), JSON.stringify(doc))
    const generated = await p.venomqa(['generate', '--openapi', 'paints.json', '--out', 'journeys'])
    expect(generated.code, generated.stderr).toBe(0)
    const file = readFileSync(path.join(p.dir, 'journeys/paints.journey.ts'), 'utf8')
    // The exploded list repeats its name, which the client's `query` cannot hold: it is written on the path.
    expect(file).toContain("http.get('/paints?tag=red&tag=red', { query: { exact: 'red,red', spaced: 'red red', piped: 'red|red' }, headers: { 'X-Colours': 'red,red' } })")
    expect(typecheckJourneys(p.dir, 'journeys')).toBe('')
    const run = await p.venomqa(['run', 'journeys', '--base-url', api.url])
    expect(run.stdout, `${file}\n${run.stderr}`).toContain('Journeys  1 passed of 1')
    expect(run.code).toBe(0)
  })
})
