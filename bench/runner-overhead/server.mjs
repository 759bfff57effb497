// A minimal keep-alive JSON CRUD server: the same target for the raw loop and the runner.
import http from 'node:http'
const items = new Map()
let next = 1
const server = http.createServer((req, res) => {
  let body = ''
  req.on('data', (d) => (body += d))
  req.on('end', () => {
    const send = (status, data) => {
      const text = data === undefined ? '' : JSON.stringify(data)
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
      res.end(text)
    }
    const m = /^\/items\/(\d+)$/.exec(req.url)
    if (req.method === 'POST' && req.url === '/items') {
      const item = { id: next++, ...JSON.parse(body || '{}') }
      items.set(item.id, item)
      return send(201, item)
    }
    if (m && req.method === 'GET') return items.has(+m[1]) ? send(200, items.get(+m[1])) : send(404, { error: 'not found' })
    if (m && req.method === 'DELETE') return items.delete(+m[1]) ? send(204) : send(404, { error: 'not found' })
    send(404, { error: 'no route' })
  })
})
server.keepAliveTimeout = 30_000
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'))
