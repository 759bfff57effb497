/**
 * A worker database the server refuses to create (the user of `url` has no rights on `<main>_w<i>`) was
 * never made: the error says why it could not be made, and nothing about one left behind. It used to try to
 * drop it, be refused that too, and tell the user to drop by hand a database that does not exist.
 */
import { describeWithService } from '@venomqa/test-utils'
import { afterAll, expect, it } from 'vitest'
import { mysqlWorkers } from '../src'
import { HOST, PORT, dbName, dropDatabase, freshDatabase, sqlOn } from './helpers'

const describe = await describeWithService('MariaDB', HOST, PORT)
const DB = dbName('wrefused')
const WORKER = `${DB}_w1`
/** A user with every right on the main database and none on the worker's. */
const USER = dbName('wuser')
const ACCOUNT = `'${USER}'@'%'`

describe('a worker database the server refuses to create', () => {
  afterAll(async () => {
    await sqlOn(null, `DROP USER IF EXISTS ${ACCOUNT}`)
    await dropDatabase(WORKER)
    await dropDatabase(DB)
  })

  it('fails the create naming the refusal, and says nothing is left behind, as nothing was made', async () => {
    await freshDatabase(DB, ['CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB'])
    await sqlOn(null, `DROP USER IF EXISTS ${ACCOUNT}; CREATE USER ${ACCOUNT} IDENTIFIED BY 'pw-worker'; GRANT ALL ON \`${DB}\`.* TO ${ACCOUNT}`)
    let appsStarted = 0
    const workers = mysqlWorkers({
      url: `mysql://${USER}:pw-worker@${HOST}:${PORT}/${DB}`,
      databaseName: () => WORKER,
      // Never reached: the database comes first.
      startApp: async () => {
        appsStarted++
        return { baseUrl: 'http://127.0.0.1:1' }
      },
    })

    const error = await workers.create(1, { baseUrl: 'http://127.0.0.1:1', ports: new Map(), stateBackends: [] }).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(Error)
    const message = (error as Error).message
    expect(message).toContain(`creating the worker database (database "${WORKER}" on mysql://${USER}:***@${HOST}:${PORT}/${DB}) failed: ER_DBACCESS_DENIED_ERROR`)
    expect(message).not.toContain('left behind')
    expect(message).not.toContain('pw-worker')
    expect(appsStarted).toBe(0)
    expect(await sqlOn(null, `SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '${WORKER}'`)).toEqual([])
  })
})
