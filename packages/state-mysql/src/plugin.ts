import { type Plugin, PLUGIN_API_VERSION, definePlugin, parseOptions } from '@venomqa/core'
import { MYSQL_STATE_NAME, type MysqlStateOptions, mysqlStateOptions } from './options'
import { MysqlSavepointBackend } from './savepoint'
import { MysqlSnapshotBackend } from './snapshot'

export const PLUGIN_NAME = '@venomqa/state-mysql'
export const PLUGIN_VERSION = __VENOMQA_PKG_VERSION__

/** A state backend for MySQL or MariaDB with the chosen mechanism (snapshot by default). */
export function mysqlState(options: MysqlStateOptions & { mechanism: 'savepoint' }): MysqlSavepointBackend
export function mysqlState(options: MysqlStateOptions & { mechanism?: 'snapshot' }): MysqlSnapshotBackend
export function mysqlState(options: MysqlStateOptions): MysqlSnapshotBackend | MysqlSavepointBackend
export function mysqlState(options: MysqlStateOptions): MysqlSnapshotBackend | MysqlSavepointBackend {
  const valid = parseOptions(mysqlStateOptions, options, 'mysqlState()')
  return valid.mechanism === 'savepoint' ? new MysqlSavepointBackend(valid) : new MysqlSnapshotBackend(valid)
}

/** Registers the backend and a health check named after it (`venomqa doctor`). */
export const mysqlStatePlugin: Plugin<MysqlStateOptions> = definePlugin({
  name: PLUGIN_NAME,
  version: PLUGIN_VERSION,
  apiVersion: PLUGIN_API_VERSION,
  reporters: [],
  options: mysqlStateOptions,
  // Declared for a refusal before setup (see Plugin.stateBackends); neither mechanism is parallel-safe.
  stateBackends: (options) => [{ name: options.name ?? MYSQL_STATE_NAME, mechanism: options.mechanism ?? 'snapshot', parallelSafe: false }],
  setup(api) {
    const options = api.options
    const backend = options.mechanism === 'savepoint' ? new MysqlSavepointBackend(options) : new MysqlSnapshotBackend(options)
    if (backend instanceof MysqlSnapshotBackend) backend.onNotice = (message) => api.log.warn(message)
    api.addStateBackend(backend)
    api.addHealthCheck(backend.name, () => backend.healthReport())
    // The runner disconnects its backends; this covers a run that ends before it gets there (or whose
    // disconnect was abandoned at its timeout), so the tracking triggers and private tables never stay behind
    // in the app's database. disconnect() does nothing once disconnected, and joins one already under way.
    api.onClose(() => backend.disconnect())
  },
})
