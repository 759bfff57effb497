/**
 * "Does the app still answer?" is asked of the app wherever it runs: on a port of the fetch standard's
 * "bad ports" (6665-6669, 10080, ...) too, which Node's global fetch refuses without connecting. Asked so,
 * an app there that answers every request was taken for one that stopped answering.
 */
import http from 'node:http'
import { listenOnBadPort } from '@venomqa/test-utils'
import { expect, it } from 'vitest'
import { appAnswers } from '../src/no-answer'

it('an app on a port fetch refuses answers', async () => {
  const app = await listenOnBadPort(http.createServer((_req, res) => res.writeHead(404).end('no')))
  try {
    expect(await appAnswers(`${app.url}/api/things`)).toBe(true)
  } finally {
    await app.close()
  }
  expect(await appAnswers(app.url, 1000)).toBe(false)
})
