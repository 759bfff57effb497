/**
 * journey() throws its DefinitionError at once, as documented, wherever it is called: a user's script, the
 * library API, a test. Only while the CLI evaluates a journey file (withRefusedDefinitions) does it record
 * the refusal and hand back a value no loader takes for a journey, so the file's next journeys are defined
 * and checked too, and every refused one is told in one run.
 */
import { describe, expect, it } from 'vitest'
import { DefinitionError, type Journey, isJourney, isRefusedJourney, journey, journeysFor, step, withRefusedDefinitions } from '../src/index'
import { refusal } from './definition-refusal'

const noop = () => {}
const broken = (name: string) => journey(name, { steps: [step('a', noop), step('a', noop)] })

describe('journey() outside the loading of a journey file', () => {
  it('throws the DefinitionError at once, as before, with .skip and .only too', () => {
    expect(refusal(() => broken('x')).message).toBe('journey "x", step "a": duplicate step name in the main line; step names must differ within a line')
    expect(refusal(() => journey.skip('y', { steps: [] })).problems).toHaveLength(1)
    expect(refusal(() => journey.only('z', null as never)).journey).toBe('z')
  })

  it('throws again once a collection is over, even one whose work threw', async () => {
    const into: unknown[] = []
    await expect(
      withRefusedDefinitions(into, async () => {
        broken('in')
        throw new Error('the module failed')
      }),
    ).rejects.toThrow('the module failed')
    expect(into).toHaveLength(1)
    expect(() => broken('after')).toThrow(DefinitionError)
  })
})

describe('journey() while a journey file is evaluated', () => {
  it('records each refusal in the order made and goes on; what it gives is no journey', async () => {
    const into: unknown[] = []
    const made = await withRefusedDefinitions(into, async () => {
      const a = broken('a')
      const fine = journey('fine', { steps: [step('s', noop)] })
      const b = journey.only('b', { timout: 1, steps: [step('s', noop)] } as never)
      return { a, fine, b }
    })
    expect(into.map((e) => (e as DefinitionError).journey)).toEqual(['a', 'b'])
    expect(into.every((e) => e instanceof DefinitionError)).toBe(true)
    expect(isJourney(made.fine)).toBe(true)
    for (const r of [made.a, made.b]) {
      expect(isJourney(r)).toBe(false)
      expect(isRefusedJourney(r)).toBe(true)
    }
    expect((made.a as unknown as { error: unknown }).error).toBe(into[0])
    // What code around it reads of a journey still reads: its name, its steps as given.
    expect(made.a.name).toBe('a')
    expect(made.a.steps).toHaveLength(2)
    expect(made.b.tags).toEqual([])
  })

  it('a journeysFor of refused cases gives each case its refusal, not a duplicate-name one', async () => {
    const into: unknown[] = []
    const all: Journey[] = await withRefusedDefinitions(into, async () => journeysFor([1, 2], (n) => broken(`case_${n}`)))
    expect(all.map((j) => j.name)).toEqual(['case_1', 'case_2'])
    expect(into).toHaveLength(2)
  })

  it('nested collections each keep their own, and the outer one is back after the inner', async () => {
    const outer: unknown[] = []
    const inner: unknown[] = []
    await withRefusedDefinitions(outer, async () => {
      await withRefusedDefinitions(inner, async () => broken('inner'))
      broken('outer')
    })
    expect(inner.map((e) => (e as DefinitionError).journey)).toEqual(['inner'])
    expect(outer.map((e) => (e as DefinitionError).journey)).toEqual(['outer'])
  })

  it('an error that is no definition mistake still throws', async () => {
    const options = {
      get steps(): never {
        throw new Error('a getter of its own')
      },
    }
    await expect(withRefusedDefinitions([], async () => journey('g', options))).rejects.toThrow('a getter of its own')
  })
})
