/**
 * What the journey writes in its comments (the invariant's and the exploration's names, the file, why it
 * was not shrunk, how a request failed, where a secret sat) may hold any line break JavaScript knows: each
 * is written as an escape, so no part of it ends the comment and becomes code `venomqa run` would run.
 */
import { type HttpExchange, action, exploration, invariant, step } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import type { SequenceRun } from '../src/contracts'
import { journeySource } from '../src/emit'
import { commentText } from '../src/emit/code'

const BASE = 'http://127.0.0.1:4010'
const BREAKS = ['\u2028', '\u2029', '\r', '\r\n', '\n']

function exchange(method: string, url: string, body: unknown, status: number | undefined, response: unknown, error?: string): HttpExchange {
  return {
    request: { method, url: BASE + url, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body }) },
    ...(status === undefined ? { error } : { response: { status, headers: { 'content-type': 'application/json' }, body: response } }),
    durationMs: 3,
    attempt: 1,
    startedAt: '2024-01-01T00:00:00.000Z',
  } as HttpExchange
}

describe('commentText', () => {
  it('shows CR, LF, CRLF, U+2028 and U+2029 as escapes, and leaves the rest', () => {
    expect(commentText('a\nb\rc\r\nd\u2028e\u2029f')).toBe('a\\nb\\rc\\r\\nd\\u2028e\\u2029f')
    expect(commentText('plain "quoted" é')).toBe('plain "quoted" é')
  })
})

describe.each(BREAKS.map((b) => [JSON.stringify(b), b]))('a name or message with the line break %s', (_, br) => {
  const hostile = `x${br}globalThis.ran = 1//`
  const ex = exploration(`shop ${hostile}`, {
    setup: [step('log_in', () => undefined)],
    actions: [action('create', () => undefined), action('read', () => undefined)],
    invariants: [invariant(`open ${hostile}`, () => true)],
  })
  const run: SequenceRun = {
    steps: [
      {
        action: 'create',
        input: { [`password ${hostile}`]: 'hunter2-hunter2' },
        exchanges: [exchange('POST', '/api/things', { [`password ${hostile}`]: 'hunter2-hunter2' }, 201, { id: 41 })],
        ctxBefore: {},
        ctxAfter: { thingId: 41 },
        enabled: true,
      },
      { action: 'read', input: undefined, exchanges: [exchange('GET', '/api/things/41', undefined, undefined, undefined, `socket hang up ${hostile}`)], ctxBefore: { thingId: 41 }, ctxAfter: { thingId: 41 }, enabled: true },
    ],
    violation: 'broken',
    probes: [],
  }

  it.each(['defined', 'no_5xx', 'request_error'])('writes none of it as code (invariant: %s)', (which) => {
    const text = journeySource({
      exploration: ex,
      explorationFile: `explore/shop${br}globalThis.ran = 2//.explore.ts`,
      journeyFile: '/project/journeys/regressions/x.journey.ts',
      journeyName: 'x',
      root: '/project',
      dir: 'journeys/regressions',
      invariant: which === 'defined' ? `open ${hostile}` : which,
      id: 'c0ffee12',
      run,
      baseUrl: BASE,
      notShrunk: `the first replay broke it with "${hostile}"`,
    })
    // Every string literal escapes them too: none may be left anywhere in the file.
    expect(text).not.toMatch(/[\r\u2028\u2029]/)
    // And no line is the hostile text's code: a line break there would have started one.
    expect(text.split('\n').filter((line) => /^\s*globalThis\.ran/.test(line))).toEqual([])
    // The header is comments, then the imports.
    const header = text.split('\n').slice(0, text.split('\n').findIndex((l) => l.startsWith('import ')))
    expect(header.every((line) => line.startsWith('//'))).toBe(true)
  })
})
