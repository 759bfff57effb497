/**
 * A transaction of the app in REPEATABLE READ or SERIALIZABLE whose snapshot is older than a rollback or a
 * checkpoint (a job that read, then writes after it): the trigger of a table without a key read the change
 * tracking's mark and log as at that snapshot. It found the copy the rollback had removed, or the one
 * taken after an older mark, and took none: the transaction's row there stayed after the next rollback,
 * while its row in a table with a key was undone, half of it. Such a statement now fails as a
 * serialization failure, which such a transaction is retried on.
 */
import { describeWithService } from '@venomqa/test-utils'
import pg from 'pg'
import { expect, it } from 'vitest'
import { postgresState } from '../src'
import { PG, freshDatabaseEachTest, withClient } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)

describe('a transaction of the app whose snapshot is older than a rollback or a checkpoint', () => {
  const DB = `venomqa_pg_${process.pid}_isolation`
  const { url, app } = freshDatabaseEachTest(
    DB,
    `CREATE TABLE posts (id serial PRIMARY KEY, what text NOT NULL); CREATE TABLE notes (what text NOT NULL);
     INSERT INTO posts (what) VALUES ('seed'); INSERT INTO notes VALUES ('seed')`,
  )
  const rows = (table: string) => withClient(url(), async (c) => (await c.query(`SELECT what FROM ${table} ORDER BY what`)).rows.map((r) => r.what as string))

  /** A backend and a job's client, both closed after `body`. */
  async function withJob(body: (backend: ReturnType<typeof postgresState>, job: pg.Client) => Promise<void>): Promise<void> {
    const backend = postgresState({ url: url() })
    const job = new pg.Client({ connectionString: url() })
    await backend.connect()
    await job.connect()
    try {
      await body(backend, job)
    } finally {
      await job.end().catch(() => {})
      await backend.disconnect()
    }
  }

  /** The job's writes, after its snapshot was taken: rejected (then rolled back) or committed. */
  async function jobWrites(job: pg.Client): Promise<'refused' | 'committed'> {
    try {
      await job.query(`INSERT INTO notes VALUES ('job'); INSERT INTO posts (what) VALUES ('job'); COMMIT`)
      return 'committed'
    } catch (err) {
      await job.query('ROLLBACK')
      expect((err as { code?: string }).code).toBe('40001')
      expect((err as Error).message).toMatch(/a VenomQA rollback or checkpoint moved the change tracking's mark after this transaction's snapshot, so its write to table public\.notes could not be tracked whole/)
      return 'refused'
    }
  }

  for (const isolation of ['REPEATABLE READ', 'SERIALIZABLE'])
    it(`${isolation}, across a rollback: its write to a table without a key is refused, never kept while the rest is undone`, () =>
      withJob(async (backend, job) => {
        await backend.checkpoint('start')
        await app(`INSERT INTO posts (what) VALUES ('path'); INSERT INTO notes VALUES ('path')`)
        await job.query(`BEGIN ISOLATION LEVEL ${isolation}; SELECT count(*) FROM posts`)
        await backend.rollback('start')
        expect(await jobWrites(job)).toBe('refused')
        await backend.rollback('start')
        expect(await rows('posts')).toEqual(['seed'])
        expect(await rows('notes')).toEqual(['seed'])
      }))

  it('REPEATABLE READ, across a checkpoint: its write to a table without a key is refused, never half undone by a rollback to it', () =>
    withJob(async (backend, job) => {
      await backend.checkpoint('outer')
      await app(`INSERT INTO notes VALUES ('path')`)
      await job.query('BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM posts')
      await backend.checkpoint('inner')
      expect(await jobWrites(job)).toBe('refused')
      await backend.rollback('inner')
      expect(await rows('posts')).toEqual(['seed'])
      expect(await rows('notes')).toEqual(['path', 'seed'])
    }))

  it('READ COMMITTED, across a rollback: its writes go through and the next rollback undoes them whole', () =>
    // A guard, passing before too: each statement of such a transaction reads the newest mark.
    withJob(async (backend, job) => {
      await backend.checkpoint('start')
      await app(`INSERT INTO notes VALUES ('path')`)
      await job.query('BEGIN; SELECT count(*) FROM posts')
      await backend.rollback('start')
      expect(await jobWrites(job)).toBe('committed')
      await backend.rollback('start')
      expect(await rows('posts')).toEqual(['seed'])
      expect(await rows('notes')).toEqual(['seed'])
    }))
})
