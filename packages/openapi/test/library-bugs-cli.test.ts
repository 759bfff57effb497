/**
 * `venomqa explore --openapi` on the lending library (test/fixtures/library: its own process, PostgreSQL,
 * the snapshot backend), a bug at a time that only one kind of request reaches: each block explores the
 * operations that reach its bug, finds it, shrinks it and reproduces it, and its regression journey fails on
 * the buggy app and passes on the fixed one. The blocks share one buggy and one fixed app (starting two apps
 * and making two databases for each block took as long as its explorations): each block starts from empty
 * databases all the same (libraryPair empties them first), in a project of its own.
 * Needs the built packages (core, runner, explore, openapi, cli, state-postgres).
 */
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describeWithService } from '@venomqa/test-utils'
import { beforeAll, describe, expect, it } from 'vitest'
import { exploreBuggy, exploreFixed, expectRegressionJourney, libraryApps, libraryPair, stepsOf } from './library'

const describeWithPostgres = await describeWithService('PostgreSQL', '127.0.0.1', 5432)

describeWithPostgres('the lending library, its buggy and fixed apps shared by every block', () => {
  const apps = libraryApps('bugs')

  /**
   * The library whose review of a book is an `allOf` body: its stars (1 to 5) in one part, its text
   * in another. A review of 5 stars fails (a 500): the app labels it one place too far along its labels, and
   * finds none. Only the body's `max` sends 5 stars, and an `allOf` body, whose root has no `type`, had no
   * bounds: the bounds were looked for in the root's own properties only. Found through `max`, shrunk to its
   * two calls, reproduced 3/3; its regression journey fails on the buggy app and passes on the fixed one, and
   * the fixed app takes every review and breaks nothing.
   */
  const BOUNDS_INCLUDE = ['createBook', 'reviewBook']

  describe('venomqa explore --openapi: a bug only the max of an allOf body reaches', () => {
    const lib = libraryPair('bounds', BOUNDS_INCLUDE, { shared: apps })
    let journey: string | undefined

    it('finds the 5-star review through max, shrunk to two calls', async () => {
      const { crashes, output } = await exploreBuggy(lib)
      expect(
        crashes.map(stepsOf),
        output,
      ).toEqual([
        [
          { action: 'createBook', input: { body: 'required' } },
          { action: 'reviewBook', input: { body: 'max' } },
        ],
      ])
      expect(crashes[0]!.reproduced).toEqual({ attempts: 3, failures: 3 })
      journey = crashes[0]!.emittedFile
      const text = await readFile(path.join(lib.project, journey!), 'utf8')
      // The text at its maxLength, 500 characters: written over lines of their own.
      expect(text).toMatch(/json: \{\s*stars: 5,\s*text: 'x{500}',?\s*\}/)
    }, 120_000)

    it('the journey fails on the buggy app and passes on the fixed one', async () => {
      await expectRegressionJourney(lib, journey)
    }, 60_000)

    it('the fixed app takes a review of 1 star and one of 5, and breaks nothing', async () => {
      const entries = await exploreFixed(lib)
      const accepted = entries
        .filter((e) => e.request.method === 'POST' && /\/books\/\d+\/reviews$/.test(e.request.url) && e.response.status === 201)
        .map((e) => JSON.parse(e.response.content.text))
      expect(accepted.some((review) => review.stars === 1 && review.label === 'poor')).toBe(true)
      expect(accepted.some((review) => review.stars === 5 && review.label === 'superb')).toBe(true)
    }, 120_000)
  })

  /**
   * The library whose notes about a member are kept in a column of 100 characters where the
   * document allows 300: a longer note fails (a 500). The body's `max` sent a string of 64 characters at
   * most, whatever the `maxLength`, and never reached it; it sends 300 now. Found through `max`, shrunk to its
   * two calls, reproduced 3/3; its regression journey fails on the buggy app and passes on the fixed one, and
   * the fixed app takes a note of 300 characters and breaks nothing.
   */
  const MAX_LENGTH_INCLUDE = ['createMember', 'addMemberNote']

  describe('venomqa explore --openapi: a bug only a string at its declared maxLength reaches', () => {
    const lib = libraryPair('max_length', MAX_LENGTH_INCLUDE, { shared: apps })
    let journey: string | undefined

    it('finds the note too long for its column through max, shrunk to two calls', async () => {
      const { crashes, output } = await exploreBuggy(lib)
      expect(crashes.map(stepsOf), output).toEqual([
        [
          { action: 'createMember', input: { body: 'required' } },
          { action: 'addMemberNote', input: { body: 'max' } },
        ],
      ])
      expect(crashes[0]!.reproduced).toEqual({ attempts: 3, failures: 3 })
      journey = crashes[0]!.emittedFile
      const text = await readFile(path.join(lib.project, journey!), 'utf8')
      expect(text).toMatch(/json: \{\s*text: 'x{300}',?\s*\}/)
    }, 120_000)

    it('the journey fails on the buggy app and passes on the fixed one', async () => {
      await expectRegressionJourney(lib, journey)
    }, 60_000)

    it('the fixed app takes a note of 300 characters, and breaks nothing', async () => {
      const entries = await exploreFixed(lib)
      const noted = entries.filter((e) => e.request.method === 'POST' && /\/members\/\d+\/notes$/.test(e.request.url) && e.response.status === 201)
      expect(noted.map((e) => JSON.parse(e.response.content.text).text.length)).toContain(300)
    }, 120_000)
  })

  /**
   * The library whose membership renewal is a `oneOf` body, free or paid, and a paid one's
   * `payment` a `oneOf` again, card or voucher. A paid renewal by voucher fails (a 500): only the second
   * alternative inside the second alternative reaches it. The alternatives of a body were sent, and the
   * alternatives inside the typical body, but inside a top-level alternative other than the first nothing
   * was: the paid renewal's payment was only ever sent as the sampler read it (`kind: 'string'`), which the
   * API refused, and never as a voucher. Found through `oneOf-2:paid.payment.oneOf-2:voucher`, shrunk to its
   * two calls, reproduced 3/3; its regression journey fails on the buggy app and passes on the fixed one,
   * and the fixed app takes every renewal and breaks nothing.
   */
  const NESTED_VARIANTS_INCLUDE = ['createMember', 'renewMembership']

  describe('venomqa explore --openapi: a bug only an alternative inside a later top-level alternative reaches', () => {
    const lib = libraryPair('nested', NESTED_VARIANTS_INCLUDE, { shared: apps })
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

  /**
   * The library with two bugs each only a body variant reaches:
   * - fees paid by voucher fail (a 500): the voucher is the second alternative of the body's `method`, a
   *   `oneOf` inside the body, which was only ever sent as its first (and that as the sampler read it, a
   *   `kind: 'string'` the API refuses). Found through `method.oneOf-2:voucher`.
   * - a hold placed with no body fails (a 500): the document does not require one, and every hold was sent
   *   one. Found through `no-body`.
   * Each is shrunk to its two calls, reproduced 3/3, and its regression journey fails on the buggy app and
   * passes on the fixed one; the fixed app breaks nothing.
   */
  const VARIANTS_INCLUDE = ['createMember', 'payFees', 'createBook', 'placeHold']

  describe('venomqa explore --openapi: bugs only a nested alternative or no body reaches', () => {
    const lib = libraryPair('variants', VARIANTS_INCLUDE, { shared: apps })
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

  /**
   * The library whose search of the books takes an optional `X-Page-Size` header and two list
   * query parameters (`tag`, exploded: `?tag=a&tag=b`; `isbn`, `explode: false`: `?isbn=a,b`):
   * - a search with `X-Page-Size: 0` (which the document allows) and no book yet fails (a 500). Optional
   *   headers were never sent: the exploration passed. Found through the parameters at their lowest
   *   (`query: 'min'`), which send the optional headers as they send the optional query parameters.
   * - the lists are sent as the document's style writes them, at `max` with `maxItems` items each at its
   *   `maxLength`, which the app reads as a server does; they were sent as JSON text, one tag of 206 characters.
   * The bug is shrunk to its minimum, reproduced 3/3, and its regression journey fails on the buggy app and
   * passes on the fixed one; the fixed app breaks nothing.
   */
  const OPTIONAL_HEADER_INCLUDE = ['createBook', 'searchBooks']

  describe('venomqa explore --openapi: a bug only an optional header reaches, and list query parameters', () => {
    const lib = libraryPair('optional_header', OPTIONAL_HEADER_INCLUDE, { shared: apps })
    let journey: string | undefined

    it('finds the search with X-Page-Size: 0 through query min, shrunk to that one request', async () => {
      const { crashes, output } = await exploreBuggy(lib)
      expect(crashes.map(stepsOf), output).toEqual([[{ action: 'searchBooks', input: { query: 'min' } }]])
      expect(crashes[0]!.reproduced).toEqual({ attempts: 3, failures: 3 })
      journey = crashes[0]!.emittedFile
      const written = await readFile(path.join(lib.project, journey!), 'utf8')
      expect(written).toMatch(/'x-page-size': '0'/i)
    }, 120_000)

    it('its journey fails on the buggy app and passes on the fixed one', async () => {
      await expectRegressionJourney(lib, journey)
    }, 60_000)

    it('the fixed app reads every list as sent: one tag a pair, the ISBNs comma-separated, at max as many as allowed', async () => {
      const entries = await exploreFixed(lib)
      const searches = entries.filter((e) => e.request.method === 'GET' && /\/books\/search(\?|$)/.test(e.request.url))
      const read = searches.map((e) => {
        const sent = new URL(e.request.url).searchParams
        const size = e.request.headers.find((h: { name: string }) => h.name.toLowerCase() === 'x-page-size')?.value
        return { status: e.response.status, tag: sent.getAll('tag'), isbn: sent.getAll('isbn'), size, answer: JSON.parse(e.response.content.text) }
      })
      const max = read.find((r) => r.size === '50')
      expect(max, JSON.stringify(read)).toBeDefined()
      expect(max!.tag).toEqual(Array(4).fill('x'.repeat(12)))
      expect(max!.isbn).toEqual([Array(3).fill('x'.repeat(13)).join(',')])
      expect(max!.status).toBe(200)
      expect(max!.answer).toMatchObject({ pageSize: 50, tags: Array(4).fill('x'.repeat(12)), isbns: Array(3).fill('x'.repeat(13)) })
      // The typical list: one item, as the sampler made it; no search was refused.
      expect(read.find((r) => r.size === '1')).toMatchObject({ status: 200, tag: ['string'], isbn: ['string'] })
      expect(read.every((r) => r.status === 200)).toBe(true)
    }, 120_000)
  })

  /**
   * The library with two bugs only a request the sampler did not make reaches:
   * - the list of members with `limit=0` and no member yet fails (a 500): `limit` and `page` are optional
   *   query parameters, which were never sent. Found through the query string at its lowest (`query: 'min'`).
   * - a member's change with a null email fails (a 500): the document allows null there, and null was never
   *   sent. Found through the body variant `null`.
   * Each is shrunk to its minimum, reproduced 3/3, and its regression journey fails on the buggy app and
   * passes on the fixed one; the fixed app breaks nothing.
   */
  const QUERY_NULL_INCLUDE = ['createMember', 'listMembers', 'updateMember']

  describe('venomqa explore --openapi: bugs only optional query parameters or a null reach', () => {
    const lib = libraryPair('query_null', QUERY_NULL_INCLUDE, { shared: apps })
    const journeys: Record<'list' | 'change', string | undefined> = { list: undefined, change: undefined }

    it('finds the empty list with limit=0 through query min, and the null email through the null body', async () => {
      const { crashes, output } = await exploreBuggy(lib)
      const list = crashes.find((v) => v.sequence.at(-1)?.action === 'listMembers')
      const change = crashes.find((v) => v.sequence.at(-1)?.action === 'updateMember')
      expect(list && stepsOf(list), output).toEqual([{ action: 'listMembers', input: { query: 'min' } }])
      expect(change && stepsOf(change), output).toEqual([
        { action: 'createMember', input: { body: 'required' } },
        { action: 'updateMember', input: { body: 'null' } },
      ])
      expect(crashes).toHaveLength(2)
      for (const found of [list!, change!]) expect(found.reproduced).toEqual({ attempts: 3, failures: 3 })
      journeys.list = list!.emittedFile
      journeys.change = change!.emittedFile
      const listJourney = await readFile(path.join(lib.project, journeys.list!), 'utf8')
      expect(listJourney).toMatch(/query: \{ limit: '0', page: '1' \}/)
      const changeJourney = await readFile(path.join(lib.project, journeys.change!), 'utf8')
      expect(changeJourney).toMatch(/json: \{ tier: 'standard', email: null \}/)
    }, 120_000)

    it('each journey fails on the buggy app and passes on the fixed one', async () => {
      for (const journey of Object.values(journeys)) await expectRegressionJourney(lib, journey)
    }, 60_000)

    it('the fixed app takes the lists at every query string and the null email, and breaks nothing', async () => {
      const entries = await exploreFixed(lib)
      const lists = entries.filter((e) => e.request.method === 'GET' && /\/members(\?|$)/.test(e.request.url) && e.response.status === 200).map((e) => new URL(e.request.url).search)
      for (const query of ['?limit=20&page=1', '?limit=0&page=1', '?limit=100&page=1000']) expect(lists).toContain(query)
      const cleared = entries.filter((e) => e.request.method === 'PATCH' && e.response.status === 200 && JSON.parse(e.request.postData?.text ?? '{}').email === null)
      expect(cleared.length).toBeGreaterThan(0)
      expect(cleared.every((e) => JSON.parse(e.response.content.text).email === null)).toBe(true)
    }, 120_000)
  })

  /**
   * The library whose last shelf of books takes an optional `shelf_size` cookie parameter: with
   * `shelf_size=0` (which the document allows) and no book yet, the app fails (a 500). Once with a config
   * that sends a session cookie of its own (`sid`) with every request, once with none.
   * The report shows the cookie parameter's value and masks the session's; the regression journey sends
   * `shelf_size=0` as written (the whole `Cookie` was masked, and the journey left it out or read it from a
   * secret variable no one sets), so it fails on the buggy app and passes on the fixed one.
   */
  const SESSION = 'sid=Zq81vKx0Lr5mWp2TnB7c'

  for (const session of [true, false]) {
    describe(`venomqa explore --openapi: a bug only a cookie parameter reaches, ${session ? 'beside the config session cookie' : 'no other cookie'}`, () => {
      const lib = libraryPair(session ? 'cookie_session' : 'cookie_alone', ['shelfBooks'], { shared: apps })
      let journey: string | undefined

      beforeAll(async () => {
        if (!session) return
        const config = path.join(lib.project, 'venomqa.config.ts')
        const text = await readFile(config, 'utf8')
        await writeFile(config, text.replace('  timeout:', `  headers: { Cookie: '${SESSION}' },\n  timeout:`))
      })

      it('finds the shelf with shelf_size=0, shows that cookie in the report and masks the session', async () => {
        const { crashes, output } = await exploreBuggy(lib)
        expect(crashes.map(stepsOf), output).toEqual([[{ action: 'shelfBooks', input: { query: 'min' } }]])
        expect(crashes[0]!.reproduced).toEqual({ attempts: 3, failures: 3 })
        journey = crashes[0]!.emittedFile
        const written = await readFile(path.join(lib.project, journey!), 'utf8')
        const sent = crashes[0]!.sequence.at(-1)!.exchanges.at(-1)!.request.headers
        expect(sent.cookie, written).toBe(session ? 'sid=[REDACTED]; shelf_size=0' : 'shelf_size=0')
        expect(written).toMatch(/cookie: 'shelf_size=0'/i)
        expect(written).not.toMatch(/process\.env|VENOMQA_SECRET/)
        const saved = await readFile(path.join(lib.project, 'out/explore.json'), 'utf8')
        expect(saved).not.toContain(SESSION.slice(4))
        expect(written).not.toContain(SESSION.slice(4))
      }, 120_000)

      it('its journey fails on the buggy app and passes on the fixed one', async () => {
        await expectRegressionJourney(lib, journey)
      }, 60_000)
    })
  }
})
