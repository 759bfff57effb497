/**
 * `venomqa explore --openapi` on the lending library (test/fixtures/library: its own process, PostgreSQL,
 * the snapshot backend), with two bugs each only a body variant reaches:
 * - fees paid by voucher fail (a 500): the voucher is the second alternative of the body's `method`, a
 *   `oneOf` inside the body, which was only ever sent as its first (and that as the sampler read it, a
 *   `kind: 'string'` the API refuses). Found through `method.oneOf-2:voucher`.
 * - a hold placed with no body fails (a 500): the document does not require one, and every hold was sent
 *   one. Found through `no-body`.
 * Each is shrunk to its two calls, reproduced 3/3, and its regression journey fails on the buggy app and
 * passes on the fixed one; the fixed app breaks nothing.
 * Needs the built packages (core, runner, explore, openapi, cli, state-postgres).
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { describeWithService } from '@venomqa/test-utils'
import { expect, it } from 'vitest'
import { exploreBuggy, exploreFixed, expectRegressionJourney, libraryPair, stepsOf } from './library'

const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)
const INCLUDE = ['createMember', 'payFees', 'createBook', 'placeHold']

describe('venomqa explore --openapi: bugs only a nested alternative or no body reaches', () => {
  const lib = libraryPair('variants', INCLUDE)
  const journeys: Record<'voucher' | 'hold', string | undefined> = { voucher: undefined, hold: undefined }

  it('finds the voucher payment through method.oneOf-2:voucher and the bodiless hold through no-body, each shrunk to two calls', async () => {
    const { crashes, output } = await exploreBuggy(lib)
    const voucher = crashes.find((v) => v.sequence.at(-1)?.action === 'payFees')
    const hold = crashes.find((v) => v.sequence.at(-1)?.action === 'placeHold')
    expect(voucher && stepsOf(voucher), output).toEqual([
      // Shrunk to the simplest member that makes one: only its required name.
      { action: 'createMember', input: { body: 'required' } },
      { action: 'payFees', input: { body: 'method.oneOf-2:voucher' } },
    ])
    expect(hold && stepsOf(hold), output).toEqual([
      { action: 'createBook', input: { body: 'required' } },
      { action: 'placeHold', input: { body: 'no-body' } },
    ])
    expect(crashes).toHaveLength(2)
    for (const found of [voucher!, hold!]) expect(found.reproduced).toEqual({ attempts: 3, failures: 3 })
    journeys.voucher = voucher!.emittedFile
    journeys.hold = hold!.emittedFile
    const voucherJourney = await readFile(path.join(lib.project, journeys.voucher!), 'utf8')
    expect(voucherJourney).toMatch(/json: \{ amount: 1, method: \{ kind: 'voucher', code: 'V-0000' \} \}/)
    // The hold is sent with no body and no content type: its request has no options at all.
    const holdJourney = await readFile(path.join(lib.project, journeys.hold!), 'utf8')
    const holdRequest = holdJourney.split('\n').find((line) => line.includes('/holds'))
    expect(holdRequest, holdJourney).toMatch(/http\.post\(`\/books\/\$\{[^}]+\}\/holds`\)/)
  }, 120_000)

  it('each journey fails on the buggy app and passes on the fixed one', async () => {
    for (const journey of Object.values(journeys)) await expectRegressionJourney(lib, journey)
  }, 60_000)

  it('the fixed app takes the voucher and the bodiless hold, and breaks nothing', async () => {
    const entries = await exploreFixed(lib)
    const accepted = (route: RegExp, sent: (text: string | undefined) => boolean) =>
      entries.filter((e) => e.request.method === 'POST' && route.test(e.request.url) && e.response.status === 201 && sent(e.request.postData?.text))
    expect(accepted(/\/members\/\d+\/payments$/, (text) => JSON.parse(text ?? '{}').method?.kind === 'voucher').length).toBeGreaterThan(0)
    expect(accepted(/\/members\/\d+\/payments$/, (text) => JSON.parse(text ?? '{}').method?.kind === 'card').length).toBeGreaterThan(0)
    const bodiless = accepted(/\/books\/\d+\/holds$/, (text) => text === undefined)
    expect(bodiless.length).toBeGreaterThan(0)
    expect(bodiless.every((e) => !e.request.headers.some((h: { name: string }) => h.name.toLowerCase() === 'content-type'))).toBe(true)
  }, 120_000)
})
