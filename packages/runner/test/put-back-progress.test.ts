/**
 * Runner.onPutBack: a stopped (or restored) journey's rollback is told backend by backend, so that a run
 * quit in the middle of it (a second Ctrl-C) names only the backends that had not put their part back.
 */
import { checkpoint, journey, step } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { MemoryState, type PutBackProgress, createRunner } from '../src/index'

type Store = { n: number }

/** A backend whose rollbacks fail once `failing` is set (a server gone in the middle of the run). */
class Breaking extends MemoryState<Store> {
  failing = false
  override async rollback(name: string): Promise<void> {
    if (this.failing) throw new Error('read ECONNRESET')
    return super.rollback(name)
  }
}

/** A journey that writes, takes a checkpoint, writes again, then waits until the run is interrupted. */
function waitsForCtrlC(states: MemoryState<Store>[], onWait: () => void) {
  return journey('ctrl_c', {
    steps: [
      checkpoint('cp'),
      step('dirty', () => {
        for (const s of states) s.data.n++
      }),
      step('wait', ({ signal }) => {
        onWait()
        return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
      }),
    ],
  })
}

describe('onPutBack', () => {
  it('tells the interrupted journey put back to its checkpoint as it starts and after each backend, in order', async () => {
    const states = ['postgres', 'redis', 'wiremock'].map((name) => new MemoryState<Store>({ n: 0 }, name))
    const ac = new AbortController()
    const runner = createRunner({ stateBackends: states })
    const seen: PutBackProgress[] = []
    runner.onPutBack((p) => seen.push(p))
    const result = await runner.run(waitsForCtrlC(states, () => ac.abort()), { signal: ac.signal })
    await runner.close()
    expect(result.interrupted).toBe(true)
    expect(states.map((s) => s.data.n)).toEqual([0, 0, 0])
    const progress = { journey: 'ctrl_c', checkpoint: 'cp', reason: 'interrupt' }
    expect(seen).toEqual([
      { ...progress, done: [] },
      { ...progress, done: ['postgres'] },
      { ...progress, done: ['postgres', 'redis'] },
      { ...progress, done: ['postgres', 'redis', 'wiremock'] },
    ])
  })

  it('tells a put-back that failed, with the backends that had put their part back before it', async () => {
    const postgres = new MemoryState<Store>({ n: 0 }, 'postgres')
    const wiremock = new Breaking({ n: 0 }, 'wiremock')
    const ac = new AbortController()
    const runner = createRunner({ stateBackends: [postgres, wiremock] })
    const seen: PutBackProgress[] = []
    runner.onPutBack((p) => seen.push(p))
    // A watcher that throws only loses its own news: the rollback goes on.
    runner.onPutBack(() => {
      throw new Error('a watcher that fails')
    })
    const result = await runner.run(
      waitsForCtrlC([postgres, wiremock], () => {
        wiremock.failing = true
        ac.abort()
      }),
      { signal: ac.signal },
    )
    await runner.close()
    expect(postgres.data.n).toBe(0)
    expect(result.journeys[0]!.issues.map((i) => i.step)).toContain('rollback cp')
    expect(seen.at(-1)).toEqual({ journey: 'ctrl_c', checkpoint: 'cp', reason: 'interrupt', done: ['postgres'], failed: true })
  })

  it('tells a restored journey put back to where it started', async () => {
    const state = new MemoryState<Store>({ n: 0 }, 'kv')
    const runner = createRunner({ stateBackends: [state], restoreAfterJourney: true })
    const seen: PutBackProgress[] = []
    const stop = runner.onPutBack((p) => seen.push(p))
    const writes = journey('writes', { steps: [step('write', () => void state.data.n++)] })
    await runner.run(writes)
    stop()
    await runner.run(writes)
    await runner.close()
    expect(seen.map((p) => [p.reason, p.done])).toEqual([
      ['restore', []],
      ['restore', ['kv']],
    ])
  })
})
