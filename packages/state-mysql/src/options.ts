import { z } from 'zod'

export type MysqlMechanism = 'snapshot' | 'savepoint'

const nonEmpty = z.string({ error: 'expected a non-empty string' }).min(1, { error: 'expected a non-empty string' })
const tableList = z.array(nonEmpty, { error: 'expected a list of table names' })

/** The options of the MySQL / MariaDB state backend, from config or `mysqlState({...})`. */
export const mysqlStateOptions = z.strictObject({
  /** mysql://user:password@host:3306/database (mariadb:// works too). */
  url: z.string({ error: 'expected a mysql:// or mariadb:// URL' }).regex(/^(mysql|mariadb):\/\//i, { error: 'expected a mysql:// or mariadb:// URL' }),
  /** Overrides the database named in the url. */
  database: nonEmpty.optional(),
  /** Track only these tables (default: every base table of the database). */
  tables: tableList.optional(),
  /** Leave these tables out. */
  exclude: tableList.optional(),
  /** 'snapshot' (default): works with an app in its own process. 'savepoint': only for an app that uses this backend's connection. */
  mechanism: z.enum(['snapshot', 'savepoint'], { error: 'expected "snapshot" or "savepoint"' }).optional(),
  /** The backend's name in results (default 'mysql'). */
  name: nonEmpty.optional(),
  /** snapshot: how long to wait for a lock held by the app before failing, ms (default 10 000; MySQL counts whole seconds, rounded up). */
  lockWaitTimeoutMs: z.number({ error: 'expected a positive number of milliseconds' }).positive({ error: 'expected a positive number of milliseconds' }).optional(),
  lockWaitTimeout: z
    .unknown()
    .refine(() => false, { error: 'renamed to lockWaitTimeoutMs, in milliseconds (it was seconds: 10 is now 10000)' })
    .optional(),
})

export type MysqlStateOptions = z.input<typeof mysqlStateOptions>
