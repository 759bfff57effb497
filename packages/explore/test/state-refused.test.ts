/**
 * A state backend that refuses what the app did (the pg-proxy refuses pg_notify(), and says so at the next
 * observe, checkpoint or rollback, with the fix as the error's suggestion) stops the exploration with a
 * critical issue that names the action after which it was met and the path to it, and gives the backend's
 * fix: not a crash of the tool with a generic suggestion. So does one met while a violation is shrunk or
 * confirmed (the replays from the root). The backend here behaves as the proxy's does.
 */
import { type StateBackend, StateError, action, exploration, invariant } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { describe, expect, it } from 'vitest'
import { explore } from '../src'
import { SETTLE_CRASHED } from '../src/violations'

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

describe('a state backend that refuses what the app did while a violation is shrunk or confirmed', () => {
  /**
   * The search meets the violation after create_product > reserve with nothing refused; in the replays
   * from the root, the app does what the backend refuses: in the action (told at the observe after it), or
   * in the invariant's check (told at the rollback that starts the next replay).
   */
  async function replayRefused(where: 'action' | 'check' | 'last check', shrink: boolean) {
    const backend = refusingBackend()
    let reserves = 0
    let checks = 0
    const runner = createRunner({ baseUrl: 'http://127.0.0.1:1', stateBackends: [backend] })
    try {
      const e = exploration('inventory', {
        actions: [
          action('create_product', ({ ctx }) => void ctx.set('productId', 1), { maxPerPath: 1 }),
          action(
            'reserve',
            () => {
              if (where === 'action' && ++reserves > 1) backend.refuse()
            },
            { when: (v) => v.ctx.has('productId'), maxPerPath: 1 },
          ),
        ],
        invariants: [
          invariant(
            'reservations hold',
            () => {
              checks++
              // The search's check is the first; unshrunk, the confirming replays' are the 2nd to the 4th.
              if ((where === 'check' && checks > 1) || (where === 'last check' && checks === 4)) backend.refuse()
              return 'reservation lost'
            },
            { after: ['reserve'] },
          ),
        ],
        depth: 2,
        seed: 1,
      })
      return await explore(e, { runner, root: process.cwd(), emitDir: false, shrink })
    } finally {
      await runner.close()
    }
  }

  for (const [where, doing] of [
    ['action', 'observe'],
    ['check', 'rollback to "d0"'],
  ] as const)
    for (const shrink of [true, false])
      it(`is the critical issue of the search, with the refusal's fix, and the violation is reported as met (the app acts in the ${where}; ${shrink ? 'shrinking' : 'confirming'})`, async () => {
        const result = await replayRefused(where, shrink)
        expect(result.status).toBe('failed')
        const critical = result.issues.filter((i) => i.severity === 'critical')
        expect(critical).toEqual([
          expect.objectContaining({
            kind: 'state',
            step: 'reserve',
            path: 'create_product > reserve',
            error: expect.stringMatching(new RegExp(`^after action "reserve" \\(create_product > reserve\\): state backend "pg-proxy:app": ${doing}: .*refuses pg_notify\\(\\) \\[0A000\\]`)),
            suggestion: HINT,
            source: 'state:pg-proxy:app',
          }),
        ])
        expect(result.violations).toEqual([
          expect.objectContaining({
            invariant: 'reservations hold',
            message:
              'reservation lost (not shrunk or confirmed: replaying it from the root, state backend "pg-proxy:app" refused what the app did after action "reserve" (create_product > reserve))',
            reproduced: { attempts: 0, failures: 0 },
          }),
        ])
        const said = [...result.issues.map((i) => `${i.error}\n${i.suggestion}`), ...result.violations.map((v) => v.message)].join('\n')
        expect(said).not.toContain(SETTLE_CRASHED)
        expect(said).not.toContain('crashed')
      })

  // What the last confirming replay made the app do is met only once the replays are over, by the rollback
  // after them: not by the one back to where the system was before the exploration, with no action named
  // and no fix. The violation itself was confirmed before it.
  it('is told with the action and the refusal’s fix when only the rollback after the last replay meets it', async () => {
    const result = await replayRefused('last check', false)
    expect(result.issues.filter((i) => i.severity === 'critical')).toEqual([
      expect.objectContaining({
        kind: 'state',
        step: 'reserve',
        path: 'create_product > reserve',
        error: expect.stringMatching(/^after action "reserve" \(create_product > reserve\): state backend "pg-proxy:app": rollback to "d0": .*refuses pg_notify\(\) \[0A000\]/),
        suggestion: HINT,
      }),
    ])
    expect(result.violations).toEqual([expect.objectContaining({ message: 'reservation lost', reproduced: { attempts: 3, failures: 3 } })])
  })
})
