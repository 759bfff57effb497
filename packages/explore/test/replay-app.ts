/**
 * A small API with planted bugs, in the test's own process, for the regression journeys written from a
 * real exploration: its state (a list of items) is rolled back through the http-control protocol, and
 * `fixed` switches every bug off, so one app is the buggy one and then the fixed one.
 */
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export const PASSWORD = 'replay-password-0123'
export const NEW_PASSWORD = 'replay-new-password-4567'
const TOKEN = 'replay-token-0123456789abcdef'
/** The session `GET /me` takes in its query (`?session=`). */
export const SESSION = 'replay-session-5f1c9e2a77'

export interface ReplayApp {
  url: string
  /** Every bug off: what the regression journeys must pass against. */
  fixed: boolean
  /** What GET /health answers while the bug is on (the app called as "another service"). */
  healthStatus: number
  /** Every OAuth authorization code handed out (`GET /oauth/authorize`), spent or not. */
  readonly codes: string[]
  /** Requests answered, by `METHOD path`. */
  readonly hits: Map<string, number>
  stop(): Promise<void>
}

type Answer = [status: number, body: unknown, type?: string, headers?: Record<string, string>]

interface Request {
  method: string
  path: string
  query: URLSearchParams
  headers: http.IncomingHttpHeaders
  text: string
}

export async function startReplayApp(): Promise<ReplayApp> {
  let items: number[] = []
  /** OAuth authorization codes handed out and not yet redeemed: each is good once, as RFC 6749 wants. */
  const codes = new Set<string>()
  const checkpoints: { name: string; items: number[] }[] = []
  const control = (path: string, name: string): Answer => {
    const at = checkpoints.findIndex((c) => c.name === name)
    if (path.endsWith('/checkpoint')) {
      if (at >= 0) checkpoints.splice(at, 1)
      checkpoints.push({ name, items: [...items] })
    } else if (path.endsWith('/rollback')) {
      if (at < 0) return [404, { error: `no checkpoint ${name}` }]
      items = [...checkpoints[at]!.items]
      checkpoints.length = at + 1
    } else if (path.endsWith('/release')) {
      if (at >= 0) checkpoints.splice(at, 1)
    } else if (path.endsWith('/reset')) {
      items = []
      checkpoints.length = 0
    }
    return [200, { ok: true, checkpoints: checkpoints.map((c) => c.name), items: items.length }]
  }
  const app: ReplayApp = { url: '', fixed: false, healthStatus: 200, codes: [], hits: new Map(), stop: async () => {} }
  const route = async (req: Request): Promise<Answer> => {
    if (req.path.startsWith('/__venomqa/')) return control(req.path, req.text ? (JSON.parse(req.text) as { name: string }).name : '')
    const signedIn = req.headers.authorization === `Bearer ${TOKEN}`
    const seat = /^\/seats\/(\d+)$/.exec(req.path)
    if (req.method === 'GET' && seat) return items.includes(Number(seat[1])) ? [200, { id: Number(seat[1]) }] : [404, { error: `no seat ${seat[1]}` }]
    switch (`${req.method} ${req.path}`) {
      case 'GET /health':
        return [app.fixed ? 200 : app.healthStatus, { ok: true }]
      case 'POST /parse':
        return parse(req, app.fixed)
      case 'GET /export':
        // Only a CSV export is broken: without the accept header the replay is answered 200.
        return req.headers.accept === 'text/csv' && !app.fixed ? [500, { error: 'the CSV writer crashed' }] : [200, 'a,b\n', 'text/csv']
      case 'GET /slow':
        await new Promise((resolve) => setTimeout(resolve, app.fixed ? 0 : Number(req.query.get('ms') ?? 0)))
        return [200, { ok: true }]
      case 'POST /login':
        return (JSON.parse(req.text || '{}') as { password?: string }).password === PASSWORD ? [200, { token: TOKEN }] : [401, { error: 'wrong password' }]
      case 'POST /rotate':
        return rotate(req, app.fixed)
      case 'POST /password-history':
        return passwordHistory(req, app.fixed)
      case 'GET /oauth/authorize': {
        // A fresh code each time, in the redirect's query: a code written into a journey is spent.
        const code = randomBytes(12).toString('hex')
        codes.add(code)
        app.codes.push(code)
        return [302, '', 'text/plain', { location: `/oauth/callback?code=${code}&state=${encodeURIComponent(req.query.get('state') ?? '')}` }]
      }
      case 'GET /oauth/callback':
        // The bugged app crashes on a code it handed out; a spent or unknown one is refused before that.
        if (!codes.delete(req.query.get('code') ?? '')) return [400, { error: 'invalid_grant' }]
        return app.fixed ? [200, { signedIn: true }] : [500, { error: 'the session store crashed' }]
      case 'GET /me':
        // The session in the query, as some APIs take it: the bugged app crashes on a real one.
        if (req.query.get('session') !== SESSION) return [401, { error: 'no session' }]
        return app.fixed ? [200, { id: 7 }] : [500, { error: 'the session store crashed' }]
      case 'POST /items':
        if (!signedIn) return [401, { error: 'sign in first' }]
        items.push(items.length + 1)
        return [201, { id: items.length }]
      case 'GET /items':
        return signedIn ? [200, items] : [401, { error: 'sign in first' }]
      case 'POST /seats':
        // One seat to take: the bugged app hands out more; the fixed one refuses in plain text, with no id.
        if (app.fixed && items.length >= 1) return [409, 'no seat left', 'text/plain']
        items.push(items.length + 1)
        return [201, { id: items.length }]
      case 'GET /seats':
        return [200, items]
      default:
        return [404, { error: `no route ${req.method} ${req.path}` }]
    }
  }
  const server = http.createServer(async (req, res) => {
    let text = ''
    for await (const chunk of req) text += chunk
    const url = new URL(req.url ?? '/', 'http://app')
    const key = `${req.method} ${url.pathname}`
    app.hits.set(key, (app.hits.get(key) ?? 0) + 1)
    const [status, body, type = 'application/json', headers = {}] = await route({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, text })
    if (res.destroyed) return
    res.writeHead(status, { 'content-type': type, ...headers })
    res.end(typeof body === 'string' ? body : JSON.stringify(body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  app.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  app.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return app
}

/** JSON only (415 for anything else); a body that is not JSON crashes the bugged parser (500) where the fixed one says 400. */
function parse(req: Request, fixed: boolean): Answer {
  if (!String(req.headers['content-type'] ?? '').includes('json')) return [415, { error: 'JSON only' }]
  try {
    JSON.parse(req.text)
    return [200, { ok: true }]
  } catch {
    return fixed ? [400, { error: 'not JSON' }] : [500, { error: 'the parser crashed' }]
  }
}

/**
 * A password change: the old password in the query, the new one in the body. The bugged one crashes on
 * a real change; sent anything else (one password for both), it refuses with a 401 and never gets there.
 */
function rotate(req: Request, fixed: boolean): Answer {
  const next = (JSON.parse(req.text || '{}') as { password?: string }).password
  if (req.query.get('password') !== PASSWORD || next !== NEW_PASSWORD) return [401, { error: 'wrong password' }]
  return fixed ? [200, { ok: true }] : [500, { error: 'the password store crashed' }]
}

/**
 * The passwords a user had, as a list: the bugged one crashes on the two real ones. Sent anything else (one
 * string, other values), it refuses and never gets there.
 */
function passwordHistory(req: Request, fixed: boolean): Answer {
  const { passwords } = JSON.parse(req.text || '{}') as { passwords?: unknown }
  if (!Array.isArray(passwords)) return [400, { error: 'passwords must be a list' }]
  if (passwords.length !== 2 || passwords[0] !== PASSWORD || passwords[1] !== NEW_PASSWORD) return [401, { error: 'wrong passwords' }]
  return fixed ? [200, { ok: true }] : [500, { error: 'the password history crashed' }]
}
