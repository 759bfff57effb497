/**
 * A `url` that points at a server that is no mail catcher (a web server's HTML 404, an app's HTML page):
 * the error says the status and what was expected, and quotes at most the start of the answer's first line,
 * its control characters escaped; the page itself is never pasted into the message.
 */
import type { MailPort } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { FOREIGN_404_PAGE, expectNoPage, htmlServer } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import mailPlugin from '../src'

/** An app's page minified onto one line, far longer than a message may quote. */
const ONE_LINE = `<html><head><title>Shop</title></head><body>${'<div class="tile">product</div>'.repeat(300)}</body></html>`

describe('a mail url that answers with a web page', () => {
  const servers: { url: string; close: () => Promise<void> }[] = []
  beforeAll(async () => {
    servers.push(await htmlServer(404, FOREIGN_404_PAGE), await htmlServer(200, ONE_LINE))
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
