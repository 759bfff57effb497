/**
 * A step that calls the state backends' observe() (a regression journey's `observe before ...` step) and
 * meets a refusal of what the app did (the pg-proxy refuses pg_notify(), told once, at the first observe,
 * checkpoint, rollback or release after it) fails with a critical issue, as the checkpoint or rollback
 * that met it would: the refusal is told once, so the rollback after the step passes, and a high issue
 * would let the journey read as an ordinary failure. Nor is the step retried: the state is suspect.
 */
import { type StateBackend, StateError, branch, checkpoint, journey, path, step } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { createRunner } from '../src/index'

const HINT = 'The app did something the venomqa-pg-proxy refuses (see the error). Notifications cannot leave this app through the proxy; use the snapshot mechanism of @venomqa/state-postgres for this app.'

function refusingBackend(): StateBackend & { refuse(): void; observed: number } {
  let pending = false
  const told = (doing: string) => {
    if (!pending) return
    pending = false
    throw new StateError('pg-proxy:app', `${doing}: the proxy refused what the app did, so the state is not what the app meant: venomqa-pg-proxy refuses pg_notify() [0A000]`, {
      failure: 'refused',
      suggestion: HINT,
    })
  }
  const b = {
    name: 'pg-proxy:app',
    mechanism: 'proxy',
    parallelSafe: false,
    observed: 0,
    refuse: () => void (pending = true),
    async connect() {},
    async checkpoint(name: string) {
      told(`checkpoint "${name}"`)
    },
    async rollback(name: string) {
      told(`rollback to "${name}"`)
    },
    async release(name: string) {
      told(`release "${name}"`)
    },
    async disconnect() {},
    async observe() {
      b.observed++
      told('observe')
      return { rows: 0 }
    },
  }
  return b
}

describe('a refusal met by a step that observes the state', () => {
  it('is a critical issue with the refusal’s fix, and the step is not retried', async () => {
    const backend = refusingBackend()
    const runner = createRunner({ stateBackends: [backend], retries: 2 })
    try {
      const j = journey('notify', {
        steps: [
          checkpoint('start'),
          branch('start', [
            path('p', [step('reserve', () => void backend.refuse()), step('observe before check', async ({ observe }) => void (await observe!()))]),
          ]),
        ],
      })
      const result = await runner.run([j])
      const r = result.journeys[0]!
      expect(r.status).toBe('failed')
      const issue = r.issues.find((i) => i.step === 'observe before check')
      expect(issue).toEqual(expect.objectContaining({ severity: 'critical', kind: 'state', suggestion: HINT, error: expect.stringContaining('refuses pg_notify() [0A000]') }))
      expect(backend.observed).toBe(1)
    } finally {
      await runner.close()
    }
  })
})
