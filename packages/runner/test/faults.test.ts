import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { REPO_ROOT } from '@venomqa/test-utils'
import { describe, expect, it } from 'vitest'

// The fault monitor listens to process events (uncaughtException, unhandledRejection, beforeExit), which
// the test runner's own worker also listens to: each case runs in a Node process of its own, against the
// built runner, and prints what it saw as JSON.
const RUNNER = pathToFileURL(path.join(REPO_ROOT, 'packages/runner/dist/index.js')).href

function inChild(body: string): { out: any; status: number | null; stderr: string } {
  const script = `import { faults, StallError, StrayError } from '${RUNNER}'
const seen = []
const owner = { unattributed: (e, origin) => seen.push({ unattributed: String(e?.message ?? e), origin }), stalled: () => seen.push({ stalled: true }) }
// Guards that run at once (parallel paths) follow their async context; one at a time, the newest open guard is the running one.
const concurrentOwner = { ...owner, concurrent: true }
const describe = (err) => ({ name: err?.constructor?.name, message: err?.message })
// Not a top-level await: Node ends a module whose top-level await never settles with exit code 13
// before 'beforeExit', and the CLI (like most programs) runs from a plain async function.
void (async () => {
${body}
})()
`
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 })
  const line = res.stdout.trim().split('\n').pop() ?? ''
  let out: unknown
  try {
    out = JSON.parse(line)
  } catch {
    throw new Error(`child printed no JSON (status ${res.status}):\n${res.stdout}\n${res.stderr}`)
  }
  return { out, status: res.status, stderr: res.stderr }
}

describe('fault monitor', () => {
  it('with guards running at once, gives a timer throw to the guard whose code started it, even while a newer guard runs', () => {
    const { out } = inChild(`
const disarm = faults.arm(concurrentOwner)
const first = faults.guard('step "first"', () => { setTimeout(() => { throw new Error('from first') }, 20); return new Promise((r) => setTimeout(r, 200)) })
const second = faults.guard('step "second"', () => new Promise((r) => setTimeout(() => r('second done'), 100)))
const results = await Promise.allSettled([first, second])
disarm()
console.log(JSON.stringify({ results: results.map((r) => r.status === 'fulfilled' ? r.value : describe(r.reason)), seen }))
`)
    expect(out.results).toEqual([
      { name: 'StrayError', message: 'step "first": from first (thrown outside the awaited chain, e.g. in a timer callback)' },
      'second done',
    ])
    expect(out.seen).toEqual([])
  })

  it('with guards running at once, gives a rejection nobody awaited to the guard that made it, and one from a guard that already ended to its onLate', () => {
    const { out } = inChild(`
const disarm = faults.arm(concurrentOwner)
const late = []
const early = await faults.guard('step "a"', async () => { Promise.reject(new Error('unawaited')); await new Promise((r) => setTimeout(r, 50)) }).catch(describe)
await faults.guard('step "b"', () => { setTimeout(() => Promise.reject(new Error('after b ended')), 10) }, { onLate: (e, origin) => late.push({ message: e.message, origin }) })
await new Promise((r) => setTimeout(r, 100))
disarm()
console.log(JSON.stringify({ early, late, seen }))
`)
    expect(out.early).toEqual({ name: 'StrayError', message: 'step "a": unawaited (a promise rejected that nothing awaited)' })
    expect(out.late).toEqual([{ message: 'after b ended', origin: 'unhandledRejection' }])
    expect(out.seen).toEqual([])
  })

  it('one guard at a time: a stray error goes to the guard running now, with no async context followed', () => {
    const { out } = inChild(`
const disarm = faults.arm(owner)
const first = await faults.guard('step "first"', () => { setTimeout(() => { throw new Error('from first, late') }, 30) })
const second = await faults.guard('step "second"', () => new Promise((r) => setTimeout(r, 200))).catch(describe)
disarm()
console.log(JSON.stringify({ first: first ?? null, second, seen }))
`)
    expect(out).toEqual({ first: null, second: { name: 'StrayError', message: 'step "second": from first, late (thrown outside the awaited chain, e.g. in a timer callback)' }, seen: [] })
  })

  it("one guard at a time: state work takes no stray error, which is a late one of the step that ran before it; the state work runs to its end", () => {
    const { out } = inChild(`
const disarm = faults.arm(owner)
const late = []
const order = []
// A step with a forgotten await: it returns at once, and its rejection is unhandled a moment later.
await faults.guard('step "forgot_await"', () => { Promise.reject(new Error('forgotten await')) }, { onLate: (e, origin) => late.push({ message: e.message, origin }) })
const rollback = await faults.guard('rollback to checkpoint "cp"', async () => {
  order.push('rollback started')
  await new Promise((r) => setTimeout(r, 50))
  order.push('rollback done')
  return 'rolled back'
}, { passStrays: true }).catch(describe)
order.push('release')
// With a guard that takes strays open beside it, that one takes the next.
const step = faults.guard('step "next"', () => new Promise((r) => setTimeout(r, 100)))
const state = faults.guard('checkpoint "cp2"', () => new Promise((r) => setTimeout(() => r('saved'), 100)), { passStrays: true })
setTimeout(() => { throw new Error('in a timer') }, 10)
const both = await Promise.allSettled([step, state])
disarm()
console.log(JSON.stringify({ rollback, order, late, both: both.map((r) => r.status === 'fulfilled' ? r.value : describe(r.reason)), seen }))
`)
    expect(out.rollback).toBe('rolled back')
    expect(out.order).toEqual(['rollback started', 'rollback done', 'release'])
    expect(out.late).toEqual([{ message: 'forgotten await', origin: 'unhandledRejection' }])
    expect(out.both).toEqual([{ name: 'StrayError', message: 'step "next": in a timer (thrown outside the awaited chain, e.g. in a timer callback)' }, 'saved'])
    expect(out.seen).toEqual([])
  })

  it('an error outside every guard goes to the owner', () => {
    const { out } = inChild(`
const disarm = faults.arm(owner)
setTimeout(() => { throw new Error('nobody runs') }, 5)
await new Promise((r) => setTimeout(r, 50))
disarm()
console.log(JSON.stringify({ seen }))
`)
    expect(out.seen).toEqual([{ unattributed: 'nobody runs', origin: 'uncaughtException' }])
  })

  it('when nothing is left to settle a guard, the newest open one fails with a StallError instead of the process exiting 0', () => {
    const { out, status } = inChild(`
const disarm = faults.arm(owner)
const outer = faults.guard('plugin "p" setup', () => new Promise(() => {}), { timeoutMs: 60_000 })
const inner = faults.guard('step "hangs"', () => new Promise(() => {}))
const order = []
inner.catch((e) => order.push(describe(e)))
await outer.catch((e) => order.push(describe(e)))
disarm()
console.log(JSON.stringify({ order, seen }))
`)
    expect(status).toBe(0)
    expect(out.order.map((e: { message: string }) => e.message)).toEqual([
      expect.stringMatching(/^step "hangs" never settled/),
      expect.stringMatching(/^plugin "p" setup never settled/),
    ])
    expect(out.order[0].name).toBe('StallError')
  })

  it('a timeout names the guard, and disarming removes every listener', () => {
    const { out } = inChild(`
const before = ['uncaughtException', 'unhandledRejection', 'beforeExit'].map((e) => process.listenerCount(e))
const disarm = faults.arm(owner)
const during = ['uncaughtException', 'unhandledRejection', 'beforeExit'].map((e) => process.listenerCount(e))
const err = await faults.guard('plugin "slow" "stepEnd" hook', () => new Promise((r) => setTimeout(r, 5_000)), { timeoutMs: 50 }).catch(describe)
disarm()
const after = ['uncaughtException', 'unhandledRejection', 'beforeExit'].map((e) => process.listenerCount(e))
console.log(JSON.stringify({ err, before, during, after }))
process.exit(0)
`)
    expect(out.err).toEqual({ name: 'TimeoutError', message: 'plugin "slow" "stepEnd" hook timed out after 50 ms' })
    expect(out.during).toEqual(out.before.map((n: number) => n + 1))
    expect(out.after).toEqual(out.before)
  })

  it('guardMaybeSync: a synchronous call returns or throws at once, with no promise; a promise is guarded with its timeout', () => {
    const { out } = inChild(`
const disarm = faults.arm(concurrentOwner)
const value = faults.guardMaybeSync('reporter "stepEnd" hook', () => 42, { timeoutMs: 50 })
let thrown
try {
  faults.guardMaybeSync('reporter "stepEnd" hook', () => { throw new Error('sync boom') }, { timeoutMs: 50 })
} catch (err) {
  thrown = describe(err)
}
const pending = faults.guardMaybeSync('plugin "slow" "stepEnd" hook', () => new Promise((r) => setTimeout(r, 5_000)), { timeoutMs: 50 })
const isPromise = pending instanceof Promise
const err = await pending.catch(describe)
const resolved = await faults.guardMaybeSync('plugin "quick" hook', () => Promise.resolve('done'), { timeoutMs: 1_000 })
disarm()
console.log(JSON.stringify({ value, thrown, isPromise, err, resolved }))
process.exit(0)
`)
    expect(out).toEqual({
      value: 42,
      thrown: { name: 'Error', message: 'sync boom' },
      isPromise: true,
      err: { name: 'TimeoutError', message: 'plugin "slow" "stepEnd" hook timed out after 50 ms' },
      resolved: 'done',
    })
  })

  it('with guards running at once, a fault from what a finished synchronous call started is a late one, never lost', () => {
    const { out } = inChild(`
const disarm = faults.arm(concurrentOwner)
const late = []
const step = faults.guard('step "open"', () => new Promise((r) => setTimeout(r, 300)))
// A reporter's hook that returned at once, having started a timer that throws: the step still open takes it.
faults.guardMaybeSync('reporter "stepEnd" hook', () => { setTimeout(() => { throw new Error('from a hook timer') }, 20) })
const stepOutcome = await step.then(() => 'passed', describe)
// A step that threw at once, having started a timer that throws: its onLate hears of it.
const threw = await faults.guard('step "throws"', () => { setTimeout(() => { throw new Error('from a timer') }, 20); throw new Error('at once') }, { onLate: (e) => late.push(String(e?.message ?? e)) }).catch(describe)
await new Promise((r) => setTimeout(r, 100))
disarm()
console.log(JSON.stringify({ stepOutcome, threw, late, seen }))
process.exit(0)
`)
    expect(out.stepOutcome.name).toBe('StrayError')
    expect(out.stepOutcome.message).toContain('step "open": from a hook timer')
    expect(out.threw).toEqual({ name: 'Error', message: 'at once' })
    expect(out.late).toEqual(['from a timer'])
    expect(out.seen).toEqual([])
  })
})

describe('strayErrorIssue', () => {
  it('says what strayed, how and when, as a critical issue of the run, with the suggestion given', async () => {
    const { strayErrorIssue } = await import('../src/faults')
    expect(strayErrorIssue(new Error('boom'), 'uncaughtException', 'after the journeys ran', 'Await it.')).toMatchObject({
      step: 'run',
      severity: 'critical',
      kind: 'stray-error',
      source: 'runner',
      error: 'an error was thrown after the journeys ran: boom',
      suggestion: 'Await it.',
    })
    const rejected = strayErrorIssue('nope', 'unhandledRejection', 'outside any step')
    expect(rejected.error).toBe('a promise rejected outside any step: nope')
  })
})
