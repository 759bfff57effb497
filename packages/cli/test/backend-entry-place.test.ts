/**
 * `venomqa run` with a state backend that cannot connect (PostgreSQL, MariaDB, Redis, each real) names the
 * config file and entry that configured it, beside the backend: with two PostgreSQL databases, `postgres` alone did
 * not say which entry to fix. The built binary runs in a project of its own.
 */
import { symlinkSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { CLOSED_PORT, REPO_ROOT, SERVICES } from '@venomqa/test-utils'
import { PG_ADMIN_URL, pgDatabaseUrl, withPgClient } from '@venomqa/test-utils/postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, projectWithJourneys } from './helpers/project'

/** A database of this process's own, dropped after; and a name no database has. */
const GOOD = `venomqa_fixb_${process.pid}_a`
const MISSING = `venomqa_fixb_${process.pid}_missing`
// The CLI's own DB (see SERVICES), keys under `fixb:` only: adapter-redis's suite runs beside this one.
const REDIS = `redis://${SERVICES.redis.host}:${SERVICES.redis.port}/4`

const JOURNEY = `import { checkpoint, journey, step } from '@venomqa/core'
export default journey('saved', { steps: [checkpoint('start'), step('noop', () => {})] })
`

describe('a state backend that cannot connect, named with its config entry', () => {
  let project: Project
  beforeAll(async () => {
    await withPgClient(PG_ADMIN_URL, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${GOOD}`)
      await c.query(`CREATE DATABASE ${GOOD}`)
    })
    // A backend has tables to track, or it refuses to connect.
    await withPgClient(pgDatabaseUrl(GOOD), (c) => c.query('CREATE TABLE items (id serial PRIMARY KEY, name text)'))
    project = await projectWithJourneys({ 'saved.journey.ts': JOURNEY })
    for (const name of ['state-postgres', 'state-mysql', 'adapter-redis'])
      symlinkSync(path.join(REPO_ROOT, 'packages', name), path.join(project.dir, 'node_modules/@venomqa', name), 'dir')
  })
  afterAll(async () => {
    await project?.remove()
    await withPgClient(PG_ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${GOOD}`))
  })

  /** `venomqa run` with these plugin entries, as YAML lines; what it printed. */
  async function runWith(entries: string[]): Promise<string> {
    await writeFile(path.join(project.dir, 'venomqa.yaml'), `baseUrl: http://127.0.0.1:${CLOSED_PORT}\nplugins:\n${entries.map((e) => `  - ${e}\n`).join('')}`)
    const r = await project.venomqa(['run'], { timeoutMs: 60_000 })
    expect(r.code, r.stderr).toBe(1)
    return r.stdout + r.stderr
  }

  it('two PostgreSQL backends: the one that failed is plugins[1]', async () => {
    const said = await runWith([
      `['@venomqa/state-postgres', { url: '${pgDatabaseUrl(GOOD)}', name: 'pg-a' }]`,
      `['@venomqa/state-postgres', { url: '${pgDatabaseUrl(MISSING)}', name: 'pg-b' }]`,
    ])
    expect(said).toContain(`state backend "pg-b" (venomqa.yaml: plugins[1]) could not connect: cannot connect to database "${MISSING}"`)
    // Told once, on the connect issue, which names the journey not run for it.
    expect(said.match(/plugins\[1\]\) could not connect/g)).toHaveLength(1)
    expect(said).toContain('      not run for it: saved\n')
  })

  // A mistake in the options that connect finds is exit 2 at its key (a table the database does not have);
  // a service down, a user the server refuses or a wrong password stays a failure to connect: exit 1, told.
  it('PostgreSQL down, a role it does not have, MariaDB refusing the password: could not connect (exit 1), never a config mistake', async () => {
    for (const [entry, name] of [
      [`['@venomqa/state-postgres', { url: 'postgres://postgres@127.0.0.1:${CLOSED_PORT}/${GOOD}', name: 'pg-down', connectTimeoutMs: 2000 }]`, 'pg-down'],
      [`['@venomqa/state-postgres', { url: 'postgres://no_such_role_here@127.0.0.1:5432/${GOOD}', name: 'pg-role' }]`, 'pg-role'],
      [`['@venomqa/state-mysql', { url: 'mysql://root:wrong-password@${SERVICES.mysql.host}:${SERVICES.mysql.port}/mysql', name: 'my-password' }]`, 'my-password'],
    ] as const) {
      const said = await runWith([entry])
      expect(said).toContain(`state backend "${name}" (venomqa.yaml: plugins[0]) could not connect: `)
      expect(said).not.toMatch(/\n {2}at venomqa\.yaml: plugins\[0\]\./)
    }
  })

  it('MariaDB: plugins[1]', async () => {
    const said = await runWith([
      `['@venomqa/state-postgres', { url: '${pgDatabaseUrl(GOOD)}', name: 'pg-a' }]`,
      `['@venomqa/state-mysql', { url: 'mysql://root@${SERVICES.mysql.host}:${SERVICES.mysql.port}/${MISSING}', name: 'my-b' }]`,
    ])
    expect(said).toMatch(/state backend "my-b" \(venomqa\.yaml: plugins\[1\]\) could not connect: /)
  })

  it("Redis's state backend: plugins[1]", async () => {
    const said = await runWith([
      `['@venomqa/adapter-redis', { url: '${REDIS}', cache: false, queue: false, state: { prefix: 'fixb:', name: 'redis-a' } }]`,
      `['@venomqa/adapter-redis', { url: 'redis://127.0.0.1:${CLOSED_PORT}/3', cache: false, queue: false, state: { wholeDb: true, name: 'redis-b' } }]`,
    ])
    expect(said).toContain(`state backend "redis-b" (venomqa.yaml: plugins[1]) could not connect: cannot reach Redis at redis://127.0.0.1:${CLOSED_PORT}/3`)
  })
})
