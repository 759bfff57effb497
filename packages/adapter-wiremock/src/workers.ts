import { ConfigError, type MainSystem, type StateBackend, type WorkerApp, type WorkerAppResources, type WorkerPart, asWorkerSetup } from '@venomqa/core'
import { WireMockAdmin } from './admin'
import { type ManagedWireMock, type StartWireMockOptions, startWireMock } from './managed'
import { WireMockPort } from './mock-port'
import { WireMockState, putMappings, readMappings } from './state'

/** What a wiremock part gives the app of each worker. */
export interface WireMockWorkerResources {
  /** The worker's own WireMock: where its app sends what the main app sends to the main WireMock. */
  mockUrl: string
}

export interface WireMockWorkersOptions {
  /** The main WireMock's base URL. Default: the run's mock port's (the plugin's, managed or not). */
  url?: string
  /** The name of the mock port, the run's and each worker's. Default 'mock'. */
  portName?: string
  /** How each worker's WireMock is started from the jar (jar, java, jvmArgs, args...); it listens on a free port. */
  managed?: Omit<StartWireMockOptions, 'port'>
  /** Start the app for worker `index` against `mockUrl`. Leave it out inside composeWorkers, whose startApp gets every part's resources. */
  startApp?(index: number, mockUrl: string, resources: WorkerAppResources<WireMockWorkerResources>): Promise<WorkerApp>
  /** The environment variable that carries the worker's WireMock URL to its app (`resources.env`). Default WIREMOCK_URL. */
  env?: string
  /** Per admin call, ms. Default 10 000. */
  timeoutMs?: number
}

const PART = 'wiremockWorkers'

/**
 * Worker setup (and part for composeWorkers) for apps that call services WireMock stands in for: each
 * worker gets a WireMock of its own, started from the jar, with its own `mock` port and state backend. At
 * each sync the main WireMock's stub mappings (same ids, same order) and scenario states, at the
 * checkpoint, are put into the worker's, and its request journal is emptied, as a rollback does on the main.
 */
export function wiremockWorkers(options: WireMockWorkersOptions = {}) {
  if (options.startApp !== undefined && typeof options.startApp !== 'function')
    throw new ConfigError(`${PART}: \`startApp(index, mockUrl)\` must be a function`, { where: 'startApp' })
  const portName = options.portName ?? 'mock'
  const admins = new Map<number, WireMockAdmin>()

  /** The main WireMock: the `url` option's, or the run's mock port's. */
  const mainAdmin = (main: MainSystem): WireMockAdmin => {
    if (options.url) return new WireMockAdmin(options.url, { timeoutMs: options.timeoutMs })
    const port = main.ports.get(portName)
    if (port instanceof WireMockPort) return port.admin
    throw new ConfigError(
      `${PART}: the run has no WireMock mock port named "${portName}" to copy stubs from; register the WireMock plugin (plugins: ['@venomqa/adapter-wiremock']), or give the main WireMock's url: wiremockWorkers({ url })`,
      { where: 'url' },
    )
  }

  const part: WorkerPart<WireMockWorkerResources> = {
    part: PART,
    needsApp: true,
    async prepare(index, main) {
      mainAdmin(main)
      const server: ManagedWireMock = await startWireMock({ ...options.managed, port: 0 })
      const admin = new WireMockAdmin(server.baseUrl, { timeoutMs: options.timeoutMs })
      admins.set(index, admin)
      return {
        resources: { mockUrl: server.baseUrl },
        env: { [options.env ?? 'WIREMOCK_URL']: server.baseUrl },
        stateBackends: [new WireMockState(admin, `wiremock:w${index}`)],
        ports: { [portName]: new WireMockPort(admin) },
        close: async () => {
          admins.delete(index)
          await server.stop()
        },
      }
    },
    async sync(index, info) {
      const admin = admins.get(index)
      if (!admin) throw new Error(`worker ${index} was not created`)
      await putMappings(admin, await readMappings(mainAdmin(info.main)))
    },
    covers: (b: StateBackend) => b instanceof WireMockState,
  }
  const startApp = options.startApp
  return asWorkerSetup(part, startApp && ((index, resources) => startApp(index, resources.mockUrl, resources)), 'startApp(index, mockUrl)')
}
