import { describe, expect, it } from 'vitest'
import { RESTORE_BATCH_BYTES, expiresAtOf, restoreBatches, restoreOpOf } from '../src/scripts'

// The rule between DUMP's PTTL and RESTORE's TTL, alone: a PTTL of exactly 0 cannot be made to happen
// against a real Redis on demand (the key is in its last millisecond), so it is checked here.
describe('expiry of a saved key', () => {
  it('PTTL -1 is no expiry; 0 and more expire, 0 at once', () => {
    expect(expiresAtOf(-1, 1000)).toBeUndefined()
    expect(expiresAtOf(0, 1000)).toBe(1000)
    expect(expiresAtOf(250, 1000)).toBe(1250)
  })

  it('a key in its last millisecond when saved is deleted on restore, never restored to live for ever', () => {
    const key = Buffer.from('k')
    const dump = Buffer.from('payload')
    expect(restoreOpOf(key, { dump, expiresAt: expiresAtOf(0, 1000) }, 1000)).toEqual({ key, ttl: -1 })
    expect(restoreOpOf(key, { dump, expiresAt: expiresAtOf(-1, 1000) }, 5000)).toEqual({ key, ttl: 0, dump })
    expect(restoreOpOf(key, { dump, expiresAt: expiresAtOf(500, 1000) }, 1200)).toEqual({ key, ttl: 300, dump })
  })
})

describe('restore batches', () => {
  const op = (name: string, dumpBytes?: number) => ({ key: Buffer.from(name), ...(dumpBytes === undefined ? {} : { saved: { dump: Buffer.alloc(dumpBytes) } }) })
  const names = (batches: { key: Buffer }[][]) => batches.map((b) => b.map((o) => o.key.toString()))

  it('caps a RESTORE call by keys and by bytes, so that large values never make one command past the server\'s query buffer limit', () => {
    // Deletes weigh their key only; a value larger than the cap goes alone.
    const ops = [op('a', 40), op('b', 40), op('c'), op('d', 200), op('e', 10), op('f', 10), op('g', 10)]
    expect(names(restoreBatches(ops, 100, 100))).toEqual([['a', 'b', 'c'], ['d'], ['e', 'f', 'g']])
    expect(names(restoreBatches(ops, 2, 1000))).toEqual([['a', 'b'], ['c', 'd'], ['e', 'f'], ['g']])
    expect(restoreBatches([], 2, 10)).toEqual([])
    // The default cap is far below the server's default 1 GB: 2,000 keys of 1 MiB go 63 to a call (64 MiB
    // with their names), in 32 calls.
    const large = Array.from({ length: 2000 }, (_, i) => op(`k${i}`, 1024 * 1024))
    expect(RESTORE_BATCH_BYTES).toBe(64 * 1024 * 1024)
    expect(restoreBatches(large, 2000).map((b) => b.length)).toEqual([...Array(31).fill(63), 2000 - 31 * 63])
  })
})
