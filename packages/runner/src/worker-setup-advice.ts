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
}

/**
 * The proxy keeps what the app wrote in its one open transaction, which a worker's copy of the database
 * cannot read (postgresWorkers refuses it): the way to workers is the snapshot mechanism.
 */
const INSTEAD_OF_PLUGIN: Readonly<Record<string, string>> = {
  '@venomqa/pg-proxy':
    '@venomqa/state-postgres (the snapshot mechanism) in place of @venomqa/pg-proxy, with postgresWorkers from @venomqa/state-postgres: the proxy cannot serve workers (what the app wrote sits in its one open transaction, which a worker\'s copy of the database cannot read)',
}

/** The setup for `plugins` (their names, as registered): several joined with composeWorkers; none known keeps the common example. */
export function workerSetupAdvice(plugins: readonly string[]): string {
  const names = [...new Set(plugins)]
  const instead = names.flatMap((name) => INSTEAD_OF_PLUGIN[name] ?? [])
  if (instead.length) return instead.join('; ')
  const setups = names.flatMap((name) => WORKER_SETUP_OF_PLUGIN[name] ?? [])
  if (setups.length === 0) return 'e.g. postgresWorkers from @venomqa/state-postgres: one app and database per worker'
  if (setups.length === 1) return setups[0]!
  return `composeWorkers of ${setups.map((s) => s.replace(/:.*/, '')).join(' and ')}, one part for each system the run rolls back`
}
