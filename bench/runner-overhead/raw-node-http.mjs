// A second floor: the same dependent requests through Node's own http module, a keep-alive agent, each
// body read to its end. The runner's transport is built on this (packages/runner/src/http/transport.ts).
import http from 'node:http'
const base = new URL(process.env.TARGET)
const n = Number(process.env.N)
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 })
function send(method, path, body) {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { 'content-type': 'application/json' }
    const req = http.request({ hostname: base.hostname, port: base.port, method, path, agent, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d) => (text += d))
      res.on('end', () => resolve({ statusCode: res.statusCode, text }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}
async function flow() {
  for (let i = 0; i < n; i++) {
    const c = await send('POST', '/items', JSON.stringify({ name: `item ${i}` }))
    if (c.statusCode !== 201) throw new Error('create failed')
    const { id } = JSON.parse(c.text)
    const r = await send('GET', `/items/${id}`)
    JSON.parse(r.text)
    if (r.statusCode !== 200) throw new Error('read failed')
    const d = await send('DELETE', `/items/${id}`)
    if (d.statusCode !== 204) throw new Error('delete failed')
  }
}
// WARMUP: the same flow that many times before the timed one, so that the timed one runs on code already
// optimised (the bench's cost per request once warm; see index.ts).
for (let w = 0; w < Number(process.env.WARMUP ?? 0); w++) await flow()
const t0 = performance.now()
await flow()
const ms = performance.now() - t0
agent.destroy()
process.stdout.write(JSON.stringify({ innerMs: ms }))
