import { PLUGIN_API_VERSION, definePlugin } from '@venomqa/core'
import { version } from '../package.json'
import { type PostgresStateOptions, resolveOptions } from './options'
import { PostgresSavepointBackend } from './savepoint'
import { PostgresSnapshotBackend } from './snapshot'
import { PostgresTemplateBackend } from './template'

export { PostgresSnapshotBackend } from './snapshot'
export { PostgresSavepointBackend } from './savepoint'
export { PostgresTemplateBackend } from './template'
export { maskUrl, resolveOptions } from './options'
export type { PostgresMechanism, PostgresStateOptions } from './options'

export type PostgresStateBackend = PostgresSnapshotBackend | PostgresSavepointBackend | PostgresTemplateBackend

/** A PostgreSQL state backend for the chosen mechanism (default `snapshot`). Options are checked here. */
export function postgresState(options: PostgresStateOptions & { mechanism: 'savepoint' }): PostgresSavepointBackend
export function postgresState(options: PostgresStateOptions & { mechanism: 'template' }): PostgresTemplateBackend
export function postgresState(options: PostgresStateOptions & { mechanism?: 'snapshot' }): PostgresSnapshotBackend
export function postgresState(options: PostgresStateOptions): PostgresStateBackend
export function postgresState(options: PostgresStateOptions): PostgresStateBackend {
  const resolved = resolveOptions(options)
  if (resolved.mechanism === 'savepoint') return new PostgresSavepointBackend(resolved)
  if (resolved.mechanism === 'template') return new PostgresTemplateBackend(resolved)
  return new PostgresSnapshotBackend(resolved)
}

/**
 * The plugin: `plugins: [['@venomqa/state-postgres', { url: '${DATABASE_URL}' }]]` registers one
 * backend and a health check for `venomqa doctor`.
 */
const plugin = definePlugin<PostgresStateOptions>({
  name: '@venomqa/state-postgres',
  version,
  apiVersion: PLUGIN_API_VERSION,
  setup(api) {
    const backend = postgresState(api.options)
    api.addStateBackend(backend)
    api.addHealthCheck(backend.name, () => backend.healthCheck())
    // The runner disconnects its backends; this covers a run that ends before it gets there.
    api.onClose(() => backend.disconnect())
  },
})

export default plugin
export { postgresWorkers, copyTables, TableCopier, type PostgresWorkersOptions, type WorkerApp } from './workers'
