/**
 * A table left out of the tracking (in a schema not in `schemas`, or excluded) whose foreign key to a
 * tracked table deletes or changes its rows (ON DELETE CASCADE, SET NULL): a path that deletes a tracked
 * row deleted the untracked rows with it, and the rollback put back the tracked row only, without a word.
 * Connect now says so, naming the table and its key.
 */
import { randomBytes } from 'node:crypto'
import { describeWithService } from '@venomqa/test-utils'
import { pgDatabaseUrl, pgTestDatabases } from '@venomqa/test-utils/postgres'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { postgresState } from '../src/index'
import { PG } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const databases = pgTestDatabases(/^venomqa_qaf_[a-z0-9_]+$/)
const DB = `venomqa_qaf_dependents_${randomBytes(4).toString('hex')}`
const url = pgDatabaseUrl(DB)

const SCHEMA = `
CREATE SCHEMA billing;
CREATE TABLE users (id serial PRIMARY KEY);
CREATE TABLE billing.invoices (id serial PRIMARY KEY, user_id int REFERENCES users(id) ON DELETE CASCADE);
CREATE TABLE notes (id serial PRIMARY KEY, user_id int REFERENCES users(id) ON DELETE SET NULL);
CREATE TABLE audit (id serial PRIMARY KEY, user_id int REFERENCES users(id));
`

describe('untracked tables that a tracked table changes through a foreign key', () => {
  beforeAll(() => databases.create(DB, SCHEMA))
  afterAll(() => databases.drop(DB))

  async function noticesOf(options: { schemas?: string[]; exclude?: string[] }): Promise<string[]> {
    const notices: string[] = []
    const backend = postgresState({ url, ...options })
    backend.onNotice = (message) => notices.push(message)
    try {
      await backend.connect()
    } finally {
      await backend.disconnect()
    }
    return notices
  }

  it('connect names each one, with its foreign key and what to do', async () => {
    const notices = await noticesOf({ exclude: ['notes'] })
    expect(notices).toHaveLength(1)
    expect(notices[0]).toContain('table billing.invoices (foreign key invoices_user_id_fkey ON DELETE CASCADE to tracked table public.users)')
    expect(notices[0]).toContain('table public.notes (foreign key notes_user_id_fkey ON DELETE SET NULL to tracked table public.users)')
    expect(notices[0]).toMatch(/a rollback puts back the tracked rows only: those changes stay\. Track them too/)
    // a key without an action changes nothing of the referencing table: audit is not named
    expect(notices[0]).not.toContain('audit')
  })

  it('says nothing when they are tracked', async () => {
    expect(await noticesOf({ schemas: ['public', 'billing'] })).toEqual([])
  })
})
