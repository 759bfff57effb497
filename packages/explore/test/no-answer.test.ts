/**
 * The trial rule of the shrinker and the confirmation when a request got no answer (the app crashed or
 * was stopped mid-exploration): such a replay is no reproduction of the invariant's failure. The runner
 * here is the unit's input: a predicate over the sequence, and from a given replay on, an app that
 * answers nothing (every replay then says so, as LaneSequenceRunner does).
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { type TakenAction, invariant } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import type { NoAnswer, SequenceRun, SequenceRunner } from '../src/contracts'
import { appAnswers, noAnswerAt, unanswered } from '../src/no-answer'
import { confirmSequence, shrinkSequence, trialVerdict } from '../src/shrink'

const t = (action: string): TakenAction => ({ action, input: undefined })
const rng = { int: (min: number) => min, float: () => 0, bool: () => false, pick: <T>(items: readonly T[]) => items[0]! }
const roomy = { attempts: 10_000, timeMs: 60_000 }

const refused = (at: NoAnswer['at'], appAnswers = false, failure = 'create_product connection-refused POST /api/products'): NoAnswer => ({
  at,
  where: 'action "create_product"',
  message: 'POST http://127.0.0.1:1/api/products: connection refused (ECONNREFUSED)',
  failure,
  appAnswers,
})
const run = (violation: string | undefined, noAnswer?: NoAnswer): SequenceRun => ({ steps: [], probes: [], ...(violation !== undefined ? { violation } : {}), ...(noAnswer ? { noAnswer } : {}) })

describe('trialVerdict', () => {
  it('a replay whose probe or action got no answer is unknown, never a reproduction', () => {
    // The tour's case: the probe of "a SKU names at most one product" refused, its error taken for the verdict.
    expect(trialVerdict(run('GET http://127.0.0.1:1/api/products: connection refused (ECONNREFUSED)', refused('probe')), invariantNamed('a SKU names at most one product'))).toBe('unknown')
    expect(trialVerdict(run(undefined, refused('earlier')), 'no_5xx')).toBe('unknown')
    expect(trialVerdict(run('ship: HTTP 500', refused('last', true)), 'no_5xx')).toBe('unknown')
    // Even while the app answers other requests: this replay could not see the state it was to check.
    expect(trialVerdict(run('broken', refused('probe', true)), invariantNamed('x'))).toBe('unknown')
  })

  it('a replay where every request was answered says what the invariant said', () => {
    expect(trialVerdict(run('refunded 1200 of 1000'), invariantNamed('refunds'))).toBe('fails')
    expect(trialVerdict(run(undefined), invariantNamed('refunds'))).toBe('holds')
  })

  it('a replay whose check ran past its deadline is unknown, though every request of it was answered', () => {
    const cut: SequenceRun = { ...run('invariant "refunds" timed out after 400 ms'), checkTimedOut: true }
    expect(trialVerdict(cut, invariantNamed('refunds'))).toBe('unknown')
    expect(trialVerdict({ ...cut, noAnswer: refused('probe', true) }, invariantNamed('refunds'))).toBe('unknown')
  })

  it('request_error reproduces only the same failure of the last request, while the app still answers', () => {
    const failure = 'refund timeout POST /api/orders/{n}/refunds'
    const same = refused('last', true, failure)
    expect(trialVerdict(run('refund: timed out', same), 'request_error', failure)).toBe('fails')
    // The app is down for every request: that the last one failed says nothing of the bug.
    expect(trialVerdict(run('refund: refused', { ...same, appAnswers: false }), 'request_error', failure)).toBe('unknown')
    // Another request, or another kind of failure.
    expect(trialVerdict(run('create_order: refused', refused('last', true)), 'request_error', failure)).toBe('unknown')
    expect(trialVerdict(run('refund: reset', { ...same, failure: 'refund connection-reset POST /api/orders/{n}/refunds' }), 'request_error', failure)).toBe('unknown')
    // An earlier action failed: the last one never ran where the bug is.
    expect(trialVerdict(run(undefined, { ...same, at: 'earlier' }), 'request_error', failure)).toBe('unknown')
  })
})

/** A runner over a predicate, whose app stops answering from replay `stopsAt` on (1-based; never when omitted). */
function dyingRunner(broken: (seq: readonly TakenAction[]) => boolean, stopsAt = Number.POSITIVE_INFINITY) {
  let replays = 0
  const runner: SequenceRunner & { replays(): number } = {
    replays: () => replays,
    async run(sequence) {
      replays++
      const steps = sequence.map((s) => ({ ...s, exchanges: [], ctxBefore: {}, ctxAfter: {}, enabled: true }))
      if (replays >= stopsAt)
        // As the tour saw it: the probe's transport error is the check's message.
        return { steps: steps.slice(0, 1), probes: [], violation: 'GET /api/products: connection refused (ECONNREFUSED)', noAnswer: refused('probe') }
      return { steps, probes: [], ...(broken(sequence) ? { violation: 'broken' } : {}) }
    },
  }
  return runner
}

describe('shrinking and confirming against an app that stops answering', () => {
  const needsTwo = (seq: readonly TakenAction[]) => seq.filter((s) => s.action === 'create_product').length >= 2
  const found = [t('login_again'), t('create_product'), t('list'), t('create_product')]

  it('shrinking stops when the app stops answering, and never takes a refused replay for the bug', async () => {
    // The first replay (the sequence as found) breaks it; the app dies right after.
    const runner = dyingRunner(needsTwo, 2)
    const shrunk = await shrinkSequence({ sequence: found, invariant: invariantNamed('a SKU names at most one product'), actions: new Map(), runner, rng, limits: roomy })
    expect(shrunk.noAnswer?.appAnswers).toBe(false)
    // Not "shrunk" to the first candidate the dead app refused: no sequence shorter than two creates.
    expect(needsTwo(shrunk.sequence)).toBe(true)
    expect(runner.replays()).toBe(2)
  })

  it('the app dead from the first replay: the sequence as found, nothing shrunk', async () => {
    const shrunk = await shrinkSequence({ sequence: found, invariant: invariantNamed('a SKU names at most one product'), actions: new Map(), runner: dyingRunner(needsTwo, 1), rng, limits: roomy })
    expect(shrunk.sequence).toEqual(found)
    expect(shrunk.noAnswer).toBeDefined()
  })

  it('the confirmation counts no refused replay as a reproduction, and says the app stopped', async () => {
    const confirmed = await confirmSequence({ sequence: [t('create_product')], invariant: invariantNamed('a SKU names at most one product'), runner: dyingRunner(needsTwo, 1), times: 3 })
    expect(confirmed.failures).toBe(0)
    expect(confirmed.noAnswer).toBeDefined()
    // The app answering all along: as before, 3/3.
    const fine = await confirmSequence({ sequence: found, invariant: invariantNamed('a SKU names at most one product'), runner: dyingRunner(needsTwo), times: 3 })
    expect(fine).toMatchObject({ attempts: 3, failures: 3 })
    expect(fine.noAnswer).toBeUndefined()
  })
})

describe('telling a request that failed from an app that stopped', () => {
  it('a request retried with an answer is answered; its last failed attempt is not', () => {
    const request = { method: 'GET', url: 'http://127.0.0.1:1/a', headers: {} }
    const failed = { request, error: 'GET http://127.0.0.1:1/a: connection reset', durationMs: 1, attempt: 1, startedAt: '' }
    const answered = { request, response: { status: 200, headers: {}, body: '' }, durationMs: 1, attempt: 2, startedAt: '' }
    expect(unanswered([failed, answered] as never)).toBeUndefined()
    expect(unanswered([answered, { ...failed, attempt: 3 }] as never)).toMatchObject({ attempt: 3 })
  })

  it('appAnswers: any status from the origin is an answer; a closed port is none; stopped only if it answered before', async () => {
    const server = http.createServer((_req, res) => res.writeHead(404).end())
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    try {
      expect(await appAnswers(`http://127.0.0.1:${port}/api/orders/1`)).toBe(true)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
    expect(await appAnswers(`http://127.0.0.1:${port}/api/orders/1`)).toBe(false)
    // Stopped: that origin answered this lane before, and answers nothing now. A URL that never answered has not stopped.
    const request = { method: 'GET', url: `http://127.0.0.1:${port}/api/orders/1`, headers: {} }
    const refusedNow = { request, error: 'connection refused', durationMs: 1, attempt: 1, startedAt: '' }
    const answeredThen = { ...refusedNow, error: undefined, response: { status: 200, headers: {}, body: '' } }
    expect((await noAnswerAt(refusedNow as never, 'last', 'here', 'f', { baseUrl: '', history: [answeredThen] as never })).appAnswers).toBe(false)
    expect((await noAnswerAt(refusedNow as never, 'last', 'here', 'f', { baseUrl: '', history: [] })).appAnswers).toBe(true)
    // At the base URL, an origin that never answered is an API that is not there at all.
    const atBase = await noAnswerAt(refusedNow as never, 'last', 'here', 'f', { baseUrl: `http://127.0.0.1:${port}/api`, history: [] })
    expect([atBase.appAnswers, atBase.neverAnswered]).toEqual([false, true])
    expect((await noAnswerAt(refusedNow as never, 'last', 'here', 'f', { baseUrl: `http://127.0.0.1:${port}`, history: [answeredThen] as never })).neverAnswered).toBeUndefined()
  })
})

function invariantNamed(name: string) {
  return invariant(name, () => true)
}
