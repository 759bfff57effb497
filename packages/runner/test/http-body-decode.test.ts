/** Response bodies are decoded as the response says: its charset, and its Content-Encoding. */
import http from 'node:http'
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import { type LocalServer, listenLocally } from '@venomqa/test-utils'
import { RunnerHttpClient, harEntry } from '../src/index'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

let app: LocalServer
const JSON_BODY = JSON.stringify({ ok: true, word: 'café' })
/** A PNG's signature and a few bytes that are no UTF-8: read as text, each of them was lost. */
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0x80, 0xc3])

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
        case '/png':
          return send('image/png', PNG)
        case '/gzip-octets':
          return send('application/octet-stream', gzipSync(PNG), 'gzip')
        case '/svg':
          return send('image/svg+xml', Buffer.from('<svg/>'))
        case '/octets-with-charset':
          return send('application/octet-stream; charset=utf-8', Buffer.from('café'))
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

const client = () => new RunnerHttpClient({ baseUrl: app.url, retry: false })

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

describe('binary response bodies', () => {
  // A PNG, a PDF or a file download was decoded as UTF-8 text: a step could not check its bytes, and the
  // reports and the HAR held garbage in its place.
  it('keep their bytes for the step, decompressed, and are recorded by their size', async () => {
    const c = client()
    const png = await c.get('/png')
    expect(Buffer.from(png.bytes()).equals(PNG)).toBe(true)
    expect(png.exchange.response!.body).toBe(`<${PNG.length} bytes>`)
    const har = harEntry(png.exchange)
    expect(har.response.content).toEqual({ size: PNG.length, mimeType: 'image/png', comment: `binary: ${PNG.length} bytes were received; their text is not kept` })
    const gz = await c.get('/gzip-octets', { headers: { 'accept-encoding': 'gzip' } })
    expect(Buffer.from(gz.bytes()).equals(PNG)).toBe(true)
    expect(gz.exchange.response!.body).toBe(`<${PNG.length} bytes>`)
    // A copy each time: a step that changes it changes nothing for the next read.
    png.bytes()[0] = 0
    expect(png.bytes()[0]).toBe(0x89)
  })

  it('text types stay text, SVG and any type naming a charset included; their bytes are their text in UTF-8', async () => {
    const c = client()
    const svg = await c.get('/svg')
    expect(svg.exchange.response!.body).toBe('<svg/>')
    expect(Buffer.from(svg.bytes()).toString()).toBe('<svg/>')
    expect((await c.get('/octets-with-charset')).exchange.response!.body).toBe('café')
    const json = await c.get('/gzip', { headers: { 'accept-encoding': 'gzip' } })
    expect(Buffer.from(json.bytes()).toString()).toBe(JSON_BODY)
    expect(harEntry(json.exchange).response.content.text).toBe(JSON_BODY)
  })
})
