/**
 * The control API of a proxy is reached on whatever port it was given: also one of the fetch standard's
 * "bad ports" (6665-6669, 10080, ...), which Node's global fetch refuses without connecting.
 */
import http from 'node:http'
import { listenOnBadPort } from '@venomqa/test-utils'
import { expect, it } from 'vitest'
import { ControlClient } from '../src'

// What a proxy answers (the client takes nothing else for a proxy's status).
const STATUS = { url: 'postgres://app:***@127.0.0.1:6543/app', database: 'app', checkpoints: [], refusals: [], warnings: [] }

it('a control API on a port fetch refuses answers its status and takes a command', async () => {
  const seen: string[] = []
  const control = await listenOnBadPort(
    http.createServer(async (req, res) => {
      let body = ''
      for await (const chunk of req) body += chunk
      seen.push(`${req.method} ${req.url} ${body}`)
      res.writeHead(200, { 'content-type': 'application/json' }).end(req.url === '/status' ? JSON.stringify(STATUS) : '{}')
    }),
  )
  try {
    const client = new ControlClient(control.url)
    expect(await client.status()).toEqual(STATUS)
    await client.command('checkpoint', 'a')
    expect(seen).toEqual(['GET /status ', 'POST /checkpoint {"name":"a"}'])
  } finally {
    await control.close()
  }
})
