import { PLUGIN_API_VERSION, definePlugin } from '@venomqa/core'
import { postgresBackendName } from './backend'
import { type PostgresStateOptions, type ResolvedOptions, postgresStateOptions, resolveOptions } from './options'
import { PostgresSavepointBackend } from './savepoint'
import { PostgresSnapshotBackend } from './snapshot'
import { PostgresTemplateBackend } from './template'

export { PostgresSnapshotBackend } from './snapshot'
export { PostgresSavepointBackend } from './savepoint'
export { PostgresTemplateBackend } from './template'
export { postgresStateOptions, resolveOptions } from './options'
/** A database URL as messages show it: core's rule for a connection string (redactConnectionUrl). */
export { redactConnectionUrl as maskUrl } from '@venomqa/core'
export type { PostgresMechanism, PostgresStateOptions } from './options'

export type PostgresStateBackend = PostgresSnapshotBackend | PostgresSavepointBackend | PostgresTemplateBackend

/** A PostgreSQL state backend for the chosen mechanism (default `snapshot`). Options are checked here. */
export function postgresState(options: PostgresStateOptions & { mechanism: 'savepoint' }): PostgresSavepointBackend
export function postgresState(options: PostgresStateOptions & { mechanism: 'template' }): PostgresTemplateBackend
export function postgresState(options: PostgresStateOptions & { mechanism?: 'snapshot' }): PostgresSnapshotBackend
export function postgresState(options: PostgresStateOptions): PostgresStateBackend
export function postgresState(options: PostgresStateOptions): PostgresStateBackend {
  return backendFor(resolveOptions(options))
}

function backendFor(resolved: ResolvedOptions): PostgresStateBackend {
  if (resolved.mechanism === 'savepoint') return new PostgresSavepointBackend(resolved)
  if (resolved.mechanism === 'template') return new PostgresTemplateBackend(resolved)
  return new PostgresSnapshotBackend(resolved)
}

/**
 * The plugin: `plugins: [['@venomqa/state-postgres', { url: '${DATABASE_URL}' }]]` registers one
 * backend and a health check for `venomqa doctor`.
 */
const plugin = definePlugin({
  name: '@venomqa/state-postgres',
  version: __VENOMQA_PKG_VERSION__,
  apiVersion: PLUGIN_API_VERSION,
  reporters: [],
  options: postgresStateOptions,
  // Declared for a refusal before setup (see Plugin.stateBackends); every mechanism is not parallel-safe.
  stateBackends: (options) => [{ name: postgresBackendName(options), mechanism: options.mechanism, parallelSafe: false }],
  setup(api) {
    const backend = backendFor(api.options)
    backend.onNotice = (message) => api.log.warn(message)
    api.addStateBackend(backend)
    api.addHealthCheck(backend.name, () => backend.healthReport())
    // The runner disconnects its backends; this covers a run that ends before it gets there.
    api.onClose(() => backend.disconnect())
  },
})

export default plugin
export { postgresWorkers, copyTables, TableCopier, type PostgresWorkersOptions, type PostgresWorkerResources, type WorkerApp } from './workers'
// Where users import a worker setup, they find the function that composes it with others.
export { composeWorkers, startAppProcess } from '@venomqa/core'
