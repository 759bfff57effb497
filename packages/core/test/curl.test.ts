/**
 * The curl builder: the exact command for a few requests, then quoting proven the only way that counts:
 * bash runs each command, curl sends it to a server in this process, and the server gets byte for byte
 * what the request had.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { type IncomingMessage, type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describeWithCommand } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CURL_BODY_FILE, REDACTED, type RecordedRequest, curlCommand, curlText, variableName } from '../src/index'

describe('curlCommand', () => {
  it('writes the method, the full URL, every header and a JSON body; a redacted header reads a variable', () => {
    const c = curlCommand({
      method: 'POST',
      url: 'http://127.0.0.1:3000/api/todos?list=a%20b&page=2',
      headers: { 'content-type': 'application/json', authorization: REDACTED },
      body: { title: "it's", done: false },
    })
    expect(c.command).toBe(
      `curl -g -X POST 'http://127.0.0.1:3000/api/todos?list=a%20b&page=2' -H 'content-type: application/json' -H "authorization: $VENOMQA_AUTHORIZATION" --data-raw '{"title":"it'\\''s","done":false}'`,
    )
    expect(c.variables).toEqual([{ name: 'VENOMQA_AUTHORIZATION', from: 'header authorization' }])
    expect(c.comments).toEqual(['# set VENOMQA_AUTHORIZATION first: header authorization, redacted in this report'])
    expect(curlText({ method: 'GET', url: 'http://h.test/', headers: { authorization: REDACTED } })).toBe(
      `# set VENOMQA_AUTHORIZATION first: header authorization, redacted in this report\ncurl -g -X GET 'http://h.test/' -H "authorization: $VENOMQA_AUTHORIZATION"`,
    )
  })

  it('names each hidden value after where it was; a name taken twice gets _2', () => {
    const c = curlCommand({
      method: 'POST',
      url: `http://${REDACTED}@h.test/reset/${REDACTED}?access_token=${REDACTED}&x=1`,
      headers: { 'x-api-key': REDACTED, 'content-type': 'application/json' },
      body: { user: { password: REDACTED }, old: { password: REDACTED }, note: `was ${REDACTED}` },
    })
    expect(c.variables).toEqual([
      { name: 'VENOMQA_USERINFO', from: 'the credentials in the URL' },
      { name: 'VENOMQA_SECRET', from: 'part of the URL' },
      { name: 'VENOMQA_ACCESS_TOKEN', from: 'query parameter access_token' },
      { name: 'VENOMQA_X_API_KEY', from: 'header x-api-key' },
      { name: 'VENOMQA_PASSWORD', from: 'body field password' },
      { name: 'VENOMQA_PASSWORD_2', from: 'body field password' },
      { name: 'VENOMQA_SECRET_2', from: 'part of the body' },
    ])
    expect(c.command).toContain(`'{"user":{"password":"'"$VENOMQA_PASSWORD"'"},"old":{"password":"'"$VENOMQA_PASSWORD_2"'"},"note":"was '"$VENOMQA_SECRET_2"'"}'`)
    expect(curlCommand({ method: 'POST', url: 'http://h.test/login', headers: {}, body: `user=ann&password=${REDACTED}` }).variables).toEqual([
      { name: 'VENOMQA_PASSWORD', from: 'body field password' },
    ])
  })

  it("reads a URL's masked password (`user:***@`) from a variable, its user kept as recorded", () => {
    const c = curlCommand({ method: 'GET', url: 'http://ada:***@h.test/x?access_token=[REDACTED]', headers: {} })
    expect(c.variables).toEqual([
      { name: 'VENOMQA_PASSWORD', from: 'the password in the URL' },
      { name: 'VENOMQA_ACCESS_TOKEN', from: 'query parameter access_token' },
    ])
    expect(c.command).toBe('curl -g -X GET "http://ada:$VENOMQA_PASSWORD@h.test/x?access_token=$VENOMQA_ACCESS_TOKEN"')
    // Three stars that are no mask (not a URL's password) are sent as they are.
    expect(curlCommand({ method: 'POST', url: 'http://h.test/x', headers: {}, body: 'rating=***' }).variables).toEqual([])
  })

  it('never lets a key end a comment line: what it names is escaped', () => {
    const c = curlCommand({ method: 'POST', url: 'http://h.test/', headers: { 'content-type': 'application/json' }, body: { 'pass\nrm -rf ~ #word': REDACTED } })
    expect(c.comments).toEqual(['# set VENOMQA_PASS_RM_RF_WORD first: body field pass\\u000arm -rf ~ #word, redacted in this report'])
    for (const line of c.comments) expect(line).not.toMatch(/[\n\r]/)
  })

  it('makes variable names predictable', () => {
    expect(variableName('authorization')).toBe('VENOMQA_AUTHORIZATION')
    expect(variableName('X-Api-Key')).toBe('VENOMQA_X_API_KEY')
    expect(variableName('client.secret')).toBe('VENOMQA_CLIENT_SECRET')
    expect(variableName('--')).toBe('VENOMQA_SECRET')
    expect(variableName(undefined)).toBe('VENOMQA_SECRET')
  })

  it('keeps a command on one line whatever the body holds, and shows nothing a terminal would act on', () => {
    const c = curlCommand({ method: 'PUT', url: 'http://h.test/x', headers: { 'content-type': 'text/plain' }, body: 'a\nb\r\u001b]0;title\u0007\u202e\u0085' })
    expect(c.command).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/)
    expect(c.command).toContain(`--data-raw $'a\\nb\\r\\x1b]0;title\\x07\\xe2\\x80\\xae\\xc2\\x85'`)
  })

  it('sends HEAD with --head, an empty header with `name;`, and no content type when the request had none', () => {
    expect(curlCommand({ method: 'HEAD', url: 'http://h.test/', headers: { 'x-empty': '' } }).command).toBe(`curl -g --head 'http://h.test/' -H 'x-empty;'`)
    expect(curlCommand({ method: 'POST', url: 'http://h.test/', headers: {}, body: 'hi' }).command).toBe(`curl -g -X POST 'http://h.test/' -H content-type: --data-raw 'hi'`)
  })

  it('says a binary body was not kept, and reads it from a file', () => {
    const c = curlCommand({ method: 'POST', url: 'http://h.test/upload', headers: { 'content-type': 'application/octet-stream' }, body: '<12 bytes>' })
    expect(c.comments).toEqual([`# the body was 12 bytes of binary data, which reports do not keep: put it in ${CURL_BODY_FILE}`])
    expect(c.command).toContain(`--data-binary @${CURL_BODY_FILE}`)
    // No command line can carry a NUL byte: such a text body goes through the file too.
    const nul = curlCommand({ method: 'POST', url: 'http://h.test/', headers: { 'content-type': 'text/plain' }, body: 'a\u0000b' })
    expect(nul.comments).toEqual([`# the body holds NUL bytes, which no command line can carry: put it in ${CURL_BODY_FILE}`])
    expect(nul.command).not.toContain('\u0000')
  })
})

// ---------------------------------------------------------------------------------------------------
// Run through bash and curl

interface Received {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: Buffer
}

const describeWithCurl = describeWithCommand('curl', 'apt-get install -y curl')

describeWithCurl('the commands, run by bash and curl', () => {
  let server: Server
  let base: string
  let last: Received | undefined
  const dir = mkdtempSync(path.join(tmpdir(), 'venomqa-curl-'))

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        last = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) }
        res.writeHead(207, { 'content-type': 'text/plain' }).end('ok')
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true })
    await new Promise<void>((resolve) => server?.close(() => resolve()))
  })

  /** Run the printed lines as a user would paste them, with `env` set; what the server got, and curl's status. */
  async function send(request: RecordedRequest, env: Record<string, string> = {}): Promise<{ got: Received; status: string }> {
    last = undefined
    const script = `${curlText(request)} -sS -o /dev/null -w '%{http_code}'`
    const status = await new Promise<string>((resolve, reject) =>
      execFile('bash', ['-c', script], { cwd: dir, env: { PATH: process.env.PATH, ...env } }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout))),
    )
    if (!last) throw new Error('the server got no request')
    return { got: last, status }
  }

  const awkward = [
    ['embedded single and double quotes', `it's a "test" with 'quotes' and \\backslashes\\`],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, on purpose: it must reach the server as text
    ['shell syntax that must stay text', '$HOME `id` $(id) ${PATH} !! !$ * ? ~ ; | & > < # %s'],
    ['newlines, tabs and carriage returns', 'line 1\nline 2\r\n\tindented\n'],
    ['unicode', 'ünïcödé ✓ 日本語 😀 \u202eevil\u202c \u2028 \u0085 \u007f'],
    ['control characters', '\u0001\u001b[31mred\u001b[0m\u0007'],
    ['nothing at all', ''],
  ] as const

  for (const [what, text] of awkward)
    it(`sends a text body with ${what} exactly`, async () => {
      const { got, status } = await send({ method: 'POST', url: `${base}/echo`, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: text })
      expect(status).toBe('207')
      expect(got.method).toBe('POST')
      expect(got.body.toString('utf8')).toBe(text)
      expect(got.headers['content-type']).toBe('text/plain; charset=utf-8')
    })

  it('sends a JSON body exactly as the report has it, unicode and quotes included', async () => {
    const body = { title: `it's "done"\n✓`, tags: ['a b', "c'd"], n: 1.5, nested: { ok: true, none: null } }
    const { got } = await send({ method: 'PATCH', url: `${base}/api/todos/1`, headers: { 'content-type': 'application/json' }, body })
    expect(got.body.toString('utf8')).toBe(JSON.stringify(body))
    expect(JSON.parse(got.body.toString('utf8'))).toEqual(body)
  })

  it('sends a non-JSON body that looks like JSON as it is', async () => {
    const text = '{"a": 1,  "b": [1, 2'
    const { got } = await send({ method: 'POST', url: `${base}/x`, headers: { 'content-type': 'application/json' }, body: text })
    expect(got.body.toString('utf8')).toBe(text)
  })

  it('sends the URL with its query, brackets and encoded characters as they are', async () => {
    const url = `${base}/search?filter[name]=a%20b&q=%E2%9C%93&empty=&x={1}`
    const { got } = await send({ method: 'GET', url, headers: {} })
    expect(got.url).toBe(url.slice(base.length))
    expect(got.method).toBe('GET')
  })

  it('reads hidden values from the variables it names, in a header, the query and a JSON body', async () => {
    const token = `Bearer t'o"k$en\`x\``
    const request: RecordedRequest = {
      method: 'POST',
      url: `${base}/login?api_key=${REDACTED}`,
      headers: { authorization: REDACTED, 'content-type': 'application/json', 'x-note': `sig ${REDACTED}!` },
      body: { email: 'ann@example.test', password: REDACTED },
    }
    const { got } = await send(request, { VENOMQA_AUTHORIZATION: token, VENOMQA_API_KEY: 'k-123', VENOMQA_X_NOTE: 'abc', VENOMQA_PASSWORD: 'pa ss' })
    expect(got.headers.authorization).toBe(token)
    expect(got.headers['x-note']).toBe('sig abc!')
    expect(got.url).toBe('/login?api_key=k-123')
    expect(JSON.parse(got.body.toString('utf8'))).toEqual({ email: 'ann@example.test', password: 'pa ss' })
  })

  it('sends a header with an empty value, HEAD without a body, and a body without a content type', async () => {
    const head = await send({ method: 'HEAD', url: `${base}/h`, headers: { 'x-empty': '' } })
    expect(head.got.method).toBe('HEAD')
    expect(head.got.headers['x-empty']).toBe('')
    const plain = await send({ method: 'POST', url: `${base}/p`, headers: {}, body: 'raw' })
    expect(plain.got.headers['content-type']).toBeUndefined()
    expect(plain.got.body.toString()).toBe('raw')
  })

  it('sends a binary body from the file its comment names', async () => {
    const bytes = Buffer.from([0, 1, 2, 255, 254, 10, 13, 39, 34])
    writeFileSync(path.join(dir, CURL_BODY_FILE), bytes)
    const { got } = await send({ method: 'PUT', url: `${base}/blob`, headers: { 'content-type': 'application/octet-stream' }, body: `<${bytes.length} bytes>` })
    expect(got.body.equals(bytes)).toBe(true)
  })
})
