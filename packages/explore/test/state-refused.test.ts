/**
 * A state backend that refuses what the app did (the pg-proxy refuses pg_notify(), and says so at the next
 * observe, checkpoint or rollback, with the fix as the error's suggestion) stops the exploration with a
 * critical issue that names the action after which it was met and the path to it, and gives the backend's
 * fix: not a crash of the tool with a generic suggestion. The backend here behaves as the proxy's does.
 */
import { type StateBackend, StateError, action, exploration } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { describe, expect, it } from 'vitest'
import { explore } from '../src'

const HINT = 'The app did something the venomqa-pg-proxy refuses (see the error). Notifications cannot leave this app through the proxy; use the snapshot mechanism of @venomqa/state-postgres for this app.'

/** Refuses, once, what `notify` made the app do: at the next observe, checkpoint or rollback. */
function refusingBackend(): StateBackend & { refuse(): void } {
  let pending = false
  let rows = 0
  const told = (doing: string) => {
    if (!pending) return
    pending = false
    throw new StateError('pg-proxy:app', `${doing}: the proxy refused what the app did, so the state is not what the app meant: venomqa-pg-proxy refuses pg_notify() [0A000]`, {
      failure: 'refused',
      suggestion: HINT,
    })
  }
  const saved = new Map<string, number>()
  return {
    name: 'pg-proxy:app',
    mechanism: 'proxy',
    parallelSafe: false,
    refuse: () => {
      pending = true
      rows++
    },
    async connect() {},
    async checkpoint(name) {
      told(`checkpoint "${name}"`)
      saved.set(name, rows)
    },
    async rollback(name) {
      rows = saved.get(name) ?? 0
      told(`rollback to "${name}"`)
    },
    async release() {},
    async disconnect() {},
    async observe() {
      told('observe')
      return { rows }
    },
  }
}

describe('a state backend that refuses what the app did during the search', () => {
  it('is a critical issue naming the action and the sequence leading to it, with the refusal’s fix as its suggestion', async () => {
    const backend = refusingBackend()
    const runner = createRunner({ baseUrl: 'http://127.0.0.1:1', stateBackends: [backend] })
    try {
      const e = exploration('inventory', {
        actions: [
          action('create_product', ({ ctx }) => void ctx.set('productId', 1), { maxPerPath: 1 }),
          action('reserve', () => void backend.refuse(), { when: (v) => v.ctx.has('productId') }),
        ],
        depth: 3,
        seed: 1,
      })
      const result = await explore(e, { runner, root: process.cwd(), emitDir: false })
      expect(result.status).toBe('failed')
      const critical = result.issues.filter((i) => i.severity === 'critical')
      expect(critical).toEqual([
        expect.objectContaining({
          kind: 'state',
          step: 'reserve',
          path: 'create_product > reserve',
          error: expect.stringMatching(/^after action "reserve" \(create_product > reserve\): state backend "pg-proxy:app": observe: .*refuses pg_notify\(\) \[0A000\]/),
          suggestion: HINT,
        }),
      ])
      expect(result.issues.map((i) => i.error).join('\n')).not.toContain('exploration crashed')
    } finally {
      await runner.close()
    }
  })
})
