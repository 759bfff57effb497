import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Exploration, type StepNode, journey, redactText } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import type { ResolvedConfig } from '../src/config/load'
import { BEARER_VARIABLE, CREDENTIALS_VARIABLE, URL_VARIABLE, openApiExploration } from '../src/explorations/openapi'

// The module `explore --openapi` writes beside its regression journeys imports @venomqa/openapi: the
// project lives in this package, so that it is found as a user's node_modules would have it.
const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const created = { 201: { description: 'created' } }
const DOCUMENT = {
  openapi: '3.1.0',
  info: { title: 't', version: '1' },
  paths: {
    '/things': { get: { operationId: 'listThings', responses: { 200: { description: 'ok' } } } },
    '/users': { post: { operationId: 'signUp', responses: created } },
    '/login': { post: { operationId: 'logIn', responses: created } },
  },
}
const TOKEN = 'tok_the-exploration-used-0123456789'

let root: string
beforeAll(async () => {
  root = await mkdtemp(path.join(packageDir, '.openapi-module-'))
  await writeFile(path.join(root, 'openapi.json'), JSON.stringify(DOCUMENT))
})
afterAll(() => rm(root, { recursive: true, force: true }))

let written = 0

/** Write the module as `explore --openapi` does with this `openapi` config (each time to a new directory: an import is cached), and import it with `env` set. */
async function writeAndImport(openapi: ResolvedConfig['openapi'], env: Record<string, string | undefined>, document = 'openapi.json'): Promise<{ text: string; loaded: unknown }> {
  const config = { root, baseUrl: 'http://127.0.0.1:9', openapi } as ResolvedConfig
  const { file } = await openApiExploration(document, config, `regressions-${++written}`)
  const text = await readFile(path.join(root, file), 'utf8')
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
  Object.assign(process.env, env)
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k]
  try {
    const loaded = await import(pathToFileURL(path.join(root, file)).href).then((m) => m.default, (err: unknown) => err)
    return { text, loaded }
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
}

describe('the exploration module of explore --openapi', () => {
  it('reads a bearer token from VENOMQA_OPENAPI_BEARER, never writes it, and refuses to load without it', async () => {
    const unset = await writeAndImport({ auth: { bearer: TOKEN } }, { [BEARER_VARIABLE]: undefined })
    expect(unset.text).not.toContain(TOKEN)
    expect(unset.text).toContain(`fromEnvironment("${BEARER_VARIABLE}")`)
    // Without it each request would be refused and a regression journey replay nothing: an error naming the variable.
    expect(unset.loaded).toBeInstanceOf(Error)
    expect((unset.loaded as Error).message).toBe(`${BEARER_VARIABLE} not set: the regression journeys beside this module need what venomqa explore --openapi used`)
    const set = await writeAndImport({ auth: { bearer: TOKEN } }, { [BEARER_VARIABLE]: TOKEN })
    expect(set.loaded).toMatchObject({ kind: 'exploration', name: 'openapi openapi.json' })
  })

  it('names VENOMQA_OPENAPI_BEARER, where it read the token, when the token is refused: not openapi.auth.bearer, which that run never read', async () => {
    const secured = { ...DOCUMENT, security: [{ bearerAuth: [] }], components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } } }
    await writeFile(path.join(root, 'refused.json'), JSON.stringify(secured))
    const { loaded } = await writeAndImport({ auth: { bearer: TOKEN } }, { [BEARER_VARIABLE]: 'tok-expired' }, 'refused.json')
    const server = http.createServer((_req, res) => res.writeHead(401, { 'content-type': 'application/json' }).end('{}'))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const runner = createRunner({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })
    try {
      const result = await runner.run(journey('setup', { steps: [...(loaded as Exploration).setup] as StepNode[] }))
      const [issue] = result.journeys[0]!.issues
      expect(issue?.error).toBe(
        `${BEARER_VARIABLE} was refused: GET /things (listThings) answered 401, and every operation the document secures would be too (a wrong or expired token?)`,
      )
      expect(issue?.suggestion).toContain(`environment variable ${BEARER_VARIABLE}`)
      expect(issue?.suggestion).not.toContain('openapi.auth.bearer')
    } finally {
      await runner.close()
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('reads log-in credentials from VENOMQA_OPENAPI_CREDENTIALS, and needs no variable when the exploration makes its own user', async () => {
    const auth = { signUp: 'signUp', login: 'logIn', credentials: { email: 'ada@example.test', password: 'correct horse battery' } }
    const unset = await writeAndImport({ auth }, { [CREDENTIALS_VARIABLE]: undefined })
    expect(unset.text).not.toContain('correct horse battery')
    expect((unset.loaded as Error).message).toBe(`${CREDENTIALS_VARIABLE} not set: the regression journeys beside this module need what venomqa explore --openapi used`)
    // As the CLI prints it, masked as free text: `NAME: the ...` once read as a credential and lost a word.
    expect(redactText((unset.loaded as Error).message)).toBe((unset.loaded as Error).message)
    const own = await writeAndImport({ auth: { signUp: 'signUp', login: 'logIn' } }, {})
    expect(own.text).not.toContain('fromEnvironment')
    expect(own.loaded).toMatchObject({ kind: 'exploration' })
  })

  it('reads a document URL that holds a key from VENOMQA_OPENAPI_URL, and names the exploration with the key masked', async () => {
    const server = http.createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify(DOCUMENT)))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/openapi.json?api_key=KEY0123456789`
      const unset = await writeAndImport({}, { [URL_VARIABLE]: undefined }, url)
      expect(unset.text).not.toContain('KEY0123456789')
      expect(unset.text).toContain('name: "openapi http://127.0.0.1:')
      expect(unset.text).toContain('?api_key=[REDACTED]"')
      expect((unset.loaded as Error).message).toBe(`${URL_VARIABLE} not set: the regression journeys beside this module need what venomqa explore --openapi used`)
      const set = await writeAndImport({}, { [URL_VARIABLE]: url }, url)
      expect(set.loaded).toMatchObject({ kind: 'exploration', name: expect.stringMatching(/\?api_key=\[REDACTED\]$/) })
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('says when the document secures operations and no openapi.auth is set: they would all be refused', async () => {
    const secured = { ...DOCUMENT, security: [{ bearerAuth: [] }], components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } } }
    await writeFile(path.join(root, 'secured.json'), JSON.stringify(secured))
    const warnings: string[] = []
    const config = { root, baseUrl: 'http://127.0.0.1:9' } as ResolvedConfig
    await openApiExploration('secured.json', config, false, (m) => warnings.push(m))
    expect(warnings).toEqual([
      'secured.json secures 3 of its operations and openapi.auth is not set: they will be refused (401), and what only they reach is not explored. Set openapi.auth in the config ({ bearer } or { login, signUp? })',
    ])
    warnings.length = 0
    await openApiExploration('secured.json', { ...config, openapi: { auth: { bearer: 'x' } } } as ResolvedConfig, false, (m) => warnings.push(m))
    expect(warnings).toEqual([])
    // Headers the config sends with every request are credentials too: an Authorization for an HTTP scheme.
    await openApiExploration('secured.json', { ...config, headers: { Authorization: 'Bearer x' } } as ResolvedConfig, false, (m) => warnings.push(m))
    expect(warnings).toEqual([])
  })

  it("says when the document's server has a path that baseUrl lacks: its requests would miss it", async () => {
    const served = { ...DOCUMENT, servers: [{ url: '/api/v{ver}', variables: { ver: { default: '1' } } }] }
    await writeFile(path.join(root, 'served.json'), JSON.stringify(served))
    const warnings: string[] = []
    await openApiExploration('served.json', { root, baseUrl: 'http://127.0.0.1:9' } as ResolvedConfig, false, (m) => warnings.push(m))
    expect(warnings).toEqual([
      'served.json serves its operations under /api/v1 (its first server), which the base URL http://127.0.0.1:9 (baseUrl) does not end with: requests go to /things without it. Put the path in baseUrl if the API needs it; if it does not, give the base URL with --base-url, which is taken as it is',
    ])
    warnings.length = 0
    await openApiExploration('served.json', { root, baseUrl: 'http://127.0.0.1:9/api/v1/' } as ResolvedConfig, false, (m) => warnings.push(m))
    await writeFile(path.join(root, 'root-served.json'), JSON.stringify({ ...DOCUMENT, servers: [{ url: 'https://api.example.com/' }] }))
    await openApiExploration('root-served.json', { root, baseUrl: 'http://127.0.0.1:9' } as ResolvedConfig, false, (m) => warnings.push(m))
    expect(warnings).toEqual([])
  })

  it("takes the config's headers for an API key the document names: no warning for what they meet, one for what they do not", async () => {
    const keyed = {
      ...DOCUMENT,
      security: [{ apiKey: [] }],
      components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' }, queryKey: { type: 'apiKey', in: 'query', name: 'key' } } },
    }
    // One operation wants the key in the query, which no header meets.
    const [first] = Object.keys(DOCUMENT.paths)
    const withQueryKey = structuredClone(keyed) as typeof keyed & { paths: Record<string, Record<string, Record<string, unknown>>> }
    for (const op of Object.values(withQueryKey.paths[first!]!)) op.security = [{ queryKey: [] }]
    await writeFile(path.join(root, 'keyed.json'), JSON.stringify(withQueryKey))
    const warnings: string[] = []
    const config = { root, baseUrl: 'http://127.0.0.1:9', headers: { 'x-api-key': 'k' } } as unknown as ResolvedConfig
    await openApiExploration('keyed.json', config, false, (m) => warnings.push(m))
    const inQuery = Object.keys(withQueryKey.paths[first!]!).length
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`^keyed\\.json secures ${inQuery} of its operations and openapi\\.auth is not set`))])
  })
})
