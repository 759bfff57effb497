/**
 * What the template mechanism's rollback gives the database it makes anew from a checkpoint copy: the
 * settings, privileges, connection limit and comment the database had at the checkpoint. CREATE DATABASE
 * ... TEMPLATE copies none of them (they live in the cluster's shared catalogs), and a rollback used to leave
 * the app's next connections with the server's defaults, and PUBLIC able to connect again.
 */
import { describeWithService } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it, describe as plainDescribe } from 'vitest'
import { settingSql, splitSettingList } from '../src/database-properties'
import { postgresState } from '../src/index'
import { ADMIN_URL, PG, createDatabase, databasesLike, dbUrl, dropDatabase, withClient } from './helpers'
import { runDatabaseName } from '@venomqa/test-utils/postgres'

const DB = runDatabaseName('venomqa_pg_template_props')
const READER = 'venomqa_pg_template_reader'
/** Given a privilege by READER, not by the owner. */
const GRANTEE = 'venomqa_pg_template_grantee'
/** The database's owner from a checkpoint on, after the backend connected. */
const NEW_OWNER = 'venomqa_pg_template_new_owner'
const describe = await describeWithService('PostgreSQL', PG.host, PG.port)

/** The database's properties as the catalogs hold them, in a form two reads can be compared by. */
async function properties(): Promise<Record<string, unknown>> {
  return withClient(ADMIN_URL, async (c) => {
    const { rows } = await c.query(
      `SELECT d.datacl::text AS acl, d.datconnlimit AS limit, shobj_description(d.oid, 'pg_database') AS comment, pg_get_userbyid(d.datdba) AS owner,
              d.datistemplate AS template, d.datallowconn AS connections,
              (SELECT array_agg(coalesce(pg_get_userbyid(nullif(s.setrole, 0)), '*') || ': ' || array_to_string(s.setconfig, '; ') ORDER BY s.setrole)
                 FROM pg_db_role_setting s WHERE s.setdatabase = d.oid) AS settings,
              (SELECT array_agg(pg_get_userbyid(a.grantor) || ' to ' || coalesce(pg_get_userbyid(nullif(a.grantee, 0)), 'PUBLIC') || ': ' || a.privilege_type || CASE WHEN a.is_grantable THEN '*' ELSE '' END ORDER BY 1)
                 FROM aclexplode(d.datacl) a) AS grants
         FROM pg_database d WHERE d.datname = $1`,
      [DB],
    )
    return rows[0]
  })
}

/** What a new session on the database gets: ALTER DATABASE ... SET and ALTER ROLE ... IN DATABASE ... SET. */
async function sessionSettings(url: string): Promise<string[]> {
  return withClient(url, async (c) => {
    const { rows } = await c.query(
      "SELECT array[current_setting('search_path'), current_setting('statement_timeout'), current_setting('work_mem'), current_setting('venomqa.tenant', true)] AS v",
    )
    return ['search_path', 'statement_timeout', 'work_mem', 'venomqa.tenant'].map((n, i) => `${n}=${rows[0].v[i]}`)
  })
}

describe('template mechanism: the database properties a copy does not keep', () => {
  let url: string

  beforeAll(async () => {
    await dropDatabase(DB)
    await withClient(ADMIN_URL, (c) => c.query(`DROP ROLE IF EXISTS ${READER}, ${GRANTEE}, ${NEW_OWNER}`))
    url = await createDatabase(DB, 'CREATE TABLE t (id int PRIMARY KEY)')
    await withClient(ADMIN_URL, async (c) => {
      await c.query(`CREATE ROLE ${READER}`)
      await c.query(`CREATE ROLE ${GRANTEE}`)
      await c.query(`CREATE ROLE ${NEW_OWNER}`)
      await c.query(`ALTER DATABASE ${DB} SET search_path = "$user", public, "odd, ""name"""`)
      await c.query(`ALTER DATABASE ${DB} SET statement_timeout = '42s'`)
      await c.query(`ALTER DATABASE ${DB} SET venomqa.tenant = 'it''s acme'`)
      await c.query(`ALTER ROLE postgres IN DATABASE ${DB} SET work_mem = '5MB'`)
      await c.query(`REVOKE ALL ON DATABASE ${DB} FROM PUBLIC`)
      await c.query(`GRANT CONNECT ON DATABASE ${DB} TO ${READER} WITH GRANT OPTION`)
      await c.query(`GRANT TEMPORARY ON DATABASE ${DB} TO ${READER}`)
      await c.query(`ALTER DATABASE ${DB} CONNECTION LIMIT 40`)
      await c.query(`COMMENT ON DATABASE ${DB} IS 'the shop''s database'`)
    })
  })
  afterAll(async () => {
    await dropDatabase(DB)
    await withClient(ADMIN_URL, (c) => c.query(`DROP ROLE IF EXISTS ${READER}, ${GRANTEE}, ${NEW_OWNER}`))
  })

  it('a rollback gives the new database the settings, privileges, limit and comment it had at the checkpoint', async () => {
    const before = await properties()
    expect(before).toMatchObject({ limit: 40, comment: "the shop's database" })
    const sessionBefore = await sessionSettings(url)
    expect(sessionBefore).toEqual(['search_path="$user", public, "odd, ""name"""', 'statement_timeout=42s', 'work_mem=5MB', "venomqa.tenant=it's acme"])
    const b = postgresState({ url, mechanism: 'template' })
    await b.connect()
    try {
      await b.checkpoint('ready')
      // The path changes some of them: the rollback puts the checkpoint's back, not the path's.
      await withClient(ADMIN_URL, async (c) => {
        await c.query(`ALTER DATABASE ${DB} SET statement_timeout = '1s'`)
        await c.query(`GRANT CONNECT ON DATABASE ${DB} TO PUBLIC`)
        await c.query(`COMMENT ON DATABASE ${DB} IS 'changed in the path'`)
      })
      await withClient(url, (c) => c.query('INSERT INTO t VALUES (1)'))
      await b.rollback('ready')
      expect(await properties()).toEqual(before)
      expect(await sessionSettings(url)).toEqual(sessionBefore)
      expect(await withClient(url, async (c) => (await c.query('SELECT count(*)::int AS n FROM t')).rows[0].n)).toBe(0)
      // The copy is used again by a second rollback to the same checkpoint.
      await withClient(ADMIN_URL, (c) => c.query(`ALTER DATABASE ${DB} RESET ALL`))
      await b.rollback('ready')
      expect(await properties()).toEqual(before)
    } finally {
      await b.disconnect()
    }
  })

  it('a rollback that cannot give them puts the working database back as it was, and says why', async () => {
    const b = postgresState({ url, mechanism: 'template' })
    await b.connect()
    try {
      await b.checkpoint('ready')
      await withClient(url, (c) => c.query('INSERT INTO t VALUES (2)'))
      // The role the checkpoint's privileges name is gone: its GRANT fails after the new database is made.
      await withClient(ADMIN_URL, async (c) => {
        await c.query(`REVOKE ALL ON DATABASE ${DB} FROM ${READER} CASCADE`)
        await c.query(`DROP ROLE ${READER}`)
      })
      const failed = await b.rollback('ready').then(
        () => undefined,
        (err: Error) => err.message,
      )
      expect(failed).toMatch(new RegExp(`rollback to "ready".*role "${READER}" does not exist`))
      // The working database as the path left it: never lost, never half made.
      expect(await withClient(url, async (c) => (await c.query('SELECT array_agg(id) AS ids FROM t')).rows[0].ids)).toEqual([2])
    } finally {
      await b.disconnect()
      await withClient(ADMIN_URL, (c) => c.query(`CREATE ROLE ${READER}`))
    }
  })
  it('a privilege granted by another role than the owner comes back granted by that role, however many hands it went through', async () => {
    await withClient(ADMIN_URL, async (c) => {
      await c.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${DB} TO ${READER} WITH GRANT OPTION`)
      // READER passes them on, and GRANTEE passes CONNECT on again: each grant is recorded as its grantor's.
      await c.query(`SET ROLE ${READER}; GRANT CONNECT ON DATABASE ${DB} TO ${GRANTEE} WITH GRANT OPTION; GRANT TEMPORARY ON DATABASE ${DB} TO ${GRANTEE}; RESET ROLE`)
      await c.query(`SET ROLE ${GRANTEE}; GRANT CONNECT ON DATABASE ${DB} TO PUBLIC; RESET ROLE`)
    })
    const before = await properties()
    expect(before.grants).toEqual(
      expect.arrayContaining([
        `${READER} to ${GRANTEE}: CONNECT*`,
        `${READER} to ${GRANTEE}: TEMPORARY`,
        `${GRANTEE} to PUBLIC: CONNECT`,
        `postgres to ${READER}: CONNECT*`,
      ]),
    )
    const b = postgresState({ url, mechanism: 'template' })
    await b.connect()
    try {
      await b.checkpoint('ready')
      await withClient(url, (c) => c.query('INSERT INTO t VALUES (3)'))
      await b.rollback('ready')
      expect(await properties()).toEqual(before)
      // READER's grant option is READER's own again: taking it back takes back what READER gave, and
      // what GRANTEE gave on from it, as before the rollback.
      await withClient(ADMIN_URL, (c) => c.query(`REVOKE GRANT OPTION FOR CONNECT ON DATABASE ${DB} FROM ${READER} CASCADE`))
      expect((await properties()).grants).not.toContain(`${GRANTEE} to PUBLIC: CONNECT`)
    } finally {
      await b.disconnect()
      await withClient(ADMIN_URL, (c) => c.query(`REVOKE ALL ON DATABASE ${DB} FROM ${READER}, ${GRANTEE}, PUBLIC CASCADE`))
    }
  })

  it('a grantor made superuser since its grant, whose grant PostgreSQL would record as the owner\'s, fails the rollback saying so, the working database put back', async () => {
    await withClient(ADMIN_URL, async (c) => {
      await c.query(`GRANT CONNECT ON DATABASE ${DB} TO ${READER} WITH GRANT OPTION`)
      await c.query(`SET ROLE ${READER}; GRANT CONNECT ON DATABASE ${DB} TO ${GRANTEE}; RESET ROLE`)
    })
    const before = await properties()
    const b = postgresState({ url, mechanism: 'template' })
    await b.connect()
    try {
      await b.checkpoint('ready')
      await withClient(url, (c) => c.query('INSERT INTO t VALUES (8)'))
      await withClient(ADMIN_URL, (c) => c.query(`ALTER ROLE ${READER} SUPERUSER`))
      const failed = await b.rollback('ready').then(
        () => undefined,
        (err: Error) => err.message,
      )
      expect(failed).toContain(
        `cannot give the database a rollback makes anew its privileges as the database had at the checkpoint: CONNECT to "${GRANTEE}", granted by "${READER}" came out as CONNECT to "${GRANTEE}", granted by "postgres"`,
      )
      expect(await properties()).toEqual(before)
      expect(await withClient(url, async (c) => (await c.query('SELECT count(*)::int AS n FROM t WHERE id = 8')).rows[0].n)).toBe(1)
    } finally {
      await b.disconnect()
      await withClient(ADMIN_URL, (c) => c.query(`ALTER ROLE ${READER} NOSUPERUSER; REVOKE ALL ON DATABASE ${DB} FROM ${READER}, ${GRANTEE} CASCADE`))
    }
  })

  it('a working database marked IS_TEMPLATE, or closed to connections, is so again after a rollback, and every database it went through is dropped', async () => {
    await withClient(ADMIN_URL, (c) => c.query(`ALTER DATABASE ${DB} IS_TEMPLATE true`))
    const b = postgresState({ url, mechanism: 'template' })
    await b.connect()
    try {
      await b.checkpoint('template')
      const template = await properties()
      expect(template).toMatchObject({ template: true, connections: true })
      await withClient(url, (c) => c.query('INSERT INTO t VALUES (4)'))
      await b.rollback('template')
      expect(await properties()).toEqual(template)
      expect(await withClient(url, async (c) => (await c.query('SELECT count(*)::int AS n FROM t WHERE id = 4')).rows[0].n)).toBe(0)
      await withClient(ADMIN_URL, (c) => c.query(`ALTER DATABASE ${DB} ALLOW_CONNECTIONS false`))
      await b.checkpoint('closed')
      const closed = await properties()
      expect(closed).toMatchObject({ template: true, connections: false })
      await withClient(ADMIN_URL, (c) => c.query(`ALTER DATABASE ${DB} IS_TEMPLATE false ALLOW_CONNECTIONS true`))
      await withClient(url, (c) => c.query('INSERT INTO t VALUES (5)'))
      await b.rollback('closed')
      expect(await properties()).toEqual(closed)
      await b.rollback('template')
      expect(await properties()).toEqual(template)
    } finally {
      await b.disconnect()
      await withClient(ADMIN_URL, (c) => c.query(`ALTER DATABASE ${DB} IS_TEMPLATE false ALLOW_CONNECTIONS true`))
    }
    expect(await databasesLike(`${DB}_vq`)).toEqual([])
  })

  it('a run that died mid-rollback of a database marked IS_TEMPLATE: the next connect drops what it left', async () => {
    // The database the rollback renamed away, with its mark: the run died before its DROP.
    await createDatabase(`${DB}_vqold`)
    await withClient(ADMIN_URL, (c) => c.query(`ALTER DATABASE ${DB}_vqold IS_TEMPLATE true`))
    const b = postgresState({ url, mechanism: 'template' })
    try {
      await b.connect()
      expect(await databasesLike(`${DB}_vq`)).toEqual([])
    } finally {
      await b.disconnect()
      await dropDatabase(`${DB}_vqold`)
    }
  })

  it('the owner is the one the database had at the checkpoint, not at connect', async () => {
    const b = postgresState({ url, mechanism: 'template' })
    await b.connect()
    try {
      await withClient(ADMIN_URL, (c) => c.query(`ALTER DATABASE ${DB} OWNER TO ${NEW_OWNER}`))
      await b.checkpoint('ready')
      const before = await properties()
      expect(before.owner).toBe(NEW_OWNER)
      await withClient(url, (c) => c.query('INSERT INTO t VALUES (6)'))
      await b.rollback('ready')
      expect(await properties()).toEqual(before)
    } finally {
      await b.disconnect()
      await withClient(ADMIN_URL, (c) => c.query(`ALTER DATABASE ${DB} OWNER TO postgres`))
    }
  })
})

describe('template mechanism: a user that owns the database, may create databases, and is no superuser', () => {
  const OWNED = 'venomqa_pg_template_owned'
  const OWNER = 'venomqa_pg_template_owner'
  /** A role the owner gave CONNECT WITH GRANT OPTION, which passes it on: not one OWNER may act as. */
  const DELEGATE = 'venomqa_pg_template_delegate'
  let url: string

  beforeAll(async () => {
    await dropDatabase(OWNED)
    await withClient(ADMIN_URL, (c) => c.query(`DROP ROLE IF EXISTS ${OWNER}, ${DELEGATE}`))
    await createDatabase(OWNED, 'CREATE TABLE t (id int PRIMARY KEY)')
    await withClient(ADMIN_URL, async (c) => {
      await c.query(`CREATE ROLE ${OWNER} LOGIN CREATEDB`)
      await c.query(`CREATE ROLE ${DELEGATE}`)
      await c.query(`ALTER DATABASE ${OWNED} OWNER TO ${OWNER}`)
    })
    await withClient(dbUrl(OWNED), (c) => c.query(`ALTER TABLE t OWNER TO ${OWNER}`))
    url = dbUrl(OWNED).replace('postgres@', `${OWNER}@`)
  })
  afterAll(async () => {
    await dropDatabase(OWNED)
    await withClient(ADMIN_URL, (c) => c.query(`DROP ROLE IF EXISTS ${OWNER}, ${DELEGATE}`))
  })

  it('a privilege granted by a role the user may not act as fails the checkpoint, before the path runs; as a member of it, comes back as that role granted it', async () => {
    await withClient(url, (c) => c.query(`GRANT CONNECT ON DATABASE ${OWNED} TO ${DELEGATE} WITH GRANT OPTION`))
    await withClient(ADMIN_URL, (c) => c.query(`SET ROLE ${DELEGATE}; GRANT CONNECT ON DATABASE ${OWNED} TO PUBLIC; RESET ROLE`))
    const acl = () => withClient(ADMIN_URL, async (c) => (await c.query('SELECT datacl::text AS acl FROM pg_database WHERE datname = $1', [OWNED])).rows[0].acl)
    const before = await acl()
    expect(before).toContain(`=Tc/${OWNER},`)
    expect(before).toContain(`=c/${DELEGATE}`)
    const b = postgresState({ url, mechanism: 'template' })
    await b.connect()
    try {
      const failed = await b.checkpoint('ready').then(
        () => undefined,
        (err: Error) => err.message,
      )
      expect(failed).toContain(`checkpoint "ready": database "${OWNED}" has CONNECT to PUBLIC, granted by "${DELEGATE}"; user "${OWNER}" may not act as "${DELEGATE}" (SET ROLE)`)
      expect(failed).toContain(`GRANT "${DELEGATE}" TO "${OWNER}"`)
      expect(await databasesLike(`${OWNED}_vq`)).toEqual([])
      await withClient(ADMIN_URL, (c) => c.query(`GRANT ${DELEGATE} TO ${OWNER}`))
      await b.checkpoint('ready')
      await withClient(url, (c) => c.query('INSERT INTO t VALUES (7)'))
      await b.rollback('ready')
      expect(await acl()).toBe(before)
    } finally {
      await b.disconnect()
      await withClient(ADMIN_URL, (c) => c.query(`REVOKE ${DELEGATE} FROM ${OWNER}; REVOKE ALL ON DATABASE ${OWNED} FROM ${DELEGATE} CASCADE`))
    }
  })

  it('gives back what it may give: its own settings, privileges, limit and comment', async () => {
    await withClient(url, async (c) => {
      await c.query(`ALTER DATABASE ${OWNED} SET statement_timeout = '42s'`)
      await c.query(`ALTER ROLE ${OWNER} IN DATABASE ${OWNED} SET work_mem = '5MB'`)
      await c.query(`REVOKE ALL ON DATABASE ${OWNED} FROM PUBLIC`)
      await c.query(`ALTER DATABASE ${OWNED} CONNECTION LIMIT 40`)
      await c.query(`COMMENT ON DATABASE ${OWNED} IS 'owned'`)
    })
    const read = () =>
      withClient(ADMIN_URL, async (c) =>
        (
          await c.query(
            `SELECT d.datacl::text AS acl, d.datconnlimit AS limit, shobj_description(d.oid, 'pg_database') AS comment, pg_get_userbyid(d.datdba) AS owner,
                    (SELECT array_agg(array_to_string(s.setconfig, '; ') ORDER BY s.setrole) FROM pg_db_role_setting s WHERE s.setdatabase = d.oid) AS settings
               FROM pg_database d WHERE d.datname = $1`,
            [OWNED],
          )
        ).rows[0],
      )
    const before = await read()
    const b = postgresState({ url, mechanism: 'template' })
    await b.connect()
    try {
      await b.checkpoint('ready')
      await withClient(url, (c) => c.query('INSERT INTO t VALUES (1)'))
      await b.rollback('ready')
      expect(await read()).toEqual(before)
    } finally {
      await b.disconnect()
      await withClient(ADMIN_URL, (c) => c.query(`ALTER DATABASE ${OWNED} RESET ALL`))
    }
  })

  it('a setting only a superuser may give fails the checkpoint, before the path runs, saying what the user needs', async () => {
    // A custom setting a superuser gave the database (as for row-level security): its owner may not set it.
    await withClient(ADMIN_URL, (c) => c.query(`ALTER DATABASE ${OWNED} SET venomqa.tenant = 'acme'`))
    const b = postgresState({ url, mechanism: 'template' })
    await b.connect()
    try {
      const failed = await b.checkpoint('ready').then(
        () => undefined,
        (err: Error) => err.message,
      )
      expect(failed).toMatch(/checkpoint "ready".* its setting venomqa\.tenant .*permission denied to set parameter "venomqa\.tenant"/)
      expect(failed).toContain(`User "${OWNER}" may not give it`)
      // Its value is not in the message: a setting may hold a secret.
      expect(failed).not.toContain('acme')
      expect(await databasesLike(`${OWNED}_vqcp`)).toEqual([])
    } finally {
      await b.disconnect()
      await withClient(ADMIN_URL, (c) => c.query(`ALTER DATABASE ${OWNED} RESET ALL`))
    }
  })
})

plainDescribe('a list setting as stored, given back to SET', () => {
  it('splits at commas outside double quotes, each item unquoted; any other setting is one string', () => {
    expect(splitSettingList('"$user", public, "odd, ""name"""')).toEqual(['$user', 'public', 'odd, "name"'])
    expect(splitSettingList('""')).toEqual([''])
    expect(splitSettingList('a,b')).toEqual(['a', 'b'])
    expect(settingSql('search_path="$user", public')).toBe(`"search_path" TO '$user', 'public'`)
    expect(settingSql("TimeZone=Europe/Paris")).toBe(`"TimeZone" TO 'Europe/Paris'`)
    expect(settingSql("venomqa.tenant=it's a=b")).toBe(`"venomqa.tenant" TO 'it''s a=b'`)
  })
})
