/** zod is loaded when the runner's own option schemas are first used, not when the runner is imported. */
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { inspect } from 'node:util'
import { z } from 'zod'
import { describe, expect, it } from 'vitest'
import { lazySchema } from '../src/lazy-zod'
import { httpControlOptions, httpControlState } from '../src/state/http-control'
import { memoryPorts, memoryPortsOptions } from '../src/adapters/memory-ports'

/** The message `fn` throws. */
function errorOf(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    return (err as Error).message
  }
  throw new Error('it did not throw')
}

describe('lazySchema', () => {
  it('builds the schema once, on first use, with the same zod the code imports', () => {
    let builds = 0
    const schema = lazySchema((zod) => {
      builds++
      return zod.strictObject({ port: zod.number().int() })
    })
    expect(builds).toBe(0)
    expect(schema.parse({ port: 3 })).toEqual({ port: 3 })
    expect(schema.safeParse({ port: 'x' }).success).toBe(false)
    expect(builds).toBe(1)
    expect(schema).toBeInstanceOf(z.ZodObject)
    expect(Object.keys(schema.shape)).toEqual(['port'])
    expect('~standard' in schema).toBe(true)
    expect(schema['~standard'].validate({ port: 1.5 })).toMatchObject({ issues: [expect.objectContaining({ path: ['port'] })] })
    expect(builds).toBe(1)
  })

  it('takes writes as the schema would, and prints as the schema', () => {
    const schema = lazySchema((zod) => zod.strictObject({ port: zod.number() }))
    const calls: unknown[] = []
    const original = schema.safeParse
    schema.safeParse = ((input: unknown) => {
      calls.push(input)
      return original(input)
    }) as typeof schema.safeParse
    expect(schema.safeParse({ port: 1 }).success).toBe(true)
    expect(calls).toEqual([{ port: 1 }])
    Object.defineProperty(schema, 'note', { value: 'fixed' })
    expect((schema as unknown as { note: string }).note).toBe('fixed')
    expect(Reflect.ownKeys(schema)).toContain('note')
    expect(Object.getOwnPropertyDescriptor(schema, 'note')).toEqual({ value: 'fixed', writable: false, enumerable: false, configurable: false })
    expect(delete (schema as { safeParse?: unknown }).safeParse).toBe(true)
    expect(inspect(schema, { depth: 0 })).toBe(inspect(z.strictObject({ port: z.number() }), { depth: 0 }))
  })

  it('freezes as the schema would: refusing writes, printing as the schema', () => {
    const schema = lazySchema((zod) => zod.strictObject({ port: zod.number() }))
    // zod binds a method to its schema on first use: a schema frozen before that cannot bind it, with or
    // without the proxy, so this one is used first, as a plain zod schema would have to be.
    expect(schema.parse({ port: 1 })).toEqual({ port: 1 })
    expect(Object.freeze(schema)).toBe(schema)
    expect(Object.isFrozen(schema)).toBe(true)
    expect(schema.parse({ port: 2 })).toEqual({ port: 2 })
    expect(schema).toBeInstanceOf(z.ZodObject)
    // A module is strict code: a write a frozen object refuses throws.
    expect(() => {
      schema.safeParse = (() => ({ success: true })) as unknown as typeof schema.safeParse
    }).toThrow(TypeError)
    const plainUsed = z.strictObject({ port: z.number() })
    plainUsed.parse({ port: 1 })
    expect(Reflect.ownKeys(schema)).toEqual(Reflect.ownKeys(plainUsed))
    expect(inspect(schema, { depth: 0 })).toBe(inspect(plainUsed, { depth: 0 }))

    const unused = lazySchema((zod) => zod.string())
    const plain = z.string()
    for (const s of [unused, plain]) Object.freeze(s)
    expect(() => unused.parse('x')).toThrow(errorOf(() => plain.parse('x')))
  })

  it('after seal or preventExtensions, takes writes and deletes as the schema would, and reports them', () => {
    const make = (zod: typeof z) => {
      const schema = zod.strictObject({ port: zod.number() })
      schema.parse({ port: 1 })
      Object.defineProperty(schema, 'note', { value: 'a', writable: true, enumerable: true, configurable: true })
      return schema
    }
    const sealed = lazySchema(make) as ReturnType<typeof make> & { note: string }
    const plainSealed = make(z) as ReturnType<typeof make> & { note: string }
    for (const s of [sealed, plainSealed]) {
      Object.seal(s)
      s.note = 'b'
      expect(Reflect.deleteProperty(s, 'note')).toBe(false)
    }
    expect(Object.isSealed(sealed)).toBe(true)
    expect(Object.getOwnPropertyDescriptor(sealed, 'note')).toEqual(Object.getOwnPropertyDescriptor(plainSealed, 'note'))
    expect(inspect(sealed, { depth: 0 })).toBe(inspect(plainSealed, { depth: 0 }))

    const closed = lazySchema(make) as ReturnType<typeof make> & { note?: string }
    const plainClosed = make(z) as ReturnType<typeof make> & { note?: string }
    for (const s of [closed, plainClosed]) {
      Object.preventExtensions(s)
      expect(delete s.note).toBe(true)
      expect(Reflect.defineProperty(s, 'added', { value: 1 })).toBe(false)
    }
    expect(Reflect.ownKeys(closed)).toEqual(Reflect.ownKeys(plainClosed))
    expect(closed.parse({ port: 3 })).toEqual({ port: 3 })
    expect(inspect(closed, { depth: 0 })).toBe(inspect(plainClosed, { depth: 0 }))
  })

  it("is the runner's plugin option schemas, with their messages", () => {
    expect(memoryPortsOptions).toBeInstanceOf(z.ZodObject)
    expect(httpControlOptions.safeParse({ url: 'ftp://x' }).error?.issues[0]?.message).toBe('expected an http:// or https:// URL')
    expect(() => memoryPorts({ ports: ['nope' as 'cache'] })).toThrow('memoryPorts().ports[0]: expected one of cache, mail, queue, storage, time, concurrency, got "nope"')
    expect(() => httpControlState({ url: 'http://127.0.0.1:1', timeoutMs: -1 })).toThrow('httpControlState().timeoutMs: expected a positive number of milliseconds, got -1')
  })
})

describe('the built runner', () => {
  // A child process, so that nothing this test file loaded counts. zod marks globalThis when its core loads.
  const dist = pathToFileURL(path.join(import.meta.dirname, '../dist/index.js')).href
  const run = (script: string) => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const runner = await import(${JSON.stringify(dist)});\n${script}`], {
      encoding: 'utf8',
      cwd: import.meta.dirname,
    })
    expect(r.stderr).toBe('')
    return JSON.parse(r.stdout)
  }

  it('does not load zod when imported and run without the memory or http-control options', () => {
    expect(run(`const r = runner.createRunner({}); await r.close(); console.log(JSON.stringify('__zod_globalConfig' in globalThis))`)).toBe(false)
  })

  it('loads the zod that import gives, once memoryPorts() checks its options', () => {
    const script = `runner.memoryPorts({ ports: ['cache'] }); const loaded = '__zod_globalConfig' in globalThis; const { z } = await import('zod');
      console.log(JSON.stringify({ loaded, same: Object.getPrototypeOf(runner.memoryPortsOptions) === Object.getPrototypeOf(z.strictObject({})) }))`
    expect(run(script)).toEqual({ loaded: true, same: true })
  })
})
