import { describeWithService } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { postgresState } from '../src/index'
import { ADMIN_URL, PG, dropLimitedRole, SCHEMA, SEED, createDatabase, dropDatabase, dump, trackingLeftovers, withClient } from './helpers'

const DB = 'venomqa_pg_perm'
const ROLE = 'venomqa_pg_limited'
const LIMITED_URL = `postgres://${ROLE}@127.0.0.1:5432/${DB}`
const describe = await describeWithService('PostgreSQL', PG.host, PG.port)

const dropRole = () => dropLimitedRole(ROLE)

describe('snapshot mechanism without superuser', () => {
  let url: string
  const asAdmin = (text: string) => withClient(url, (c) => c.query(text))

  beforeAll(async () => {
    await dropDatabase(DB)
    await dropRole()
    url = await createDatabase(DB, SCHEMA + SEED)
    await withClient(ADMIN_URL, (c) => c.query(`CREATE ROLE ${ROLE} LOGIN`))
  })
  afterAll(async () => {
    await dropDatabase(DB)
    await dropRole()
  })

  it('says which permission is missing, then works once it is granted', async () => {
    const backend = postgresState({ url: LIMITED_URL })
    await expect(backend.connect()).rejects.toThrow(
      /user "venomqa_pg_limited" may not SET session_replication_role on database "venomqa_pg_perm" .*permission denied.*GRANT SET ON PARAMETER session_replication_role TO "venomqa_pg_limited"/,
    )

    await withClient(ADMIN_URL, (c) => c.query(`GRANT SET ON PARAMETER session_replication_role TO ${ROLE}`))
    await expect(backend.connect()).rejects.toThrow(/install change tracking on database "venomqa_pg_perm" .*failed: permission denied: permission denied for database venomqa_pg_perm/)

    await asAdmin(`GRANT CREATE ON DATABASE ${DB} TO ${ROLE}; GRANT USAGE ON SCHEMA public TO ${ROLE};
      GRANT ALL ON ALL TABLES IN SCHEMA public TO ${ROLE}; GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${ROLE};`)
    await backend.connect()
    try {
      await backend.checkpoint('cp')
      const before = await dump(url)
      // The app writes as another role (here the superuser): the triggers still record its changes.
      await asAdmin(`UPDATE users SET name = 'x'; INSERT INTO todos (user_id, title) VALUES (2, 'new'); DELETE FROM comments; DELETE FROM audit_log`)
      await backend.rollback('cp')
      expect(await dump(url)).toEqual(before)
    } finally {
      await backend.disconnect()
    }
    expect(await trackingLeftovers(url)).toEqual([])
  })

  it('a materialized view the backend may not read (a report of another role) neither fails it nor goes unwatched', async () => {
    await asAdmin(`CREATE MATERIALIZED VIEW report AS SELECT count(*) AS n FROM users; REVOKE ALL ON report FROM ${ROLE}`)
    const backend = postgresState({ url: LIMITED_URL })
    try {
      await backend.connect()
      await backend.checkpoint('cp')
      const before = await dump(url)
      await asAdmin(`INSERT INTO users (email, name) VALUES ('r@e.com', 'R')`)
      await backend.rollback('cp')
      expect(await dump(url)).toEqual(before)
      await backend.checkpoint('refreshed')
      await asAdmin('REFRESH MATERIALIZED VIEW report')
      await expect(backend.rollback('refreshed')).rejects.toThrow(/materialized view public\.report was refreshed/)
    } finally {
      await backend.disconnect()
      await asAdmin('DROP MATERIALIZED VIEW report')
    }
  })

  it("a table under row-level security that binds the backend's user: the checkpoint is refused naming it, never restores only the rows the user sees", async () => {
    // The app writes as the superuser, whom no policy binds; the backend's user sees the first user only.
    await asAdmin('ALTER TABLE users ENABLE ROW LEVEL SECURITY; CREATE POLICY first_only ON users USING (id = 1)')
    const backend = postgresState({ url: LIMITED_URL })
    try {
      await backend.connect()
      await expect(backend.checkpoint('cp')).rejects.toThrow(
        /checkpoint "cp": row-level security of table public\.users applies to user "venomqa_pg_limited" .*so no checkpoint was taken/,
      )
    } finally {
      await backend.disconnect()
      await asAdmin('DROP POLICY first_only ON users; ALTER TABLE users DISABLE ROW LEVEL SECURITY')
    }
  })

  it('an app connected as a role without any right on the tracking schema keeps working and is tracked', async () => {
    const backend = postgresState({ url })
    await backend.connect()
    try {
      await backend.checkpoint('cp')
      const before = await dump(url)
      await withClient(LIMITED_URL, (c) => c.query(`INSERT INTO users (email, name) VALUES ('l@e.com', 'L'); UPDATE todos SET done = true; TRUNCATE comments`))
      await backend.rollback('cp')
      expect(await dump(url)).toEqual(before)
    } finally {
      await backend.disconnect()
    }
  })
})
