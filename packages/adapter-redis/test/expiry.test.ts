import { describe, expect, it } from 'vitest'
import { expiresAtOf, restoreOpOf } from '../src/scripts'

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
