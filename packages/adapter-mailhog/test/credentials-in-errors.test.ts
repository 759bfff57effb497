/**
 * A local HTTP server stands in for a MailHog or Mailpit behind a proxy that turns the basic auth it was
 * sent away and quotes it back (`unknown user al:pw`, the header itself), as some gateways and debugging
 * proxies do. The client's error quotes the start of the answer: never the credentials in it.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MailHogClient, MailpitClient } from '../src'

let server: http.Server
let base: string

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const header = String(req.headers.authorization ?? '')
    const pair = Buffer.from(header.split(' ')[1] ?? '', 'base64').toString('utf8')
    const quoted = `unknown user ${pair}, sent ${header} ${encodeURIComponent(pair)}`
    if (req.url?.includes('/api/v1/message')) {
      // Mailpit's paths: a page that is no JSON.
      res.writeHead(200, { 'content-type': 'text/html' })
      res.end(`<p>${quoted}</p>`)
      return
    }
    res.writeHead(401, { 'content-type': 'text/plain' })
    res.end(quoted)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const pair = (user: string, password: string) => [password, Buffer.from(`${user}:${password}`).toString('base64')]

async function failure(client: MailHogClient | MailpitClient): Promise<string> {
  try {
    const err = await client.getLatest({}).then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    if (!err) throw new Error('the look did not fail')
    return err.message
  } finally {
    await client.close()
  }
}

describe('basic auth quoted back by the server stays out of the error', () => {
  it('given as the auth option (MailHog, refused with 401)', async () => {
    const message = await failure(new MailHogClient({ url: `http://${base}`, auth: { username: 'al', password: 'opt-pw-secret-8' } }))
    expect(message).toContain('answered 401')
    for (const secret of pair('al', 'opt-pw-secret-8')) expect(message).not.toContain(secret)
  })

  it('given in the URL (MailHog, refused with 401)', async () => {
    const message = await failure(new MailHogClient({ url: `http://al:url-pw%2Fsecret-9@${base}` }))
    expect(message).toContain('answered 401')
    for (const secret of [...pair('al', 'url-pw/secret-9'), 'url-pw%2Fsecret-9']) expect(message).not.toContain(secret)
  })

  it('in an answer that is no JSON (Mailpit)', async () => {
    const message = await failure(new MailpitClient({ url: `http://${base}`, auth: { username: 'al', password: 'opt-pw-secret-7' } }))
    expect(message).toContain('expected JSON')
    for (const secret of pair('al', 'opt-pw-secret-7')) expect(message).not.toContain(secret)
  })
})
