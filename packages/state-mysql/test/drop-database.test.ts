/**
 * The tests' dropDatabase, held up by a session in an open transaction (which keeps the metadata lock of
 * every table it touched): past its lock wait it fails naming the database and that session, where MariaDB
 * said only "Lock wait timeout exceeded; try restarting transaction". The session is always ended.
 */
import { SERVICES, describeWithService, settledWithin } from '@venomqa/test-utils'
import type { Connection, RowDataPacket } from 'mysql2/promise'
import { expect, it } from 'vitest'
import { admin, dropDatabase } from './helpers'

const describeMysql = await describeWithService('MariaDB', SERVICES.mysql.host, SERVICES.mysql.port)

const DB = `venomqa_my_drop_${process.pid}`
/** The old helper waited 30 s: past this, the test says it is still waiting and ends the holding session. */
const GIVE_UP_MS = 4000

describeMysql('dropDatabase held up by a session', () => {
  it('fails within its lock wait, naming the database and the session in a transaction on it', async () => {
    const setup = await admin()
    let holder: Connection | undefined
    let holderId: number | undefined
    let dropping: Promise<unknown> | undefined
    try {
      await setup.query(`CREATE DATABASE \`${DB}\``)
      await setup.query(`CREATE TABLE \`${DB}\`.t (x INT) ENGINE=InnoDB`)
      holder = await admin()
      const [[row]] = await holder.query<RowDataPacket[]>('SELECT CONNECTION_ID() AS id')
      holderId = row!.id as number
      await holder.query('BEGIN')
      await holder.query(`SELECT * FROM \`${DB}\`.t`)
      dropping = dropDatabase(DB, 1)
      const dropped = await settledWithin(dropping, GIVE_UP_MS)
      expect(dropped).toBeInstanceOf(Error)
      const message = (dropped as Error).message
      expect(message).toMatch(new RegExp(`^DROP DATABASE ${DB} did not finish within 1 s \\(lock_wait_timeout\\)\\. Sessions likely holding it \\(end one with KILL id\\):\\n`))
      expect(message).toMatch(new RegExp(`  - id ${holderId} in no database, Sleep for \\d+ s: in a transaction since \\S+; query: ""`))
    } finally {
      if (holderId !== undefined) await setup.query(`KILL ${holderId}`).catch(() => {})
      await holder?.end().catch(() => {})
      await dropping?.catch(() => {})
      await setup.query(`DROP DATABASE IF EXISTS \`${DB}\``)
      await setup.end()
    }
  }, 30_000)
})
