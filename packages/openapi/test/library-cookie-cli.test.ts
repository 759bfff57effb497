/**
 * `venomqa explore --openapi` on the lending library (test/fixtures/library: its own process, PostgreSQL,
 * the snapshot backend), whose last shelf of books takes an optional `shelf_size` cookie parameter: with
 * `shelf_size=0` (which the document allows) and no book yet, the app fails (a 500). Once with a config
 * that sends a session cookie of its own (`sid`) with every request, once with none.
 * The report shows the cookie parameter's value and masks the session's; the regression journey sends
 * `shelf_size=0` as written (the whole `Cookie` was masked, and the journey left it out or read it from a
 * secret variable no one sets), so it fails on the buggy app and passes on the fixed one.
 * Needs the built packages (core, runner, explore, openapi, cli, state-postgres).
 */
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describeWithService } from '@venomqa/test-utils'
import { beforeAll, expect, it } from 'vitest'
import { exploreBuggy, expectRegressionJourney, libraryPair, stepsOf } from './library'

const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)
const SESSION = 'sid=Zq81vKx0Lr5mWp2TnB7c'

for (const session of [true, false]) {
  describe(`venomqa explore --openapi: a bug only a cookie parameter reaches, ${session ? 'beside the config session cookie' : 'no other cookie'}`, () => {
    const lib = libraryPair(session ? 'cookie_session' : 'cookie_alone', ['shelfBooks'])
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
