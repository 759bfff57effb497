/**
 * A server that is not the one a plugin's `url` should point at (a web server's 404 page, an app's page):
 * what the adapters' tests of a wrong `url` answer with, and the check that an error never pastes it.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect } from 'vitest'

/** A web server's 404 page: a first line with a terminal escape in it, then a long body. */
export const FOREIGN_404_PAGE = `<!DOCTYPE html>\x1b]0;owned\x07\n<html><head><title>404 Not Found</title></head>\n<body>\n${'<p>nothing here, nothing at all</p>\n'.repeat(200)}</body></html>\n`

/** A server answering every request with `status` and `body` as HTML, on a free port. */
export async function htmlServer(status: number, body: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' })
    res.end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

/** Never the page: none of its later lines, no raw control character, a message of one short line. */
export function expectNoPage(message: string): void {
  expect(message).not.toContain('</body>')
  expect(message).not.toContain('nothing here')
  expect(message).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/)
  expect(message).not.toContain('\n')
  expect(message.length).toBeLessThan(400)
}
