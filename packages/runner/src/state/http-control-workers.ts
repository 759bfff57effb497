import { ConfigError, type MainSystem, type StateBackend, type WorkerApp, type WorkerPart, asWorkerSetup } from '@venomqa/core'
import { HttpControlState } from './http-control'

export interface HttpControlWorkersOptions {
  /** Start the app for worker `index` (an empty instance: its state is imported from the main app's at each sync). */
  startApp?(index: number): Promise<WorkerApp>
  /** The name of the run's http-control backend to copy from, when it has several. */
  backend?: string
}

/**
 * A worker part for apps driven by the http-control protocol: each worker has an app instance of its own
 * and an http-control backend pointed at it. At each sync the main app's state, standing at the checkpoint,
 * is exported (GET {prefix}/export) and imported into the worker's app (POST {prefix}/import): the app must
 * implement both routes, besides checkpoint, rollback and release (docs/parallel.md).
 */
export function httpControlWorkers(options: HttpControlWorkersOptions = {}) {
  if (options.startApp !== undefined && typeof options.startApp !== 'function')
    throw new ConfigError('httpControlWorkers: `startApp(index)` must be a function that starts an instance of the app', { where: 'startApp' })
  const workers = new Map<number, HttpControlState>()

  const mainBackend = (main: MainSystem): HttpControlState => {
    const all = main.stateBackends.filter((b): b is HttpControlState => b instanceof HttpControlState)
    const chosen = options.backend === undefined ? all : all.filter((b) => b.name === options.backend)
    if (chosen.length === 1) return chosen[0]!
    if (all.length === 0)
      throw new ConfigError(
        "httpControlWorkers: the run has no http-control state backend to copy the app's state from; register one (plugins: ['http-control'], or stateBackends: [httpControlState({ url })])",
        { where: 'workerSetup' },
      )
    throw new ConfigError(
      options.backend === undefined
        ? `httpControlWorkers: the run has several http-control backends (${all.map((b) => b.name).join(', ')}); say which one is the app's: httpControlWorkers({ backend: '<name>' })`
        : `httpControlWorkers: the run has no http-control backend named "${options.backend}" (it has ${all.map((b) => b.name).join(', ')})`,
      { where: 'backend' },
    )
  }

  const part: WorkerPart = {
    part: 'httpControlWorkers',
    needsApp: true,
    async prepare(index: number, main: MainSystem) {
      const from = mainBackend(main)
      return {
        stateBackends: (app: { baseUrl: string }): StateBackend[] => {
          const mine = from.forApp(app.baseUrl, `${from.name}:w${index}`)
          workers.set(index, mine)
          return [mine]
        },
        close: () => void workers.delete(index),
      }
    },
    async sync(index, info) {
      const mine = workers.get(index)
      if (!mine) throw new Error(`worker ${index} was not created`)
      await mine.importState(await mainBackend(info.main).exportState())
    },
    covers: (b) => b instanceof HttpControlState,
  }
  const startApp = options.startApp
  return asWorkerSetup(part, startApp && ((index) => startApp(index)), 'startApp(index)')
}
