import { action, exploration } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { expect, it } from 'vitest'
import { explore } from '../src/index'

// No API and no state backend: actions that only write the context, explored by prefix replay. What is
// checked is what `view.count` answers in a `when`, which the search asks before any request.
function orders(cancelCounts: string) {
  return exploration('count', {
    actions: [
      action('order', ({ ctx }) => void ctx.set('orderId', 1), { maxPerPath: 1 }),
      action('cancel', ({ ctx }) => void ctx.set('cancelled', true), { when: (v) => v.ctx.has('orderId') && v.count(cancelCounts) === 0 }),
    ],
    depth: 3,
    seed: 1,
    dedupe: false,
  })
}

async function run(cancelCounts: string) {
  const runner = createRunner({})
  try {
    return await explore(orders(cancelCounts), { runner, root: process.cwd(), prefixReplay: true, emitDir: false })
  } finally {
    await runner.close()
  }
}

it('view.count of an action counts how often it was taken on the path', async () => {
  const r = await run('cancel')
  expect(r.status).toBe('passed')
  // order, then cancel once: the second cancel is refused by its own count.
  expect(r.stats.maxDepthReached).toBe(2)
  expect(r.coverage.find((c) => c.action === 'cancel')?.taken).toBe(1)
})

it('view.count of a name that is no action fails the exploration naming it, the nearest action and every action', async () => {
  const r = await run('cancle')
  expect(r.status).toBe('failed')
  const messages = r.issues.map((i) => i.error).join('\n')
  expect(messages).toContain('action "cancel": when() threw in the state after order: view.count("cancle") names no action of this exploration (did you mean "cancel"?); its actions: order, cancel')
})
