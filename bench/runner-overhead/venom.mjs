// The same flow as one VenomQA journey of 3 x N dependent steps, run by @venomqa/runner.
import { assertStatus, journey, step } from '@venomqa/core'
import { builtinReporters, createRunner } from '@venomqa/runner'
const n = Number(process.env.N)
function overhead() {
  const steps = []
  for (let i = 0; i < n; i++) {
    steps.push(
      step(`create_${i}`, async ({ http, ctx }) => {
        const res = await http.post('/items', { json: { name: `item ${i}` } })
        ctx.set('id', res.json().id)
        return res
      }),
      step(`read_${i}`, ({ http, ctx }) => http.get(`/items/${ctx.require('id')}`)),
      step(`delete_${i}`, async ({ http, ctx }) => {
        const res = await http.delete(`/items/${ctx.require('id')}`)
        assertStatus(res, 204)
        return res
      }),
    )
  }
  return journey('overhead', { steps })
}
// bench/cli-phases gives its phases plugin here, to split this process's time as it splits `venomqa run`'s.
const plugins = process.env.BENCH_PLUGIN ? [(await import(process.env.BENCH_PLUGIN)).default] : []
// BENCH_CONSOLE: the console reporter `venomqa run` prints with, a line per step on stdout, before the result.
const reporters = process.env.BENCH_CONSOLE ? [builtinReporters.console({ options: {} })] : []
const runner = createRunner({ baseUrl: process.env.TARGET, plugins, reporters })
// WARMUP: the journey that many times, unreported, before the timed one (the bench's cost per request once
// warm; see index.ts).
for (let w = 0; w < Number(process.env.WARMUP ?? 0); w++) {
  const warm = createRunner({ baseUrl: process.env.TARGET })
  await warm.run(overhead())
  await warm.close()
}
const t0 = performance.now()
const result = await runner.run(overhead())
const ms = performance.now() - t0
await runner.close()
if (result.status !== 'passed') throw new Error(`journey failed: ${JSON.stringify(result.journeys[0].issues[0])}`)
process.stdout.write(JSON.stringify({ innerMs: ms, steps: result.summary.steps.passed }))
