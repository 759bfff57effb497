export {
  default,
  default as wiremockPlugin,
  PLUGIN_NAME,
  DEFAULT_WIREMOCK_URL,
  WIREMOCK_URL_ENV,
  resolveOptions,
  wiremockPluginOptions,
  type WireMockPluginOptions,
  type ManagedOptions,
} from './plugin'
export { WireMockPort, STARTED, type WireMockPortOptions } from './mock-port'
export { WireMockState, putMappings, readMappings, type MappingsSnapshot, type WireMockStateOptions } from './state'
export {
  WireMockAdmin,
  normalizeBaseUrl,
  type WireMockAdminOptions,
  type StubMapping,
  type ScenarioState,
  type LoggedRequest,
  type RequestPattern,
} from './admin'
export { startWireMock, findWireMockJar, DEFAULT_JVM_ARGS, type StartWireMockOptions, type ManagedWireMock } from './managed'
export { WireMockError } from './errors'
export { freePort, isListening } from './free-port'
export { wiremockWorkers, type WireMockWorkersOptions, type WireMockWorkerResources } from './workers'
// Where users import a worker setup, they find the function that composes it with others.
export { composeWorkers, startAppProcess, type WorkerApp } from '@venomqa/core'
