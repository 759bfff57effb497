import { describe, expect, it } from 'vitest'
import { CheckpointStack, type OpenCheckpoint, StateError } from '../src/index'

/** A stack over a plain value, recording every checkpoint it was asked to free. */
function setup() {
  let state = 0
  const freed: string[][] = []
  const stack = new CheckpointStack<number>('test-backend')
  const free = (gone: OpenCheckpoint<number>[]) => {
    freed.push(gone.map((c) => c.name))
  }
  return {
    stack,
    freed,
    set: (v: number) => (state = v),
    get state() {
      return state
    },
    take: (name: string) => stack.take(name, () => state, free),
    rollback: (name: string) => stack.rollback(name, (saved) => void (state = saved), free),
    release: (name: string) => stack.release(name, free),
  }
}

async function errorOf(p: Promise<unknown>): Promise<StateError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(StateError)
  return err as StateError
}

describe('CheckpointStack', () => {
  it('keeps checkpoints oldest first, with what was saved for each', async () => {
    const s = setup()
    s.set(1)
    await s.take('a')
    s.set(2)
    await s.take('b')
    expect(s.stack.names).toEqual(['a', 'b'])
    expect(s.stack.size).toBe(2)
    expect([s.stack.get('a'), s.stack.get('b')]).toEqual([1, 2])
    expect(s.stack.find('a')).toBe(1)
    expect(s.stack.find('c')).toBeUndefined()
    expect([s.stack.has('b'), s.stack.has('c')]).toEqual([true, false])
    expect(s.freed).toEqual([])
  })

  it('rollback restores the checkpoint and keeps it, so a branch can come back to it again', async () => {
    const s = setup()
    s.set(1)
    await s.take('a')
    s.set(5)
    await s.rollback('a')
    expect(s.state).toBe(1)
    s.set(6)
    await s.rollback('a')
    expect(s.state).toBe(1)
    expect(s.stack.names).toEqual(['a'])
  })

  it('rollback to an older checkpoint drops, and frees, every later one', async () => {
    const s = setup()
    for (const [name, v] of [['a', 1], ['b', 2], ['c', 3]] as const) {
      s.set(v)
      await s.take(name)
    }
    await s.rollback('b')
    expect([s.state, s.stack.names]).toEqual([2, ['a', 'b']])
    await s.rollback('a')
    expect([s.state, s.stack.names]).toEqual([1, ['a']])
    expect(s.freed).toEqual([['c'], ['b']])
  })

  it('a rollback whose restore fails drops nothing', async () => {
    const s = setup()
    await s.take('a')
    await s.take('b')
    await expect(
      s.stack.rollback('a', () => {
        throw new Error('restore failed')
      }),
    ).rejects.toThrow('restore failed')
    expect(s.stack.names).toEqual(['a', 'b'])
  })

  it('rollback to a name that is not open is a StateError naming the owner and the open checkpoints', async () => {
    const s = setup()
    let restored = false
    const none = await errorOf(s.stack.rollback('x', () => void (restored = true)))
    expect(none.message).toBe('state backend "test-backend": no checkpoint "x" (open: none)')
    expect(none.backend).toBe('test-backend')
    await s.take('a')
    await s.take('b')
    expect((await errorOf(s.rollback('x'))).message).toBe('state backend "test-backend": no checkpoint "x" (open: a, b)')
    expect(() => s.stack.get('x')).toThrow('no checkpoint "x" (open: a, b)')
    expect(restored).toBe(false)
  })

  it('release forgets the checkpoint and every one taken after it, and frees them oldest first', async () => {
    const s = setup()
    for (const name of ['a', 'b', 'c']) await s.take(name)
    await s.release('b')
    expect(s.stack.names).toEqual(['a'])
    expect(s.freed).toEqual([['b', 'c']])
    expect((await errorOf(s.rollback('c'))).message).toContain('no checkpoint "c" (open: a)')
  })

  it('releasing a name that is not open does nothing, and frees nothing', async () => {
    const s = setup()
    await s.take('a')
    await s.take('b')
    await s.rollback('a') // drops b
    s.freed.length = 0
    await s.release('b')
    await s.release('never-taken')
    expect(s.stack.names).toEqual(['a'])
    expect(s.freed).toEqual([])
  })

  it('taking an open name again releases it and the later ones, then takes it anew on top', async () => {
    const s = setup()
    s.set(1)
    await s.take('a')
    s.set(2)
    await s.take('b')
    s.set(3)
    await s.take('c')
    s.set(4)
    await s.take('b')
    expect(s.stack.names).toEqual(['a', 'b'])
    expect(s.freed).toEqual([['b', 'c']])
    s.set(9)
    await s.rollback('b')
    expect(s.state).toBe(4)
    await s.rollback('a')
    expect(s.state).toBe(1)
  })

  it('taking the newest name again replaces only it', async () => {
    const s = setup()
    await s.take('a')
    s.set(7)
    await s.take('b')
    s.set(8)
    await s.take('b')
    expect(s.stack.names).toEqual(['a', 'b'])
    expect(s.stack.get('b')).toBe(8)
    expect(s.freed).toEqual([['b']])
  })

  it('frees the released checkpoint before capturing the new one (a savepoint must go before its successor is set)', async () => {
    const stack = new CheckpointStack<string>('sp')
    const log: string[] = []
    const capture = (id: string) => () => {
      log.push(`SAVEPOINT ${id}`)
      return id
    }
    const free = (gone: OpenCheckpoint<string>[]) => {
      log.push(`RELEASE ${gone[0]!.data}`)
    }
    await stack.take('a', capture('sp1'), free)
    await stack.take('a', capture('sp2'), free)
    expect(log).toEqual(['SAVEPOINT sp1', 'RELEASE sp1', 'SAVEPOINT sp2'])
  })

  it('a name taken again after a rollback dropped it (a depth-first search) is a fresh checkpoint', async () => {
    const s = setup()
    s.set(0)
    await s.take('d0')
    for (const action of [1, 2, 3]) {
      s.set(action)
      await s.take('d1')
      s.set(action * 10)
      await s.rollback('d1')
      expect(s.state).toBe(action)
      await s.rollback('d0')
      expect(s.stack.names).toEqual(['d0'])
    }
    expect(s.state).toBe(0)
  })

  it('a capture that fails leaves the name released and nothing new on the stack', async () => {
    const s = setup()
    await s.take('a')
    await s.take('b')
    await expect(
      s.stack.take('b', () => {
        throw new Error('capture failed')
      }),
    ).rejects.toThrow('capture failed')
    expect(s.stack.names).toEqual(['a'])
  })

  it('a free that fails still leaves the checkpoints gone', async () => {
    const stack = new CheckpointStack<number>('b')
    await stack.take('a', () => 1)
    await stack.take('b', () => 2)
    const failing = () => {
      throw new Error('cannot drop the copy')
    }
    await expect(stack.release('b', failing)).rejects.toThrow('cannot drop the copy')
    expect(stack.names).toEqual(['a'])
    await stack.take('c', () => 3)
    await expect(stack.rollback('a', () => {}, failing)).rejects.toThrow('cannot drop the copy')
    expect(stack.names).toEqual(['a'])
  })

  it('forgets the same way when the owner has nothing to free', async () => {
    const stack = new CheckpointStack<number>('plain')
    for (const [name, v] of [['a', 1], ['b', 2], ['c', 3]] as const) await stack.take(name, () => v)
    await stack.rollback('b', () => {})
    expect(stack.names).toEqual(['a', 'b'])
    await stack.release('b')
    expect(stack.names).toEqual(['a'])
    await stack.take('a', () => 10)
    expect([stack.names, stack.get('a')]).toEqual([['a'], 10])
  })

  it('clear forgets everything at once and returns it oldest first, for the caller to free', async () => {
    const s = setup()
    s.set(1)
    await s.take('a')
    s.set(2)
    await s.take('b')
    expect(s.stack.clear()).toEqual([
      { name: 'a', data: 1 },
      { name: 'b', data: 2 },
    ])
    expect(s.stack.size).toBe(0)
    expect((await errorOf(s.rollback('a'))).message).toContain('(open: none)')
  })
})
