/**
 * Settling what the search met: the shrinker's and the confirmation's answers carried into the reported
 * violation and its regression journey. The shrinker, the confirmation and the emitter are the unit's
 * inputs here, each a plain function of what it is given.
 */
import { type TakenAction, action, exploration } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import type { EmitFn, SequenceRun, SequenceRunner, ShrinkFn } from '../src/contracts'
import type { FoundViolation } from '../src/explorer'
import { confirmSequence } from '../src/shrink'
import { type SettleDeps, settleViolations } from '../src/violations'

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
})
