import { TIMER_MS_EXPECTED, UNENCODED_PERCENT, hasMalformedEscape, isTimerMs, redactConnectionUrl, unencodedUserinfoProblem } from '@venomqa/core'
import * as z from 'zod/mini'
import en from 'zod/v4/locales/en.js'

// zod/mini, bundled into this package tree-shaken (see tsup.config.ts): a configured plugin no longer costs
// every run the start-up of the whole of zod (95 modules, about 50 ms), only of what this schema uses.
z.config(en())

export type MysqlMechanism = 'snapshot' | 'savepoint'

/** A backend's name when the options give none: the plugin declares it before setup (Plugin.stateBackends) by this too. */
export const MYSQL_STATE_NAME = 'mysql'

const nonEmpty = z.string({ error: 'expected a non-empty string' }).check(z.minLength(1, { error: 'expected a non-empty string' }))
const tableList = z.array(nonEmpty, { error: 'expected a list of table names' })

const MYSQL_URL = 'expected a mysql:// or mariadb:// URL'
/**
 * A mysql:// URL as written: one whose unencoded password ends its host part early (see
 * unencodedUserinfoProblem), or holds a `%` that starts no escape (the password is decoded), is refused at
 * the key. Read as it is, the first connects elsewhere or says no database is named, the second fails
 * with "URI malformed". Neither message quotes the URL.
 */
const mysqlUrl = z.string({ error: MYSQL_URL }).check(
  z.superRefine((url, ctx) => {
    const problem = mysqlUrlProblem(url)
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: url })
  }),
)

/** What is wrong with a mysql:// URL as written, or undefined. */
export function mysqlUrlProblem(url: string): string | undefined {
  if (!/^(mysql|mariadb):\/\//i.test(url)) return MYSQL_URL
  return unencodedUserinfoProblem(url) ?? (hasMalformedEscape(url) ? UNENCODED_PERCENT : undefined)
}

/** The options of the MySQL / MariaDB state backend, from config or `mysqlState({...})`. */
export const mysqlStateOptions = z.strictObject({
  /** mysql://user:password@host:3306/database (mariadb:// works too). */
  url: mysqlUrl,
  /** Overrides the database named in the url. */
  database: z.optional(nonEmpty),
  /** Track only these tables (default: every base table of the database). */
  tables: z.optional(tableList),
  /** Leave these tables out. */
  exclude: z.optional(tableList),
  /** 'snapshot' (default): works with an app in its own process. 'savepoint': only for an app that uses this backend's connection. */
  mechanism: z.optional(z.enum(['snapshot', 'savepoint'], { error: 'expected "snapshot" or "savepoint"' })),
  /** The backend's name in results (default 'mysql'). */
  name: z.optional(nonEmpty),
  /** snapshot: how long to wait for a lock held by the app before failing, ms (default 10 000; MySQL counts whole seconds, rounded up). */
  lockWaitTimeoutMs: z.optional(z.number({ error: TIMER_MS_EXPECTED }).check(z.refine(isTimerMs, { error: TIMER_MS_EXPECTED }))),
  lockWaitTimeout: z.optional(z.unknown().check(z.refine(() => false, { error: 'renamed to lockWaitTimeoutMs, in milliseconds (it was seconds: 10 is now 10000)' }))),
}).check(
  // At the key with the other mistakes of the url, told by `venomqa doctor` as the plugin's, not found
  // only when the plugin is set up.
  z.superRefine((options, ctx) => {
    // A url refused at its own key is told once, as that: the object's check runs after the keys' all the same.
    if (typeof options.url === 'string' && !mysqlUrlProblem(options.url) && options.database === undefined && urlDatabase(options.url) === '')
      ctx.addIssue({ code: 'custom', path: ['url'], message: `no database named: put it in the url (${redactConnectionUrl(options.url).replace(/\/+$/, '')}/<database>) or give the "database" option`, input: options.url })
  }),
)

/** The database a mysql:// URL names in its path ('' for none), or undefined for a URL that does not parse: its own check says why. */
function urlDatabase(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''))
  } catch {
    return undefined
  }
}

export type MysqlStateOptions = z.input<typeof mysqlStateOptions>
