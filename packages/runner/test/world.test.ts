/** The World keeps its checkpoints by the same rule as its backends, and never opens one they do not all have. */
import { Context, type StateBackend, StateError } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { MemoryState } from '../src/index'
import { StateCalls, World, releaseFailure } from '../src/world'

/** A backend that records every call and fails the checkpoints named in `failOn`. */
function recording(name: string, failOn: string[] = []) {
  const calls: string[] = []
  const backend: StateBackend = {
    name,
    mechanism: 'recording',
    parallelSafe: false,
    async connect() {},
    async disconnect() {},
    async checkpoint(cp) {
      calls.push(`checkpoint ${cp}`)
      if (failOn.includes(cp)) throw new Error(`cannot save "${cp}"`)
    },
    async rollback(cp) {
      calls.push(`rollback ${cp}`)
    },
    async release(cp) {
      calls.push(`release ${cp}`)
    },
  }
  return { backend, calls }
}

describe('World', () => {
  it('rolls back to an older checkpoint: the backends and the context go back, the later checkpoints go away', async () => {
    const memory = new MemoryState({ n: 0 })
    const ctx = new Context()
    const world = new World([memory], ctx)
    ctx.set('step', 'a')
    await world.checkpoint('a')
    memory.data.n = 1
    ctx.set('step', 'b')
    await world.checkpoint('b')
    memory.data.n = 2
    await world.rollback('a')
    expect([memory.data.n, ctx.get('step')]).toEqual([0, 'a'])
    expect(world.open).toEqual(['a'])
    expect(memory.checkpoints).toEqual(['a'])
    expect(world.contextAt('b')).toBeUndefined()
  })

  it('a rollback to a checkpoint that is not open names the open ones and calls no backend', async () => {
    const { backend, calls } = recording('rec')
    const world = new World([backend], new Context())
    await world.checkpoint('a')
    const err = await world.rollback('nope').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StateError)
    expect((err as Error).message).toBe('state backend "world": no checkpoint "nope" (open: a)')
    expect(calls).toEqual(['checkpoint a'])
  })

  it('taking an open name again replaces it, in the World and in every backend', async () => {
    const memory = new MemoryState({ n: 0 })
    const ctx = new Context({ at: 'first' })
    const world = new World([memory], ctx)
    await world.checkpoint('a')
    await world.checkpoint('b')
    memory.data.n = 5
    ctx.set('at', 'second')
    await world.checkpoint('a')
    expect([world.open, memory.checkpoints]).toEqual([['a'], ['a']])
    expect(world.contextAt('a')).toEqual({ at: 'second' })
    memory.data.n = 9
    await world.rollback('a')
    expect(memory.data.n).toBe(5)
  })

  it('a checkpoint that fails in one backend is open nowhere: the others release it', async () => {
    const first = new MemoryState({}, 'first')
    const failing = recording('failing', ['b'])
    const last = new MemoryState({}, 'last')
    const world = new World([first, failing.backend, last], new Context())
    await world.checkpoint('a')
    // A checkpoint "b" the last backend kept from an earlier failure must not outlive this one either.
    await last.checkpoint('b')

    const err = await world.checkpoint('b').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StateError)
    expect((err as StateError).backend).toBe('failing')
    expect((err as Error).message).toContain('checkpoint "b" failed: cannot save "b"')
    expect(world.open).toEqual(['a'])
    expect(first.checkpoints).toEqual(['a'])
    expect(last.checkpoints).toEqual(['a'])
    expect(failing.calls).toEqual(['checkpoint a', 'checkpoint b', 'release b'])
  })

  it('releaseAll releases newest first and collects errors instead of stopping at the first', async () => {
    const { backend, calls } = recording('rec')
    const broken: StateBackend = { ...recording('broken').backend, release: async () => Promise.reject(new Error('gone')) }
    const world = new World([broken, backend], new Context())
    await world.checkpoint('a')
    await world.checkpoint('b')
    const errors = await world.releaseAll()
    expect(errors).toEqual([
      { error: 'broken: release "b" failed: gone', severity: 'medium' },
      { error: 'broken: release "a" failed: gone', severity: 'medium' },
    ])
    expect(calls).toEqual(['checkpoint a', 'checkpoint b', 'release b', 'release a'])
    expect(world.open).toEqual([])
  })

  it('a release that finds the state wrong is critical; one that could not release is cleanup left undone', async () => {
    const wrong: StateBackend = { ...recording('proxy').backend, release: async () => Promise.reject(new StateError('proxy', 'the app did LISTEN', { stateIsWrong: true })) }
    const stuck: StateBackend = { ...recording('db').backend, release: async () => Promise.reject(new StateError('db', 'savepoint gone')) }
    const world = new World([wrong, stuck], new Context())
    await world.checkpoint('a')
    expect(await world.releaseAll()).toEqual([
      { error: 'state backend "proxy": release "a" failed: the app did LISTEN', severity: 'critical' },
      { error: 'state backend "db": release "a" failed: savepoint gone', severity: 'medium' },
    ])
  })

  it('a release failure names the backend and the release once, whoever worded it', () => {
    expect(releaseFailure('db', 'a', new Error('gone'))).toBe('db: release "a" failed: gone')
    expect(releaseFailure('db', 'a', new StateError('db', 'savepoint gone'))).toBe('state backend "db": release "a" failed: savepoint gone')
    // A proxy's own message names the release already (it was said twice: `pg-proxy:x: release "a" failed: state backend "pg-proxy:x": release "a" failed: ...`).
    expect(releaseFailure('pg-proxy:x', 'a', new StateError('pg-proxy:x', 'release "a" failed: the upstream session is lost'))).toBe(
      'state backend "pg-proxy:x": release "a" failed: the upstream session is lost',
    )
    // Another backend's StateError (a wrapper around one): named as it is.
    expect(releaseFailure('outer', 'a', new StateError('inner', 'gone'))).toBe('outer: release "a" failed: state backend "inner": gone')
  })
})

// A backend call past the run's timeout (pluginTimeout). The slow calls here are promises settled by hand
// once the World gave up on them: what is tested is that nothing they do then reaches the World.
describe('World calls past the timeout', () => {
  it('a checkpoint past the timeout fails naming the backend and the call, opens nowhere, and when it lands after all the World still does not have it', async () => {
    let land!: () => void
    const slow: StateBackend = { ...recording('slow').backend, checkpoint: () => new Promise<void>((resolve) => (land = resolve)) }
    const memory = new MemoryState({}, 'memory')
    const world = new World([memory, slow], new Context(), [], undefined, new StateCalls(50))

    const err = await world.checkpoint('a').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StateError)
    expect((err as StateError).stateIsWrong).toBe(true)
    expect((err as Error).message).toBe(
      'state backend "slow": checkpoint "a" timed out after 50 ms (pluginTimeout): abandoned, as its state is unknown and the call may still land (raise pluginTimeout if it is slow on purpose)',
    )
    expect([world.open, memory.checkpoints]).toEqual([[], []])
    land()
    await new Promise((r) => setTimeout(r, 10))
    expect(world.open).toEqual([])
    // Abandoned: refused before any backend does work, saying why.
    await expect(world.checkpoint('b')).rejects.toThrow(
      'state backend "slow": checkpoint "b" not attempted: it was abandoned when its checkpoint "a" timed out after 50 ms (pluginTimeout), so its state is unknown',
    )
    expect(memory.checkpoints).toEqual([])
  })

  it('a rollback past the timeout drops no checkpoint and restores no context; its late rejection is handled, and the backend is not called again', async () => {
    let giveUp!: (err: Error) => void
    const rec = recording('slow')
    const slow: StateBackend = { ...rec.backend, rollback: () => new Promise<void>((_, reject) => (giveUp = reject)) }
    const ctx = new Context()
    const world = new World([slow], ctx, [], undefined, new StateCalls(50))
    ctx.set('at', 'a')
    await world.checkpoint('a')
    ctx.set('at', 'b')
    await world.checkpoint('b')

    await expect(world.rollback('a')).rejects.toThrow('state backend "slow": rollback to "a" timed out after 50 ms (pluginTimeout)')
    expect([world.open, ctx.get('at')]).toEqual([['a', 'b'], 'b'])
    // Rejecting now, with nothing awaiting it any more: vitest fails the run on an unhandled rejection.
    giveUp(new Error('connection reset'))
    await new Promise((r) => setTimeout(r, 10))
    expect(world.open).toEqual(['a', 'b'])
    expect(await world.releaseAll()).toEqual([])
    expect(rec.calls).toEqual(['checkpoint a', 'checkpoint b'])
  })

  it('a release past the timeout is a critical problem: the state is unknown', async () => {
    const slow: StateBackend = { ...recording('slow').backend, release: () => new Promise<void>(() => {}) }
    const world = new World([slow], new Context(), [], undefined, new StateCalls(50))
    await world.checkpoint('a')
    await world.checkpoint('b')
    // Newest first: "b" times out, and "a" is not asked of a backend abandoned.
    expect(await world.releaseAll()).toEqual([
      {
        error: 'state backend "slow": release "b" timed out after 50 ms (pluginTimeout): abandoned, as its state is unknown and the call may still land (raise pluginTimeout if it is slow on purpose)',
        severity: 'critical',
      },
    ])
  })
})
