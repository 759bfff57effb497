import { mysqlStatePlugin } from './plugin'

export { mysqlState, mysqlStatePlugin, PLUGIN_NAME, PLUGIN_VERSION } from './plugin'
export { MysqlSnapshotBackend, type MysqlSnapshotOptions, type RollbackStats } from './snapshot'
export { MysqlSavepointBackend, type MysqlSavepointOptions } from './savepoint'
export { type MysqlStateOptions, type MysqlMechanism, mysqlStateOptions } from './options'
/** A database URL as messages show it: core's rule for a connection string (redactConnectionUrl). */
export { redactConnectionUrl as maskUrl } from '@venomqa/core'
export { mysqlWorkers, MysqlCopier, type MysqlWorkersOptions, type MysqlWorkerResources } from './workers'
// Where users import a worker setup, they find the function that composes it with others.
export { composeWorkers, startAppProcess, type WorkerApp } from '@venomqa/core'

export default mysqlStatePlugin
