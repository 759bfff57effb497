import { describe, expect, it } from 'vitest'
import {
  Context,
  DefinitionError,
  REDACTED,
  branch,
  checkpoint,
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
      [() => journey('j', { steps: [step('s', () => {}, { timeout: -1 })] }), /step "s": timeout must be a positive number/],
      [() => journey('j', { steps: [step('s', () => {}, { retries: 1.5 })] }), /step "s": retries must be a whole number/],
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
    expect(suggestionFor('http-status', 409, { afterOtherPaths: true })).toMatch(/state leaked between paths\. Check the checkpoint and rollback/)
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
})

describe('UserError', () => {
  it('takes a code and a message; given only a message (from JavaScript), it keeps it, as E_CONFIG', () => {
    expect(new UserError('E_GREP', 'bad pattern', { where: '--grep' })).toMatchObject({ code: 'E_GREP', message: 'bad pattern', where: '--grep', name: 'UserError' })
    const oneArgument = new (UserError as unknown as new (message: string) => UserError)('--name is required')
    expect(oneArgument).toMatchObject({ code: 'E_CONFIG', message: '--name is required' })
    expect(String(oneArgument)).toBe('UserError: --name is required')
  })
})
