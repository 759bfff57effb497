import { parseOptions, TIMER_MS_EXPECTED, isTimerMs, unencodedUserinfoProblem } from '@venomqa/core'
import * as z from 'zod/mini'
import en from 'zod/v4/locales/en.js'
import { parseTableSpec } from './catalog'

// zod/mini, bundled into this package tree-shaken (see tsup.config.ts): a configured plugin no longer costs
// every run the start-up of the whole of zod (95 modules, about 50 ms), only of what this schema uses.
z.config(en())

export type PostgresMechanism = 'snapshot' | 'savepoint' | 'template'
export const MECHANISMS = ['snapshot', 'savepoint', 'template'] as const satisfies readonly PostgresMechanism[]

const nonEmptyList = (what: string) =>
  z.pipe(
    z.array(z.string().check(z.trim(), z.minLength(1)), { error: `expected a list of non-empty ${what}` }),
    z.transform((list: string[]) => list.map((v) => v.trim())),
  )
/** `tables` and `exclude`: each a name parseTableSpec reads, so that a mistyped one is the key's issue at start. */
const tableNames = () =>
  nonEmptyList('table names').check(
    z.superRefine((list, ctx) => {
      list.forEach((spec, i) => {
        try {
          parseTableSpec(spec)
        } catch (err) {
          ctx.addIssue({ code: 'custom', path: [i], message: (err as Error).message, input: spec })
        }
      })
    }),
  )
const ms = z.number({ error: TIMER_MS_EXPECTED }).check(z.refine(isTimerMs, { error: TIMER_MS_EXPECTED }))
const POSTGRES_URL = 'expected a postgres:// or postgresql:// URL'
/**
 * A postgres:// URL as written: one whose unencoded password ends its host part early is refused at the
 * key (see unencodedUserinfoProblem), before node-pg reads a piece of the password as the host and names it
 * in its error. Such a URL may not parse at all (`u:p#ss@db`): the encoding, not "expected a URL", is
 * then what the user needs to hear. Neither message quotes the URL.
 */
const postgresUrl = z.string({ error: POSTGRES_URL }).check(
  z.superRefine((url, ctx) => {
    const scheme = /^postgres(ql)?:\/\//i.test(url)
    const unencoded = scheme ? unencodedUserinfoProblem(url) : undefined
    if (unencoded) ctx.addIssue({ code: 'custom', message: unencoded, input: url })
    else if (!scheme || !URL.canParse(url)) ctx.addIssue({ code: 'custom', message: POSTGRES_URL, input: url })
  }),
)

/** The options of the PostgreSQL state backend, from config or `postgresState({...})`. */
export const postgresStateOptions = z.pipe(
  z
    .strictObject({
      /** postgres://user:password@host:port/database */
      url: z.optional(postgresUrl),
      /** Same as `url`. */
      connectionString: z.optional(postgresUrl),
      /** Schemas whose tables are tracked. Default ['public']. */
      schemas: z._default(nonEmptyList('schema names').check(z.refine((l) => l.length > 0, { error: 'expected at least one schema' })), ['public']),
      /** Track only these tables (`name` or `schema.name`, a part in double quotes when it holds a dot) instead of every table of `schemas`. */
      tables: z.optional(
        tableNames().check(
          z.refine((l) => l.length > 0, { error: 'expected at least one table (leave `tables` out to track every table of `schemas`)' }),
        ),
      ),
      /** Tables (`name` or `schema.name`) left alone. */
      exclude: z._default(tableNames(), []),
      /** How checkpoints are taken and restored. Default 'snapshot'. */
      mechanism: z._default(z.enum(MECHANISMS, { error: `expected one of ${MECHANISMS.join(', ')}` }), 'snapshot'),
      /** The backend's name in results and errors. Default `postgres:<database>`. */
      name: z.optional(z.string().check(z.minLength(1, { error: 'expected a non-empty string' }))),
      /** Database the `template` mechanism connects to while it copies and drops the working one. Default 'postgres'. */
      adminDatabase: z._default(z.string().check(z.minLength(1, { error: 'expected a database name' })), 'postgres'),
      /** How long to wait for a connection, ms. Default 5000. */
      connectTimeoutMs: z._default(ms, 5000),
      /** How long to wait for a table lock (installing triggers, restoring), ms. Default 10 000. */
      lockTimeoutMs: z._default(ms, 10_000),
    })
    .check(
      z.superRefine((o, ctx) => {
        if (o.url === undefined && o.connectionString === undefined)
          // No user in the example URL: which role connects is for the project to say.
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own ${VAR} syntax, shown to the user
          ctx.addIssue({ code: 'custom', path: ['url'], message: "is required, e.g. url: '${DATABASE_URL}' or 'postgres://127.0.0.1:5432/app'" })
      }),
    ),
  z.transform(({ connectionString, url, ...rest }) => ({ ...rest, url: (url ?? connectionString)! })),
)

export type PostgresStateOptions = z.input<typeof postgresStateOptions>
export type ResolvedOptions = z.output<typeof postgresStateOptions>

/** Check options given in code (the plugin's are checked by the runner); every mistake names the key. */
export function resolveOptions(input: PostgresStateOptions | undefined): ResolvedOptions {
  return parseOptions(postgresStateOptions, input ?? {}, 'postgresState()')
}

/** The same URL pointing at another database (for the template mechanism's admin connection). */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = '/' + encodeURIComponent(database)
  return u.toString()
}
