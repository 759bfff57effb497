/**
 * The in-process proxy's address is in VENOMQA_PG_PROXY_URL while it listens, for an app the run starts
 * after the backends connect (the config's `app`, `DATABASE_URL: '${VENOMQA_PG_PROXY_URL}'`), and gone
 * once the backend disconnects or lets go, as the mail catcher does with VENOMQA_SMTP_URL.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeWithService } from '@venomqa/test-utils'
import { pgProxyState } from '../src/index'
import { PG, dbUrl, fileDatabase } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const { databases, DB } = fileDatabase('h_app_', 'proxy_url')

describe('VENOMQA_PG_PROXY_URL', () => {
  beforeAll(() => databases.create(DB))
  afterAll(() => databases.drop(DB))

  it('holds the in-process proxy URL from connect to disconnect, and what was there before comes back', async () => {
    const before = process.env.VENOMQA_PG_PROXY_URL
    try {
      process.env.VENOMQA_PG_PROXY_URL = 'postgres://earlier@127.0.0.1:1/x'
      const db = pgProxyState({ upstream: dbUrl(DB) })
      await db.connect()
      expect(process.env.VENOMQA_PG_PROXY_URL).toBe(db.url)
      expect(db.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\//)
      await db.disconnect()
      expect(process.env.VENOMQA_PG_PROXY_URL).toBe('postgres://earlier@127.0.0.1:1/x')

      delete process.env.VENOMQA_PG_PROXY_URL
      const quit = pgProxyState({ upstream: dbUrl(DB) })
      await quit.connect()
      expect(process.env.VENOMQA_PG_PROXY_URL).toBe(quit.url)
      await quit.letGo()
      expect(process.env.VENOMQA_PG_PROXY_URL).toBeUndefined()
    } finally {
      if (before === undefined) delete process.env.VENOMQA_PG_PROXY_URL
      else process.env.VENOMQA_PG_PROXY_URL = before
    }
  })
})
