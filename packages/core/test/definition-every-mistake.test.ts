/**
 * A journey with several definition mistakes is refused with all of them at once, each naming the journey
 * and the step or key, so the user fixes them in one go: the first alone was told, and the next showed
 * only once it was fixed. One mistake reads as it always did.
 */
import { describe, expect, it } from 'vitest'
import { type Journey, branch, checkpoint, journey, path, step, validateJourney } from '../src/index'
import { refusal } from './definition-refusal'

const noop = () => {}

describe('a journey with several definition mistakes', () => {
  it('journey() tells every one, each naming the journey and the step or key, in the order they are written', () => {
    const err = refusal(() =>
      journey('checkout', {
        timout: 5,
        retries: 'two',
        steps: [
          step('pay', noop),
          step('pay', noop),
          checkpoint('cart'),
          checkpoint('cart'),
          branch('cart', []),
          step('ship', noop, { retries: -1 }),
        ],
      } as never),
    )
    expect(err.problems.map((p) => p.message)).toEqual([
      'journey "checkout": unknown option "timout" (did you mean "timeout"?)',
      'journey "checkout": retries: expected a whole number from 0 to 100, got "two"',
      'journey "checkout", step "pay": duplicate step name in the main line; step names must differ within a line',
      'journey "checkout", step "checkpoint cart": duplicate checkpoint "cart"; checkpoint names must be unique in a journey',
      'journey "checkout", step "branch cart": a branch needs at least one path',
      'journey "checkout", step "ship": retries: expected a whole number from 0 to 100, got -1',
    ])
    expect(err.message).toBe(['journey "checkout" has 6 definition mistakes:', ...err.problems.map((p) => `  ${p.message}`)].join('\n'))
    expect(err.code).toBe('E_DEFINITION')
    expect(err.journey).toBe('checkout')
    expect(err.where).toBe('checkout')
  })

  it('goes on into the paths of a branch that has a mistake of its own', () => {
    const err = refusal(() =>
      journey('nested', {
        steps: [checkpoint('a'), branch('nowhere', [path('p', [step('x', noop), step('x', noop)]), path('p', [step('y', noop)])])],
      }),
    )
    expect(err.problems.map((p) => p.message)).toEqual([
      'journey "nested", step "branch nowhere": branch names unknown checkpoint "nowhere" (known here: a)',
      'journey "nested", step "x": duplicate step name in the path "p"; step names must differ within a line',
      'journey "nested", step "branch nowhere": duplicate path "p" in the branch',
    ])
  })

  it('validateJourney (the loader and the runner) tells every one of a journey built otherwise', () => {
    const j = { kind: 'journey', name: 'made', tags: [], requires: [], timeout: -1, steps: [{ kind: 'step', name: 'a', action: 1, options: {} }, { kind: 'nope' }] } as unknown as Journey
    const err = refusal(() => validateJourney(j))
    expect(err.problems.map((p) => p.message)).toEqual([
      'journey "made": timeout: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got -1',
      'journey "made", step "a": the action is not a function',
      'journey "made": item 2 of the main line has unknown kind "nope"',
    ])
  })

  it('walks past a branch naming an unknown checkpoint to malformed items after it, with no TypeError', () => {
    // The branch looks ahead for its checkpoint, through items not checked yet: a null, paths that are
    // no list, a path of null, steps given one by one or as a string.
    const later: unknown[] = [null, branch('c', 'abc' as never), branch('c', [null as never]), branch('c', [path('q', step('s', noop) as never)]), branch('c', [path('r', 'abc' as never)])]
    const err = refusal(() => journey('ahead', { steps: [step('s', 5 as never), checkpoint('c'), branch('x', [path('p', [step('s', noop)])]), ...(later as never[])] }))
    expect(err.problems.map((p) => p.message)).toEqual([
      'journey "ahead", step "s": the action is not a function',
      'journey "ahead", step "branch x": branch names unknown checkpoint "x" (known here: c)',
      'journey "ahead": item 4 of the main line is not a step, checkpoint or branch (use step(), checkpoint(), branch())',
      'journey "ahead", step "branch c": a branch needs at least one path',
      'journey "ahead", step "branch c": every item of a branch must be a path()',
      'journey "ahead", step "branch c": path "q": path() takes its steps in a list: path(name, [step(...), step(...)]); got a step where the list goes',
      'journey "ahead", step "branch c": path "r" is empty; a path needs at least one step',
    ])
  })

  it('tells at most the first 50 of a journey of thousands of mistakes, saying there are more, each line short', () => {
    const checkpoints = Array.from({ length: 200 }, (_, i) => checkpoint(`c${i}`))
    const branches = Array.from({ length: 10_000 }, (_, i) => branch(`missing${i}`, [path('p', [step('s', noop)])]))
    const err = refusal(() => journey('huge', { steps: [...checkpoints, ...branches] }))
    expect(err.problems).toHaveLength(50)
    expect(err.message.split('\n')[0]).toBe('journey "huge" has 50 or more definition mistakes; the first 50:')
    expect(err.problems[0]!.message).toMatch(/branch names unknown checkpoint "missing0" \(known here: c0, c1, .* and 180 more\)$/)
    expect(err.message.length).toBeLessThan(20_000)
  })

  it('refuses a path of a branch on the main line named "main", which every report calls the main line; a nested one is its own', () => {
    const err = refusal(() => journey('j', { steps: [checkpoint('c'), branch('c', [path('main', [step('s', noop)]), path('other', [step('s', noop)])])] }))
    expect(err.message).toBe('journey "j", step "branch c": path "main": the main line is called so in every report; name the path otherwise')
    const nested = journey('k', { steps: [checkpoint('c'), branch('c', [path('outer', [checkpoint('d'), branch('d', [path('main', [step('s', noop)])])])])] })
    expect(nested.name).toBe('k')
  })

  it('one mistake is told as it always was, with no list', () => {
    const err = refusal(() => journey('checkout', { steps: [checkpoint('a'), checkpoint('a')] }))
    expect(err.message).toBe('journey "checkout", step "checkpoint a": duplicate checkpoint "a"; checkpoint names must be unique in a journey')
    expect(err.problems).toEqual([err])
  })
})
