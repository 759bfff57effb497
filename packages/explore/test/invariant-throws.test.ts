/**
 * An invariant whose own check throws (a TypeError reading a context key no action has set yet) is a
 * mistake in the test, not a violation of the API: told once, naming the invariant, the error and the
 * first sequence it threw after, with no violation shrunk and no journey written for it.
 */
import { action, exploration, invariant } from '@venomqa/core'
import { createRunner, httpControlState } from '@venomqa/runner'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { explore } from '../src'
import { type ReplayApp, startReplayApp } from './replay-app'

let app: ReplayApp
beforeAll(async () => {
  app = await startReplayApp()
  app.fixed = true
})
afterAll(() => app?.stop())

const takeSeat = action(
  'take_seat',
  async ({ http, ctx }) => {
    const res = await http.post('/seats')
    ctx.set('seat', res.json())
    return res
  },
  { maxPerPath: 1 },
)
const listSeats = action('list_seats', ({ http }) => http.get('/seats'), { maxPerPath: 1 })
const health = action('health', ({ http }) => http.get('/health'), { maxPerPath: 1 })
// Reads the seat whatever the state: before take_seat there is none, and `.id` of undefined throws.
const seatListed = invariant('the seat taken is listed', async ({ http, ctx }) => (await http.get('/seats')).json().includes(ctx.get<{ id: number }>('seat')!.id))
// A response check's own mistake too: no answer here has `items`.
const itemsCounted = invariant.response('items are counted', (res) => (res.json() as { items: unknown[] }).items.length >= 0)

it('an invariant whose check throws is one critical issue with the first sequence, not a violation per last action', async () => {
  const runner = createRunner({ baseUrl: app.url, stateBackends: [httpControlState({ url: app.url })] })
  try {
    const r = await explore(exploration('seats', { actions: [listSeats, health, takeSeat], invariants: [seatListed, itemsCounted], depth: 3, seed: 1 }), { runner, root: process.cwd(), emitDir: false })
    expect(r.violations).toEqual([])
    expect(r.status).toBe('failed')
    expect(r.issues.map((i) => [i.severity, i.kind, i.step, i.path, i.error])).toEqual([
      [
        'critical',
        'crash',
        'the seat taken is listed',
        'list_seats',
        `invariant "the seat taken is listed" threw after list_seats, so it was not checked there: Cannot read properties of undefined (reading 'id')`,
      ],
      ['critical', 'crash', 'items are counted', 'list_seats', `invariant "items are counted" threw after list_seats, so it was not checked there: Cannot read properties of undefined (reading 'length')`],
    ])
    expect(r.issues[0]!.suggestion).toContain('ctx.has()')
    // The search went on through the states it threw in: every action was taken.
    expect(r.coverage.every((c) => c.taken > 0)).toBe(true)
  } finally {
    await runner.close()
  }
})
