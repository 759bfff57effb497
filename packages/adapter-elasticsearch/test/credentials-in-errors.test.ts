/**
 * NO ELASTICSEARCH SERVER RUNS HERE. A local HTTP server stands in for a node (or a proxy in front of one)
 * that quotes the credentials it was sent in its error, as a misconfigured proxy or a debugging gateway
 * does. The real client sends the request; the adapter's error must not carry the credentials on.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ElasticsearchSearch, type ElasticsearchSearchOptions } from '../src/index'

let server: http.Server
let base: string

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const auth = String(req.headers.authorization ?? '')
    const decoded = Buffer.from(auth.split(' ')[1] ?? '', 'base64').toString('utf8')
    const quoted = `denied for ${auth} (${decoded})`
    if (req.url?.includes('html')) {
      res.writeHead(502, { 'content-type': 'text/html' })
      res.end(`<html><body>${quoted}${' padding'.repeat(2000)}</body></html>`)
      return
    }
    res.writeHead(401, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' })
    res.end(JSON.stringify({ error: { type: 'security_exception', reason: quoted }, status: 401 }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

async function failure(options: ElasticsearchSearchOptions, index = 'todos'): Promise<string> {
  const search = new ElasticsearchSearch({ ...options, clientOptions: { maxRetries: 0 } })
  try {
    const err = await search.search(index, 'title:milk').then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    if (!err) throw new Error('the search did not fail')
    return err.message
  } finally {
    await search.close()
  }
}

describe('credentials quoted back by the server stay out of the error', () => {
  it.each([
    ['an API key', { auth: { apiKey: 'c2VjcmV0LWFwaS1rZXktMTIz' } }, ['c2VjcmV0LWFwaS1rZXktMTIz']],
    ['an API key given as id and key', { auth: { apiKey: { id: 'key-id-1', api_key: 'the-api-key-part' } } }, ['the-api-key-part', Buffer.from('key-id-1:the-api-key-part').toString('base64')]],
    ['a bearer token', { auth: { bearer: 'bearer-token-value-77' } }, ['bearer-token-value-77']],
    ['a username and password', { auth: { username: 'elastic', password: 'pw-hunter-22' } }, ['pw-hunter-22', Buffer.from('elastic:pw-hunter-22').toString('base64')]],
  ] as const)('%s', async (_, auth, secrets) => {
    const message = await failure({ node: `http://${base}`, ...auth })
    expect(message).toContain('security_exception')
    for (const secret of secrets) expect(message).not.toContain(secret)
  })

  it('a password in the node URL', async () => {
    const message = await failure({ node: `http://elastic:url-pw-secret-9@${base}` })
    expect(message).not.toContain('url-pw-secret-9')
    expect(message).not.toContain(Buffer.from('elastic:url-pw-secret-9').toString('base64'))
  })

  it('a proxy page: masked and cut short', async () => {
    const message = await failure({ node: `http://${base}`, auth: { apiKey: 'c2VjcmV0LWFwaS1rZXktMTIz' } }, 'html')
    expect(message).toContain('HTTP 502')
    expect(message).not.toContain('c2VjcmV0LWFwaS1rZXktMTIz')
    expect(message.length).toBeLessThan(1000)
  })
})
