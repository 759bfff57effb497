// The baseline: a plain undici loop doing the same dependent requests.
import { Agent, request } from 'undici'
const base = process.env.TARGET
const n = Number(process.env.N)
const dispatcher = new Agent({ connections: 16 })
async function flow() {
  for (let i = 0; i < n; i++) {
    const c = await request(`${base}/items`, { method: 'POST', dispatcher, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `item ${i}` }) })
    const { id } = await c.body.json()
    if (c.statusCode !== 201) throw new Error('create failed')
    const r = await request(`${base}/items/${id}`, { dispatcher })
    await r.body.json()
    if (r.statusCode !== 200) throw new Error('read failed')
    const d = await request(`${base}/items/${id}`, { method: 'DELETE', dispatcher })
    await d.body.text()
    if (d.statusCode !== 204) throw new Error('delete failed')
  }
}
// WARMUP: the same flow that many times before the timed one, so that the timed one runs on code already
// optimised (the bench's cost per request once warm; see index.ts).
for (let w = 0; w < Number(process.env.WARMUP ?? 0); w++) await flow()
const t0 = performance.now()
await flow()
const ms = performance.now() - t0
await dispatcher.close()
process.stdout.write(JSON.stringify({ innerMs: ms }))
