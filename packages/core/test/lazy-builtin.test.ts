import { afterEach, describe, expect, it, vi } from 'vitest'
import { lazyBuiltin } from '../src/lazy-builtin'

describe('lazyBuiltin', () => {
  afterEach(() => vi.restoreAllMocks())

  it('loads the module at the first call, not before, and asks Node once', async () => {
    const ask = vi.spyOn(process, 'getBuiltinModule')
    const os = lazyBuiltin<typeof import('node:os')>('node:os')
    expect(ask).not.toHaveBeenCalled()
    const first = os()
    expect(first).toBe(await import('node:os').then((m) => m.default))
    expect(os()).toBe(first)
    expect(os().EOL).toBe('\n')
    expect(ask).toHaveBeenCalledTimes(1)
  })
})
