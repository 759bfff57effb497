import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import https from 'node:https'
import { timingSafeEqual } from 'node:crypto'
import type { BasicAuth } from '../types'
import { mailhogList, mailhogSearch, toMailHogMessage } from './mailhog-api'
import {
  findPart,
  mailpitHeaders,
  mailpitInfo,
  mailpitList,
  mailpitSearch,
  matchingIds,
  toMessage,
} from './mailpit-api'
import type { MessageStore } from './store'

export interface CatcherHttpOptions {
  /** Serve https with this key and certificate (PEM), as Mailpit does with --ui-tls-cert/--ui-tls-key. */
  tls?: { key: string | Buffer; cert: string | Buffer }
  /** Require basic auth on every request, as Mailpit does with --ui-auth-file. */
  auth?: BasicAuth
}

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, params: string[]) => void | Promise<void>

function send(res: ServerResponse, status: number, body: string | Buffer, contentType: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

/** Go's json.Encoder ends with a newline; MailHog writes json.Marshal output without one. */
function json(res: ServerResponse, value: unknown, contentType = 'application/json', newline = true): void {
  send(res, 200, JSON.stringify(value) + (newline ? '\n' : ''), contentType)
}

/** MailHog answers with `Content-Type: text/json`. */
function mailhogJson(res: ServerResponse, value: unknown): void {
  json(res, value, 'text/json', false)
}

function notFound(res: ServerResponse): void {
  send(res, 404, '404 page not found\n', 'text/plain; charset=utf-8')
}

function ok(res: ServerResponse): void {
  send(res, 200, 'ok', 'text/plain')
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * The routes both clients need, each in the shape its project's server sends. One path is shared:
 * `GET /api/v1/messages` answers as Mailpit does (MailHog's v1 list has the same path; MailHog clients
 * list through v2). `DELETE /api/v1/messages` deletes everything in both dialects (Mailpit: unless the
 * body names IDs).
 */
function routes(store: MessageStore): [string, RegExp, Handler][] {
  const { hostname } = store
  return [
    // ---- MailHog ----
    ['GET', /^\/api\/v2\/messages\/?$/, (_q, res, url) => mailhogJson(res, mailhogList(store, url.searchParams))],
    [
      'GET',
      /^\/api\/v2\/search\/?$/,
      (_q, res, url) => {
        const result = mailhogSearch(store, url.searchParams)
        if (!result) send(res, 400, '', 'text/plain')
        else mailhogJson(res, result)
      },
    ],
    [
      'GET',
      /^\/api\/v1\/messages\/([^/]+)\/download\/?$/,
      (_q, res, _u, [id]) => {
        const m = store.find(id!)
        if (!m) return notFound(res)
        res.setHeader('content-disposition', `attachment; filename="${m.mailhogId}.eml"`)
        send(res, 200, m.raw, 'message/rfc822')
      },
    ],
    [
      'GET',
      /^\/api\/v1\/messages\/([^/]+)\/?$/,
      // MailHog's in-memory storage answers an unknown id with 200 and `null`.
      (_q, res, _u, [id]) => {
        const m = store.find(id!)
        mailhogJson(res, m ? toMailHogMessage(m, hostname) : null)
      },
    ],
    [
      'DELETE',
      /^\/api\/v1\/messages\/([^/]+)\/?$/,
      (_q, res, _u, [id]) => {
        store.delete([id!])
        send(res, 200, '', 'text/json')
      },
    ],
    // ---- Mailpit ----
    ['GET', /^\/api\/v1\/messages\/?$/, (_q, res, url) => json(res, mailpitList(store, url.searchParams))],
    [
      'DELETE',
      /^\/api\/v1\/messages\/?$/,
      async (req, res) => {
        let ids: string[] = []
        try {
          const parsed = JSON.parse((await readBody(req)) || '{}') as { IDs?: unknown }
          if (Array.isArray(parsed.IDs)) ids = parsed.IDs.map(String)
        } catch {
          // Mailpit deletes everything when the body is not a list of IDs.
        }
        if (ids.length > 0) store.delete(ids)
        else store.clear()
        ok(res)
      },
    ],
    [
      'GET',
      /^\/api\/v1\/search\/?$/,
      (_q, res, url) => {
        if (!(url.searchParams.get('query') ?? '').trim()) return send(res, 400, 'Error: no search query', 'text/plain')
        json(res, mailpitSearch(store, url.searchParams))
      },
    ],
    [
      'DELETE',
      /^\/api\/v1\/search\/?$/,
      (_q, res, url) => {
        const query = (url.searchParams.get('query') ?? '').trim()
        if (!query) return send(res, 400, 'Error: no search query', 'text/plain')
        store.delete(matchingIds(store, query))
        ok(res)
      },
    ],
    [
      'GET',
      /^\/api\/v1\/message\/([^/]+)\/?$/,
      (_q, res, _u, [id]) => {
        const m = id === 'latest' ? store.latest() : store.find(id!)
        if (!m) return id === 'latest' ? send(res, 404, 'message not found', 'text/plain') : notFound(res)
        m.read = true
        json(res, toMessage(m))
      },
    ],
    [
      'GET',
      /^\/api\/v1\/message\/([^/]+)\/headers\/?$/,
      (_q, res, _u, [id]) => {
        const m = id === 'latest' ? store.latest() : store.find(id!)
        if (!m) return notFound(res)
        json(res, mailpitHeaders(m))
      },
    ],
    [
      'GET',
      /^\/api\/v1\/message\/([^/]+)\/raw\/?$/,
      (_q, res, _u, [id]) => {
        const m = id === 'latest' ? store.latest() : store.find(id!)
        if (!m) return notFound(res)
        send(res, 200, m.raw, 'text/plain; charset=utf-8')
      },
    ],
    [
      'GET',
      /^\/api\/v1\/message\/([^/]+)\/part\/([^/]+)\/?$/,
      (_q, res, _u, [id, partId]) => {
        const m = id === 'latest' ? store.latest() : store.find(id!)
        const part = m && findPart(m, partId!)
        if (!part) return notFound(res)
        res.setHeader('content-disposition', `filename="${part.filename ?? part.cid ?? ''}"`)
        send(res, 200, part.content, part.contentType)
      },
    ],
    ['GET', /^\/api\/v1\/info\/?$/, (_q, res) => json(res, mailpitInfo(store))],
    ['GET', /^\/(livez|readyz)\/?$/, (_q, res) => ok(res)],
  ]
}

function authorized(req: IncomingMessage, auth: BasicAuth): boolean {
  const header = req.headers.authorization ?? ''
  if (!header.startsWith('Basic ')) return false
  const given = Buffer.from(header.slice(6), 'base64')
  const wanted = Buffer.from(`${auth.username}:${auth.password}`)
  return given.length === wanted.length && timingSafeEqual(given, wanted)
}

export function createCatcherHttpServer(store: MessageStore, options: CatcherHttpOptions = {}): http.Server {
  const table = routes(store)
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    try {
      if (options.auth && !authorized(req, options.auth)) {
        res.setHeader('www-authenticate', 'Basic realm="Login"')
        return send(res, 401, 'Unauthorised.\n', 'text/plain; charset=utf-8')
      }
      const url = new URL(req.url ?? '/', 'http://catcher')
      let pathMatched = false
      for (const [method, pattern, handler] of table) {
        const m = pattern.exec(url.pathname)
        if (!m) continue
        pathMatched = true
        if (method !== req.method) continue
        return await handler(req, res, url, m.slice(1).map(decodeURIComponent))
      }
      if (pathMatched) return send(res, 405, 'Method Not Allowed\n', 'text/plain')
      notFound(res)
    } catch (err) {
      if (!res.headersSent) send(res, 500, String((err as Error)?.message ?? err), 'text/plain')
      else res.destroy()
    }
  }
  const listener = (req: IncomingMessage, res: ServerResponse) => void handle(req, res)
  return options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, listener) : http.createServer(listener)
}
