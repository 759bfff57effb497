import { describe, expect, it } from 'vitest'
import { type ActionArgs, Context, DefinitionError, action, actionAsStep, assertRunResult, exploration, invariant, sequenceHeading, step, summarize, validateExploration, validateLoadedExploration } from '../src/index'

const create = action('create', ({ http }) => http.post('/api/things', { json: {} }))
const remove = action('remove', ({ http, ctx }) => http.delete(`/api/things/${ctx.require('id')}`), { when: (v) => v.ctx.has('id') })

describe('exploration()', () => {
  it('fills the defaults of EXPLORATION.md: depth 5, dfs, dedupe on, random seed left unset', () => {
    const e = exploration('things', { actions: [create, remove] })
    expect(e).toMatchObject({ kind: 'exploration', name: 'things', depth: 5, strategy: 'dfs', dedupe: true, setup: [], invariants: [] })
    expect(e.seed).toBeUndefined()
  })

  it.each([
    ['no action', { actions: [] }, /at least one action/],
    ['depth 0', { actions: [create], depth: 0 }, /depth must be a whole number of 1 or more, got 0/],
    ['an unknown strategy', { actions: [create], strategy: 'astar' as never }, /strategy must be 'dfs', 'bfs' or 'random', got "astar"/],
    ['a budget of -1', { actions: [create], budget: { transitions: -1 } }, /budget\.transitions must be a positive number, got -1/],
    ['two actions with one name', { actions: [create, action('create', () => undefined)] }, /two actions are named "create"/],
    ['an invariant after no action', { actions: [create], invariants: [invariant('x', () => true, { after: ['delete'] })] }, /invariant "x": after names "delete", which is no action \(actions: create\)/],
    [
      'an invariant after a misspelt action',
      { actions: [create, action('cancel', () => undefined)], invariants: [invariant('x', () => true, { after: ['cancle'] })] },
      /invariant "x": after names "cancle", which is no action \(did you mean "cancel"\? actions: create, cancel\)$/,
    ],
    ['an invariant named like a built-in', { actions: [create], invariants: [invariant('no_5xx', () => true)] }, /two invariants are named "no_5xx" \(a built-in one has this name\)/],
    ['a setup item that is not a step', { actions: [create], setup: [{ kind: 'checkpoint', name: 'c' }] as never }, /setup item 1 is not a step/],
    ['maxPerPath 0', { actions: [action('a', () => undefined, { maxPerPath: 0 })] }, /action "a": maxPerPath must be a whole number of 1 or more, got 0/],
    // No timer keeps these: the action timed out at once, saying "after 3000000000 ms".
    ['an action timeout past the timer maximum', { actions: [action('a', () => undefined, { timeout: 3e9 })] }, /action "a": timeout: expected a positive whole number of milliseconds, at most 2147483647 \(about 24\.8 days\), got 3000000000/],
    ['a fraction of a ms as an action timeout', { actions: [action('a', () => undefined, { timeout: 0.5 })] }, /action "a": timeout: expected a positive whole number of milliseconds/],
    ['a misspelt strategy', { actions: [create], strategy: 'dfss' as never }, /strategy must be 'dfs', 'bfs' or 'random', got "dfss" \(did you mean "dfs"\?\)$/],
    ['a misspelt depth', { actions: [create], deph: 2 }, /: unknown key "deph" \(did you mean "depth"\?\)$/],
    ['a misspelt dedupe', { actions: [create], dedup: false }, /: unknown key "dedup" \(did you mean "dedupe"\?\)$/],
    ['a key that is near none', { actions: [create], parallel: 2 }, /: unknown key "parallel" \(the keys are description, tags, baseUrl, setup, actions, .*, workers\)$/],
    ['a misspelt budget', { actions: [create], budget: { transition: 10 } }, /: unknown key "budget\.transition" \(did you mean "budget\.transitions"\?\)$/],
    ['a misspelt action option', { actions: [action('a', () => undefined, { maxPerPth: 1 } as never)] }, /: action "a": unknown key "maxPerPth" \(did you mean "maxPerPath"\?\)$/],
    ['a misspelt invariant option', { actions: [create], invariants: [invariant('x', () => true, { afer: ['create'] } as never)] }, /: invariant "x": unknown key "afer" \(did you mean "after"\?\)$/],
    [
      'an unknown severity',
      { actions: [create], invariants: [invariant.response('x', () => true, { severity: 'hgh' as never })] },
      /: invariant "x": severity must be 'critical', 'high', 'medium', 'low' or 'info', got "hgh" \(did you mean "high"\?\)$/,
    ],
  ])('refuses %s with a DefinitionError naming the exploration', (_what, options, message) => {
    const attempt = () => exploration('things', options as never)
    expect(attempt).toThrow(DefinitionError)
    expect(attempt).toThrow(message)
    expect(attempt).toThrow(/^exploration "things": /)
  })

  it('with an action source, `after` is checked once the source has loaded', () => {
    const source = { kind: 'action-source' as const, name: 'doc', load: async () => [] }
    const e = exploration('mixed', { actions: [create, source], invariants: [invariant('later', () => true, { after: ['from_doc'] })] })
    expect(e.actions).toHaveLength(2)
    expect(() => validateLoadedExploration('mixed', [create], [invariant('later', () => true, { after: ['from_doc'] })])).toThrow(/after names "from_doc", which is no action/)
  })

  it('refuses unknown keys where the definition is loaded too: actions a source built, an exploration made by hand', () => {
    const built = action('from_doc', () => undefined, { maxPerPth: 2 } as never)
    expect(() => validateLoadedExploration('mixed', [built], [])).toThrow(new DefinitionError('mixed', 'action "from_doc": unknown key "maxPerPth" (did you mean "maxPerPath"?)', undefined, 'exploration'))
    const copy = { ...exploration('things', { actions: [create] }), dedup: false }
    expect(() => validateExploration(copy)).toThrow('exploration "things": unknown key "dedup" (did you mean "dedupe"?)')
  })

  it('invariant.response is a check of the last response only', () => {
    const v = invariant.response('json_answers', (res) => res.headers['content-type']?.includes('json'))
    expect(v.response).toBeTypeOf('function')
    expect(exploration('r', { actions: [create], invariants: [v], setup: [step('login', () => undefined)] }).invariants).toEqual([v])
  })
})

describe('results files', () => {
  it('a schemaVersion 1 file is read as a run with no exploration; an unknown version is refused', () => {
    const v1 = { schemaVersion: 1, journeys: [], issues: [] } as Record<string, unknown>
    assertRunResult(v1)
    expect(v1).toMatchObject({ schemaVersion: 3, explorations: [] })
    expect(() => assertRunResult({ schemaVersion: 4, journeys: [] }, 'old.json')).toThrow('old.json: schemaVersion 4 is not supported (this version reads 1, 2 and 3)')
  })

  it('an interrupted exploration an older version saved as passed is read as failed, and the summary counted again', () => {
    const x = { name: 'x', status: 'passed', interrupted: true, violations: [], issues: [] }
    const old = { schemaVersion: 3, status: 'passed', journeys: [], issues: [], explorations: [x] } as Record<string, unknown>
    old.summary = summarize([], [], [x as never])
    expect(old.summary).toMatchObject({ explorations: { passed: 1, failed: 0 } })
    assertRunResult(old, 'old.json')
    expect(old).toMatchObject({ status: 'failed', explorations: [{ status: 'failed' }], summary: { explorations: { passed: 0, failed: 1 } } })
  })

  it("a results file with a broken journey is refused naming the place; a lost summary is made again", () => {
    const journey = { name: 'j', status: 'passed', nodes: [{ kind: 'step', name: 's', status: 'passed', durationMs: 1 }], issues: [] }
    const broken = (patch: Record<string, unknown>) => ({ schemaVersion: 3, journeys: [{ ...journey, ...patch }], issues: [] })
    expect(() => assertRunResult(broken({ nodes: 'x' }), 's.json')).toThrow('s.json: journeys[0].nodes must be an array')
    expect(() => assertRunResult(broken({ status: 'green' }), 's.json')).toThrow('s.json: journeys[0].status must be one of passed, failed, skipped, flaky')
    expect(() => assertRunResult(broken({ nodes: [{ kind: 'branch', checkpoint: 'c', status: 'passed', durationMs: 1, paths: [{ name: 'p', status: 'passed', durationMs: 1, nodes: 3 }] }] }), 's.json')).toThrow('s.json: journeys[0].nodes[0].paths[0].nodes must be an array')
    expect(() => assertRunResult({ schemaVersion: 3, journeys: [null] }, 's.json')).toThrow('s.json: journeys[0] must be an object')
    // The fields a reporter reads in a node, at any depth.
    const step = { kind: 'step', name: 's', status: 'passed', durationMs: 1 }
    const path = { name: 'p', status: 'passed', durationMs: 1, nodes: [step] }
    const branch = { kind: 'branch', checkpoint: 'c', status: 'passed', durationMs: 1, paths: [path] }
    expect(() => assertRunResult(broken({ nodes: [{ ...step, name: null }] }), 'u2.json')).toThrow('u2.json: journeys[0].nodes[0].name must be a string')
    expect(() => assertRunResult(broken({ nodes: [{ ...step, status: 'green' }] }), 's.json')).toThrow('s.json: journeys[0].nodes[0].status must be one of passed, failed, skipped')
    expect(() => assertRunResult(broken({ nodes: [{ ...step, durationMs: '5' }] }), 's.json')).toThrow('s.json: journeys[0].nodes[0].durationMs must be a number')
    expect(() => assertRunResult(broken({ nodes: [{ kind: 'checkpoint', name: 'c', status: 'passed' }] }), 's.json')).toThrow('s.json: journeys[0].nodes[0].durationMs must be a number')
    expect(() => assertRunResult(broken({ nodes: [{ ...branch, checkpoint: 3 }] }), 's.json')).toThrow('s.json: journeys[0].nodes[0].checkpoint must be a string')
    expect(() => assertRunResult(broken({ nodes: [{ ...branch, paths: [null] }] }), 's.json')).toThrow('s.json: journeys[0].nodes[0].paths[0] must be an object')
    expect(() => assertRunResult(broken({ nodes: [{ ...branch, paths: [{ ...path, name: 1 }] }] }), 's.json')).toThrow('s.json: journeys[0].nodes[0].paths[0].name must be a string')
    expect(() => assertRunResult(broken({ nodes: [{ ...branch, paths: [{ ...path, nodes: [{ ...step, name: null }] }] }] }), 's.json')).toThrow(
      's.json: journeys[0].nodes[0].paths[0].nodes[0].name must be a string',
    )
    assertRunResult(broken({ nodes: [step, branch, { kind: 'checkpoint', name: 'c', status: 'passed', durationMs: 0 }] }), 's.json')
    // The summary is counted again from the journeys, as a reporter reads it.
    const lost = { schemaVersion: 3, journeys: [journey], issues: [] } as Record<string, unknown>
    assertRunResult(lost)
    expect(lost.summary).toMatchObject({ journeys: { total: 1, passed: 1 }, steps: { total: 1, passed: 1 } })
  })

  it('JSON that is no results file is called that, not an unsupported version', () => {
    expect(() => assertRunResult({ name: 'my-app', version: '1.0.0' }, 'package.json')).toThrow('package.json: not a VenomQA results file (it has no schemaVersion)')
    expect(() => assertRunResult([{ schemaVersion: 3 }], 'list.json')).toThrow('list.json: not a VenomQA results object')
  })
})

describe('sequenceHeading', () => {
  const shrunk = { foundLength: 5, sequence: [{ action: 'a', input: undefined, exchanges: [] }], reproduced: { attempts: 3, failures: 3 } }

  it('calls a sequence minimal only when shrinking ended by itself, and names the limit that cut it short', () => {
    expect(sequenceHeading(shrunk)).toBe('Minimal sequence')
    expect(sequenceHeading({ ...shrunk, shrinkLimit: { reason: 'attempts', limit: 500 } })).toBe('Shrunk until its limit (500 replays), may not be minimal')
    expect(sequenceHeading({ ...shrunk, shrinkLimit: { reason: 'time', limit: 120_000 } })).toBe('Shrunk until its limit (120 s), may not be minimal')
    expect(sequenceHeading({ ...shrunk, shrinkLimit: { reason: 'time', limit: 250 } })).toBe('Shrunk until its limit (250 ms), may not be minimal')
    // Not shrunk at all says more than a limit.
    expect(sequenceHeading({ ...shrunk, notShrunk: 'shrinking was turned off (--no-shrink)', shrinkLimit: { reason: 'attempts', limit: 1 } })).toBe('Sequence as the search found it, not shrunk')
  })

  it('reads a limit in a shape no version wrote as a limit it cannot name, never as a minimal sequence', () => {
    expect(sequenceHeading({ ...shrunk, shrinkLimit: { reason: 'tries', limit: 3 } as never })).toBe('Shrunk until its limit, may not be minimal')
    expect(sequenceHeading({ ...shrunk, shrinkLimit: 'yes' as never })).toBe('Shrunk until its limit, may not be minimal')
  })
})

describe('actionAsStep', () => {
  it("gives the action the step's argument with its input, its getters run on the argument itself", async () => {
    // As the runner's StepArgs: views made on first read, kept in private fields, which a getter run on an
    // object inheriting from the argument (Object.create) cannot read ("Cannot read private member").
    class Args {
      #ctx: Context | undefined
      #reads = 0
      readonly signal = new AbortController().signal
      get ctx(): Context {
        this.#reads++
        return (this.#ctx ??= new Context())
      }
      get reads(): number {
        return this.#reads
      }
    }
    const args = new Args()
    const seen: unknown[] = []
    const act = action<number>(
      'add',
      (given) => {
        given.ctx.set('n', given.input)
        seen.push(given.input, 'input' in given, given.signal.aborted, { ...given }.input)
      },
      { inputs: () => [7] },
    )
    await actionAsStep(act, 7)(args as unknown as ActionArgs)
    expect(args.ctx.get('n')).toBe(7)
    expect(seen).toEqual([7, true, false, 7])
    expect(args.reads).toBe(2)
  })
})
