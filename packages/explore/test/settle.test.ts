/**
 * Settling what the search met: the shrinker's and the confirmation's answers carried into the reported
 * violation and its regression journey. The shrinker, the confirmation and the emitter are the unit's
 * inputs here, each a plain function of what it is given.
 */
import { type HttpExchange, type Logger, type TakenAction, type ViolationResult, action, exploration } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import type { EmitFn, SequenceRun, SequenceRunner, ShrinkFn } from '../src/contracts'
import type { FoundViolation } from '../src/explorer'
import { mergeFound } from '../src/merge'
import { confirmSequence, shrinkSequence } from '../src/shrink'
import {
  FoundViolations,
  MAX_SETTLED_PER_KEY,
  MAX_SHAPES_PER_KEY,
  NOT_REPRODUCED,
  NOT_SETTLED_INTERRUPTED,
  SETTLE_CRASHED,
  type SettleDeps,
  containsInOrder,
  messageShape,
  settleViolations,
  unsettledViolations,
  violationId,
} from '../src/violations'

const t = (action: string): TakenAction => ({ action, input: undefined })

const shop = exploration('shop', { actions: ['x', 'order', 'refund'].map((name) => action(name, () => undefined)) })

/** Every replay breaks the invariant, whatever the sequence. */
const alwaysBroken: SequenceRunner = {
  run: async (sequence): Promise<SequenceRun> => ({ steps: sequence.map((s) => ({ ...s, exchanges: [], ctxBefore: {}, ctxAfter: {}, enabled: true })), probes: [], violation: 'broken' }),
}

const found: FoundViolation = { invariant: 'no_5xx', sequence: [t('x'), t('order'), t('x'), t('refund')], message: 'broken', exchanges: [[], [], [], []], probes: [], position: [0, 0, 0, 0] }

function deps(shrinkFn: ShrinkFn, emitted: Parameters<EmitFn>[0][]): SettleDeps {
  return {
    exploration: shop,
    explorationFile: 'shop.explore.ts',
    root: '/nowhere',
    actions: new Map(),
    seed: 1,
    shrink: true,
    emitDir: 'regressions',
    signal: new AbortController().signal,
    shrinkFn,
    confirmFn: confirmSequence,
    emitFn: async (input) => {
      emitted.push(input)
      return `regressions/${input.id}.journey.ts`
    },
    onEmitError: (message) => expect.fail(message),
    onAppStopped: () => expect.fail('the app answers'),
    onStateRefused: (err) => expect.fail(err.message),
  }
}

describe('settleViolations', () => {
  it('says which limit cut the shrinking short, in the result and to the emitter', async () => {
    const emitted: Parameters<EmitFn>[0][] = []
    const cut: ShrinkFn = async () => ({ sequence: [t('order'), t('x'), t('refund')], attempts: 500, shrinkLimit: { reason: 'attempts', limit: 500 } })
    const [v] = await settleViolations([{ found, runner: alwaysBroken, lane: 0 }], deps(cut, emitted))
    expect(v!.sequence.map((s) => s.action)).toEqual(['order', 'x', 'refund'])
    expect(v!.shrinkLimit).toEqual({ reason: 'attempts', limit: 500 })
    expect(v!.notShrunk).toBeUndefined()
    expect(emitted.map((e) => e.shrinkLimit)).toEqual([{ reason: 'attempts', limit: 500 }])
  })

  it('names no limit when the shrinking ended by itself', async () => {
    const emitted: Parameters<EmitFn>[0][] = []
    const done: ShrinkFn = async () => ({ sequence: [t('order'), t('refund')], attempts: 9 })
    const [v] = await settleViolations([{ found, runner: alwaysBroken, lane: 0 }], deps(done, emitted))
    expect(v!.shrinkLimit).toBeUndefined()
    expect(emitted.map((e) => e.shrinkLimit)).toEqual([undefined])
  })
  it('a violation no confirming replay reproduced is reported as the search met it, with its requests as met: not as shrunk, and with no journey', async () => {
    // Met after x > order > x > refund; the first replay from the root breaks it again, so it is shrunk to
    // order > x; every replay after that holds (the app stopped failing), ending with another action.
    let replays = 0
    const exchange = (what: string, status: number): HttpExchange => ({
      request: { method: 'POST', url: `http://app.test/${what}`, headers: {} },
      response: { status, headers: {}, body: '', durationMs: 1 },
      attempt: 1,
    } as unknown as HttpExchange)
    const runner: SequenceRunner = {
      run: async (sequence): Promise<SequenceRun> => {
        replays++
        const broken = replays === 1
        return {
          steps: sequence.map((s) => ({ ...s, exchanges: [exchange(`replayed-${s.action}`, 500)], ctxBefore: {}, ctxAfter: {}, enabled: true })),
          probes: [],
          ...(broken ? { violation: 'broken' } : {}),
        }
      },
    }
    const shrunk: ShrinkFn = async (input) => {
      await input.runner.run(input.sequence, input.invariant)
      return { sequence: [t('order'), t('x')], attempts: 5, shrinkLimit: { reason: 'attempts', limit: 5 } }
    }
    const asMet: FoundViolation = { ...found, exchanges: found.sequence.map((s) => [exchange(`met-${s.action}`, 201)]), probes: [exchange('probe', 200)] }
    const emitted: Parameters<EmitFn>[0][] = []
    const [v] = await settleViolations([{ found: asMet, runner, lane: 0 }], deps(shrunk, emitted))
    expect(v!.reproduced).toEqual({ attempts: 3, failures: 0 })
    expect(v!.flaky).toBe(true)
    expect(v!.sequence.map((s) => [s.action, s.exchanges.map((e) => e.request.url)])).toEqual(found.sequence.map((s) => [s.action, [`http://app.test/met-${s.action}`]]))
    expect(v!.probes.map((e) => e.request.url)).toEqual(['http://app.test/probe'])
    expect(v!.foundLength).toBe(v!.sequence.length)
    expect(v!.message).toBe('broken')
    expect(v!.notShrunk).toBe(NOT_REPRODUCED)
    expect(v!.shrinkLimit).toBeUndefined()
    expect(v!.id).toBe(violationId('shop', 'no_5xx', found.sequence))
    expect(emitted).toEqual([])
  })
})

/** Breaks the invariant when the actions that ran hold one of `bugs` in order; its message is `message(ran)`. */
function bugRunner(bugs: readonly string[][], message: (ran: readonly TakenAction[]) => string = () => 'broken', delayMs = 0): SequenceRunner {
  return {
    run: async (sequence): Promise<SequenceRun> => {
      if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs))
      const actions = sequence.map((s) => s.action)
      const broken = bugs.some((bug) => containsInOrder(actions, bug))
      return { steps: sequence.map((s) => ({ ...s, exchanges: [], ctxBefore: {}, ctxAfter: {}, enabled: true })), probes: [], ...(broken ? { violation: message(sequence) } : {}) }
    },
  }
}

/** A meeting of the search: its actions, where it was met, its message. */
const met = (actions: string[], position: number[], message = 'broken', invariant: FoundViolation['invariant'] = 'no_5xx'): FoundViolation => ({
  invariant,
  sequence: actions.map((a) => t(a)),
  message,
  exchanges: actions.map(() => []),
  probes: [],
  position,
})

/** The real shrinker, its calls counted. */
function countedShrink(): ShrinkFn & { calls: TakenAction[][] } {
  const calls: TakenAction[][] = []
  const fn: ShrinkFn = (input) => {
    calls.push([...input.sequence])
    return shrinkSequence(input)
  }
  return Object.assign(fn, { calls })
}

/** A logger that keeps its warnings. */
function warnings(): Logger & { said: string[] } {
  const said: string[] = []
  return { said, debug: () => {}, info: () => {}, warn: (m) => void said.push(m), error: (m) => void said.push(m) }
}

const actionsOf = (v: ViolationResult) => v.sequence.map((s) => s.action)

/** What the search met, as one lane's search hands it to settling. */
function candidatesOf(meetings: readonly FoundViolation[], runner: SequenceRunner, logger?: Logger) {
  const found = new FoundViolations(logger)
  for (const m of meetings) found.add(m)
  return mergeFound([found], 'dfs', logger).map((f) => ({ ...f, runner }))
}

describe('violations counted once per (invariant, minimal sequence)', () => {
  it('two bugs with one invariant, last action and message are both settled, each to its own minimal sequence', async () => {
    // A: get after delete (c, d, g); B: get after a rename (r, g). Each met from several states.
    const runner = bugRunner([
      ['c', 'd', 'g'],
      ['r', 'g'],
    ])
    const meetings = [met(['c', 'r', 'g'], [0, 1, 0]), met(['c', 'c', 'd', 'g'], [0, 0, 2, 0]), met(['c', 'r', 'c', 'g'], [0, 1, 0, 1]), met(['c', 'c', 'd', 'r', 'g'], [0, 0, 2, 1, 0])]
    const shrinkFn = countedShrink()
    const emitted: Parameters<EmitFn>[0][] = []
    const out = await settleViolations(candidatesOf(meetings, runner), deps(shrinkFn, emitted))
    expect(out.map(actionsOf)).toEqual([
      ['r', 'g'],
      ['c', 'd', 'g'],
    ])
    for (const v of out) expect(v.reproduced).toEqual({ attempts: 3, failures: 3 })
    expect(emitted.map((e) => e.id)).toEqual(out.map((v) => v.id))
    // The two meetings that hold a sequence met before them were never candidates; the last one holds (r, g).
    expect(shrinkFn.calls.map((s) => s.map((x) => x.action))).toEqual([
      ['c', 'r', 'g'],
      ['c', 'c', 'd', 'g'],
    ])
  })

  it('one bug met from many states, in sequences none of which holds another, is shrunk once', async () => {
    // Messages that differ by their numbers only, as one bug's do from state to state and replay to replay.
    const runner = bugRunner([['a', 'b']], (ran) => `a and b: ${ran.length} of 2`)
    const meetings = [met(['x', 'a', 'y', 'b'], [0, 0, 0, 0], 'a and b: 3 of 2'), met(['a', 'z', 'b'], [1, 0, 0], 'a and b: 4 of 2'), met(['w', 'a', 'b'], [2, 0, 0], 'a and b: 5 of 2')]
    const shrinkFn = countedShrink()
    const out = await settleViolations(candidatesOf(meetings, runner), deps(shrinkFn, []))
    expect(out.map(actionsOf)).toEqual([['a', 'b']])
    expect(shrinkFn.calls).toHaveLength(1)
    // The shortest first, of those the first met.
    expect(shrinkFn.calls[0]!.map((s) => s.action)).toEqual(['a', 'z', 'b'])
  })

  it('with shrinking off, confirms and reports one per (invariant, last action, kind of message): nothing tells them apart', async () => {
    const runner = bugRunner([['c', 'd', 'g'], ['r', 'g'], ['order', 'ship']])
    const meetings = [met(['c', 'r', 'g'], [0, 1, 0]), met(['c', 'c', 'd', 'g'], [0, 0, 2, 0]), met(['order', 'ship'], [1, 0])]
    const shrinkFn = countedShrink()
    const out = await settleViolations(candidatesOf(meetings, runner), { ...deps(shrinkFn, []), shrink: false })
    expect(out.map((v) => [actionsOf(v), v.reproduced, v.notShrunk])).toEqual([
      [['c', 'r', 'g'], { attempts: 3, failures: 3 }, 'shrinking was turned off (--no-shrink)'],
      [['order', 'ship'], { attempts: 3, failures: 3 }, 'shrinking was turned off (--no-shrink)'],
    ])
    expect(shrinkFn.calls).toEqual([])
  })

  it('keeps the same meetings whatever order the search met them in', () => {
    const meetings = [
      met(['c', 'r', 'g'], [0, 1, 0]),
      met(['c', 'c', 'd', 'g'], [0, 0, 2, 0]),
      met(['c', 'r', 'c', 'g'], [0, 1, 0, 1]),
      met(['r', 'g'], [3, 0]),
      met(['r', 'g'], [4, 0]),
      met(['c', 'd', 'c', 'g'], [0, 2, 0, 0]),
      met(['x', 'g'], [5, 0], 'another message 7'),
      met(['x', 'y', 'g'], [5, 1, 0], 'another message 8'),
    ]
    const kept = (order: FoundViolation[]) => {
      const found = new FoundViolations()
      for (const m of order) found.add(m)
      return found
        .families()
        .flatMap((f) => f.entries.map((e) => `${e.shape}: ${e.found.sequence.map((s) => s.action).join(' ')} @${e.found.position.join('.')}`))
        .sort()
    }
    const expected = ['another message #: x g @5.0', 'broken: c c d g @0.0.2.0', 'broken: c d c g @0.2.0.0', 'broken: r g @3.0']
    expect(kept(meetings)).toEqual(expected)
    expect(kept([...meetings].reverse())).toEqual(expected)
    expect(kept([meetings[4]!, meetings[2]!, meetings[6]!, meetings[0]!, meetings[7]!, meetings[5]!, meetings[3]!, meetings[1]!])).toEqual(expected)
  })

  it('a crash while shrinking one reports it as met, with the error, and settles the others', async () => {
    const runner = bugRunner([
      ['a', 'b'],
      ['x', 'y', 'b'],
      ['order', 'ship'],
    ])
    const shrinkFn = countedShrink()
    const crashing: ShrinkFn = async (input) => {
      if (input.sequence.map((s) => s.action).join(' ') === 'c a b') throw new Error('boom')
      return shrinkFn(input)
    }
    const meetings = [met(['c', 'a', 'b'], [0, 0, 0]), met(['x', 'y', 'b'], [0, 1, 0]), met(['order', 'ship'], [1, 0])]
    const emitted: Parameters<EmitFn>[0][] = []
    const out = await settleViolations(candidatesOf(meetings, runner), deps(crashing, emitted))
    expect(out.map((v) => [actionsOf(v), v.message, v.reproduced])).toEqual([
      [['c', 'a', 'b'], `broken (${SETTLE_CRASHED}: boom)`, { attempts: 0, failures: 0 }],
      // Of the same (invariant, last action) as the crashed one: not known to be it, so settled.
      [['x', 'y', 'b'], 'broken', { attempts: 3, failures: 3 }],
      [['order', 'ship'], 'broken', { attempts: 3, failures: 3 }],
    ])
    // No journey for what was not confirmed.
    expect(emitted.map((e) => e.id)).toEqual([out[1]!.id, out[2]!.id])
  })

  it(`settles at most ${MAX_SETTLED_PER_KEY} per (invariant, last action), and the logger says how many were left`, async () => {
    const bugs = Array.from({ length: MAX_SETTLED_PER_KEY + 2 }, (_, i) => [`a${i}`, 'g'])
    const logger = warnings()
    const shrinkFn = countedShrink()
    const out = await settleViolations(
      candidatesOf(
        bugs.map((b, i) => met(b, [i, 0])),
        bugRunner(bugs),
        logger,
      ),
      { ...deps(shrinkFn, []), logger },
    )
    expect(out).toHaveLength(MAX_SETTLED_PER_KEY)
    expect(shrinkFn.calls).toHaveLength(MAX_SETTLED_PER_KEY)
    expect(logger.said).toEqual([
      `invariant "no_5xx" was broken after "g" by 2 more sequences holding none of the minimal sequences found for it: not shrunk or reported, as at most ${MAX_SETTLED_PER_KEY} are shrunk per invariant and last action, so a bug only they show may go unreported`,
    ])
  })

  it(`tells apart ${MAX_SHAPES_PER_KEY} kinds of message per (invariant, last action); a further kind is judged with the closest one, and said`, async () => {
    const messages = ['alpha', 'beta', 'gamma', 'delta', 'alphabet']
    // Each kind of message its own bug: the fifth is met in a sequence that holds the first one's.
    const runner = bugRunner([['g']], (ran) => messages[['a', 'b', 'c', 'd', 'e'].indexOf(ran[0]!.action)] ?? 'g alone')
    const meetings = ['a', 'b', 'c', 'd'].map((first, i) => met([first, 'g'], [i, 0], messages[i])).concat(met(['e', 'a', 'g'], [4, 0, 0], 'alphabet'))
    const logger = warnings()
    const shrinkFn = countedShrink()
    const out = await settleViolations(candidatesOf(meetings, runner, logger), { ...deps(shrinkFn, []), logger })
    // Each of the first four kinds keeps its first action (without it, the message is another one). The
    // fifth, judged with "alpha", holds its minimal sequence: taken for it, not shrunk.
    expect(out.map(actionsOf)).toEqual([
      ['a', 'g'],
      ['b', 'g'],
      ['c', 'g'],
      ['d', 'g'],
    ])
    expect(shrinkFn.calls).toHaveLength(MAX_SHAPES_PER_KEY)
    expect(logger.said).toEqual([
      `invariant "no_5xx" was broken after "g" with more than ${MAX_SHAPES_PER_KEY} kinds of message: each further kind is judged with the closest one ("alphabet" with "alpha"), so a bug told apart from another only by its message may go unreported`,
    ])
  })

  it('on several lanes, a candidate waits for the ones it is judged by, met on another lane: the result is one lane\'s', async () => {
    // The shortest meeting is on the slow lane 1; the longer one, on lane 0, holds what it shrinks to.
    const slow = bugRunner([['a', 'b']], undefined, 20)
    const fast = bugRunner([['a', 'b']])
    const lane0 = new FoundViolations()
    const lane1 = new FoundViolations()
    lane1.add(met(['a', 'x', 'b'], [0, 1, 0]))
    lane0.add(met(['y', 'a', 'z', 'b'], [1, 0, 0, 0]))
    lane0.add(met(['order', 'ship'], [2, 0]))
    const merged = mergeFound([lane0, lane1], 'dfs')
    expect(merged.map((f) => [f.lane, f.found.sequence.map((s) => s.action).join(' ')])).toEqual([
      [1, 'a x b'],
      [0, 'y a z b'],
      [0, 'order ship'],
    ])
    const shrinkFn = countedShrink()
    const out = await settleViolations(
      merged.map((f) => ({ ...f, runner: f.lane === 1 ? slow : fast })),
      deps(shrinkFn, []),
    )
    expect(out.map(actionsOf)).toEqual([
      ['a', 'b'],
      ['order', 'ship'],
    ])
    // Not shrunk on lane 0 while lane 1 was still shrinking the first: (a, b) explains it. Shrunk, it
    // would have merged into (a, b) by its id all the same, at the cost of a shrink.
    expect(shrinkFn.calls.map((s) => s.map((x) => x.action).join(' '))).toEqual(['a x b', 'order ship'])
  })

  it('reports what was not settled (Ctrl-C) once per (invariant, last action, kind of message), saying why it is not shrunk', async () => {
    const meetings = [met(['c', 'r', 'g'], [0, 1, 0]), met(['c', 'c', 'd', 'g'], [0, 0, 2, 0]), met(['x', 'g'], [1, 0], 'another message 7'), met(['order', 'ship'], [2, 0])]
    const candidates = candidatesOf(meetings, bugRunner([]))
    // The shortest of each first: of one (invariant, last action) and kind, nothing tells the others apart.
    const expected = [['x', 'g'], ['c', 'r', 'g'], ['order', 'ship']]
    const whileSearching = unsettledViolations('shop', candidates, NOT_SETTLED_INTERRUPTED)
    expect(whileSearching.map(actionsOf)).toEqual(expected)
    const aborted = new AbortController()
    aborted.abort()
    const whileSettling = await settleViolations(candidates, { ...deps(countedShrink(), []), signal: aborted.signal })
    expect(whileSettling.map(actionsOf)).toEqual(expected)
    for (const v of [...whileSearching, ...whileSettling]) {
      expect(v.reproduced).toEqual({ attempts: 0, failures: 0 })
      // Without it, "not confirmed" read as a replay that failed to reproduce it.
      expect(v.message).toMatch(/ \(not shrunk or confirmed: the exploration was interrupted\)$/)
    }
  })
})

describe('each violation settled by its own kind: the same invariant, last action and shape of message', () => {
  /**
   * Two bugs behind one invariant, both judged after a read (g): an item gone after (a, g), refunds over
   * the charge after (a, b, b, g), which holds the first one's actions. The read shows the refunds first.
   * Each replay reads other ids and amounts, as a real app's do.
   */
  function twoBugsRunner(): SequenceRunner {
    let replays = 0
    return {
      run: async (sequence): Promise<SequenceRun> => {
        replays++
        const actions = sequence.map((s) => s.action)
        const last = actions.at(-1) === 'g'
        const message = !last
          ? undefined
          : containsInOrder(actions, ['a', 'b', 'b', 'g'])
            ? `order ${replays} refunded ${1100 + replays} of 1000`
            : containsInOrder(actions, ['a', 'g'])
              ? `item ${replays} is gone`
              : undefined
        return { steps: sequence.map((s) => ({ ...s, exchanges: [], ctxBefore: {}, ctxAfter: {}, enabled: true })), probes: [], ...(message ? { violation: message } : {}) }
      },
    }
  }

  it('two bugs behind one invariant and last action, the longer holding the shorter, are two violations, each with its own message and minimal sequence', async () => {
    const meetings = [met(['x', 'a', 'g'], [0, 0, 0], 'item 3 is gone'), met(['a', 'x', 'b', 'b', 'g'], [1, 0, 0, 0, 0], 'order 9 refunded 1200 of 1000')]
    const emitted: Parameters<EmitFn>[0][] = []
    const out = await settleViolations(candidatesOf(meetings, twoBugsRunner()), deps(countedShrink(), emitted))
    expect(out.map((v) => [actionsOf(v), messageShape(v.message), v.reproduced, v.flaky])).toEqual([
      [['a', 'g'], 'item # is gone', { attempts: 3, failures: 3 }, false],
      [['a', 'b', 'b', 'g'], 'order # refunded # of #', { attempts: 3, failures: 3 }, false],
    ])
    expect(new Set(out.map((v) => v.id)).size).toBe(2)
    expect(emitted.map((e) => e.id)).toEqual(out.map((v) => v.id))
    // Each journey is written from a replay that broke the invariant as its own bug does.
    expect(emitted.map((e) => messageShape(e.run.violation!))).toEqual(['item # is gone', 'order # refunded # of #'])
  })

  it('a meeting whose replays break the invariant only as another bug does is reported as met, unshrunk, and not reproduced', async () => {
    // Met as over-refunded once; from the root, that sequence only ever shows the item gone.
    const meeting = met(['x', 'a', 'b', 'g'], [0, 0, 0, 0], 'order 9 refunded 1200 of 1000')
    const emitted: Parameters<EmitFn>[0][] = []
    const out = await settleViolations(candidatesOf([meeting], twoBugsRunner()), deps(countedShrink(), emitted))
    expect(out.map((v) => [actionsOf(v), v.message, v.reproduced, v.flaky])).toEqual([[['x', 'a', 'b', 'g'], 'order 9 refunded 1200 of 1000', { attempts: 3, failures: 0 }, true]])
    expect(out[0]!.notShrunk).toBe('the first replay from the root broke the invariant with another kind of message: "item 1 is gone"')
    expect(emitted).toEqual([])
  })
})

describe('messageShape', () => {
  it('takes out what differs between meetings of one bug', () => {
    const same = [
      ['refunded 1200 of 1000', 'refunded 600 of 500'],
      ['get_item: HTTP 500 from GET http://127.0.0.1:4123/items/7', 'get_item: HTTP 500 from GET http://127.0.0.1:51234/items/12'],
      ['order 3f2c1a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60 is gone', 'order 0b1e2f3a-4c5d-4e6f-8a9b-0c1d2e3f4a5b is gone'],
      ['etag 9f86d081884c7d65 is stale', 'etag 2c26b46b68ffc68f is stale'],
      ['answered {"error":"sku_taken","field":"sku"}', 'answered {"error":"stock_low","field":"quantity"}'],
      ["status 'paid', expected 'shipped'", "status 'cancelled', expected 'refunded'"],
      ['ids [1, 2, 3] left behind', 'ids [4] left behind'],
      ['products "A1", "B2" share a SKU', 'products "C3" share a SKU'],
      ['created at 2024-05-01T10:00:00.000Z', 'created at 2025-12-31T23:59:59.999Z'],
      // One bug met at two sizes: the count's word in the singular and in the plural (core's plural()).
      ['GET /items went from 0 items to 1 item', 'GET /items went from 1 item to 2 items'],
      ['GET /items went from 2 items to 3 items', 'GET /items went from 1 item to 2 items'],
      ['1 entry and 1 box left', '3 entries and 2 boxes left'],
      ['1 class left', '2 classes left'],
    ]
    for (const [a, b] of same) expect(messageShape(a!), `${a} / ${b}`).toBe(messageShape(b!))
    expect(messageShape('refunded 1200 of 1000')).toBe('refunded # of #')
    expect(messageShape('answered {"error":"sku_taken"}')).toBe('answered {"error":"~"}')
    // A verb after a count is no plural: the shape still reads as the message.
    expect(messageShape('item 5 is gone, 2 status checks failed')).toBe('item # is gone, # status checks failed')
  })

  it('keeps what says which rule broke, and how', () => {
    const different = [
      ['refunded 1200 of 1000', 'charged 1200 of 1000'],
      ['answered {"error":"x"}', 'answered {"message":"x"}'],
      ['get_item: HTTP 500 from GET http://127.0.0.1:4123/items/7', 'get_item: HTTP 500 from GET http://127.0.0.1:4123/users/7'],
      ["the user's order is gone", "the user's order is kept"],
      ['1 item left', '1 order left'],
    ]
    for (const [a, b] of different) expect(messageShape(a!), `${a} / ${b}`).not.toBe(messageShape(b!))
    // An apostrophe is no quote.
    expect(messageShape("the user's order isn't there")).toBe("the user's order isn't there")
  })
})
