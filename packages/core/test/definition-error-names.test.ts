/**
 * A DefinitionError quotes the journey (or exploration) and the step as other messages quote what a
 * user wrote (describeValue): a name built from data, hundreds of characters long, is cut to 60
 * characters in the message and in `where`, as the refusals about state backends cut it; the error's
 * `journey` and `step` keep the names whole.
 */
import { describe, expect, it } from 'vitest'
import { branch, checkpoint, exploration, journey, path, step } from '../src/index'
import { refusal } from './definition-refusal'

const LONG = `signup_${'x'.repeat(300)}_end`
const CUT = `"signup_${'x'.repeat(50)}..."`
const noop = step('noop', () => {})

describe('names in a DefinitionError', () => {
  it('a long journey name is cut in the message and in where, kept whole on the error', () => {
    const err = refusal(() => journey(LONG, { steps: [] }))
    expect(err.message).toBe(`journey ${CUT}: a journey needs at least one step`)
    expect(err.where).toBe(CUT.slice(1, -1))
    expect(err.journey).toBe(LONG)
  })

  it('a long step name too, with the journey', () => {
    const longStep = `log_in_as_${'y'.repeat(200)}`
    const err = refusal(() => journey(LONG, { steps: [step(longStep, () => {}), step(longStep, () => {})] }))
    expect(err.message).toBe(`journey ${CUT}, step "log_in_as_${'y'.repeat(47)}...": duplicate step name in the main line; step names must differ within a line`)
    expect(err.message).not.toContain('_end')
    expect(err.where).toBe(`${CUT.slice(1, -1)} > log_in_as_${'y'.repeat(47)}...`)
    expect(err.step).toBe(longStep)
  })

  it('a branch that names an unknown checkpoint, and an exploration, say the name so', () => {
    expect(refusal(() => journey(LONG, { steps: [noop, branch('nowhere', [path('p', [noop])])] })).message).toMatch(new RegExp(`^journey ${escapeRegExp(CUT)}, step "branch nowhere": `))
    expect(refusal(() => exploration(LONG, { actions: [] } as never)).message).toMatch(new RegExp(`^exploration ${escapeRegExp(CUT)}: `))
  })

  it('a name of a usual length is quoted whole, as before; a secret in it is masked', () => {
    expect(refusal(() => journey('checkout', { steps: [checkpoint('a'), checkpoint('a')] })).message).toBe(
      'journey "checkout", step "checkpoint a": duplicate checkpoint "a"; checkpoint names must be unique in a journey',
    )
    expect(refusal(() => journey('sync https://u:Pw-9x@db.test', { steps: [] })).message).toBe('journey "sync https://u:***@db.test": a journey needs at least one step')
  })
})

describe('a duplicate checkpoint says where both are', () => {
  const h = step('h', () => {})
  it('in two sibling paths: names the path of each', () => {
    const err = refusal(() =>
      journey('checkout', {
        steps: [
          checkpoint('base'),
          branch('base', [
            path('a', [h, checkpoint('inner'), branch('inner', [path('x', [h])])]),
            path('b', [h, checkpoint('inner'), branch('inner', [path('y', [h])])]),
          ]),
        ],
      }),
    )
    expect(err.message).toBe(
      'journey "checkout", step "checkpoint inner": duplicate checkpoint "inner" in path "b" (path "a" declares it first); checkpoint names must be unique in a journey, across its paths too',
    )
  })

  it('in a path, of one on the main line: says the main line has it', () => {
    const err = refusal(() => journey('checkout', { steps: [checkpoint('base'), branch('base', [path('a', [h, checkpoint('base')])])] }))
    expect(err.message).toBe(
      'journey "checkout", step "checkpoint base": duplicate checkpoint "base" in path "a" (the main line declares it first); checkpoint names must be unique in a journey, across its paths too',
    )
  })
})

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
