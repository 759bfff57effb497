import { PLUGIN_API_VERSION, definePlugin } from '@venomqa/core'
import { PgProxyBackend, proxyBackendName } from './backend'
import { type PgProxyStateOptions, pgProxyStateOptions, resolveOptions } from './options'

export { PgProxy, ProxyError, type PgProxyOptions, type ProxyRollbackOptions, type ProxyStats, type ProxyStopped } from './proxy'
export { PgProxyBackend } from './backend'
export { ControlClient, startControlServer, type ProxyStatus } from './control'
export { resolveOptions, parseListen, pgProxyStateOptions, type PgProxyStateOptions } from './options'
export type { RefusalRecord } from './refusals'

/** A backend for the `proxy` mechanism. Options are checked here. */
export function pgProxyState(options: PgProxyStateOptions, warn?: (message: string) => void): PgProxyBackend {
  return new PgProxyBackend(resolveOptions(options), warn)
}

/**
 * The plugin: `plugins: [['@venomqa/pg-proxy', { control: 'http://127.0.0.1:6544' }]]` (a proxy started
 * with `venomqa-pg-proxy`) or `{ upstream: '${DATABASE_URL}', listen: '127.0.0.1:6543' }` (started here)
 * registers one backend and a health check for `venomqa doctor`.
 */
const plugin = definePlugin({
  name: '@venomqa/pg-proxy',
  version: __VENOMQA_PKG_VERSION__,
  apiVersion: PLUGIN_API_VERSION,
  reporters: [],
  // Checked by the runner before setup: a mistake names its key as `plugins[N].key`.
  options: pgProxyStateOptions,
  // Declared for a refusal before setup, which would start the proxy or attach to it (see Plugin.stateBackends).
  stateBackends: (options) => [{ name: proxyBackendName(options), mechanism: 'proxy', parallelSafe: false }],
  setup(api) {
    const backend = new PgProxyBackend(api.options, (m) => api.log.warn(m))
    api.addStateBackend(backend)
    api.addHealthCheck(backend.name, () => backend.healthReport())
    // The runner disconnects its backends; this covers a run that ends before it gets there.
    api.onClose(() => backend.disconnect())
  },
})

export default plugin
