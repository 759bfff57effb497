/**
 * An id the API hands out only in a `Location` header (a 201 with no body) flows through the emitted
 * journey as one read from that header when it runs, never as the literal of one run: run against a
 * database holding other ids, `/items/4` would delete another item, and the journey would pass with the
 * bug still there.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { type HttpExchange, action, exploration, invariant } from '@venomqa/core'
import { afterAll, describe, expect, it } from 'vitest'
import type { SequenceRun, SequenceStepRun } from '../src/contracts'
import { emitJourney } from '../src/emit'

const BASE = 'http://127.0.0.1:4010'

const items = exploration('items', {
  actions: [action('create_item', () => undefined), action('delete_item', () => undefined)],
  invariants: [invariant('deleted items are gone', () => true)],
})

function exchange(method: string, url: string, status: number, headers: Record<string, string> = {}): HttpExchange {
  return {
    request: { method, url: BASE + url, headers: {} },
    response: { status, headers },
    durationMs: 3,
    attempt: 1,
    startedAt: '2024-01-01T00:00:00.000Z',
  }
}

function stepRun(action: string, exchanges: HttpExchange[], ctxBefore: Record<string, unknown>, ctxAfter: Record<string, unknown>): SequenceStepRun {
  return { action, input: undefined, exchanges, ctxBefore, ctxAfter, enabled: true }
}

const dirs: string[] = []
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

async function emitText(run: SequenceRun): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'venomqa-emit-location-'))
  dirs.push(root)
  const file = await emitJourney({
    exploration: items,
    explorationFile: 'explore/items.explore.ts',
    root,
    dir: 'journeys/regressions',
    invariant: 'deleted items are gone',
    id: 'abcdef0123',
    run,
    baseUrl: BASE,
  })
  return readFile(path.join(root, file), 'utf8')
}

/** An item created (its id, as `id`, only in `location`), then deleted by it. */
function locationRun(id: string | number, location: string, segment = String(id)): SequenceRun {
  return {
    steps: [
      stepRun('create_item', [exchange('POST', '/items', 201, { location })], {}, { itemId: id }),
      stepRun('delete_item', [exchange('DELETE', `/items/${segment}`, 204)], { itemId: id }, { itemId: id }),
    ],
    violation: 'still there',
    probes: [],
  }
}

/** What the journey sets `key` to from the response `res`, evaluated as the journey would when it runs. */
function setFromResponse(text: string, key: string, res: { url: string; headers: Record<string, string> }): unknown {
  const line = text.split('\n').find((l) => l.includes(`ctx.set('${key}', `))
  expect(line, `a ctx.set('${key}', ...) in:\n${text}`).toBeDefined()
  const expression = line!.slice(line!.indexOf(`ctx.set('${key}', `) + `ctx.set('${key}', `.length, line!.lastIndexOf(')'))
  // TypeScript's non-null assertions are the only syntax of the expression that is not JavaScript.
  return new Function('res', `return ${expression.replace(/!(?=[.,)\]])/g, '')}`)(res)
}

describe('an id handed out only in a Location header', () => {
  it('is read from the header when the journey runs, and the request that sends it reads the context', async () => {
    const text = await emitText(locationRun('4', '/items/4'))
    expect(text).not.toContain("ctx.set('itemId', '4')")
    expect(text).not.toContain("'/items/4'")
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the emitted source, not a template
    expect(text).toContain("http.delete(`/items/${ctx.require('itemId')}`)")
    expect(text).toContain('res.headers.location')
    // Another database, another id: the journey takes the one this run's answer gives.
    expect(setFromResponse(text, 'itemId', { url: `${BASE}/items`, headers: { location: '/items/17' } })).toBe('17')
    expect(setFromResponse(text, 'itemId', { url: `${BASE}/items`, headers: { location: 'http://api.test/items/23?x=1' } })).toBe('23')
  })

  it('percent-encoded in the header is decoded, as the action decoded it', async () => {
    const text = await emitText(locationRun('it/4', '/items/it%2F4', 'it%2F4'))
    expect(setFromResponse(text, 'itemId', { url: `${BASE}/items`, headers: { location: '/items/it%2F9' } })).toBe('it/9')
  })

  it('kept by the action as a number stays a number', async () => {
    const text = await emitText(locationRun(4, '/items/4'))
    expect(setFromResponse(text, 'itemId', { url: `${BASE}/items`, headers: { location: '/items/12' } })).toBe(12)
  })

  it('not the last segment (/items/4/details) is read from the segment that held it', async () => {
    const text = await emitText(locationRun('4', '/items/4/details'))
    expect(setFromResponse(text, 'itemId', { url: `${BASE}/items`, headers: { location: '/items/8/details' } })).toBe('8')
  })

  it('also in the body: read from the body, as before', async () => {
    const run = locationRun(4, '/items/4')
    run.steps[0]!.exchanges[0]!.response!.body = { id: 4 }
    const text = await emitText(run)
    expect(text).toContain("ctx.set('itemId', res.json().id)")
  })

  it('in no context key, sent by a later request: read from the header under a key made up for it', async () => {
    const run = locationRun('4', '/items/4')
    run.steps = run.steps.map((s) => ({ ...s, ctxBefore: {}, ctxAfter: {} }))
    const text = await emitText(run)
    expect(text).not.toContain("'/items/4'")
    expect(text).toMatch(/ctx\.set\('create_item\.location', decodeURIComponent\(/)
    expect(setFromResponse(text, 'create_item.location', { url: `${BASE}/items`, headers: { location: '/items/5' } })).toBe('5')
  })
})
