import { journey, step } from '@venomqa/core'
import { createRunner, RunnerHttpClient } from '@venomqa/runner'
import { Agent, request } from 'undici'
const n = Number(process.env.N ?? 3000)
const target = process.env.TARGET
async function viaClient() {
  const http = new RunnerHttpClient({ baseUrl: target })
  for (let i = 0; i < n; i++) { const c = await http.post('/items', { json: { name: `item ${i}` } }); const id = c.json().id; await http.get(`/items/${id}`); await http.delete(`/items/${id}`) }
  await http.close?.()
}
async function viaUndici() {
  const dispatcher = new Agent({ connections: 16 })
  for (let i = 0; i < n; i++) {
    const c = await request(`${target}/items`, { method: 'POST', dispatcher, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `item ${i}` }) })
    const { id } = await c.body.json()
    const r = await request(`${target}/items/${id}`, { dispatcher }); await r.body.json()
    const d = await request(`${target}/items/${id}`, { method: 'DELETE', dispatcher }); await d.body.text()
  }
  await dispatcher.close()
}
async function viaJourney() {
  const steps = []
  for (let i = 0; i < n; i++) steps.push(
    step(`create_${i}`, async ({ http, ctx }) => { const res = await http.post('/items', { json: { name: `item ${i}` } }); ctx.set('id', res.json().id); return res }),
    step(`read_${i}`, ({ http, ctx }) => http.get(`/items/${ctx.require('id')}`)),
    step(`delete_${i}`, ({ http, ctx }) => http.delete(`/items/${ctx.require('id')}`)))
  const runner = createRunner({ baseUrl: target })
  const r = await runner.run(journey('j', { steps }))
  await runner.close()
  if (r.status !== 'passed') throw new Error('fail')
}
const res = { undici: [], client: [], journey: [] }
for (let round = 0; round < Number(process.env.R ?? 6); round++) {
  for (const [k, f] of [['undici', viaUndici], ['client', viaClient], ['journey', viaJourney]]) {
    const c0 = process.cpuUsage(); const t0 = performance.now()
    await f()
    const c = process.cpuUsage(c0); const ms = performance.now() - t0
    if (round > 0) res[k].push({ us: ms * 1000 / (3 * n), cpu: (c.user + c.system) / (3 * n) })
  }
}
const med = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1]
for (const k of Object.keys(res)) console.log(k, 'wall us/req', med(res[k].map(x => x.us)).toFixed(1), 'cpu us/req', med(res[k].map(x => x.cpu)).toFixed(1))
