import { freePort } from '@venomqa/test-utils'
import { type Issue, PluginError, TransportError, definePlugin, journey, step } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { judge } from '../src/execution/outcome'
import { RunnerHttpClient } from '../src/http-client'
import { createRunner } from '../src/index'

// A step's error says why it failed: the causes and inner errors of what it threw, not only the outer
// message (`fetch failed` alone says nothing about a port nobody listens on).
const failed = (error: unknown, debug?: boolean) => {
  const outcome = judge({ options: {} }, { threw: true, error }, new AbortController().signal, debug)
  if (outcome.passed) throw new Error('expected a failed outcome')
  return outcome
}

describe("a step's error and its causes", () => {
  it('appends the cause of an error to its message', () => {
    expect(failed(new Error('outer', { cause: new Error('root cause here') })).message).toBe('outer (cause: root cause here)')
  })

  it('says why fetch failed: the connection it could not make', async () => {
    const port = await freePort()
    const thrown = await fetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e)
    expect(failed(thrown).message).toBe(`fetch failed (cause: connect ECONNREFUSED 127.0.0.1:${port})`)
  })

  it('follows a chain of causes, each inside the one it caused', () => {
    const root = new Error('password authentication failed')
    const mid = new Error('cannot connect', { cause: root })
    expect(failed(new Error('query failed', { cause: mid })).message).toBe('query failed (cause: cannot connect (cause: password authentication failed))')
  })

  it("lists an AggregateError's inner errors, and stands for an aggregate without a message by them", () => {
    expect(failed(new AggregateError([new Error('first broke'), new Error('second broke')], 'several')).message).toBe('several (errors: first broke; second broke)')
    // What Node's net throws for a host of several addresses, under the TypeError of fetch.
    const connect = Object.assign(new AggregateError([new Error('connect ECONNREFUSED ::1:9'), new Error('connect ECONNREFUSED 127.0.0.1:9')]), { code: 'ECONNREFUSED' })
    expect(failed(new TypeError('fetch failed', { cause: connect })).message).toBe('fetch failed (cause: connect ECONNREFUSED ::1:9; connect ECONNREFUSED 127.0.0.1:9)')
  })

  it('lists a bounded number of inner errors, saying how many more there were', () => {
    const many = new AggregateError(Array.from({ length: 9 }, (_, i) => new Error(`e${i}`)), 'many')
    expect(failed(many).message).toBe('many (errors: e0; e1; e2; e3; e4; and 4 more)')
  })

  it('stops at a cause cycle and at a bounded depth', () => {
    const a = new Error('a')
    const b = new Error('b', { cause: a })
    ;(a as { cause?: unknown }).cause = b
    expect(failed(a).message).toBe('a (cause: b)')
    let deep: Error = new Error('level 0')
    for (let i = 1; i < 30; i++) deep = new Error(`level ${i}`, { cause: deep })
    const message = failed(deep).message
    expect(message.startsWith('level 29 (cause: level 28 (cause: level 27')).toBe(true)
    expect(message).not.toContain('level 0')
    expect(message).toContain('(cause: ...)')
  })

  it('leaves out a cause whose message the outer message already says, but goes on to its own cause', () => {
    const root = new Error('socket hang up')
    expect(failed(new Error('query failed: socket hang up', { cause: root })).message).toBe('query failed: socket hang up')
    const driver = new Error('connection terminated', { cause: new Error('read ECONNRESET') })
    expect(failed(new Error('insert failed: connection terminated', { cause: driver })).message).toBe('insert failed: connection terminated (cause: read ECONNRESET)')
  })

  it('shows a cause that is no Error: a string as it is, an object as JSON', () => {
    expect(failed(new Error('outer', { cause: 'disk full' })).message).toBe('outer (cause: disk full)')
    expect(failed(new Error('outer', { cause: { code: 'E1', detail: 'x' } })).message).toBe('outer (cause: {"code":"E1","detail":"x"})')
    expect(failed(new Error('outer', { cause: 42 })).message).toBe('outer (cause: 42)')
    expect(failed(new Error('outer', { cause: undefined })).message).toBe('outer')
    const huge = failed(new Error('outer', { cause: { blob: 'x'.repeat(5000) } })).message
    expect(huge.length).toBeLessThan(600)
  })

  it('masks a secret in a cause as in the message itself', () => {
    const cause = new Error('connect to postgres://app:s3cretpw@db.internal:5432/app failed')
    const outcome = failed(new Error('query failed', { cause }), true)
    expect(outcome.message).toBe('query failed (cause: connect to postgres://app:***@db.internal:5432/app failed)')
    expect(outcome.message).not.toContain('s3cretpw')
    expect(outcome.stack).not.toContain('s3cretpw')
    // A long cause is cut after it is masked: cut first, the `@` past the cut would leave the password bare.
    const long = failed(new Error('query failed', { cause: new Error(`${'x'.repeat(280)} postgres://app:s3cretpw@db.internal:5432/app`) })).message
    expect(long).not.toContain('s3cretpw')
    expect(long.endsWith('...)')).toBe(true)
  })

  it("does not double the runner's own HTTP client errors, whose message already says what the cause said", async () => {
    const port = await freePort()
    const err = await new RunnerHttpClient({ baseUrl: `http://127.0.0.1:${port}`, retry: false }).get('/x').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TransportError)
    expect(failed(err).message).toBe((err as Error).message)
    expect(failed(err).message).not.toContain('fetch failed')
  })

  it('under --debug, keeps the stacks of the causes and of the inner errors after the stack of the error', () => {
    const outer = new Error('outer', { cause: new AggregateError([new Error('inner one'), 'inner two'], 'agg', { cause: new Error('root cause here') }) })
    const stack = failed(outer, true).stack!
    expect(stack.startsWith('Error: outer\n    at ')).toBe(true)
    expect(stack).toMatch(/\nCaused by: AggregateError: agg\n {4}at /)
    expect(stack).toMatch(/\nInner error: Error: inner one\n {4}at /)
    expect(stack).toMatch(/\nCaused by: Error: root cause here\n {4}at /)
    expect(stack).toContain('\nInner error: inner two')
    expect(failed(outer).stack).toBeUndefined()
  })
})

describe('hooks and plugin setup say the causes too', () => {
  it("a hook's error", async () => {
    const runner = createRunner({
      plugins: [definePlugin({ name: 'breaks', version: '1.0.0', apiVersion: 1, hooks: { stepEnd: () => { throw new Error('stepEnd broke', { cause: new Error('the store is gone') }) } } })],
    })
    const result = await runner.run(journey('quiet', { steps: [step('noop', () => undefined)] }))
    await runner.close()
    const issue: Issue = result.journeys[0]!.issues[0]!
    expect(issue.error).toBe('plugin:breaks threw in its "stepEnd" hook: stepEnd broke (cause: the store is gone)')
  })

  it("a plugin's setup error, masked", async () => {
    const cause = new Error('connect to redis://u:hunter2secret@cache:6379 refused')
    const runner = createRunner({ plugins: [definePlugin({ name: 'needs-cache', version: '1.0.0', apiVersion: 1, setup: () => { throw new Error('no cache', { cause }) } })] })
    const err = await runner.init().catch((e: unknown) => e)
    await runner.close()
    expect(err).toBeInstanceOf(PluginError)
    expect((err as Error).message).toBe('plugin "needs-cache" failed in setup: no cache (cause: connect to redis://u:***@cache:6379 refused) (run with --debug for where in the plugin it was thrown)')
    expect((err as Error).message).not.toContain('hunter2secret')
  })

  it("a plugin's setup error is placed at its entry, and says where to see where it was thrown; with debug on, its stack is the place", async () => {
    const throws = definePlugin({ name: 'thrower', version: '1.0.0', apiVersion: 1, setup: () => (undefined as unknown as { connect(): void }).connect() })
    const runner = createRunner({ plugins: [throws] })
    const err = (await runner.init().catch((e: unknown) => e)) as PluginError
    await runner.close()
    // It was named by the plugin alone: `at thrower`, where no entry of the config is called so.
    expect(err).toMatchObject({ where: 'plugins[0]', message: expect.stringMatching(/^plugin "thrower" failed in setup: Cannot read properties of undefined .* \(run with --debug for where in the plugin it was thrown\)$/) })
    const debugging = createRunner({ plugins: [throws], debug: true })
    const withDebug = (await debugging.init().catch((e: unknown) => e)) as PluginError
    await debugging.close()
    expect(withDebug.message).not.toContain('--debug')
    expect(String((withDebug.cause as Error).stack)).toContain('error-causes.test.ts')
  })
})
