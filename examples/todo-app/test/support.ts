import { statSync, readdirSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { SMTPServer } from 'smtp-server'
import { TODO_APP_SERVER } from '@venomqa/test-utils'

const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** The tests run dist/server.js as its own process: refuse to test a build older than the source. */
export function assertFreshBuild(): void {
  let built: number
  try {
    built = statSync(TODO_APP_SERVER).mtimeMs
  } catch {
    throw new Error(`${TODO_APP_SERVER} is missing: run \`pnpm --filter @venomqa/example-todo-app build\` first`)
  }
  const newest = (dir: string): number =>
    Math.max(
      ...readdirSync(dir, { withFileTypes: true }).map((e) =>
        e.isDirectory() ? newest(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).mtimeMs,
      ),
    )
  if (newest(path.join(PACKAGE_DIR, 'src')) > built)
    throw new Error(`${TODO_APP_SERVER} is older than src/: run \`pnpm --filter @venomqa/example-todo-app build\` again`)
}

export interface Reply<T = any> {
  status: number
  body: T
  headers: Headers
}

/** A tiny JSON client for the app: status, parsed body, headers. */
export function client(baseUrl: string) {
  async function call<T = any>(
    method: string,
    urlPath: string,
    options: { json?: unknown; token?: string; raw?: string; signal?: AbortSignal } = {},
  ): Promise<Reply<T>> {
    const headers: Record<string, string> = {}
    if (options.token) headers.authorization = `Bearer ${options.token}`
    let body: string | undefined
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(options.json)
    } else if (options.raw !== undefined) {
      headers['content-type'] = 'application/json'
      body = options.raw
    }
    const res = await fetch(baseUrl + urlPath, { method, headers, body, signal: options.signal })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers }
  }
  let users = 0
  return {
    call,
    get: <T = any>(p: string, token?: string) => call<T>('GET', p, { token }),
    post: <T = any>(p: string, json?: unknown, token?: string) => call<T>('POST', p, { json, token }),
    patch: <T = any>(p: string, json?: unknown, token?: string) => call<T>('PATCH', p, { json, token }),
    del: <T = any>(p: string, token?: string) => call<T>('DELETE', p, { token }),
    /** Sign up and log in a fresh user. */
    async user(name = `user${++users}`, password = 'secret-pw') {
      const email = `${name}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@example.test`
      const created = await call('POST', '/api/users', { json: { email, password, name } })
      if (created.status !== 201) throw new Error(`sign-up failed: ${created.status} ${JSON.stringify(created.body)}`)
      const login = await call('POST', '/api/auth/login', { json: { email, password } })
      if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`)
      return { id: created.body.id as number, email, password, token: login.body.token as string }
    },
  }
}
export type Client = ReturnType<typeof client>

export interface RecordedRequest {
  method: string
  url: string
  body: any
}

/**
 * A stub payment provider and webhook receiver on node:http. It stands in for WireMock, whose JVM takes
 * seconds to start; what is under test is the app's side: real outbound HTTP with fetch.
 */
export async function startStubServer() {
  const requests: RecordedRequest[] = []
  const stub = { chargeStatus: 201, chargeDelayMs: 0 }
  const server = http.createServer(async (req, res) => {
    let text = ''
    for await (const chunk of req) text += chunk
    requests.push({ method: req.method!, url: req.url!, body: text ? JSON.parse(text) : undefined })
    if (req.url === '/v1/charges') {
      if (stub.chargeDelayMs) await new Promise((r) => setTimeout(r, stub.chargeDelayMs))
      res.writeHead(stub.chargeStatus, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ id: `ch_${requests.length}` }))
    } else {
      res.writeHead(204)
      res.end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stub,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export interface ReceivedMail {
  from: string
  to: string[]
  subject: string
  text: string
  html: string
}

/** A real SMTP server (smtp-server) that keeps what it receives, decoded enough to read links. */
export async function startMailCatcher() {
  const mails: ReceivedMail[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      let raw = ''
      stream.setEncoding('utf8')
      stream.on('data', (d: string) => (raw += d))
      stream.on('end', () => {
        mails.push({ ...parseMail(raw), to: session.envelope.rcptTo.map((r) => r.address) })
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.server.address() as AddressInfo).port
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

function splitHeaders(raw: string): { headers: Record<string, string>; body: string } {
  const at = raw.indexOf('\r\n\r\n')
  const head = at < 0 ? raw : raw.slice(0, at)
  const headers: Record<string, string> = {}
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { headers, body: at < 0 ? '' : raw.slice(at + 4) }
}

function decodeBody(body: string, encoding = ''): string {
  if (/base64/i.test(encoding)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
  if (/quoted-printable/i.test(encoding))
    return Buffer.from(
      body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
      'latin1',
    ).toString('utf8')
  return body
}

/** Enough MIME for the mails this app sends: single part or one level of multipart/alternative. */
function parseMail(raw: string): Omit<ReceivedMail, 'to'> {
  const { headers, body } = splitHeaders(raw)
  const mail = { from: headers.from ?? '', subject: headers.subject ?? '', text: '', html: '' }
  const boundary = /boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1]
  const parts = boundary ? body.split(`--${boundary}`).slice(1, -1).map((p) => splitHeaders(p.replace(/^\r\n/, ''))) : [{ headers, body }]
  for (const part of parts) {
    const decoded = decodeBody(part.body, part.headers['content-transfer-encoding'])
    if (/text\/html/i.test(part.headers['content-type'] ?? '')) mail.html = decoded
    else mail.text = decoded
  }
  return mail
}

/** Poll until `check` returns a value (not undefined/false) or the deadline passes. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value as T
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 25))
  }
}
