/**
 * A `url` that points at a server that is no mail catcher (a web server's HTML 404, an app's HTML page):
 * the error says the status and what was expected, and quotes at most the start of the answer's first line,
 * its control characters escaped; the page itself is never pasted into the message.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { MailPort } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import mailPlugin from '../src'

/** A web server's 404 page: a first line with a terminal escape in it, then a long body. */
const PAGE = `<!DOCTYPE html>\x1b]0;owned\x07\n<html><head><title>404 Not Found</title></head>\n<body>\n${'<p>nothing here, nothing at all</p>\n'.repeat(200)}</body></html>\n`
/** An app's page minified onto one line, far longer than a message may quote. */
const ONE_LINE = `<html><head><title>Shop</title></head><body>${'<div class="tile">product</div>'.repeat(300)}</body></html>`

/** A server answering every request with `status` and `body` as HTML. */
async function htmlServer(status: number, body: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' })
    res.end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

describe('a mail url that answers with a web page', () => {
  const servers: { url: string; close: () => Promise<void> }[] = []
  beforeAll(async () => {
    servers.push(await htmlServer(404, PAGE), await htmlServer(200, ONE_LINE))
  })
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()))
  })

  /** What the health check and a look at the box say for the plugin in `mode` at `url`. */
  async function saidAt(mode: 'mailhog' | 'mailpit', url: string): Promise<string[]> {
    const runner = createRunner({ plugins: [[mailPlugin, { mode, url }]] })
    try {
      await runner.init()
      const health = await [...runner.registry.healthChecks.values()][0]!()
      const listed = await (runner.registry.ports.get('mail') as MailPort).list().catch((e: Error) => e.message)
      return [String(health), String(listed)]
    } finally {
      await runner.close()
    }
  }

  /** Never the page: none of its later lines, no raw control character, a message of a line. */
  function expectNoPage(message: string): void {
    expect(message).not.toContain('</body>')
    expect(message).not.toContain('nothing here')
    expect(message).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/)
    expect(message).not.toContain('\n')
    expect(message.length).toBeLessThan(400)
  }

  for (const mode of ['mailhog', 'mailpit'] as const) {
    it(`${mode}, a 404 page: the status, what was expected, and the start of its first line, escaped`, async () => {
      for (const message of await saidAt(mode, servers[0]!.url)) {
        expect(message).toMatch(/ answered 404, expected 200; its answer starts "<!DOCTYPE html>\\x1b\]0;owned\\x07"\.\.\.$/)
        expectNoPage(message)
      }
    })

    it(`${mode}, an HTML page answered 200: not JSON, said with its type, cut to a short excerpt`, async () => {
      for (const message of await saidAt(mode, servers[1]!.url)) {
        expect(message).toContain(' answered 200 with text/html, expected JSON from the mail server\'s API; its answer starts "<html><head><title>Shop</title>')
        expect(message).toMatch(/\.\.\.$/)
        expect(message).not.toContain('product</div><div class="tile">product</div><div class="tile">product</div><div class="tile">product')
        expectNoPage(message)
      }
    })
  }

})
