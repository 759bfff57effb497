/**
 * What the planted-bug apps of these tests share: a JSON server in a process of its own (PORT, HOST), its
 * rows one in-memory object that the http-control protocol checkpoints, rolls back, releases and resets
 * (`/__venomqa/...`, a checkpoint taken again under an open name replacing it, as the runner's stack does).
 *
 * `empty()` makes the rows of an empty database, `counts(db)` what `/__venomqa/state` answers, and
 * `route(method, path, body)` the app's own answer: `[status, body]`, or `[status, undefined, headers]` for
 * one without a body. Returns the app: `app.db` is the rows now, `app.reset()` empties them and forgets
 * every checkpoint.
 */
import http from 'node:http'

export function serveMemoryApp({ name, empty, counts, route }) {
  const checkpoints = []
  const app = {
    db: empty(),
    reset() {
      app.db = empty()
      checkpoints.length = 0
    },
  }
  const control = (path, body) => {
    const at = checkpoints.findIndex((c) => c.name === body?.name)
    if (path === '/__venomqa/state') return [200, counts(app.db)]
    if (path === '/__venomqa/checkpoint') {
      if (at >= 0) checkpoints.splice(at, 1)
      checkpoints.push({ name: body?.name, db: structuredClone(app.db) })
    } else if (path === '/__venomqa/rollback') {
      if (at < 0) return [404, { error: `no checkpoint ${body?.name}` }]
      app.db = structuredClone(checkpoints[at].db)
      checkpoints.length = at + 1
    } else if (path === '/__venomqa/release') {
      if (at >= 0) checkpoints.splice(at, 1)
    } else if (path === '/__venomqa/reset') app.reset()
    return [200, { ok: true }]
  }
  const server = http.createServer(async (req, res) => {
    let text = ''
    for await (const chunk of req) text += chunk
    const url = new URL(req.url ?? '/', 'http://app')
    let body
    try {
      body = text ? JSON.parse(text) : undefined
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not JSON' }))
      return
    }
    const method = req.method ?? 'GET'
    const [status, answer, headers = {}] = url.pathname.startsWith('/__venomqa/') ? control(url.pathname, body) : route(method, url.pathname, body)
    if (answer === undefined) res.writeHead(status, headers).end()
    else res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(answer))
  })
  server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
    const { address, port } = server.address()
    console.log(`${name} listening on http://${address}:${port}`)
  })
  process.on('SIGTERM', () => server.close(() => process.exit(0)))
  return app
}
