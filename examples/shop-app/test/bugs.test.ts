import { SERVICES, describeWithService } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ShopApp, createShopApp, parseBugs } from '../src'
import { DETERMINISTIC_BUGS } from '../src/bugs'
import { PLANTED, runSequence } from './catalog'
import { ShopClient, createDatabase } from './support'

const describePg = await describeWithService('PostgreSQL', SERVICES.postgres.host, SERVICES.postgres.port)

describePg('the planted bugs, each on its minimal sequence', () => {
  let database: Awaited<ReturnType<typeof createDatabase>> | undefined
  const apps = new Map<string, Promise<ShopApp>>()

  /**
   * One app per SHOP_BUGS value, all on this file's database; every sequence signs up its own user. In this
   * process: these tests are of the app's planted bugs, not of anything that crosses a process boundary
   * (the rollback tests run the app in its own process), and twenty app processes cost the suite seconds.
   */
  const app = (bugs: string) => {
    let started = apps.get(bugs)
    if (!started) {
      const shop = createShopApp({ databaseUrl: database!.url, bugs: parseBugs(bugs) })
      apps.set(bugs, (started = shop.listen().then(() => shop)))
    }
    return started
  }
  const run = async (bugs: string, bug: (typeof PLANTED)[number], calls = bug.calls) => runSequence(new ShopClient((await app(bugs)).url), calls, bug.check)

  beforeAll(async () => {
    database = await createDatabase('bugs')
  })

  afterAll(async () => {
    await Promise.all([...apps.values()].map((p) => p.then((a) => a.close(), () => {})))
    await database?.drop()
  })

  it('the catalog here covers every bug the app knows, and every minimal sequence has 3 calls or more', () => {
    expect(PLANTED.map((b) => b.id).sort()).toEqual([...DETERMINISTIC_BUGS, 'flaky_stock'].sort())
    for (const bug of PLANTED) expect(bug.calls.length, bug.id).toBeGreaterThanOrEqual(3)
  })

  for (const bug of PLANTED.filter((b) => b.id !== 'flaky_stock')) {
    describe(bug.id, () => {
      it('shows after the last call with every bug on, and after no shorter prefix', async () => {
        const verdicts = await run('all', bug)
        expect(verdicts.slice(0, -1)).toEqual(verdicts.slice(0, -1).map(() => null))
        expect(verdicts.at(-1), `${bug.rule}: not broken`).toEqual(expect.any(String))
      })

      it('shows when it is the only bug on', async () => {
        expect((await run(bug.id, bug)).at(-1)).toEqual(expect.any(String))
      })

      it('does not show with SHOP_BUGS=none, nor with every other bug on', async () => {
        expect(await run('none', bug)).toEqual(bug.calls.map(() => null))
        const others = DETERMINISTIC_BUGS.filter((id) => id !== bug.id).join(',')
        expect(await run(others, bug)).toEqual(bug.calls.map(() => null))
      })

      it('is minimal: leaving out any one call, the rest does not show it', async () => {
        for (let i = 0; i < bug.calls.length; i++) {
          const calls = bug.calls.filter((_, j) => j !== i)
          expect((await run('all', bug, calls)).at(-1), `without call ${i + 1} (${bug.calls[i]!.op})`).toBeNull()
        }
      })
    })
  }

  describe('flaky_stock', () => {
    const bug = PLANTED.find((b) => b.id === 'flaky_stock')!

    it('shows only sometimes for the same sequence, and never before its last call', async () => {
      const RUNS = 30 // all 30 alike by chance: 2 in a billion
      let shown = 0
      for (let i = 0; i < RUNS; i++) {
        const verdicts = await run('flaky_stock', bug)
        expect(verdicts.slice(0, -1)).toEqual([null, null, null])
        if (verdicts.at(-1) !== null) shown++
      }
      expect(shown).toBeGreaterThan(0)
      expect(shown).toBeLessThan(RUNS)
    })

    it('is not part of `all`, and does not show with SHOP_BUGS=none', async () => {
      for (let i = 0; i < 10; i++) {
        expect(await run('all', bug)).toEqual([null, null, null, null])
        expect(await run('none', bug)).toEqual([null, null, null, null])
      }
    })
  })
})
