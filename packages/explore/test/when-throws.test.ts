import { action, exploration } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { expect, it } from 'vitest'
import { explore } from '../src/index'

// No API and no state backend: actions that only write the context, explored by prefix replay. What is
// checked is what the exploration says when an action's `when` or `inputs` throws in a state it reached.
async function run(actions: Parameters<typeof exploration>[1]['actions']) {
  const runner = createRunner({})
  try {
    return await explore(exploration('cart', { actions, depth: 3, seed: 1, dedupe: false }), { runner, root: process.cwd(), prefixReplay: true, emitDir: false })
  } finally {
    await runner.close()
  }
}

const addItem = action('add_item', ({ ctx }) => void ctx.set('lines', 1), { maxPerPath: 1 })

it('a when() that reads a context key no action has set yet names the state, and says to test the key first', async () => {
  const checkout = action('checkout', () => undefined, { when: (v) => (v.ctx as unknown as { require(k: string): number }).require('lines') > 0 })
  const r = await run([addItem, checkout])
  expect(r.status).toBe('failed')
  const issue = r.issues.find((i) => i.step === 'exploration')
  expect(issue?.error).toBe(
    'exploration crashed: action "checkout": when() threw in the state at the root (before any action): context has no "lines" (it is empty); a key an action sets is missing in the states before it: test it with view.ctx.has("lines") first, or read view.ctx.get("lines"), undefined while unset',
  )
  // The action's own code, not the tool or the setup.
  expect(issue?.suggestion).toBe('Fix the action\'s when() or inputs(): it runs in every state the search reaches, before the action does, and must answer in each of them.')
  // Its when() was asked and threw: it is not "never enabled", and the coverage says what happened instead.
  expect(r.neverEnabled).toEqual([])
  expect(r.coverage.find((c) => c.action === 'checkout')?.threw).toBe('when() threw in the state at the root (before any action): context has no "lines" (it is empty)')
})

it('an inputs() that throws names the action and the state after the actions taken', async () => {
  const pick = action<number>('pick', () => undefined, { when: (v) => v.ctx.has('lines'), inputs: (v) => [v.ctx.get<{ n: number }>('cart')!.n] })
  const r = await run([addItem, pick])
  expect(r.issues.find((i) => i.step === 'exploration')?.error).toBe(
    "exploration crashed: action \"pick\": inputs() threw in the state after add_item: Cannot read properties of undefined (reading 'n') (inputs must be pure and may only read the view)",
  )
})
