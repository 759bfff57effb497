/**
 * A client's startup parameters behind the proxy are asked of the server on a connection of the proxy's own,
 * which does not see what the run made (it is never committed): a role the app made in the run is one the
 * app's connections have, as on PostgreSQL once its migration committed.
 */
import { describeWithService } from '@venomqa/test-utils'
import { pgTestDatabases } from '@venomqa/test-utils/postgres'
import pg from 'pg'
import { afterAll, expect, it } from 'vitest'
import type { PgProxy } from '../src/index'
import { ADMIN_URL, PG, dbUrl, one, proxiedDatabase, withClient } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const databases = pgTestDatabases(/^venomqa_pr_\d+_[a-z0-9_]+$/)
const DB = `venomqa_pr_${process.pid}_startup_in_run`
/** Made committed for the direct connection, in the run for the proxy's: a role is the whole cluster's. */
const ROLES = { direct: `venomqa_pr_${process.pid}_direct`, proxied: `venomqa_pr_${process.pid}_proxied` }

describe("startup parameters that name what the run made", () => {
  let proxy: PgProxy
  const { connect, endAfter } = proxiedDatabase(databases, DB, '', (p) => (proxy = p))
  afterAll(() => withClient(ADMIN_URL, (c) => c.query(`DROP ROLE IF EXISTS ${ROLES.direct}; DROP ROLE IF EXISTS ${ROLES.proxied}`)))

  const started = async (url: string, options: string) => {
    const c = new pg.Client({ connectionString: url, options })
    c.on('error', () => {})
    endAfter(c)
    return c.connect().then(
      async () => `${await one(c, 'SELECT current_user')} ${await one(c, 'SHOW role')}`,
      (e: { code?: string; message: string }) => `${e.code}: ${e.message}`,
    )
  }

  it('a role made in the run is taken as a startup parameter, as PostgreSQL takes one made before; one that does not exist is refused as PostgreSQL refuses it', async () => {
    const results: string[][] = []
    for (const [url, role] of [[dbUrl(DB), ROLES.direct], [proxy.url, ROLES.proxied]] as const) {
      const app = await connect(url)
      await app.query(`CREATE ROLE ${role}; GRANT ${role} TO CURRENT_USER`)
      await app.end()
      results.push([
        (await started(url, `-c role=${role}`)).replaceAll(role, 'R'),
        await started(url, `-c role=venomqa_pr_${process.pid}_none`),
      ])
    }
    expect(results[0]).toEqual(['R R', `22023: role "venomqa_pr_${process.pid}_none" does not exist`])
    expect(results[1]).toEqual(results[0])
  })
})
