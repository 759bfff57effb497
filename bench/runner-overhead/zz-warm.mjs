import { assertStatus, journey, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
const n = Number(process.env.N)
function overhead() {
  const steps = []
  for (let i = 0; i < n; i++) steps.push(
    step(`create_${i}`, async ({ http, ctx }) => { const res = await http.post('/items', { json: { name: `item ${i}` } }); ctx.set('id', res.json().id); return res }),
    step(`read_${i}`, ({ http, ctx }) => http.get(`/items/${ctx.require('id')}`)),
    step(`delete_${i}`, async ({ http, ctx }) => { const res = await http.delete(`/items/${ctx.require('id')}`); assertStatus(res, 204); return res }))
  return journey('overhead', { steps })
}
for (let r = 0; r < Number(process.env.R ?? 4); r++) {
  const runner = createRunner({ baseUrl: process.env.TARGET })
  const t0 = performance.now()
  const result = await runner.run(overhead())
  const ms = performance.now() - t0
  await runner.close()
  console.log(`run ${r}: ${(ms * 1000 / (3 * n)).toFixed(1)} us/req, heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`)
}
