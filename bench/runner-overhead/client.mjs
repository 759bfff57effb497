// The same flow through VenomQA's HTTP client alone, without journeys and steps: what the client costs,
// apart from the step machinery around it.
import { RunnerHttpClient } from '@venomqa/runner'
const n = Number(process.env.N)
const http = new RunnerHttpClient({ baseUrl: process.env.TARGET })
async function flow() {
  for (let i = 0; i < n; i++) {
    const c = await http.post('/items', { json: { name: `item ${i}` } })
    if (c.status !== 201) throw new Error('create failed')
    const { id } = c.json()
    const r = await http.get(`/items/${id}`)
    r.json()
    if (r.status !== 200) throw new Error('read failed')
    const d = await http.delete(`/items/${id}`)
    if (d.status !== 204) throw new Error('delete failed')
  }
}
// WARMUP: the same flow that many times before the timed one, so that the timed one runs on code already
// optimised (the bench's cost per request once warm; see index.ts).
for (let w = 0; w < Number(process.env.WARMUP ?? 0); w++) await flow()
const t0 = performance.now()
await flow()
const ms = performance.now() - t0
process.stdout.write(JSON.stringify({ innerMs: ms }))
