import { describeWithService } from '@venomqa/test-utils'
import type { RowDataPacket } from 'mysql2/promise'
import { afterAll, expect, it } from 'vitest'
import { MysqlSnapshotBackend } from '../src'
import { HOST, PORT, admin, dbName, dropDatabase, urlFor } from './helpers'

const describe = await describeWithService('MariaDB', HOST, PORT)

/**
 * Tables without a primary key are tracked by name in the private change log. The names must be stored and
 * compared byte for byte, whatever the database's default character set and collation.
 */
const CASES = [
  { db: dbName('wlog_case'), charset: 'CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci', names: ['Notes', 'notes'] },
  { db: dbName('wlog_accent'), charset: 'CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci', names: ['resume', 'résumé'] },
  { db: dbName('wlog_latin1'), charset: 'CHARACTER SET latin1', names: ['заказы'] },
]

describe('change log of tables without a primary key', () => {
  afterAll(async () => {
    for (const c of CASES) await dropDatabase(c.db)
  })

  for (const { db, charset, names } of CASES) {
    it(`restores ${names.map((n) => `\`${n}\``).join(' and ')} in a database of ${charset}`, async () => {
      const root = await admin()
      try {
        await root.query(`DROP DATABASE IF EXISTS \`${db}\``)
        await root.query(`CREATE DATABASE \`${db}\` ${charset}`)
      } finally {
        await root.end()
      }
      const app = await admin(db)
      const backend = new MysqlSnapshotBackend({ url: urlFor(db) })
      try {
        for (const n of names) await app.query(`CREATE TABLE \`${n}\` (v INT)`)
        await backend.connect()
        await backend.checkpoint('cp')
        for (const n of names) await app.query(`INSERT INTO \`${n}\` VALUES (1)`)
        await backend.rollback('cp')
        const counts: Record<string, number> = {}
        for (const n of names) counts[n] = Number((await app.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${n}\``))[0][0]!.n)
        expect(counts).toEqual(Object.fromEntries(names.map((n) => [n, 0])))
      } finally {
        await backend.disconnect()
        await app.end()
        await dropDatabase(db)
      }
    })
  }
})
