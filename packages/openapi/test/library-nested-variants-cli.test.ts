/**
 * `venomqa explore --openapi` on the lending library (test/fixtures/library: its own process, PostgreSQL,
 * the snapshot backend), whose membership renewal is a `oneOf` body, free or paid, and a paid one's
 * `payment` a `oneOf` again, card or voucher. A paid renewal by voucher fails (a 500): only the second
 * alternative inside the second alternative reaches it. The alternatives of a body were sent, and the
 * alternatives inside the typical body, but inside a top-level alternative other than the first nothing
 * was: the paid renewal's payment was only ever sent as the sampler read it (`kind: 'string'`), which the
 * API refused, and never as a voucher. Found through `oneOf-2:paid.payment.oneOf-2:voucher`, shrunk to its
 * two calls, reproduced 3/3; its regression journey fails on the buggy app and passes on the fixed one,
 * and the fixed app takes every renewal and breaks nothing.
 * Needs the built packages (core, runner, explore, openapi, cli, state-postgres).
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { describeWithService } from '@venomqa/test-utils'
import { expect, it } from 'vitest'
import { exploreBuggy, exploreFixed, expectRegressionJourney, libraryPair, stepsOf } from './library'

const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)
const INCLUDE = ['createMember', 'renewMembership']

describe('venomqa explore --openapi: a bug only an alternative inside a later top-level alternative reaches', () => {
  const lib = libraryPair('nested', INCLUDE)
  let journey: string | undefined

  it('finds the renewal paid by voucher through oneOf-2:paid.payment.oneOf-2:voucher, shrunk to two calls', async () => {
    const { crashes, output } = await exploreBuggy(lib)
    expect(
      crashes.map(stepsOf),
      output,
    ).toEqual([
      [
        { action: 'createMember', input: { body: 'required' } },
        { action: 'renewMembership', input: { body: 'oneOf-2:paid.payment.oneOf-2:voucher' } },
      ],
    ])
    expect(crashes[0]!.reproduced).toEqual({ attempts: 3, failures: 3 })
    journey = crashes[0]!.emittedFile
    const text = await readFile(path.join(lib.project, journey!), 'utf8')
    expect(text).toMatch(/json: \{ plan: 'paid', payment: \{ kind: 'voucher', code: 'V-0000' \} \}/)
  }, 120_000)

  it('the journey fails on the buggy app and passes on the fixed one', async () => {
    await expectRegressionJourney(lib, journey)
  }, 60_000)

  it('the fixed app takes a free renewal and a paid one by card and by voucher, and breaks nothing', async () => {
    const entries = await exploreFixed(lib)
    const accepted = entries
      .filter((e) => e.request.method === 'POST' && /\/members\/\d+\/renewals$/.test(e.request.url) && e.response.status === 201)
      .map((e) => JSON.parse(e.request.postData.text))
    expect(accepted.some((body) => body.plan === 'free')).toBe(true)
    expect(accepted.some((body) => body.plan === 'paid' && body.payment?.kind === 'card')).toBe(true)
    expect(accepted.some((body) => body.plan === 'paid' && body.payment?.kind === 'voucher')).toBe(true)
  }, 120_000)
})
