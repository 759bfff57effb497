import { describeWithService } from '@venomqa/test-utils'
import { afterAll, afterEach, beforeEach, expect, it } from 'vitest'
import { MysqlSnapshotBackend } from '../src'
import { HOST, PORT, dbName, dropDatabase, dump, freshDatabase, sqlOn, urlFor } from './helpers'

const DB = dbName('strict')
const describe = await describeWithService('MariaDB', HOST, PORT)

const SCHEMA = ['CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(8) NOT NULL, due DATE NULL) ENGINE=InnoDB']

describe('a restore that would convert a value fails instead of writing it changed', () => {
  let backend: MysqlSnapshotBackend
  beforeEach(async () => {
    await freshDatabase(DB, SCHEMA)
    backend = new MysqlSnapshotBackend({ url: urlFor(DB) })
  })
  afterEach(() => backend?.disconnect().catch(() => undefined))
  afterAll(() => dropDatabase(DB))

  it('a saved value too long for its column fails the rollback, which leaves the path\'s rows as they were', async () => {
    await sqlOn(DB, "INSERT INTO notes VALUES (1, 'short', NULL)")
    await backend.connect()
    await backend.checkpoint('ready')
    // The saved copy holds what the column cannot (forced here: the copy's type made wider and the saved value
    // changed). Without strict mode the restore cut it to 'too long' with a warning nobody read, and succeeded.
    await sqlOn(DB, "ALTER TABLE _venomqa_hist_notes MODIFY body VARCHAR(50); UPDATE _venomqa_hist_notes SET body = 'too long for eight' WHERE id = 1")
    await sqlOn(DB, "UPDATE notes SET body = 'path' WHERE id = 1")
    await expect(backend.rollback('ready')).rejects.toThrow(/Data too long for column 'body'/)
    expect((await dump(DB)).rows.notes).toEqual([{ id: 1, body: 'path', due: null }])
  })

  it('rows the app wrote without strict mode (an invalid date, a zero date) still come back as they were', async () => {
    await sqlOn(DB, "SET SESSION sql_mode = 'ALLOW_INVALID_DATES'; INSERT INTO notes VALUES (1, 'feb', '2020-02-31'), (2, 'zero', '0000-00-00')")
    await backend.connect()
    await backend.checkpoint('ready')
    const before = ((await sqlOn(DB, 'SELECT id, CAST(due AS CHAR) AS d FROM notes ORDER BY id')) as unknown[]).map((r) => ({ ...(r as object) }))
    await sqlOn(DB, "UPDATE notes SET due = '2021-01-01', body = 'x'")
    await backend.rollback('ready')
    expect(((await sqlOn(DB, 'SELECT id, CAST(due AS CHAR) AS d FROM notes ORDER BY id')) as unknown[]).map((r) => ({ ...(r as object) }))).toEqual(before)
    expect(before).toEqual([
      { id: 1, d: '2020-02-31' },
      { id: 2, d: '0000-00-00' },
    ])
  })
})
