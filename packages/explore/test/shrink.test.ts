/**
 * The shrinker and the confirmation. The sequence runner here is the unit's input, not a mock of a
 * service: its verdict is a pure predicate over the sequence (and `when` a pure predicate over what ran
 * before), so the minimal sequence is known in advance and every claim below can be checked exactly.
 */
import { type ExploreAction, type Rng, type TakenAction, action } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import type { SequenceRun, SequenceRunner } from '../src/contracts'
import { compareComplexity, complexityOf, confirmSequence, shrinkSequence, simplerInputs } from '../src/shrink'
import { shrink } from '../src/shrink/shrink'

const t = (action: string, input?: unknown): TakenAction => ({ action, input })

interface PredicateRunner extends SequenceRunner {
  calls: TakenAction[][]
}

/** Replays by evaluating `broken` over the steps that ran; a step runs when `enabled` says so. */
function predicateRunner(broken: (ran: TakenAction[]) => boolean, enabled: (ranBefore: TakenAction[], next: TakenAction) => boolean = () => true): PredicateRunner {
  const calls: TakenAction[][] = []
  return {
    calls,
    async run(sequence): Promise<SequenceRun> {
      calls.push(sequence.map((s) => ({ ...s })))
      const ran: TakenAction[] = []
      const steps = sequence.map((s) => {
        const on = enabled(ran, s)
        if (on) ran.push(s)
        return { ...s, exchanges: [], ctxBefore: {}, ctxAfter: {}, enabled: on }
      })
      return { steps, probes: [], violation: broken(ran) ? 'broken' : undefined }
    },
  }
}

/** `wanted` appears in `seq` in order (other steps may sit between). */
function containsInOrder(seq: readonly TakenAction[], wanted: readonly string[]): boolean {
  let i = 0
  for (const s of seq) if (s.action === wanted[i]) i++
  return i === wanted.length
}

const rng: Rng = { int: (min) => min, float: () => 0, bool: () => false, pick: (items) => items[0]! }
const noActions = new Map<string, ExploreAction<any>>()
const roomy = { attempts: 10_000, timeMs: 60_000 }

describe('shrinkSequence', () => {
  it('reaches the known minimum by delta debugging, 1-minimal: removing any single step passes', async () => {
    const minimum = ['order', 'pay', 'refund', 'refund']
    const broken = (ran: TakenAction[]) => containsInOrder(ran, minimum)
    const noisy = ['browse', 'order', 'browse', 'search', 'pay', 'browse', 'refund', 'search', 'browse', 'refund', 'logout', 'browse'].map((a) => t(a))
    expect(broken(noisy)).toBe(true)
    const runner = predicateRunner(broken)
    const { sequence, attempts } = await shrinkSequence({ sequence: noisy, invariant: 'no_5xx', actions: noActions, runner, rng, limits: roomy })
    expect(sequence.map((s) => s.action)).toEqual(minimum)
    for (let i = 0; i < sequence.length; i++) expect(broken(sequence.filter((_, j) => j !== i))).toBe(false)
    expect(attempts).toBe(runner.calls.length)
  })

  it('finds a minimum whose steps are far apart, and keeps a sequence that is minimal already', async () => {
    const broken = (ran: TakenAction[]) => ran.filter((s) => s.action === 'a').length >= 3 && ran.some((s) => s.action === 'b')
    const long = [t('a'), ...Array.from({ length: 20 }, () => t('x')), t('a'), t('x'), t('a'), ...Array.from({ length: 9 }, () => t('x')), t('b')]
    const shrunk = await shrinkSequence({ sequence: long, invariant: 'no_5xx', actions: noActions, runner: predicateRunner(broken), rng, limits: roomy })
    expect(shrunk.sequence.map((s) => s.action)).toEqual(['a', 'a', 'a', 'b'])
    const again = await shrinkSequence({ sequence: shrunk.sequence, invariant: 'no_5xx', actions: noActions, runner: predicateRunner(broken), rng, limits: roomy })
    expect(again.sequence).toEqual(shrunk.sequence)
  })

  it('first drops the edges whose `when` was false when replayed', async () => {
    // A refund may run only after an order; the bug needs an order and two refunds.
    const enabled = (before: TakenAction[], next: TakenAction) => next.action !== 'refund' || before.some((s) => s.action === 'order')
    const broken = (ran: TakenAction[]) => containsInOrder(ran, ['order', 'refund', 'refund'])
    const runner = predicateRunner(broken, enabled)
    const found = [t('refund'), t('refund'), t('order'), t('refund'), t('refund')]
    const { sequence } = await shrinkSequence({ sequence: found, invariant: 'no_5xx', actions: noActions, runner, rng, limits: roomy })
    // The first replay is the sequence as found; the second, that sequence without its two disabled edges.
    expect(runner.calls[0]).toEqual(found)
    expect(runner.calls[1]).toEqual([t('order'), t('refund'), t('refund')])
    expect(sequence).toEqual([t('order'), t('refund'), t('refund')])
  })

  it("simplifies inputs to the simplest the action offers that still breaks the invariant", async () => {
    const order = action('order', () => undefined, { inputs: () => [{ qty: 1 }, { qty: 10 }, { qty: 5, note: 'rush' }, { qty: 5 }, { qty: 7 }] })
    const rename = action('rename', () => undefined, { inputs: () => ['x', 'a much longer title', 'ab'] })
    const actions = new Map<string, ExploreAction<any>>([
      ['order', order],
      ['rename', rename],
    ])
    // Broken by an order of 5 or more followed by a rename to a title of 2 characters or more.
    const broken = (ran: TakenAction[]) => {
      const i = ran.findIndex((s) => s.action === 'order' && (s.input as { qty: number }).qty >= 5)
      return i >= 0 && ran.slice(i + 1).some((s) => s.action === 'rename' && (s.input as string).length >= 2)
    }
    const found = [t('order', { qty: 10 }), t('rename', 'a much longer title')]
    const { sequence } = await shrinkSequence({ sequence: found, invariant: 'no_5xx', actions, runner: predicateRunner(broken), rng, limits: roomy })
    expect(sequence).toEqual([t('order', { qty: 5 }), t('rename', 'ab')])
  })

  it('picks the simplest OpenAPI body variant that still reproduces, by what the body is, not by its name', async () => {
    // An OpenAPI action's inputs, as @venomqa/openapi offers them: its body variants, and the typical body
    // with the second resource of a kind. The bug needs a quantity (the required-only and empty bodies
    // have none): the typical body breaks it as well as the boundaries do.
    const variants = ['sample', 'required', 'min', 'max', 'empty', 'enum-last']
    const createOrder = action('createOrder', () => undefined, { inputs: () => [...variants.map((body) => ({ body })), { body: 'sample', another: ['productId'] }] })
    const actions = new Map<string, ExploreAction<any>>([['createOrder', createOrder]])
    const sendsQuantity = (ran: TakenAction[]) => ran.some((s) => !['required', 'empty'].includes((s.input as { body: string }).body))
    for (const found of [{ body: 'max' }, { body: 'min' }, { body: 'sample', another: ['productId'] }]) {
      const { sequence } = await shrinkSequence({ sequence: [t('createOrder', found)], invariant: 'no_5xx', actions, runner: predicateRunner(sendsQuantity), rng, limits: roomy })
      expect(sequence).toEqual([t('createOrder', { body: 'sample' })])
    }
    // Simplest first: no body, only the required properties, the typical body, an enum bound, then min and max.
    expect(simplerInputs({ body: 'max' }, variants.map((body) => ({ body })))).toEqual(['empty', 'required', 'sample', 'enum-last', 'min'].map((body) => ({ body })))
    // A oneOf's other alternatives are typical bodies too: after the typical one, in the document's order,
    // before the bounds; and no body at all is the simplest.
    const alternatives = ['max', 'oneOf-3:lost', 'enum-first', 'oneOf-2:damaged', 'sample', 'no-body', 'min']
    expect(simplerInputs({ body: 'max' }, alternatives.map((body) => ({ body })))).toEqual(
      ['no-body', 'sample', 'oneOf-2:damaged', 'oneOf-3:lost', 'enum-first', 'min'].map((body) => ({ body })),
    )
    expect(simplerInputs({ body: 'oneOf-2:damaged' }, alternatives.map((body) => ({ body })))).toEqual(['no-body', 'sample'].map((body) => ({ body })))
    // One inside the body (its path first) is the typical body but there: after the top-level alternatives,
    // by its place in its list, before the bounds. Measured by its name it was simpler than no body at all.
    const nested = ['max', 'method.oneOf-3:cash', 'enum-first', 'oneOf-2:damaged', 'lines[].anyOf-2:gift.card', 'sample', 'no-body']
    expect(simplerInputs({ body: 'max' }, nested.map((body) => ({ body })))).toEqual(
      ['no-body', 'sample', 'oneOf-2:damaged', 'lines[].anyOf-2:gift.card', 'method.oneOf-3:cash', 'enum-first'].map((body) => ({ body })),
    )
    expect(simplerInputs({ body: 'method.oneOf-3:cash' }, nested.map((body) => ({ body })))).toEqual(
      ['no-body', 'sample', 'oneOf-2:damaged', 'lines[].anyOf-2:gift.card'].map((body) => ({ body })),
    )
    // One inside a top-level alternative (that alternative's name first, then its path) is among those inside
    // the body, by its own place in its list: measured as a top-level alternative, it came before `oneOf-3`.
    const within = ['max', 'oneOf-3:lost.items[].oneOf-4:torn.cover', 'oneOf-2:paid.payment.oneOf-2:voucher', 'oneOf-3:lost', 'sample', 'method.oneOf-3:cash', 'oneOf-2:paid']
    expect(simplerInputs({ body: 'max' }, within.map((body) => ({ body })))).toEqual(
      ['sample', 'oneOf-2:paid', 'oneOf-3:lost', 'oneOf-2:paid.payment.oneOf-2:voucher', 'method.oneOf-3:cash', 'oneOf-3:lost.items[].oneOf-4:torn.cover'].map((body) => ({ body })),
    )
    expect(simplerInputs({ body: 'oneOf-2:paid.payment.oneOf-2:voucher' }, within.map((body) => ({ body })))).toEqual(
      ['sample', 'oneOf-2:paid', 'oneOf-3:lost'].map((body) => ({ body })),
    )
    // An alternative at a bound (its name, a slash, the bound) is that alternative's body made larger: after
    // every variant of the body's own, by the bound (`required` first, `max` last), then by the alternative's
    // place. Measured as the alternative its name starts as, `oneOf-2:damaged/max` came before `enum-first`,
    // and before `oneOf-2:damaged/min` (their names sorted).
    const bounds = ['oneOf-2:damaged/max', 'max', 'oneOf-3:lost/min', 'method.oneOf-2:voucher/max', 'oneOf-2:damaged', 'oneOf-2:damaged/min', 'enum-first', 'sample', 'oneOf-3:lost/required']
    expect(simplerInputs({ body: 'method.oneOf-2:voucher/max' }, bounds.map((body) => ({ body })))).toEqual(
      ['sample', 'oneOf-2:damaged', 'enum-first', 'max', 'oneOf-3:lost/required', 'oneOf-2:damaged/min', 'oneOf-3:lost/min', 'oneOf-2:damaged/max'].map((body) => ({ body })),
    )
    expect(simplerInputs({ body: 'oneOf-2:damaged/min' }, bounds.map((body) => ({ body })))).toEqual(
      ['sample', 'oneOf-2:damaged', 'enum-first', 'max', 'oneOf-3:lost/required'].map((body) => ({ body })),
    )
    // The typical body with nulls is after the typical one, before its enums and bounds; measured by its
    // name, `null` (4 characters) came before `sample`.
    expect(simplerInputs({ body: 'max' }, ['null', 'enum-first', 'sample', 'max'].map((body) => ({ body })))).toEqual(['sample', 'null', 'enum-first'].map((body) => ({ body })))
    // So is an alternative's with nulls after its required-only body, before its enums and bounds; unranked,
    // it was measured by its name, before every other bound of every alternative.
    const nulls = ['oneOf-2:damaged/min', 'oneOf-2:damaged/enum-first', 'oneOf-2:damaged/null', 'oneOf-2:damaged/required', 'max']
    expect(simplerInputs({ body: 'oneOf-2:damaged/max' }, nulls.map((body) => ({ body })))).toEqual(
      ['max', 'oneOf-2:damaged/required', 'oneOf-2:damaged/null', 'oneOf-2:damaged/enum-first', 'oneOf-2:damaged/min'].map((body) => ({ body })),
    )
    // A query string makes an input larger than the same one without, and goes typical, lowest, highest:
    // measured by its name, `min` came before `typical`.
    const queries = [{ query: 'max' }, { query: 'min' }, { query: 'typical' }, {}]
    expect(simplerInputs({ query: 'max' }, queries)).toEqual([{}, { query: 'typical' }, { query: 'min' }])
    expect(simplerInputs({ body: 'sample', query: 'min' }, [{ body: 'sample', query: 'typical' }, { body: 'max' }, { body: 'sample', query: 'min' }])).toEqual([
      { body: 'max' },
      { body: 'sample', query: 'typical' },
    ])
    // An input of that name with other keys is no OpenAPI input: measured as it is.
    expect(compareComplexity(complexityOf({ body: 'max', qty: 1 }), complexityOf({ body: 'sample', qty: 1 }))).toBeLessThan(0)
  })

  it('orders inputs simplest first: fewer keys, then smaller numbers, then shorter strings', () => {
    const offered = [{ qty: 5, note: 'rush' }, { qty: 3 }, { title: 'long title' }, { title: 'a' }, {}, { qty: -1 }]
    // Size first (one key beats two), then the numbers' magnitude (a string weighs nothing there), then text length.
    expect(simplerInputs({ qty: 9, note: 'x', extra: true }, offered)).toEqual([{}, { title: 'a' }, { title: 'long title' }, { qty: -1 }, { qty: 3 }, { qty: 5, note: 'rush' }])
    expect(simplerInputs({ qty: 3 }, offered)).toEqual([{}, { title: 'a' }, { title: 'long title' }, { qty: -1 }])
    expect(compareComplexity(complexityOf({ b: 1, a: 2 }), complexityOf({ a: 2, b: 1 }))).toBe(0)
  })

  it('stops at the attempt limit and keeps the best sequence found so far', async () => {
    const broken = (ran: TakenAction[]) => containsInOrder(ran, ['order', 'pay', 'refund', 'refund'])
    const noisy = ['order', 'pay', 'refund', 'refund', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x'].map((a) => t(a))
    const runner = predicateRunner(broken)
    const { sequence, attempts, shrinkLimit } = await shrinkSequence({ sequence: noisy, invariant: 'no_5xx', actions: noActions, runner, rng, limits: { attempts: 4, timeMs: 60_000 } })
    expect(runner.calls.length).toBe(4)
    expect(attempts).toBe(4)
    // Cut short with candidates left: the result names the limit, so that no report calls it minimal.
    expect(shrinkLimit).toEqual({ reason: 'attempts', limit: 4 })
    expect(broken(sequence)).toBe(true)
    expect(sequence.length).toBeLessThan(noisy.length)
    // The best is one of the replays that broke it, the shortest of them.
    const failing = runner.calls.filter(broken)
    expect(sequence.length).toBe(Math.min(...failing.map((c) => c.length)))
  })

  it('stops at the time limit (a clock that moves 10 ms per replay) and keeps the best so far', async () => {
    const broken = (ran: TakenAction[]) => containsInOrder(ran, ['order', 'refund'])
    const noisy = ['x', 'order', 'x', 'x', 'refund', 'x', 'x', 'x'].map((a) => t(a))
    let now = 0
    const inner = predicateRunner(broken)
    const runner: SequenceRunner = {
      run: async (sequence, invariant) => {
        now += 10
        return inner.run(sequence, invariant)
      },
    }
    const { sequence, attempts, shrinkLimit } = await shrink({ sequence: noisy, invariant: 'no_5xx', actions: noActions, runner, rng, limits: { attempts: 10_000, timeMs: 25 } }, () => now)
    expect(attempts).toBe(3)
    expect(inner.calls.length).toBe(3)
    expect(broken(sequence)).toBe(true)
    expect(shrinkLimit).toEqual({ reason: 'time', limit: 25 })
  })

  it('names no limit when shrinking ended by itself, even one that ran out on the last candidate', async () => {
    const broken = (ran: TakenAction[]) => containsInOrder(ran, ['order', 'pay', 'refund', 'refund'])
    const noisy = ['order', 'pay', 'refund', 'refund', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x'].map((a) => t(a))
    const free = await shrinkSequence({ sequence: noisy, invariant: 'no_5xx', actions: noActions, runner: predicateRunner(broken), rng, limits: roomy })
    expect(free.shrinkLimit).toBeUndefined()
    // Exactly the replays it needed: the limit is reached, but no candidate was left untried.
    const tight = await shrinkSequence({ sequence: noisy, invariant: 'no_5xx', actions: noActions, runner: predicateRunner(broken), rng, limits: { attempts: free.attempts, timeMs: 60_000 } })
    expect(tight.sequence).toEqual(free.sequence)
    expect(tight.shrinkLimit).toBeUndefined()
    // One fewer: the last candidate was not tried.
    const short = await shrinkSequence({ sequence: noisy, invariant: 'no_5xx', actions: noActions, runner: predicateRunner(broken), rng, limits: { attempts: free.attempts - 1, timeMs: 60_000 } })
    expect(short.shrinkLimit).toEqual({ reason: 'attempts', limit: free.attempts - 1 })
  })

  it('returns the sequence as found when it does not break the invariant again from the root', async () => {
    const runner = predicateRunner(() => false)
    const found = [t('a'), t('b')]
    const { sequence, attempts } = await shrinkSequence({ sequence: found, invariant: 'no_5xx', actions: noActions, runner, rng, limits: roomy })
    expect(sequence).toEqual(found)
    expect(attempts).toBe(1)
  })
})

describe('confirmSequence', () => {
  it('counts every replay that broke the invariant', async () => {
    const runner = predicateRunner(() => true)
    const confirmed = await confirmSequence({ sequence: [t('a')], invariant: 'no_5xx', runner, times: 3 })
    expect(confirmed).toMatchObject({ attempts: 3, failures: 3, run: { violation: 'broken' } })
    expect(runner.calls.length).toBe(3)
  })

  it('shows a flaky violation: fewer failures than replays, with a run that did break it', async () => {
    let replay = 0
    // Broken on the first and third replay only: a pure function of the replay's number.
    const runner: SequenceRunner = {
      run: async (sequence) => ({ steps: [], probes: [], violation: ++replay % 2 === 1 ? `broken on replay ${replay} of ${sequence.length} step` : undefined }),
    }
    const confirmed = await confirmSequence({ sequence: [t('a')], invariant: 'no_5xx', runner, times: 4 })
    expect(confirmed.attempts).toBe(4)
    expect(confirmed.failures).toBe(2)
    expect(confirmed.run.violation).toBe('broken on replay 3 of 1 step')
  })
})

/**
 * One bug of a model behind one invariant: the invariant breaks after `needs[-1]` when the steps that ran
 * hold `needs` in order and none of `unless`; its message may differ on every replay.
 */
interface Bug {
  needs: string[]
  unless?: string[]
  message: (replay: number) => string
}

/**
 * Replays a model with several bugs behind one invariant, judged after the last step as a real runner
 * does: the first bug that shows there gives the message. Every replay is counted, so a message can carry
 * what changes from run to run (an id, a counter).
 */
function modelRunner(bugs: readonly Bug[]): PredicateRunner {
  const calls: TakenAction[][] = []
  return {
    calls,
    async run(sequence): Promise<SequenceRun> {
      calls.push(sequence.map((s) => ({ ...s })))
      const ran = sequence.map((s) => s.action)
      const shown = bugs.find((b) => ran.at(-1) === b.needs.at(-1) && containsInOrder(sequence, b.needs) && !b.unless?.some((u) => ran.includes(u)))
      const steps = sequence.map((s) => ({ ...s, exchanges: [], ctxBefore: {}, ctxAfter: {}, enabled: true }))
      return { steps, probes: [], ...(shown ? { violation: shown.message(calls.length) } : {}) }
    },
  }
}

const actionNames = (sequence: readonly TakenAction[]) => sequence.map((s) => s.action)

/**
 * Two bugs behind one invariant, both judged after a read: refunding twice over the charge, and an order
 * read back without its price (every order, in this model). The longer one's sequence holds the shorter's.
 */
const overRefund = (message: Bug['message']): Bug => ({ needs: ['order', 'refund', 'refund', 'read'], message })
const noPrice: Bug = { needs: ['order', 'read'], message: (replay) => `order ${replay} reads back without its price` }

describe('a replay reproduces a violation only as the search met it (no slippage onto another bug)', () => {
  it('shrinks a meeting of one bug to its own minimum, not onto another bug behind the same invariant whose actions it holds', async () => {
    const runner = modelRunner([overRefund(() => 'refunded 1200 of 1000'), noPrice])
    const found = ['browse', 'order', 'refund', 'browse', 'refund', 'read'].map((a) => t(a))
    const { sequence, notShrunk } = await shrinkSequence({
      sequence: found,
      invariant: 'no_5xx',
      actions: noActions,
      runner,
      rng,
      limits: roomy,
      met: { action: 'read', message: 'refunded 1200 of 1000' },
    })
    expect(notShrunk).toBeUndefined()
    expect(actionNames(sequence)).toEqual(['order', 'refund', 'refund', 'read'])
    // The candidate that broke the invariant as the other bug does was replayed, and not taken.
    expect(runner.calls.map(actionNames)).toContainEqual(['order', 'refund', 'read'])
  })

  it('still shrinks a bug whose message carries numbers and ids that change on every replay', async () => {
    // Each replay answers with another order id, etag and amount: only the message's shape stays.
    const drifting = overRefund((replay) => `order ${replay} (etag ${(replay * 48_271).toString(16)}) refunded ${1200 + replay} of 1000`)
    const runner = modelRunner([drifting, noPrice])
    const found = ['browse', 'order', 'refund', 'browse', 'refund', 'read'].map((a) => t(a))
    const met = { action: 'read', message: 'order 17 (etag 3c9a2f) refunded 1300 of 1000' }
    const { sequence, notShrunk } = await shrinkSequence({ sequence: found, invariant: 'no_5xx', actions: noActions, runner, rng, limits: roomy, met })
    expect(notShrunk).toBeUndefined()
    expect(actionNames(sequence)).toEqual(['order', 'refund', 'refund', 'read'])
    const confirmed = await confirmSequence({ sequence, invariant: 'no_5xx', runner, times: 3, met })
    expect(confirmed.failures).toBe(3)
    expect(confirmed.run.violation).toMatch(/^order \d+ \(etag [0-9a-f]+\) refunded \d+ of 1000$/)
  })

  it('keeps the last action: a candidate that breaks the invariant after another action is another violation, even with a message of the same shape', async () => {
    // Stock goes negative after a return that follows a quote, and after an export of a pick not undone by
    // a block; both say so alike. The meeting's prefix up to the export holds the block: no violation there.
    const afterReturn: Bug = { needs: ['quote', 'reserve', 'return'], message: () => 'stock is -1' }
    const afterExport: Bug = { needs: ['pick', 'export'], unless: ['block'], message: () => 'stock is -2' }
    const runner = modelRunner([afterReturn, afterExport])
    const found = ['block', 'quote', 'pick', 'export', 'reserve', 'return'].map((a) => t(a))
    const { sequence } = await shrinkSequence({
      sequence: found,
      invariant: 'no_5xx',
      actions: noActions,
      runner,
      rng,
      limits: roomy,
      met: { action: 'return', message: 'stock is -1' },
    })
    expect(actionNames(sequence)).toEqual(['quote', 'reserve', 'return'])
  })

  it('a first replay that breaks the invariant with another kind of message leaves the sequence unshrunk, and says so', async () => {
    const runner = modelRunner([noPrice])
    const found = ['browse', 'order', 'refund', 'refund', 'read'].map((a) => t(a))
    const { sequence, notShrunk, attempts } = await shrinkSequence({
      sequence: found,
      invariant: 'no_5xx',
      actions: noActions,
      runner,
      rng,
      limits: roomy,
      met: { action: 'read', message: 'refunded 1200 of 1000' },
    })
    expect(sequence).toEqual(found)
    expect(attempts).toBe(1)
    expect(notShrunk).toBe('the first replay from the root broke the invariant with another kind of message: "order 1 reads back without its price"')
  })

  it('the confirmation counts only the replays that break the invariant as the search met it', async () => {
    // Replays 1 and 2 break it as met (other numbers); replay 3 as another bug does.
    const messages = ['refunded 1300 of 1000', 'refunded 1400 of 1000', 'order 3 reads back without its price']
    let replay = 0
    const runner: SequenceRunner = {
      run: async (sequence) => ({
        steps: sequence.map((s) => ({ ...s, exchanges: [], ctxBefore: {}, ctxAfter: {}, enabled: true })),
        probes: [],
        violation: messages[replay++ % messages.length],
      }),
    }
    const sequence = ['order', 'refund', 'refund', 'read'].map((a) => t(a))
    const confirmed = await confirmSequence({ sequence, invariant: 'no_5xx', runner, times: 3, met: { action: 'read', message: 'refunded 1200 of 1000' } })
    expect(confirmed.attempts).toBe(3)
    expect(confirmed.failures).toBe(2)
    expect(confirmed.run.violation).toBe('refunded 1400 of 1000')
  })
})
