import { describeWithService, type RunningProcess } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { dropDatabase, exploreShop, startShop } from './helpers'
import { shopExploration } from './shop'

const DB = `venomqa_explore_${process.pid}_fixed`
const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)

describe('explore() against the fixed shop app', () => {
  let app: RunningProcess
  let env: { databaseUrl: string; baseUrl: string }
  beforeAll(async () => {
    const s = await startShop(DB, 'none')
    app = s.app
    env = { databaseUrl: s.url, baseUrl: s.app.url }
  })
  afterAll(async () => {
    await app?.stop()
    await dropDatabase(DB)
  })

  it('finds no violation where the same search finds two on the buggy app, with every strategy', async () => {
    for (const strategy of ['dfs', 'bfs', 'random'] as const) {
      const r = await exploreShop(shopExploration({ strategy, dedupe: false }), env)
      expect(r.violations).toEqual([])
      expect(r.status).toBe('passed')
      expect(r.stats.transitions).toBeGreaterThan(5)
    }
  })
})
