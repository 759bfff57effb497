/**
 * The emitted journey sends what the run sent: an id with a `/` in a path segment stays encoded, as the
 * action sent it; a body key `__proto__` (a prototype-pollution probe) stays a key of the body.
 */
import { type HttpExchange, action, exploration, invariant } from '@venomqa/core'
import { afterAll, describe, expect, it } from 'vitest'
import type { SequenceRun, SequenceStepRun } from '../src/contracts'
import { flatLiteral, literal } from '../src/emit/code'
import { jsonExchange as exchange, journeyWriter } from './emit-fixtures'

const items = exploration('items', {
  actions: [action('create_item', () => undefined), action('read_item', () => undefined), action('update_profile', () => undefined)],
  invariants: [invariant('items readable', () => true)],
})

function stepRun(action: string, input: unknown, exchanges: HttpExchange[], ctxBefore: Record<string, unknown>, ctxAfter: Record<string, unknown>): SequenceStepRun {
  return { action, input, exchanges, ctxBefore, ctxAfter, enabled: true }
}

const writer = journeyWriter(items, 'items readable', 'items')
afterAll(writer.clean)
const emitText = (run: SequenceRun) => writer.text(run)

/** An item created, then read by its id, sent in the path as `segment`. */
function readRun(id: string | number, segment: string): SequenceRun {
  return {
    steps: [
      stepRun('create_item', undefined, [exchange('POST', '/items', { name: 'a' }, 201, { id, name: 'a' })], {}, { itemId: id }),
      stepRun('read_item', undefined, [exchange('GET', `/items/${segment}`, undefined, 200, { id, name: 'a' })], { itemId: id }, { itemId: id }),
    ],
    violation: 'unreadable',
    probes: [],
  }
}

describe('an id in a path segment', () => {
  it('sent percent-encoded (it%2F1) is encoded again by the journey, not sent as two segments', async () => {
    const text = await emitText(readRun('it/1', 'it%2F1'))
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the emitted source, not a template
    expect(text).toContain("`/items/${encodeURIComponent(String(ctx.require('itemId')))}`")
  })

  it('sent as it is (no character to encode) is written as it is', async () => {
    const text = await emitText(readRun(7, '7'))
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the emitted source, not a template
    expect(text).toContain("`/items/${ctx.require('itemId')}`")
  })

  it('sent unencoded where encodeURIComponent would encode (a@b) is written as sent', async () => {
    const text = await emitText(readRun('a@b', 'a@b'))
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the emitted source, not a template
    expect(text).toContain("`/items/${ctx.require('itemId')}`")
  })
})

describe('a key named __proto__', () => {
  it('is written as a computed key, so that the literal has it as its own key, not as its prototype', () => {
    const value = JSON.parse('{"name":"x","__proto__":{"isAdmin":true}}')
    for (const source of [flatLiteral(value), literal(value, '', 10)]) {
      expect(source).toContain("['__proto__']")
      const back = new Function(`return (${source})`)()
      expect(Object.keys(back)).toEqual(['name', '__proto__'])
      expect(JSON.stringify(back)).toBe(JSON.stringify(value))
    }
  })

  it('in a request body, the emitted journey sends it', async () => {
    const body = JSON.parse('{"name":"x","__proto__":{"isAdmin":true}}')
    const run: SequenceRun = {
      steps: [stepRun('update_profile', JSON.parse('{"__proto__":{"isAdmin":true}}'), [exchange('PATCH', '/api/me', body, 200, { isAdmin: true })], {}, {})],
      violation: 'escalated',
      probes: [],
    }
    const text = await emitText(run)
    expect(text).toContain("json: { name: 'x', ['__proto__']: { isAdmin: true } }")
    // The sequence in the header names the input as it was too.
    expect(text).not.toMatch(/[^[']__proto__/)
  })

  it('in a query, the emitted journey sends it', async () => {
    const run: SequenceRun = {
      steps: [stepRun('update_profile', undefined, [exchange('GET', '/api/me?__proto__=x&a=1', undefined, 200, {})], {}, {})],
      violation: 'escalated',
      probes: [],
    }
    const text = await emitText(run)
    expect(text).toContain("query: { ['__proto__']: 'x', a: '1' }")
  })
})
