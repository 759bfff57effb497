/** Response bodies are decoded as the response says: its charset, and its Content-Encoding. */
import http from 'node:http'
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import { type LocalServer, listenLocally } from '@venomqa/test-utils'
import { UndiciHttpClient } from '../src/index'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

let app: LocalServer
const JSON_BODY = JSON.stringify({ ok: true, word: 'café' })

beforeAll(async () => {
  app = await listenLocally(
    http.createServer((req, res) => {
      const send = (type: string, body: Buffer, encoding?: string) => {
        res.setHeader('content-type', type)
        if (encoding) res.setHeader('content-encoding', encoding)
        res.end(body)
      }
      const json = Buffer.from(JSON_BODY)
      switch (req.url) {
        case '/latin1':
          return send('text/plain; charset=ISO-8859-1', Buffer.from('café', 'latin1'))
        case '/quoted':
          return send('text/plain;charset="windows-1252"', Buffer.from([0x80, 0x20, 0x63, 0x61, 0x66, 0xe9]))
        case '/utf16':
          return send('text/plain; charset=utf-16le', Buffer.from('\ufeffcafé', 'utf16le'))
        case '/unknown':
          return send('text/plain; charset=x-no-such-thing', Buffer.from('café'))
        case '/bom':
          return send('text/plain', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('café')]))
        case '/gzip':
          return send('application/json', gzipSync(json), 'gzip')
        case '/x-gzip':
          return send('application/json', gzipSync(json), 'x-gzip')
        case '/deflate':
          return send('application/json', deflateSync(json), 'deflate')
        case '/br':
          return send('application/json', brotliCompressSync(json), 'br')
        case '/gzip-latin1':
          return send('text/plain; charset=iso-8859-1', gzipSync(Buffer.from('café', 'latin1')), 'gzip')
        case '/identity':
          return send('text/plain', Buffer.from('café'), 'identity')
        case '/empty-gzip':
          res.writeHead(204, { 'content-encoding': 'gzip' })
          return res.end()
        default:
          res.statusCode = 404
          return res.end()
      }
    }),
  )
})
afterAll(() => app.close())

const client = () => new UndiciHttpClient({ baseUrl: app.url, retry: false })

describe('response bodies', () => {
  it('are decoded with the charset the content type declares', async () => {
    const c = client()
    expect((await c.get('/latin1')).text()).toBe('café')
    expect((await c.get('/quoted')).text()).toBe('€ café')
    expect((await c.get('/utf16')).text()).toBe('café')
  })

  it('fall back to UTF-8 for a charset no decoder knows, and drop a UTF-8 byte-order mark as before', async () => {
    const c = client()
    expect((await c.get('/unknown')).text()).toBe('café')
    expect((await c.get('/bom')).text()).toBe('café')
  })

  it('are decompressed as their Content-Encoding says before they are decoded', async () => {
    const c = client()
    for (const path of ['/gzip', '/x-gzip', '/deflate', '/br']) {
      const res = await c.get(path, { headers: { 'accept-encoding': 'gzip, deflate, br' } })
      expect(res.json(), path).toEqual({ ok: true, word: 'café' })
    }
    expect((await c.get('/gzip-latin1')).text()).toBe('café')
    expect((await c.get('/identity')).text()).toBe('café')
    expect((await c.delete('/empty-gzip')).bodyText).toBe('')
    expect((await c.head('/gzip')).bodyText).toBe('')
  })
})
