import { mysqlStatePlugin } from './plugin'

export { mysqlState, mysqlStatePlugin, PLUGIN_NAME, PLUGIN_VERSION } from './plugin'
export { MysqlSnapshotBackend, type MysqlSnapshotOptions, type RollbackStats } from './snapshot'
export { MysqlSavepointBackend, type MysqlSavepointOptions } from './savepoint'
export { type MysqlStateOptions, type MysqlMechanism, mysqlStateOptions } from './options'
export { maskUrl } from './connection'

export default mysqlStatePlugin
