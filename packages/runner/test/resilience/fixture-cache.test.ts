import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { UserError } from '@venomqa/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ControllableClock } from '../../src/adapters/controllable-clock'
import { FixtureCache } from '../../src/fixture-cache'

let dir: string
let warnings: string[]
const make = (extra: ConstructorParameters<typeof FixtureCache>[0] = {}) => new FixtureCache({ dir, warn: (m) => warnings.push(m), ...extra })

beforeEach(async () => {
  dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'venomqa-fc-test-')), 'cache')
  warnings = []
})
afterEach(async () => {
  await rm(path.dirname(dir), { recursive: true, force: true })
})

describe('FixtureCache', () => {
  it('runs an expensive setup once; a later run (new instance, same dir) reads it from disk', async () => {
    let runs = 0
    const seedUsers = async (count: number) => {
      runs++
      return Array.from({ length: count }, (_, i) => ({ id: i + 1, email: `user${i + 1}@example.com` }))
    }
    const first = await make().cached('seed-users', { count: 3 }, () => seedUsers(3))
    const second = await make().cached('seed-users', { count: 3 }, () => seedUsers(3))
    expect(runs).toBe(1)
    expect(second).toEqual(first)
    expect(second).toHaveLength(3)
    const files = await readdir(dir)
    expect(files).toHaveLength(1)
    expect(files[0]).toMatch(/^seed-users-[0-9a-f]{64}\.json$/)
    expect(JSON.parse(await readFile(path.join(dir, files[0]), 'utf8'))).toMatchObject({ name: 'seed-users', expiresAt: null, value: first })
  })

  it('keys on name and inputs: key order does not matter, any value change does', () => {
    const cache = make()
    const k = cache.key('setup', { a: 1, b: { c: [1, 2], d: 'x' } })
    expect(cache.key('setup', { b: { d: 'x', c: [1, 2] }, a: 1 })).toBe(k)
    expect(cache.key('setup', { a: 1, b: { c: [2, 1], d: 'x' } })).not.toBe(k)
    expect(cache.key('other', { a: 1, b: { c: [1, 2], d: 'x' } })).not.toBe(k)
    expect(cache.key('setup', { a: '1', b: { c: [1, 2], d: 'x' } })).not.toBe(k)
    expect(k).toMatch(/^[0-9a-f]{64}$/)
  })

  it('an entry past its ttl is a miss and the setup runs again', async () => {
    const clock = new ControllableClock({ frozen: true })
    const cache = make({ clock, ttl: { hours: 1 } })
    let runs = 0
    const setup = () => ++runs
    expect(await cache.cached('token', {}, setup)).toBe(1)
    clock.advance({ minutes: 59 })
    expect(await cache.cached('token', {}, setup)).toBe(1)
    clock.advance({ minutes: 1 })
    expect(await cache.cached('token', {}, setup)).toBe(2)
    // A per-call ttl overrides the default.
    await cache.set('short', {}, 'v', { ttl: 1000 })
    clock.advance(1000)
    expect(await cache.get('short', {})).toBeUndefined()
  })

  it('a corrupt file is a miss with a warning, not a crash, and is rewritten', async () => {
    const cache = make()
    await cache.set('setup', { n: 1 }, { ok: true })
    const [file] = await readdir(dir)
    await writeFile(path.join(dir, file), '{"format":"venomqa-fixture/1", "value": tru')
    let runs = 0
    expect(await cache.cached('setup', { n: 1 }, () => ({ ok: ++runs }))).toEqual({ ok: 1 })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/is corrupt .*treating it as a miss for "setup"/)
    expect(await make().get('setup', { n: 1 })).toEqual({ ok: 1 })

    await writeFile(path.join(dir, file), JSON.stringify({ something: 'else' }))
    expect(await cache.get('setup', { n: 1 })).toBeUndefined()
    expect(warnings[1]).toMatch(/not a fixture cache entry/)
  })

  it('a miss returns the same JSON form as a hit (Dates come back as strings both times)', async () => {
    const cache = make()
    const miss = await cache.cached('dated', {}, () => ({ at: new Date('2024-01-01T00:00:00Z') }))
    const hit = await cache.cached('dated', {}, () => ({ at: new Date() }))
    expect(miss).toEqual({ at: '2024-01-01T00:00:00.000Z' })
    expect(hit).toEqual(miss)
  })

  it('a failing setup caches nothing and the next call runs it again', async () => {
    const cache = make()
    await expect(cache.cached('boom', {}, () => Promise.reject(new Error('db down')))).rejects.toThrow('db down')
    expect(await cache.has('boom', {})).toBe(false)
    expect(await cache.cached('boom', {}, () => 'ok')).toBe('ok')
  })

  it('concurrent callers of one key share a single run of the setup', async () => {
    const cache = make()
    let runs = 0
    const slow = async () => {
      runs++
      await new Promise((r) => setTimeout(r, 20))
      return { runs }
    }
    const results = await Promise.all([1, 2, 3, 4].map(() => cache.cached('slow', { x: 1 }, slow)))
    expect(runs).toBe(1)
    expect(results.every((r) => r.runs === 1)).toBe(true)
  })

  it.each([
    ['a Map', { when: new Map([['a', 1]]) }, 'inputs.when is a Map'],
    ['a function', { fn: () => 1 }, 'inputs.fn is a function'],
    ['NaN', { list: [1, Number.NaN] }, 'inputs.list[1] is NaN'],
    ['a BigInt', { big: 10n }, 'inputs.big is a bigint'],
  ])('refuses inputs that are not plain JSON (%s) with a clear error', async (_label, inputs, message) => {
    const cache = make()
    await expect(cache.cached('bad', inputs, () => 1)).rejects.toThrow(UserError)
    await expect(cache.cached('bad', inputs, () => 1)).rejects.toThrow(`fixture "bad": ${message}; inputs must be plain JSON values`)
  })

  it('refuses a circular input, an undefined result and an empty name', async () => {
    const cache = make()
    const loop: Record<string, unknown> = {}
    loop.me = loop
    await expect(cache.cached('loop', loop, () => 1)).rejects.toThrow(/inputs.me is a circular reference/)
    await expect(cache.cached('nothing', {}, () => undefined)).rejects.toThrow(/returned undefined, which cannot be cached/)
    expect(() => cache.key('  ', {})).toThrow(/non-empty name/)
  })

  it('clear(name) removes only that setup, clear() everything; no temp files are left', async () => {
    const cache = make()
    await cache.set('a', { i: 1 }, 1)
    await cache.set('a', { i: 2 }, 2)
    await cache.set('b', {}, 3)
    expect(await cache.clear('a')).toBe(2)
    expect(await cache.get('b', {})).toBe(3)
    expect((await readdir(dir)).every((f) => f.startsWith('b-') && f.endsWith('.json'))).toBe(true)
    expect(await cache.clear()).toBe(1)
    expect(await readdir(dir)).toEqual([])
    expect(await cache.delete('b', {})).toBe(false)
  })

  it('defaults to .venomqa-cache in the current directory', () => {
    expect(new FixtureCache().dir).toBe(path.resolve(process.cwd(), '.venomqa-cache'))
  })
})
