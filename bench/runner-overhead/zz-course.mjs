import http from 'node:http'
const base = new URL(process.env.TARGET)
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 })
function send(method, path, body) {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { 'content-type': 'application/json' }
    const req = http.request({ hostname: base.hostname, port: base.port, method, path, agent, headers }, (res) => {
      let text = ''; res.setEncoding('utf8'); res.on('data', (d) => (text += d)); res.on('end', () => resolve({ statusCode: res.statusCode, text })); res.on('error', reject)
    })
    req.on('error', reject); req.end(body)
  })
}
for (let rep = 0; rep < 2; rep++) {
const marks = []
let t = performance.now()
for (let i = 0; i < 2000; i++) {
  const c = await send('POST', '/items', JSON.stringify({ name: `item ${i}` }))
  const { id } = JSON.parse(c.text)
  await send('GET', `/items/${id}`)
  await send('DELETE', `/items/${id}`)
  if (i % 100 === 99) { const now = performance.now(); marks.push(((now - t) * 10 / 3).toFixed(0)); t = now }
}

console.log('us/req per 300 requests:', marks.join(' '))
}
