import { readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Auth, Collection, Folder, Request } from '../src/postman/collection'
import { importCollection } from '../src/postman/emit'
import { translateScript } from '../src/postman/script'
import { type Project, assertBuilt, cliHost, makeProject } from './helpers/project'
import { typecheckJourneys } from './helpers/typecheck'

/** This file's commands run in one process of the built CLI (see CliHost). */
const host = cliHost()

const SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json'
const KEY = 'QUERY-KEY-k3y9'
const BEARER = 'plainvalue12345678'
/** Secrets sent outside quotes in a JSON body: a number, and an object. */
const MFA_CODE = '48213907'
const DEVICE_SERIAL = 'SN-77120934'

/**
 * A server that answers 200 when a request carries what Postman would send, and 400 naming what differs
 * otherwise (so that a step without tests fails on it); GET /missing answers 404.
 */
async function startServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const checks = (req: http.IncomingMessage, url: URL, text: string): string[] => {
    if (url.pathname === '/typed') {
      let body: Record<string, unknown>
      try {
        body = JSON.parse(text)
      } catch {
        return ['not JSON']
      }
      const expected: Array<[string, boolean]> = [
        ['n', body.n === 42],
        ['done', body.done === true],
        ['obj', JSON.stringify(body.obj) === '{"x":1}'],
        ['computed key', body.kk === 1 && !('{{k}}' in body)],
        // `{{qk}}` outside quotes, its value `"quotedKey"` with its quotes: Postman's text makes the key quotedKey.
        ['unquoted key with quotes in its value', body.quotedKey === 2 && !('"quotedKey"' in body)],
        ['__proto__ key', Object.hasOwn(body, '__proto__') && JSON.stringify(Object.getOwnPropertyDescriptor(body, '__proto__')?.value) === '{"polluted":1}'],
        ['quoted', body.s === '42'],
      ]
      return expected.filter(([, ok]) => !ok).map(([name]) => name)
    }
    if (url.pathname === '/keyed') return url.searchParams.get('api_key') === KEY && url.searchParams.get('page') === '1' ? [] : ['api_key']
    if (url.pathname === '/inherited') return req.headers.authorization === `Bearer ${BEARER}` ? [] : ['authorization']
    return []
  }
  const server = http.createServer((req, res) => {
    let text = ''
    req.on('data', (d) => (text += d))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x')
      // A 500 quoting the body: the console then shows the failed step's request and response.
      if (url.pathname === '/mfa') {
        res.writeHead(500, { 'content-type': 'application/json' })
        return res.end(JSON.stringify({ error: 'down', received: text }))
      }
      if (url.pathname === '/missing') {
        res.writeHead(404, { 'content-type': 'application/json' })
        return res.end('{"error":"not found"}')
      }
      const wrong = checks(req, url, text)
      res.writeHead(wrong.length ? 400 : 200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ wrong, body: text }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

const rawJson = (raw: string) => ({ mode: 'raw', raw, options: { raw: { language: 'json' } } })
const testScript = (...exec: string[]) => [{ listen: 'test', script: { exec } }]
const missing = (name: string, ...exec: string[]) => ({ name, request: { method: 'GET', url: '{{baseUrl}}/missing' }, event: testScript(...exec) })

/** What QA's collections (/tmp/qaB-pm: bodies, s404, tricky, leak, auths) showed, one folder per finding. */
const COLLECTION = {
  info: { name: 'Fixes', schema: SCHEMA },
  variable: [
    { key: 'num', value: '42' },
    { key: 'flag', value: 'true' },
    { key: 'objvar', value: '{"x": 1}' },
    { key: 'k', value: 'kk' },
    { key: 'qk', value: '"quotedKey"' },
    { key: 'word', value: 'hello' },
    { key: 'qkey', value: KEY },
    { key: 'myBearer', value: BEARER },
    { key: 'mfaCode', value: MFA_CODE, type: 'secret' },
    { key: 'device', value: `{"serial": "${DEVICE_SERIAL}"}`, type: 'secret' },
    { key: 'bigId', value: '9007199254740993' },
  ],
  item: [
    {
      name: 'bodies',
      item: [
        {
          name: 'typed',
          request: {
            method: 'POST',
            url: '{{baseUrl}}/typed',
            body: rawJson('{\n  // Postman leaves comments out\n  "n": {{num}}, "done": {{flag}}, "obj": {{objvar}},\n  "{{k}}": 1, {{qk}}: 2, "__proto__": {"polluted": 1}, "s": "{{num}}"\n}'),
          },
        },
      ],
    },
    { name: 'not json', item: [{ name: 'word body', request: { method: 'POST', url: '{{baseUrl}}/typed', body: rawJson('{"w": {{word}}}') } }] },
    { name: 'secret json', item: [{ name: 'mfa', request: { method: 'POST', url: '{{baseUrl}}/mfa', body: rawJson('{"code": {{mfaCode}}, "device": {{device}}}') } }] },
    { name: 'big number', item: [{ name: 'big id', request: { method: 'POST', url: '{{baseUrl}}/typed', body: rawJson('{"id": {{bigId}}}') } }] },
    {
      name: 'statuses',
      item: [
        missing('eql', 'pm.expect(pm.response.code).to.eql(404);'),
        missing('equal', "pm.test('404', () => pm.expect(pm.response.code).to.equal(404));"),
        missing('one of', 'pm.expect(pm.response.code).to.be.oneOf([400, 404]);'),
        missing('compared', 'pm.expect(pm.response.code === 404).to.be.true;'),
        missing('legacy', "tests['not found'] = responseCode.code === 404;"),
        missing('not found', 'pm.response.to.be.notFound;'),
        missing('client error', "pm.test('4xx', () => pm.response.to.be.clientError);"),
        missing('by its reason', "pm.response.to.have.status('Not Found');"),
        missing('status text', "pm.expect(pm.response.status).to.eql('Not Found');"),
      ],
    },
    {
      // Lines the import cannot translate: the run says so each time, and a check left out fails.
      name: 'left out',
      item: [
        { name: 'visualized', request: { method: 'GET', url: '{{baseUrl}}/ok' }, event: testScript("pm.visualizer.set('<b>{{name}}</b>');", "pm.test('ok', () => pm.response.to.have.status(200));") },
      ],
    },
    { name: 'check left out', item: [{ name: 'lodash', request: { method: 'GET', url: '{{baseUrl}}/ok' }, event: testScript("pm.test('same', () => pm.expect(_.isEqual(1, 1)).to.be.true);") }] },
    {
      // Postman runs every test of a script, and the statements after a failed one.
      name: 'after a failed test',
      item: [
        {
          name: 'two fail',
          request: { method: 'GET', url: '{{baseUrl}}/ok' },
          event: testScript(
            "tests['legacy'] = pm.response.code === 201;",
            "pm.test('first', () => pm.expect(1).to.eql(2));",
            "pm.environment.set('after', 'set');",
            "pm.test('set after', () => pm.expect(pm.environment.get('after')).to.eql('set'));",
            "pm.test('second', () => pm.expect(pm.response.code).to.eql(201));",
          ),
        },
      ],
    },
    {
      // A script's `return` ends that script only: the step still fails on the test before it.
      name: 'returns early',
      item: [
        {
          name: 'return',
          request: { method: 'GET', url: '{{baseUrl}}/ok' },
          event: [
            { listen: 'prerequest', script: { exec: ["pm.environment.set('before', 1);", 'return;'] } },
            { listen: 'test', script: { exec: ["pm.test('fails', () => pm.expect(pm.environment.get('before')).to.eql(2));", 'if (pm.response.code === 200) return;', "pm.environment.set('x', 1);"] } },
          ],
        },
      ],
    },
    {
      name: 'auth',
      auth: { type: 'bearer', bearer: [{ key: 'token', value: '{{myBearer}}' }] },
      item: [
        {
          name: 'query key',
          request: {
            method: 'GET',
            url: '{{baseUrl}}/keyed?page=1',
            auth: {
              type: 'apikey',
              apikey: [
                { key: 'key', value: 'api_key' },
                { key: 'value', value: '{{qkey}}' },
                { key: 'in', value: 'query' },
              ],
            },
          },
        },
        { name: 'inherits', request: { method: 'GET', url: '{{baseUrl}}/inherited', auth: { type: 'inherit' } } },
      ],
    },
  ],
}

describe('venomqa import postman: what Postman sends, and the statuses its tests assert', () => {
  let server: Awaited<ReturnType<typeof startServer>>
  let p: Project
  beforeAll(async () => {
    assertBuilt()
    server = await startServer()
    p = await makeProject(null, {}, host)
    await writeFile(path.join(p.dir, 'fixes.json'), JSON.stringify(COLLECTION))
  })
  afterAll(async () => {
    await p?.remove()
    await server?.close()
  })

  it('a {{var}} outside quotes in a JSON body is sent as the JSON its text is; keys, __proto__ and comments as Postman sends them', async () => {
    const imported = await p.venomqa(['import', 'postman', 'fixes.json', '--out', 'fixes'])
    expect(imported.code, imported.stderr).toBe(0)
    const env = { VENOMQA_SECRET_QKEY: KEY, VENOMQA_SECRET_MY_BEARER: BEARER }
    const run = await p.venomqa(['run', 'fixes/bodies.journey.ts', '--base-url', server.url], { env })
    expect(run.stdout).toMatch(/Journeys {2}1 passed of 1/)
    expect(run.code, run.stdout).toBe(0)
    expect(typecheckJourneys(p.dir, 'fixes')).toBe('')
  })

  it('a {{var}} outside quotes whose value is not JSON fails its step, naming the variable and the request', async () => {
    await p.venomqa(['import', 'postman', 'fixes.json', '--out', 'fixes', '--force'])
    const run = await p.venomqa(['run', 'fixes/not-json.journey.ts', '--base-url', server.url])
    expect(run.stdout).toMatch(/Journeys {2}0 passed, 1 failed of 1/)
    expect(run.stdout).toContain('the Postman variable {{word}} is outside quotes in the JSON body of request "word body"')
    expect(run.stdout).not.toContain('hello')
  })

  it('a secret sent outside quotes as a number or an object is masked in the console, the results and the report', async () => {
    await p.venomqa(['import', 'postman', 'fixes.json', '--out', 'fixes', '--force'])
    const env = { VENOMQA_SECRET_MFA_CODE: MFA_CODE, VENOMQA_SECRET_DEVICE: `{"serial": "${DEVICE_SERIAL}"}` }
    const run = await p.venomqa(['run', 'fixes/secret-json.journey.ts', '--base-url', server.url, '--save', 'mfa.json', '-r', 'console', '-r', 'markdown:mfa.md'], { env })
    expect(run.stdout).toMatch(/Journeys {2}0 passed, 1 failed of 1/)
    expect(run.stdout).toContain('/mfa')
    const outputs = [run.stdout, run.stderr, readFileSync(path.join(p.dir, 'mfa.json'), 'utf8'), readFileSync(path.join(p.dir, 'mfa.md'), 'utf8')]
    for (const output of outputs) for (const secret of [MFA_CODE, DEVICE_SERIAL]) expect(output).not.toContain(secret)
  })

  it('an integer outside quotes too large for a JavaScript number fails its step, as a value that is not JSON does', async () => {
    await p.venomqa(['import', 'postman', 'fixes.json', '--out', 'fixes', '--force'])
    const run = await p.venomqa(['run', 'fixes/big-number.journey.ts', '--base-url', server.url])
    expect(run.stdout).toMatch(/Journeys {2}0 passed, 1 failed of 1/)
    expect(run.stdout).toContain('the Postman variable {{bigId}} is outside quotes in the JSON body of request "big id"')
    expect(run.stdout).toContain('put quotes around {{bigId}}')
    expect(run.stdout).not.toContain('9007199254740993')
  })

  it('a 404 asserted by eql, equal, oneOf, a comparison or a legacy test passes its step', async () => {
    await p.venomqa(['import', 'postman', 'fixes.json', '--out', 'fixes', '--force'])
    const run = await p.venomqa(['run', 'fixes/statuses.journey.ts', '--base-url', server.url])
    expect(run.stdout).toMatch(/Journeys {2}1 passed of 1/)
    expect(run.code, run.stdout).toBe(0)
  })

  it('a journey with a line not translated warns at each run, naming how many and where, and passes', async () => {
    const imported = await p.venomqa(['import', 'postman', 'fixes.json', '--out', 'fixes', '--force'])
    expect(imported.stdout).toContain('Their steps warn of them at every run; a check among them (pm.test, pm.expect, tests[...]) fails its step until it is written by hand.')
    const run = await p.venomqa(['run', 'fixes/left-out.journey.ts', '--base-url', server.url, '-r', 'console', '-r', 'junit:left-out.xml'])
    expect(run.code, run.stdout + run.stderr).toBe(0)
    const warning = `1 line of this step was not translated by venomqa import and does not run: see "// venomqa import: not translated:" in left-out.journey.ts`
    expect(run.stderr).toContain(`warning: ${warning}`)
    // Live on stderr, as every step's log; kept in the JUnit report's system-out (and the results, the HTML report).
    expect(readFileSync(path.join(p.dir, 'left-out.xml'), 'utf8')).toContain(warning)
  })

  it('a check not translated fails its step, naming the test and where to write it by hand', async () => {
    await p.venomqa(['import', 'postman', 'fixes.json', '--out', 'fixes', '--force'])
    const run = await p.venomqa(['run', 'fixes/check-left-out.journey.ts', '--base-url', server.url])
    expect(run.code, run.stdout).toBe(1)
    expect(run.stdout).toContain('same: not translated by venomqa import')
  })

  it('a failed pm.test lets the script go on, as Postman does; the step fails naming every failed test', async () => {
    await p.venomqa(['import', 'postman', 'fixes.json', '--out', 'fixes', '--force'])
    const run = await p.venomqa(['run', 'fixes/after-a-failed-test.journey.ts', '--base-url', server.url])
    expect(run.code, run.stdout).toBe(1)
    expect(run.stdout).toContain('3 of 4 tests failed')
    expect(run.stdout).toMatch(/legacy: .*\n.*first: .*\n.*second: /)
    expect(run.stdout).not.toContain('set after:')
  })

  it("a script's return ends that script, not the step: the request is sent, and a test failed before it fails the step", async () => {
    await p.venomqa(['import', 'postman', 'fixes.json', '--out', 'fixes', '--force'])
    const run = await p.venomqa(['run', 'fixes/returns-early.journey.ts', '--base-url', server.url])
    expect(run.code, run.stdout).toBe(1)
    expect(run.stdout).toContain('GET')
    expect(run.stdout).toContain('fails: ')
  })

  it('an apikey auth in the query is sent there; "inherit" takes the folder\'s bearer; credentials passed through variables are read from the environment', async () => {
    const imported = await p.venomqa(['import', 'postman', 'fixes.json', '--out', 'fixes', '--force'])
    const text = readFileSync(path.join(p.dir, 'fixes', 'auth.journey.ts'), 'utf8')
    for (const secret of [KEY, BEARER]) expect(text).not.toContain(secret)
    expect(imported.stderr).toContain('VENOMQA_SECRET_QKEY')
    expect(imported.stderr).toContain('VENOMQA_SECRET_MY_BEARER')
    expect(imported.stdout).not.toContain('add the header by hand')
    const run = await p.venomqa(['run', 'fixes/auth.journey.ts', '--base-url', server.url], { env: { VENOMQA_SECRET_QKEY: KEY, VENOMQA_SECRET_MY_BEARER: BEARER } })
    expect(run.stdout).toMatch(/Journeys {2}1 passed of 1/)
    expect(run.code, run.stdout).toBe(0)
  })

  it('a directory or a missing file says so in words', async () => {
    await mkdir(path.join(p.dir, 'adir'), { recursive: true })
    const dir = await p.venomqa(['import', 'postman', 'adir'])
    expect(dir.code).toBe(2)
    expect(dir.stderr).toContain('cannot read the Postman collection adir: it is a directory, not a Postman collection file')
    const gone = await p.venomqa(['import', 'postman', 'gone.json'])
    expect(gone.code).toBe(2)
    expect(gone.stderr).toContain('cannot read the Postman collection gone.json: no such file')
    expect(`${dir.stderr}${gone.stderr}`).not.toMatch(/EISDIR|ENOENT/)
  })
})

// The rules below, each on its own, on importCollection and translateScript.

const request = (name: string, fields: Partial<Request> = {}): Request => ({ name, method: 'GET', url: '{{baseUrl}}/x', headers: [], scripts: [], place: 'item[0]', ...fields })
const folder = (name: string, items: Array<Request | Folder>, fields: Partial<Folder> = {}): Folder => ({ name, items, scripts: [], place: 'item[0]', ...fields })
const collectionOf = (items: Array<Request | Folder>, fields: Partial<Collection> = {}, root: Partial<Folder> = {}): Collection => ({
  name: 'C',
  variables: [{ key: 'baseUrl', value: 'http://api.test' }],
  root: folder('C', items, { place: '', ...root }),
  ...fields,
})
const contentOf = (c: Collection) => importCollection(c).files.map((f) => f.content).join('\n')

describe('venomqa import postman: the rules one by one', () => {
  it('a variable sent as the whole value of a secret field (JSON body, form body, query) is a secret, whatever its name', () => {
    const c = collectionOf(
      [
        request('json', { body: { mode: 'raw', language: 'json', raw: '{"email": "{{email}}", "password": "{{pw}}", "pin": {{code}}, "note": "x {{nt}}"}' } }),
        request('form', { body: { mode: 'urlencoded', fields: [{ key: 'client_secret', value: '{{cs}}' }, { key: 'client_id', value: '{{cid}}' }] } }),
        request('query', { url: '{{baseUrl}}/x?api_key={{k}}&page={{pg}}' }),
      ],
      {
        variables: [
          { key: 'baseUrl', value: 'http://api.test' },
          { key: 'email', value: 'ada@example.test' },
          { key: 'pw', value: 'hunter2-plain' },
          { key: 'code', value: '48213907' },
          { key: 'nt', value: 'a note' },
          { key: 'cs', value: 'client-secret-9931' },
          { key: 'cid', value: 'client-id-1' },
          { key: 'k', value: 'querykey-77231' },
          { key: 'pg', value: '2' },
        ],
      },
    )
    const { files, secrets } = importCollection(c)
    const content = files.map((f) => f.content).join('\n')
    for (const secret of ['hunter2-plain', '48213907', 'client-secret-9931', 'querykey-77231']) expect(content).not.toContain(secret)
    expect(secrets.map((s) => s.name).sort()).toEqual(['VENOMQA_SECRET_CODE', 'VENOMQA_SECRET_CS', 'VENOMQA_SECRET_K', 'VENOMQA_SECRET_PW'])
    // Plain fields, and a secret-looking one the variable is only part of, keep their values in the file.
    for (const plain of ['ada@example.test', "'a note'", 'client-id-1', "pg: '2'"]) expect(content).toContain(plain)
  })

  it('a variable sent as an auth credential or a secret header value is a secret, whatever its name', () => {
    const bearer: Auth = { type: 'bearer', fields: { token: '{{myBearer}}' } }
    const apikey: Auth = { type: 'apikey', fields: { key: 'X-Key', value: '{{plain}}' } }
    const c = collectionOf(
      [
        request('a', { headers: [{ key: 'Authorization', value: 'Basic {{creds}}' }] }),
        request('b', { auth: bearer }),
        request('c', { headers: [{ key: 'X-Api-Key', value: '{{hdr}}' }] }),
        request('d', { auth: apikey }),
        request('e', { headers: [{ key: 'X-Region', value: '{{region}}' }] }),
        request('f', { headers: [{ key: 'Cookie', value: 'lang={{lang}}; sid={{sid}}' }, { key: 'Authorization', value: '{{scheme}} {{tok}}' }] }),
        request('g', { headers: [{ key: 'Cookie', value: 'lang={{lang}}; session_id={{sess}}' }] }),
      ],
      {
        variables: [
          { key: 'baseUrl', value: 'http://api.test' },
          { key: 'creds', value: 'Zm9vYmFyYmF6cXV4MTIzNDU2' },
          { key: 'myBearer', value: 'plainvalue12345678' },
          { key: 'hdr', value: 'opensesame42' },
          { key: 'plain', value: 'apikeyvalue77' },
          { key: 'region', value: 'eu-west-1' },
          { key: 'lang', value: 'en-GB' },
          { key: 'sid', value: 's1' },
          { key: 'scheme', value: 'Bearer' },
          { key: 'tok', value: 't1' },
          { key: 'sess', value: 'sessvalue4242' },
        ],
      },
    )
    const { files, secrets } = importCollection(c)
    const content = files.map((f) => f.content).join('\n')
    for (const secret of ['Zm9vYmFyYmF6cXV4MTIzNDU2', 'plainvalue12345678', 'opensesame42', 'apikeyvalue77', 'sessvalue4242']) expect(content).not.toContain(secret)
    expect(secrets.map((s) => s.name).sort()).toEqual(['VENOMQA_SECRET_CREDS', 'VENOMQA_SECRET_HDR', 'VENOMQA_SECRET_MY_BEARER', 'VENOMQA_SECRET_PLAIN', 'VENOMQA_SECRET_SESS'])
    // A variable sent in a header that says nothing of a secret stays as it is; so does one that is only part
    // of a credential: a cookie whose name says nothing, a scheme.
    expect(content).toContain("region: 'eu-west-1'")
    expect(content).toContain("lang: 'en-GB'")
    expect(content).toContain("scheme: 'Bearer'")
    // The cookies' names are sent as written, not read from the environment.
    expect(content).toContain("Cookie: `lang=${sentVariable(ctx, 'lang')}; sid=${sentVariable(ctx, 'sid')}`")
  })

  it('warns about a variable a request (URL, header, body) reads that only another folder sets', () => {
    const sets = [{ listen: 'test' as const, lines: ["pm.environment.set('id', pm.response.json().id)"] }]
    const c = collectionOf([folder('Users', [request('create', { scripts: sets })]), folder('users', [request('get', { url: '{{baseUrl}}/users/{{id}}' })])])
    expect(importCollection(c).unshared).toEqual([{ journey: 'users_2', variable: 'id', setBy: ['users'] }])
  })

  it('warns about a variable only another folder sets that a JSON body reads as an unquoted key', () => {
    const sets = [{ listen: 'test' as const, lines: ["pm.environment.set('field', pm.response.json().field)"] }]
    const body = { mode: 'raw' as const, raw: '{ {{field}}: 1 }' }
    const c = collectionOf([folder('Schema', [request('read', { scripts: sets })]), folder('Items', [request('create', { method: 'POST', body })])])
    expect(importCollection(c).unshared).toEqual([{ journey: 'items', variable: 'field', setBy: ['schema'] }])
  })

  it("keeps a check that names a query key with no value ('api_key=', '?token='), and masks a real one without eating the code after it", () => {
    const kept = translateScript("pm.expect(pm.response.json().url).to.include('api_key=');\npm.expect(pm.response.json().url).to.include('?token=');", 'test')
    expect(kept.untranslated).toEqual([])
    expect(kept.lines.join('\n')).toContain("includesValue(pm.response.json().url, 'api_key=')".replace('pm.response.json()', 'res.json()'))
    const masked = translateScript("pm.sendRequest('http://x.test/?token=abc123xyz');\npm.sendRequest('http://x.test/?token=');", 'test')
    expect(masked.untranslated).toEqual(["pm.sendRequest('http://x.test/?token=[REDACTED]');", "pm.sendRequest('http://x.test/?token=');"])
  })

  it('masks a secret set in a script where it is written, not inside the other words of the statement', () => {
    // Word-like and short: masked where it stands as a whole token, as core masks a known secret in text.
    const wordLike = translateScript("pm.environment.set('password', 'pass') || console.log('a pass for the passport check')", 'prerequest')
    expect(wordLike.untranslated).toEqual(["pm.environment.set('password', '[REDACTED]') || console.log('a [REDACTED] for the passport check')"])
    const inName = translateScript("pm.environment.set('api_secret', `secret`)", 'prerequest')
    expect(inName.untranslated).toEqual(["pm.environment.set('api_secret', `[REDACTED]`)"])
    // Shorter than core remembers: masked where the statement writes it again, as a whole token, as a short
    // one is; not inside other words. Before, only its literal was.
    const short = translateScript("pm.environment.set('password', 'abc') || console.log('the abc code, not abcd or x_abc')", 'prerequest')
    expect(short.untranslated).toEqual(["pm.environment.set('password', '[REDACTED]') || console.log('the [REDACTED] code, not abcd or x_abc')"])
    // Too short or too common for core to remember as a known secret: the value written is masked all the same.
    for (const value of ['pw', 'true', 'made-up-secret-x'])
      expect(translateScript(`pm.environment.set('password', '${value}')`, 'prerequest').untranslated, value).toEqual(["pm.environment.set('password', '[REDACTED]')"])
    // Long and random: masked wherever it stands, inside a longer word too.
    const long = translateScript("pm.environment.set('password', 'Zx81-qP0w-77aa'); pm.variables.set('hint', 'Zx81-qP0w-77aaEND')", 'prerequest')
    expect(long.untranslated.join('\n')).not.toContain('Zx81-qP0w-77aa')
  })

  it("lists a line using the sandbox's libraries (lodash, moment, require...) as not translated, unless the script declares the name", () => {
    const t = translateScript(
      [
        'const $ = cheerio.load(pm.response.text());',
        '_.each([1], function (x) { pm.expect(x).to.eql(1); });',
        'pm.expect(moment().isValid()).to.be.true;',
        "const ajv = require('ajv');",
        'pm.expect(CryptoJS.MD5("a").toString()).to.be.ok;',
      ].join('\n'),
      'test',
    )
    expect(t.untranslated).toHaveLength(5)
    const own = translateScript("[1, 2].forEach((_, i) => pm.expect(i).to.be.below(2));\nconst moment = 3;\npm.expect(moment).to.eql(3);", 'test')
    expect(own.untranslated).toEqual([])
  })

  it('a sandbox library name declared in one statement (a parameter, a catch) is its own there only; another statement using it is not translated', () => {
    const t = translateScript(
      [
        'const ids = pm.response.json().items.map((_, i) => i);',
        "const first = _.get(pm.response.json(), 'items[0].id');",
        "try { JSON.parse('x'); } catch (_) { console.log('not JSON', _.message); }",
      ].join('\n'),
      'test',
    )
    expect(t.untranslated).toEqual(["const first = _.get(pm.response.json(), 'items[0].id');"])
    expect(t.lines.join('\n')).toContain("log.info('not JSON', _.message)")
  })

  it('a script that does not parse stays in the file whole, each line as not translated, and the list says why', () => {
    // Its lines were listed as "in its file, after // venomqa import: not translated:", and the file had none of them.
    const t = translateScript("pm.test('status', () => pm.response.to.have.status(200));\npm.test('open', () => {", 'test')
    expect(t.lines).toEqual([
      '// venomqa import: the script does not parse (Unexpected token (2:23))',
      "// venomqa import: not translated: pm.test('status', () => pm.response.to.have.status(200));",
      "// venomqa import: not translated: pm.test('open', () => {",
      // Its checks were left out: the step fails rather than pass without them.
      "pmTests.notTranslated('the checks of a script that does not parse')",
    ])
    expect(t.untranslated).toEqual([
      'the script does not parse (Unexpected token (2:23)):',
      "pm.test('status', () => pm.response.to.have.status(200));",
      "pm.test('open', () => {",
    ])
  })

  it("compares the length after Chai's lengthOf chain (at.least, above, below, most); lengthOf(n) stays an equality", () => {
    // Not translated before: the check was left as a comment, and the step passed without it.
    const t = translateScript(
      [
        'pm.expect(list).to.have.lengthOf.at.least(1);',
        'pm.expect(pm.response.json().items).to.have.length.above(2);',
        'pm.expect(name).to.have.lengthOf.at.most(3);',
        'pm.expect(list).not.to.have.lengthOf.below(1);',
        'pm.expect(list).to.have.lengthOf(2);',
        'pm.expect(await page).to.have.lengthOf.above(0);',
      ].join('\n'),
      'test',
    )
    expect(t.untranslated).toEqual([])
    expect(t.lines).toEqual([
      "assert(list.length >= 1, 'list.length is at least 1')",
      "assert(res.json().items.length > 2, 'pm.response.json().items.length is above 2')",
      "assert(name.length <= 3, 'name.length is at most 3')",
      "assert(!(list.length < 1), 'list.length is not below 1')",
      "assertEqual(list.length, 2, 'list.length')",
      "assert((await page).length > 0, 'await page.length is above 0')",
    ])
    const check = (list: unknown[]) => new Function('assert', 'list', `${t.lines[0]}`)((ok: boolean, m: string) => { if (!ok) throw new Error(m) }, list)
    expect(() => check([])).toThrow('list.length is at least 1')
    expect(() => check([1])).not.toThrow()
  })

  it("a Chai chain of several assertions (.a('string').and.not.empty) is one assertion each, a `not` holding for the rest of the chain", () => {
    // Not translated before: the whole check was left as a comment, and the step passed without it.
    const t = translateScript(
      [
        "pm.expect(b.title).to.be.a('string').and.not.empty;",
        "pm.expect(list).to.be.an('array').that.is.not.empty.and.has.lengthOf.below(5);",
        "pm.expect(pm.response.code).to.be.a('number').and.eql(404);",
        "pm.expect(user).to.have.property('id').that.is.a('string');",
      ].join('\n'),
      'test',
    )
    expect(t.lines).toEqual([
      "assert(typeof b.title === 'string', 'b.title is a string')",
      "assert(!(Object.keys(b.title).length === 0), 'b.title is not empty')",
      "assert(Array.isArray(list), 'list is an array')",
      "assert(!(Object.keys(list).length === 0), 'list is not empty')",
      "assert(!(list.length < 5), 'list.length is not below 5')",
      "assert(typeof res.status === 'number', 'pm.response.code is a number')",
      "assertEqual(res.status, 404, 'pm.response.code')",
      "// venomqa import: not translated: pm.expect(user).to.have.property('id').that.is.a('string');",
      // A check left out counts as a failed test.
      "pmTests.notTranslated('pm.expect(user).to.have.property(\\'id\\').that.is.a(\\'string\\');')",
    ])
    // The status the chain asserts counts as asserted, as it does alone.
    expect(t.statuses).toEqual([404])
  })

  it("keeps pm.expect's message as the assertion's", () => {
    const t = translateScript("pm.expect(pm.response.json().method, 'method should be PUT').to.eql('PUT');\npm.expect(1, 'one is one').to.be.ok;", 'test')
    expect(t.lines).toEqual(["assertEqual(res.json().method, 'PUT', 'method should be PUT')", "assert(1, 'one is one')"])
  })

  it('counts every check of the status as asserting it: eql, equal, oneOf (each), a comparison, a legacy test; not a negated one', () => {
    const statuses = (line: string) => translateScript(line, 'test').statuses
    expect(statuses('pm.expect(pm.response.code).to.eql(404);')).toEqual([404])
    expect(statuses('pm.expect(pm.response.code).to.equal(404);')).toEqual([404])
    expect(statuses('pm.expect(pm.response.code).to.be.oneOf([400, 422]);')).toEqual([400, 422])
    expect(statuses('pm.expect(pm.response.code === 404).to.be.true;')).toEqual([404])
    expect(statuses('pm.expect(404 == pm.response.code || pm.response.code === 410).to.be.ok;')).toEqual([404, 410])
    expect(statuses("tests['gone'] = responseCode.code === 410;")).toEqual([410])
    expect(statuses('pm.expect(pm.response.code).to.not.eql(404);')).toEqual([])
  })

  it("translates Chai-Postman's status properties and a status given by its reason phrase, counting the 4xx and 5xx ones", () => {
    const t = (line: string) => translateScript(line, 'test')
    expect(t('pm.response.to.be.notFound;')).toMatchObject({ statuses: [404], untranslated: [] })
    expect(t('pm.response.to.be.notFound;').lines.join('\n')).toContain('assertStatus(res, 404)')
    expect(t('pm.response.to.be.unauthorized;').statuses).toEqual([401])
    expect(t('pm.response.to.be.clientError;')).toMatchObject({ statuses: [400], untranslated: [] })
    expect(t('pm.response.to.be.clientError;').lines.join('\n')).toContain('assert(res.status >= 400 && res.status < 500, `expected a 4xx status, got ${res.status}`)')
    expect(t('pm.response.to.be.error;').statuses).toEqual([400])
    expect(t('pm.response.to.be.success;')).toMatchObject({ statuses: [], untranslated: [] })
    expect(t('pm.response.to.be.ok;').statuses).toEqual([200])
    expect(t("pm.response.to.have.status('Not Found');")).toMatchObject({ statuses: [404], untranslated: [] })
    expect(t("pm.response.to.have.status('Created');").statuses).toEqual([201])
    // Not a reason phrase HTTP has, a negated property: not translated, and no status counted.
    expect(t("pm.response.to.have.status('Nope');")).toMatchObject({ statuses: [], untranslated: [expect.any(String)] })
    expect(t('pm.response.to.not.be.notFound;')).toMatchObject({ statuses: [], untranslated: [expect.any(String)] })
    // Postman's `status` is the reason phrase: compared as such, and counted by the code it names.
    const text = t("pm.expect(pm.response.status).to.eql('Not Found');")
    expect(text).toMatchObject({ statuses: [404], untranslated: [] })
    expect(text.lines.join('\n')).toContain("(STATUS_CODES[res.status] ?? '')")
    expect(t("pm.expect(pm.response.status).to.be.oneOf(['Not Found', 'Gone']);").statuses).toEqual([404, 410])
  })

  it('counts no status of a check left untranslated: the step still fails on a 4xx or 5xx', () => {
    const statuses = (line: string) => translateScript(line, 'test').statuses
    expect(statuses('pm.expect(pm.response.code).to.be.oneOf([400, _.x]);')).toEqual([])
    expect(statuses("tests['x'] = pm.response.code === 404 || moment().isValid();")).toEqual([])
    const c = collectionOf([request('r', { scripts: [{ listen: 'test', lines: ['pm.expect(pm.response.code).to.be.oneOf([400, _.x]);'] }] })])
    expect(contentOf(c)).toContain('return res')
  })

  it('an explicit inherit takes the parent\'s auth; an apikey in the query is sent in the query', () => {
    const bearer: Auth = { type: 'bearer', fields: { token: '{{token}}' } }
    const c = collectionOf(
      [
        folder('f', [request('inherits', { auth: { type: 'inherit', fields: {} } }), folder('sub', [request('deep')], { auth: { type: 'inherit', fields: {} } })]),
        request('query key', { url: '{{baseUrl}}/q?page=1', auth: { type: 'apikey', fields: { key: 'api key', value: '{{apiKey}}', in: 'query' } } }),
      ],
      {},
      { auth: bearer },
    )
    const { files, leftovers } = importCollection(c)
    expect(leftovers).toEqual([])
    const content = files.map((f) => f.content).join('\n')
    expect(content.match(/Authorization: `Bearer \$\{sentVariable\(ctx, 'token'\)\}`/g)).toHaveLength(2)
    expect(content).toContain("http.get(`/q?page=1&api%20key=${encodeURIComponent(`${sentVariable(ctx, 'apiKey')}`)}`)")
  })

  it('lists a collection-level script line not translated once, for the collection', () => {
    const setNext = { listen: 'prerequest' as const, lines: ["postman.setNextRequest('x')"] }
    const c = collectionOf([request('a'), request('b'), folder('f', [request('c')])], {}, { scripts: [setNext] })
    const { leftovers, files } = importCollection(c)
    expect(leftovers).toEqual([{ file: 'c.journey.ts', journey: 'collection "C"', step: '', what: 'pre-request script', line: "postman.setNextRequest('x')", collection: true }])
    // Still marked in each step it would have run in.
    expect(files.map((f) => f.content).join('\n').match(/not translated: postman\.setNextRequest/g)).toHaveLength(3)
  })

  it('writes a "__proto__" key of a JSON body as a key, never as the prototype, and a {{var}} key as a computed one', () => {
    const body = { mode: 'raw' as const, raw: '{"__proto__": {"polluted": 1}, "{{k}}": 1, "n": {{n}}}' }
    const content = contentOf(collectionOf([request('p', { method: 'POST', body })]))
    expect(content).toContain("json: { ['__proto__']: { polluted: 1 }, [`${sentVariable(ctx, 'k')}`]: 1, n: jsonVariable(ctx, 'n', 'p') }")
  })

  it('writes an unquoted {{var}} key of a JSON body as a key computed from its text (its quotes taken off), never the internal marker', () => {
    const body = { mode: 'raw' as const, raw: '{ {{k}}: 1, "in": { {{k}}: {{n}} } }' }
    const content = contentOf(collectionOf([request('p', { method: 'POST', body })]))
    expect(content).not.toContain('@@vq')
    expect(content).toContain("json: { [jsonKey(ctx, 'k')]: 1, in: { [jsonKey(ctx, 'k')]: jsonVariable(ctx, 'n', 'p') } }")
  })

  it('puts an apikey sent in the query before the URL\'s #fragment', () => {
    const apikey: Auth = { type: 'apikey', fields: { key: 'api_key', value: '{{apiKey}}', in: 'query' } }
    const content = contentOf(collectionOf([request('a', { url: '{{baseUrl}}/q?page=1#top', auth: apikey }), request('b', { url: '{{baseUrl}}/r#{{part}}', auth: apikey })]))
    expect(content).toContain("http.get(`/q?page=1&api_key=${encodeURIComponent(`${sentVariable(ctx, 'apiKey')}`)}#top`)")
    expect(content).toContain("http.get(`/r?api_key=${encodeURIComponent(`${sentVariable(ctx, 'apiKey')}`)}#${sentVariable(ctx, 'part')}`)")
  })
})
