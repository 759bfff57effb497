import { describe, expect, it } from 'vitest'
import {
  Context,
  DefinitionError,
  MAX_TIMEOUT_MS,
  REDACTED,
  action,
  branch,
  checkpoint,
  exploration,
  journey,
  journeysFor,
  path,
  redactBody,
  redactHeaders,
  redactText,
  redactUrl,
  secretsOfUrl,
  step,
  suggestionFor,
  suggestionForError,
  TimeoutError,
  UserError,
  VenomError,
  validateJourney,
} from '../src/index'

const noop = step('noop', () => {})

describe('journey validation', () => {
  it('accepts checkpoints in paths and nested branches', () => {
    const j = journey('ok', {
      tags: [' Smoke ', 'API'],
      steps: [noop, checkpoint('a'), branch('a', [path('p', [noop, checkpoint('b'), branch('b', [path('q', [noop])]), branch('a', [path('r', [noop])])])])],
    })
    expect(j.tags).toEqual(['smoke', 'api'])
  })

  it('names the journey and the step in every error', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => journey('', { steps: [noop] }), /needs a non-empty name/],
      [() => journey('j', { steps: [] }), /journey "j": a journey needs at least one step/],
      [() => journey('j', { steps: [noop, noop] }), /journey "j", step "noop": duplicate step name in the main line/],
      [() => journey('j', { steps: [step('s', 'x' as never)] }), /step "s": the action is not a function/],
      [() => journey('j', { steps: [step('s', () => {}, { timeout: -1 })] }), /step "s": timeout: expected a positive whole number of milliseconds/],
      [() => journey('j', { steps: [step('s', () => {}, { retries: 1.5 })] }), /step "s": retries: expected a whole number from 0 to 100, got 1\.5/],
      [() => journey('j', { steps: [checkpoint('a'), branch('a', [])] }), /step "branch a": a branch needs at least one path/],
      [() => journey('j', { steps: [checkpoint('a'), branch('a', [path('p', [noop]), path('p', [noop])])] }), /duplicate path "p"/],
      // a checkpoint inside one path is not visible from a sibling path
      [() => journey('j', { steps: [checkpoint('a'), branch('a', [path('p', [checkpoint('in_p')]), path('q', [branch('in_p', [path('x', [noop])])])])] }), /which comes after it or in another path/],
      [() => journey('j', { steps: [{} as never] }), /item 1 of the main line is not a step/],
      // after branch('a') the line is back at a: checkpoint b, taken after it, was rolled back with it (this
      // passed the check, then failed at run time with "no checkpoint b")
      [
        () => journey('j', { steps: [checkpoint('a'), checkpoint('b'), branch('a', [path('p', [noop])]), branch('b', [path('q', [noop])])] }),
        /step "branch b": branch names checkpoint "b", which the branch from "a" before it dropped: .* branch from "b" before branching from "a"/,
      ],
      // every request's path is added at the base URL's end, so a query, even a bare `?`, would take it in
      [() => journey('j', { baseUrl: 'http://api.test/v1?', steps: [noop] }), /journey "j": baseUrl must have no query \(\?\.\.\.\) or fragment/],
      [() => journey('j', { baseUrl: 'http://api.test/?api_key=K-1234', steps: [noop] }), /got "http:\/\/api\.test\/\?api_key=\[REDACTED\]"/],
    ]
    for (const [fn, re] of cases) {
      expect(fn).toThrow(DefinitionError)
      expect(fn).toThrow(re)
    }
  })

  it('makes one journey per case for data-driven tests, refusing duplicate names', () => {
    const cases = [{ name: 'valid', ok: true }, { name: 'invalid', ok: false }]
    const js = journeysFor(cases, (c) => journey(`register_${c.name}`, { steps: [step('register', () => {}, { expectFailure: !c.ok })] }))
    expect(js.map((j) => j.name)).toEqual(['register_valid', 'register_invalid'])
    expect((js[1]!.steps[0] as { options: { expectFailure?: boolean } }).options.expectFailure).toBe(true)
    expect(() => journeysFor([1, 2], () => journey('same', { steps: [noop] }))).toThrow(/two cases produce a journey with this name/)
  })
})

describe('journey, step and path options', () => {
  const run = () => {}
  /** The one DefinitionError `define` throws, its message whole. */
  const refusal = (define: () => unknown): string => {
    try {
      define()
    } catch (err) {
      expect(err).toBeInstanceOf(DefinitionError)
      return (err as Error).message
    }
    throw new Error('expected a DefinitionError')
  }
  const inStep = (options: unknown) => refusal(() => journey('j', { steps: [step('s', run, options as never)] }))
  const inJourney = (options: Record<string, unknown>) => refusal(() => journey('j', { steps: [noop], ...options } as never))
  const EXPECTED_FAILURE = 'expected true, false, an HTTP status from 400 to 599 (422) or a list of them ([401, 403])'

  it('takes every option of every kind when its value is right', () => {
    const j = journey('all', {
      description: 'd',
      tags: ['a'],
      timeout: MAX_TIMEOUT_MS,
      baseUrl: 'http://api.test',
      requires: ['cache'],
      retries: 0,
      failFast: false,
      restore: true,
      steps: [
        step('s', run, { description: 'd', expectFailure: false, timeout: 1, retries: 100, retryDelay: 0, requires: ['mail'] }),
        step('t', run, { retryDelay: MAX_TIMEOUT_MS }),
        checkpoint('c'),
        branch('c', [path('p', [noop], { description: 'd' }), path('q', [noop], {})]),
      ],
    })
    expect(j.requires).toEqual(['cache'])
    expect(j.restore).toBe(true)
  })

  it('a boolean option must be a boolean: a truthy string passed a step that should have failed', () => {
    expect(inStep({ expectFailure: 'no' })).toBe(`journey "j", step "s": expectFailure: ${EXPECTED_FAILURE}, got "no"`)
    expect(inStep({ expectFailure: 1 })).toBe(`journey "j", step "s": expectFailure: ${EXPECTED_FAILURE}, got 1`)
    expect(inJourney({ failFast: 'false' })).toBe('journey "j": failFast: expected true or false, got "false"')
    expect(inJourney({ restore: 'yes' })).toBe('journey "j": restore: expected true or false, got "yes"')
  })

  it('expectFailure takes the statuses a refusal must have, from 400 to 599, and nothing else', () => {
    expect(() => journey('j', { steps: [step('s', run, { expectFailure: 422 }), step('t', run, { expectFailure: [401, 403] })] })).not.toThrow()
    expect(inStep({ expectFailure: 200 })).toBe(`journey "j", step "s": expectFailure: ${EXPECTED_FAILURE}, got 200`)
    expect(inStep({ expectFailure: '422' })).toBe(`journey "j", step "s": expectFailure: ${EXPECTED_FAILURE}, got "422"`)
    expect(inStep({ expectFailure: [] })).toMatch(/expectFailure: expected true, false, an HTTP status/)
    expect(inStep({ expectFailure: [422, 'x'] })).toMatch(/expectFailure: expected true, false, an HTTP status/)
  })

  it('a list given as a string is refused, with the list it should be, instead of a port per character or a TypeError', () => {
    expect(inStep({ requires: 'cache' })).toBe(`journey "j", step "s": requires: expected a list of port names, such as ['cache'], got "cache" (did you mean ["cache"]?)`)
    expect(inJourney({ requires: 'cache' })).toBe(`journey "j": requires: expected a list of port names, such as ['cache'], got "cache" (did you mean ["cache"]?)`)
    expect(inJourney({ tags: 'smoke' })).toBe(`journey "j": tags: expected a list of tags, such as ['smoke'], got "smoke" (did you mean ["smoke"]?)`)
    expect(inJourney({ tags: ['smoke', 1] })).toBe(`journey "j": tags: expected a list of tags, such as ['smoke'], got a list of 2`)
    expect(inStep({ requires: [{ name: 'cache' }] })).toMatch(/requires: expected a list of port names, .*, got a list of 1$/)
  })

  it('the other options must have their types too', () => {
    expect(inStep({ description: 5 })).toBe('journey "j", step "s": description: expected a string, got 5')
    expect(inJourney({ description: ['d'] })).toBe('journey "j": description: expected a string, got a list of 1')
    expect(inStep({ retries: '3' })).toBe('journey "j", step "s": retries: expected a whole number from 0 to 100, got "3"')
    expect(inJourney({ retries: -1 })).toBe('journey "j": retries: expected a whole number from 0 to 100, got -1')
    expect(refusal(() => journey('j', { steps: [checkpoint('c'), branch('c', [path('p', [noop], { description: 5 } as never)])] }))).toBe(
      'journey "j", step "branch c": path "p": description: expected a string, got 5',
    )
  })

  it('options that are no object are refused, naming where they go', () => {
    expect(inStep(5000)).toBe('journey "j", step "s": options: expected an object, as in step(name, action, { timeout: 5000 }), got 5000')
    expect(inStep(null)).toMatch(/step "s": options: expected an object, .* got null$/)
    expect(refusal(() => (journey as unknown as (name: string) => unknown)('j'))).toBe('journey "j": options: expected an object, as in journey(name, { steps: [...] }), got nothing')
    expect(refusal(() => journey('j', { steps: [checkpoint('c'), branch('c', [path('p', [noop], 'about p' as never)])] }))).toMatch(
      /^journey "j", step "branch c": path "p": options: expected an object, .* got "about p"$/,
    )
  })

  it('a misspelt option is refused with the one it is near, or the list when none is', () => {
    expect(inStep({ tiemout: 1000 })).toBe('journey "j", step "s": unknown option "tiemout" (did you mean "timeout"?)')
    expect(inStep({ retires: 2 })).toBe('journey "j", step "s": unknown option "retires" (did you mean "retries"?)')
    expect(inStep({ expectFaliure: true })).toBe('journey "j", step "s": unknown option "expectFaliure" (did you mean "expectFailure"?)')
    expect(inStep({ skip: true })).toBe('journey "j", step "s": unknown option "skip" (the options are description, expectFailure, timeout, retries, retryDelay, requires)')
    expect(inJourney({ timout: 1000 })).toBe('journey "j": unknown option "timout" (did you mean "timeout"?)')
    expect(inJourney({ tgas: ['a'] })).toBe('journey "j": unknown option "tgas" (did you mean "tags"?)')
    expect(refusal(() => journey('j', { stpes: [noop] } as never))).toBe('journey "j": unknown option "stpes" (did you mean "steps"?)')
    expect(refusal(() => journey('j', { steps: [checkpoint('c'), branch('c', [path('p', [noop], { descripton: 'x' } as never)])] }))).toBe(
      'journey "j", step "branch c": path "p": unknown option "descripton" (did you mean "description"?)',
    )
  })

  it('arguments checkpoint() and branch() do not take are refused, naming the checkpoint or branch, instead of ignored', () => {
    // Journey files load without type checks: a checkpoint's "timeout" was dropped without a word.
    const checkpointWith = (...extra: unknown[]) => (checkpoint as unknown as (name: string, ...rest: unknown[]) => ReturnType<typeof checkpoint>)('c', ...extra)
    const branchWith = (...args: unknown[]) => (branch as unknown as (...rest: unknown[]) => ReturnType<typeof branch>)('c', ...args)
    expect(refusal(() => journey('j', { steps: [checkpointWith({ timeout: 5 }), noop] }))).toBe(
      'journey "j", step "checkpoint c": checkpoint() takes only a name, got 1 more argument (an object) after it: a checkpoint has no options',
    )
    expect(refusal(() => journey('j', { steps: [checkpointWith('d', 5), noop] }))).toBe(
      'journey "j", step "checkpoint c": checkpoint() takes only a name, got 2 more arguments ("d", 5) after it: a checkpoint has no options',
    )
    // Paths one by one: the first was taken as the list of paths, the others ignored.
    const p1 = path('p1', [noop])
    const p2 = path('p2', [step('t', () => {})])
    expect(refusal(() => journey('j', { steps: [checkpoint('c'), branchWith(p1, p2)] }))).toBe(
      `journey "j", step "branch c": branch() takes its paths in a list: branch('cp', [path(...), path(...)]); got 2 paths as separate arguments`,
    )
    expect(refusal(() => journey('j', { steps: [checkpoint('c'), branchWith(p1)] }))).toBe(
      `journey "j", step "branch c": branch() takes its paths in a list: branch('cp', [path(...), path(...)]); got a path where the list goes`,
    )
    expect(refusal(() => journey('j', { steps: [checkpoint('c'), branchWith([p1], { parallel: true })] }))).toBe(
      'journey "j", step "branch c": branch() takes a checkpoint name and a list of paths, got 1 more argument (an object) after the list',
    )
    // What they do take still defines the journey.
    expect(journey('j', { steps: [checkpoint('c'), branch('c', [p1, p2])] }).steps).toHaveLength(2)
    expect(Object.keys(checkpoint('c'))).toEqual(['kind', 'name'])
  })

  it('arguments step() and path() do not take are refused, naming the step or the path, instead of ignored', () => {
    // Journey files load without type checks: a second options object's retries were dropped without a word.
    const stepWith = (...rest: unknown[]) => (step as unknown as (...args: unknown[]) => ReturnType<typeof step>)('s', run, ...rest)
    const skipWith = (...rest: unknown[]) => (step.skip as unknown as (...args: unknown[]) => ReturnType<typeof step>)('s', run, ...rest)
    const pathWith = (...rest: unknown[]) => (path as unknown as (...args: unknown[]) => ReturnType<typeof path>)('p', ...rest)
    const inBranch = (p: ReturnType<typeof path>) => refusal(() => journey('j', { steps: [checkpoint('c'), branch('c', [p])] }))
    expect(refusal(() => journey('j', { steps: [stepWith({ timeout: 5000 }, { retries: 2 })] }))).toBe(
      'journey "j", step "s": step() takes a name, an action and an object of options, got 1 more argument (an object) after the options',
    )
    expect(refusal(() => journey('j', { steps: [skipWith({}, 'why', 3)] }))).toBe(
      'journey "j", step "s": step.skip() takes a name, an action and an object of options, got 2 more arguments ("why", 3) after the options',
    )
    expect(inBranch(pathWith([noop], { description: 'd' }, { timeout: 5 }))).toBe(
      'journey "j", step "branch c": path "p": path() takes a name, a list of steps and an object of options, got 1 more argument (an object) after the options',
    )
    // Steps one by one: the first was taken as the list of steps, the second as the options, the rest ignored.
    const t = step('t', run)
    const u = step('u', run)
    expect(inBranch(pathWith(noop, t, u))).toBe(`journey "j", step "branch c": path "p": path() takes its steps in a list: path(name, [step(...), step(...)]); got 3 steps as separate arguments`)
    // Past options given as nothing, too.
    expect(inBranch(pathWith([noop], undefined, 'x'))).toBe(
      'journey "j", step "branch c": path "p": path() takes a name, a list of steps and an object of options, got 1 more argument ("x") after the options',
    )
    expect(inBranch(pathWith(noop))).toBe(`journey "j", step "branch c": path "p": path() takes its steps in a list: path(name, [step(...), step(...)]); got a step where the list goes`)
    // An exploration's setup step too.
    expect(() => exploration('e', { setup: [stepWith({}, { retries: 2 })], actions: [action('a', () => undefined)] })).toThrow(
      'exploration "e", step "s": step() takes a name, an action and an object of options, got 1 more argument (an object) after the options',
    )
    // What they do take still defines the journey, and a node has no key for what it was not given.
    expect(journey('j', { steps: [step('s', run, {}), checkpoint('c'), branch('c', [path('p', [noop], {})])] }).steps).toHaveLength(3)
    expect(Object.keys(step('s', run))).toEqual(['kind', 'name', 'action', 'options'])
    expect(Object.keys(path('p', [noop]))).toEqual(['kind', 'name', 'steps', 'description', 'options'])
  })

  it('a duration no Node timer keeps is refused: it fired at once, a false "timed out after 3000000000 ms"', () => {
    const expected = `expected a positive whole number of milliseconds, at most ${MAX_TIMEOUT_MS} (about 24.8 days)`
    for (const [bad, shown] of [
      [MAX_TIMEOUT_MS + 1, String(MAX_TIMEOUT_MS + 1)],
      [3_000_000_000, '3000000000'],
      [Number.POSITIVE_INFINITY, 'Infinity'],
      [0.5, '0.5'],
      [0, '0'],
      ['5000', '"5000"'],
    ] as const) {
      expect(inStep({ timeout: bad })).toBe(`journey "j", step "s": timeout: ${expected}, got ${shown}`)
      expect(inJourney({ timeout: bad })).toBe(`journey "j": timeout: ${expected}, got ${shown}`)
    }
    for (const [bad, shown] of [[3_000_000_000, '3000000000'], [0.5, '0.5'], [-1, '-1'], [Number.NaN, 'NaN']] as const)
      expect(inStep({ retryDelay: bad })).toBe(`journey "j", step "s": retryDelay: expected 0 or a positive whole number of milliseconds, at most ${MAX_TIMEOUT_MS} (about 24.8 days), got ${shown}`)
  })

  it('a journey made by hand is held to the same keys and types', () => {
    const made = { kind: 'journey', name: 'm', tags: [], requires: [], steps: [noop] }
    expect(() => validateJourney({ ...made, timout: 5 } as never)).toThrow(new DefinitionError('m', 'unknown key "timout" (did you mean "timeout"?)'))
    expect(() => validateJourney({ ...made, tags: 'smoke' } as never)).toThrow(/^journey "m": tags: expected a list of tags/)
    expect(() => validateJourney({ ...made, mode: 'focus' } as never)).toThrow(`journey "m": mode: expected 'skip' or 'only' (journey.skip(), journey.only()), got "focus"`)
    expect(() => validateJourney({ ...made, steps: [{ kind: 'step', name: 's', action: run }] } as never)).toThrow(/^journey "m", step "s": options: expected an object/)
    expect(() => validateJourney(made as never)).not.toThrow()
  })

  it("an exploration's setup steps are held to the same options", () => {
    const create = action('create', () => undefined)
    expect(() => exploration('e', { actions: [create], setup: [step('log_in', run, { tiemout: 5 } as never)] })).toThrow(
      new DefinitionError('e', 'unknown option "tiemout" (did you mean "timeout"?)', 'log_in', 'exploration'),
    )
    expect(() => exploration('e', { actions: [create], setup: [step('log_in', run, { expectFailure: 'no' as never })] })).toThrow(
      'exploration "e", step "log_in": expectFailure: expected true, false, an HTTP status from 400 to 599 (422) or a list of them ([401, 403]), got "no"',
    )
  })
})

describe('Context', () => {
  it('snapshots and restores deep copies', () => {
    const ctx = new Context({ user: { id: 1, roles: ['a'] } })
    const snap = ctx.snapshot()
    ctx.get<{ roles: string[] }>('user')!.roles.push('b')
    ctx.set('later', 1)
    ctx.restore(snap)
    expect(ctx.toJSON()).toEqual({ user: { id: 1, roles: ['a'] } })
    ctx.get<{ roles: string[] }>('user')!.roles.push('c')
    ctx.restore(snap)
    expect(ctx.get('user')).toEqual({ id: 1, roles: ['a'] })
  })

  it('keeps a value under the key __proto__ through a snapshot (a key an API can hand out)', () => {
    const ctx = new Context()
    ctx.set('__proto__', { isAdmin: true })
    const snap = ctx.snapshot()
    ctx.set('__proto__', 'changed')
    ctx.restore(snap)
    expect(ctx.get('__proto__')).toEqual({ isAdmin: true })
    expect(Object.getPrototypeOf(snap)).toBe(Object.prototype)
  })

  it('explains a missing key and a value that cannot be copied', () => {
    const ctx = new Context({ a: 1 })
    expect(() => ctx.require('token')).toThrow('context has no "token" (it has: a)')
    ctx.set('fn', () => 1)
    expect(() => ctx.snapshot()).toThrow(/context value "fn" is a function/)
    expect(ctx.has('a') && ctx.delete('a') && !ctx.has('a')).toBe(true)
  })

  it('names the key a missing one is most likely a misspelling of', () => {
    const ctx = new Context({ token: 't', todoId: 1 })
    expect(() => ctx.require('todoID')).toThrow('context has no "todoID" (did you mean "todoId"? it has: token, todoId)')
    // Nothing near: the list alone.
    expect(() => ctx.require('orderId')).toThrow('context has no "orderId" (it has: token, todoId)')
  })

  it('refuses a class instance, which a copy would strip of its class and methods, naming where it is', async () => {
    class Money {
      constructor(readonly cents: number) {}
      format() {
        return `$${this.cents / 100}`
      }
    }
    expect(() => new Context({ m: new Money(150) }).snapshot()).toThrow('context value "m" holds an instance of Money: a checkpoint copies plain data')
    expect(() => new Context({ order: { lines: [{ price: new Money(1) }] } }).snapshot()).toThrow('context value "order" holds an instance of Money at order.lines[0].price')
    expect(() => new Context({ byId: new Map([['a', new Money(1)]]) }).snapshot()).toThrow('at byId.get("a")')
    // What a copy keeps as it is passes: plain objects and arrays, Date, Map, Set, RegExp, typed arrays,
    // errors, objects without a prototype, and a value met twice.
    const shared = { id: 1 }
    const plain = new Context({
      v: { d: new Date(0), m: new Map([[1, [shared, shared]]]), s: new Set(['x']), r: /a/g, u: new Uint8Array([1]), e: new Error('x'), n: Object.create(null) },
    })
    const snap = plain.snapshot()
    plain.restore(snap)
    expect((plain.get('v') as { d: Date }).d).toBeInstanceOf(Date)
    // A plain object or array made in another realm (a vm context), a boxed BigInt, a Blob: kept as they are.
    const { runInNewContext } = await import('node:vm')
    new Context({ other: runInNewContext('({ a: [1, { b: 2 }] })'), big: Object(10n), blob: new Blob(['x']) }).snapshot()
  })

  it('refuses what a copy would lose without a word: what an object inherits, an error of its own class, its own properties', () => {
    expect(() => new Context({ o: Object.create({ defaults: true }) }).snapshot()).toThrow(
      'context value "o" holds an object that inherits properties from another (Object.create): a checkpoint copies plain data, and the copy would lose what it inherits',
    )
    class ApiError extends Error {
      status = 503
    }
    expect(() => new Context({ e: new ApiError('down') }).snapshot()).toThrow('context value "e" holds an error of class ApiError')
    expect(() => new Context({ e: Object.assign(new Error('x'), { code: 'E_X' }) }).snapshot()).toThrow('holds an error with properties of its own (code)')
    class Money {}
    expect(() => new Context({ e: new Error('x', { cause: new Money() }) }).snapshot()).toThrow('holds an instance of Money at e.cause')
    expect(() => new Context({ e: new TypeError('x', { cause: new Error('y') }) }).snapshot()).not.toThrow()
  })
})

describe('redaction', () => {
  it('hides secret headers, body fields and tokens in text', () => {
    expect(redactHeaders({ Authorization: 'Bearer x', Cookie: 'a', 'Content-Type': 'json', 'X-Api-Key': 'k' })).toEqual({
      authorization: REDACTED,
      cookie: REDACTED,
      'content-type': 'json',
      'x-api-key': REDACTED,
    })
    expect(redactBody({ user: { password: 'p', name: 'n' }, list: [{ access_token: 't' }], tokenCount: 3, passed: true, bypass: 'x', pin: 1234 })).toEqual({
      user: { password: REDACTED, name: 'n' },
      list: [{ access_token: REDACTED }],
      tokenCount: 3,
      passed: true,
      bypass: 'x',
      pin: REDACTED,
    })
    expect(redactBody('{"password":"p"}')).toBe(`{"password":"${REDACTED}"}`)
    expect(redactBody('user=a&password=p&x=1')).toBe(`user=a&password=${REDACTED}&x=1`)
    expect(redactText('failed with Bearer abc.def-ghi')).toBe(`failed with Bearer ${REDACTED}`)
    expect(redactText('login failed for password=hunter2 and token=abc')).toBe(`login failed for password=${REDACTED} and token=${REDACTED}`)
    expect(redactText('{"email":"a","password":"hun\\"ter2","x":1')).toBe(`{"email":"a","password":"${REDACTED}","x":1`)
  })

  it('masks query parameters named in extraKeys by name, whatever their length or encoding', () => {
    const keys = { extraKeys: ['ssn', 'tok'] }
    expect(redactUrl('http://h/p?ssn=1&tok=ab+cd%2Fef%3D&page=2#top', keys)).toBe(`http://h/p?ssn=${REDACTED}&tok=${REDACTED}&page=2#top`)
    expect(redactUrl('http://h/p?api_key=secret-1&page=2', keys)).toBe(`http://h/p?api_key=${REDACTED}&page=2`)
    expect(redactUrl('http://h/p?ssn=123', undefined)).toBe(redactText('http://h/p?ssn=123'))
    // A `?` in the fragment is the fragment's; no query, nothing to mask by name.
    expect(redactUrl('http://h/p#a?ssn=1', keys)).toBe('http://h/p#a?ssn=1')
    expect(redactUrl('http://h/p?a=x=y&ssn=&ssn=9', keys)).toBe(`http://h/p?a=x=y&ssn=&ssn=${REDACTED}`)
    // As the URL holds them, so that a value seen once is masked where the URL is quoted whole.
    expect(secretsOfUrl('http://h/p?tok=ab+cd%2Fef%3D', keys)).toEqual(expect.arrayContaining(['ab cd/ef=', 'ab+cd%2Fef%3D']))
  })
})

describe('suggestions', () => {
  it('come from the status when there is one, else from the error kind', () => {
    expect(suggestionFor('http-status', 401)).toMatch(/Authentication failed/)
    expect(suggestionFor('http-status', 599)).toMatch(/Server error/)
    expect(suggestionFor('http-status', 418)).toMatch(/rejected the request/)
    expect(suggestionFor('connection-refused')).toMatch(/Nothing is listening/)
    expect(suggestionFor('timeout')).toMatch(/timeout/)
  })

  it("of a thrown error: its own suggestion string, else its code's, else none", () => {
    expect(suggestionForError(new VenomError('E_CONTEXT_MISSING', 'context has no "id"'))).toMatch(/^A step read a value that no earlier step of this path set/)
    expect(suggestionForError(Object.assign(new Error('no seat'), { suggestion: '  Free a seat in the setup.  ' }))).toBe('Free a seat in the setup.')
    expect(suggestionForError({ message: 'plain object', suggestion: 'Use a real Error.' })).toBe('Use a real Error.')
    for (const err of [new Error('x'), Object.assign(new Error('x'), { suggestion: 42 }), Object.assign(new Error('x'), { suggestion: ' ' }), 'text', null, undefined])
      expect(suggestionForError(err)).toBeUndefined()
  })

  it("of a VenomError: its own suggestion string before its code's, which is the fallback", () => {
    // A subclass shares its code with errors whose advice does not fit it (a mail wait is an E_TIMEOUT).
    const own = Object.assign(new VenomError('E_CONTEXT_MISSING', 'context has no "id"'), { suggestion: '  Set "id" in the login step.  ' })
    expect(suggestionForError(own)).toBe('Set "id" in the login step.')
    expect(suggestionForError(Object.assign(new TimeoutError('waitForEmail()', 50), { suggestion: 'Check the mail.' }))).toBe('Check the mail.')
    for (const suggestion of [' ', 42])
      expect(suggestionForError(Object.assign(new VenomError('E_CONTEXT_MISSING', 'x'), { suggestion }))).toMatch(/^A step read a value that no earlier step of this path set/)
    expect(suggestionForError(new TimeoutError('step', 50))).toBeUndefined()
  })

  it('put a 409 down to state leaked between paths only where another path could have left it', () => {
    expect(suggestionFor('http-status', 409, { afterOtherPaths: true })).toMatch(/state leaked between paths: no state backend rolled back the paths before it/)
    // A 404 or 410 there too: an earlier path may have deleted it.
    expect(suggestionFor('http-status', 404, { afterOtherPaths: true })).toMatch(/^Not found, possibly deleted by an earlier path: no state backend rolled back/)
    expect(suggestionFor('http-status', 404, { afterOtherPaths: false })).toMatch(/^Not found: check the path/)
    expect(suggestionFor('http-status', 409, { afterOtherPaths: false })).toMatch(/^Conflict: the API already holds something with a value this request sends/)
    // An exploration's sequence from a restored checkpoint: the conflict is with what the sequence made.
    expect(suggestionFor('assertion', 409, { afterOtherPaths: false, exploredSequence: true })).toMatch(/^Conflict with what this sequence made, not state leaked between paths/)
    // Without a state backend, earlier paths' leftovers are there.
    expect(suggestionFor('assertion', 409, { afterOtherPaths: true, exploredSequence: true })).toMatch(/state leaked between paths\. Check the checkpoint and rollback/)
  })
})

import { assert as check, assertEqual, assertStatus, AssertionFailed } from '../src/index'
describe('assertions', () => {
  it('fail with expected and actual', () => {
    expect(() => assertEqual({ a: [1, 2] }, { a: [1, 2] })).not.toThrow()
    expect(() => assertEqual({ a: [1] }, { a: [1, 2] }, 'todos')).toThrow('todos: expected {"a":[1,2]}, got {"a":[1]}')
    expect(() => assertStatus({ status: 404, method: 'GET', url: '/x', bodyText: '{"error":"nope"}' }, 200, 201)).toThrow('GET /x expected status 200 or 201, got 404: {"error":"nope"}')
    expect(() => check(false, 'must hold')).toThrow(AssertionFailed)
  })

  // A list of statuses, as a user writes it in a journey that is not type-checked, failed on a status in the
  // list: `expected status 201,409, got 201`.
  it('takes the statuses as a list too, and refuses one that is no number', () => {
    expect(() => assertStatus({ status: 201 }, [201, 409])).not.toThrow()
    expect(() => assertStatus({ status: 409 }, [201], 409)).not.toThrow()
    expect(() => assertStatus({ status: 500, method: 'POST', url: '/x' }, [201, 409])).toThrow('POST /x expected status 201 or 409, got 500')
    const untyped = assertStatus as (res: { status: number }, ...statuses: unknown[]) => void
    expect(() => untyped({ status: 201 }, '201')).toThrow('assertStatus(res, ...statuses): a status must be a whole number, got "201": write assertStatus(res, 200) or assertStatus(res, 200, 201)')
    expect(() => untyped({ status: 201 })).toThrow('assertStatus(res, ...statuses): no status given')
  })
})

describe('UserError', () => {
  it('takes a code and a message; given only a message (from JavaScript), it keeps it, as E_CONFIG', () => {
    expect(new UserError('E_GREP', 'bad pattern', { where: '--grep' })).toMatchObject({ code: 'E_GREP', message: 'bad pattern', where: '--grep', name: 'UserError' })
    const oneArgument = new (UserError as unknown as new (message: string) => UserError)('--name is required')
    expect(oneArgument).toMatchObject({ code: 'E_CONFIG', message: '--name is required' })
    expect(String(oneArgument)).toBe('UserError: --name is required')
  })
})
