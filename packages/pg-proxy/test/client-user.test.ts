/**
 * A client that logs in through the proxy as another user than the proxy's own (an app's second pool as a
 * read-only role) has that user's rights, as on PostgreSQL: the proxy's session is its own user's, often a
 * superuser, and a report that writes must be refused through the proxy as it is on the database.
 */
import path from 'node:path'
import { type RunningProcess, describeWithService, startNodeProcess } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { PgProxy } from '../src/index'
import { ADMIN_URL, FIXTURES, PG, createDatabase, dbName, dbUrl, dropDatabase, startProxy, withClient } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const DB = dbName('client_user')
/** A role is the whole cluster's: named after this process, dropped after. */
const READER = `venomqa_proxy_${process.pid}_reader`

const asUser = (url: string, user: string) => {
  const u = new URL(url)
  u.username = user
  return u.toString()
}

/** What the app answers, in order, with its pools at `url` (the reports pool logging in as READER). */
async function appAnswers(url: string): Promise<unknown[]> {
  const app: RunningProcess = await startNodeProcess(path.join(FIXTURES, 'roles-app.mjs'), { env: { DATABASE_URL: url, REPORTS_DATABASE_URL: asUser(url, READER) } })
  try {
    const answers: unknown[] = []
    for (const [method, route] of [['POST', '/notes'], ['GET', '/reports/whoami'], ['POST', '/reports/notes']] as const) {
      const res = await fetch(`${app.url}${route}`, { method })
      const body = (await res.json()) as { error?: string }
      answers.push({ status: res.status, ...body, ...(body.error ? { error: body.error.replaceAll(READER, 'READER') } : {}) })
    }
    return answers
  } finally {
    await app.stop()
  }
}

describe('a client that logs in as another user', () => {
  let proxy: PgProxy | undefined
  beforeAll(async () => {
    await withClient(ADMIN_URL, (c) => c.query(`DROP ROLE IF EXISTS ${READER}; CREATE ROLE ${READER} LOGIN`))
    await createDatabase(DB, `CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL); GRANT SELECT ON notes TO ${READER}`)
  })
  afterAll(async () => {
    await proxy?.stop()
    await dropDatabase(DB)
    await withClient(ADMIN_URL, (c) => c.query(`DROP ROLE IF EXISTS ${READER}`))
  })

  it("has that user's rights through the proxy, as on the database: a read-only pool's write is refused", async () => {
    const direct = await appAnswers(dbUrl(DB))
    await withClient(dbUrl(DB), (c) => c.query('TRUNCATE notes RESTART IDENTITY'))
    proxy = await startProxy(DB)
    const proxied = await appAnswers(proxy.url)
    expect(direct).toEqual([
      { status: 200, id: 1 },
      { status: 200, who: READER },
      { status: 500, code: '42501', error: 'permission denied for table notes' },
    ])
    expect(proxied).toEqual(direct)
  })
})
