/**
 * Which worker setup to add, said for the plugins a run has: a MySQL user told of postgresWorkers would
 * reach for the wrong package, and one on the PostgreSQL proxy would add postgresWorkers only to be
 * refused again (the proxy cannot give a worker the main line's rows). Used by every refusal of parallel
 * work without a workerSetup: `venomqa run --workers`/`--parallel-paths` and `venomqa explore --workers`.
 */

/** The worker setup each plugin's package exports for the system it rolls back. */
const WORKER_SETUP_OF_PLUGIN: Readonly<Record<string, string>> = {
  '@venomqa/state-postgres': 'postgresWorkers from @venomqa/state-postgres: one app and database per worker',
  '@venomqa/state-mysql': 'mysqlWorkers from @venomqa/state-mysql: one app and database per worker',
  '@venomqa/adapter-redis': 'redisWorkers from @venomqa/adapter-redis',
  '@venomqa/adapter-wiremock': 'wiremockWorkers from @venomqa/adapter-wiremock',
  '@venomqa/adapter-mailhog': 'mailCatcherWorkers from @venomqa/adapter-mailhog',
  'http-control': 'httpControlWorkers from @venomqa/runner',
  memory: 'memoryWorkers from @venomqa/runner',
}

/**
 * The proxy keeps what the app wrote in its one open transaction, which a worker's copy of the database
 * cannot read (postgresWorkers refuses it): the way to workers is the snapshot mechanism.
 */
const INSTEAD_OF_PLUGIN: Readonly<Record<string, string>> = {
  '@venomqa/pg-proxy':
    '@venomqa/state-postgres (the snapshot mechanism) in place of @venomqa/pg-proxy, with postgresWorkers from @venomqa/state-postgres: the proxy cannot serve workers (what the app wrote sits in its one open transaction, which a worker\'s copy of the database cannot read)',
}

/** A state backend of the run, with the package name of the plugin that registered it (none: given in code). */
export interface BackendOwner {
  readonly backend: string
  readonly plugin?: string
}

/**
 * The setup for `plugins` (their names, as registered): several joined with composeWorkers. `backends`, the
 * run's state backends that each worker needs a copy of, with their plugins: the advice then names the
 * setups of those plugins only (a reporter's plugin has none to add), and a part for each backend of a
 * plugin VenomQA has no setup for (a third-party plugin's), rather than postgresWorkers to a project that
 * has no PostgreSQL. With no plugin's backend known, the common example.
 */
export function workerSetupAdvice(plugins: readonly string[], backends?: readonly BackendOwner[]): string {
  const names = [...new Set(backends ? backends.flatMap((b) => b.plugin ?? []) : plugins)]
  const instead = names.flatMap((name) => INSTEAD_OF_PLUGIN[name] ?? [])
  if (instead.length) return instead.join('; ')
  const setups = names.flatMap((name) => WORKER_SETUP_OF_PLUGIN[name] ?? [])
  // A backend given in code is left to the common advice: its package is not known.
  const uncopied = (backends ?? []).filter((b) => b.plugin && !Object.hasOwn(WORKER_SETUP_OF_PLUGIN, b.plugin))
  if (uncopied.length) {
    const which = uncopied.map((b) => `"${b.backend}" (${b.plugin})`).join(', ')
    const parts = setups.map((s) => s.replace(/:.*/, ''))
    const own = `a worker part for ${uncopied.length === 1 ? 'the state backend' : 'each state backend'} no setup of VenomQA copies, ${which}: its plugin's own if it exports one (see its README), else a WorkerPart of your own that gives each worker a copy and syncs it to the checkpoint ("Any other system")`
    return parts.length || uncopied.length > 1 ? `composeWorkers of ${[...parts, own].join(' and ')}` : own
  }
  if (setups.length === 0) return 'e.g. postgresWorkers from @venomqa/state-postgres: one app and database per worker'
  if (setups.length === 1) return setups[0]!
  return `composeWorkers of ${setups.map((s) => s.replace(/:.*/, '')).join(' and ')}, one part for each system the run rolls back`
}
