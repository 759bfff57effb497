/**
 * A `url` that points at a server that is not WireMock (a web server's HTML 404, an app's HTML page), or
 * at a path of a WireMock that is not its admin API: the error says the status and what was expected, and
 * quotes at most the start of the answer's first line, its control characters escaped; the page itself is
 * never pasted into the message.
 */
import { FOREIGN_404_PAGE, expectNoPage, htmlServer } from '@venomqa/test-utils'
import { expect, it } from 'vitest'
import { WireMockPort } from '../src'
import { describeWithJava, useWireMock } from './helpers'

const describeJava = describeWithJava()

describeJava('a WireMock url that answers with something else', () => {
  const wiremock = useWireMock()

  it("a web server's 404 page: the status, what was expected, and the start of its first line, escaped", async () => {
    const server = await htmlServer(404, FOREIGN_404_PAGE)
    const mock = new WireMockPort({ url: server.url })
    try {
      // A stub too: sent as every other call, no longer through captain, which read any answer as JSON.
      for (const call of [() => mock.requests(), () => mock.reset(), () => mock.countRequests('GET', '/x'), () => mock.stub({ method: 'GET', path: '/x', status: 200 })]) {
        const message = await call().then(
          () => 'no error',
          (e: Error) => e.message,
        )
        expect(message).toMatch(/ answered (GET|POST) \/__admin\/\S+ with 404, expected 2xx; its answer starts "<!DOCTYPE html>\\x1b\]0;owned\\x07"\.\.\.$/)
        expectNoPage(message)
      }
    } finally {
      await server.close()
    }
  })

  it('a server that answers a stub with 2xx and something that is not JSON: said so, not taken for a refused stub', async () => {
    const server = await htmlServer(200, FOREIGN_404_PAGE)
    try {
      const stubbed = await new WireMockPort({ url: server.url }).stub({ method: 'GET', path: '/x', status: 200 }).then(
        () => 'no error',
        (e: Error) => e.message,
      )
      expect(stubbed).toBe(`WireMock at ${server.url} answered POST /__admin/mappings with something that is not JSON, expected WireMock's admin API`)
    } finally {
      await server.close()
    }
  })

  it("a path of a real WireMock that is no admin API: WireMock's own report of the unmatched request is cut to its first line", async () => {
    // With a stub in place, WireMock answers an unmatched request with a table of the nearest stubs.
    const good = new WireMockPort({ url: wiremock().baseUrl })
    await good.stub({ method: 'GET', path: '/__admin/requests', status: 200 })
    const mock = new WireMockPort({ url: `${wiremock().baseUrl}/not-here` })
    try {
      const message = await mock.requests().then(
        () => 'no error',
        (e: Error) => e.message,
      )
      expect(message).toMatch(/ answered GET \/__admin\/requests with 404, expected 2xx; its answer starts "[^"]+"\.\.\.$/)
      expect(message).not.toContain('\n')
      expect(message.length).toBeLessThan(400)
    } finally {
      await good.reset()
    }
  })

})
