// The library variant's journey as a `.journey.ts` file, run by `venomqa run` (N rounds from the environment).
import { assertStatus, journey, step } from '@venomqa/core'

const n = Number(process.env.N ?? 500)
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

export default journey('overhead', { steps })
